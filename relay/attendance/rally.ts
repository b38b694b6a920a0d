/**
 * The stamp rally's figures for the console: completions in stats (`stampsCompleted`) and, for
 * the consolidated export, whether a row's visitor completed the rally of the campaign the row's
 * scan counted in (a row stored before rows kept their campaign: its booth's current one). A
 * campaign whose `stamps` was emptied keeps both while it holds completions.
 */
import type { CampaignDirectory } from '../campaign-directory'
import type { AttendanceRow } from '../store/attendance'
import type { RelayCampaign } from '../../shared/campaign'
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
  /**
   * Whether the campaign runs a rally, or ran one: `stamps` emptied after the event leaves the
   * completions visitors were told of in stats and the export (one count, only then).
   */
  const ranRally = async (c: Pick<RelayCampaign, 'id' | 'stamps'>): Promise<boolean> =>
    c.stamps.length > 0 || (await store.stamps.completedCount([c.id])) > 0
  return {
    async completed(campaignId) {
      const records =
        campaignId === undefined
          ? await store.campaigns.listCampaigns()
          : [await campaigns.campaign(campaignId)]
      // In scope: a campaign listing `stamps`, or holding completions (one count each, at once;
      // one without either adds 0 to the sum).
      const known = records.flatMap((r) => (r === null ? [] : [r.campaign]))
      const counts = await Promise.all(known.map((c) => store.stamps.completedCount([c.id])))
      const inScope = known.some((c, i) => c.stamps.length > 0 || (counts[i] ?? 0) > 0)
      return inScope ? counts.reduce((a, b) => a + b, 0) : null
    },

    async completion(campaignId) {
      const boothCampaign = await store.console.kioskCampaigns()
      const candidates =
        campaignId === undefined
          ? (await store.campaigns.listCampaigns()).map((r) => r.campaign)
          : [(await campaigns.campaign(campaignId))?.campaign ?? null]
      const done = new Map<string, Set<string>>()
      for (const c of candidates) {
        if (c === null || !(await ranRally(c))) continue
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
