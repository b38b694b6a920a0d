/**
 * The campaign half of the relay store (contract v2): campaigns with a version bumped on every
 * change and a per-campaign screen key. Both stores implement it (`RelayStore.campaigns`);
 * a change is announced on the store's feed (`{type: 'campaign'}`) so every instance's cache
 * and every connected kiosk of the campaign hear of it. Campaign-wide check-in numbers are
 * assigned inside `RelayStore.appendEvent` (one atomic step with the push), not here.
 */
import type { CampaignFields, ConsoleCampaign } from '../../shared/campaign'

export type CampaignRecord = ConsoleCampaign

export interface CampaignStore {
  /** False when the id is taken (nothing changes). */
  createCampaign(record: CampaignRecord): Promise<boolean>
  getCampaign(id: string): Promise<CampaignRecord | null>
  listCampaigns(): Promise<CampaignRecord[]>
  /** Replaces the fields and bumps the version; null when there is no such campaign. */
  updateCampaign(id: string, fields: CampaignFields, now: number): Promise<CampaignRecord | null>
  /** A new screen key (the old one stops working); bumps the version; null when none. */
  setScreenKey(id: string, screenKey: string, now: number): Promise<CampaignRecord | null>
}
