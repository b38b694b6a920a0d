/**
 * WAL checkpoints for the SQLite store, off the event loop. SQLite's automatic checkpoint runs
 * inside the commit that crosses `wal_autocheckpoint` pages: that commit (and every push waiting
 * on the event loop behind it) also copies the whole WAL into the database file and fsyncs it.
 * With the attendance written a group commit of 256 pushes is ~1,200 pages, so it was every
 * commit: half the bytes the main thread wrote per push, and a second fsync
 * (docs/BENCHMARKS.md "SQLite push path: what a commit writes (issue 18, pushsql, 2026-12-02)").
 *
 * Here a worker thread with its own connection runs PASSIVE checkpoints on a timer (they never
 * block the writer, nor wait for it), and the store's connection checkpoints only if the
 * worker is gone. Durability is unchanged: a commit is durable once its WAL frames are synced
 * (synchronous=FULL), whether or not they were copied yet; recovery replays the WAL.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type Database from 'better-sqlite3'

/** SQLite's default: what the store's connection falls back to without the worker. */
const AUTOCHECKPOINT_PAGES = 1000

/**
 * Plain CommonJS run as the worker (an eval worker: no separate file for the relay's bundle to
 * ship). A PASSIVE checkpoint copies what no reader still needs; the writer then reuses the
 * WAL from its start, so the file stays about one interval of writes long.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file)
db.pragma('synchronous = FULL')
db.pragma('busy_timeout = 0')
// Read transactions held open (an export's snapshot): a RESTART would wait for them holding
// the write lock, every tick, and the pushes' commits would fail "database is locked".
let held = 0
const step = () => {
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0]
    // Under steady writes a passive checkpoint may never catch the WAL's end, so the writer
    // never starts it over: past restartPages, one that waits for the writer (briefly).
    const restart = r.log > workerData.restartPages && held === 0
    if (restart) {
      db.pragma('busy_timeout = 200')
      db.pragma('wal_checkpoint(RESTART)')
      db.pragma('busy_timeout = 0')
    }
    parentPort.postMessage({ log: r.log, restart })
  } catch {
    // Busy (a CLI write, a backup): the next tick tries again.
    db.pragma('busy_timeout = 0')
  }
}
const timer = setInterval(step, workerData.intervalMs)
parentPort.on('message', (m) => {
  if (m === 'hold') held++
  if (m === 'release') held--
  if (m !== 'stop') return
  clearInterval(timer)
  db.close()
  process.exit(0)
})
`

export class Checkpointer {
  private readonly worker: Worker
  private stopped = false
  /** Checkpoints run so far (tests). */
  checkpoints = 0
  /** Of those, the ones followed by a RESTART (tests). */
  restarts = 0

  constructor(
    private readonly db: Database.Database,
    file: string,
    intervalMs = 100,
    /** WAL length (pages) past which a checkpoint waits for the writer: ~40 MB. */
    restartPages = 10_000,
  ) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, driver, intervalMs, restartPages },
    })
    // A relay exits when its server closes, worker or not.
    this.worker.unref()
    this.worker.on('message', (m: unknown) => {
      this.checkpoints++
      if (typeof m === 'object' && m !== null && 'restart' in m && m.restart === true) {
        this.restarts++
      }
    })
    this.worker.on('error', (err) => this.fallBack(err))
    this.worker.on('exit', (code) => this.fallBack(new Error(`exited with code ${code}`)))
    db.pragma('wal_autocheckpoint = 0')
  }

  /** Without the worker the WAL would grow for good: the commits checkpoint again. */
  private fallBack(err: Error): void {
    if (this.stopped || !this.db.open) return
    this.stopped = true
    this.db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`)
    // Not fatal (pushes are still stored), but slower: say so where an operator looks.
    process.emitWarning(`SQLite checkpoint worker stopped (${err.message}); commits checkpoint`)
  }

  /**
   * A read transaction is held open until the returned function is called (an export's
   * snapshot, for as long as its download): no RESTART meanwhile, which would wait for it
   * holding the write lock, and every push's commit behind it, each tick. The WAL then grows
   * past the restart mark; the first checkpoint after the last release starts it over.
   */
  hold(): () => void {
    if (this.stopped) return () => {}
    this.worker.postMessage('hold')
    let released = false
    return () => {
      if (released || this.stopped) return
      released = true
      this.worker.postMessage('release')
    }
  }

  /** Stops the worker and waits for its connection to close (the store's close checkpoints). */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()))
    // Unreferenced, the worker would not keep the process alive until it has closed.
    this.worker.ref()
    this.worker.postMessage('stop')
    await exited
  }
}
