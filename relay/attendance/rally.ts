/**
 * The stamp rally's figures for the console: completions in stats (`stampsCompleted`) and, for
 * the consolidated export, whether a row's visitor completed the rally of the campaign the row's
 * scan counted in (a row stored before rows kept their campaign: its booth's current one). A
 * campaign whose `stamps` was emptied keeps both while it holds completions.
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
  store: Pick<RelayStore, 'stamps' | 'campaigns' | 'console'>,
  campaigns: Pick<CampaignDirectory, 'campaign'>,
): RallyLookup {
  return {
    async completed(campaignId) {
      const records =
        campaignId === undefined
          ? await store.campaigns.listCampaigns()
          : [await campaigns.campaign(campaignId)]
      // In scope: a campaign listing `stamps`, or one holding completions (`stamps` emptied
      // after the event): a sum above 0 means one does, and one without either adds 0 to it.
      const known = records.flatMap((r) => (r === null ? [] : [r.campaign]))
      const total = await store.stamps.completedCount(known.map((c) => c.id))
      return known.some((c) => c.stamps.length > 0) || total > 0 ? total : null
    },

    async completion(campaignId) {
      const boothCampaign = await store.console.kioskCampaigns()
      const candidates =
        campaignId === undefined
          ? (await store.campaigns.listCampaigns()).map((r) => r.campaign)
          : [(await campaigns.campaign(campaignId))?.campaign ?? null]
      const done = new Map<string, Set<string>>()
      for (const c of candidates) {
        if (c === null) continue
        // A campaign that runs a rally, or ran one (`stamps` emptied after the event leaves the
        // completions visitors were told of).
        const visitors = await store.stamps.completedVisitors(c.id)
        if (c.stamps.length > 0 || visitors.size > 0) done.set(c.id, visitors)
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
