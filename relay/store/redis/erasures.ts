/**
 * Visitor erasure on Redis (relay/store/erasure-types.ts): every key it touches is in the
 * campaign's slot (keys.ts), so one script erases all of it at once. The follow-up state and
 * the draws are read first (their counters and redactions are worked out here) and the script
 * writes only while they are still what was read (compare and set), else they are read again.
 */
import { z } from 'zod'
import { drawRecordSchema } from '../../../shared/screen-api'
import {
  redactDraw,
  type ErasureAudit,
  type ErasureInput,
  type ErasureResult,
  type ErasureStore,
} from '../erasure-types'
import { followUpCountFields } from '../follow-up-types'
import type { StoreChange } from '../types'
import type { RedisClient } from './connect'
import { parseStored } from './follow-up'
import type { RedisKeys } from './keys'

/**
 * KEYS: 1 campaign, 2 visitors (numbers), 3 firsts, 4 returning, 5 bindings, 6 binding openids,
 * 7 the visitor's stamps, 8 stamp completions, 9 follow-up visitors, 10 tags due, 11 messages
 * due, 12 messages being sent, 13 the report's counters, 14 its failures, 15 writes before the
 * counters were built, 16 draws, 17 draw version, 18 erasure audit.
 * ARGV: 1 openid, 2 the follow-up state JSON read ('' none), 3 the counters it adds to (names
 * separated by spaces), 4 the audit line JSON, then draw id, record JSON read, redacted JSON
 * for each draw the visitor is in.
 * Returns -1 (no such campaign), -2 (the follow-up state or a draw changed since it was read:
 * read again) or {number (0: none), bindings, stamps, follow-up (0/1), draws}.
 */
const ERASE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local openid = ARGV[1]
if (redis.call('HGET', KEYS[9], openid) or '') ~= ARGV[2] then return -2 end
for i = 5, #ARGV, 3 do
  if (redis.call('HGET', KEYS[16], ARGV[i]) or '') ~= ARGV[i + 1] then return -2 end
end
local number = tonumber(redis.call('HGET', KEYS[2], openid) or '0')
redis.call('HDEL', KEYS[2], openid)
redis.call('HDEL', KEYS[3], openid)
redis.call('HDEL', KEYS[4], openid)
local bindings = 0
local reg = redis.call('HGET', KEYS[6], openid)
if reg then
  redis.call('HDEL', KEYS[6], openid)
  local b = redis.call('HGET', KEYS[5], reg)
  if b and cjson.decode(b).openid == openid then bindings = redis.call('HDEL', KEYS[5], reg) end
end
local stamps = redis.call('SCARD', KEYS[7]) + redis.call('HDEL', KEYS[8], openid)
redis.call('DEL', KEYS[7])
local followUp = 0
if ARGV[2] ~= '' then
  followUp = 1
  redis.call('HDEL', KEYS[9], openid)
  redis.call('ZREM', KEYS[10], openid)
  redis.call('ZREM', KEYS[11], openid)
  redis.call('SREM', KEYS[12], openid)
  if redis.call('HEXISTS', KEYS[13], 'built') == 1 then
    for f in string.gmatch(ARGV[3], '%S+') do redis.call('HINCRBY', KEYS[13], f, -1) end
    redis.call('ZREM', KEYS[14], openid)
  else
    redis.call('INCR', KEYS[15])
  end
end
local draws = 0
for i = 5, #ARGV, 3 do
  redis.call('HSET', KEYS[16], ARGV[i], ARGV[i + 2])
  draws = draws + 1
end
redis.call('INCR', KEYS[17])
redis.call('LPUSH', KEYS[18], ARGV[4])
return {number, bindings, stamps, followUp, draws}
`
/** Compare-and-set rounds before giving up (a round loses only to a write of this visitor). */
const CAS_ROUNDS = 5

const reply = z.union([
  z.literal(-1),
  z.literal(-2),
  z.tuple([z.number(), z.number(), z.number(), z.number(), z.number()]),
])
const auditLine = z.object({ by: z.string(), at: z.number() })

export class RedisErasures implements ErasureStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    /** Published to every instance (their name books and screens read the campaign again). */
    private readonly announce: (change: StoreChange) => Promise<void>,
  ) {}

  async erase(input: ErasureInput): Promise<ErasureResult | null> {
    const { campaignId: c, openid } = input
    const k = this.keys
    const fu = k.followUp(c)
    const keys = [
      k.campaign(c),
      k.campaignVisitors(c),
      k.campaignFirsts(c),
      k.campaignReturning(c),
      k.campaignBindings(c),
      k.campaignBindingOpenids(c),
      k.campaignStamps(c, openid),
      k.campaignStampCompletions(c),
      fu.visitors,
      fu.tagDue,
      fu.messageDue,
      fu.sending,
      fu.counts,
      fu.failed,
      fu.countsGen,
      k.campaignDraws(c),
      k.campaignDrawVersion(c),
      k.campaignErasures(c),
    ]
    const audit = JSON.stringify({ by: input.by, at: input.at })
    for (let round = 0; round < CAS_ROUNDS; round++) {
      const [state, draws] = await Promise.all([
        this.redis.hget(fu.visitors, openid),
        this.redis.hgetall(k.campaignDraws(c)),
      ])
      const counted = state === null ? [] : followUpCountFields(parseStored(state))
      const args = [openid, state ?? '', counted.join(' '), audit]
      for (const [id, json] of Object.entries(draws)) {
        const redacted = redactDraw(
          drawRecordSchema.parse(JSON.parse(json)),
          openid,
          input.pseudonym,
        )
        if (redacted !== null) args.push(id, json, JSON.stringify(redacted))
      }
      const r = reply.parse(await this.redis.eval(ERASE, keys.length, ...keys, ...args))
      if (r === -1) return null
      if (r === -2) continue
      const [number, bindings, stamps, followUp, drawCount] = r
      await this.announce({ type: 'erasure', campaignId: c })
      return {
        number: number > 0 ? number : null,
        bindings,
        stamps,
        followUp: followUp === 1,
        draws: drawCount,
      }
    }
    throw new Error('erasure: the visitor’s follow-up state or the draws kept changing')
  }

  async audit(campaignId: string, limit: number): Promise<ErasureAudit[]> {
    if (limit <= 0) return []
    const lines = await this.redis.lrange(this.keys.campaignErasures(campaignId), 0, limit - 1)
    return lines.map((json) => ({ campaignId, ...auditLine.parse(JSON.parse(json)) }))
  }
}
