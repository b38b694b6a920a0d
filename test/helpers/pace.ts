/**
 * Paces bytes at a rate by the clock, not by the timers: whoever asks late (a timer that fired
 * late on a busy machine) may pass what the time gone allows, so a link's rate holds under load
 * instead of falling with the timers. At most a second's worth is saved up (after a pause the
 * link does not burst more than that).
 */
export interface Pacer {
  /** How many of `want` bytes may pass now (all of them while the rate is null). */
  take(want: number): number
}

export function pacer(rate: () => number | null): Pacer {
  let allowance = 0
  let last = Date.now()
  return {
    take(want) {
      const now = Date.now()
      const r = rate()
      if (r === null) {
        last = now
        return want
      }
      allowance = Math.min(r, allowance + ((now - last) * r) / 1000)
      last = now
      const n = Math.min(want, Math.floor(allowance))
      allowance -= n
      return n
    },
  }
}
