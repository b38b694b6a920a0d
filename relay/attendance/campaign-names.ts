/**
 * The campaigns' names for the consolidated export: its 活动 column and a campaign's file name.
 * Read once per export (the campaign in scope, or every campaign), so each row's name is a Map
 * lookup, never a store read.
 */
import type { CampaignStore } from '../store/campaign-types'

/** The names of `campaignId`, or of every campaign (undefined), by id; a missing one is absent. */
export type CampaignNames = (campaignId: string | undefined) => Promise<ReadonlyMap<string, string>>

export function createCampaignNames(
  campaigns: Pick<CampaignStore, 'getCampaign' | 'listCampaigns'>,
): CampaignNames {
  return async (campaignId) => {
    const records =
      campaignId === undefined
        ? await campaigns.listCampaigns()
        : [await campaigns.getCampaign(campaignId)]
    const names = new Map<string, string>()
    for (const r of records) if (r !== null) names.set(r.campaign.id, r.campaign.name)
    return names
  }
}
