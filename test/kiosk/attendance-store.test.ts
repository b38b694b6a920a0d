// AttendanceStore.record: idempotent by event id, first visit / repeat numbering, desk-mode
// binding, unknown codes; the row it returns is exactly what is stored, and the per-scan path
// prepares no SQL (statements are compiled once, which is what made inserts fast). The scan is
// the relay's frame as it arrived; the ticket's and the roster's side go through their owners.
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  AttendanceStore,
  type AttendanceOwners,
  type Scan,
  type ScanContext,
} from '../../electron/core/scans/attendance-store'
import { openKioskDb, type KioskDb } from '../../electron/core/db/db'
import { MetaTable } from '../../electron/core/db/meta-table'
import { RosterStore } from '../../electron/core/roster/roster-store'
import { TicketRepo } from '../../electron/core/tickets/ticket-repo'
import { cleanup, onCleanup, tempDir } from './helpers'

afterEach(cleanup)

function openDb(): KioskDb {
  const db = openKioskDb(join(tempDir(), 'kiosk.db'))
  onCleanup(() => {
    db.close()
  })
  return db
}

const WHERE: ScanContext = { kioskId: 'k1', fallbackCampaignId: 'fallback' }

function storeOn(db: KioskDb): AttendanceStore {
  return new AttendanceStore(db, {
    tickets: new TicketRepo(db, new MetaTable(db)),
    roster: new RosterStore(db),
  })
}

let n = 0
function scanOf(openid: string, scene: string, extra: Partial<Scan> = {}): Scan {
  n++
  return {
    id: `ev-${n}`,
    event: 'scan',
    openid,
    scene,
    ticket: `tk-${n}`,
    createTime: 1_700_000_000 + n,
    receivedAt: 1_700_000_000_000 + n,
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
    const store = storeOn(db)
    addTicket(db, 'k1:a', 'expo', null)
    addRoster(db, 'r1', 'expo', '王小明', 'o_named')
    const results = [
      store.record(scanOf('o_1', 'k1:a'), WHERE, 10),
      store.record(scanOf('o_2', 'k1:a', { event: 'subscribe' }), WHERE, 11),
      store.record(scanOf('o_1', 'k1:a'), WHERE, 12),
      store.record(scanOf('o_named', 'k1:a'), WHERE, 13),
      store.record(scanOf('o_1', 'k1:unknown'), WHERE, 14),
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
    const store = storeOn(db)
    const s = scanOf('o_1', 'k1:x')
    expect(store.record(s, WHERE, 1).inserted).toBe(true)
    expect(store.record({ ...s, openid: 'o_other' }, WHERE, 2)).toEqual({ inserted: false })
    expect(db.prepare('SELECT count(*) AS n FROM attendance').get()).toEqual({ n: 1 })
    expect(db.prepare('SELECT count(*) AS n FROM visitors').get()).toEqual({ n: 1 })
  })

  it('desk mode: the personal code binds the scanner, moving the openid off any other entry', () => {
    const db = openDb()
    const store = storeOn(db)
    addRoster(db, 'r_old', 'expo', 'Old', 'o_desk')
    addRoster(db, 'r_new', 'expo', 'New')
    addTicket(db, 'k1:desk', 'expo', 'r_new')
    const r = store.record(scanOf('o_desk', 'k1:desk'), WHERE, 50)
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
    const store = storeOn(db)
    const prepare = vi.spyOn(db, 'prepare')
    for (let i = 0; i < 20; i++) store.record(scanOf(`o_${i % 3}`, 'k1:p'), WHERE, i)
    store.byEventId('ev-1')
    store.markGreetingShown('ev-1')
    expect(prepare).not.toHaveBeenCalled()
  })

  it('the ticket and the roster entry of a scan are written by their owners', () => {
    const db = openDb()
    const calls: string[] = []
    const owners: AttendanceOwners = {
      tickets: {
        byScene: (scene) => (
          calls.push(`byScene ${scene}`),
          { campaignId: 'expo', rosterEntryId: 'r1' }
        ),
        markScanned: (scene) => void calls.push(`markScanned ${scene}`),
      },
      roster: {
        byId: (id) => (
          calls.push(`byId ${id}`),
          {
            id,
            campaignId: 'expo',
            name: 'A',
            company: '',
            phone: '',
            code: '',
            openid: null,
            checkedInAt: null,
          }
        ),
        bind: (entry, openid, now) => void calls.push(`bind ${entry.id} ${openid} ${now}`),
        byOpenid: (campaignId, openid) => (
          calls.push(`byOpenid ${campaignId} ${openid}`),
          { id: 'r1', name: 'A' }
        ),
        markCheckedIn: (id, now) => void calls.push(`markCheckedIn ${id} ${now}`),
      },
    }
    const prepare = vi.spyOn(db, 'prepare')
    const store = new AttendanceStore(db, owners)
    const sql = prepare.mock.calls.map(([text]) => text).join('\n')
    // Its own tables only: tickets and roster_entries are read in the row's join, never written.
    expect(sql).not.toMatch(/(UPDATE|INSERT INTO|DELETE FROM)\s+(tickets|roster_entries)/i)
    const r = store.record(scanOf('o_1', 'k1:desk'), WHERE, 7)
    expect(calls).toEqual([
      'byScene k1:desk',
      'markScanned k1:desk',
      'byId r1',
      'bind r1 o_1 7',
      'byOpenid expo o_1',
      'markCheckedIn r1 7',
    ])
    expect(r.inserted && r.row).toMatchObject({ campaignId: 'expo', rosterEntryId: 'r1' })
  })
})

describe('TicketRepo and RosterStore', () => {
  it('prepare their SQL once, not per call', () => {
    const db = openDb()
    const tickets = new TicketRepo(db, new MetaTable(db))
    const roster = new RosterStore(db)
    const prepare = vi.spyOn(db, 'prepare')
    const created = { scene: 'k1:n1', ticket: 't', url: 'u', expireSeconds: 600 }
    tickets.storeCreated('c', [created], 1000)
    const row = tickets.nextReady('c', 0, 5000)
    if (row) tickets.markShown(row.id, 2000, 'expo', null)
    tickets.countReady('c', 0, 5000)
    tickets.longestLivedUsed('c', 0, 5000)
    tickets.byScene('k1:n1')
    tickets.markScanned('k1:n1')
    tickets.createdOn('2026-01-01')
    tickets.markQuotaExhausted('2026-01-01')
    tickets.quotaExhaustedOn('2026-01-01')
    tickets.purgeExpiredBefore(0)
    roster.upsertMany('expo', [{ name: 'A', company: '', phone: '1', code: '' }], 1)
    roster.search('expo', 'A', 10)
    roster.byOpenid('expo', 'o_1')
    expect(prepare).not.toHaveBeenCalled()
  })
})

describe('the roster’s check-in time', () => {
  const DAY = 24 * 3_600_000
  const checkedInAt = (db: KioskDb, id: string) =>
    (
      db.prepare('SELECT checked_in_at AS t FROM roster_entries WHERE id = ?').get(id) as {
        t: number | null
      }
    ).t

  it('is the latest check-in: day 2’s moves it on, a late delivery of day 1’s does not move it back', () => {
    const db = openDb()
    const roster = new RosterStore(db)
    addRoster(db, 'r1', 'expo', 'A')
    roster.markCheckedIn('r1', 1_000)
    roster.markCheckedIn('r1', 1_000 + DAY)
    // On day 2 the desk saw only day 1's time: every day-1 guest looked checked in today.
    expect(checkedInAt(db, 'r1')).toBe(1_000 + DAY)
    roster.markCheckedIn('r1', 5_000)
    expect(checkedInAt(db, 'r1')).toBe(1_000 + DAY)
  })

  /** Guest `id` bound to `openid` (a walk-up on code k1:a) and guest r_desk on code k1:desk. */
  const walkUpAndDesk = (db: KioskDb, id: string, openid: string): void => {
    addRoster(db, id, 'expo', 'Walk-up', openid)
    addRoster(db, 'r_desk', 'expo', 'Desk')
    addTicket(db, 'k1:a', 'expo', null)
    addTicket(db, 'k1:desk', 'expo', 'r_desk')
  }

  it('is when the scan happened, not when it reached the kiosk (a queued scan, a relay clock off)', () => {
    const db = openDb()
    const store = storeOn(db)
    walkUpAndDesk(db, 'r_walk', 'o_walk')
    const day1 = new Date(2026, 11, 4, 9, 12).getTime()
    const nextMorning = day1 + DAY
    /** Pushed by WeChat at once: received at `at`, CreateTime its second. */
    const at = (receivedAt: number): Partial<Scan> => ({
      receivedAt,
      createTime: Math.floor(receivedAt / 1000),
    })
    // Both scanned on day 1 at 09:12, and reached the kiosk the next morning (bad Wi-Fi).
    store.record(scanOf('o_walk', 'k1:a', at(day1)), WHERE, nextMorning)
    store.record(scanOf('o_desk', 'k1:desk', at(day1)), WHERE, nextMorning)
    expect(checkedInAt(db, 'r_walk')).toBe(day1)
    expect(checkedInAt(db, 'r_desk')).toBe(day1)
    // The relay's clock an hour ahead of the kiosk's: the time on the kiosk's clock.
    const ahead = { ...WHERE, relayAheadMs: 3_600_000 }
    store.record(scanOf('o_walk', 'k1:a', at(day1 + DAY)), ahead, nextMorning)
    expect(checkedInAt(db, 'r_walk')).toBe(day1 + DAY - 3_600_000)
    // A relay clock far ahead and not known here: never later than the kiosk's now.
    store.record(scanOf('o_desk', 'k1:a', at(day1 + 3 * DAY)), WHERE, nextMorning)
    expect(checkedInAt(db, 'r_desk')).toBe(nextMorning)
  })

  it('is when the guest scanned when WeChat pushed it late', () => {
    // WeChat's backlog after its own incident: the guest scanned at 10:05 and the push reached
    // the relay at 10:40. The desk showed them checked in at 10:40.
    const db = openDb()
    const store = storeOn(db)
    walkUpAndDesk(db, 'r_late', 'o_late')
    const scanned = new Date(2026, 11, 4, 10, 5).getTime()
    const pushed = scanned + 35 * 60_000
    const late = { createTime: scanned / 1000, receivedAt: pushed }
    store.record(scanOf('o_late', 'k1:a', late), WHERE, pushed + 2_000)
    expect(checkedInAt(db, 'r_late')).toBe(scanned)
    // The relay's clock an hour ahead of the kiosk's: the scan's time on the kiosk's clock.
    const ahead = { ...WHERE, relayAheadMs: 3_600_000 }
    const late2 = { createTime: (scanned + 3_600_000) / 1000, receivedAt: pushed + 3_600_000 }
    store.record(scanOf('o_desk', 'k1:desk', late2), ahead, pushed + 2_000)
    expect(checkedInAt(db, 'r_desk')).toBe(scanned)
  })
})
