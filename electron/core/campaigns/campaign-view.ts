/**
 * The campaigns the admin area and the scans see: the relay's campaign (contract v2, read-only
 * here) first when the relay runs this kiosk in one, then the organizer's own (campaigns.json).
 */
import type { Campaign } from '../../../shared/domain'
import { KioskError } from '../api/kiosk-error'
import type { CampaignStore } from './campaign-store'

export function campaignView(local: CampaignStore, relay: () => Campaign | null): CampaignStore {
  const refuseManaged = (id: string): void => {
    if (relay()?.id === id) {
      throw new KioskError('campaign_managed', 'this campaign is edited in the relay console')
    }
  }
  return {
    list: () => {
      const r = relay()
      return r ? [r, ...local.list().filter((c) => c.id !== r.id)] : local.list()
    },
    get: (id) => {
      const r = relay()
      return r?.id === id ? r : local.get(id)
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
