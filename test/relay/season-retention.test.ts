/**
 * A relay run for a season: what its retention keeps stays bounded however much piled up.
 */
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { Redis } from 'ioredis'
import { RedisCampaignStore } from '../../relay/store/redis/campaigns'
import { redisKeys } from '../../relay/store/redis/keys'
import { pruneKioskQueue } from '../../relay/store/redis/retention'
import { openRedisStore } from '../../relay/store/redis/store'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import type { NewEvent, RelayStore } from '../../relay/store/types'
import { startRedis, type TestRedis } from '../helpers/redis'
import { campaignBody } from './campaign-helpers'
import { tempDir } from './harness'

const DAY = 24 * 60 * 60 * 1000

let redis: TestRedis
let client: Redis

beforeAll(async () => {
  redis = await startRedis()
  client = new Redis(redis.url)
})
afterAll(async () => {
  client?.disconnect()
  await redis?.stop()
})

describe('redis retention of a busy kiosk queue', () => {
  it('prunes an ack history of 150,000 entries in one pass, keeping the recent ones', async () => {
    // A booth's week: every event acknowledged as it came (one ack entry each), then the
    // operator lowered ackedRetentionDays so the whole week is due at once. Reading every ack
    // entry and spreading them into Math.max threw past ~120,000 ("Maximum call stack size").
    const old = 150_000
    const recent = 20
    const t0 = Date.UTC(2026, 6, 1)
    const keys = { stream: 'season:stream', acks: 'season:acks' }
    const CHUNK = 10_000
    for (let from = 1; from <= old + recent; from += CHUNK) {
      const batch = client.pipeline()
      for (let seq = from; seq < from + CHUNK && seq <= old + recent; seq++) {
        // The last `recent` events came (and were acknowledged) nine days later.
        const at = seq <= old ? t0 + seq : t0 + 9 * DAY + seq
        batch.xadd(keys.stream, `${seq}-0`, 'receivedAt', String(at))
        batch.zadd(keys.acks, at, String(seq))
      }
      await batch.exec()
    }

    const deleted = await pruneKioskQueue(client, keys, {
      now: t0 + 10 * DAY,
      ackedRetentionMs: 2 * DAY,
      unackedRetentionMs: 30 * DAY,
    })

    expect(deleted).toBe(old)
    expect(await client.xlen(keys.stream)).toBe(recent)
    expect(await client.zcard(keys.acks)).toBe(recent)
    const [first] = await client.xrange(keys.stream, '-', '+', 'COUNT', 1)
    expect(first?.[0]).toBe(`${old + 1}-0`)
  }, 60_000)
})

describe('redis roster upload cut short', () => {
  it('leaves no partial roster for good, and the stored roster never expires', async () => {
    const prefix = 'roster-cut:'
    const store = await openRedisStore({ url: redis.url, prefix })
    try {
      await store.campaigns.createCampaign(
        { ...campaignBody(), id: 'fair', screenKey: 'k'.repeat(43) },
        1,
      )
      const entries = Array.from({ length: 2500 }, (_, i) => ({
        id: `r${i}`,
        name: `Guest ${i}`,
        company: '',
        phone: '',
        code: '',
      }))
      // The relay's link dies during the swap: neither the swap nor the clean-up reaches Redis.
      const own = new Redis(redis.url)
      const campaigns = new RedisCampaignStore(
        own,
        redisKeys(prefix),
        () => Promise.resolve(),
        () => Promise.reject(new Error('not used')),
      )
      vi.spyOn(own, 'eval').mockRejectedValueOnce(new Error('connection lost'))
      vi.spyOn(own, 'del').mockRejectedValueOnce(new Error('connection lost'))
      await expect(campaigns.replaceRoster('fair', entries)).rejects.toThrow('connection lost')
      own.disconnect()
      const left = await client.keys(`*${prefix}*roster-next*`)
      expect(left).toHaveLength(1)
      const ttl = await client.pttl(left[0] ?? '')
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(60 * 60 * 1000)

      // A whole upload: the roster itself is kept (no expiry carried over from the upload).
      const stored = await store.campaigns.replaceRoster('fair', entries)
      expect(stored).toMatchObject({ total: 2500 })
      const rosterKey = redisKeys(prefix).campaignRoster('fair')
      expect(await client.pttl(rosterKey)).toBe(-1)
      expect((await store.campaigns.readRoster('fair', 2499, 10)).entries).toEqual([entries[2499]])
    } finally {
      await store.close()
    }
  })
})

/**
 * Adds the kiosk booth-1 to `store`; returns a maker of its pushes, each from a new visitor,
 * received at `receivedAt` (by default one ms after the one before).
 */
async function boothOne(store: RelayStore): Promise<(receivedAt?: number) => NewEvent> {
  await store.putKiosk({
    kioskId: 'booth-1',
    tokenHash: 'h',
    ticketProxy: true,
    sceneRanges: [],
    now: 1,
  })
  let n = 0
  return (receivedAt = 1_700_000_000_000 + n) => {
    const i = n++
    return {
      id: `ev-${i}`,
      event: 'scan',
      openid: `o-visitor-${i}`,
      scene: `booth-1:${i}`,
      ticket: `gQ${'t'.repeat(94)}`,
      createTime: Math.floor(receivedAt / 1000),
      receivedAt,
    }
  }
}

describe('sqlite WAL after a long read', () => {
  it('is cut back to its limit once the read ends, not kept at the size it grew to', async () => {
    const dir = tempDir('relay-wal-')
    const limit = 256 * 1024
    const store = openSqliteStore({ data: dir, walSizeLimitBytes: limit })
    const reader = new Database(join(dir, 'relay.sqlite'))
    try {
      const push = await boothOne(store)
      const wal = () => statSync(join(dir, 'relay.sqlite-wal')).size
      // A read held open (an export, a backup): no checkpoint can start the WAL over meanwhile.
      reader.prepare('BEGIN').run()
      reader.prepare('SELECT count(*) FROM events').get()
      while (wal() < 8 * limit) {
        await Promise.all(Array.from({ length: 100 }, () => store.appendEvent('booth-1', push())))
      }
      reader.prepare('COMMIT').run()
      // Once the checkpointer has caught up, the next commit starts the WAL over and cuts it.
      const end = Date.now() + 30_000
      while (wal() > limit) {
        if (Date.now() > end) throw new Error(`WAL still ${wal()} bytes`)
        await store.appendEvent('booth-1', push())
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(wal()).toBeLessThanOrEqual(limit)
    } finally {
      reader.close()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

describe('sqlite prune of a big backlog', () => {
  it('deletes in bounded transactions and serves a push between them', async () => {
    // The first prune after ackedRetentionDays was lowered (or after the relay was down a
    // while) finds a season's backlog due at once. One DELETE of it held the event loop and
    // the write lock until it ended: 500,000 events took 5 s, every push waiting meanwhile.
    const dir = tempDir('relay-prune-')
    const chunk = 100
    const backlog = 1000
    const store = openSqliteStore({ data: dir, pruneChunkRows: chunk })
    const reader = new Database(join(dir, 'relay.sqlite'), { readonly: true })
    try {
      const t0 = Date.UTC(2026, 0, 1)
      const push = await boothOne(store)
      for (let i = 0; i < backlog; i += 100) {
        await Promise.all(
          Array.from({ length: 100 }, (_, j) => store.appendEvent('booth-1', push(t0 + i + j))),
        )
      }
      await store.ack('booth-1', backlog, t0 + DAY)
      const count = () =>
        z.object({ n: z.number() }).parse(reader.prepare('SELECT count(*) AS n FROM events').get())
          .n

      let pruned = false
      const pruning = store
        .prune({ now: t0 + 10 * DAY, ackedRetentionMs: 7 * DAY, unackedRetentionMs: 30 * DAY })
        .finally(() => {
          pruned = true
        })
      // Each turn of the event loop, what another connection sees committed; a push as soon
      // as part of the backlog has gone.
      const seen: number[] = []
      let served: boolean | null = null
      while (!pruned) {
        seen.push(count())
        if (served === null && seen.at(-1) !== backlog) {
          served = false
          void store.appendEvent('booth-1', push(t0 + 10 * DAY)).then(() => {
            served = !pruned
          })
        }
        await new Promise((r) => setImmediate(r))
      }
      expect(await pruning).toBe(backlog)
      seen.push(count())
      // The push came while the prune was under way and was answered before it ended.
      expect(served).toBe(true)
      // No transaction took more than a chunk.
      const steps = seen.slice(1).map((c, i) => (seen[i] ?? c) - c)
      expect(Math.max(...steps)).toBeLessThanOrEqual(chunk)
      expect(count()).toBe(1)
    } finally {
      reader.close()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it('ends without an error when the store closes between chunks, the rest left for later', async () => {
    // The relay stopping while a long prune is under way: the rest is pruned at its next start.
    const dir = tempDir('relay-prune-close-')
    const store = openSqliteStore({ data: dir, pruneChunkRows: 10 })
    /** What each prune deleted: the one cut short, then the one at the next start. */
    const deleted: number[] = []
    try {
      const t0 = Date.UTC(2026, 0, 1)
      const push = await boothOne(store)
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => store.appendEvent('booth-1', push(t0 + i))),
      )
      await store.ack('booth-1', 100, t0 + DAY)
      const pruning = store.prune({
        now: t0 + 10 * DAY,
        ackedRetentionMs: 7 * DAY,
        unackedRetentionMs: 30 * DAY,
      })
      await store.attendance.settled()
      await new Promise((r) => setImmediate(r))
      await store.close()
      deleted.push(await pruning)
      expect(deleted[0]).toBeGreaterThan(0)
      expect(deleted[0]).toBeLessThan(100)
    } finally {
      await store.close()
    }
    const again = openSqliteStore({ data: dir })
    try {
      deleted.push(
        await again.prune({
          now: Date.UTC(2026, 0, 1) + 10 * DAY,
          ackedRetentionMs: 7 * DAY,
          unackedRetentionMs: 30 * DAY,
        }),
      )
      expect(deleted.reduce((a, b) => a + b)).toBe(100)
    } finally {
      await again.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
