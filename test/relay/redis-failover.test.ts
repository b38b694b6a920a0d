/**
 * A relay on a Redis Cluster of 3 masters and 3 replicas (appendonly yes, appendfsync
 * everysec) with `redisWaitReplicas: 1`, while signed pushes for one busy kiosk flow: the
 * replica of the master holding that kiosk's slot is promoted, first with CLUSTER FAILOVER
 * (the master agrees and hands over), then without its master (the new replica stopped, then
 * the master too, as a dead or cut-off master; CLUSTER FAILOVER TAKEOVER). Every push answered
 * 200 must be in the kiosk's queue afterwards, once. Without the WAIT, the second failover
 * loses the pushes the master answered while its replica was away.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { redisKeys } from '../../relay/store/redis/keys'
import type { RelayHandle } from '../../relay/server'
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster'
import { postPush, scanXml, startTestRelay } from './harness'

const WORKERS = 4
/** Pushes answered 200 wanted between two steps: enough to have pushes in flight at each. */
const STEP = 40
const MAX_PUSHES = 5000

let cluster: TestRedisCluster
beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicas: 1, appendfsync: 'everysec' })
}, 60_000)
afterAll(async () => {
  await cluster?.stop()
})

/** Open pushes from a few workers, each one after the other, until stopped. */
function pushLoop(relay: RelayHandle, kioskId: string) {
  const ok: string[] = []
  const failed: number[] = []
  let sent = 0
  let running = true
  const worker = async () => {
    while (running && sent < MAX_PUSHES) {
      const openid = `v${++sent}`
      const res = await postPush(relay.url, scanXml(openid, `${kioskId}:${openid}`, sent))
      if (res.status === 200) ok.push(openid)
      else failed.push(res.status)
    }
  }
  const done = Promise.all(Array.from({ length: WORKERS }, worker))
  return {
    ok,
    failed,
    /** Resolves once `n` more pushes were answered 200 than when it was called. */
    more: (n: number) => {
      const want = ok.length + n
      return vi.waitFor(() => expect(ok.length).toBeGreaterThanOrEqual(want), {
        timeout: 30_000,
        interval: 20,
      })
    },
    /** Resolves once `n` more answers of any kind came back. */
    answers: (n: number) => {
      const want = ok.length + failed.length + n
      return vi.waitFor(() => expect(ok.length + failed.length).toBeGreaterThanOrEqual(want), {
        timeout: 30_000,
        interval: 20,
      })
    },
    stop: async () => {
      running = false
      await done
    },
  }
}

/**
 * Resolves once the cluster (as its first node sees it) serves `key`'s slot from `port`. A
 * failover under the whole suite's load on two cores took over 15 s once: 30 s.
 */
function servedBy(key: string, port: number) {
  return vi.waitFor(async () => expect((await cluster.ownerOf(key)).master.port).toBe(port), {
    timeout: 30_000,
    interval: 50,
  })
}

describe('a relay on a Redis Cluster while a replica is promoted', () => {
  it('keeps every push it answered 200, through a failover and a takeover', async () => {
    const prefix = `fo-${randomUUID()}:`
    const relay = await startTestRelay(
      'redis',
      cluster.url,
      { redisWaitReplicas: 1, redisWaitTimeoutMs: 500 },
      { redisPrefix: prefix },
    )
    await relay.addKiosk('busy')
    const loop = pushLoop(relay, 'busy')
    try {
      const slotKey = redisKeys(prefix).kiosk('busy')
      const before = await cluster.ownerOf(slotKey)
      const replica = before.replicas[0]
      if (replica === undefined) throw new Error('the busy slot has no replica')
      await loop.more(STEP)

      // 1. A planned failover: the master stops taking writes until its replica caught up.
      await cluster.failover(replica)
      await servedBy(slotKey, replica.port)
      await loop.more(STEP)
      await cluster.settled()
      await loop.more(STEP)

      // 2. The new replica (the old master) stops and loses its link; the master goes on
      // taking writes, which reach no replica: with WAIT they are answered 503, not 200.
      const { master, replicas } = await cluster.ownerOf(slotKey)
      const lagging = replicas[0]
      if (lagging === undefined) throw new Error('the busy slot has no replica')
      process.kill(lagging.pid, 'SIGSTOP')
      try {
        await master.admin.client('KILL', 'TYPE', 'replica')
        await loop.answers(2 * WORKERS)
        // Then the master is gone too, and the stale replica is made master without it.
        process.kill(master.pid, 'SIGSTOP')
        process.kill(lagging.pid, 'SIGCONT')
        await cluster.failover(lagging, 'TAKEOVER')
      } finally {
        process.kill(lagging.pid, 'SIGCONT')
        process.kill(master.pid, 'SIGCONT')
      }
      await cluster.settled()
      await servedBy(slotKey, lagging.port)
      await loop.more(STEP)
    } finally {
      await loop.stop()
    }

    const stored = await relay.store.readEvents('busy', 0, MAX_PUSHES)
    const openids = stored.map((e) => e.openid)
    const missing = loop.ok.filter((o) => !openids.includes(o))
    expect(missing, `${missing.length} of ${loop.ok.length} answered 200 are gone`).toEqual([])
    expect(new Set(openids).size).toBe(openids.length)
    expect(loop.failed.every((s) => s === 503)).toBe(true)
    await relay.close()
  }, 120_000)
})
