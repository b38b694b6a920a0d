/**
 * The stamp rally's figures for the console: completions in stats (`stampsCompleted`) and, for
 * the consolidated export, whether a row's visitor completed the rally of the campaign the row's
 * booth runs (the booth's current campaign: attendance rows carry no campaign).
 */
import type { CampaignDirectory } from '../campaign-directory'
import type { AttendanceRow } from '../store/attendance'
import type { RelayStore } from '../store/types'

/** Per row: true/false for a booth whose campaign has a rally, null for any other booth. */
export type RallyCompletion = (r: Pick<AttendanceRow, 'kioskId' | 'openid'>) => boolean | null

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
      const done = new Map<string, Set<string>>()
      const rallyOf = new Map<string, Set<string>>()
      for (const kioskId of ids) {
        const c = meta.get(kioskId)?.campaignId ?? null
        if (c === null || (campaignId !== undefined && c !== campaignId)) continue
        if (!done.has(c)) {
          const rec = await campaigns.campaign(c)
          if (rec === null || rec.campaign.stamps.length === 0) continue
          done.set(c, await store.stamps.completedVisitors(c))
        }
        const visitors = done.get(c)
        if (visitors !== undefined) rallyOf.set(kioskId, visitors)
      }
      if (rallyOf.size === 0) return null
      return (r) => rallyOf.get(r.kioskId)?.has(r.openid) ?? null
    },
  }
}
