// Opening the Redis store where no Redis answers: the error says why (what ioredis reported on
// its 'error' event), not only ioredis's "Connection is closed.", so `kiosk add --redis …` or
// a relay started against a wrong address names the address and the reason.
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonLogger } from '../../relay/log'
import { openRedisStore } from '../../relay/store/redis/store'
import { startRedis, turnOnAppendOnly, type TestRedis } from '../helpers/redis'
import { startTestRelay } from './harness'

describe('opening the Redis store without a Redis', () => {
  it('names the address and the reason when nothing listens there', async () => {
    // Port 1 on loopback: refused at once.
    const err = await openRedisStore({ url: 'redis://127.0.0.1:1' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toMatch(/Redis.*ECONNREFUSED 127\.0\.0\.1:1/)
    // The setting that chose the address, as a container or a unit file spells it.
    expect((err as Error).message).toContain('the redis setting (--redis, SCANDESK_RELAY_REDIS)')
  })

  it('names a socket path that does not exist', async () => {
    const path = '/tmp/scandesk-no-such-redis.sock'
    const err = await openRedisStore({ url: path }).catch((e: unknown) => e)
    expect((err as Error).message).toMatch(/Redis.*ENOENT .*scandesk-no-such-redis\.sock/)
  })

  it('keeps a password in the address out of the message', async () => {
    const url = 'redis://:s3cret-pass@127.0.0.1:1'
    const err = await openRedisStore({ url }).catch((e: unknown) => e)
    expect((err as Error).message).toMatch(/ECONNREFUSED/)
    expect((err as Error).message).not.toContain('s3cret-pass')
  })
})

describe('opening the Redis store on a numbered database', () => {
  let redis: TestRedis
  beforeAll(async () => {
    redis = await startRedis({ tcp: true })
  })
  afterAll(async () => {
    await redis.stop()
  })

  it('refuses a database the server does not have, instead of writing to database 0', async () => {
    // ioredis sends SELECT once connected and drops its refusal on the 'error' event: the relay
    // started, answered /healthz ok and kept everything in database 0.
    const url = redis.url.replace('redis://', 'redis://:s3cret-pass@') + '/99'
    const err = await openRedisStore({ url }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toMatch(/cannot use Redis database 99: .*out of range/)
    expect((err as Error).message).toContain('the redis setting (--redis, SCANDESK_RELAY_REDIS)')
    expect((err as Error).message).not.toContain('s3cret-pass')
    const zero = new Redis(redis.url)
    expect(await zero.dbsize()).toBe(0)
    zero.disconnect()
  })

  it('rediss:// at this plain port says so and to use redis://, not a connect timeout', async () => {
    // A plain Redis reads the TLS ClientHello as an unfinished inline command and answers
    // nothing: ioredis waited its whole connect timeout, then "connect ETIMEDOUT".
    const url = redis.url.replace('redis://', 'rediss://:s3cret-pass@')
    const err = await openRedisStore({ url }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toMatch(
      /cannot connect to Redis: 127\.0\.0\.1:\d+ speaks plain Redis, not TLS: use redis:\/\//,
    )
    expect((err as Error).message).not.toContain('s3cret-pass')
  })

  it('rediss-cluster:// at this plain port says so and to use redis-cluster://, not a timeout', async () => {
    // The Cluster client's TLS seed got no answer either: 10 s, then "Failed to refresh slots
    // cache."
    const url = redis.url.replace('redis://', 'rediss-cluster://:s3cret-pass@')
    const err = await openRedisStore({ url }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toMatch(
      /cannot connect to Redis: 127\.0\.0\.1:\d+ speaks plain Redis, not TLS: use redis-cluster:\/\//,
    )
    expect((err as Error).message).not.toContain('s3cret-pass')
  })

  it('keeps its keys in the database the URL names', async () => {
    const store = await openRedisStore({ url: `${redis.url}/3` })
    await store.close()
    const three = new Redis(`${redis.url}/3`)
    const zero = new Redis(redis.url)
    expect(await three.dbsize()).toBeGreaterThan(0)
    expect(await zero.dbsize()).toBe(0)
    three.disconnect()
    zero.disconnect()
  })
})

describe('opening the Redis store on a Redis that may evict keys', () => {
  let redis: TestRedis
  let admin: Redis
  beforeAll(async () => {
    redis = await startRedis()
    admin = new Redis({ path: redis.url })
    // Persistence as the docs ask: only the memory settings differ between cases.
    await turnOnAppendOnly(admin)
  })
  afterAll(async () => {
    admin.disconnect()
    await redis.stop()
  })

  /** The warnings the store gives at open, with `maxmemory` and its policy set first. */
  async function warningsWith(maxmemory: string, policy: string): Promise<string[]> {
    await admin.config('SET', 'maxmemory', maxmemory)
    await admin.config('SET', 'maxmemory-policy', policy)
    const warnings: string[] = []
    const store = await openRedisStore({
      url: redis.url,
      prefix: `evict-${policy}-${maxmemory}:`,
      warn: (message) => warnings.push(message),
    })
    await store.close()
    return warnings
  }

  it('warns at start when a memory limit lets Redis evict queues and attendance', async () => {
    for (const policy of ['allkeys-lru', 'volatile-ttl', 'allkeys-random']) {
      const warnings = await warningsWith('100mb', policy)
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain(`maxmemory-policy ${policy}`)
      expect(warnings[0]).toContain('noeviction')
    }
  })

  it('the relay logs it as a warning when it starts', async () => {
    await admin.config('SET', 'maxmemory', '100mb')
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru')
    const lines: string[] = []
    const relay = await startTestRelay(
      'redis',
      redis.url,
      {},
      { log: jsonLogger((l) => lines.push(l)) },
    )
    await relay.close()
    const warned = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.level === 'warn' && String(l.msg).includes('maxmemory-policy allkeys-lru'))
    expect(warned).toHaveLength(1)
  })

  it('says nothing for noeviction, or without a memory limit', async () => {
    expect(await warningsWith('100mb', 'noeviction')).toEqual([])
    expect(await warningsWith('0', 'allkeys-lru')).toEqual([])
  })
})

describe('opening the Redis store on a Redis without an append-only file', () => {
  it('warns at start that answered pushes and the whole store can be lost, until appendonly is on', async () => {
    const redis = await startRedis()
    const admin = new Redis({ path: redis.url })
    try {
      const warnings: string[] = []
      const open = async () => {
        const store = await openRedisStore({
          url: redis.url,
          prefix: 'aof:',
          warn: (message) => warnings.push(message),
        })
        await store.close()
      }
      await open()
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain('appendonly no')
      expect(warnings[0]).toContain('appendonly yes')
      await turnOnAppendOnly(admin)
      await open()
      expect(warnings).toHaveLength(1)
    } finally {
      admin.disconnect()
      await redis.stop()
    }
  })
})

describe('opening the Redis store as a user not allowed INFO', () => {
  it('warns that appendonly and the eviction policy could not be checked', async () => {
    const redis = await startRedis({ tcp: true })
    const admin = new Redis(redis.url)
    try {
      await admin.config('SET', 'maxmemory', '100mb')
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru')
      const rules = ['+@all', '-info', '~noinfo:*', '~{noinfo:*', '&noinfo:*']
      await admin.acl('SETUSER', 'noinfo', 'reset', 'on', '>pw', ...rules)
      const warnings: string[] = []
      const store = await openRedisStore({
        url: `redis://noinfo:pw@${new URL(redis.url).host}`,
        prefix: 'noinfo:',
        warn: (message) => warnings.push(message),
      })
      await store.close()
      // An evicting Redis without an append-only file, and not a word said of it: say at
      // least that nobody looked.
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(/^Redis refused INFO \(NOPERM/)
      expect(warnings[0]).toContain('appendonly')
      expect(warnings[0]).toContain('noeviction')
    } finally {
      admin.disconnect()
      await redis.stop()
    }
  })
})
