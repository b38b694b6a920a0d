/**
 * The Redis store's follow-up state (relay/store/follow-up-types.ts). Per campaign, in its
 * slot: a hash of visitor states (JSON), sorted sets of pending tags and messages by due time,
 * the set of messages being sent, and the campaign's WeChat tag. Per kiosk, the cursor into its
 * attendance stream. One lease key lets one instance at a time do the work. Only the lease
 * holder writes states; each write is one script or MULTI in the campaign's slot.
 */
import { z } from 'zod'
import {
  mergeFollowUpVisitor,
  promotion,
  type CampaignTag,
  type FollowUpCounts,
  type FollowUpFailure,
  type FollowUpStore,
  type FollowUpVisitor,
  type MessageUpdate,
  type NewFollowUpVisitor,
  type OutboxRow,
  type TagUpdate,
} from '../follow-up-types'
import { attendanceEntryFields } from './attendance'
import { streamEntrySchema } from './codec'
import type { RedisClient } from './connect'
import type { RedisKeys } from './keys'
import { noFollowUpCounts } from '../../../shared/follow-up-api'

/** KEYS: 1 lease. ARGV: owner, ttl ms. Takes a free lease or renews the owner's own. */
const LEASE = `
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`

/** KEYS: 1 cursor. ARGV: seq. The cursor only moves forward. */
const MOVE_CURSOR = `
local at = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > at then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
`

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

function parseStored(json: string): Stored {
  return storedSchema.parse(JSON.parse(json))
}

export class RedisFollowUpStore implements FollowUpStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    /** The kiosk's attendance rows stream. */
    private readonly rowsKey: (kioskId: string) => string,
  ) {}

  async lease(owner: string, now: number, ttlMs: number): Promise<boolean> {
    void now // Redis keeps the lease's time itself
    return (await this.redis.eval(LEASE, 1, this.keys.followUpLease, owner, ttlMs)) === 1
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
    // Read, merged, written: only the lease holder writes states, so no other write comes
    // between (as updateTags and updateMessages).
    for (const [campaignId, list] of byCampaign) {
      const current = new Map(
        (await this.visitors(campaignId, [...new Set(list.map((v) => v.openid))])).map((v) => [
          v.openid,
          v,
        ]),
      )
      const writes: FollowUpVisitor[] = []
      for (const v of list) {
        const old = current.get(v.openid)
        const next =
          old === undefined
            ? {
                campaignId,
                openid: v.openid,
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
            : mergeFollowUpVisitor(old, v)
        if (next === null) continue
        current.set(v.openid, next)
        writes.push(next)
      }
      await this.write(campaignId, writes)
    }
    // Only after every state is recorded (cross-slot: a separate step, never before).
    await this.redis.eval(MOVE_CURSOR, 1, this.keys.followUpCursor(kioskId), seq)
  }

  /** Visitors' states and their places in the due sets, in one MULTI (the campaign's slot). */
  private async write(campaignId: string, visitors: readonly FollowUpVisitor[]): Promise<void> {
    if (visitors.length === 0) return
    const k = this.keys.followUp(campaignId)
    const m = this.redis.multi()
    for (const v of visitors) {
      m.hset(k.visitors, v.openid, JSON.stringify(strip(v)))
      if (v.tag === 'pending') m.zadd(k.tagDue, v.tagDueAt, v.openid)
      else m.zrem(k.tagDue, v.openid)
      if (v.message === 'pending') m.zadd(k.messageDue, v.messageDueAt, v.openid)
      else m.zrem(k.messageDue, v.openid)
    }
    await m.exec()
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
      const writes: FollowUpVisitor[] = []
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const old: FollowUpVisitor = {
          campaignId,
          openid: flat[i] as string,
          ...parseStored(flat[i + 1] as string),
        }
        const merged = mergeFollowUpVisitor(old, promotion(old, what, now, windowMs))
        if (merged !== null) writes.push(merged)
      }
      await this.write(campaignId, writes)
      changed += writes.length
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

  async sendingMessages(campaignId: string, limit: number): Promise<FollowUpVisitor[]> {
    const openids = await this.redis.srandmember(this.keys.followUp(campaignId).sending, limit)
    return this.visitors(campaignId, openids)
  }

  async updateTags(campaignId: string, openids: readonly string[], u: TagUpdate): Promise<void> {
    const k = this.keys.followUp(campaignId)
    const current = await this.visitors(campaignId, [...openids])
    if (current.length === 0) return
    const m = this.redis.multi()
    for (const v of current) {
      const next: Stored = {
        ...strip(v),
        tag: u.state,
        tagErrcode: u.errcode ?? v.tagErrcode,
        tagDueAt: u.dueAt ?? v.tagDueAt,
        tagAttempts: v.tagAttempts + (u.attempted ? 1 : 0),
      }
      m.hset(k.visitors, v.openid, JSON.stringify(next))
      if (u.state === 'pending') m.zadd(k.tagDue, next.tagDueAt, v.openid)
      else m.zrem(k.tagDue, v.openid)
    }
    await m.exec()
  }

  async updateMessages(
    campaignId: string,
    updates: ReadonlyArray<{ openid: string; u: MessageUpdate }>,
  ): Promise<void> {
    const k = this.keys.followUp(campaignId)
    const current = await this.visitors(
      campaignId,
      updates.map((x) => x.openid),
    )
    const byOpenid = new Map(current.map((v) => [v.openid, v]))
    const m = this.redis.multi()
    for (const { openid, u } of updates) {
      const v = byOpenid.get(openid)
      if (v === undefined) continue
      const next: Stored = {
        ...strip(v),
        message: u.state,
        messageErrcode: u.errcode ?? v.messageErrcode,
        messageDueAt: u.dueAt ?? v.messageDueAt,
        messageAttempts: v.messageAttempts + (u.attempted ? 1 : 0),
      }
      byOpenid.set(openid, { ...v, ...next })
      m.hset(k.visitors, openid, JSON.stringify(next))
      if (u.state === 'pending') m.zadd(k.messageDue, next.messageDueAt, openid)
      else m.zrem(k.messageDue, openid)
      if (u.state === 'sending') m.sadd(k.sending, openid)
      else m.srem(k.sending, openid)
    }
    await m.exec()
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

  /** Reads every visitor of the campaign (cost grows with them; the console asks rarely). */
  private async all(campaignId: string): Promise<FollowUpVisitor[]> {
    const h = await this.redis.hgetall(this.keys.followUp(campaignId).visitors)
    return Object.entries(h).map(([openid, json]) => ({ campaignId, openid, ...parseStored(json) }))
  }

  async counts(campaignId: string): Promise<FollowUpCounts> {
    const c: FollowUpCounts = noFollowUpCounts()
    for (const v of await this.all(campaignId)) {
      if (v.tag === 'tagged') {
        c.tagged++
        if (v.tagAttempts > 1) c.retagged++
      } else if (v.tag === 'pending') c.pending++
      else if (v.tag === 'failed') c.failed++
      if (v.message === 'sent') c.sent++
      else if (v.message === 'outside-window') c.outsideWindow++
      else if (v.message === 'failed') c.messageFailed++
      else if (v.message === 'pending' || v.message === 'sending') c.messagePending++
    }
    return c
  }

  async failures(campaignId: string, limit: number): Promise<FollowUpFailure[]> {
    const out: FollowUpFailure[] = []
    const all = (await this.all(campaignId)).sort((a, b) => a.scannedAt - b.scannedAt)
    for (const v of all) {
      if (v.tag === 'failed') {
        out.push({ openid: v.openid, what: 'tag', state: 'failed', errcode: v.tagErrcode })
      }
      if (v.message === 'failed' || v.message === 'outside-window') {
        out.push({ openid: v.openid, what: 'message', state: v.message, errcode: v.messageErrcode })
      }
      if (out.length >= limit) break
    }
    return out.slice(0, limit)
  }
}

function strip(v: FollowUpVisitor): Stored {
  const { campaignId: _c, openid: _o, ...rest } = v
  return rest
}
