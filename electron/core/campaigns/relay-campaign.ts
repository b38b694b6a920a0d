/**
 * The campaign the relay runs this kiosk in (contract v2, docs/DESIGN.md "Campaign and roster
 * frames"): owns the `relay_campaigns` table, one row per connection. A frame older than the
 * one held is ignored; the last one is kept offline and across restarts. While the relay names
 * a campaign, it is the kiosk's active campaign, read-only here (organizers edit it in the
 * relay's console); `null` hands the kiosk back to its own campaigns.
 */
import type { Statement } from 'better-sqlite3'
import { relayCampaignSchema, type RelayCampaign } from '../../../shared/campaign'
import type { Campaign } from '../../../shared/domain'
import type { CampaignFrame } from '../../../shared/relay-protocol'
import type { KioskDb } from '../db/db'

interface Row {
  version: number
  campaign: string | null
}

/** The relay's campaign in the kiosk's own shape, marked so the admin area shows it read-only. */
export function toKioskCampaign(c: RelayCampaign): Campaign {
  const texts = (g: RelayCampaign['greetings']['en']) => ({
    firstVisit: g.first,
    welcomeBack: g.returning,
    named: g.named,
  })
  return {
    id: c.id,
    name: c.name,
    startsOn: c.startsAt,
    endsOn: c.endsAt,
    greetings: { 'zh-CN': texts(c.greetings['zh-CN']), en: texts(c.greetings.en) },
    rotationSeconds: c.rotationSeconds,
    ticketLifetimeSeconds: c.ticketTtlSeconds,
    mode: c.mode,
    managedBy: 'relay',
  }
}

export class RelayCampaignStore {
  private readonly q: {
    get: Statement<[string], Row>
    put: Statement<[string, number, string | null, number]>
  }
  /** Per connection, read once: the screen asks for the active campaign often. */
  private cache = new Map<string, { version: number; campaign: Campaign | null } | null>()

  constructor(db: KioskDb) {
    this.q = {
      get: db.prepare('SELECT version, campaign FROM relay_campaigns WHERE connection_id = ?'),
      put: db.prepare(
        `INSERT INTO relay_campaigns (connection_id, version, campaign, received_at)
         VALUES (?, ?, ?, ?)
         ON CONFLICT (connection_id) DO UPDATE SET version = excluded.version,
           campaign = excluded.campaign, received_at = excluded.received_at`,
      ),
    }
  }

  /** What the relay last said for this connection; null: nothing yet. */
  held(connectionId: string): { version: number; campaign: Campaign | null } | null {
    const cached = this.cache.get(connectionId)
    if (cached !== undefined) return cached
    const row = this.q.get.get(connectionId)
    let held: { version: number; campaign: Campaign | null } | null = null
    if (row) {
      // Validated again: a row from an older build must not put a bad campaign on screen.
      const parsed =
        row.campaign === null ? null : relayCampaignSchema.safeParse(JSON.parse(row.campaign))
      held = {
        version: row.version,
        campaign: parsed?.success ? toKioskCampaign(parsed.data) : null,
      }
    }
    this.cache.set(connectionId, held)
    return held
  }

  /** The relay's campaign for this connection, or null when it runs none (or said nothing). */
  campaign(connectionId: string): Campaign | null {
    return this.held(connectionId)?.campaign ?? null
  }

  /** Stores the frame unless it is older than what is held; true when it changed anything. */
  apply(connectionId: string, frame: CampaignFrame, now: number): boolean {
    const held = this.held(connectionId)
    if (held && frame.version < held.version) return false
    const json = frame.campaign === null ? null : JSON.stringify(frame.campaign)
    const before = this.q.get.get(connectionId)
    if (before && before.version === frame.version && before.campaign === json) return false
    this.q.put.run(connectionId, frame.version, json, now)
    this.cache.delete(connectionId)
    return true
  }
}
