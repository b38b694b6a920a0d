/**
 * Which campaign each kiosk runs, and the campaigns themselves, cached in memory for the push
 * path (one lookup per push would cost a store round trip) and for the kiosk link. Dropped by
 * the store's change feed: a campaign edited or a kiosk assigned on any instance reaches every
 * instance's cache; a `resync` (the feed may have missed changes) drops everything.
 */
import type { RelayCampaign } from '../shared/campaign'
import type { CampaignRecord } from './store/campaign-types'
import type { RelayStore, StoreChange } from './store/types'

export class CampaignDirectory {
  private readonly kioskCampaign = new Map<string, Promise<string | null>>()
  private readonly campaigns = new Map<string, Promise<CampaignRecord | null>>()
  private readonly unsubscribe: () => void

  constructor(
    private readonly store: RelayStore,
    private readonly now: () => number,
  ) {
    this.unsubscribe = store.subscribe((c) => this.forget(c))
  }

  /** Drops what `change` makes stale (idempotent: the hub calls it too, before it re-reads). */
  forget(change: StoreChange): void {
    if (change.type === 'resync') {
      this.kioskCampaign.clear()
      this.campaigns.clear()
    } else if (change.type === 'campaign') {
      if (change.kioskId !== undefined) this.kioskCampaign.delete(change.kioskId)
      else if (change.campaignId !== null) this.campaigns.delete(change.campaignId)
    }
  }

  /** The id of the campaign `kioskId` is assigned to, or null. */
  campaignIdOf(kioskId: string): Promise<string | null> {
    let p = this.kioskCampaign.get(kioskId)
    if (p === undefined) {
      p = this.store.console
        .kioskMeta([kioskId], this.now())
        .then((m) => m.get(kioskId)?.campaignId ?? null)
      this.kioskCampaign.set(kioskId, p)
      // A failed read is not cached: the next caller tries again.
      p.catch(() => this.kioskCampaign.delete(kioskId))
    }
    return p
  }

  campaign(id: string): Promise<CampaignRecord | null> {
    let p = this.campaigns.get(id)
    if (p === undefined) {
      p = this.store.campaigns.getCampaign(id)
      this.campaigns.set(id, p)
      p.catch(() => this.campaigns.delete(id))
    }
    return p
  }

  /** The kiosk's campaign as the kiosk sees it (no screen key), or null. */
  async campaignOf(kioskId: string): Promise<CampaignRecord | null> {
    const id = await this.campaignIdOf(kioskId)
    return id === null ? null : this.campaign(id)
  }

  close(): void {
    this.unsubscribe()
  }
}

/** The campaign frame's view: everything but the screen key. */
export function forKiosk(c: CampaignRecord): RelayCampaign {
  return { id: c.id, version: c.version, updatedAt: c.updatedAt, fields: c.fields }
}
