/**
 * The stamp rally's figures for the console: completions in stats (`stampsCompleted`) and, for
 * the consolidated export, whether a row's visitor completed the rally of the campaign the row's
 * scan counted in (a row stored before rows kept their campaign: its booth's current one).
 */
import type { CampaignDirectory } from '../campaign-directory'
import type { AttendanceRow } from '../store/attendance'
import type { RelayStore } from '../store/types'

/** Per row: true/false for a booth whose campaign has a rally, null for any other booth. */
export type RallyCompletion = (
  r: Pick<AttendanceRow, 'kioskId' | 'openid' | 'campaignId'>,
) => boolean | null

export interface RallyLookup {
  /**
   * Visitors who completed the rally: of `campaignId`, or of every campaign (undefined); null
   * when no campaign in scope has a rally (the console then shows no such figure).
   */
  completed(campaignId: string | undefined): Promise<number | null>
  /** The export's column; null when no booth in scope runs a campaign with a rally. */
  completion(campaignId: string | undefined): Promise<RallyCompletion | null>
}

export function createRallyLookup(
  store: Pick<RelayStore, 'stamps' | 'campaigns' | 'console' | 'listKiosks'>,
  campaigns: Pick<CampaignDirectory, 'campaign'>,
  now: () => number,
): RallyLookup {
  return {
    async completed(campaignId) {
      const records =
        campaignId === undefined
          ? await store.campaigns.listCampaigns()
          : [await campaigns.campaign(campaignId)]
      const rallies = records.filter((r) => r !== null && r.campaign.stamps.length > 0)
      if (rallies.length === 0) return null
      return store.stamps.completedCount(rallies.map((r) => r?.campaign.id ?? ''))
    },

    async completion(campaignId) {
      const ids = (await store.listKiosks()).map((k) => k.kioskId)
      const meta = await store.console.kioskMeta(ids, now())
      const boothCampaign = new Map<string, string>()
      for (const kioskId of ids) {
        const c = meta.get(kioskId)?.campaignId ?? null
        if (c !== null) boothCampaign.set(kioskId, c)
      }
      const candidates =
        campaignId === undefined
          ? (await store.campaigns.listCampaigns()).map((r) => r.campaign)
          : [(await campaigns.campaign(campaignId))?.campaign ?? null]
      const done = new Map<string, Set<string>>()
      for (const c of candidates) {
        if (c === null || c.stamps.length === 0) continue
        done.set(c.id, await store.stamps.completedVisitors(c.id))
      }
      if (done.size === 0) return null
      return (r) => {
        const c = r.campaignId ?? boothCampaign.get(r.kioskId)
        const visitors = c === undefined ? undefined : done.get(c)
        return visitors === undefined ? null : visitors.has(r.openid)
      }
    },
  }
}
