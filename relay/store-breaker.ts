/**
 * The push path's breaker for a store that stops answering (a paused or cut-off Redis keeps its
 * connection open and replies to nothing). Without it every push waits for the Redis client's
 * command timeout (4 s) before its 503, so at WeChat's rate thousands of pushes are held at
 * once, each with its request, its commands and its reply buffered, and the answer comes close
 * to WeChat's own 5 s timeout anyway.
 *
 * Each push's store steps run through `run`. While closed, a push waits for the store as before,
 * but no push waits longer than `stallMs`: a watchdog that finds the oldest waiting push older
 * than that opens the breaker, and every waiting push is answered 503 at once (WeChat retries
 * it; one whose commands still land when the store answers is a duplicate on the retry,
 * answered 200 and queued once). While open, a new push is answered 503 on arrival, before it
 * sends anything, and one probe at a time (the health probe's write) waits for the store: the
 * first answer, the probe's or any late push step's, closes it. At most `maxHeld` pushes wait
 * for the store at any moment; one past that is answered 503 on arrival too.
 *
 * Only pushes go through it: they are the traffic WeChat sends at its own rate. Durations use a
 * monotonic clock.
 */
import { performance } from 'node:perf_hooks'
import { errorMessage, silentLogger, type Logger } from './log'
import { storeErrorText } from './store-health'
import { StoreNotAnsweringError } from './store/types'

export interface StoreBreakerOptions {
  /** A push still waiting for the store after this long opens the breaker (default 1,500 ms). */
  stallMs?: number
  /** At most this many pushes wait for the store at once (default 2,000). */
  maxHeld?: number
  /**
   * The pause before probing again after a probe got no answer (default 20 ms: a probe waits for
   * the Redis client's command timeout before it fails so, and the next must be waiting when
   * Redis answers again).
   */
  probeRetryMs?: number
  log?: Logger
}

/** What the breaker says of the store now (for `/healthz` and the log). */
export type BreakerState = { open: false } | { open: true; sinceMs: number; refused: number }

interface Held {
  at: number
  release: (err: StoreNotAnsweringError) => void
}

export class StoreBreaker {
  private readonly stallMs: number
  private readonly maxHeld: number
  private readonly probeRetryMs: number
  private readonly log: Logger
  /** The pushes waiting for the store, oldest first (a Map keeps insertion order). */
  private readonly held = new Map<number, Held>()
  private nextId = 0
  private openedAt: number | null = null
  private refusedWhileOpen = 0
  private watchdog: NodeJS.Timeout | null = null
  private probing: Promise<void> | null = null
  private stopped = false
  /** The most pushes seen waiting at once (for tests and the bench). */
  peakHeld = 0

  constructor(
    /** One write the store must answer, as the health probe's (RelayStore.probeWrite). */
    private readonly probe: () => Promise<void>,
    opts: StoreBreakerOptions = {},
    /** Told when the breaker opens (false) and closes (true). */
    private readonly onChange: (answering: boolean) => void = () => {},
  ) {
    this.stallMs = opts.stallMs ?? 1500
    this.maxHeld = opts.maxHeld ?? 2000
    this.probeRetryMs = opts.probeRetryMs ?? 20
    this.log = opts.log ?? silentLogger
  }

  state(): BreakerState {
    if (this.openedAt === null) return { open: false }
    return {
      open: true,
      sinceMs: Math.round(performance.now() - this.openedAt),
      refused: this.refusedWhileOpen,
    }
  }

  /** How many pushes wait for the store now. */
  get heldCount(): number {
    return this.held.size
  }

  /**
   * Runs a push's store steps, or rejects with StoreNotAnsweringError at once (breaker open, or
   * `maxHeld` pushes waiting) or when the breaker opens while it waits.
   */
  run<T>(step: () => Promise<T>): Promise<T> {
    if (this.openedAt !== null) {
      this.refusedWhileOpen++
      return Promise.reject(new StoreNotAnsweringError('store is not answering'))
    }
    if (this.held.size >= this.maxHeld) {
      return Promise.reject(
        new StoreNotAnsweringError(`${this.maxHeld} pushes already wait for the store`),
      )
    }
    const id = this.nextId++
    const released = new Promise<never>((_, release) => {
      this.held.set(id, { at: performance.now(), release })
    })
    this.peakHeld = Math.max(this.peakHeld, this.held.size)
    this.watch()
    const done = step().then(
      (v) => {
        this.held.delete(id)
        this.answered()
        return v
      },
      (err: unknown) => {
        this.held.delete(id)
        // Any answer but silence says the store answers (a refusal is the push path's to tell).
        if (storeErrorText(err) !== 'store did not answer in time') this.answered()
        throw err
      },
    )
    return Promise.race([done, released])
  }

  /** Stops the watchdog and the probing; resolves once a probe in flight has ended. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.watchdog !== null) clearInterval(this.watchdog)
    this.watchdog = null
    await this.probing
  }

  /** The store answered something: a breaker that is open closes. */
  private answered(): void {
    if (this.openedAt === null) return
    const pausedMs = Math.round(performance.now() - this.openedAt)
    this.log.info(
      `store answering again after ${pausedMs} ms: pushes are stored again ` +
        `(${this.refusedWhileOpen} answered 503 at once meanwhile; WeChat retries them)`,
      { event: 'store_recovered', pausedMs, refused: this.refusedWhileOpen },
    )
    this.openedAt = null
    this.refusedWhileOpen = 0
    this.onChange(true)
  }

  /** Checks the oldest waiting push every quarter of `stallMs` while any waits. */
  private watch(): void {
    if (this.watchdog !== null || this.stopped) return
    this.watchdog = setInterval(
      // After the poll phase: replies that came in while the event loop was busy are read (and
      // their pushes done) before the oldest is judged.
      () => setImmediate(() => this.check()),
      Math.max(10, this.stallMs / 4),
    )
    this.watchdog.unref()
  }

  private check(): void {
    const oldest = this.held.values().next()
    if (oldest.done === true) {
      if (this.watchdog !== null) clearInterval(this.watchdog)
      this.watchdog = null
      return
    }
    const waitedMs = performance.now() - oldest.value.at
    if (waitedMs >= this.stallMs && this.openedAt === null) this.open(waitedMs)
  }

  private open(waitedMs: number): void {
    this.openedAt = performance.now()
    const held = [...this.held.values()]
    this.held.clear()
    this.log.error(
      'store stopped answering: pushes are answered 503 at once until it answers again ' +
        '(WeChat retries them); check that Redis is running, reachable and not stuck',
      { event: 'store_not_answering', waitedMs: Math.round(waitedMs), released: held.length },
    )
    this.onChange(false)
    const err = new StoreNotAnsweringError(`store did not answer within ${this.stallMs} ms`)
    for (const h of held) h.release(err)
    this.probing ??= this.probeUntilAnswered().finally(() => (this.probing = null))
  }

  /** One probe at a time until the store answers (or the relay stops). */
  private async probeUntilAnswered(): Promise<void> {
    while (this.openedAt !== null && !this.stopped) {
      try {
        await this.probe()
        this.answered()
      } catch (err) {
        if (storeErrorText(err) !== 'store did not answer in time') {
          // An answer, if a refusal (full, read-only): the push path reports that itself.
          this.log.warn('store breaker probe refused; closing', { error: errorMessage(err) })
          this.answered()
        } else {
          await new Promise((r) => setTimeout(r, this.probeRetryMs).unref())
        }
      }
    }
  }
}
