/**
 * The campaign half of the SQLite store (relay/store/campaign-types.ts), and the check-in
 * number step the store's appendEvent runs inside the push's own transaction.
 */
import type Database from 'better-sqlite3'
import { z } from 'zod'
import { campaignFieldsSchema, type CampaignFields } from '../../../shared/campaign'
import type { CampaignRecord, CampaignStore } from '../campaign-types'
import type { StoreChange } from '../types'
import { statement } from './statements'

const campaignRow = z.object({
  id: z.string(),
  fields: z.string(),
  version: z.number(),
  screen_key: z.string(),
  updated_at: z.number(),
})
const visitorRow = z.object({ number: z.number(), first_event_id: z.string() })
const lastNumberRow = z.object({ last_number: z.number() })

function toRecord(raw: unknown): CampaignRecord {
  const r = campaignRow.parse(raw)
  return {
    id: r.id,
    version: r.version,
    updatedAt: r.updated_at,
    fields: campaignFieldsSchema.parse(JSON.parse(r.fields)),
    screenKey: r.screen_key,
  }
}

function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)))
  }
}

export class SqliteCampaignStore implements CampaignStore {
  constructor(
    private readonly db: Database.Database,
    private readonly emit: (change: StoreChange) => void,
  ) {}

  private read(id: string): CampaignRecord | null {
    const row = statement(this.db, 'SELECT * FROM campaigns WHERE id = ?').get(id)
    return row === undefined ? null : toRecord(row)
  }

  createCampaign(c: CampaignRecord): Promise<boolean> {
    return attempt(() => {
      const res = statement(
        this.db,
        `INSERT INTO campaigns (id, fields, version, screen_key, updated_at)
           VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      ).run(c.id, JSON.stringify(c.fields), c.version, c.screenKey, c.updatedAt)
      if (res.changes === 0) return false
      this.emit({ type: 'campaign', campaignId: c.id })
      return true
    })
  }

  getCampaign(id: string): Promise<CampaignRecord | null> {
    return attempt(() => this.read(id))
  }

  listCampaigns(): Promise<CampaignRecord[]> {
    return attempt(() =>
      statement(this.db, 'SELECT * FROM campaigns ORDER BY updated_at DESC, id').all().map(toRecord),
    )
  }

  private bump(id: string, set: string, value: string, now: number): CampaignRecord | null {
    const res = this.db
      .prepare(`UPDATE campaigns SET ${set} = ?, version = version + 1, updated_at = ? WHERE id = ?`)
      .run(value, now, id)
    if (res.changes === 0) return null
    this.emit({ type: 'campaign', campaignId: id })
    return this.read(id)
  }

  updateCampaign(id: string, fields: CampaignFields, now: number): Promise<CampaignRecord | null> {
    return attempt(() => this.bump(id, 'fields', JSON.stringify(fields), now))
  }

  setScreenKey(id: string, screenKey: string, now: number): Promise<CampaignRecord | null> {
    return attempt(() => this.bump(id, 'screen_key', screenKey, now))
  }
}

/**
 * The visitor's number in the campaign, taking the next one on a first scan. Runs inside the
 * push's transaction (the group commit's savepoint), so a failed push takes no number, and
 * only the push that took it (`eventId`, stable across WeChat's retries) is the first.
 */
export function assignNumber(
  db: Database.Database,
  campaignId: string,
  openid: string,
  eventId: string,
): { number: number; firstInCampaign: boolean } | null {
  const seen = statement(
    db,
    'SELECT number, first_event_id FROM campaign_visitors WHERE campaign_id = ? AND openid = ?',
  ).get(campaignId, openid)
  if (seen !== undefined) {
    const v = visitorRow.parse(seen)
    return { number: v.number, firstInCampaign: v.first_event_id === eventId }
  }
  const bumped = statement(
    db,
    'UPDATE campaigns SET last_number = last_number + 1 WHERE id = ? RETURNING last_number',
  ).get(campaignId)
  // A campaign deleted under a stale cache: the scan is stored without a number.
  if (bumped === undefined) return null
  const number = lastNumberRow.parse(bumped).last_number
  statement(
    db,
    `INSERT INTO campaign_visitors (campaign_id, openid, number, first_event_id)
       VALUES (?, ?, ?, ?)`,
  ).run(campaignId, openid, number, eventId)
  return { number, firstInCampaign: true }
}
