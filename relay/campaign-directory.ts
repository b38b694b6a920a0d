/**
 * Which campaign each kiosk runs, and the campaigns themselves, cached in memory for the push
 * path (one lookup per push would cost a store round trip) and for the kiosk link. Dropped by
 * the store's change feed: a campaign edited or a kiosk assigned on any instance reaches every
 * instance's cache; a `resync` (the feed may have missed changes) drops everything.
 */
import { toRelayCampaign, type RelayCampaign } from '../shared/campaign'
import { screenPaths, type ScreenPaths } from '../shared/screen-paths'
import type { CampaignRecord } from './store/campaign-types'
import type { RelayStore, StoreChange } from './store/types'

export class CampaignDirectory {
  private readonly kioskCampaign = new Map<string, Promise<Assignment>>()
  private readonly campaigns = new Map<string, Promise<CampaignRecord | null>>()
  private readonly unsubscribe: () => void
  private readonly watchers = new Set<(change: StoreChange) => void>()

  constructor(
    private readonly store: RelayStore,
    private readonly now: () => number,
  ) {
    this.unsubscribe = store.subscribe((c) => this.forget(c))
  }

  /**
   * Drops what `change` makes stale (idempotent: the hub calls it too, before it re-reads, and
   * the console's routes right after their own write, before they answer: on Redis the store's
   * message comes back a little later).
   */
  forget(change: StoreChange): void {
    for (const w of this.watchers) w(change)
    if (change.type === 'resync') {
      this.kioskCampaign.clear()
      this.campaigns.clear()
    } else if (change.type === 'campaign') {
      if (change.kioskId !== undefined) this.kioskCampaign.delete(change.kioskId)
      else if (change.campaignId !== null) this.campaigns.delete(change.campaignId)
    }
  }

  /** The campaign `kioskId` is assigned to (or null), and that assignment's version. */
  assignmentOf(kioskId: string): Promise<Assignment> {
    let p = this.kioskCampaign.get(kioskId)
    if (p === undefined) {
      p = Promise.all([
        this.store.console.kioskMeta([kioskId], this.now()),
        this.store.campaigns.assignmentVersion(kioskId),
      ]).then(([m, version]) => ({ campaignId: m.get(kioskId)?.campaignId ?? null, version }))
      this.kioskCampaign.set(kioskId, p)
      const read = p
      // A failed read is not cached: the next caller tries again. Only this read is dropped: a
      // change may have replaced it with a newer one meanwhile, which stays.
      read.catch(() => {
        if (this.kioskCampaign.get(kioskId) === read) this.kioskCampaign.delete(kioskId)
      })
    }
    return p
  }

  campaign(id: string): Promise<CampaignRecord | null> {
    let p = this.campaigns.get(id)
    if (p === undefined) {
      const read = this.store.campaigns.getCampaign(id)
      this.campaigns.set(id, read)
      // Neither a failed read nor "no such campaign" is kept: the ids asked for come from the
      // console's `?campaign=` too, and every unknown one would stay in the map for good.
      const drop = () => {
        if (this.campaigns.get(id) === read) this.campaigns.delete(id)
      }
      read.then((r) => r === null && drop(), drop)
      p = read
    }
    return p
  }

  /** The kiosk's campaign, or null (the push path: numbers and the passive reply). */
  async campaignOf(kioskId: string): Promise<CampaignRecord | null> {
    const { campaignId } = await this.assignmentOf(kioskId)
    return campaignId === null ? null : this.campaign(campaignId)
  }

  /**
   * `campaignOf`, only when the kiosk's assignment is already cached (else undefined): for a
   * push not yet routed, whose kiosk id is the sender's text, so must not grow the cache.
   */
  cachedCampaignOf(kioskId: string): Promise<CampaignRecord | null> | undefined {
    return this.kioskCampaign.has(kioskId) ? this.campaignOf(kioskId) : undefined
  }

  /**
   * What the kiosk's campaign frame carries: its campaign (no screen key) and version. `fresh`
   * reads the store past this instance's cache (whose change feed may lag another instance's
   * edit): for a kiosk that holds a newer version than the cache.
   */
  async viewOf(kioskId: string, fresh = false): Promise<KioskCampaignView> {
    if (fresh) this.kioskCampaign.delete(kioskId)
    const a = await this.assignmentOf(kioskId)
    if (fresh && a.campaignId !== null) this.campaigns.delete(a.campaignId)
    const c = a.campaignId === null ? null : await this.campaign(a.campaignId)
    if (c === null) return { campaign: null, version: a.version }
    return {
      campaign: toRelayCampaign(c.campaign),
      version: Math.max(a.version, c.version),
      // A key rotation is a campaign change: a new version, so the kiosk gets the new paths.
      screens: screenPaths(c.campaign.id, c.campaign.screenKey),
    }
  }

  /**
   * Hears every change this directory forgets, as it forgets it (the follow-up worker's
   * campaign list: relay/follow-up/campaigns.ts). Returns an unwatch.
   */
  watch(listener: (change: StoreChange) => void): () => void {
    this.watchers.add(listener)
    return () => this.watchers.delete(listener)
  }

  close(): void {
    this.unsubscribe()
    this.watchers.clear()
  }
}

interface Assignment {
  campaignId: string | null
  version: number
}

/** A kiosk's campaign as its campaign frame carries it (relay/store/campaign-types.ts). */
export interface KioskCampaignView {
  campaign: RelayCampaign | null
  version: number
  /** The campaign's big-screen paths (the kiosk's own device: it may hold the key). */
  screens?: ScreenPaths
}
