/**
 * The Redis store's follow-up state (relay/store/follow-up-types.ts). Per campaign, in its
 * slot: a hash of visitor states (JSON), sorted sets of pending tags and messages by due time,
 * the set of messages being sent, and the campaign's WeChat tag. Per kiosk, the cursor into its
 * attendance stream. One lease key lets one instance at a time do the work; as a lease can lapse
 * under a slow batch, every state write is a compare-and-set script in the campaign's slot.
 */
import { z } from 'zod'
import {
  followUpCountFields,
  followUpFailuresOf,
  mergeFollowUpVisitor,
  tallyFollowUp,
  promotion,
  type CampaignTag,
  type FollowUpCounts,
  type FollowUpFailure,
  type FollowUpStore,
  type FollowUpVisitor,
  type LeaseAnswer,
  type MessageWrite,
  type NewFollowUpVisitor,
  type OutboxRow,
  type TagUpdate,
} from '../follow-up-types'
import { attendanceEntryFields } from './attendance'
import { streamEntrySchema } from './codec'
import type { RedisClient } from './connect'
import type { RedisKeys } from './keys'
import { runScript } from './run-script'
import { noFollowUpCounts } from '../../../shared/follow-up-api'

/**
 * KEYS: 1 lease. ARGV: owner, ttl ms. Takes a free lease (2) or renews the owner's own while it
 * runs (1); 0 while another owner holds it.
 */
const LEASE = `
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if held then return 1 end
return 2
`

/** KEYS: 1 cursor. ARGV: seq. The cursor only moves forward. */
const MOVE_CURSOR = `
local at = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > at then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
`

/**
 * KEYS: 1 visitors hash, 2 tags due, 3 messages due, 4 messages being sent, 5 the report's
 * counters, 6 its failures, 7 writes before the counters were built (one campaign's slot).
 * ARGV, per visitor: openid, the state JSON read ('' when there was none), the state JSON to
 * write, '1' when its tag is pending, the tag's due time, its message state ('' none), the
 * message's due time, the counters the old state added to and the new one adds to (names
 * separated by spaces), '1' when the new state is in the failures, its scan time. Writes each
 * visitor whose state is still the one read (compare and set), keeping the due and sending
 * sets, and once built the counters and failures, in step; returns the openids written.
 */
const WRITE_VISITORS = `
local built = redis.call('HEXISTS', KEYS[5], 'built') == 1
local out = {}
for i = 1, #ARGV, 11 do
  local openid = ARGV[i]
  if (redis.call('HGET', KEYS[1], openid) or '') == ARGV[i + 1] then
    redis.call('HSET', KEYS[1], openid, ARGV[i + 2])
    if ARGV[i + 3] == '1' then redis.call('ZADD', KEYS[2], ARGV[i + 4], openid)
    else redis.call('ZREM', KEYS[2], openid) end
    if ARGV[i + 5] == 'pending' then redis.call('ZADD', KEYS[3], ARGV[i + 6], openid)
    else redis.call('ZREM', KEYS[3], openid) end
    if ARGV[i + 5] == 'sending' then redis.call('SADD', KEYS[4], openid)
    else redis.call('SREM', KEYS[4], openid) end
    if built then
      for f in string.gmatch(ARGV[i + 7], '%S+') do redis.call('HINCRBY', KEYS[5], f, -1) end
      for f in string.gmatch(ARGV[i + 8], '%S+') do redis.call('HINCRBY', KEYS[5], f, 1) end
      if ARGV[i + 9] == '1' then redis.call('ZADD', KEYS[6], ARGV[i + 10], openid)
      else redis.call('ZREM', KEYS[6], openid) end
    end
    out[#out + 1] = openid
  end
end
if #out > 0 and not built then redis.call('INCR', KEYS[7]) end
return out
`

/**
 * KEYS: 1 counters, 2 failures, 3 writes before the build. ARGV: 1 the writes count read
 * before the visitors were ('' none), 2 how many counter arguments follow (name, value
 * pairs), then those, then the failures' score, openid pairs. Builds the counters and failures
 * unless built already (1) or a visitor was written since that read (0: read and try again).
 */
const BUILD_REPORT = `
if redis.call('HEXISTS', KEYS[1], 'built') == 1 then return 1 end
if (redis.call('GET', KEYS[3]) or '') ~= ARGV[1] then return 0 end
local k = tonumber(ARGV[2])
local h = { 'built', '1' }
for i = 3, 2 + k do h[#h + 1] = ARGV[i] end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], unpack(h))
local z = {}
for i = 3 + k, #ARGV, 2 do
  z[#z + 1] = ARGV[i]
  z[#z + 1] = ARGV[i + 1]
  if #z >= 1000 then redis.call('ZADD', KEYS[2], unpack(z)); z = {} end
end
if #z > 0 then redis.call('ZADD', KEYS[2], unpack(z)) end
return 1
`

/**
 * KEYS: 1 failures, 2 visitors, 3 counters. ARGV: limit. The first `limit` failures' openids
 * and states (read 500 at a time: a Lua call takes a few thousand arguments at most); nil while
 * the report is not built (its failures list is not kept yet).
 */
const READ_FAILURES = `
if redis.call('HEXISTS', KEYS[3], 'built') == 0 then return false end
local ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #ids == 0 then return {} end
local out = {}
for from = 1, #ids, 500 do
  local part = { unpack(ids, from, math.min(#ids, from + 499)) }
  local states = redis.call('HMGET', KEYS[2], unpack(part))
  for i, openid in ipairs(part) do
    out[#out + 1] = openid
    out[#out + 1] = states[i] or ''
  end
end
return out
`
/** Builds of the report tried before reading it by a full recount (each loses only to a write). */
const BUILD_ROUNDS = 3
/** Compare-and-set rounds of one write before giving up (a round loses only to another write). */
const CAS_ROUNDS = 5

const storedSchema = z.object({
  kioskId: z.string(),
  number: z.number(),
  scannedAt: z.number(),
  tag: z.enum(['pending', 'tagged', 'failed']).nullable(),
  tagErrcode: z.number(),
  tagAttempts: z.number(),
  tagDueAt: z.number(),
  message: z.enum(['pending', 'sending', 'sent', 'outside-window', 'failed']).nullable(),
  messageErrcode: z.number(),
  messageAttempts: z.number(),
  messageDueAt: z.number(),
})
type Stored = z.infer<typeof storedSchema>
const tagSchema = z.object({ name: z.string(), id: z.number() })
const entriesSchema = streamEntrySchema.array()

/** A visitor's follow-up state as stored in the campaign's hash (also read by erasures.ts). */
export function parseStored(json: string): Stored {
  return storedSchema.parse(JSON.parse(json))
}

export class RedisFollowUpStore implements FollowUpStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    /** The kiosk's attendance rows stream. */
    private readonly rowsKey: (kioskId: string) => string,
  ) {}

  async lease(owner: string, now: number, ttlMs: number): Promise<LeaseAnswer> {
    void now // Redis keeps the lease's time itself
    const answer = await this.redis.eval(LEASE, 1, this.keys.followUpLease, owner, ttlMs)
    return answer === 1 ? 'renewed' : answer === 2 ? 'taken' : false
  }

  async cursor(kioskId: string): Promise<number> {
    const v = await this.redis.get(this.keys.followUpCursor(kioskId))
    return v === null ? 0 : Number(v)
  }

  async rowsAfter(kioskId: string, afterSeq: number, limit: number): Promise<OutboxRow[]> {
    const raw = await this.redis.xrange(
      this.rowsKey(kioskId),
      `(${afterSeq}-0`,
      '+',
      'COUNT',
      limit,
    )
    return entriesSchema.parse(raw).map(([id, packed]) => {
      const f = attendanceEntryFields(packed)
      const row: OutboxRow = { seq: Number(id.split('-')[0]), openid: '', receivedAt: 0 }
      for (let i = 0; i + 1 < f.length; i += 2) {
        const value = f[i + 1] ?? ''
        if (f[i] === 'openid') row.openid = value
        else if (f[i] === 'receivedAt') row.receivedAt = Number(value)
        else if (f[i] === 'campaignId' && value !== '') row.campaignId = value
      }
      return row
    })
  }

  async numbers(campaignId: string, openids: readonly string[]): Promise<Map<string, number>> {
    const unique = [...new Set(openids)]
    const out = new Map<string, number>()
    if (unique.length === 0) return out
    const got = await this.redis.hmget(this.keys.campaignVisitors(campaignId), ...unique)
    unique.forEach((o, i) => {
      const n = got[i]
      if (n !== null && n !== undefined) out.set(o, Number(n))
    })
    return out
  }

  async record(
    kioskId: string,
    seq: number,
    visitors: readonly NewFollowUpVisitor[],
  ): Promise<void> {
    const byCampaign = new Map<string, NewFollowUpVisitor[]>()
    for (const v of visitors) {
      const list = byCampaign.get(v.campaignId) ?? []
      list.push(v)
      byCampaign.set(v.campaignId, list)
    }
    for (const [campaignId, list] of byCampaign) {
      await this.change(campaignId, [...new Set(list.map((v) => v.openid))], (openid, old) => {
        let cur = old
        for (const v of list) {
          if (v.openid !== openid) continue
          cur =
            cur === undefined
              ? {
                  campaignId,
                  openid,
                  kioskId: v.kioskId,
                  number: v.number,
                  scannedAt: v.scannedAt,
                  tag: v.tag,
                  tagErrcode: 0,
                  tagAttempts: 0,
                  tagDueAt: 0,
                  message: v.message,
                  messageErrcode: 0,
                  messageAttempts: 0,
                  messageDueAt: 0,
                }
              : (mergeFollowUpVisitor(cur, v) ?? cur)
        }
        return cur === old ? null : (cur ?? null)
      })
    }
    // Only after every state is recorded (cross-slot: a separate step, never before).
    await this.redis.eval(MOVE_CURSOR, 1, this.keys.followUpCursor(kioskId), seq)
  }

  /**
   * Visitors' states changed by `next` (null: unchanged) and written with their places in the
   * due sets, each only if its state is still the one `next` was given (WRITE_VISITORS), else
   * read and changed again: two instances may both work for a while (a lease lapsed under a
   * slow batch), and a write from a stale read must not undo another's (a text claimed for
   * sending made due again would be sent twice). Returns the openids written.
   */
  private async change(
    campaignId: string,
    openids: readonly string[],
    next: (openid: string, old: FollowUpVisitor | undefined) => FollowUpVisitor | null,
  ): Promise<string[]> {
    const k = this.keys.followUp(campaignId)
    const written: string[] = []
    let left = [...new Set(openids)]
    for (let round = 0; left.length > 0 && round < CAS_ROUNDS; round++) {
      const raw = await this.redis.hmget(k.visitors, ...left)
      const args: string[] = []
      const tried: string[] = []
      left.forEach((openid, i) => {
        const json = raw[i]
        const old =
          typeof json === 'string' ? { campaignId, openid, ...parseStored(json) } : undefined
        const v = next(openid, old)
        if (v === null) return
        args.push(
          openid,
          json ?? '',
          JSON.stringify(strip(v)),
          v.tag === 'pending' ? '1' : '0',
          String(v.tagDueAt),
          v.message ?? '',
          String(v.messageDueAt),
          (old === undefined ? [] : followUpCountFields(old)).join(' '),
          followUpCountFields(v).join(' '),
          followUpFailuresOf(v).length > 0 ? '1' : '0',
          String(v.scannedAt),
        )
        tried.push(openid)
      })
      left = tried
      if (tried.length === 0) break
      const keys = [k.visitors, k.tagDue, k.messageDue, k.sending, k.counts, k.failed, k.countsGen]
      const done = z
        .array(z.string())
        .parse(await runScript(this.redis, WRITE_VISITORS, keys, args))
      written.push(...done)
      const ok = new Set(done)
      left = left.filter((o) => !ok.has(o))
    }
    if (left.length > 0) throw new Error(`follow-up: ${left.length} visitor writes kept racing`)
    return written
  }

  async promote(
    campaignId: string,
    what: { tag: boolean; message: boolean },
    now: number,
    windowMs: number,
  ): Promise<number> {
    let changed = 0
    let cursor = '0'
    do {
      const [next, flat] = await this.redis.hscan(
        this.keys.followUp(campaignId).visitors,
        cursor,
        'COUNT',
        1000,
      )
      cursor = next
      const openids: string[] = []
      for (let i = 0; i + 1 < flat.length; i += 2) openids.push(flat[i] as string)
      const written = await this.change(campaignId, openids, (_, old) =>
        old === undefined ? null : mergeFollowUpVisitor(old, promotion(old, what, now, windowMs)),
      )
      changed += written.length
    } while (cursor !== '0')
    return changed
  }

  private async due(campaignId: string, key: string, now: number, limit: number) {
    const openids = await this.redis.zrangebyscore(key, '-inf', now, 'LIMIT', 0, limit)
    return this.visitors(campaignId, openids)
  }

  private async visitors(campaignId: string, openids: string[]): Promise<FollowUpVisitor[]> {
    if (openids.length === 0) return []
    const got = await this.redis.hmget(this.keys.followUp(campaignId).visitors, ...openids)
    const out: FollowUpVisitor[] = []
    openids.forEach((openid, i) => {
      const json = got[i]
      if (typeof json === 'string') out.push({ campaignId, openid, ...parseStored(json) })
    })
    return out
  }

  dueTags(campaignId: string, now: number, limit: number): Promise<FollowUpVisitor[]> {
    return this.due(campaignId, this.keys.followUp(campaignId).tagDue, now, limit)
  }

  dueMessages(campaignId: string, now: number, limit: number): Promise<FollowUpVisitor[]> {
    return this.due(campaignId, this.keys.followUp(campaignId).messageDue, now, limit)
  }

  async earliestDue(campaignId: string): Promise<{ tag: number | null; message: number | null }> {
    const k = this.keys.followUp(campaignId)
    // The due sets' first members (their scores are the due times): one round trip.
    const [tag, message] = await Promise.all([
      this.redis.zrange(k.tagDue, 0, 0, 'WITHSCORES'),
      this.redis.zrange(k.messageDue, 0, 0, 'WITHSCORES'),
    ])
    return { tag: firstScore(tag), message: firstScore(message) }
  }

  async sendingMessages(campaignId: string, limit: number): Promise<FollowUpVisitor[]> {
    const openids = await this.redis.srandmember(this.keys.followUp(campaignId).sending, limit)
    return this.visitors(campaignId, openids)
  }

  async updateTags(campaignId: string, openids: readonly string[], u: TagUpdate): Promise<void> {
    await this.change(campaignId, openids, (_, v) =>
      v === undefined || (u.from !== undefined && (v.tag === null || !u.from.includes(v.tag)))
        ? null
        : {
            ...v,
            tag: u.state,
            tagErrcode: u.errcode ?? v.tagErrcode,
            tagDueAt: u.dueAt ?? v.tagDueAt,
            tagAttempts: v.tagAttempts + (u.attempted ? 1 : 0),
          },
    )
  }

  updateMessages(campaignId: string, updates: ReadonlyArray<MessageWrite>): Promise<string[]> {
    const byOpenid = new Map(updates.map((x) => [x.openid, x]))
    return this.change(campaignId, [...byOpenid.keys()], (openid, v) => {
      const x = byOpenid.get(openid)
      if (v === undefined || x === undefined) return null
      if (x.from !== undefined && (v.message === null || !x.from.includes(v.message))) return null
      return {
        ...v,
        message: x.u.state,
        messageErrcode: x.u.errcode ?? v.messageErrcode,
        messageDueAt: x.u.dueAt ?? v.messageDueAt,
        messageAttempts: v.messageAttempts + (x.u.attempted ? 1 : 0),
      }
    })
  }

  async campaignTag(campaignId: string): Promise<CampaignTag | null> {
    const v = await this.redis.get(this.keys.followUp(campaignId).tag)
    return v === null ? null : tagSchema.parse(JSON.parse(v))
  }

  async saveCampaignTag(campaignId: string, tag: CampaignTag | null): Promise<void> {
    const key = this.keys.followUp(campaignId).tag
    if (tag === null) await this.redis.del(key)
    else await this.redis.set(key, JSON.stringify(tag))
  }

  /** Reads every visitor of the campaign (cost grows with them: `recount` and the build). */
  private async all(campaignId: string): Promise<FollowUpVisitor[]> {
    const h = await this.redis.hgetall(this.keys.followUp(campaignId).visitors)
    return Object.entries(h).map(([openid, json]) => ({ campaignId, openid, ...parseStored(json) }))
  }

  async recount(
    campaignId: string,
    limit: number,
  ): Promise<{ counts: FollowUpCounts; failures: FollowUpFailure[] }> {
    return tallyFollowUp(await this.all(campaignId), limit)
  }

  /**
   * The report's counters and failures built from every visitor, once per campaign (a store
   * from before they were kept, or a campaign whose report was never read): compare and set
   * against the visitor writes made meanwhile. false: writes kept coming (read by a recount).
   */
  private async built(campaignId: string): Promise<boolean> {
    const k = this.keys.followUp(campaignId)
    for (let round = 0; round < BUILD_ROUNDS; round++) {
      if ((await this.redis.hexists(k.counts, 'built')) === 1) return true
      const gen = (await this.redis.get(k.countsGen)) ?? ''
      const all = await this.all(campaignId)
      const { counts } = tallyFollowUp(all, 0)
      const args: string[] = [gen, '0']
      for (const [name, n] of Object.entries(counts)) args.push(name, String(n))
      args[1] = String(args.length - 2)
      for (const v of all) {
        if (followUpFailuresOf(v).length > 0) args.push(String(v.scannedAt), v.openid)
      }
      const keys = [k.counts, k.failed, k.countsGen]
      if ((await runScript(this.redis, BUILD_REPORT, keys, args)) === 1) return true
    }
    return false
  }

  async counts(campaignId: string): Promise<FollowUpCounts> {
    const key = this.keys.followUp(campaignId).counts
    // Built (the usual case, each poll): one read, the hash saying so itself.
    let h = await this.redis.hgetall(key)
    if (h.built === undefined) {
      if (!(await this.built(campaignId))) return (await this.recount(campaignId, 0)).counts
      h = await this.redis.hgetall(key)
    }
    const c = noFollowUpCounts()
    for (const name of Object.keys(c) as Array<keyof FollowUpCounts>) {
      const n = Number(h[name] ?? '0')
      if (!Number.isSafeInteger(n) || n < 0) {
        throw new Error(`follow-up: the report's counter ${name} reads ${String(h[name])}`)
      }
      c[name] = n
    }
    return c
  }

  async failures(campaignId: string, limit: number): Promise<FollowUpFailure[]> {
    if (limit <= 0) return []
    const k = this.keys.followUp(campaignId)
    const read = async (): Promise<string[] | null> =>
      z
        .array(z.string())
        .nullable()
        .parse(
          await runScript(
            this.redis,
            READ_FAILURES,
            [k.failed, k.visitors, k.counts],
            [String(limit)],
          ),
        )
    // Built (the usual case, each poll): one script, which checks that itself.
    // (Gone again after it was built, as with the store's data lost: read by a recount.)
    const flat = (await read()) ?? ((await this.built(campaignId)) ? await read() : null)
    if (flat === null) return (await this.recount(campaignId, limit)).failures
    const out: FollowUpFailure[] = []
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const json = flat[i + 1] ?? ''
      if (json === '') continue
      out.push(...followUpFailuresOf({ openid: flat[i] ?? '', ...parseStored(json) }))
    }
    return out.slice(0, limit)
  }
}

/** The score of `ZRANGE key 0 0 WITHSCORES`'s one member; null for an empty set. */
function firstScore(reply: readonly string[]): number | null {
  const score = reply[1]
  return score === undefined ? null : Number(score)
}

function strip(v: FollowUpVisitor): Stored {
  const { campaignId: _c, openid: _o, ...rest } = v
  return rest
}
