/**
 * The draw stage's rolling animation, as pure functions: the result is fixed before it starts
 * (the relay drew and stored it), so the roll only decides what each winner's slot shows until
 * it stops, and every slot stops on its winner. Slots stop one after another.
 */
import type { ScreenDraw, ScreenVisitor } from '../../../shared/screen-api'

export interface RollTiming {
  /** When the first slot stops (ms after the start), and the gap to the next. */
  firstStopMs: number
  gapMs: number
  /** How often a rolling slot changes what it shows. */
  tickMs: number
}

export const ROLL: RollTiming = { firstStopMs: 2400, gapMs: 350, tickMs: 70 }
/** With `prefers-reduced-motion`: no rolling, the winners at once. */
export const NO_ROLL: RollTiming = { firstStopMs: 0, gapMs: 0, tickMs: 70 }

/** When slot `i` of `n` stops; the gaps shrink for big draws so the whole roll stays short. */
export function stopAt(i: number, n: number, t: RollTiming): number {
  const gap = n <= 1 ? 0 : Math.min(t.gapMs, 3000 / (n - 1))
  return t.firstStopMs + i * gap
}

/** How long the roll lasts in all. */
export function rollDuration(n: number, t: RollTiming): number {
  return n === 0 ? 0 : stopAt(n - 1, n, t)
}

/**
 * What the slots show `elapsed` ms into the roll: a stopped slot its winner, a rolling one a
 * visitor picked by `pick` from the pool (eligible visitors as far as the screen knows them).
 */
export function slotsAt(
  winners: readonly ScreenVisitor[],
  pool: readonly ScreenVisitor[],
  elapsed: number,
  t: RollTiming,
  pick: (n: number) => number,
): Array<{ visitor: ScreenVisitor; stopped: boolean }> {
  return winners.map((w, i) => {
    if (elapsed >= stopAt(i, winners.length, t) || pool.length === 0) {
      return { visitor: w, stopped: true }
    }
    return { visitor: pool[pick(pool.length)] ?? w, stopped: false }
  })
}

/**
 * The pool a roll shows: the visitors the screen has seen and the winners, plus guest numbers
 * up to the eligible count (so a small wall still rolls over the whole field).
 */
export function rollPool(
  seen: readonly ScreenVisitor[],
  winners: readonly ScreenVisitor[],
  eligibleCount: number,
): ScreenVisitor[] {
  const byNumber = new Map<number, ScreenVisitor>()
  for (const v of [...seen, ...winners]) byNumber.set(v.number, v)
  const top = Math.max(eligibleCount, ...byNumber.keys(), 0)
  for (let n = 1; n <= Math.min(top, 500); n++) {
    if (!byNumber.has(n)) byNumber.set(n, { number: n, name: null })
  }
  return [...byNumber.values()]
}

/**
 * How old a draw may be, by the relay's clock, and still be played when a screen that missed it
 * reconnects. A stream that dies without a word is noticed after two heartbeats and a bit
 * (15 s each: about 32 s) and reopened within a second, so a draw made during a blip reaches the
 * screen well inside a minute, while the room is still waiting for its roll. A screen that was
 * away longer (the venue's Wi-Fi down for minutes, a laptop asleep) has missed the moment: the
 * organizer has read the winners out by then, and rolling them again in the middle of whatever
 * happens next would be wrong, so it shows them without the roll.
 */
export const REPLAY_WITHIN_MS = 60_000

/** The same draw (a redraw is a new `at`). */
export const sameDraw = (a: ScreenDraw | null, b: ScreenDraw | null): boolean =>
  a !== null && b !== null && a.id === b.id && a.at === b.at

/**
 * Whether a reconnecting screen's snapshot brings a draw to play: one the screen has not shown
 * (nor a newer one), made at most `REPLAY_WITHIN_MS` before `relayNow` (the relay's clock, not
 * the screen's: a venue PC's clock may be minutes off).
 */
export function missedDrawToPlay(
  shown: ScreenDraw | null,
  next: ScreenDraw | null,
  relayNow: number,
): next is ScreenDraw {
  if (next === null || sameDraw(shown, next)) return false
  if (shown !== null && next.at < shown.at) return false
  return relayNow - next.at <= REPLAY_WITHIN_MS
}
