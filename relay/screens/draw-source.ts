/**
 * Where the draw stage hears of draws: the shape the draws API exports (relay/draws/draw-feed.ts,
 * built beside this), defined here so the screens depend on the shape, not on that module. An
 * optional dependency of the screen routes: without one, the draw stage stays idle.
 */
import type { ScreenDraw } from '../../shared/screen-api'

export interface DrawFeed {
  /** The campaign's latest draw (a redraw included), or null before its first. */
  latest(campaignId: string): Promise<ScreenDraw | null>
  /** Every draw or redraw as it is stored, on any instance. Returns an unsubscribe. */
  subscribe(listener: (campaignId: string, draw: ScreenDraw) => void): () => void
  /**
   * No screen of the campaign is open and none is about to open (the hub forgot it): the feed
   * may stop re-reading it after a resync. A later `latest` takes it up again.
   */
  forget(campaignId: string): void
}
