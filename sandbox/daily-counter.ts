// Per-period call counting on the injected clock. WeChat's daily quotas reset at midnight
// Beijing time (UTC+8), not at the caller's midnight: the quota day the relay and the kiosk
// use (shared/wechat/quota-day.ts).
import { quotaDay } from '../shared/wechat/quota-day'

/** Calls counted in the current period of the injected clock (`periodOf` names them). */
class PeriodCounter {
  readonly #now: () => number
  readonly #periodOf: (ms: number) => number | string
  #period: number | string = Number.NaN
  #count = 0

  constructor(now: () => number, periodOf: (ms: number) => number | string) {
    this.#now = now
    this.#periodOf = periodOf
  }

  /** Calls counted in this period. */
  used(): number {
    this.#roll()
    return this.#count
  }

  increment(): void {
    this.#roll()
    this.#count += 1
  }

  #roll(): void {
    const period = this.#periodOf(this.#now())
    if (period !== this.#period) {
      this.#period = period
      this.#count = 0
    }
  }
}

/** Calls counted in the current clock minute (WeChat's per-minute call limits). */
export class MinuteCounter extends PeriodCounter {
  constructor(now: () => number) {
    super(now, (ms) => Math.floor(ms / 60_000))
  }
}

/** Calls counted today, a Beijing day (WeChat's daily quotas). */
export class DailyCounter extends PeriodCounter {
  constructor(now: () => number) {
    super(now, quotaDay)
  }
}
