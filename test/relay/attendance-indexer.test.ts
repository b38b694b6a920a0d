// When the SQLite store's pending attendance rows are moved (AttendanceIndexer): right after a
// write when the loop is free, only on the progress timer when it is busy, back to back while
// a reader waits; failures retried; readers let go or failed as they asked.
import { afterEach, describe, expect, it } from 'vitest'
import {
  AttendanceIndexer,
  type ChunkResult,
  type IndexerDeps,
} from '../../relay/store/sqlite/attendance-indexer'

/** Pending rows as rowids; a chunk takes the oldest, or fails while `failing` is set. */
class FakeRows {
  pending: number[] = []
  private next = 1
  idle = true
  failing: Error | null = null
  chunks = 0
  /** Runs before a chunk's rows are taken (as the group commit runs earlier savepoints). */
  beforeChunk: (() => void) | null = null

  add(n: number): void {
    for (let i = 0; i < n; i++) this.pending.push(this.next++)
  }

  deps(over: Partial<IndexerDeps> = {}): IndexerDeps {
    return {
      runChunk: (limit) => this.run(limit),
      newest: () => this.pending.at(-1) ?? null,
      idle: () => this.idle,
      chunkRows: 4,
      progressMs: 60_000,
      retryMs: 20,
      ...over,
    }
  }

  private async run(limit: number): Promise<ChunkResult> {
    // A commit is never synchronous with the ask: the group commit runs on a later turn.
    await new Promise((r) => setImmediate(r))
    this.chunks++
    if (this.failing !== null) throw this.failing
    this.beforeChunk?.()
    const taken = this.pending.splice(0, limit)
    return { moved: taken.length, last: taken.at(-1) ?? 0 }
  }
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r))
}

/**
 * Polls until `done` (every few ms, up to 10 s): what the progress and retry timers move, waited
 * for rather than slept for, which a loaded machine can stretch past any fixed time.
 */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 2))
  }
}

let indexer: AttendanceIndexer | null = null
afterEach(() => {
  indexer?.stop()
  indexer = null
})

describe('AttendanceIndexer', () => {
  it('moves written rows right away when the store is idle, a chunk at a time', async () => {
    const rows = new FakeRows()
    indexer = new AttendanceIndexer(rows.deps())
    rows.add(10)
    indexer.written()
    await turns(20)
    expect(rows.pending).toEqual([])
    // 4 + 4 + 2 (the rows were there before the first turn), and none after the short one.
    expect(rows.chunks).toBe(3)
  })

  it('leaves rows for the progress timer while other writes wait, unless a reader waits', async () => {
    const rows = new FakeRows()
    rows.idle = false
    indexer = new AttendanceIndexer(rows.deps())
    rows.add(10)
    indexer.written()
    await turns(20)
    expect(rows.pending).toHaveLength(10)
    await indexer.settled(null)
    expect(rows.pending).toEqual([])
  })

  it('moves a chunk on the progress timer even when busy', async () => {
    const rows = new FakeRows()
    rows.idle = false
    indexer = new AttendanceIndexer(rows.deps({ progressMs: 10 }))
    rows.add(10)
    indexer.written()
    // Busy: a chunk a tick, until none is left.
    await until(() => rows.pending.length === 0, 'every row moved by the timer')
    expect(rows.chunks).toBe(3)
  })

  it('leaves rows for the progress timer while the event loop is busy', async () => {
    const rows = new FakeRows()
    // Any utilisation counts as busy: from the first progress tick on, only ticks move rows.
    indexer = new AttendanceIndexer(rows.deps({ progressMs: 200, busyAbove: -1 }))
    await new Promise((r) => setTimeout(r, 250))
    rows.add(10)
    indexer.written()
    // A chunk a tick: each tick leaves four rows fewer, never all at once as a free loop would.
    // Waited for, tick by tick: a fixed 200 ms sleep against the 200 ms timer could see no
    // tick, or two, on a loaded machine.
    await until(() => rows.pending.length < 10, 'a progress tick')
    expect(rows.pending).toHaveLength(6)
    await until(() => rows.pending.length < 6, 'the next progress tick')
    expect(rows.pending).toHaveLength(2)
  })

  it('a reader waits only for the rows pending when it asked', async () => {
    const rows = new FakeRows()
    rows.idle = false
    indexer = new AttendanceIndexer(rows.deps())
    rows.add(6)
    indexer.written()
    const settled = indexer.settled(null)
    // Written after the reader asked: the reader does not wait for these.
    rows.add(100)
    indexer.written()
    await settled
    expect(rows.pending.length).toBeGreaterThan(90)
    expect(rows.pending[0]).toBeGreaterThan(6)
  })

  it('a row written while a short chunk runs is not taken for caught up', async () => {
    const rows = new FakeRows()
    indexer = new AttendanceIndexer(rows.deps())
    await turns(5) // the start's empty chunk
    rows.add(2)
    indexer.written()
    // A push's row lands in the same batch, after the chunk took its rows.
    const ix = indexer
    rows.beforeChunk = () => {
      rows.beforeChunk = null
      queueMicrotask(() => {
        rows.add(1)
        ix.written()
      })
    }
    await turns(20)
    expect(rows.pending).toEqual([])
  })

  it('a failed chunk keeps its rows and is retried; a bounded reader reads what is in', async () => {
    const rows = new FakeRows()
    const errors: Error[] = []
    indexer = new AttendanceIndexer(rows.deps({ onError: (e) => errors.push(e), progressMs: 5 }))
    rows.failing = new Error('disk full')
    rows.add(3)
    indexer.written()
    const t0 = Date.now()
    await indexer.settled(50)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45)
    expect(rows.pending).toHaveLength(3)
    expect(indexer.lastError?.message).toBe('disk full')
    expect(errors.length).toBeGreaterThan(0)
    rows.failing = null
    await until(() => rows.pending.length === 0, 'the retried chunks')
    expect(indexer.lastError).toBeNull()
  })

  it('an unbounded reader (an export) fails with the chunk, not with a short sheet', async () => {
    const rows = new FakeRows()
    indexer = new AttendanceIndexer(rows.deps())
    rows.failing = new Error('database is locked')
    rows.add(3)
    indexer.written()
    await expect(indexer.settled(null)).rejects.toThrow('database is locked')
  })

  it('stop lets bounded readers go and fails unbounded ones; no chunk after', async () => {
    let chunks = 0
    // A chunk that never commits: readers are still waiting when the store closes.
    const ix = new AttendanceIndexer({
      runChunk: () => {
        chunks++
        return new Promise<ChunkResult>(() => {})
      },
      newest: () => 3,
      idle: () => true,
      progressMs: 5,
    })
    indexer = ix
    ix.written()
    const bounded = ix.settled(60_000)
    const unbounded = ix.settled(null)
    await turns(5)
    expect(chunks).toBe(1)
    ix.stop()
    await expect(bounded).resolves.toBeUndefined()
    await expect(unbounded).rejects.toThrow('store closed')
    ix.written()
    await new Promise((r) => setTimeout(r, 30))
    expect(chunks).toBe(1)
    await expect(ix.settled(null)).rejects.toThrow('store closed')
    await expect(ix.settled(10)).resolves.toBeUndefined()
  })
})
