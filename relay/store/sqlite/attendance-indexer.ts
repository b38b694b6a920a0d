/**
 * When the SQLite store's attendance rows reach the indexed table the console reads.
 *
 * A push's commit writes its attendance row into `attendance_pending` (append-only, no index:
 * a few microseconds) so the row is as durable as the push. Moving it into the `attendance`
 * table (its key, openid and scene indexes, the "new visitor here / anywhere / in the
 * campaign" look-ups and the counters) costs several times the rest of the push's write
 * (docs/BENCHMARKS.md "The attendance off the push's commit"), so it happens after the
 * commit, a chunk of the oldest rows at a time, each chunk one transaction:
 *
 * - when the event loop has time to spare (busy less than `busyAbove` of the last
 *   `progressMs`) and no other write of the store is waiting, right away;
 * - when it is busy, one chunk every `progressMs` anyway, so a long peak cannot starve it;
 * - when a reader is waiting for the rows (`settled`), chunk after chunk until they are in.
 *
 * A chunk that fails (a lock held by a backup, a full disk) leaves its rows pending and is
 * tried again after `retryMs`; nothing is lost, the console is only behind.
 */

export interface ChunkResult {
  /** Rows moved. */
  moved: number
  /** The pending rowid of the last row moved (0 when none). */
  last: number
}

export interface IndexerDeps {
  /** Moves up to `limit` of the oldest pending rows, in one write of the store's. */
  runChunk: (limit: number) => Promise<ChunkResult>
  /** The newest pending row's rowid; null when none is pending. */
  newest: () => number | null
  /** Whether no other write of the store is waiting. */
  idle: () => boolean
  onError?: (err: Error) => void
  /** Rows per chunk (default 256: ~5 ms of the loop with 200 kiosks). */
  chunkRows?: number
  /** A chunk at least this often while rows are pending, busy or not (default 200 ms). */
  progressMs?: number
  /** Wait after a failed chunk (default 1 s). */
  retryMs?: number
  /** The clock `retryMs` is counted on (default Date.now): the relay's own. */
  now?: () => number
  /**
   * The event loop's utilisation over the last `progressMs` above which chunks wait for the
   * progress timer (default 0.7): near saturation the pushes have the loop.
   */
  busyAbove?: number
  /** Move rows only for a waiting reader: no idle or timed chunks (tests hold rows pending). */
  onlyForReaders?: boolean
}

interface Waiter {
  target: number
  resolve: () => void
  /** Set for a reader that must see every row (an export): a failure rejects it. */
  reject: ((err: Error) => void) | null
  timer: NodeJS.Timeout | null
}

export class AttendanceIndexer {
  private readonly chunkRows: number
  private readonly retryMs: number
  private readonly now: () => number
  /** Whether rows may be pending. True at start: a previous run may have left some. */
  private behind = true
  /** Pending rows written so far (by `written`): a chunk that saw fewer left some behind. */
  private writes = 0
  private running = false
  private retryAt = 0
  private soon: NodeJS.Immediate | null = null
  private readonly progress: NodeJS.Timeout
  private readonly busyAbove: number
  /** The loop's utilisation sample the last progress tick took, and what it measured. */
  private elu = performance.eventLoopUtilization()
  private busy = false
  private readonly onlyForReaders: boolean
  private waiters: Waiter[] = []
  private stopped = false
  /** The last chunk's failure, until a chunk succeeds (tests). */
  lastError: Error | null = null

  constructor(private readonly deps: IndexerDeps) {
    this.chunkRows = deps.chunkRows ?? 256
    this.retryMs = deps.retryMs ?? 1000
    this.now = deps.now ?? Date.now
    this.busyAbove = deps.busyAbove ?? 0.7
    this.onlyForReaders = deps.onlyForReaders ?? false
    this.progress = setInterval(() => {
      const now = performance.eventLoopUtilization()
      this.busy = performance.eventLoopUtilization(now, this.elu).utilization > this.busyAbove
      this.elu = now
      this.tick(true)
    }, deps.progressMs ?? 200)
    this.progress.unref()
    this.kick()
  }

  /** A pending row was written (in a push's transaction): move it once the loop is free. */
  written(): void {
    this.writes++
    this.behind = true
    this.kick()
  }

  /**
   * Resolves once every row pending now is in the attendance table. `maxWaitMs`: resolve
   * anyway after this long (a console read shows what is in; null: no limit, and a failed
   * chunk or a closing store rejects: an export must hold every row or fail).
   */
  settled(maxWaitMs: number | null): Promise<void> {
    if (this.stopped) {
      return maxWaitMs === null ? Promise.reject(new Error('store closed')) : Promise.resolve()
    }
    const target = this.deps.newest()
    if (target === null) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { target, resolve, reject: maxWaitMs === null ? reject : null, timer: null }
      if (maxWaitMs !== null) {
        w.timer = setTimeout(() => this.release(w), maxWaitMs)
      }
      this.waiters.push(w)
      this.behind = true
      this.kick()
    })
  }

  /** No more chunks; waiting readers are let go (an export's with an error). */
  stop(): void {
    this.stopped = true
    clearInterval(this.progress)
    if (this.soon !== null) clearImmediate(this.soon)
    this.soon = null
    const closed = new Error('store closed')
    for (const w of this.waiters.splice(0)) this.finish(w, closed)
  }

  private kick(): void {
    if (this.soon !== null || this.stopped) return
    this.soon = setImmediate(() => {
      this.soon = null
      this.tick(false)
    })
  }

  private tick(forced: boolean): void {
    if (this.stopped || this.running || !this.behind) return
    if (this.now() < this.retryAt) return
    if (this.waiters.length === 0) {
      if (this.onlyForReaders) return
      // Busy, and no reader waiting: the pushes go first; the progress timer's chunk will come.
      if (!forced && (this.busy || !this.deps.idle())) return
    }
    this.running = true
    const writesBefore = this.writes
    this.deps.runChunk(this.chunkRows).then(
      ({ moved, last }) => {
        this.running = false
        this.lastError = null
        // Fewer than asked, and no row written since the chunk was asked for: all are in.
        const caughtUp = moved < this.chunkRows && this.writes === writesBefore
        if (caughtUp) this.behind = false
        this.waiters = this.waiters.filter((w) => {
          if (!caughtUp && (moved === 0 || w.target > last)) return true
          this.finish(w, null)
          return false
        })
        if (this.behind) this.kick()
      },
      (err: unknown) => {
        this.running = false
        const e = err instanceof Error ? err : new Error(String(err))
        this.lastError = e
        this.retryAt = this.now() + this.retryMs
        this.deps.onError?.(e)
        this.waiters = this.waiters.filter((w) => {
          if (w.reject === null) return true
          this.finish(w, e)
          return false
        })
      },
    )
  }

  /** A reader's wait ran out: it reads what is in. */
  private release(w: Waiter): void {
    const i = this.waiters.indexOf(w)
    if (i < 0) return
    this.waiters.splice(i, 1)
    this.finish(w, null)
  }

  private finish(w: Waiter, err: Error | null): void {
    if (w.timer !== null) clearTimeout(w.timer)
    if (err !== null && w.reject !== null) w.reject(err)
    else w.resolve()
  }
}
