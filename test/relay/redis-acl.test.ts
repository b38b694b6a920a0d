/**
 * A relay given a Redis user it cannot work with must say so when it starts, naming what the
 * user lacks and the setting to fix, instead of starting and then answering every push 503: a
 * managed Redis's ACL user without scripts, limited to other keys, without pub/sub, or a URL
 * naming a read-only replica. The ACL rules relay/README.md "Stores" gives are enough for a
 * relay that stores pushes, serves the console and assigns booths.
 */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { openRedisStore } from '../../relay/store/redis/store'
import { startRedis, type TestRedis } from '../helpers/redis'
import { assign, createCampaign, signIn } from './campaign-helpers'
import { postPush, scanXml, startTestRelay } from './harness'

let redis: TestRedis
let admin: Redis
beforeAll(async () => {
  redis = await startRedis({ tcp: true })
  admin = new Redis(redis.url)
}, 60_000)
afterAll(async () => {
  admin?.disconnect()
  await redis?.stop()
})

const cleanups: Array<() => Promise<unknown> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A user `name` (password pw) with these ACL rules; its URL. */
async function user(name: string, ...rules: string[]): Promise<string> {
  await admin.acl('SETUSER', name, 'reset', 'on', '>pw', ...rules)
  return `redis://${name}:pw@${new URL(redis.url).host}`
}

/** Why opening the store at `url` under `prefix` failed ('' when it opened). */
async function openFails(url: string, prefix: string): Promise<string> {
  try {
    const store = await openRedisStore({ url, prefix })
    await store.close()
    return ''
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  }
}

/** The rules relay/README.md "Stores" gives for `prefix`. */
const documented = (prefix: string) => [
  ...['+@all', '-@dangerous', '+info'],
  ...[`~${prefix}*`, `~{${prefix}*`, `&${prefix}*`],
]

describe('starting on a Redis user the ACL does not let do what the relay does', () => {
  it('refuses a user without scripts at start, naming the command and the rules it needs', async () => {
    const prefix = `noscript-${randomUUID()}:`
    const url = await user('noscript', ...documented(prefix), '-@scripting')
    const why = await openFails(url, prefix)
    expect(why).toMatch(/^Redis refused the relay's user: NOPERM .*evalsha/)
    expect(why).toContain('SCANDESK_RELAY_REDIS')
    expect(why).toContain(`~${prefix}* ~{${prefix}* &${prefix}*`)
    // The password in the URL stays out of it.
    expect(why).not.toContain(':pw@')
  })

  it('refuses a user limited to other keys, or without pub/sub, the same way', async () => {
    const prefix = `keys-${randomUUID()}:`
    const other = await user('otherkeys', '+@all', '~other:*', '&*')
    expect(await openFails(other, prefix)).toMatch(/^Redis refused the relay's user: NOPERM .*keys/)
    const noPubSub = await user('nopubsub', ...documented(prefix), '-@pubsub')
    expect(await openFails(noPubSub, prefix)).toMatch(
      /^Redis refused the relay's user: NOPERM .*subscribe/,
    )
  })

  it('refuses a URL naming a read-only replica, saying to name the primary', async () => {
    const replica = await startRedis({ tcp: true })
    cleanups.push(() => replica.stop())
    const r = new Redis(replica.url)
    cleanups.push(() => r.disconnect())
    await r.replicaof('127.0.0.1', new URL(redis.url).port)
    const why = await openFails(replica.url, `replica-${randomUUID()}:`)
    expect(why).toMatch(/^Redis refused the relay's writes: READONLY .*read-only replica/)
    expect(why).toContain('primary')
  })

  it('runs on the documented rules: pushes stored, a campaign made and a booth assigned', async () => {
    const prefix = `acl-${randomUUID()}:`
    const url = await user('relay', ...documented(prefix))
    const relay = await startTestRelay('redis', url, {}, { redisPrefix: prefix })
    cleanups.push(() => relay.close())
    await relay.addKiosk('k1')
    expect((await postPush(relay.url, scanXml('v1', 'k1:v1'))).status).toBe(200)
    const c = await signIn(relay)
    const campaign = await createCampaign(c)
    await assign(c, 'k1', campaign.id)
    expect((await postPush(relay.url, scanXml('v2', 'k1:v2'))).status).toBe(200)
    expect((await relay.store.readEvents('k1', 0, 10)).map((e) => e.openid)).toEqual(['v1', 'v2'])
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200)
  })
})
