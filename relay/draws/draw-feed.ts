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
 * otherwise re-read every campaign it ever showed on each resync. The same catch-up runs every
 * `pollMs` while anyone listens: a draw stored on another instance whose announcement was lost
 * (its publish failed after the record was stored) still reaches the screens. A draw or redraw
 * is passed on once however it was heard (change, resync or poll). Screens see no openid
 * (screenDrawOf).
 */
import { errorMessage, type Logger } from '../log'
import type { RelayStore } from '../store/types'
import { screenDrawOf } from './draw-service'
import type { ScreenDraw } from '../../shared/screen-api'

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

export interface DrawFeedOptions {
  /** How often the campaigns screens show are re-read while anyone listens (default 5 s). */
  pollMs?: number
}

/**
 * What screens played last: the draw or redraw stored last (`at` is a redraw's time), which is
 * not the newest draw when an earlier prize's absent winner was redrawn after it.
 */
function lastShown(draws: readonly ScreenDraw[]): ScreenDraw | null {
  let last: ScreenDraw | null = null
  for (const shown of draws) if (last === null || shown.at > last.at) last = shown
  return last
}

export function createDrawFeed(
  store: Pick<RelayStore, 'draws' | 'subscribe'>,
  log?: Logger,
  opts: DrawFeedOptions = {},
): DrawFeed {
  const pollMs = opts.pollMs ?? 5000
  const listeners = new Set<(campaignId: string, d: ScreenDraw) => void>()
  /**
   * Per campaign screens show, the stamps of its draws and redraws known to them: what was
   * stored when the first screen read it, and what was passed on since.
   */
  const newest = new Map<string, Set<string>>()
  /**
   * Per campaign with a `latest` read in flight: how many, and how often it was forgotten
   * since. A read the hub forgot meanwhile does not take the campaign up again.
   */
  const reading = new Map<string, { calls: number; forgets: number }>()
  let unsubscribeStore: (() => void) | null = null
  let poll: NodeJS.Timeout | null = null
  let catchingUp = false
  let catchUpAgain = false

  function pass(campaignId: string, shown: ScreenDraw): void {
    const known = newest.get(campaignId)
    if (known?.has(stamp(shown)) === true) return
    known?.add(stamp(shown))
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

  /**
   * Per campaign screens show: the last stored of the draws they have not heard of, if any. One
   * pass at a time; one asked for meanwhile runs after it (what it read may predate the ask).
   */
  async function catchUp(): Promise<void> {
    if (catchingUp) {
      catchUpAgain = true
      return
    }
    catchingUp = true
    try {
      do {
        catchUpAgain = false
        for (const campaignId of [...newest.keys()]) await catchUpOn(campaignId)
      } while (catchUpAgain)
    } finally {
      catchingUp = false
    }
  }

  async function catchUpOn(campaignId: string): Promise<void> {
    try {
      const records = await store.draws.list(campaignId)
      const known = newest.get(campaignId)
      if (known === undefined) return // no screen shows it any more
      const unheard = records.map(screenDrawOf).filter((d) => !known.has(stamp(d)))
      const top = lastShown(unheard)
      for (const d of unheard) known.add(stamp(d))
      if (top !== null) for (const l of [...listeners]) l(campaignId, top)
    } catch (err) {
      log?.error('re-reading draws for the screens failed', {
        campaignId,
        error: errorMessage(err),
      })
    }
  }

  return {
    async latest(campaignId) {
      const r = reading.get(campaignId) ?? { calls: 0, forgets: 0 }
      reading.set(campaignId, r)
      r.calls++
      const forgets = r.forgets
      try {
        const shown = (await store.draws.list(campaignId)).map(screenDrawOf)
        if (!newest.has(campaignId) && r.forgets === forgets) {
          newest.set(campaignId, new Set(shown.map(stamp)))
        }
        return lastShown(shown)
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
      if (poll === null) {
        poll = setInterval(() => void catchUp(), pollMs)
        poll.unref()
      }
      return () => {
        listeners.delete(listener)
        if (listeners.size === 0 && unsubscribeStore !== null) {
          unsubscribeStore()
          unsubscribeStore = null
        }
        if (listeners.size === 0 && poll !== null) {
          clearInterval(poll)
          poll = null
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
