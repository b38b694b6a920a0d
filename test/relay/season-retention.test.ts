/**
 * A relay run for a season: what its retention keeps stays bounded however much piled up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { pruneKioskQueue } from '../../relay/store/redis/retention'
import { startRedis, type TestRedis } from '../helpers/redis'

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
