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
import type { CampaignInput, ConsoleCampaign, RelayRosterEntry } from '../../shared/campaign'

/** A roster entry as stored: its binding to a WeChat user is kept apart (`bindings`). */
export type StoredRosterEntry = Omit<RelayRosterEntry, 'openid'>

export interface RosterState {
  /** From the relay-wide clock; 0: no roster yet. */
  version: number
  total: number
}

export interface RosterSlice extends RosterState {
  /** Entries `[offset, offset + entries.length)` of this version. */
  entries: StoredRosterEntry[]
}

/** A desk bound a WeChat user to a registration; the latest `at` wins for each of the two. */
export interface Binding {
  registrationId: string
  openid: string
  at: number
}

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
  /**
   * The relay-wide clock's latest version (0: never ticked): it moves with every campaign
   * created or changed (and every assignment and roster), so a reader that saw the same value
   * before its last full read has missed no campaign change but one whose version was taken
   * and not yet written (that one is announced once written). One cheap read.
   */
  clock(): Promise<number>
  /**
   * Replaces the fields and bumps the version; null when there is no such campaign. With
   * `ifVersions` (the console's `If-Match`), only while the stored version is one of them,
   * checked in the same atomic step as the write: 'stale' (nothing written) otherwise.
   */
  updateCampaign(
    id: string,
    fields: CampaignInput,
    now: number,
    ifVersions?: readonly number[],
  ): Promise<CampaignRecord | null | 'stale'>
  /** A new screen key (the old one stops working); bumps the version; null when none. */
  setScreenKey(id: string, screenKey: string, now: number): Promise<CampaignRecord | null>
  /** The kiosk was (re)assigned: takes the clock's next version for it and returns it. */
  noteAssignment(kioskId: string): Promise<number>
  /** The version of the kiosk's latest assignment, 0 when it never had one. */
  assignmentVersion(kioskId: string): Promise<number>
  /**
   * Assigns the kiosk to `campaignId` (null: none) at the clock's next version and returns it.
   * With `ifVersions` (the console's `If-Match`), only while the kiosk's assignment version is
   * one of them (0: never assigned), checked in the same atomic step as the write: 'stale'
   * (nothing written) otherwise.
   */
  assignKiosk(
    kioskId: string,
    campaignId: string | null,
    ifVersions?: readonly number[],
  ): Promise<number | 'stale'>

  /**
   * Replaces the campaign's roster whole, at the clock's next version (announced as a
   * `roster` change); null when there is no such campaign. Bindings stay: registration ids
   * are stable across uploads of the same person. With `ifVersions` (the console's `If-Match`),
   * only while the stored roster's version is one of them (0: no roster yet), checked in the
   * same atomic step as the swap: 'stale' (nothing changed) otherwise.
   */
  replaceRoster(
    campaignId: string,
    entries: StoredRosterEntry[],
    ifVersions?: readonly number[],
  ): Promise<RosterState | null | 'stale'>
  /** One consistent slice of the current roster (version 0, total 0: none). */
  readRoster(campaignId: string, offset: number, limit: number): Promise<RosterSlice>
  /**
   * Keeps the binding unless a later one holds its registration or its openid (idempotent);
   * an earlier binding of the same openid to another registration goes. True when it changed
   * anything.
   */
  putBinding(campaignId: string, binding: Binding): Promise<boolean>
  /** Every binding of the campaign. */
  bindings(campaignId: string): Promise<Binding[]>

  /** Visitors checked in so far, each once: the campaign's last number (0: none or no such). */
  checkinCount(campaignId: string): Promise<number>
  /**
   * The newest `limit` check-ins (a visitor's first scan in the campaign), newest first, for
   * the big screens (relay/screens/). `at` is when the relay received that first scan, 0 where
   * the store cannot tell.
   */
  recentCheckins(campaignId: string, limit: number): Promise<CheckinRecord[]>
  /**
   * One visitor's check-in in the campaign (null: none), read by the visitor alone: whether a
   * desk's binding names a tile still on the screens costs one lookup, not every check-in.
   */
  checkinOf(campaignId: string, openid: string): Promise<CheckinRecord | null>
}

/** A visitor's check-in as the store keeps it (the screens never pass the openid on). */
export interface CheckinRecord {
  number: number
  openid: string
  at: number
}
