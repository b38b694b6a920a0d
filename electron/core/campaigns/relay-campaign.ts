/**
 * The campaign the relay runs this kiosk in (contract v2, docs/DESIGN.md "Campaign and roster
 * frames"): owns the `relay_campaigns` table, one row per connection. A frame older than the
 * one held is ignored; the last one is kept offline and across restarts. While the relay names
 * a campaign, it is the kiosk's active campaign, read-only here (organizers edit it in the
 * relay's console); `null` hands the kiosk back to its own campaigns. The `screens` frame's
 * big-screen paths are kept with the campaign they came with, and dropped with it.
 */
import type { Statement } from 'better-sqlite3'
import { relayCampaignSchema, type RelayCampaign } from '../../../shared/campaign'
import type { Campaign } from '../../../shared/domain'
import type { CampaignFrame, ScreensFrame } from '../../../shared/relay-protocol'
import { screenPathsSchema, type ScreenPaths } from '../../../shared/screen-paths'
import type { Settings } from '../config/settings'
import type { KioskDb } from '../db/db'

interface Row {
  epoch: string | null
  version: number
  campaign: string | null
  screens: string | null
}

/** What the kiosk holds from the relay for one connection. */
export interface HeldRelayCampaign {
  version: number
  campaign: Campaign | null
  /** The campaign's big-screen paths, null when the relay sent none for it. */
  screens: ScreenPaths | null
}

/** A stored campaign frame's JSON, validated again (a row from an older build); null if bad. */
function parseStored(json: string): RelayCampaign | null {
  const parsed = relayCampaignSchema.safeParse(storedJson(json))
  return parsed.success ? parsed.data : null
}

/** A stored column's JSON, undefined when it is not JSON (a damaged file): never a throw. */
function storedJson(json: string): unknown {
  try {
    return JSON.parse(json)
  } catch {
    return undefined
  }
}

function campaignIdOf(json: string | null): string | null {
  return json === null ? null : (parseStored(json)?.id ?? null)
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
    put: Statement<[string, string | null, number, string | null, string | null, number]>
    screens: Statement<[string, string]>
    remember: Statement<[string, string, string, number]>
    history: Statement<[string], { campaign: string }>
  }
  /** Per connection, read once: the screen asks for the active campaign often. */
  private cache = new Map<string, HeldRelayCampaign | null>()
  /** Per connection, read once: `known`, until a campaign frame changes it. */
  private pastCache = new Map<string, Campaign[]>()

  constructor(db: KioskDb) {
    this.q = {
      get: db.prepare(
        'SELECT epoch, version, campaign, screens FROM relay_campaigns WHERE connection_id = ?',
      ),
      put: db.prepare(
        `INSERT INTO relay_campaigns (connection_id, epoch, version, campaign, screens, received_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (connection_id) DO UPDATE SET epoch = excluded.epoch, version = excluded.version,
           campaign = excluded.campaign, screens = excluded.screens,
           received_at = excluded.received_at`,
      ),
      screens: db.prepare('UPDATE relay_campaigns SET screens = ? WHERE connection_id = ?'),
      remember: db.prepare(
        `INSERT INTO relay_campaign_history (connection_id, campaign_id, campaign, received_at)
         VALUES (?, ?, ?, ?)
         ON CONFLICT (connection_id, campaign_id) DO UPDATE SET campaign = excluded.campaign,
           received_at = excluded.received_at`,
      ),
      history: db.prepare(
        `SELECT campaign FROM relay_campaign_history WHERE connection_id = ?
         ORDER BY received_at DESC, campaign_id`,
      ),
    }
  }

  /** What the relay last said for this connection; null: nothing yet. */
  held(connectionId: string): HeldRelayCampaign | null {
    const cached = this.cache.get(connectionId)
    if (cached !== undefined) return cached
    const row = this.q.get.get(connectionId)
    let held: HeldRelayCampaign | null = null
    if (row) {
      // Validated again: a row from an older build must not put a bad campaign on screen.
      const parsed = row.campaign === null ? null : parseStored(row.campaign)
      const campaign = parsed === null ? null : toKioskCampaign(parsed)
      const screens =
        campaign === null || row.screens === null
          ? null
          : screenPathsSchema.safeParse(storedJson(row.screens))
      held = {
        version: row.version,
        campaign,
        screens: screens?.success ? screens.data : null,
      }
    }
    this.cache.set(connectionId, held)
    return held
  }

  /**
   * Every campaign the relay has run this kiosk in over this connection, the latest first (the
   * current one too): a booth moved on still shows and exports the earlier ones' attendance.
   */
  known(connectionId: string): Campaign[] {
    const cached = this.pastCache.get(connectionId)
    if (cached) return cached
    const list: Campaign[] = []
    for (const row of this.q.history.all(connectionId)) {
      // Validated again, as `held`: a bad row is left out, never shown.
      const parsed = parseStored(row.campaign)
      if (parsed !== null) list.push(toKioskCampaign(parsed))
    }
    this.pastCache.set(connectionId, list)
    return list
  }

  /** The relay's campaign for this connection, or null when it runs none (or said nothing). */
  campaign(connectionId: string): Campaign | null {
    return this.held(connectionId)?.campaign ?? null
  }

  /** The relay campaign's big-screen paths for this connection, or null. */
  screens(connectionId: string): ScreenPaths | null {
    return this.held(connectionId)?.screens ?? null
  }

  /**
   * Stores the frame unless it is older than what is held from the same relay store (`epoch`,
   * from the welcome: a relay whose store was replaced counts its versions from scratch); true
   * when it changed anything.
   */
  apply(connectionId: string, frame: CampaignFrame, epoch: string | null, now: number): boolean {
    const before = this.q.get.get(connectionId)
    if (before && before.epoch === epoch && frame.version < before.version) return false
    const json = frame.campaign === null ? null : JSON.stringify(frame.campaign)
    if (before?.epoch === epoch && before.version === frame.version && before.campaign === json) {
      return false
    }
    // The paths stay while the campaign does (its screens frame follows with the new ones);
    // another campaign, or none, drops them.
    const sameCampaign =
      frame.campaign !== null && campaignIdOf(before?.campaign ?? null) === frame.campaign.id
    const screens = sameCampaign ? (before?.screens ?? null) : null
    this.q.put.run(connectionId, epoch, frame.version, json, screens, now)
    if (frame.campaign !== null && json !== null) {
      this.q.remember.run(connectionId, frame.campaign.id, json, now)
    }
    this.cache.delete(connectionId)
    this.pastCache.delete(connectionId)
    return true
  }

  /**
   * Stores the big-screen paths if they are for the campaign and version held from the same
   * relay store (a frame for anything else is stale and ignored); true when it changed anything.
   */
  applyScreens(connectionId: string, frame: ScreensFrame, epoch: string | null): boolean {
    const before = this.q.get.get(connectionId)
    if (!before || before.epoch !== epoch || before.version !== frame.version) return false
    if (campaignIdOf(before.campaign) !== frame.campaignId) return false
    const json = JSON.stringify(screenPathsSchema.parse(frame.screens))
    if (before.screens === json) return false
    this.q.screens.run(json, connectionId)
    this.cache.delete(connectionId)
    return true
  }
}

/**
 * The id of the kiosk's active campaign: the relay's while the relay runs this kiosk in one,
 * else the one chosen here (`activeCampaignId`). The core, its admin area and `kiosk export`
 * all ask this.
 */
export function activeCampaignId(
  relay: RelayCampaignStore,
  settings: Pick<Settings, 'connectionId' | 'activeCampaignId'>,
): string | null {
  return relay.campaign(settings.connectionId)?.id ?? settings.activeCampaignId
}
