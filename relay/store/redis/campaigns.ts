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
import type { CampaignRecord, CampaignStore } from '../campaign-types'
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
 * KEYS: 1 campaign hash. ARGV: 1 old campaign JSON, 2 new JSON, 3 version, 4 updatedAt.
 * Compare-and-set, so two instances editing at once never lose one edit silently: 1 written,
 * 0 the campaign changed meanwhile (read again and retry), -1 no such campaign.
 */
const CHANGE_CAMPAIGN = `
local cur = redis.call('HGET', KEYS[1], 'campaign')
if not cur then return -1 end
if cur ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'campaign', ARGV[2], 'version', ARGV[3], 'updatedAt', ARGV[4])
return 1
`

export class RedisCampaignStore implements CampaignStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly announce: (change: StoreChange) => Promise<void>,
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

  private async change(
    id: string,
    edit: (c: ConsoleCampaign) => ConsoleCampaign,
    now: number,
  ): Promise<CampaignRecord | null> {
    for (;;) {
      const old = await this.read(id)
      if (old === null) return null
      const next = JSON.stringify(consoleCampaignSchema.parse(edit(old.record.campaign)))
      const version = await this.tick()
      const key = this.keys.campaign(id)
      const r = await this.redis.eval(CHANGE_CAMPAIGN, 1, key, old.raw, next, version, now)
      if (r === -1) return null
      if (r === 1) break
    }
    await this.announce({ type: 'campaign', campaignId: id })
    return this.getCampaign(id)
  }

  updateCampaign(id: string, fields: CampaignInput, now: number): Promise<CampaignRecord | null> {
    return this.change(id, (c) => ({ ...fields, id: c.id, screenKey: c.screenKey }), now)
  }

  setScreenKey(id: string, screenKey: string, now: number): Promise<CampaignRecord | null> {
    return this.change(id, (c) => ({ ...c, screenKey }), now)
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

  /** The visitor's number (ASSIGN_NUMBER), or null when the campaign is gone. */
  async assignNumber(
    campaignId: string,
    openid: string,
    eventId: string,
  ): Promise<CampaignNumber | null> {
    const reply = await this.redis.eval(
      ASSIGN_NUMBER,
      3,
      this.keys.campaign(campaignId),
      this.keys.campaignVisitors(campaignId),
      this.keys.campaignFirsts(campaignId),
      openid,
      eventId,
    )
    const [number, first] = numberReply.parse(reply)
    return number === 0 ? null : { number, firstInCampaign: first === 1 }
  }
}
