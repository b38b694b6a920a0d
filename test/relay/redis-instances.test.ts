/**
 * Two relay instances sharing one Redis, or one Redis Cluster: WeChat may push to either,
 * kiosks connect to either.
 */
import { randomUUID } from 'node:crypto'
import { Cluster, Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { RelayCloseCode } from '../../shared/relay-protocol'
import { RedisTokenStore } from '../../relay/store/redis/token-store'
import type { RelayHandle } from '../../relay/server'
import { startSandbox } from '../../sandbox/server'
import { startRedis, type TestRedis } from '../helpers/redis'
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster'
import { KioskClient, TOKEN, postPush, scanXml, signedQuery, startTestRelay } from './harness'
import { UNDER_LOAD } from '../helpers/wait'

let redis: TestRedis
let cluster: TestRedisCluster
beforeAll(async () => {
  ;[redis, cluster] = await Promise.all([startRedis(), startRedisCluster({ masters: 3 })])
}, 60_000)
afterAll(async () => {
  await Promise.all([redis?.stop(), cluster?.stop()])
})

/** What a test needs of the Redis both instances share, a single one or a cluster. */
interface Shared {
  url: string
  /** A client of its own (closed after the test). */
  client(): Redis | Cluster
  /** Drops every pub/sub connection (ioredis reconnects after ~50 ms). */
  killSubscribers(): Promise<void>
}

const targets: Array<[string, () => Shared]> = [
  [
    'one Redis',
    () => ({
      url: redis.url,
      client: () => new Redis(redis.url),
      async killSubscribers() {
        const admin = new Redis(redis.url)
        await admin.client('KILL', 'TYPE', 'pubsub')
        admin.disconnect()
      },
    }),
  ],
  [
    'a Redis Cluster of 3 masters',
    () => ({
      url: cluster.url,
      client: () => new Cluster(cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }))),
      async killSubscribers() {
        await Promise.all(cluster.nodes.map((n) => n.admin.client('KILL', 'TYPE', 'pubsub')))
      },
    }),
  ],
]

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function pair(shared: Shared, config = {}): Promise<[RelayHandle, RelayHandle, string]> {
  const prefix = `pair-${randomUUID()}:`
  const a = await startTestRelay('redis', shared.url, config, { redisPrefix: prefix })
  const b = await startTestRelay('redis', shared.url, config, { redisPrefix: prefix })
  cleanups.push(
    () => a.close(),
    () => b.close(),
  )
  return [a, b, prefix]
}

async function hello(r: RelayHandle, token: string, kioskId: string) {
  const c = await KioskClient.hello(r.url, token, { kioskId })
  cleanups.push(() => c.close())
  return c
}

describe.each(targets)('two relay instances on %s', (_, target) => {
  let shared: Shared
  beforeAll(() => {
    shared = target()
  })

  it('delivers a push received by A to the kiosk connected to B, in order, once', async () => {
    const [a, b] = await pair(shared)
    const token = await a.addKiosk('k1')
    const kiosk = await hello(b, token, 'k1')
    expect((await postPush(a.url, scanXml('va', 'k1:1', 1))).status).toBe(200)
    expect((await postPush(b.url, scanXml('vb', 'k1:2', 2))).status).toBe(200)
    // WeChat's retry may land on the other instance while the first try is still running.
    const retry = scanXml('vc', 'k1:3', 3)
    const answers = await Promise.all([
      postPush(a.url, retry, signedQuery(TOKEN)),
      postPush(b.url, retry, signedQuery(TOKEN)),
      postPush(a.url, retry, signedQuery(TOKEN)),
    ])
    expect(answers.map((x) => x.status)).toEqual([200, 200, 200])
    await kiosk.waitForScans(3)
    expect(kiosk.scans.map((s) => [s.seq, s.openid])).toEqual([
      [1, 'va'],
      [2, 'vb'],
      [3, 'vc'],
    ])
    kiosk.ack(3)
    await kiosk.close()
    expect((await postPush(a.url, scanXml('vd', 'k1:4', 4))).status).toBe(200)
    const resumed = await KioskClient.hello(a.url, token, {
      kioskId: 'k1',
      epoch: kiosk.welcome.epoch,
      lastSeq: 3,
    })
    cleanups.push(() => resumed.close())
    await resumed.waitForScans(1)
    expect(resumed.scans.map((s) => [s.seq, s.openid])).toEqual([[4, 'vd']])
  })

  it('refuses at B a signed query A has seen, when it carries another body', async () => {
    const [a, b] = await pair(shared)
    await a.addKiosk('k1')
    const q = signedQuery(TOKEN)
    expect((await postPush(a.url, scanXml('real', 'k1:1', 1), q)).status).toBe(200)
    expect((await postPush(b.url, scanXml('forged', 'k1:2', 2), q)).status).toBe(401)
    // WeChat's retry of the same try may land on B: the same body is fine.
    expect((await postPush(b.url, scanXml('real', 'k1:1', 1), q)).status).toBe(200)
    expect((await a.store.readEvents('k1', 0, 10)).map((e) => e.openid)).toEqual(['real'])
  })

  it('keeps one live connection per kiosk across instances, and revocation reaches both', async () => {
    const [a, b] = await pair(shared)
    const token = await a.addKiosk('k1')
    const onA = await hello(a, token, 'k1')
    const onB = await hello(b, token, 'k1')
    expect((await onA.closed).code).toBe(RelayCloseCode.replaced)
    expect(onB.ws.readyState).toBe(onB.ws.OPEN)
    await a.revokeKiosk('k1')
    expect((await onB.closed).code).toBe(RelayCloseCode.revoked)
    await expect(KioskClient.connect(b.url, token)).rejects.toThrow('HTTP 401')
  })

  it('catches up on what B missed while its subscriber was away: a scan, a revocation', async () => {
    const [a, b] = await pair(shared)
    const token = await a.addKiosk('k1')
    const other = await a.addKiosk('k2')
    const k1 = await hello(b, token, 'k1')
    const k2 = await hello(b, other, 'k2')
    // Both instances' subscribers drop (ioredis reconnects after ~50 ms); what A publishes
    // meanwhile never reaches B. Without a resync, B's kiosks would wait for the heartbeat
    // (30 s) for the scan and keep a revoked token's socket open until then.
    await shared.killSubscribers()
    expect((await postPush(a.url, scanXml('va', 'k1:1', 1))).status).toBe(200)
    await a.revokeKiosk('k2')
    // 15 s: room for a loaded CI, still half the heartbeat a missing resync would wait for.
    await k1.waitForScans(1, 15_000)
    expect(k1.scans.map((s) => [s.seq, s.openid])).toEqual([[1, 'va']])
    expect((await k2.closed).code).toBe(RelayCloseCode.revoked)

    // A newer connection of k1 on A during the next gap: B's session yields once B is back.
    await shared.killSubscribers()
    const newer = await hello(a, token, 'k1')
    expect((await k1.closed).code).toBe(RelayCloseCode.replaced)
    expect(newer.ws.readyState).toBe(newer.ws.OPEN)
  })

  it('a stale link on B yields to a newer one on A though B’s first read after the gap fails', async () => {
    const [a, b] = await pair(shared)
    const token = await a.addKiosk('k1')
    const old = await hello(b, token, 'k1')
    // B's command connection blips just as its subscriber comes back: the resync's read of
    // the kiosk's newest connection fails once. The 'connected' change A published during the
    // gap is never repeated, so without a retry B's stale session lives on (and keeps getting
    // the kiosk's scans) until the next change.
    const generation = b.store.connectionGeneration.bind(b.store)
    let refused = 0
    const spy = vi.spyOn(b.store, 'connectionGeneration').mockImplementation(async (kioskId) => {
      if (refused++ === 0) throw new Error('Connection is closed.')
      return generation(kioskId)
    })
    cleanups.push(() => Promise.resolve(spy.mockRestore()))
    await shared.killSubscribers()
    const newer = await hello(a, token, 'k1')
    expect((await old.closed).code).toBe(RelayCloseCode.replaced)
    expect(refused).toBeGreaterThan(0)
    expect(newer.ws.readyState).toBe(newer.ws.OPEN)
  })

  it('shares one WeChat access token between instances', async () => {
    const sandbox = await startSandbox({})
    cleanups.push(() => sandbox.close())
    const o = sandbox.options
    const [a, b, prefix] = await pair(shared, {
      wechat: { appId: o.appId, appSecret: o.appSecret, token: TOKEN, apiBase: sandbox.url },
    })
    const token = await a.addKiosk('k1')
    const ticket = (r: RelayHandle) =>
      fetch(`${r.url}/api/tickets`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ count: 1, expireSeconds: 600 }),
      })
    expect((await ticket(a)).status).toBe(200)
    const client = shared.client()
    cleanups.push(() => client.quit())
    const key = `${prefix}wechat-token:${o.appId}`
    const cached = await client.get(key)
    expect(cached).not.toBeNull()
    expect((await ticket(b)).status).toBe(200)
    // B used the cached token instead of fetching (and storing) its own.
    expect(await client.get(key)).toBe(cached)
  })
})

describe('RedisTokenStore', () => {
  it('expires with the token and only clears the token it was asked to', async () => {
    const client = new Redis(redis.url)
    cleanups.push(() => client.quit())
    const now = Date.now()
    const store = new RedisTokenStore(client, `ts-${randomUUID()}`, () => now)
    expect(await store.get()).toBeNull()
    await store.set({ token: 'T1', expiresAt: now + 60_000 })
    expect(await store.get()).toEqual({ token: 'T1', expiresAt: now + 60_000 })
    await store.clearIf('T0')
    expect((await store.get())?.token).toBe('T1')
    await store.clearIf('T1')
    expect(await store.get()).toBeNull()
    await store.set({ token: 'T2', expiresAt: now + 30 })
    // Expired after its 30 ms, by Redis's own clock.
    await vi.waitFor(async () => expect(await store.get()).toBeNull(), UNDER_LOAD)
  })
})
