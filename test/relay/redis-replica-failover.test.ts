/**
 * A relay on one Redis (not a Cluster) behind a managed service's endpoint, while the service
 * fails over: the primary stops taking writes, its replica catches up and is promoted, the old
 * primary becomes the new one's replica (REPLICAOF) and the endpoint moves to the new primary.
 * The relay's open connection still reaches the old primary, which now answers every write
 * with READONLY: the relay must go to the endpoint again by itself, keep every push it answered
 * 200, and say it is healthy again. The endpoint is a TCP proxy on 127.0.0.1 whose new
 * connections go where it is pointed (as a DNS name moved to another host).
 */
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { RelayHandle } from '../../relay/server'
import { startRedis, type TestRedis } from '../helpers/redis'
import { throttleProxy, type ThrottleProxy } from '../helpers/throttle-proxy'
import { UNDER_LOAD } from '../helpers/wait'
import { postPush, scanXml, startTestRelay } from './harness'

/** Pushes sent at most, one after the other: bounded load. */
const MAX_PUSHES = 2000

const cleanups: Array<() => Promise<unknown> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const portOf = (url: string): number => Number(new URL(url).port)

/** The `name:value` field of an INFO text. */
function infoField(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim()
}

/** One push after the other until stopped: which were answered 200, which not. */
function pushLoop(relay: RelayHandle, kioskId: string) {
  const ok: string[] = []
  const failed: number[] = []
  let running = true
  let sent = 0
  const done = (async () => {
    while (running && sent < MAX_PUSHES) {
      const openid = `v${++sent}`
      const res = await postPush(relay.url, scanXml(openid, `${kioskId}:${openid}`, sent))
      if (res.status === 200) ok.push(openid)
      else failed.push(res.status)
    }
  })()
  return {
    ok,
    failed,
    /** Resolves once `n` more pushes were answered 200 than when it was called. */
    more: (n: number) => {
      const want = ok.length + n
      return vi.waitFor(() => expect(ok.length).toBeGreaterThanOrEqual(want), UNDER_LOAD)
    },
    stop: async () => {
      running = false
      await done
    },
  }
}

describe('a relay on one Redis whose primary is demoted to a replica (a managed failover)', () => {
  it('goes to the new primary by itself, keeps every push it answered 200, and is healthy again', async () => {
    const a: TestRedis = await startRedis({ tcp: true })
    cleanups.push(() => a.stop())
    const b: TestRedis = await startRedis({ tcp: true })
    cleanups.push(() => b.stop())
    const adminA = new Redis(a.url)
    const adminB = new Redis(b.url)
    cleanups.push(() => {
      adminA.disconnect()
      adminB.disconnect()
    })
    await adminB.replicaof('127.0.0.1', portOf(a.url))
    await vi.waitFor(
      async () =>
        expect(infoField(await adminB.info('replication'), 'master_link_status')).toBe('up'),
      UNDER_LOAD,
    )
    const endpoint: ThrottleProxy = await throttleProxy(portOf(a.url), null)
    cleanups.push(() => endpoint.close())

    const relay = await startTestRelay('redis', `redis://127.0.0.1:${portOf(endpoint.url)}`)
    cleanups.push(() => relay.close())
    await relay.addKiosk('k')
    const loop = pushLoop(relay, 'k')
    cleanups.push(() => loop.stop())
    await loop.more(20)

    // The failover, as a managed service runs it: writes paused on the primary until its
    // replica has all of them, the replica promoted, the endpoint moved, the old primary made
    // the new one's replica, writes let go (they now meet a replica).
    await adminA.client('PAUSE', 10_000, 'WRITE')
    await vi.waitFor(async () => {
      const primary = infoField(await adminA.info('replication'), 'master_repl_offset')
      const replica = infoField(await adminB.info('replication'), 'slave_repl_offset')
      expect(replica).toBe(primary)
    }, UNDER_LOAD)
    await adminB.replicaof('NO', 'ONE')
    endpoint.retarget(portOf(b.url))
    await adminA.replicaof('127.0.0.1', portOf(b.url))
    await adminA.client('UNPAUSE')

    // Pushes are stored again, on the new primary, without a restart.
    await loop.more(20)
    await loop.stop()
    expect(infoField(await adminB.info('replication'), 'role')).toBe('master')
    const stored = (await relay.store.readEvents('k', 0, MAX_PUSHES)).map((e) => e.openid)
    const missing = loop.ok.filter((o) => !stored.includes(o))
    expect(missing, `${missing.length} of ${loop.ok.length} answered 200 are gone`).toEqual([])
    expect(new Set(stored).size).toBe(stored.length)
    // A push not answered 200 was refused so that WeChat sends it again.
    expect(loop.failed.every((s) => s === 503)).toBe(true)

    await vi.waitFor(async () => {
      const health = await fetch(`${relay.url}/healthz`)
      expect(health.status).toBe(200)
    }, UNDER_LOAD)
  }, 90_000)
})
