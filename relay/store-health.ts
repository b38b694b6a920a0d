/**
 * Whether the relay can store a push right now, for `/healthz`. Two signs, either enough to
 * answer 503: a store write on the push path failed recently with nothing stored since (a full
 * disk may still take a tiny write, but not the push WeChat is retrying), or a probe write
 * fails now. Probes are shared and at most one a second (one in five after a failure), so
 * polling `/healthz` cannot turn into a stream of fsyncs or of lock waits. A push stored again
 * ends both signs at once, except a store whose data is gone (StoreLostError): that stays until
 * a restart. Durations use a monotonic clock, not the relay's `now`.
 *
 * `/healthz` answers anyone, so its `error` is one of a few fixed short texts (storeErrorText),
 * never the store's own message: that can name a file path, an internal host and port, or
 * whatever a driver put in it. The whole message goes to the relay's log instead.
 */
import { performance } from 'node:perf_hooks'
import type { StoreRefusalCause } from '../shared/console-api'
import { errorMessage, LogLimiter, silentLogger, type Logger } from './log'
import type { RelayMetrics } from './metrics'
import { StoreLostError, StoreNotAnsweringError, type RelayStore } from './store/types'
import { errorCode } from '../shared/error-code'

export interface StoreHealthReport {
  ok: boolean
  /**
   * Why not ok: a recent push could not be stored, the probe write failed now, or the store has
   * stopped answering (the push breaker is open: pushes are answered 503 at once).
   */
  reason?: 'store_write_failed' | 'probe_failed' | 'store_not_answering'
  error?: string
  /** How long ago the failure was seen. */
  ageMs?: number
}

export interface StoreHealthOptions {
  /** How long a failed push write keeps health at 503 unless a write succeeds. */
  holdMs?: number
  /** A successful probe's result is reused for this long. */
  probeEveryMs?: number
  /**
   * A failed one's for this long: under a lock each SQLite probe blocks the event loop for
   * the busy timeout, so health checks must not repeat it back to back.
   */
  failedProbeEveryMs?: number
  /** A probe that takes longer than this counts as failed (Redis away, a lock held). */
  probeTimeoutMs?: number
  /** Where a failed probe's whole error goes (the push path logs its own failures). */
  log?: Logger
  /**
   * How long ago the push breaker found the store stopped answering (relay/store-breaker.ts),
   * or null while it answers. While it does not, health says so at once, without a probe of its
   * own (the breaker's is waiting for the store).
   */
  notAnsweringForMs?: () => number | null
}

/**
 * The short texts `/healthz` may show as `error`: the console's store refusals name the same
 * (shared/console-api.ts), and 'store error' for anything else.
 */
export type StoreErrorText = StoreRefusalCause | 'store error'

/** The probe took longer than `probeTimeoutMs`. */
class ProbeTimeout extends Error {}

/**
 * A store error as one of a few fixed texts, from its code (SQLite's, Node's, Redis's reply
 * prefix), never from its free text. Unknown errors are 'store error'.
 */
export function storeErrorText(err: unknown): StoreErrorText {
  // ioredis's commandTimeout (relay/store/redis/connect.ts): Redis connected but not answering.
  if (
    err instanceof ProbeTimeout ||
    err instanceof StoreNotAnsweringError ||
    (err instanceof Error && err.message === 'Command timed out')
  ) {
    return 'store did not answer in time'
  }
  const code = errorCode(err) ?? ''
  const name = err instanceof Error ? err.name : ''
  const message = err instanceof Error ? err.message : ''
  if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return 'database is locked'
  if (code.startsWith('SQLITE_FULL') || code === 'ENOSPC' || code === 'EDQUOT') {
    return 'database or disk is full'
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || /^READONLY\b/.test(message)) {
    return 'store is read-only'
  }
  if (/^(WRONGPASS|NOAUTH|NOPERM)\b/.test(message)) return 'store refused authentication'
  // Redis past its maxmemory with a no-eviction policy, and Redis refusing writes because its
  // last snapshot failed (stop-writes-on-bgsave-error): both refuse every write until fixed.
  if (/^OOM\b/.test(message)) return 'store is out of memory'
  if (/^MISCONF\b/.test(message)) return 'store cannot save to disk'
  if (
    /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)$/.test(
      code,
    ) ||
    name === 'MaxRetriesPerRequestError' ||
    /^(Connection is closed|Stream isn't writeable|CLUSTERDOWN|LOADING|MASTERDOWN|TRYAGAIN)\b/.test(
      message,
    )
  ) {
    return 'store unreachable'
  }
  return 'store error'
}

/**
 * What an operator does about a push the store refused, for the log line: the cause in the
 * store's fixed words, that WeChat retries the push (it was answered 503), and the fix.
 */
export function storeErrorAction(cause: StoreErrorText): string {
  const fix: Record<StoreErrorText, string> = {
    'database or disk is full':
      'free space on the disk of the data folder (--data) or of Redis; pushes are stored again ' +
      'as soon as there is room, no restart needed',
    'database is locked':
      'another program holds the relay database (a backup, an sqlite3 shell): end it',
    'store is read-only':
      'the data folder and its relay.sqlite must belong to the user the relay runs as and be ' +
      'on a writable disk (Redis: not a read-only replica)',
    'store refused authentication': "check the Redis URL's user and password and its ACL",
    'store is out of memory':
      "Redis is at its maxmemory: raise maxmemory or free Redis's memory (noeviction keeps data)",
    'store cannot save to disk':
      "Redis's snapshot failed (MISCONF): free its disk or fix its folder's permissions",
    'store unreachable': 'check that Redis is running and reachable from the relay',
    'store did not answer in time': 'check the store: Redis overloaded, or a disk that stalls',
    'store error': 'see the error',
  }
  return `answered 503; WeChat retries it for a while: ${fix[cause]}`
}

interface Failure {
  at: number
  error: string
}

export class StoreHealth {
  private lastWriteFailure: Failure | null = null
  private lastProbe: { at: number; failure: Failure | null } | null = null
  private probing: Promise<void> | null = null
  /** A probe found the store's data gone (StoreLostError): for good, until a restart. */
  private storeLost = false
  private readonly holdMs: number
  private readonly probeEveryMs: number
  private readonly failedProbeEveryMs: number
  private readonly probeTimeoutMs: number
  private readonly log: Logger
  private readonly notAnsweringForMs: () => number | null
  private timer: NodeJS.Timeout | null = null
  /**
   * A failed probe is logged once a minute for each error (probes run every few seconds while
   * the store is away, and on every /healthz a load balancer asks); the first probe to pass
   * after failures says so, with how many failed.
   */
  private readonly probeLines: LogLimiter
  private failedProbes = 0

  constructor(
    private readonly store: RelayStore,
    private readonly metrics: RelayMetrics,
    private readonly now: () => number,
    opts: StoreHealthOptions = {},
  ) {
    this.holdMs = opts.holdMs ?? 30_000
    this.probeEveryMs = opts.probeEveryMs ?? 1000
    this.failedProbeEveryMs = opts.failedProbeEveryMs ?? 5000
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 2000
    this.log = opts.log ?? silentLogger
    this.notAnsweringForMs = opts.notAnsweringForMs ?? (() => null)
    this.probeLines = new LogLimiter(now)
  }

  /** A push's store write failed (the push was answered 503). */
  writeFailed(err: unknown): void {
    this.metrics.countStoreError()
    // The push breaker's 503s leave no failure behind: while it is open /healthz says so from
    // its state (notAnsweringForMs), and its probe answered is what closes it.
    if (err instanceof StoreNotAnsweringError) return
    this.lastWriteFailure = { at: performance.now(), error: storeErrorText(err) }
    // At once, for a scrape of /metrics alone: nothing may ask /healthz.
    this.metrics.setStoreHealthy(false)
  }

  /**
   * The push breaker heard from the store again (its probe or a push's write was answered): a
   * probe of ours that timed out meanwhile is not reused.
   */
  storeAnswered(): void {
    if (this.storeLost || this.lastProbe?.failure?.error !== 'store did not answer in time') return
    this.lastProbe = null
  }

  /** The health check's own read failed after the probe passed (the store just went). */
  readFailed(): void {
    this.metrics.countStoreError()
    this.metrics.setStoreHealthy(false)
  }

  /** A push's store write succeeded: the store takes writes again. */
  writeSucceeded(): void {
    this.lastWriteFailure = null
    // A push kept in what is left of a store that lost its data (as unrouted: its booths are
    // gone) says nothing of that loss: /healthz and /metrics stay unhealthy until a restart.
    if (this.storeLost) return
    if (this.lastProbe?.failure) this.lastProbe = null
    this.metrics.setStoreHealthy(true)
  }

  async check(): Promise<StoreHealthReport> {
    const stalledMs = this.notAnsweringForMs()
    if (stalledMs !== null) {
      this.metrics.setStoreHealthy(false)
      return {
        ok: false,
        reason: 'store_not_answering',
        error: 'store did not answer in time',
        ageMs: Math.round(stalledMs),
      }
    }
    await this.probe()
    const t = performance.now()
    const probe = this.lastProbe?.failure ?? null
    let report: StoreHealthReport = { ok: true }
    if (probe !== null) {
      report = { ok: false, reason: 'probe_failed', error: probe.error, ageMs: t - probe.at }
    } else if (this.lastWriteFailure !== null && t - this.lastWriteFailure.at < this.holdMs) {
      const f = this.lastWriteFailure
      report = { ok: false, reason: 'store_write_failed', error: f.error, ageMs: t - f.at }
    }
    if (report.ageMs !== undefined) report.ageMs = Math.round(report.ageMs)
    this.metrics.setStoreHealthy(report.ok)
    return report
  }

  /**
   * Checks by itself every `everyMs`, as a `/healthz` request would (the same probe, verdict,
   * gauge and log line): with no outside checker, a store that lost its data (its booths then
   * closed as revoked) or stopped taking writes is still noticed. One probe write a round; a
   * `/healthz` within a second of it reuses its result. The timer keeps no process alive.
   */
  start(everyMs: number): void {
    this.timer ??= setInterval(() => void this.check(), everyMs)
    this.timer.unref()
  }

  /** Stops the timer; resolves once a probe in flight has ended (before the store closes). */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    await this.probing
  }

  private probe(): Promise<void> {
    const last = this.lastProbe
    const reuseMs = last?.failure ? this.failedProbeEveryMs : this.probeEveryMs
    if (last !== null && performance.now() - last.at < reuseMs) return Promise.resolve()
    this.probing ??= this.runProbe().finally(() => (this.probing = null))
    return this.probing
  }

  private async runProbe(): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ProbeTimeout(`store did not answer within ${this.probeTimeoutMs} ms`)),
        this.probeTimeoutMs,
      )
    })
    let failure: Failure | null = null
    try {
      await Promise.race([this.store.probeWrite(this.now()), timeout])
    } catch (err) {
      failure = { at: performance.now(), error: storeErrorText(err) }
      if (err instanceof StoreLostError) this.storeLost = true
      this.metrics.countStoreError()
      this.failedProbes++
      this.probeLines.log(
        this.log,
        'warn',
        'store health probe failed',
        {
          event: 'store_failed',
          error: errorMessage(err),
          action: `/healthz answers 503 until a probe passes (tried every few seconds); check that the store (${this.store.kind}) is running and reachable`,
        },
        `probe: ${failure.error}`,
      )
    } finally {
      clearTimeout(timer)
    }
    if (failure === null && this.failedProbes > 0) {
      this.log.info('store health probe passes again', {
        event: 'store_recovered',
        failedProbes: this.failedProbes,
      })
      this.failedProbes = 0
    }
    this.lastProbe = { at: performance.now(), failure }
  }
}
