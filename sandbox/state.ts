// Everything the sandbox remembers, on one injected clock.
import { AccountUsers } from './account-users'
import { DailyCounter, MinuteCounter } from './daily-counter'
import { applyFaults, NO_FAULTS, type Faults, type FaultsPatch } from './faults'
import type { ResolvedSandboxOptions } from './options'
import { TicketStore } from './ticket-store'
import { TokenStore } from './token-store'

export class SandboxState {
  readonly tokens: TokenStore
  readonly tickets: TicketStore
  /** Successful qrcode/create calls today (45009 past dailyQrQuota). */
  readonly qrCreates: DailyCounter
  /** stable_token calls answered with a token, this minute and today (45009 past the limits). */
  readonly stableCallsThisMinute: MinuteCounter
  readonly stableCallsToday: DailyCounter
  /** Followers' tags, message windows and the messages sent to them. */
  readonly users: AccountUsers
  #faults: Faults = NO_FAULTS

  constructor(opts: ResolvedSandboxOptions) {
    this.tokens = new TokenStore(opts.now)
    this.tickets = new TicketStore(opts.now, opts.permanentQrCap)
    this.qrCreates = new DailyCounter(opts.now)
    this.stableCallsThisMinute = new MinuteCounter(opts.now)
    this.stableCallsToday = new DailyCounter(opts.now)
    this.users = new AccountUsers(opts.now)
  }

  get faults(): Faults {
    return this.#faults
  }

  setFaults(patch: FaultsPatch): Faults {
    this.#faults = applyFaults(this.#faults, patch)
    return this.#faults
  }

  /** Counts one successful create against the quotaAfter fault, if it is on. */
  spendQuotaFault(): void {
    const left = this.#faults.quotaAfter
    if (left !== null && left > 0) this.#faults = { ...this.#faults, quotaAfter: left - 1 }
  }
}
