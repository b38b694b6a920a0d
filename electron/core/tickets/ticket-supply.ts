/**
 * Getting new tickets from the ticket source: bounded concurrency, backoff with jitter after
 * errors, the daily quota (45009 stops all requests until WeChat's quota day turns), the
 * relay's rate limit (429: wait as told, quietly), its daily ticket budget (429 until midnight
 * Beijing time: waited out the same way, and remembered for staff), and the outcome the status
 * corner shows.
 * The pool decides how many it needs.
 */
import type { ConnectionCheck } from '../../../shared/ipc'
import { quotaDay, type TicketRepo } from './ticket-repo'
import {
  sourceErrorBody,
  TicketSourceError,
  type CreatedTicket,
  type SourceErrorBody,
  type TicketSource,
} from './ticket-source'
import type { Logger } from '../../../shared/server/log'

export interface TicketSupplyOptions {
  tickets: TicketRepo
  now: () => number
  random?: () => number
  /** Longest pause between failed attempts. */
  maxBackoffMs?: number
  /** New tickets are in (the pool may put one on screen). */
  onCreated: () => void
  onStatus: () => void
  /** Where a failure's English detail goes (once per change of code; the UI gets the code). */
  log?: Logger
}

export class TicketSupply {
  private source: TicketSource | null = null
  private connectionId = ''
  private inFlightRequests = 0
  /** Tickets asked for and not answered yet: the pool counts them as coming. */
  inFlightTickets = 0
  private readonly pending = new Set<Promise<unknown>>()
  private failures = 0
  private nextAttemptAt = 0
  /** How long the backoff ending at `nextAttemptAt` was (see `waiting`). */
  private backoffMs = 0
  /** Set by the relay's 429: kept apart from the backoff, which a success elsewhere clears. */
  private rateLimitedUntil = 0
  private rateLimitMs = 0
  /** The quota day on which the relay said this kiosk's daily ticket budget is spent. */
  private budgetSpentOn: string | null = null
  outcome: 'none' | 'ok' | 'error' = 'none'
  /** The last failure as the UI shows it (shared/errors.ts); the detail goes to the log. */
  lastError: SourceErrorBody | null = null
  private stopped = false

  constructor(private readonly o: TicketSupplyOptions) {}

  get kind(): 'direct' | 'proxy' | null {
    return this.source?.kind ?? null
  }

  setSource(source: TicketSource | null, connectionId: string): void {
    this.source = source
    this.connectionId = connectionId
    this.failures = 0
    this.nextAttemptAt = 0
    this.rateLimitedUntil = 0
    this.budgetSpentOn = null
    this.outcome = 'none'
    this.lastError = null
  }

  quotaExhausted(now: number): boolean {
    return this.o.tickets.quotaExhaustedOn(quotaDay(now))
  }

  /** The relay refused more tickets today (this kiosk's daily budget) and none came since. */
  budgetSpent(now: number): boolean {
    return this.budgetSpentOn === quotaDay(now)
  }

  /** How long the relay's rate-limit pause still runs (0: none). */
  pauseLeftMs(now: number): number {
    return waiting(now, this.rateLimitedUntil, this.rateLimitMs) ? this.rateLimitedUntil - now : 0
  }

  createdToday(now: number): number {
    return this.o.tickets.createdOn(quotaDay(now))
  }

  /**
   * The relay answers this kiosk again (its link is welcomed): a backoff after failing to reach
   * it ends now, so tickets are asked for at once instead of when the wait runs out (30–60 s
   * after an outage of a minute or more). The count of failures stays: if the request fails
   * again, the next wait is as long as it would have been.
   */
  relayBack(): void {
    if (waitEndsWithRelay(this.source, this.lastError)) this.nextAttemptAt = 0
  }

  /** Asks for up to `need` tickets, unless backing off, out of quota or at the concurrency cap. */
  request(need: number, lifetimeSeconds: number, maxInFlight: number): void {
    const now = this.o.now()
    if (!this.source || this.stopped || this.quotaExhausted(now)) return
    if (waiting(now, this.nextAttemptAt, this.backoffMs)) return
    if (waiting(now, this.rateLimitedUntil, this.rateLimitMs)) return
    while (need > 0 && this.inFlightRequests < maxInFlight) {
      const batch = Math.min(need, this.source.maxBatch)
      need -= batch
      void this.launch(batch, lifetimeSeconds)
    }
  }

  /** One ticket now, whatever the backoff (the admin's "test connection"). */
  async probe(lifetimeSeconds: number): Promise<ConnectionCheck> {
    if (!this.source) return { ok: false, code: 'not_configured', params: {} }
    const err = await this.launch(1, lifetimeSeconds)
    if (err === null) return { ok: true, code: 'ok', params: {} }
    return {
      ok: false,
      code: err.code,
      params: err.errcode === undefined ? {} : { errcode: err.errcode },
    }
  }

  async whenIdle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending])
  }

  stop(): void {
    this.stopped = true
  }

  /** Resolves with the request's error, or null when tickets came. */
  private launch(count: number, lifetimeSeconds: number): Promise<TicketSourceError | null> {
    const source = this.source
    if (!source) return Promise.resolve(null)
    const connectionId = this.connectionId
    // WeChat starts the clock after our request leaves: counting from here is conservative.
    const requestedAt = this.o.now()
    this.inFlightRequests++
    this.inFlightTickets += count
    const p = source
      .create(count, lifetimeSeconds)
      .then(
        (tickets) => this.created(connectionId, tickets, requestedAt),
        (err: unknown) => this.failed(connectionId, err),
      )
      // Storing can fail too (disk full): that is one more failed attempt, never an unhandled rejection.
      .catch((err: unknown) => this.failed(connectionId, err))
      .finally(() => {
        this.inFlightRequests--
        this.inFlightTickets -= count
        this.pending.delete(p)
        try {
          this.o.onStatus()
          if (this.outcome === 'ok' && !this.stopped) this.o.onCreated()
        } catch {
          // The next tick tries again.
        }
      })
    this.pending.add(p)
    return p
  }

  private created(
    connectionId: string,
    tickets: CreatedTicket[],
    at: number,
  ): TicketSourceError | null {
    // An empty success would otherwise loop straight back into another request.
    if (tickets.length === 0) {
      return this.failed(connectionId, new TicketSourceError('bad_response', 'no tickets returned'))
    }
    this.o.tickets.storeCreated(connectionId, tickets, at)
    if (connectionId !== this.connectionId || this.stopped) return null
    this.failures = 0
    this.nextAttemptAt = 0
    this.budgetSpentOn = null
    this.outcome = 'ok'
    this.lastError = null
    return null
  }

  private failed(connectionId: string, err: unknown): TicketSourceError {
    const e =
      err instanceof TicketSourceError
        ? err
        : new TicketSourceError('other', err instanceof Error ? err.message : 'failed')
    if (connectionId !== this.connectionId || this.stopped) return e
    const now = this.o.now()
    if (e.code === 'rate_limited' || e.code === 'ticket_budget') {
      // Our own relay pacing this kiosk: nothing is broken, so the status stays as it was and
      // the pool serves what it has until the wait is over (an hour at most, then asks again).
      // The relay answered, though: the first answer since a start (or a new source) shows it
      // reachable, not "unknown" for the hours until a code comes.
      if (this.outcome === 'none') this.outcome = 'ok'
      const waitMs = e.retryAfterMs ?? 5_000
      if (e.code === 'ticket_budget') {
        const day = quotaDay(now)
        if (this.budgetSpentOn !== day) {
          this.o.log?.warn(
            "ticket source: the relay says this kiosk's daily ticket budget is spent; " +
              'no new codes until midnight Beijing time',
          )
        }
        this.budgetSpentOn = day
      }
      if (
        !waiting(now, this.rateLimitedUntil, this.rateLimitMs) ||
        now + waitMs > this.rateLimitedUntil
      ) {
        this.rateLimitedUntil = now + waitMs
        this.rateLimitMs = waitMs
      }
      this.o.log?.warn(
        `ticket source rate-limited by the relay; next request in ${waitMs / 1000} s`,
      )
      return e
    }
    this.outcome = 'error'
    if (this.lastError?.code !== e.code) this.o.log?.warn(`ticket source: ${e.code}: ${e.message}`)
    this.lastError = sourceErrorBody(e)
    // 45009: no more codes today; asking again only adds to the count. Wait for the quota day.
    if (e.code === 'quota') this.o.tickets.markQuotaExhausted(quotaDay(now))
    this.failures++
    this.backoffMs = failureBackoffMs(this.failures, this.o, e.retryAfterMs)
    this.nextAttemptAt = now + this.backoffMs
    return e
  }
}

/**
 * The wait after the `failures`-th failure in a row: 1 s doubling up to `maxBackoffMs` (60 s),
 * jittered to 50–100 %, and never shorter than a relay's Retry-After (`relayWaitMs`: its 429, or
 * a 503 that says how long, as `fallback_busy` does: asking sooner is refused the same way). The
 * ticket supply and the fallback code alike.
 */
export function failureBackoffMs(
  failures: number,
  o: { maxBackoffMs?: number; random?: () => number },
  relayWaitMs = 0,
): number {
  const base = Math.min(o.maxBackoffMs ?? 60_000, 1000 * 2 ** (failures - 1))
  return Math.max(base * (0.5 + 0.5 * (o.random ?? Math.random)()), relayWaitMs)
}

/**
 * Whether a wait of `waitMs` ending at `until` still runs at `now`. One with more time left than
 * it ever had began before the clock was set back (NTP correcting a clock that ran ahead): it is
 * over, or the kiosk would ask for nothing until the clock caught up, hours later.
 */
export function waiting(now: number, until: number, waitMs: number): boolean {
  // `until` is `now + waitMs` rounded to a double: read back in the millisecond it was set, a
  // jittered wait (788.607832 ms) can come out a hair longer than itself. A clock set back is
  // hours, not a millisecond.
  return now < until && until - now <= waitMs + 1
}

/**
 * Whether a backoff ends as the relay link is welcomed again (`relayBack`): only a wait after
 * failing to reach the relay, for a source that asks through it (`proxy`): `unreachable`, or
 * `tls_untrusted` (the venue's network answered the relay's TLS handshake itself, a Wi-Fi
 * sign-in or a filtering proxy: the link welcomed again is the relay's own certificate). The
 * ticket supply and the fallback code alike.
 */
export function waitEndsWithRelay(
  source: { readonly kind: 'direct' | 'proxy' } | null,
  lastError: { readonly code: string } | null,
): boolean {
  return source?.kind === 'proxy' && RELAY_NOT_REACHED.has(lastError?.code ?? '')
}

/** The source errors of a request that never reached the relay (`waitEndsWithRelay`). */
const RELAY_NOT_REACHED: ReadonlySet<string> = new Set(['unreachable', 'tls_untrusted'])
