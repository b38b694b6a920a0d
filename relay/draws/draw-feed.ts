/**
 * The draw screens' source (issue 21, used by the screen routes): the newest draw of a campaign,
 * and every draw or redraw as it is stored, on whichever relay instance stored it. Backed by the
 * store's change feed (`{type: 'draw'}`, published by both stores after the record is
 * committed), so a screen only ever hears of a stored result; each change is read back from the
 * store, so what a screen plays is what the record says. After a `resync` (Redis: the
 * subscriber was away and may have missed changes) the last draw or redraw stored of every
 * campaign a screen still shows (asked `latest` and not `forget`) is read again and passed on if
 * it is not the one last passed on; `latest` is that one too. A campaign drawn with no screen
 * open, or whose screens have all closed, is not re-read: a relay running for months would
 * otherwise re-read every campaign it ever showed on each resync. Screens see no openid
 * (screenDrawOf).
 */
import { errorMessage, type Logger } from '../log'
import type { RelayStore } from '../store/types'
import { screenDrawOf } from './draw-service'
import type { DrawRecord, ScreenDraw } from '../../shared/screen-api'

export interface DrawFeed {
  /** The campaign's draw stored last (a redraw counts at its time), or null before its first. */
  latest(campaignId: string): Promise<ScreenDraw | null>
  /** Called once per stored draw or redraw; returns an unsubscribe. */
  subscribe(listener: (campaignId: string, d: ScreenDraw) => void): () => void
  /** No screen shows the campaign any more: a resync need not re-read it. */
  forget(campaignId: string): void
}

/** A draw as passed on: a redraw changes `at`, so this tells it from a repeat. */
const stamp = (d: ScreenDraw): string => `${d.id} ${d.at}`

/**
 * What screens played last: the draw or redraw stored last (`at` is a redraw's time), which is
 * not the newest draw when an earlier prize's absent winner was redrawn after it.
 */
function lastShown(records: readonly DrawRecord[]): ScreenDraw | null {
  let last: ScreenDraw | null = null
  for (const r of records) {
    const shown = screenDrawOf(r)
    if (last === null || shown.at > last.at) last = shown
  }
  return last
}

export function createDrawFeed(
  store: Pick<RelayStore, 'draws' | 'subscribe'>,
  log?: Logger,
): DrawFeed {
  const listeners = new Set<(campaignId: string, d: ScreenDraw) => void>()
  /** Per campaign screens show, the stamp of the newest draw known to them ('' for none). */
  const newest = new Map<string, string>()
  /**
   * Per campaign with a `latest` read in flight: how many, and how often it was forgotten
   * since. A read the hub forgot meanwhile does not take the campaign up again.
   */
  const reading = new Map<string, { calls: number; forgets: number }>()
  let unsubscribeStore: (() => void) | null = null

  function pass(campaignId: string, shown: ScreenDraw): void {
    if (newest.has(campaignId)) newest.set(campaignId, stamp(shown))
    for (const l of [...listeners]) l(campaignId, shown)
  }

  async function relay(campaignId: string, drawId: string): Promise<void> {
    try {
      const record = await store.draws.get(campaignId, drawId)
      if (record !== null) pass(campaignId, screenDrawOf(record))
    } catch (err) {
      log?.error('reading a stored draw for the screens failed', {
        campaignId,
        drawId,
        error: errorMessage(err),
      })
    }
  }

  async function catchUp(): Promise<void> {
    for (const [campaignId, known] of [...newest]) {
      try {
        const top = lastShown(await store.draws.list(campaignId))
        if (top !== null && stamp(top) !== known) pass(campaignId, top)
      } catch (err) {
        log?.error('re-reading draws after a resync failed', {
          campaignId,
          error: errorMessage(err),
        })
      }
    }
  }

  return {
    async latest(campaignId) {
      const r = reading.get(campaignId) ?? { calls: 0, forgets: 0 }
      reading.set(campaignId, r)
      r.calls++
      const forgets = r.forgets
      try {
        const shown = lastShown(await store.draws.list(campaignId))
        if (!newest.has(campaignId) && r.forgets === forgets) {
          newest.set(campaignId, shown === null ? '' : stamp(shown))
        }
        return shown
      } finally {
        if (--r.calls === 0) reading.delete(campaignId)
      }
    },
    subscribe(listener) {
      listeners.add(listener)
      unsubscribeStore ??= store.subscribe((change) => {
        if (change.type === 'draw') void relay(change.campaignId, change.drawId)
        else if (change.type === 'resync') void catchUp()
      })
      return () => {
        listeners.delete(listener)
        if (listeners.size === 0 && unsubscribeStore !== null) {
          unsubscribeStore()
          unsubscribeStore = null
        }
      }
    },
    forget(campaignId) {
      newest.delete(campaignId)
      const r = reading.get(campaignId)
      if (r !== undefined) r.forgets++
    },
  }
}
