/**
 * Retention for one kiosk's Stream: acknowledged events go a fixed time after their ack,
 * unacknowledged ones 30 days after they arrived. Stream ids are `<seq>-0`, so both rules
 * become an XTRIM MINID at the first seq that must stay.
 */
import type { RedisClient } from './connect'
import { streamEntrySchema } from './codec'
import type { RetentionPolicy } from '../types'

const entriesSchema = streamEntrySchema.array()
const BATCH = 100
const MAX_BATCHES = 100

export interface QueueKeys {
  stream: string
  /** Sorted set: member = acked seq, score = when that ack arrived. */
  acks: string
}

export async function pruneKioskQueue(
  redis: RedisClient,
  keys: QueueKeys,
  p: RetentionPolicy,
): Promise<number> {
  const ackedBefore = p.now - p.ackedRetentionMs
  let deleted = 0
  // Everything up to the highest seq acknowledged before the cut-off was acked long enough ago.
  // Acks only move forward, so that is the latest ack before it: one member, however many
  // piled up (all of them, spread into Math.max, threw past ~120,000: a kiosk's busy week once
  // ackedRetentionDays was lowered). Instances' clocks a little apart can only make it an
  // earlier ack: the events past it wait for a later ack to age, never go early.
  const latest = Number(
    (await redis.zrevrangebyscore(keys.acks, ackedBefore, '-inf', 'LIMIT', 0, 1))[0] ?? 0,
  )
  const ackedUpTo = Number.isSafeInteger(latest) && latest > 0 ? latest : 0
  if (ackedUpTo > 0) {
    deleted += await redis.xtrim(keys.stream, 'MINID', `${ackedUpTo + 1}-0`)
    await redis.zremrangebyscore(keys.acks, '-inf', ackedBefore)
  }
  const keepFrom = await firstReceivedSince(redis, keys.stream, p.now - p.unackedRetentionMs)
  deleted += await redis.xtrim(keys.stream, 'MINID', `${keepFrom}-0`)
  return deleted
}

/** The first seq received at or after `cutoff`; walks from the oldest entry, bounded. */
async function firstReceivedSince(
  redis: RedisClient,
  stream: string,
  cutoff: number,
): Promise<number> {
  let after = 0
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const entries = entriesSchema.parse(
      await redis.xrange(stream, `${after + 1}-0`, '+', 'COUNT', BATCH),
    )
    for (const [id, fields] of entries) {
      const seq = Number(id.split('-')[0])
      const at = fields.indexOf('receivedAt')
      if (Number(fields[at + 1]) >= cutoff) return seq
      after = seq
    }
    if (entries.length < BATCH) break
  }
  // Everything read so far is older; the next prune continues from here.
  return after + 1
}
