/**
 * Group commit in the SQLite store: appends of one event-loop turn share a transaction, and
 * each caller hears back only once its append is committed (visible to another connection).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GroupCommit } from '../../relay/store/sqlite/group-commit'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import type { NewEvent } from '../../relay/store/types'

let dir: string
let writer: Database.Database
let reader: Database.Database

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'relay-gc-'))
  writer = new Database(join(dir, 'g.sqlite'))
  writer.pragma('journal_mode = WAL')
  writer.exec('CREATE TABLE t (v INTEGER NOT NULL CHECK (v >= 0))')
  reader = new Database(join(dir, 'g.sqlite'), { readonly: true })
})

afterEach(() => {
  reader.close()
  writer.close()
  rmSync(dir, { recursive: true, force: true })
})

const visible = () => reader.prepare('SELECT v FROM t ORDER BY v').pluck().all() as number[]

describe('GroupCommit', () => {
  it('puts appends of one turn in one batch and answers each only after its commit', async () => {
    const batches: number[] = []
    const gc = new GroupCommit(writer, 256, (n) => batches.push(n))
    const seenAtResolve: number[][] = []
    const all = [0, 1, 2, 3, 4].map((v) =>
      gc
        .submit(() => {
          writer.prepare('INSERT INTO t (v) VALUES (?)').run(v)
          return v
        })
        .then((r) => {
          seenAtResolve.push(visible())
          return r
        }),
    )
    // Nothing is written before the turn ends: the batch is still open.
    expect(visible()).toEqual([])
    await expect(Promise.all(all)).resolves.toEqual([0, 1, 2, 3, 4])
    expect(batches).toEqual([5])
    for (const seen of seenAtResolve) expect(seen).toEqual([0, 1, 2, 3, 4])

    await gc.submit(() => writer.prepare('INSERT INTO t (v) VALUES (?)').run(9).changes)
    expect(batches).toEqual([5, 1])
  })

  it('fails only the append that throws; the rest of its batch is committed', async () => {
    const committed: number[] = []
    const gc = new GroupCommit(writer)
    const ins = (v: number) => () => {
      writer.prepare('INSERT INTO t (v) VALUES (?)').run(v)
      return v
    }
    const results = await Promise.allSettled(
      [1, -1, 2].map((v) => gc.submit(ins(v)).then((r) => (committed.push(r), r))),
    )
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(visible()).toEqual([1, 2])
    expect(committed).toEqual([1, 2])
  })

  it('commits a batch of only non-durable writes without fsync, and any durable write with it', async () => {
    writer.pragma('synchronous = FULL')
    const gc = new GroupCommit(writer)
    // What the connection's setting is while each write runs, i.e. for the commit of its batch.
    const level = () => writer.pragma('synchronous', { simple: true })
    const lazyOnly = await Promise.all([
      gc.submit(level, { durable: false }),
      gc.submit(level, { durable: false }),
    ])
    expect(lazyOnly).toEqual([1, 1])
    expect(level()).toBe(2)
    const mixed = await Promise.all([gc.submit(level, { durable: false }), gc.submit(level)])
    expect(mixed).toEqual([2, 2])
    // Restored even when the batch cannot begin (another connection holds the write lock).
    const other = new Database(join(dir, 'g.sqlite'), { timeout: 0 })
    writer.pragma('busy_timeout = 0')
    other.exec('BEGIN IMMEDIATE')
    await expect(gc.submit(level, { durable: false })).rejects.toThrow(/locked|busy/i)
    other.exec('ROLLBACK')
    other.close()
    expect(level()).toBe(2)
    await expect(gc.submit(level, { durable: false })).resolves.toBe(1)
  })

  it('leaves a connection that is not synchronous=FULL at its own level', async () => {
    writer.pragma('synchronous = OFF')
    const gc = new GroupCommit(writer)
    const level = () => writer.pragma('synchronous', { simple: true })
    await expect(gc.submit(level, { durable: false })).resolves.toBe(0)
    expect(level()).toBe(0)
  })

  it('writes what is queued when flushed before close', async () => {
    const gc = new GroupCommit(writer)
    const p = gc.submit(() => writer.prepare('INSERT INTO t (v) VALUES (?)').run(7).changes)
    gc.flush()
    expect(visible()).toEqual([7])
    await expect(p).resolves.toBe(1)
  })
})

describe('sqlite store with group commit', () => {
  const ev = (id: string, scene: string): NewEvent => ({
    id,
    event: 'scan',
    openid: 'o-1',
    scene,
    ticket: 't',
    createTime: 1_700_000_000,
    receivedAt: 1_700_000_000_000,
  })

  it('numbers concurrent appends once each, dedups within a batch, survives reopen', async () => {
    const data = join(dir, 'relay')
    const store = openSqliteStore({ data, pollMs: 60_000 })
    await store.putKiosk({
      kioskId: 'k1',
      tokenHash: 'a'.repeat(64),
      ticketProxy: false,
      sceneRanges: [],
      now: 1,
    })
    const results = await Promise.allSettled([
      store.appendEvent('k1', ev('e1', 'k1:1')),
      store.appendEvent('k1', ev('e2', 'k1:2')),
      store.appendEvent('nope', ev('e3', 'nope:3')),
      store.appendEvent('k1', ev('e1', 'k1:1')),
      store.appendEvent('k1', ev('e4', 'k1:4')),
    ])
    const values = results.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected'))
    expect(values).toEqual([
      { status: 'stored', kioskId: 'k1', seq: 1 },
      { status: 'stored', kioskId: 'k1', seq: 2 },
      'rejected',
      { status: 'duplicate', kioskId: 'k1', seq: 1, campaignId: null },
      { status: 'stored', kioskId: 'k1', seq: 3 },
    ])
    // An ack queued in the same turn as an append is committed with it, in order.
    const [, acked] = await Promise.all([
      store.appendEvent('k1', ev('e6', 'k1:6')),
      store.ack('k1', 4, 2),
    ])
    expect(acked).toBeUndefined()
    expect(await store.queueState('k1')).toMatchObject({ headSeq: 4, ackedSeq: 4 })
    const pending = store.appendEvent('k1', ev('e5', 'k1:5'))
    await store.close()
    await expect(pending).resolves.toEqual({ status: 'stored', kioskId: 'k1', seq: 5 })
    const again = openSqliteStore({ data, pollMs: 60_000 })
    const events = await again.readEvents('k1', 0, 10)
    expect(events.map((e) => [e.seq, e.id])).toEqual([
      [1, 'e1'],
      [2, 'e2'],
      [3, 'e4'],
      [4, 'e6'],
      [5, 'e5'],
    ])
    await again.close()
  })
})
