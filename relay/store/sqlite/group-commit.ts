/**
 * Group commit for the SQLite store. With synchronous=FULL every commit is an fsync, so one
 * transaction per push (and per ack) caps a relay at roughly one write per fsync. Writes that
 * arrive in the same event-loop turn go in one transaction instead: one fsync covers them all.
 * Each caller's promise settles only after the transaction holding its write has committed, so
 * a push is still answered 200 only once it is durable. Each write runs in its own savepoint:
 * one that throws (an unknown kiosk) fails only its own caller.
 *
 * A write may say it need not survive a power cut (`durable: false`: an ack, whose loss only
 * means a redelivery the kiosk de-duplicates). A batch of only such writes commits with
 * synchronous=NORMAL: in WAL mode that skips the fsync, the database stays consistent, and the
 * next durable commit's fsync of the WAL covers these frames too. Any durable write in a batch
 * makes the whole batch durable.
 */
import type Database from 'better-sqlite3'

interface Pending {
  durable: boolean
  /** Runs the write and keeps its result for `done`. */
  run: () => void
  done: () => void
  fail: (err: Error) => void
}

type Outcome = { ok: true } | { ok: false; err: Error }

const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)))

export class GroupCommit {
  private queue: Pending[] = []
  private scheduled = false
  /** Built once: better-sqlite3 compiles BEGIN/COMMIT/SAVEPOINT statements per wrapper. */
  private readonly commitBatch: Database.Transaction<(batch: Pending[]) => Outcome[]>
  /** The connection's own synchronous level, restored after a non-durable batch. */
  private readonly synchronous: number
  /** Nested in `commitBatch`, a better-sqlite3 transaction is a savepoint. */
  private readonly inSavepoint: Database.Transaction<(p: Pending) => void>

  constructor(
    private readonly db: Database.Database,
    private readonly maxBatch = 256,
    /** Size of each committed batch (tests, metrics). */
    private readonly onBatch?: (size: number) => void,
  ) {
    this.synchronous = Number(db.pragma('synchronous', { simple: true }))
    this.commitBatch = db.transaction((batch: Pending[]) => batch.map((p) => this.runOne(p)))
    this.inSavepoint = db.transaction((p: Pending) => p.run())
  }

  /**
   * Runs `write` in the next batch; resolves with its result once that batch has committed
   * (and, unless `durable` is false, reached the disk as far as the connection's own
   * synchronous setting takes it: FULL in the relay).
   */
  submit<R>(write: () => R, { durable = true }: { durable?: boolean } = {}): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let result: { value: R } | null = null
      this.queue.push({
        durable,
        run: () => {
          result = { value: write() }
        },
        done: () =>
          result === null ? reject(new Error('write did not run')) : resolve(result.value),
        fail: reject,
      })
      if (this.scheduled) return
      this.scheduled = true
      // setImmediate, not a microtask: requests read in the same poll phase join one batch.
      setImmediate(() => this.flush())
    })
  }

  /** Whether no write is waiting for the next batch. */
  idle(): boolean {
    return this.queue.length === 0
  }

  /** Writes everything queued now; also called before the store closes. */
  flush(): void {
    this.scheduled = false
    // Bounded: each round takes at least one entry off the queue.
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch)
      let outcomes: Outcome[]
      try {
        outcomes = this.commit(batch)
      } catch (err) {
        // Nothing of this batch was committed: every caller hears so (the push gets 503).
        for (const p of batch) p.fail(toError(err))
        continue
      }
      this.onBatch?.(batch.length)
      batch.forEach((p, i) => {
        const o = outcomes[i]
        if (o === undefined) p.fail(new Error('group commit lost an outcome'))
        else if (!o.ok) p.fail(o.err)
        else p.done()
      })
    }
  }

  private commit(batch: Pending[]): Outcome[] {
    // IMMEDIATE: take the write lock up front, as a lone write did (CLI writers wait).
    if (this.synchronous <= 1 || batch.some((p) => p.durable)) {
      return this.commitBatch.immediate(batch)
    }
    // Not a prepared statement: SQLite applies this pragma when it compiles it, not when run.
    this.db.exec('PRAGMA synchronous = NORMAL')
    try {
      return this.commitBatch.immediate(batch)
    } finally {
      this.db.exec(`PRAGMA synchronous = ${this.synchronous}`)
    }
  }

  private runOne(p: Pending): Outcome {
    try {
      // A savepoint: a throw undoes only this write.
      this.inSavepoint(p)
      return { ok: true }
    } catch (err) {
      return { ok: false, err: toError(err) }
    }
  }
}
