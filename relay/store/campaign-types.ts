/**
 * The campaign half of the relay store (contract v2): campaigns, each with the big screens'
 * key, and the versions kiosks see. Both stores implement it (`RelayStore.campaigns`); a
 * change is announced on the store's feed (`{type: 'campaign'}`) so every instance's cache
 * and every connected kiosk of the campaign hear of it. Campaign-wide check-in numbers are
 * assigned inside `RelayStore.appendEvent` (one atomic step with the push), not here.
 *
 * Versions come from one relay-wide clock, for campaign edits and kiosk assignments alike: a
 * kiosk ignores a campaign frame older than the one it holds, so the version it gets must grow
 * when it moves to another campaign too. What a kiosk gets is versioned
 * max(its campaign's version, its assignment's version).
 */
import type { CampaignInput, ConsoleCampaign } from '../../shared/campaign'

export interface CampaignRecord {
  campaign: ConsoleCampaign
  /** Bumped (from the relay-wide clock) on every change. */
  version: number
  updatedAt: number
}

export interface CampaignStore {
  /** Stores a new campaign at the clock's next version; null when the id is taken. */
  createCampaign(campaign: ConsoleCampaign, now: number): Promise<CampaignRecord | null>
  getCampaign(id: string): Promise<CampaignRecord | null>
  listCampaigns(): Promise<CampaignRecord[]>
  /** Replaces the fields and bumps the version; null when there is no such campaign. */
  updateCampaign(id: string, fields: CampaignInput, now: number): Promise<CampaignRecord | null>
  /** A new screen key (the old one stops working); bumps the version; null when none. */
  setScreenKey(id: string, screenKey: string, now: number): Promise<CampaignRecord | null>
  /** The kiosk was (re)assigned: takes the clock's next version for it and returns it. */
  noteAssignment(kioskId: string): Promise<number>
  /** The version of the kiosk's latest assignment, 0 when it never had one. */
  assignmentVersion(kioskId: string): Promise<number>
}
