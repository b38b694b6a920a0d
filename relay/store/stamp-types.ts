/**
 * The stamp rally (集章) half of the relay store: per campaign, each visitor's set of stamped
 * booths and who completed the rally. Both stores implement it (`RelayStore.stamps`), each
 * step atomic, so two relay instances stamping one visitor at two booths at once both count.
 * The push endpoint calls `stamp` beside `appendEvent` (same turn), only at a rally's booths.
 */

/** A visitor's rally after a stamp: the kiosk ids stamped, sorted, and whether they completed it. */
export interface Stamped {
  stamped: string[]
  /**
   * A completion is recorded for them (now or before): true also once `stamps` gained a booth
   * after they completed, as stats and the export still count them (docs/DESIGN.md "Stamp rally").
   */
  completed: boolean
}

export interface StampStore {
  /**
   * Adds `kioskId` to the visitor's stamps in the campaign (idempotent: a retried push adds
   * nothing) and, when their stamps now cover every kiosk of `rally`, records that they
   * completed it (once, at the first such call). Returns the visitor's stamps and completion.
   */
  stamp(
    campaignId: string,
    openid: string,
    kioskId: string,
    rally: readonly string[],
    now: number,
  ): Promise<Stamped>
  /**
   * Optional: `stamp`, only when the push `eventId` is stored in `campaignId` (the campaign its
   * number counts in), checked in the same step; null, and nothing stamped, when it is not. For
   * a store whose write sent just after the push's `appendEvent`, in the same event-loop turn,
   * runs after that append (SQLite: the next write of the same group commit, one fsync for
   * both): WeChat's retry of a push stored before its booth moved to this campaign, or a push
   * whose append failed, stamps nothing here. A store without it is stamped after the append.
   */
  stampStored?(
    eventId: string,
    campaignId: string,
    openid: string,
    kioskId: string,
    rally: readonly string[],
    now: number,
  ): Promise<Stamped | null>
  /** How many visitors completed the rally of each of `campaignIds`, summed. */
  completedCount(campaignIds: readonly string[]): Promise<number>
  /** The openids that completed the campaign's rally. */
  completedVisitors(campaignId: string): Promise<Set<string>>
}
