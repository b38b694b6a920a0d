/**
 * The draw stage's rolling animation, as pure functions: the result is fixed before it starts
 * (the relay drew and stored it), so the roll only decides what each winner's slot shows until
 * it stops, and every slot stops on its winner. Slots stop one after another.
 */
import type { ScreenVisitor } from '../../../shared/screen-api'

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
