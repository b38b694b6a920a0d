/**
 * The lucky draws' half of the relay store (issue 21, docs/DESIGN.md "Draws"). The store keeps
 * the records and hands out consistent snapshots; the drawing itself is relay/draws/*, the same
 * for both stores. Draws of one campaign are serialised by a per-campaign version (a fence):
 * a draw reads a snapshot at version v and is stored only if the campaign's draws are still at
 * v (then v + 1), so two organizers drawing at once, on any instances, never see each other's
 * half-made draw: the later one draws again on the newer snapshot.
 */
import type { DrawRecord } from '../../shared/screen-api'

export interface CheckedInVisitor {
  openid: string
  /** The visitor's check-in number in the campaign. */
  number: number
}

export interface DrawSnapshot {
  /** The campaign's draw version (0 before the first draw). */
  version: number
  /** Every visitor with a check-in number in the campaign. */
  visitors: CheckedInVisitor[]
  /** openid → roster name, for visitors bound to a registration of the current roster. */
  names: Map<string, string>
  /** Every draw of the campaign, any order. */
  draws: DrawRecord[]
}

export interface DrawStore {
  /** Null when there is no such campaign. */
  snapshot(campaignId: string): Promise<DrawSnapshot | null>
  /**
   * Stores `record` (new, or a redrawn one replacing its earlier self) if the campaign's draws
   * are still at `expectedVersion`, and announces it (`{type: 'draw'}`). False: someone drew
   * meanwhile (take a new snapshot), or the campaign is gone.
   */
  commit(record: DrawRecord, expectedVersion: number): Promise<boolean>
  /** The campaign's draws, newest first. */
  list(campaignId: string): Promise<DrawRecord[]>
  get(campaignId: string, drawId: string): Promise<DrawRecord | null>
}
