/**
 * The stamp rally (集章) half of the relay store: per campaign, each visitor's set of stamped
 * booths and who completed the rally. Both stores implement it (`RelayStore.stamps`), each
 * step atomic, so two relay instances stamping one visitor at two booths at once both count.
 * The push endpoint calls `stamp` beside `appendEvent` (same turn), only at a rally's booths.
 */

export interface StampStore {
  /**
   * Adds `kioskId` to the visitor's stamps in the campaign (idempotent: a retried push adds
   * nothing) and, when their stamps now cover every kiosk of `rally`, records that they
   * completed it (once, at the first such call). Returns the visitor's stamped kiosk ids.
   */
  stamp(
    campaignId: string,
    openid: string,
    kioskId: string,
    rally: readonly string[],
    now: number,
  ): Promise<string[]>
  /** How many visitors completed the rally of each of `campaignIds`, summed. */
  completedCount(campaignIds: readonly string[]): Promise<number>
  /** The openids that completed the campaign's rally. */
  completedVisitors(campaignId: string): Promise<Set<string>>
}
