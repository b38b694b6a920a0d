// Per-day call counting on the injected clock. WeChat's daily quotas reset at midnight Beijing
// time (UTC+8), not at the caller's midnight.
const DAY_MS = 86_400_000
const BEIJING_OFFSET_MS = 8 * 3_600_000

export function beijingDay(ms: number): number {
  return Math.floor((ms + BEIJING_OFFSET_MS) / DAY_MS)
}

/** Calls counted in the current clock minute (WeChat's per-minute call limits). */
export class MinuteCounter {
  readonly #now: () => number
  #minute = Number.NaN
  #count = 0

  constructor(now: () => number) {
    this.#now = now
  }

  used(): number {
    this.#roll()
    return this.#count
  }

  increment(): void {
    this.#roll()
    this.#count += 1
  }

  #roll(): void {
    const minute = Math.floor(this.#now() / 60_000)
    if (minute !== this.#minute) {
      this.#minute = minute
      this.#count = 0
    }
  }
}

export class DailyCounter {
  readonly #now: () => number
  #day = Number.NaN
  #count = 0

  constructor(now: () => number) {
    this.#now = now
  }

  /** Calls counted today. */
  used(): number {
    this.#roll()
    return this.#count
  }

  increment(): void {
    this.#roll()
    this.#count += 1
  }

  #roll(): void {
    const day = beijingDay(this.#now())
    if (day !== this.#day) {
      this.#day = day
      this.#count = 0
    }
  }
}
