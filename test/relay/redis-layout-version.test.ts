/**
 * The Redis layout marker (`{<prefix>g}:layout`): a relay names the layout it keeps its data in,
 * refuses at start a Redis a newer relay has marked (a relay rolled back, or the older half of a
 * rolling deploy started again) and changes nothing there, upgrades one with no marker (the
 * current layout, or the one before the Cluster key names), and a relay already running sees
 * at its health probe that a newer one has taken the data over. On a Redis Cluster too (whose data
 * never had the layout before the Cluster key names): refused with nothing written, marked.
 */
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { REDIS_LAYOUT } from '../../relay/store/redis/migrate-layout'
import { openRedisStore } from '../../relay/store/redis/store'
import { StoreLostError, type RelayStore } from '../../relay/store/types'
import { DatabaseTooNewError } from '../../shared/server/migrate'
import { storePlaces } from './store-backends'

const at = storePlaces('layout', { cluster: true })
const cleanups: Array<() => Promise<unknown> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function admin(): Redis {
  const r = new Redis({ path: at.redis.url })
  cleanups.push(() => void r.disconnect())
  return r
}

async function open(prefix: string): Promise<RelayStore> {
  const store = await openRedisStore({ url: at.redis.url, prefix })
  cleanups.push(() => store.close())
  return store
}

/** What opening a store at `url` under `prefix` threw (one that opens fails the test). */
function refusal(url: string, prefix: string): Promise<unknown> {
  return openRedisStore({ url, prefix }).then(
    (s) => {
      cleanups.push(() => s.close())
      throw new Error('the store opened')
    },
    (err: unknown) => err,
  )
}

/**
 * Every key under `prefix` with its type and content: what "changes nothing" compares. `r`: a
 * single Redis, or a Cluster's node (its own keys: every node's dump together is the Cluster's).
 */
async function dump(r: Redis, prefix: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  const keys = (await r.keys(`*${prefix}*`)).sort()
  for (const key of keys) {
    const type = await r.type(key)
    if (type === 'string') out[key] = await r.get(key)
    else if (type === 'hash') out[key] = await r.hgetall(key)
    else if (type === 'set') out[key] = (await r.smembers(key)).sort()
    else if (type === 'zset') out[key] = await r.zrange(key, 0, -1, 'WITHSCORES')
    else if (type === 'stream') out[key] = await r.xrange(key, '-', '+')
    else out[key] = type
  }
  return out
}

/** Kiosk k1 under the key names before the Cluster layout (migrate-layout.ts moves them). */
async function oldKiosk(r: Redis, prefix: string): Promise<void> {
  await r
    .multi()
    .hset(`${prefix}kiosk:k1`, {
      ...{ tokenHash: 'h', epoch: 'e', headSeq: '0', ackedSeq: '0' },
      ...{ ranges: '[]', ticketProxy: '0', createdAt: '1' },
    })
    .sadd(`${prefix}kiosks`, 'k1')
    .exec()
}

describe('redis layout marker', () => {
  it('a relay marks the layout its data is in, on a new Redis and on one before the marker', async () => {
    const r = admin()
    const fresh = at.prefix()
    await open(fresh)
    expect(await r.get(`{${fresh}g}:layout`)).toBe(String(REDIS_LAYOUT))

    // A Redis a relay before the Cluster key names wrote: moved, then marked.
    const old = at.prefix()
    await oldKiosk(r, old)
    const store = await open(old)
    expect((await store.listKiosks()).map((k) => k.kioskId)).toEqual(['k1'])
    expect(await r.get(`{${old}g}:layout`)).toBe(String(REDIS_LAYOUT))
  })

  it('refuses a Redis a newer relay marked, saying so, and changes nothing there', async () => {
    const r = admin()
    const p = at.prefix()
    // A newer relay's data, with keys of the layout before the marker beside it: an older relay
    // must neither move them nor write its own store id, counters or marker.
    await r.set(`{${p}g}:layout`, String(REDIS_LAYOUT + 1))
    await oldKiosk(r, p)
    const before = await dump(r, p)

    const refused = await refusal(at.redis.url, p)
    expect(refused).toBeInstanceOf(DatabaseTooNewError)
    expect((refused as Error).message).toBe(
      `relay Redis data under prefix ${p} is version ${REDIS_LAYOUT + 1}, newer than this ` +
        `program knows (${REDIS_LAYOUT}): a newer ScanDesk wrote it. It was left as it is. ` +
        'Run that newer version; to go back to this one, restore the backup made before the ' +
        'upgrade.',
    )
    expect(await dump(r, p)).toEqual(before)
  })

  it('refuses a marker no relay writes, and changes nothing', async () => {
    const r = admin()
    const p = at.prefix()
    await r.set(`{${p}g}:layout`, 'two')
    const before = await dump(r, p)
    await expect(openRedisStore({ url: at.redis.url, prefix: p })).rejects.toThrow(
      `Redis key {${p}g}:layout holds "two", which no ScanDesk relay writes`,
    )
    expect(await dump(r, p)).toEqual(before)
  })

  it('a running relay whose Redis a newer relay marked fails its health probe until restarted', async () => {
    const r = admin()
    const p = at.prefix()
    const store = await open(p)
    await store.probeWrite(Date.now())
    await r.set(`{${p}g}:layout`, String(REDIS_LAYOUT + 1))
    const failed = await store.probeWrite(Date.now()).then(
      () => new Error('the probe passed'),
      (err: unknown) => err,
    )
    expect(failed).toBeInstanceOf(StoreLostError)
    expect((failed as Error).message).toMatch(
      new RegExp(`layout ${REDIS_LAYOUT + 1}, newer than this relay knows \\(${REDIS_LAYOUT}\\)`),
    )
  })
})

describe('redis layout marker on a Redis Cluster', () => {
  /** The Cluster's keys under `prefix`, node by node (every node a master). */
  const dumpCluster = (prefix: string) =>
    Promise.all(at.cluster.nodes.map((n) => dump(n.admin, prefix)))
  const marker = async (p: string) => {
    const key = `{${p}g}:layout`
    return { key, node: (await at.cluster.ownerOf(key)).master.admin }
  }

  it('a relay marks the layout of a Cluster with no marker', async () => {
    const p = at.prefix()
    const { key, node } = await marker(p)
    expect(await node.get(key)).toBeNull()
    const store = await openRedisStore({ url: at.cluster.url, prefix: p })
    cleanups.push(() => store.close())
    expect(await node.get(key)).toBe(String(REDIS_LAYOUT))
  })

  it('refuses a Cluster a newer relay marked, and writes nothing on any node', async () => {
    const p = at.prefix()
    const { key, node } = await marker(p)
    await node.set(key, String(REDIS_LAYOUT + 1))
    const before = await dumpCluster(p)
    expect(before.flatMap((d) => Object.keys(d))).toEqual([key])

    const refused = await refusal(at.cluster.url, p)
    expect(refused).toBeInstanceOf(DatabaseTooNewError)
    expect((refused as Error).message).toMatch(
      `relay Redis data under prefix ${p} is version ${REDIS_LAYOUT + 1}, newer than this program`,
    )
    expect(await dumpCluster(p)).toEqual(before)
  })
})
