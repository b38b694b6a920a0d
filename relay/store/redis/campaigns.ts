/**
 * The campaign half of the Redis store (relay/store/campaign-types.ts): one hash per campaign
 * in the campaign's slot (keys.ts), with the visitors' numbers beside it so ASSIGN_NUMBER
 * touches one slot; a set lists the ids. Changes are published on the store's channel.
 */
import { z } from 'zod'
import { campaignFieldsSchema, type CampaignFields } from '../../../shared/campaign'
import type { CampaignRecord, CampaignStore } from '../campaign-types'
import type { StoreChange } from '../types'
import type { CampaignNumber } from './codec'
import type { RedisClient } from './connect'
import type { RedisKeys } from './keys'
import { ASSIGN_NUMBER, BUMP_CAMPAIGN } from './scripts'

const campaignHash = z.object({
  fields: z.string(),
  version: z.coerce.number().int().positive(),
  screenKey: z.string(),
  updatedAt: z.coerce.number().int(),
})
const numberReply = z.tuple([z.number(), z.number()])

/** KEYS: 1 campaign hash. ARGV: fields, version, screenKey, updatedAt. 1 created, 0 taken. */
const CREATE_CAMPAIGN = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'fields', ARGV[1], 'version', ARGV[2], 'screenKey', ARGV[3],
  'updatedAt', ARGV[4], 'lastNumber', 0)
return 1
`

export class RedisCampaignStore implements CampaignStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly announce: (change: StoreChange) => Promise<void>,
  ) {}

  async createCampaign(c: CampaignRecord): Promise<boolean> {
    const created = await this.redis.eval(
      CREATE_CAMPAIGN,
      1,
      this.keys.campaign(c.id),
      JSON.stringify(c.fields),
      String(c.version),
      c.screenKey,
      String(c.updatedAt),
    )
    if (created !== 1) return false
    await this.redis.sadd(this.keys.campaigns, c.id)
    await this.announce({ type: 'campaign', campaignId: c.id })
    return true
  }

  async getCampaign(id: string): Promise<CampaignRecord | null> {
    const raw = await this.redis.hgetall(this.keys.campaign(id))
    if (Object.keys(raw).length === 0) return null
    const h = campaignHash.parse(raw)
    return {
      id,
      version: h.version,
      updatedAt: h.updatedAt,
      fields: campaignFieldsSchema.parse(JSON.parse(h.fields)),
      screenKey: h.screenKey,
    }
  }

  async listCampaigns(): Promise<CampaignRecord[]> {
    const ids = await this.redis.smembers(this.keys.campaigns)
    const all = await Promise.all(ids.map((id) => this.getCampaign(id)))
    return all
      .filter((c): c is CampaignRecord => c !== null)
      .sort((a, b) => b.updatedAt - a.updatedAt || a.id.localeCompare(b.id))
  }

  private async bump(id: string, field: string, value: string, now: number) {
    const v = await this.redis.eval(BUMP_CAMPAIGN, 1, this.keys.campaign(id), field, value, now)
    if (v === 0) return null
    await this.announce({ type: 'campaign', campaignId: id })
    return this.getCampaign(id)
  }

  updateCampaign(id: string, fields: CampaignFields, now: number): Promise<CampaignRecord | null> {
    return this.bump(id, 'fields', JSON.stringify(fields), now)
  }

  setScreenKey(id: string, screenKey: string, now: number): Promise<CampaignRecord | null> {
    return this.bump(id, 'screenKey', screenKey, now)
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
