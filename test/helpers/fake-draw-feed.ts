/** A DrawFeed (relay/screens/draw-source.ts) a test drives by hand: `emit` plays a draw. */
import type { DrawFeed } from '../../relay/screens/draw-source'
import type { ScreenDraw } from '../../shared/screen-api'

export class FakeDrawFeed implements DrawFeed {
  private readonly draws = new Map<string, ScreenDraw>()
  private readonly listeners = new Set<(campaignId: string, d: ScreenDraw) => void>()

  latest(campaignId: string): Promise<ScreenDraw | null> {
    return Promise.resolve(this.draws.get(campaignId) ?? null)
  }

  subscribe(listener: (campaignId: string, d: ScreenDraw) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  forget(): void {}

  emit(campaignId: string, draw: ScreenDraw): void {
    this.draws.set(campaignId, draw)
    for (const l of this.listeners) l(campaignId, draw)
  }
}
