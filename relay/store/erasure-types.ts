/**
 * Visitor erasure (a visitor's right to have their data erased, PIPL art. 47 / GDPR art. 17):
 * the relay store's half. One call removes what the campaign keeps about one visitor (their
 * openid in it): their check-in number, the roster binding that gave them a name, their rally
 * stamps and completion, their follow-up state (no tag or message goes out for them after it),
 * and their openid and name in the campaign's draws (the winner's place stays, as "erased",
 * so the draw still has its count of winners). The campaign's figures already counted (scans,
 * visitors per booth, the timeline) stay as anonymous totals. It also keeps an audit line:
 * who erased, when, in which campaign, never whom.
 */
import type { DrawRecord } from '../../shared/screen-api'

/** What `erase` is asked to do. */
export interface ErasureInput {
  campaignId: string
  openid: string
  /** The organizer who erased (their sign-in name). */
  by: string
  at: number
  /**
   * What replaces the openid in the campaign's draws: random, one per erasure, never derived
   * from the openid (`erasedOpenid`).
   */
  pseudonym: string
}

/** What `erase` found and removed (all 0 / false / null: the campaign held nothing of them). */
export interface ErasureResult {
  /** The visitor's check-in number in the campaign, now free of them (null: they had none). */
  number: number | null
  /** Roster bindings removed (0 or 1). */
  bindings: number
  /** Rally stamps removed (a completion counts as one more). */
  stamps: number
  /** A follow-up state was removed (no tag or message is sent for them any more). */
  followUp: boolean
  /** Draws in which they were a winner (now shown as erased). */
  draws: number
}

/** One audit line: who erased a visitor of the campaign, when. Nothing about the visitor. */
export interface ErasureAudit {
  campaignId: string
  by: string
  at: number
}

/**
 * An erased visitor's tombstone (shared/server/visitor-tombstone.ts): what the campaign's
 * kiosks get in `erasure` frames to erase their own copies. The hash, never the openid.
 */
export interface Tombstone {
  /** SHA-256 of `<campaignId>\0<openid>`, lowercase hex. */
  visitor: string
  at: number
}

export interface ErasureStore {
  /**
   * Erases the visitor from the campaign, all of it or (a store error) as much as was done:
   * each step is idempotent, so the same call made again finishes it. The audit line is
   * written with the last step. Null: there is no such campaign (nothing written).
   */
  erase(input: ErasureInput): Promise<ErasureResult | null>
  /** The campaign's audit lines, newest first, at most `limit`. */
  audit(campaignId: string, limit: number): Promise<ErasureAudit[]>
  /**
   * Every tombstone of the campaign, oldest first, one per visitor (`at`: their latest erasure,
   * which covers everything of theirs stored before it). Kept as long as the audit: a kiosk may
   * come back at any time with the visitor's rows.
   */
  tombstones(campaignId: string): Promise<Tombstone[]>
  /**
   * When the visitor with this tombstone was last erased from the campaign (null: never, as
   * far as the tombstones go). One visitor's look-up, not a read of every tombstone: a kiosk's
   * backlog of desk bindings asks it once a bind.
   */
  erasedAt(campaignId: string, visitor: string): Promise<number | null>
}

/** The pseudonym prefix (shared: the console shows such rows without an erase button). */
export { ERASED_OPENID_PREFIX, isErasedOpenid } from '../../shared/console-api'

/**
 * The draw with `openid` replaced by `pseudonym` wherever it is a winner or a redraw's replaced
 * one, and that winner's name dropped; null when the visitor is not in it. The number stays (it
 * names nobody once the visitor's number is erased), so the draw keeps its winners' count and
 * the console still tells which place a redraw filled.
 */
export function redactDraw(d: DrawRecord, openid: string, pseudonym: string): DrawRecord | null {
  const named = d.winners.some((w) => w.openid === openid)
  const replaced = d.redraws.some((r) => r.replaced === openid || r.openid === openid)
  if (!named && !replaced) return null
  return {
    ...d,
    winners: d.winners.map((w) =>
      w.openid === openid ? { ...w, openid: pseudonym, name: null } : w,
    ),
    redraws: d.redraws.map((r) => ({
      ...r,
      replaced: r.replaced === openid ? pseudonym : r.replaced,
      openid: r.openid === openid ? pseudonym : r.openid,
    })),
  }
}
