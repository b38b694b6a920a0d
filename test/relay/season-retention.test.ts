/**
 * A relay run for a season: what its retention keeps stays bounded however much piled up.
 */
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { Redis } from 'ioredis'
import { RedisCampaignStore } from '../../relay/store/redis/campaigns'
import { redisKeys } from '../../relay/store/redis/keys'
import { pruneKioskQueue } from '../../relay/store/redis/retention'
import { openRedisStore } from '../../relay/store/redis/store'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import type { NewEvent } from '../../relay/store/types'
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

describe('sqlite WAL after a long read', () => {
  it('is cut back to its limit once the read ends, not kept at the size it grew to', async () => {
    const dir = tempDir('relay-wal-')
    const limit = 256 * 1024
    const store = openSqliteStore({ data: dir, walSizeLimitBytes: limit })
    const reader = new Database(join(dir, 'relay.sqlite'))
    try {
      await store.putKiosk({
        kioskId: 'booth-1',
        tokenHash: 'h',
        ticketProxy: true,
        sceneRanges: [],
        now: 1,
      })
      let n = 0
      const push = (): NewEvent => {
        const i = n++
        return {
          id: `ev-${i}`,
          event: 'scan',
          openid: `o-visitor-${i}`,
          scene: `booth-1:${i}`,
          ticket: `gQ${'t'.repeat(94)}`,
          createTime: 1_700_000_000,
          receivedAt: 1_700_000_000_000 + i,
        }
      }
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
