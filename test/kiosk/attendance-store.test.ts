// AttendanceStore.record: idempotent by event id, first visit / repeat numbering, desk-mode
// binding, unknown codes; the row it returns is exactly what is stored, and the per-scan path
// prepares no SQL (statements are compiled once, which is what made inserts fast).
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { AttendanceStore, type ScanInput } from '../../electron/core/scans/attendance-store'
import { openKioskDb, type KioskDb } from '../../electron/core/db/db'
import { cleanup, onCleanup, tempDir } from './helpers'

afterEach(cleanup)

function openDb(): KioskDb {
  const db = openKioskDb(join(tempDir(), 'kiosk.db'))
  onCleanup(() => {
    db.close()
  })
  return db
}

let n = 0
function scanOf(openid: string, scene: string, extra: Partial<ScanInput> = {}): ScanInput {
  n++
  return {
    eventId: `ev-${n}`,
    kioskId: 'k1',
    openid,
    scene,
    ticket: `tk-${n}`,
    kind: 'scan',
    createTime: 1_700_000_000 + n,
    receivedAt: 1_700_000_000_000 + n,
    fallbackCampaignId: 'fallback',
    ...extra,
  }
}

function addTicket(db: KioskDb, scene: string, campaignId: string, rosterEntryId: string | null) {
  db.prepare(
    `INSERT INTO tickets (connection_id, scene, ticket, url, created_at, expires_at, state,
       campaign_id, roster_entry_id) VALUES ('c', ?, 't', 'u', 0, 9e15, 'shown', ?, ?)`,
  ).run(scene, campaignId, rosterEntryId)
}

function addRoster(db: KioskDb, id: string, campaignId: string, name: string, openid?: string) {
  db.prepare(
    `INSERT INTO roster_entries (id, campaign_id, name, company, phone, code, match_key, openid,
       imported_at) VALUES (?, ?, ?, '', '', '', ?, ?, 0)`,
  ).run(id, campaignId, name, `m-${id}`, openid ?? null)
}

describe('AttendanceStore.record', () => {
  it('returns exactly the stored row: first visit, repeat, roster name, unknown code', () => {
    const db = openDb()
    const store = new AttendanceStore(db)
    addTicket(db, 'k1:a', 'expo', null)
    addRoster(db, 'r1', 'expo', '王小明', 'o_named')
    const results = [
      store.record(scanOf('o_1', 'k1:a'), 10),
      store.record(scanOf('o_2', 'k1:a', { kind: 'subscribe' }), 11),
      store.record(scanOf('o_1', 'k1:a'), 12),
      store.record(scanOf('o_named', 'k1:a'), 13),
      store.record(scanOf('o_1', 'k1:unknown'), 14),
    ]
    const rows = results.map((r) => (r.inserted ? r.row : null))
    for (const row of rows) {
      expect(row).not.toBeNull()
      expect(row).toEqual(store.byEventId(row?.eventId ?? ''))
    }
    expect(rows.map((r) => [r?.campaignId, r?.checkInNumber, r?.firstVisit])).toEqual([
      ['expo', 1, true],
      ['expo', 2, true],
      ['expo', 1, false],
      ['expo', 3, true],
      ['fallback', 1, true],
    ])
    expect(rows[3]).toMatchObject({ rosterEntryId: 'r1', rosterName: '王小明' })
    expect(rows[4]?.unknownTicket).toBe(true)
    expect(rows[0]?.unknownTicket).toBe(false)
    const ticket = db.prepare(`SELECT state FROM tickets WHERE scene = 'k1:a'`).get()
    expect(ticket).toEqual({ state: 'scanned' })
    const checkedIn = db.prepare(`SELECT checked_in_at AS t FROM roster_entries WHERE id = 'r1'`)
    expect(checkedIn.get()).toEqual({ t: 13 })
  })

  it('the same event id twice is stored once', () => {
    const db = openDb()
    const store = new AttendanceStore(db)
    const s = scanOf('o_1', 'k1:x')
    expect(store.record(s, 1).inserted).toBe(true)
    expect(store.record({ ...s, openid: 'o_other' }, 2)).toEqual({ inserted: false })
    expect(db.prepare('SELECT count(*) AS n FROM attendance').get()).toEqual({ n: 1 })
    expect(db.prepare('SELECT count(*) AS n FROM visitors').get()).toEqual({ n: 1 })
  })

  it('desk mode: the personal code binds the scanner, moving the openid off any other entry', () => {
    const db = openDb()
    const store = new AttendanceStore(db)
    addRoster(db, 'r_old', 'expo', 'Old', 'o_desk')
    addRoster(db, 'r_new', 'expo', 'New')
    addTicket(db, 'k1:desk', 'expo', 'r_new')
    const r = store.record(scanOf('o_desk', 'k1:desk'), 50)
    expect(r.inserted && r.row).toMatchObject({ rosterEntryId: 'r_new', rosterName: 'New' })
    const entries = db
      .prepare('SELECT id, openid, checked_in_at AS t FROM roster_entries ORDER BY id')
      .all()
    expect(entries).toEqual([
      { id: 'r_new', openid: 'o_desk', t: 50 },
      { id: 'r_old', openid: null, t: null },
    ])
    if (r.inserted) expect(r.row).toEqual(store.byEventId(r.row.eventId))
  })

  it('prepares its SQL once, not per scan', () => {
    const db = openDb()
    const store = new AttendanceStore(db)
    const prepare = vi.spyOn(db, 'prepare')
    for (let i = 0; i < 20; i++) store.record(scanOf(`o_${i % 3}`, 'k1:p'), i)
    store.byEventId('ev-1')
    store.markGreetingShown('ev-1')
    expect(prepare).not.toHaveBeenCalled()
  })
})
