// The SQLite store writes a push's attendance row after the push's commit: the commit marks it
// pending, the indexer builds the row and its counters from the queue entry. Nothing answered
// 200 is ever missing from what the console reads, counted twice, or lost across a restart, a
// failed chunk, or a prune of the queues.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { localDay } from '../../relay/attendance/routes'
import type { ExportRow } from '../../relay/store/attendance'
import type { IndexingOptions } from '../../relay/store/sqlite/attendance'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import type { RelayStore } from '../../relay/store/types'
import { addKiosk, scanEvent as ev, serveAttendanceRoutes } from './attendance-helpers'
import { campaignBody } from './campaign-helpers'

const run = promisify(execFile)
let dir: string
const opened: RelayStore[] = []
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'relay-pending-'))
})
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()))
  rmSync(dir, { recursive: true, force: true })
})

/** Rows stay pending until a read asks for them (unless `indexing` says otherwise). */
function open(indexing: IndexingOptions = { onlyForReaders: true }): RelayStore {
  const s = openSqliteStore({ data: dir, indexing })
  opened.push(s)
  return s
}

/** A second connection to the store's file: what is on disk, whatever the store caches. */
function peek<T>(sql: string): T {
  const db = new Database(join(dir, 'relay.sqlite'), { readonly: true })
  try {
    return db.prepare(sql).get() as T
  } finally {
    db.close()
  }
}
const count = (table: string) => peek<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).n

async function addKiosks(store: RelayStore, ...ids: string[]): Promise<void> {
  for (const kioskId of ids) await addKiosk(store, kioskId)
}

async function allRows(store: RelayStore): Promise<ExportRow[]> {
  const out: ExportRow[] = []
  for await (const page of store.attendance.rows({ kioskIds: null }, 100)) out.push(...page)
  return out
}

const today = () => localDay(Date.now())

describe('SQLite attendance written after the push commit', () => {
  it('a stored push is pending until read; the read sees it, built from its queue entry', async () => {
    const store = open()
    await addKiosks(store, 'k1', 'k2')
    await store.campaigns.createCampaign(
      { ...campaignBody(), id: 'spring', screenKey: 'k'.repeat(43) },
      1,
    )
    await store.saveFallbackCode('k2', {
      ticket: 'fb',
      url: 'u',
      scene: 'k2:fallback',
      createdAt: 1,
    })
    const pushed = [
      { kioskId: 'k1', e: ev('k1', 'oA', { event: 'subscribe' }), campaign: 'spring' },
      { kioskId: 'k1', e: ev('k1', 'oA'), campaign: 'spring' },
      { kioskId: 'k2', e: ev('k2', 'oB', { scene: 'k2:fallback' }), campaign: null },
      { kioskId: 'k2', e: ev('k2', 'oA'), campaign: null },
    ]
    for (const p of pushed) await store.appendEvent(p.kioskId, p.e, p.campaign)

    // Committed with the pushes, not yet in the table the console reads.
    expect(count('attendance_pending')).toBe(4)
    expect(count('attendance')).toBe(0)
    expect(await store.attendance.backlog()).toBe(4)

    const stats = await store.attendance.stats({ kioskIds: null }, today())
    expect(stats).toMatchObject({ scans: 4, visitors: 2, newFollowers: 1, returning: 1 })
    expect(stats.perKiosk).toEqual([
      { id: 'k1', scans: 2, visitors: 1 },
      { id: 'k2', scans: 2, visitors: 2 },
    ])
    expect(count('attendance_pending')).toBe(0)
    expect(await store.attendance.backlog()).toBe(0)
    const rows = await allRows(store)
    expect(rows.map((r) => [r.kioskId, r.seq, r.id, r.openid, r.event, r.fallback])).toEqual([
      ['k1', 1, pushed[0]?.e.id, 'oA', 'subscribe', false],
      ['k1', 2, pushed[1]?.e.id, 'oA', 'scan', false],
      ['k2', 1, pushed[2]?.e.id, 'oB', 'scan', true],
      ['k2', 2, pushed[3]?.e.id, 'oA', 'scan', false],
    ])
    // The campaign, the number and "first here" come through from the push.
    expect(rows.map((r) => [r.campaignId, r.number, r.firstInCampaign])).toEqual([
      ['spring', 1, true],
      ['spring', 1, false],
      [undefined, undefined, undefined],
      [undefined, undefined, undefined],
    ])
    const spring = await store.attendance.stats({ campaignId: 'spring', booths: [] }, today())
    expect(spring).toMatchObject({ scans: 2, visitors: 1, returning: 1 })
  })

  it('hasScan sees a pending scan; a scan already in needs no pending row written', async () => {
    const store = open()
    await addKiosks(store, 'k1')
    await store.campaigns.createCampaign(
      { ...campaignBody(), id: 'spring', screenKey: 'k'.repeat(43) },
      1,
    )
    await store.appendEvent('k1', ev('k1', 'oA'), 'spring')
    expect(count('attendance_pending')).toBe(1)
    // Pending: the look-up waits for it (a bind dropped for a row not yet in would be lost).
    expect(await store.attendance.hasScan('k1', 'oA', 'spring')).toBe(true)
    expect(count('attendance_pending')).toBe(0)
    await store.appendEvent('k1', ev('k1', 'oB'), 'spring')
    // In already: found without building the rows pending since.
    expect(await store.attendance.hasScan('k1', 'oA', 'spring')).toBe(true)
    expect(count('attendance_pending')).toBe(1)
    // Not found: every row pending when asked is looked at first.
    expect(await store.attendance.hasScan('k1', 'oC', 'spring')).toBe(false)
    expect(count('attendance_pending')).toBe(0)
    expect(await store.attendance.hasScan('k1', 'oB', 'spring')).toBe(true)
  })

  it('rows left pending at close are written at the next start, once', async () => {
    let store = open()
    await addKiosks(store, 'k1')
    for (let i = 0; i < 300; i++) await store.appendEvent('k1', ev('k1', `o${i % 120}`))
    await store.close()
    expect(count('attendance_pending')).toBe(300)

    // The next start moves them without being asked.
    store = open({})
    const deadline = Date.now() + 10_000
    while (count('attendance_pending') > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(count('attendance_pending')).toBe(0)
    expect(await store.attendance.stats({ kioskIds: null }, today())).toMatchObject({
      scans: 300,
      visitors: 120,
      returning: 120,
    })
    await store.close()
    store = open({})
    expect((await store.attendance.stats({ kioskIds: null }, today())).scans).toBe(300)
    expect(await allRows(store)).toHaveLength(300)
  })

  it('a failed chunk leaves its rows pending; the export fails rather than come out short', async () => {
    const errors: Error[] = []
    const store = open({ onlyForReaders: true, retryMs: 20, onError: (e) => errors.push(e) })
    await addKiosks(store, 'k1')
    for (let i = 0; i < 3; i++) await store.appendEvent('k1', ev('k1', `o${i}`))
    // Another connection holds the write lock (a backup, an sqlite3 shell) past busy_timeout.
    const other = new Database(join(dir, 'relay.sqlite'))
    other.pragma('busy_timeout = 0')
    other.exec('BEGIN IMMEDIATE')
    try {
      await expect(allRows(store)).rejects.toThrow(/locked|busy/i)
      expect(errors.length).toBeGreaterThan(0)
    } finally {
      other.exec('ROLLBACK')
      other.close()
    }
    expect(count('attendance_pending')).toBe(3)
    // Retried once the lock is gone: every row, once.
    expect((await allRows(store)).map((r) => r.seq)).toEqual([1, 2, 3])
    expect(count('attendance_pending')).toBe(0)
  }, 20_000)

  it('an export asked while the rows cannot be built is a 503 before any byte of a sheet', async () => {
    const store = open({ onlyForReaders: true, retryMs: 20 })
    await addKiosks(store, 'k1')
    for (let i = 0; i < 3; i++) await store.appendEvent('k1', ev('k1', `o${i}`))
    const served = await serveAttendanceRoutes(store)
    try {
      const other = new Database(join(dir, 'relay.sqlite'))
      other.pragma('busy_timeout = 0')
      other.exec('BEGIN IMMEDIATE')
      let refused: Response
      try {
        refused = await fetch(`${served.url}/console/api/attendance?format=csv`)
      } finally {
        other.exec('ROLLBACK')
        other.close()
      }
      expect(refused.status).toBe(503)
      expect(refused.headers.get('retry-after')).toBe('5')
      expect(refused.headers.get('content-disposition')).toBeNull()
      expect(await refused.json()).toMatchObject({ error: { code: 'internal' } })
      // Once the rows can be built: a sheet with every one of them.
      const ok = await fetch(`${served.url}/console/api/attendance?format=csv`)
      expect(ok.status).toBe(200)
      const body = await ok.text()
      for (let i = 0; i < 3; i++) expect(body).toContain(`o${i}`)
    } finally {
      await served.close()
    }
  }, 20_000)

  it('a relay draining refuses an export, its HEAD (the console asks it first) as its GET', async () => {
    const store = open()
    const served = await serveAttendanceRoutes(store)
    try {
      served.routes.close()
      for (const method of ['HEAD', 'GET']) {
        const res = await fetch(`${served.url}/console/api/attendance?format=csv`, { method })
        expect(res.status).toBe(503)
        expect(res.headers.get('content-disposition')).toBeNull()
      }
    } finally {
      await served.close()
    }
  })

  it('the prune builds pending rows first, and keeps the queue entries of those it cannot', async () => {
    const store = open()
    await addKiosks(store, 'k1')
    for (let i = 0; i < 4; i++) {
      await store.appendEvent('k1', ev('k1', `o${i}`, { receivedAt: 1000 + i }))
    }
    await store.ack('k1', 4, 2000)
    // Far past every retention.
    const policy = { now: 10_000_000, ackedRetentionMs: 1, unackedRetentionMs: 1 }
    // The prune moved the four pending rows, then let their entries go.
    expect(count('attendance_pending')).toBe(4)
    expect(await store.prune(policy)).toBe(4)
    expect(count('attendance_pending')).toBe(0)
    expect((await allRows(store)).map((r) => r.seq)).toEqual([1, 2, 3, 4])

    // Rows that cannot be built now (a trigger refuses them): the prune waits its bound, then
    // keeps their entries, and only theirs.
    for (let i = 0; i < 2; i++) {
      await store.appendEvent('k1', ev('k1', `p${i}`, { receivedAt: 5000 + i }))
    }
    await store.ack('k1', 6, 6000)
    const side = new Database(join(dir, 'relay.sqlite'))
    try {
      side.exec(`CREATE TRIGGER refuse BEFORE INSERT ON attendance
        BEGIN SELECT RAISE(ABORT, 'refused'); END`)
      expect(await store.prune(policy)).toBe(0)
      expect(count('events')).toBe(2)
      expect(count('attendance_pending')).toBe(2)
      side.exec('DROP TRIGGER refuse')
    } finally {
      side.close()
    }
    expect((await allRows(store)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6])
    expect(await store.prune(policy)).toBe(2)
    expect(count('events')).toBe(0)
  }, 20_000)

  it("a screen's recent check-ins keep their time while the rows are still pending", async () => {
    const store = open()
    await addKiosks(store, 'k1')
    await store.campaigns.createCampaign(
      { ...campaignBody(), id: 'spring', screenKey: 'k'.repeat(43) },
      1,
    )
    // Rows that cannot be built within a console read's wait (a backlog; here a trigger).
    const side = new Database(join(dir, 'relay.sqlite'))
    try {
      side.exec(`CREATE TRIGGER refuse BEFORE INSERT ON attendance
        BEGIN SELECT RAISE(ABORT, 'refused'); END`)
      await store.appendEvent('k1', ev('k1', 'oA', { receivedAt: 1_800_000_000_000 }), 'spring')
      expect(await store.campaigns.recentCheckins('spring', 10)).toEqual([
        { number: 1, openid: 'oA', at: 1_800_000_000_000 },
      ])
      side.exec('DROP TRIGGER refuse')
    } finally {
      side.close()
    }
  }, 20_000)

  it('the backlog gauge counts the pending rows exactly, from the ends of their range', async () => {
    // /metrics is unauthenticated and reads it on the loop: two index seeks, not a count of
    // a backlog that is longest when the loop is busiest. Exact as rows come and go.
    const store = open({ onlyForReaders: true, chunkRows: 4 })
    await addKiosks(store, 'k1')
    expect(await store.attendance.backlog()).toBe(0)
    for (let i = 0; i < 10; i++) await store.appendEvent('k1', ev('k1', `o${i}`))
    expect(await store.attendance.backlog()).toBe(10)
    expect(await store.attendance.backlog()).toBe(count('attendance_pending'))
    await store.attendance.settled()
    expect(await store.attendance.backlog()).toBe(0)
    // Numbers taken again after the table emptied, with a refused push in between.
    await store.appendEvent('k1', ev('k1', 'oA'))
    await expect(store.appendEvent('nope', ev('nope', 'oB'))).rejects.toThrow(/unknown kiosk/)
    await store.appendEvent('k1', ev('k1', 'oC'))
    expect(await store.attendance.backlog()).toBe(2)
    expect(count('attendance_pending')).toBe(2)
  })

  it('a CLI command beside the relay leaves the pending rows to the relay', async () => {
    const store = open()
    await addKiosks(store, 'k1')
    for (let i = 0; i < 5; i++) await store.appendEvent('k1', ev('k1', `o${i}`))
    expect(count('attendance_pending')).toBe(5)
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'relay/cli.ts', 'organizer', 'add', 'ada', '--data', dir],
      { env: { ...process.env, SCANDESK_RELAY_WECHAT_TOKEN: 'cli-test-token' } },
    )
    expect(stdout).toContain('organizer ada added')
    // Its store ran for the password's hashing (scrypt, off the loop): it built none.
    expect(count('attendance_pending')).toBe(5)
    expect((await store.attendance.stats({ kioskIds: null }, today())).scans).toBe(5)
  }, 30_000)

  it('a row written twice is counted once; a pending row with no queue entry is reported', async () => {
    const errors: Error[] = []
    const store = open({ onlyForReaders: true, onError: (e) => errors.push(e) })
    await addKiosks(store, 'k1')
    await store.appendEvent('k1', ev('k1', 'oA'))
    await store.appendEvent('k1', ev('k1', 'oB'))
    expect((await store.attendance.stats({ kioskIds: null }, today())).scans).toBe(2)
    // The same queue entry pending again (as if a chunk's delete had been lost), and one whose
    // entry does not exist.
    const db = new Database(join(dir, 'relay.sqlite'))
    try {
      db.exec(`INSERT INTO attendance_pending (kiosk_id, seq, campaign_id, fallback, received_at)
        VALUES ('k1', 1, NULL, 0, 1), ('k1', 99, NULL, 0, 1)`)
    } finally {
      db.close()
    }
    await store.appendEvent('k1', ev('k1', 'oC'))
    const stats = await store.attendance.stats({ kioskIds: null }, today())
    expect(stats).toMatchObject({ scans: 3, visitors: 3 })
    expect((await allRows(store)).map((r) => [r.seq, r.openid])).toEqual([
      [1, 'oA'],
      [2, 'oB'],
      [3, 'oC'],
    ])
    expect(count('attendance_pending')).toBe(0)
    expect(errors.map((e) => e.message)).toEqual([
      'attendance: 1 pending rows had no queue entry; not counted',
    ])
  })
})
