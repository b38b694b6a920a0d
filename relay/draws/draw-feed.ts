/**
 * The draw screens' source (issue 21, used by the screen routes): the newest draw of a campaign,
 * and every draw or redraw as it is stored, on whichever relay instance stored it. Backed by the
 * store's change feed (`{type: 'draw'}`, published by both stores after the record is
 * committed), so a screen only ever hears of a stored result; each change is read back from the
 * store, so what a screen plays is what the record says. Screens see no openid (screenDrawOf).
 */
import { errorMessage, type Logger } from '../log'
import type { RelayStore } from '../store/types'
import { screenDrawOf } from './draw-service'
import type { ScreenDraw } from '../../shared/screen-api'

export interface DrawFeed {
  /** The campaign's newest draw (by draw time), or null before its first. */
  latest(campaignId: string): Promise<ScreenDraw | null>
  /** Called once per stored draw or redraw; returns an unsubscribe. */
  subscribe(listener: (campaignId: string, d: ScreenDraw) => void): () => void
}

export function createDrawFeed(
  store: Pick<RelayStore, 'draws' | 'subscribe'>,
  log?: Logger,
): DrawFeed {
  const listeners = new Set<(campaignId: string, d: ScreenDraw) => void>()
  let unsubscribeStore: (() => void) | null = null

  async function relay(campaignId: string, drawId: string): Promise<void> {
    try {
      const record = await store.draws.get(campaignId, drawId)
      if (record === null) return
      const shown = screenDrawOf(record)
      for (const l of [...listeners]) l(campaignId, shown)
    } catch (err) {
      log?.error('reading a stored draw for the screens failed', {
        campaignId,
        drawId,
        error: errorMessage(err),
      })
    }
  }

  return {
    async latest(campaignId) {
      const [newest] = await store.draws.list(campaignId)
      return newest === undefined ? null : screenDrawOf(newest)
    },
    subscribe(listener) {
      listeners.add(listener)
      unsubscribeStore ??= store.subscribe((change) => {
        if (change.type === 'draw') void relay(change.campaignId, change.drawId)
      })
      return () => {
        listeners.delete(listener)
        if (listeners.size === 0 && unsubscribeStore !== null) {
          unsubscribeStore()
          unsubscribeStore = null
        }
      }
    },
  }
}
