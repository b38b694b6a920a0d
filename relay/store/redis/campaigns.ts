/**
 * The campaign half of the Redis store (relay/store/campaign-types.ts): one hash per campaign
 * in the campaign's slot (keys.ts), with the visitors' numbers beside it so ASSIGN_NUMBER
 * touches one slot; a set lists the ids. Changes are published on the store's channel.
 */
import { z } from 'zod'
import {
  consoleCampaignSchema,
  type CampaignInput,
  type ConsoleCampaign,
} from '../../../shared/campaign'
import { randomBytes } from 'node:crypto'
import type {
  Binding,
  CampaignRecord,
  CheckinRecord,
  CampaignStore,
  RosterSlice,
  RosterState,
  StoredRosterEntry,
} from '../campaign-types'
import type { StoreChange } from '../types'
import type { CampaignNumber } from './codec'
import type { RedisClient } from './connect'
import type { RedisKeys } from './keys'
import { ASSIGN_NUMBER } from './scripts'

const campaignHash = z.object({
  campaign: z.string(),
  version: z.coerce.number().int().positive(),
  updatedAt: z.coerce.number().int(),
})
const numberReply = z.tuple([z.number(), z.number()])

/** KEYS: 1 campaign hash. ARGV: campaign JSON, version, updatedAt. 1 created, 0 taken. */
const CREATE_CAMPAIGN = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'campaign', ARGV[1], 'version', ARGV[2], 'updatedAt', ARGV[3],
  'lastNumber', 0)
return 1
`

/**
 * Lua: whether a comma-separated list of versions (an If-Match's) holds `v`, the stored one.
 * The scripts that honour If-Match check it in their own step, never by a read before them.
 */
const ALLOWS = `local function allows(list, v)
  for x in string.gmatch(list, '[^,]+') do
    if x == v then return true end
  end
  return false
end`

/**
 * KEYS: 1 campaign hash. ARGV: 1 old campaign JSON, 2 new JSON, 3 version, 4 updatedAt, 5 the
 * versions the console's If-Match allows, comma-separated ('' : any). Compare-and-set, so two
 * instances editing at once never lose one edit silently: 1 written, 0 the campaign changed
 * meanwhile (read again and retry), -1 no such campaign, -2 its version is not one If-Match
 * allows (checked here, in the write's own step, not by the read before it). The version
 * was taken from the clock before this runs, so another edit may have stored a later one
 * meanwhile (with the same JSON, when it saved nothing new): that is a change too, or the
 * version would go down and kiosks holding the later one would drop this edit's frame.
 */
const CHANGE_CAMPAIGN = `${ALLOWS}
local cur = redis.call('HGET', KEYS[1], 'campaign')
if not cur then return -1 end
if ARGV[5] ~= '' and not allows(ARGV[5], redis.call('HGET', KEYS[1], 'version')) then
  return -2
end
if cur ~= ARGV[1] then return 0 end
if tonumber(redis.call('HGET', KEYS[1], 'version')) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], 'campaign', ARGV[2], 'version', ARGV[3], 'updatedAt', ARGV[4])
return 1
`

/**
 * KEYS: 1 campaign hash, 2 the uploaded list, 3 the roster list. ARGV: 1 version, 2 total,
 * 3 '1' when If-Match applies, 4 the roster versions it allows, comma-separated (0: none yet).
 * Swaps the new roster in whole; 1 done, 0 no such campaign (the upload is dropped), -2 the
 * stored roster's version is not one If-Match allows (the upload is dropped), 2 another
 * upload stored a later version meanwhile (the version comes from the clock before this runs):
 * take a new one and swap again, as kiosks drop a roster older than the one they hold.
 */
const SWAP_ROSTER = `${ALLOWS}
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('DEL', KEYS[2]) return 0 end
if ARGV[3] == '1' and not allows(ARGV[4], redis.call('HGET', KEYS[1], 'rosterVersion') or '0') then
  redis.call('DEL', KEYS[2])
  return -2
end
if tonumber(redis.call('HGET', KEYS[1], 'rosterVersion') or '0') >= tonumber(ARGV[1]) then
  return 2
end
if tonumber(ARGV[2]) == 0 then
  redis.call('DEL', KEYS[3])
else
  -- The upload's expiry goes with it: the roster is kept for good.
  redis.call('RENAME', KEYS[2], KEYS[3])
  redis.call('PERSIST', KEYS[3])
end
redis.call('HSET', KEYS[1], 'rosterVersion', ARGV[1], 'rosterTotal', ARGV[2])
return 1
`

/**
 * KEYS: 1 the kiosk's meta hash (its campaign and its assignment's version, one slot).
 * ARGV: 1 campaign id ('' : none), 2 version, 3 '1' when If-Match applies, 4 the versions it
 * allows, comma-separated (0: never assigned). 1 written, -2 the stored version is not one
 * If-Match allows (checked here, in the write's own step), 0 a later assignment was stored
 * meanwhile (the version comes from the clock before this runs): take a new one and retry.
 */
const ASSIGN_KIOSK = `${ALLOWS}
local stored = redis.call('HGET', KEYS[1], 'campaignVersion') or '0'
if ARGV[3] == '1' and not allows(ARGV[4], stored) then return -2 end
if tonumber(stored) >= tonumber(ARGV[2]) then return 0 end
if ARGV[1] == '' then redis.call('HDEL', KEYS[1], 'campaignId')
else redis.call('HSET', KEYS[1], 'campaignId', ARGV[1]) end
redis.call('HSET', KEYS[1], 'campaignVersion', ARGV[2])
return 1
`

/** KEYS: 1 campaign hash, 2 roster list. ARGV: 1 start, 2 stop. {version, total, entries}. */
const READ_ROSTER = `
local v = redis.call('HMGET', KEYS[1], 'rosterVersion', 'rosterTotal')
return {v[1] or '0', v[2] or '0', redis.call('LRANGE', KEYS[2], ARGV[1], ARGV[2])}
`

/**
 * KEYS: 1 bindings (registration → JSON), 2 openids (openid → registration).
 * ARGV: 1 registration, 2 openid, 3 at, 4 the binding's JSON. 1 changed, 0 not (idempotent, or
 * a later binding holds the registration or the openid).
 */
const PUT_BINDING = `
local at = tonumber(ARGV[3])
local mine = redis.call('HGET', KEYS[1], ARGV[1])
if mine and tonumber(cjson.decode(mine).at) >= at then return 0 end
local otherReg = redis.call('HGET', KEYS[2], ARGV[2])
if otherReg and otherReg ~= ARGV[1] then
  local other = redis.call('HGET', KEYS[1], otherReg)
  if other and tonumber(cjson.decode(other).at) > at then return 0 end
  redis.call('HDEL', KEYS[1], otherReg)
end
if mine then redis.call('HDEL', KEYS[2], cjson.decode(mine).openid) end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
return 1
`

const rosterEntry = z.object({
  id: z.string(),
  name: z.string(),
  company: z.string(),
  phone: z.string(),
  code: z.string(),
})
const rosterReply = z.tuple([z.coerce.number(), z.coerce.number(), z.array(z.string())])
const storedBinding = z.object({ openid: z.string(), at: z.number() })
/** Entries pushed per RPUSH while a roster uploads. */
const UPLOAD_BATCH = 1000
/** How long a roster being uploaded outlives its last batch (its relay died part-way). */
const ROSTER_UPLOAD_TTL_MS = 60 * 60 * 1000

export class RedisCampaignStore implements CampaignStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly announce: (change: StoreChange) => Promise<void>,
    /** A push's write (with the store's wait for replicas, when it has one). */
    private readonly write: (
      script: string,
      keys: string[],
      args: Array<string | number>,
    ) => Promise<unknown>,
  ) {}

  private tick(): Promise<number> {
    return this.redis.incr(this.keys.campaignClock)
  }

  async createCampaign(c: ConsoleCampaign, now: number): Promise<CampaignRecord | null> {
    const created = await this.redis.eval(
      CREATE_CAMPAIGN,
      1,
      this.keys.campaign(c.id),
      JSON.stringify(c),
      String(await this.tick()),
      String(now),
    )
    if (created !== 1) return null
    await this.redis.sadd(this.keys.campaigns, c.id)
    await this.announce({ type: 'campaign', campaignId: c.id })
    return this.getCampaign(c.id)
  }

  private async read(id: string): Promise<{ record: CampaignRecord; raw: string } | null> {
    const raw = await this.redis.hgetall(this.keys.campaign(id))
    if (Object.keys(raw).length === 0) return null
    const h = campaignHash.parse(raw)
    const record = {
      campaign: consoleCampaignSchema.parse(JSON.parse(h.campaign)),
      version: h.version,
      updatedAt: h.updatedAt,
    }
    return { record, raw: h.campaign }
  }

  async getCampaign(id: string): Promise<CampaignRecord | null> {
    return (await this.read(id))?.record ?? null
  }

  async listCampaigns(): Promise<CampaignRecord[]> {
    const ids = await this.redis.smembers(this.keys.campaigns)
    const all = await Promise.all(ids.map((id) => this.getCampaign(id)))
    return all
      .filter((c): c is CampaignRecord => c !== null)
      .sort((a, b) => b.updatedAt - a.updatedAt || a.campaign.id.localeCompare(b.campaign.id))
  }

  async clock(): Promise<number> {
    return z.coerce
      .number()
      .int()
      .nonnegative()
      .parse((await this.redis.get(this.keys.campaignClock)) ?? 0)
  }

  private async change(
    id: string,
    edit: (c: ConsoleCampaign) => ConsoleCampaign,
    now: number,
    ifVersions?: readonly number[],
  ): Promise<CampaignRecord | null | 'stale'> {
    // An If-Match naming no version matches nothing: '0' is never a stored version.
    const allowed = ifVersions === undefined ? '' : [0, ...ifVersions].join(',')
    for (;;) {
      const old = await this.read(id)
      if (old === null) return null
      if (ifVersions !== undefined && !ifVersions.includes(old.record.version)) return 'stale'
      const next = JSON.stringify(consoleCampaignSchema.parse(edit(old.record.campaign)))
      const version = await this.tick()
      const key = this.keys.campaign(id)
      const r = await this.redis.eval(CHANGE_CAMPAIGN, 1, key, old.raw, next, version, now, allowed)
      if (r === -1) return null
      if (r === -2) return 'stale'
      if (r === 1) break
    }
    await this.announce({ type: 'campaign', campaignId: id })
    return this.getCampaign(id)
  }

  updateCampaign(
    id: string,
    fields: CampaignInput,
    now: number,
    ifVersions?: readonly number[],
  ): Promise<CampaignRecord | null | 'stale'> {
    return this.change(
      id,
      (c) => ({ ...fields, id: c.id, screenKey: c.screenKey }),
      now,
      ifVersions,
    )
  }

  async setScreenKey(id: string, screenKey: string, now: number): Promise<CampaignRecord | null> {
    const changed = await this.change(id, (c) => ({ ...c, screenKey }), now)
    return changed === 'stale' ? null : changed
  }

  async noteAssignment(kioskId: string): Promise<number> {
    const version = await this.tick()
    await this.redis.hset(this.keys.kioskMeta(kioskId), 'campaignVersion', String(version))
    return version
  }

  async assignmentVersion(kioskId: string): Promise<number> {
    const v = await this.redis.hget(this.keys.kioskMeta(kioskId), 'campaignVersion')
    return z.coerce
      .number()
      .int()
      .nonnegative()
      .parse(v ?? 0)
  }

  async assignKiosk(
    kioskId: string,
    campaignId: string | null,
    ifVersions?: readonly number[],
  ): Promise<number | 'stale'> {
    const check = ifVersions === undefined ? '0' : '1'
    const allowed = (ifVersions ?? []).join(',')
    for (;;) {
      const version = await this.tick()
      const r = await this.redis.eval(
        ASSIGN_KIOSK,
        1,
        this.keys.kioskMeta(kioskId),
        campaignId ?? '',
        version,
        check,
        allowed,
      )
      if (r === -2) return 'stale'
      if (r === 1) return version
    }
  }

  async replaceRoster(
    campaignId: string,
    entries: StoredRosterEntry[],
    ifVersions?: readonly number[],
  ): Promise<RosterState | null | 'stale'> {
    const next = this.keys.campaignRosterNext(campaignId, randomBytes(8).toString('hex'))
    try {
      for (let i = 0; i < entries.length; i += UPLOAD_BATCH) {
        const batch = entries.slice(i, i + UPLOAD_BATCH).map((e) => JSON.stringify(e))
        // Expiring, renewed per batch: a relay that dies part-way (no `finally`) leaves no
        // partial roster in Redis for good.
        const replies = await this.redis
          .multi()
          .rpush(next, ...batch)
          .pexpire(next, ROSTER_UPLOAD_TTL_MS)
          .exec()
        // A command's own error is in its reply, not thrown: fail as the RPUSH alone did.
        for (const [err] of replies ?? []) if (err) throw err
      }
      let version: number
      let swapped: unknown
      do {
        version = await this.tick()
        swapped = await this.redis.eval(
          SWAP_ROSTER,
          3,
          this.keys.campaign(campaignId),
          next,
          this.keys.campaignRoster(campaignId),
          version,
          entries.length,
          ifVersions === undefined ? '0' : '1',
          (ifVersions ?? []).join(','),
        )
      } while (swapped === 2)
      if (swapped === -2) return 'stale'
      if (swapped !== 1) return null
      await this.announce({ type: 'roster', campaignId })
      return { version, total: entries.length }
    } finally {
      // Only left behind by a failure part-way: the swap renamed it away.
      await this.redis.del(next).catch(() => {})
    }
  }

  async readRoster(campaignId: string, offset: number, limit: number): Promise<RosterSlice> {
    const reply = await this.redis.eval(
      READ_ROSTER,
      2,
      this.keys.campaign(campaignId),
      this.keys.campaignRoster(campaignId),
      // LRANGE's stop is inclusive and -1 means the end: a head read (limit 0) asks for the
      // empty range 1..0, not 0..-1 (the whole list, fetched at every kiosk's hello).
      ...(limit <= 0 ? [1, 0] : [offset, offset + limit - 1]),
    )
    const [version, total, raw] = rosterReply.parse(reply)
    const entries = limit <= 0 ? [] : raw.map((r) => rosterEntry.parse(JSON.parse(r)))
    return { version, total, entries }
  }

  async putBinding(campaignId: string, b: Binding): Promise<boolean> {
    const changed = await this.redis.eval(
      PUT_BINDING,
      2,
      this.keys.campaignBindings(campaignId),
      this.keys.campaignBindingOpenids(campaignId),
      b.registrationId,
      b.openid,
      b.at,
      JSON.stringify({ openid: b.openid, at: b.at }),
    )
    if (changed !== 1) return false
    await this.announce({ type: 'binding', campaignId, ...b })
    return true
  }

  async bindings(campaignId: string): Promise<Binding[]> {
    const all = await this.redis.hgetall(this.keys.campaignBindings(campaignId))
    return Object.entries(all).map(([registrationId, json]) => ({
      registrationId,
      ...storedBinding.parse(JSON.parse(json)),
    }))
  }

  /** The visitor's number (ASSIGN_NUMBER), or null when the campaign is gone. */
  async assignNumber(
    campaignId: string,
    openid: string,
    eventId: string,
  ): Promise<CampaignNumber | null> {
    const reply = await this.write(
      ASSIGN_NUMBER,
      [
        this.keys.campaign(campaignId),
        this.keys.campaignVisitors(campaignId),
        this.keys.campaignFirsts(campaignId),
        this.keys.campaignReturning(campaignId),
      ],
      [openid, eventId],
    )
    const [number, first] = numberReply.parse(reply)
    return number === 0 ? null : { number, firstInCampaign: first === 1 }
  }

  async checkinCount(campaignId: string): Promise<number> {
    const n = await this.redis.hget(this.keys.campaign(campaignId), 'lastNumber')
    return n === null ? 0 : Number(n)
  }

  /** One field of the campaign's visitors hash (openid → number); `at` is 0, as below. */
  async checkinOf(campaignId: string, openid: string): Promise<CheckinRecord | null> {
    const n = await this.redis.hget(this.keys.campaignVisitors(campaignId), openid)
    return n === null ? null : { number: Number(n), openid, at: 0 }
  }

  /**
   * Reads the campaign's visitors hash whole (openid → number): O(visitors), which the screens
   * cache per campaign. The first scan's time is not kept per visitor here: `at` is 0.
   */
  async recentCheckins(campaignId: string, limit: number): Promise<CheckinRecord[]> {
    const all = await this.redis.hgetall(this.keys.campaignVisitors(campaignId))
    return Object.entries(all)
      .map(([openid, n]) => ({ number: Number(n), openid, at: 0 }))
      .sort((a, b) => b.number - a.number)
      .slice(0, limit)
  }
}
