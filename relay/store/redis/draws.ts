/**
 * The lucky draws' half of the Redis store (relay/store/draw-types.ts), every key in the
 * campaign's slot (keys.ts): the records in one hash, the draw version beside them. A snapshot
 * is one MULTI (version, visitors, bindings, roster, records read at one instant); COMMIT_DRAW
 * stores a record only while the version is the snapshot's, so instances drawing at once
 * serialise.
 * A stored draw is announced after the script: if that publish fails the draw is still stored
 * (and answered so), this instance's feed hears of it at once, and the other instances' draw
 * feeds find it on their next poll (relay/draws/draw-feed.ts).
 */
import { z } from 'zod'
import { drawRecordSchema, type DrawRecord } from '../../../shared/screen-api'
import type { CheckedInVisitor, DrawSnapshot, DrawStore } from '../draw-types'
import type { StoreChange } from '../types'
import type { RedisClient } from './connect'
import type { RedisKeys } from './keys'

/**
 * KEYS: 1 campaign hash, 2 draw version, 3 draws hash. ARGV: 1 expected version, 2 draw id,
 * 3 record JSON. 1 stored (version + 1), 0 someone drew meanwhile, -1 no such campaign.
 */
const COMMIT_DRAW = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local v = tonumber(redis.call('GET', KEYS[2]) or '0')
if v ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
redis.call('SET', KEYS[2], v + 1)
return 1
`

const rosterEntry = z.object({ id: z.string(), name: z.string() })
const strings = z.record(z.string(), z.string())
const execReply = z.array(z.tuple([z.null(), z.unknown()]))
/** The visitors' hash is checked by hand below: zod's record over 100,000 entries was 2 s. */
const snapshotReply = z.tuple([
  z.tuple([z.null(), z.number()]),
  z.tuple([z.null(), z.string().nullable()]),
  z.tuple([z.null(), z.record(z.string(), z.unknown())]),
  z.tuple([z.null(), strings]),
  z.tuple([z.null(), strings]),
  z.tuple([z.null(), z.array(z.string())]),
])
const NUMBER_TEXT = /^[1-9][0-9]{0,14}$/

function byNewest(a: DrawRecord, b: DrawRecord): number {
  return b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)
}

/** openid → name for the bound visitors whose registration is in the snapshot's roster. */
function rosterNames(
  bound: Record<string, string>,
  roster: readonly string[],
): Map<string, string> {
  const names = new Map<string, string>()
  if (Object.keys(bound).length === 0) return names
  const nameOf = new Map<string, string>()
  for (const json of roster) {
    const e = rosterEntry.parse(JSON.parse(json))
    nameOf.set(e.id, e.name)
  }
  for (const [openid, registrationId] of Object.entries(bound)) {
    const name = nameOf.get(registrationId)
    if (name !== undefined) names.set(openid, name)
  }
  return names
}

export class RedisDrawStore implements DrawStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly announce: (change: StoreChange) => Promise<void>,
    /** This instance's own listeners, told when the announcement failed. */
    private readonly hearLocally: (change: StoreChange) => void,
  ) {}

  async snapshot(campaignId: string): Promise<DrawSnapshot | null> {
    const k = this.keys
    const reply = await this.redis
      .multi()
      .exists(k.campaign(campaignId))
      .get(k.campaignDrawVersion(campaignId))
      .hgetall(k.campaignVisitors(campaignId))
      .hgetall(k.campaignBindingOpenids(campaignId))
      .hgetall(k.campaignDraws(campaignId))
      // In the MULTI: a roster uploaded meanwhile must not name visitors of an older snapshot.
      .lrange(k.campaignRoster(campaignId), 0, -1)
      .exec()
    const [[, exists], [, version], [, visitorHash], [, bound], [, draws], [, roster]] =
      snapshotReply.parse(execReply.parse(reply))
    if (exists === 0) return null
    const visitors: CheckedInVisitor[] = []
    for (const openid in visitorHash) {
      const n = visitorHash[openid]
      if (typeof n !== 'string' || !NUMBER_TEXT.test(n)) {
        throw new Error(`campaign ${campaignId}: bad check-in number for a visitor`)
      }
      visitors.push({ openid, number: Number(n) })
    }
    return {
      version: version === null ? 0 : Number(version),
      visitors,
      names: rosterNames(bound, roster),
      draws: Object.values(draws).map((json) => drawRecordSchema.parse(JSON.parse(json))),
    }
  }

  async commit(record: DrawRecord, expectedVersion: number): Promise<boolean> {
    const k = this.keys
    const r = await this.redis.eval(
      COMMIT_DRAW,
      3,
      k.campaign(record.campaignId),
      k.campaignDrawVersion(record.campaignId),
      k.campaignDraws(record.campaignId),
      expectedVersion,
      record.id,
      JSON.stringify(record),
    )
    if (r !== 1) return false
    const change: StoreChange = { type: 'draw', campaignId: record.campaignId, drawId: record.id }
    try {
      await this.announce(change)
    } catch {
      // Stored all the same: telling the organizer it failed would have them draw again.
      this.hearLocally(change)
    }
    return true
  }

  async list(campaignId: string): Promise<DrawRecord[]> {
    const all = await this.redis.hgetall(this.keys.campaignDraws(campaignId))
    return Object.values(all)
      .map((json) => drawRecordSchema.parse(JSON.parse(json)))
      .sort(byNewest)
  }

  async get(campaignId: string, drawId: string): Promise<DrawRecord | null> {
    const json = await this.redis.hget(this.keys.campaignDraws(campaignId), drawId)
    return json === null ? null : drawRecordSchema.parse(JSON.parse(json))
  }
}
