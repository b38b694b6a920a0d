/**
 * The stamp rally on Redis (relay/store/stamp-types.ts): a set of stamped kiosk ids per visitor
 * and a hash of completions, both in the campaign's slot (keys.ts), written by one script, so
 * instances stamping one visitor at once never lose a stamp nor record a completion twice.
 */
import { z } from 'zod'
import type { StampStore, Stamped } from '../stamp-types'
import type { RedisClient } from './connect'
import type { RedisKeys } from './keys'

/**
 * KEYS: 1 the visitor's stamps (set), 2 completions (hash), 3 the campaign's visitors (openid →
 * number). ARGV: 1 kiosk id, 2 openid, 3 now, 4… the rally's kiosk ids. Returns the visitor's
 * stamped kiosk ids and 1 when a completion is recorded for them (now, or before `stamps`
 * gained a booth), else 0. A visitor without a number in the campaign is stamped nothing: the
 * stamp is a step after the push's, and an erasure between the two took the number (their
 * stamps with it), which the stamp must not give back.
 */
const STAMP = `
if redis.call('HEXISTS', KEYS[3], ARGV[2]) == 0 then return {{}, 0} end
redis.call('SADD', KEYS[1], ARGV[1])
local done = #ARGV >= 4
for i = 4, #ARGV do
  if redis.call('SISMEMBER', KEYS[1], ARGV[i]) == 0 then done = false break end
end
if done then redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[3]) end
return {redis.call('SMEMBERS', KEYS[1]), redis.call('HEXISTS', KEYS[2], ARGV[2])}
`

const stampedReply = z.tuple([z.array(z.string()), z.union([z.literal(0), z.literal(1)])])

export class RedisStamps implements StampStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    /** The store's push write (replicated when it waits for replicas). */
    private readonly write: (script: string, keys: string[], args: string[]) => Promise<unknown>,
  ) {}

  async stamp(
    campaignId: string,
    openid: string,
    kioskId: string,
    rally: readonly string[],
    now: number,
  ): Promise<Stamped> {
    const reply = await this.write(
      STAMP,
      [
        this.keys.campaignStamps(campaignId, openid),
        this.keys.campaignStampCompletions(campaignId),
        this.keys.campaignVisitors(campaignId),
      ],
      [kioskId, openid, String(now), ...rally],
    )
    const [stamped, completed] = stampedReply.parse(reply)
    return { stamped: stamped.sort(), completed: completed === 1 }
  }

  async completedCount(campaignIds: readonly string[]): Promise<number> {
    const counts = await Promise.all(
      campaignIds.map((id) => this.redis.hlen(this.keys.campaignStampCompletions(id))),
    )
    return counts.reduce((a, b) => a + b, 0)
  }

  /** HSCAN in pages: a big rally's hash never blocks Redis for one long HKEYS. */
  async completedVisitors(campaignId: string): Promise<Set<string>> {
    const key = this.keys.campaignStampCompletions(campaignId)
    const out = new Set<string>()
    let cursor = '0'
    do {
      const [next, pairs] = await this.redis.hscan(key, cursor, 'COUNT', 1000)
      for (let i = 0; i < pairs.length; i += 2) out.add(pairs[i] ?? '')
      cursor = next
    } while (cursor !== '0')
    return out
  }
}
