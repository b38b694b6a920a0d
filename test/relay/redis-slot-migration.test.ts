/**
 * A relay on a Redis Cluster while the busy kiosk's hash slot moves to another master (a
 * resharding: SETSLOT IMPORTING/MIGRATING, its keys MIGRATEd a few at a time, then SETSLOT
 * NODE), with signed pushes flowing: while the slot's keys sit on two nodes the push's script
 * meets ASK and TRYAGAIN, which the Cluster client follows or the push is answered 503. Every push answered 200 must be in
 * the kiosk's queue afterwards, once, and the slot served by its new master.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { redisKeys } from '../../relay/store/redis/keys'
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster'
import { UNDER_LOAD } from '../helpers/wait'
import { postPush, scanXml, startTestRelay } from './harness'

/** Pushes sent at most, one after the other: bounded load. */
const MAX_PUSHES = 2000

let cluster: TestRedisCluster
beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 2, replicas: 0 })
}, 60_000)
afterAll(async () => {
  await cluster?.stop()
})

describe('a relay on a Redis Cluster while a kiosk’s slot migrates', () => {
  it('keeps every push it answered 200 through the move, once each', async () => {
    const prefix = `mig-${randomUUID()}:`
    const relay = await startTestRelay('redis', cluster.url, {}, { redisPrefix: prefix })
    await relay.addKiosk('busy')
    const ok: string[] = []
    const failed: number[] = []
    let running = true
    let sent = 0
    const loop = (async () => {
      while (running && sent < MAX_PUSHES) {
        const openid = `v${++sent}`
        const res = await postPush(relay.url, scanXml(openid, `busy:${openid}`, sent))
        if (res.status === 200) ok.push(openid)
        else failed.push(res.status)
      }
    })()
    const more = (n: number) => {
      const want = ok.length + n
      return vi.waitFor(() => expect(ok.length).toBeGreaterThanOrEqual(want), UNDER_LOAD)
    }
    try {
      await more(30)
      const slotKey = redisKeys(prefix).kiosk('busy')
      const { master: source } = await cluster.ownerOf(slotKey)
      const target = cluster.nodes.find((n) => n.port !== source.port)
      if (target === undefined) throw new Error('no other master')
      const slot = Number(await source.admin.cluster('KEYSLOT', slotKey))
      const sourceId = String(await source.admin.cluster('MYID'))
      const targetId = String(await target.admin.cluster('MYID'))
      await target.admin.cluster('SETSLOT', slot, 'IMPORTING', sourceId)
      await source.admin.cluster('SETSLOT', slot, 'MIGRATING', targetId)
      // Ten keys a MIGRATE, as redis-cli --cluster reshard moves them, pushes flowing.
      for (;;) {
        const batch = await source.admin.cluster('GETKEYSINSLOT', slot, 10)
        if (batch.length === 0) break
        await source.admin.migrate(
          '127.0.0.1',
          target.port,
          '',
          0,
          5000,
          'REPLACE',
          'KEYS',
          ...batch,
        )
      }
      for (const node of cluster.nodes) {
        await node.admin.cluster('SETSLOT', slot, 'NODE', targetId)
      }
      await vi.waitFor(
        async () => expect((await cluster.ownerOf(slotKey)).master.port).toBe(target.port),
        UNDER_LOAD,
      )
      await more(30)
    } finally {
      running = false
      await loop
    }
    const stored = (await relay.store.readEvents('busy', 0, MAX_PUSHES)).map((e) => e.openid)
    const missing = ok.filter((o) => !stored.includes(o))
    expect(missing, `${missing.length} of ${ok.length} answered 200 are gone`).toEqual([])
    expect(new Set(stored).size).toBe(stored.length)
    expect(failed.every((s) => s === 503)).toBe(true)
    await relay.close()
  }, 120_000)
})
