/**
 * The campaigns the admin area and the scans see: the relay's campaign (contract v2, read-only
 * here) first when the relay runs this kiosk in one, then the organizer's own (campaigns.json).
 */
import type { Campaign } from '../../../shared/domain'
import { KioskError } from '../api/kiosk-error'
import type { CampaignStore } from './campaign-store'

export function campaignView(
  local: CampaignStore,
  relay: () => Campaign | null,
  /** The campaigns the relay ran this kiosk in before (read-only too), latest first. */
  relayBefore: () => Campaign[] = () => [],
): CampaignStore {
  /** Earlier relay campaigns the organizer's own do not stand for (an id of both is theirs). */
  const earlier = (r: Campaign | null): Campaign[] =>
    relayBefore().filter((c) => c.id !== r?.id && local.get(c.id) === null)
  const refuseManaged = (id: string): void => {
    if (relay()?.id === id || earlier(relay()).some((c) => c.id === id)) {
      throw new KioskError('campaign_managed', 'this campaign is edited in the relay console')
    }
  }
  return {
    list: () => {
      const r = relay()
      const own = r ? local.list().filter((c) => c.id !== r.id) : local.list()
      return [...(r ? [r] : []), ...earlier(r), ...own]
    },
    get: (id) => {
      const r = relay()
      if (r?.id === id) return r
      return local.get(id) ?? earlier(r).find((c) => c.id === id) ?? null
    },
    save: (campaign) => {
      refuseManaged(campaign.id)
      if (campaign.managedBy !== undefined) {
        throw new KioskError('campaign_managed', 'only the relay sets managedBy')
      }
      local.save(campaign)
    },
    remove: (id) => {
      refuseManaged(id)
      return local.remove(id)
    },
  }
}
