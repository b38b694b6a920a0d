// The consolidated export's own writers (issue 18 item 4, issue 19's number column), on both
// stores: the streamed XLSX read back with exceljs equals the CSV row for row (CJK, formula-like
// text, numbers typed as numbers, times as date-times showing the CSV's text); the XLSX stops producing while its
// reader is paused (the old exceljs writer did not); stats are the same before and after an
// export; each row carries the visitor's campaign-wide check-in number (and migration 10 fills
// older rows from their queue entries).
import { randomBytes } from 'node:crypto'
import { get, type IncomingMessage } from 'node:http'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import { describe, expect, it, vi } from 'vitest'
import { consoleAttendancePageSchema } from '../../shared/console-api'
import { formatLocalTime } from '../../shared/export/cells'
import { migrate } from '../../shared/server/migrate'
import { localTimeCache } from '../../shared/export/time-cache'
import { xmlText } from '../../shared/export/xlsx-writer'
import { createPeopleLookup, type PeopleLookup } from '../../relay/attendance/people'
import { RowNames } from '../../relay/attendance/row-names'
import { EXPORT_PAGE_ROWS } from '../../relay/attendance/sheet'
import type { AttendanceRow } from '../../relay/store/attendance'
import { migrations } from '../../relay/store/sqlite/migrations'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import { eventIdOf } from '../../relay/store/store-util'
import type { NewEvent, RelayStore } from '../../relay/store/types'
import { campaignBody } from './campaign-helpers'
import {
  addKiosk,
  countingReader,
  seedLongRows,
  serveAttendanceRoutes,
  type ServedRoutes,
} from './attendance-helpers'
import { storeBackends, storePlaces } from './store-backends'

const at = storePlaces('att-sheet')
const backends = storeBackends(at)

function serve(
  store: Pick<RelayStore, 'attendance' | 'subscribe'>,
  people?: PeopleLookup,
): Promise<ServedRoutes> {
  return serveAttendanceRoutes(store, people !== undefined ? { people } : {})
}

/** Cells a spreadsheet would run, split, trim or refuse, in turn. */
const TRICKY = [
  '=HYPERLINK("http://x")',
  '+1',
  '-2',
  '@SUM(A1)',
  '展位甲 访客',
  'a,b "c"',
  ' edge space ',
  'line\nbreak',
  '<tag>&amp;',
]

function seedRows(kioskId: string, n: number): AttendanceRow[] {
  return Array.from({ length: n }, (_, i) => {
    const receivedAt = 1_764_633_600_000 + i * 61_123
    const row: AttendanceRow = {
      kioskId,
      seq: i + 1,
      id: `ev_${kioskId}_${i}`,
      event: i % 4 === 0 ? 'subscribe' : 'scan',
      openid: i % 10 === 0 ? (TRICKY[(i / 10) % TRICKY.length] as string) : `o${kioskId}${i}`,
      scene: i % 7 === 0 ? `场景${i}` : `${kioskId}:${i}`,
      ticket: `gQ${i}`,
      fallback: i % 13 === 0,
      createTime: Math.floor(receivedAt / 1000) - 2,
      receivedAt,
    }
    if (i % 3 !== 0) row.number = i + 1
    return row
  })
}

/** The first worksheet's tab name. */
async function sheetName(bytes: ArrayBuffer): Promise<string | undefined> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(bytes)
  return wb.worksheets[0]?.name
}

/** The sheet as exceljs reads it: every row, cells as values ('' when absent). */
async function readXlsx(bytes: ArrayBuffer, width: number): Promise<unknown[][]> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(bytes)
  const sheet = wb.worksheets[0]
  if (sheet === undefined) throw new Error('no sheet')
  const rows: unknown[][] = []
  sheet.eachRow((row) => {
    const values = (row.values as unknown[]).slice(1)
    rows.push(Array.from({ length: width }, (_, i) => values[i] ?? ''))
  })
  return rows
}

let scans = 0
/** A scan at `kioskId` by `openid`, each with its own event id, scene and times. */
function scanAt(kioskId: string, openid: string): NewEvent {
  const n = ++scans
  return {
    id: eventIdOf(`sheet/${kioskId}/${openid}/${n}`),
    event: 'scan',
    openid,
    scene: `${kioskId}:${n}`,
    ticket: `t${n}`,
    createTime: 1_764_633_600 + n,
    receivedAt: 1_764_633_600_000 + n * 1000,
  }
}

/** Where each column is: the kiosk export's columns with the booth first. */
const C = {
  booth: 0,
  number: 1,
  name: 2,
  company: 3,
  phone: 4,
  code: 5,
  firstVisit: 6,
  scannedAt: 8,
  receivedAt: 9,
  openid: 10,
  campaign: 14,
} as const

/**
 * A cell as the CSV writes it: a date-time (exceljs reads its serial as a UTC date, so its UTC
 * fields are the sheet's wall clock) as `YYYY-MM-DD HH:mm:ss`, anything else as its text.
 */
const cellText = (v: unknown): string =>
  v instanceof Date ? v.toISOString().slice(0, 19).replace('T', ' ') : String(v)

/** The CSV's formula escaping undone: what the same cell holds in the XLSX. */
const unescape = (s: string): string => (/^'(?:[\t\r]|\s*[=+\-@])/.test(s) ? s.slice(1) : s)

describe.each(backends)('consolidated sheet ($name store)', ({ open }) => {
  it('XLSX equals the CSV row for row: text as text, the number as a number', async () => {
    const store = await open()
    const s = await serve(store)
    try {
      for (const k of ['booth-b', 'booth-a']) {
        await addKiosk(store, k)
        await store.attendance.seed(seedRows(k, 150))
      }
      const statsBefore = await (await fetch(`${s.url}/console/api/stats`)).json()
      const csvRes = await fetch(`${s.url}/console/api/attendance?format=csv`)
      const csv: string[][] = parse(Buffer.from(await csvRes.arrayBuffer()).subarray(3), {
        relaxColumnCount: false,
      })
      const xlsxRes = await fetch(`${s.url}/console/api/attendance?format=xlsx`)
      expect(xlsxRes.headers.get('content-type')).toBe(
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      )
      const xlsxBytes = await xlsxRes.arrayBuffer()
      const xlsx = await readXlsx(xlsxBytes, csv[0]!.length)
      // The tab is named in the sheet's language, like its headings (default zh-CN).
      expect(await sheetName(xlsxBytes)).toBe('签到记录')
      expect(
        await sheetName(
          await (
            await fetch(`${s.url}/console/api/attendance?format=xlsx&locale=en`)
          ).arrayBuffer(),
        ),
      ).toBe('Attendance')
      expect(csv).toHaveLength(301)
      expect(xlsx).toHaveLength(301)
      expect(xlsx[0]).toEqual(csv[0])
      expect(csv[0]![C.number]).toBe('签到号')
      for (let i = 1; i < csv.length; i++) {
        const c = csv[i]!
        const x = xlsx[i]!
        // The number column: a number in the XLSX, its digits in the CSV, empty in both.
        expect(x[C.number], `row ${i}`).toBe(c[C.number] === '' ? '' : Number(c[C.number]))
        const others = (r: unknown[]) => r.filter((_, j) => j !== C.number)
        expect(others(x).map(cellText), `row ${i}`).toEqual(others(c).map(String).map(unescape))
      }
      // Spot checks: order (booth-a first), CJK, a formula kept as text, a leading space kept.
      expect(xlsx[1]![C.booth]).toBe('booth-a')
      expect(xlsx[1]![C.openid]).toBe('=HYPERLINK("http://x")')
      expect(csv[1]![C.openid]).toBe(`'=HYPERLINK("http://x")`)
      expect(xlsx.some((r) => r[C.openid] === '展位甲 访客')).toBe(true)
      expect(xlsx.some((r) => r[C.openid] === ' edge space ')).toBe(true)
      expect(xlsx.some((r) => r[C.openid] === '<tag>&amp;')).toBe(true)
      // Times are date-times showing the second the CSV's text has.
      const at = 1_764_633_600_000 + 61_123
      expect(cellText(xlsx[2]![C.scannedAt])).toBe(
        formatLocalTime((Math.floor(at / 1000) - 2) * 1000),
      )
      expect(cellText(xlsx[2]![C.receivedAt])).toBe(formatLocalTime(at))
      // Exporting changes nothing the stats read.
      expect(await (await fetch(`${s.url}/console/api/stats`)).json()).toEqual(statsBefore)
    } finally {
      await s.close()
      await store.close()
    }
  })

  it("XLSX times are date-time cells in the relay's zone, the second the CSV shows", async () => {
    // The relay's zone is its process's (TZ): China, 8 hours ahead, so a UTC reading shows.
    const zone = process.env.TZ
    process.env.TZ = 'Asia/Shanghai'
    const store = await open()
    const s = await serve(store)
    try {
      await addKiosk(store, 'k1')
      await store.attendance.seed(seedRows('k1', 3))
      const csvRes = await fetch(`${s.url}/console/api/attendance?format=csv`)
      const csv: string[][] = parse(Buffer.from(await csvRes.arrayBuffer()).subarray(3))
      // 2025-12-02 00:00:00 UTC received, created two seconds before: 08:00 in Shanghai.
      expect(csv[1]![C.scannedAt]).toBe('2025-12-02 07:59:58')
      expect(csv[1]![C.receivedAt]).toBe('2025-12-02 08:00:00')
      const wb = new ExcelJS.Workbook()
      await wb.xlsx.load(
        await (await fetch(`${s.url}/console/api/attendance?format=xlsx`)).arrayBuffer(),
      )
      const sheet = wb.worksheets[0]!
      for (let i = 1; i < csv.length; i++) {
        for (const c of [C.scannedAt, C.receivedAt]) {
          const cell = sheet.getRow(i + 1).getCell(c + 1)
          expect(cell.type, `row ${i} column ${c}`).toBe(ExcelJS.ValueType.Date)
          expect(cell.numFmt).toBe('yyyy-mm-dd hh:mm:ss')
          // exceljs reads a serial as a UTC date: its UTC fields are the sheet's wall clock.
          expect(cellText(cell.value), `row ${i} column ${c}`).toBe(csv[i]![c])
        }
      }
      // Wide enough that Excel shows the time, not ########.
      expect(sheet.getColumn(C.scannedAt + 1).width).toBeGreaterThanOrEqual(19)
      expect(sheet.getColumn(C.receivedAt + 1).width).toBeGreaterThanOrEqual(19)
    } finally {
      await s.close()
      await store.close()
      if (zone === undefined) delete process.env.TZ
      else process.env.TZ = zone
    }
  })

  it('XLSX streams with backpressure: a paused reader stops the store reads', async () => {
    const store = await open()
    const total = 8000
    try {
      // Long random rows (~4 KB of base64 each: deflate cannot shrink them away; the sheet has
      // no ticket column), ~24 MB of zip in all: far more than socket buffers hold.
      await seedLongRows(store, total, () => randomBytes(3000).toString('base64'))
      const counting = countingReader(store.attendance)
      const s = await serve({ attendance: counting.reader, subscribe: (l) => store.subscribe(l) })
      try {
        const res = await new Promise<IncomingMessage>((resolve) =>
          get(`${s.url}/console/api/attendance?format=xlsx`, resolve).on('error', () => {}),
        )
        res.on('error', () => {})
        res.pause()
        // Wait until the export has started, then until it stalls on the paused reader.
        await counting.stalled(res, s)
        expect(counting.handedOut()).toBeGreaterThan(0)
        expect(counting.handedOut()).toBeLessThan(total / 2)
        // The reader goes away: the export stops there, and nothing fails later.
        const before = counting.handedOut()
        res.destroy()
        await counting.ended()
        expect(counting.handedOut() - before).toBeLessThanOrEqual(2 * EXPORT_PAGE_ROWS)
        expect(counting.handedOut()).toBeLessThan(total)
        expect((await fetch(`${s.url}/console/api/stats`)).status).toBe(200)
      } finally {
        await s.close()
      }
    } finally {
      await store.close()
    }
  }, 300_000)

  it('a visitor at two booths of one campaign has the same number on both rows', async () => {
    const store = await open()
    const s = await serve(store)
    try {
      await addKiosk(store, 'north')
      await addKiosk(store, 'south')
      await addKiosk(store, 'alone')
      await store.campaigns.createCampaign(
        { ...campaignBody(), id: 'fair', screenKey: 'k'.repeat(43) },
        0,
      )
      await store.appendEvent('north', scanAt('north', 'oFirst'), 'fair')
      await store.appendEvent('north', scanAt('north', 'oBoth'), 'fair')
      await store.appendEvent('south', scanAt('south', 'oBoth'), 'fair')
      await store.appendEvent('alone', scanAt('alone', 'oBoth'))
      const page = consoleAttendancePageSchema.parse(
        await (await fetch(`${s.url}/console/api/attendance?limit=10`)).json(),
      )
      const numbers = page.rows.map((r) => [r.kioskId, r.openid, r.number])
      expect(numbers).toEqual([
        ['alone', 'oBoth', null],
        ['north', 'oFirst', 1],
        ['north', 'oBoth', 2],
        ['south', 'oBoth', 2],
      ])
      const csv: string[][] = parse(
        (await (await fetch(`${s.url}/console/api/attendance?format=csv`)).text()).slice(1),
      )
      expect(csv.slice(1).map((r) => [r[C.booth], r[C.openid], r[C.number]])).toEqual(
        numbers.map(([k, o, num]) => [k, o, num === null ? '' : String(num)]),
      )
      // The campaign each scan counted in, and whether it took the visitor's number there.
      expect(csv.slice(1).map((r) => [r[C.campaign], r[C.firstVisit]])).toEqual([
        ['', ''],
        ['fair', '是'],
        ['fair', '是'],
        ['fair', '否'],
      ])
      const xlsx = await readXlsx(
        await (await fetch(`${s.url}/console/api/attendance?format=xlsx`)).arrayBuffer(),
        16,
      )
      expect(xlsx.slice(1).map((r) => [r[C.booth], r[C.openid], r[C.number]])).toEqual(
        numbers.map(([k, o, num]) => [k, o, num ?? '']),
      )
    } finally {
      await s.close()
      await store.close()
    }
  })
})

describe.each(backends)('consolidated sheet: who each visitor is ($name store)', ({ open }) => {
  it('names a visitor a desk bound to a roster entry, in the campaign the scan counted in', async () => {
    const store = await open()
    const s = await serve(store, createPeopleLookup(store.campaigns))
    try {
      await addKiosk(store, 'north')
      for (const id of ['fair', 'expo']) {
        await store.campaigns.createCampaign(
          { ...campaignBody(), id, screenKey: 'k'.repeat(43) },
          0,
        )
      }
      const entry = (id: string, name: string, company = '', phone = '', code = '') => ({
        id,
        name,
        company,
        phone,
        code,
      })
      await store.campaigns.replaceRoster('fair', [
        entry('r1', '王小明', 'ACME 公司', '13800000000', '007'),
        entry('r2', '=cmd|x', 'Evil', '', ''),
        entry('r3', '李雷'), // never bound: no row names them
      ])
      await store.campaigns.replaceRoster('expo', [entry('x1', 'Wang at Expo')])
      await store.campaigns.putBinding('fair', { registrationId: 'r1', openid: 'oWang', at: 1 })
      await store.campaigns.putBinding('fair', { registrationId: 'r2', openid: 'oEvil', at: 2 })
      await store.campaigns.putBinding('expo', { registrationId: 'x1', openid: 'oWang', at: 3 })
      await store.appendEvent('north', scanAt('north', 'oWang'), 'fair')
      await store.appendEvent('north', scanAt('north', 'oGuest'), 'fair')
      await store.appendEvent('north', scanAt('north', 'oEvil'), 'fair')
      // The booth moved on to another campaign: its earlier rows keep theirs.
      await store.appendEvent('north', scanAt('north', 'oWang'), 'expo')
      await store.appendEvent('north', scanAt('north', 'oWang')) // and then ran none
      const csv: string[][] = parse(
        (await (await fetch(`${s.url}/console/api/attendance?format=csv`)).text()).slice(1),
      )
      const cells = (r: string[]) =>
        [C.campaign, C.number, C.name, C.company, C.phone, C.code].map((i) => r[i])
      expect(csv.slice(1).map(cells)).toEqual([
        ['fair', '1', '王小明', 'ACME 公司', '13800000000', '007'],
        ['fair', '2', '', '', '', ''],
        ['fair', '3', `'=cmd|x`, 'Evil', '', ''],
        ['expo', '1', 'Wang at Expo', '', '', ''],
        ['', '', '', '', '', ''],
      ])
      // In Excel the phone and a code of digits stay text (no 1.38E+10, no lost leading zero).
      const xlsx = await readXlsx(
        await (await fetch(`${s.url}/console/api/attendance?format=xlsx`)).arrayBuffer(),
        16,
      )
      expect([xlsx[1]![C.phone], xlsx[1]![C.code]]).toEqual(['13800000000', '007'])
    } finally {
      await s.close()
      await store.close()
    }
  })
})

describe.each(backends)('console table: who each visitor is ($name store)', ({ open }) => {
  it("names a bound visitor's rows (null for anyone else), finds them by name, follows new bindings and rosters", async () => {
    const store = await open()
    const names = new RowNames(store)
    const s = await serveAttendanceRoutes(store, {
      names,
      campaignKiosks: (id) => Promise.resolve(id === 'fair' ? ['north'] : null),
    })
    try {
      await addKiosk(store, 'north')
      await store.campaigns.createCampaign(
        { ...campaignBody(), id: 'fair', screenKey: 'k'.repeat(43) },
        0,
      )
      const entry = (id: string, name: string) => ({ id, name, company: '', phone: '', code: '' })
      await store.campaigns.replaceRoster('fair', [
        entry('r1', '王小明'),
        entry('r2', 'Ann Lee'),
        entry('r3', '李雷'), // bound later
      ])
      await store.campaigns.putBinding('fair', { registrationId: 'r1', openid: 'oWang', at: 1 })
      await store.campaigns.putBinding('fair', { registrationId: 'r2', openid: 'oAnn', at: 2 })
      await store.appendEvent('north', scanAt('north', 'oWang'), 'fair')
      await store.appendEvent('north', scanAt('north', 'oGuest'), 'fair')
      await store.appendEvent('north', scanAt('north', 'oAnn'), 'fair')
      await store.appendEvent('north', scanAt('north', 'oWang')) // the booth then ran none
      const table = async (query = '') =>
        consoleAttendancePageSchema
          .parse(await (await fetch(`${s.url}/console/api/attendance?limit=10${query}`)).json())
          .rows.map((r) => [r.openid, r.name])
      expect(await table()).toEqual([
        ['oWang', '王小明'],
        ['oGuest', null], // scanned, never matched to the roster at a desk
        ['oAnn', 'Ann Lee'],
        ['oWang', null], // a scan of no campaign has no roster
      ])
      // By name: any part, any case; every scan of the visitor in scope.
      expect(await table('&q=小明')).toEqual([
        ['oWang', '王小明'],
        ['oWang', null],
      ])
      expect(await table('&q=LEE')).toEqual([['oAnn', 'Ann Lee']])
      expect(await table('&q=李雷')).toEqual([]) // on the roster, bound to no one yet
      expect(await table('&campaign=fair&q=小明')).toEqual([['oWang', '王小明']])

      // A desk binds the guest; the roster is replaced: the next pages say so.
      await store.campaigns.putBinding('fair', { registrationId: 'r3', openid: 'oGuest', at: 3 })
      const feed = { timeout: 10_000 } // Redis: the change comes back over pub/sub
      await vi.waitFor(
        async () => expect(await table('&q=李雷')).toEqual([['oGuest', '李雷']]),
        feed,
      )
      await store.campaigns.replaceRoster('fair', [entry('r1', '王晓明'), entry('r3', '李雷')])
      await vi.waitFor(
        async () =>
          expect(await table('&campaign=fair')).toEqual([
            ['oWang', '王晓明'],
            ['oGuest', '李雷'],
            ['oAnn', null], // r2 is no longer on the roster
          ]),
        feed,
      )
    } finally {
      await s.close()
      names.close()
      await store.close()
    }
  })
})

describe('SQLite migration 10', () => {
  it('gives older rows the number their queue entry still holds, and none otherwise', () => {
    const db = new Database(join(at.dir('m8-'), 'relay.sqlite'))
    try {
      migrate(db, migrations.slice(0, 7), 'relay store')
      const row = db.prepare(
        `INSERT INTO attendance (kiosk_id, seq, event_id, event, openid, scene, ticket, fallback,
           create_time, received_at) VALUES (?, ?, ?, 'scan', 'o', 's', 't', 0, 1, 1)`,
      )
      const queued = db.prepare(
        `INSERT INTO events (kiosk_id, seq, id, event, openid, scene, ticket, create_time,
           received_at, number) VALUES (?, ?, ?, 'scan', 'o', 's', 't', 1, 1, ?)`,
      )
      row.run('k1', 1, 'e1')
      queued.run('k1', 1, 'e1', 7)
      row.run('k1', 2, 'e2') // its queue entry pruned
      row.run('k2', 1, 'e3')
      queued.run('k2', 1, 'e3', null) // no campaign then
      migrate(db, migrations, 'relay store')
      expect(
        db.prepare('SELECT kiosk_id, seq, number FROM attendance ORDER BY kiosk_id, seq').all(),
      ).toEqual([
        { kiosk_id: 'k1', seq: 1, number: 7 },
        { kiosk_id: 'k1', seq: 2, number: null },
        { kiosk_id: 'k2', seq: 1, number: null },
      ])
    } finally {
      db.close()
    }
  })
})

describe('SQLite migration 12', () => {
  it('gives older rows the first-in-campaign flag their queue entry holds; no campaign', () => {
    const db = new Database(join(at.dir('m12-'), 'relay.sqlite'))
    try {
      migrate(db, migrations.slice(0, 11), 'relay store')
      const row = db.prepare(
        `INSERT INTO attendance (kiosk_id, seq, event_id, event, openid, scene, ticket, fallback,
           create_time, received_at, number) VALUES (?, ?, ?, 'scan', 'o', 's', 't', 0, 1, 1, ?)`,
      )
      const queued = db.prepare(
        `INSERT INTO events (kiosk_id, seq, id, event, openid, scene, ticket, create_time,
           received_at, number, first_in_campaign) VALUES (?, ?, ?, 'scan', 'o', 's', 't', 1, 1,
           ?, ?)`,
      )
      row.run('k1', 1, 'e1', 3)
      queued.run('k1', 1, 'e1', 3, 1)
      row.run('k1', 2, 'e2', 3)
      queued.run('k1', 2, 'e2', 3, 0)
      row.run('k1', 3, 'e3', 4) // its queue entry pruned
      migrate(db, migrations, 'relay store')
      expect(
        db
          .prepare(
            `SELECT seq, campaign_id, first_in_campaign FROM attendance ORDER BY kiosk_id, seq`,
          )
          .all(),
      ).toEqual([
        { seq: 1, campaign_id: null, first_in_campaign: 1 },
        { seq: 2, campaign_id: null, first_in_campaign: 0 },
        { seq: 3, campaign_id: null, first_in_campaign: null },
      ])
    } finally {
      db.close()
    }
  })
})

describe('SQLite migration 13', () => {
  it("builds each campaign's counters from the rows already stored; pushes add to them", async () => {
    const dir = at.dir('m13-')
    const db = new Database(join(dir, 'relay.sqlite'))
    const now = Date.now()
    try {
      migrate(db, migrations.slice(0, 12), 'relay store')
      const row = db.prepare(
        `INSERT INTO attendance (kiosk_id, seq, event_id, event, openid, scene, ticket, fallback,
           create_time, received_at, campaign_id) VALUES (?, ?, ?, ?, ?, 's', 't', 0, 1, ?, ?)`,
      )
      row.run('k1', 1, 'e1', 'subscribe', 'oA', now, 'fair')
      row.run('k1', 2, 'e2', 'scan', 'oA', now, 'fair')
      row.run('k2', 1, 'e3', 'scan', 'oB', now, 'fair')
      row.run('k2', 2, 'e4', 'scan', 'oA', now, 'expo')
      row.run('k2', 3, 'e5', 'scan', 'oC', now, null) // no campaign
      migrate(db, migrations, 'relay store')
    } finally {
      db.close()
    }
    const store = openSqliteStore({ data: dir })
    try {
      await addKiosk(store, 'k3')
      await store.campaigns.createCampaign(
        { ...campaignBody(), id: 'fair', screenKey: 'k'.repeat(43) },
        0,
      )
      const today = { start: now - 3_600_000, end: now + 3_600_000 }
      const fair = await store.attendance.stats({ campaignId: 'fair', booths: [] }, today)
      expect(fair).toMatchObject({
        scans: 3,
        visitors: 2,
        newFollowers: 1,
        returning: 1,
        perKiosk: [
          { id: 'k1', scans: 2, visitors: 1 },
          { id: 'k2', scans: 1, visitors: 1 },
        ],
      })
      expect((fair.timeline ?? []).reduce((n, s) => n + s.scans, 0)).toBe(3)
      // A push after the upgrade: oB's second scan in fair, at k3.
      await store.appendEvent('k3', { ...scanAt('k3', 'oB'), receivedAt: now }, 'fair')
      expect(await store.attendance.stats({ campaignId: 'fair', booths: [] }, today)).toMatchObject(
        { scans: 4, visitors: 2, returning: 2 },
      )
      expect(await store.attendance.stats({ campaignId: 'expo', booths: [] }, today)).toMatchObject(
        { scans: 1, visitors: 1, returning: 0, perKiosk: [{ id: 'k2', scans: 1 }] },
      )
    } finally {
      await store.close()
    }
  })
})

describe('sheet cells', () => {
  it('the cached local time is formatLocalTime, second for second', () => {
    const time = localTimeCache()
    let t = Date.UTC(2026, 0, 1)
    for (let i = 0; i < 20_000; i++) {
      t += Math.floor(Math.random() * 40 * 60_000) // across days, months and any DST change
      expect(time(t)).toBe(formatLocalTime(t))
    }
  })

  it('XML text: markup escaped, characters XML cannot hold dropped, the rest kept', () => {
    expect(xmlText('a<b>&"c"')).toBe('a&lt;b&gt;&amp;&quot;c&quot;')
    expect(xmlText('x\u0000\u0001\u000b\u001f\u007fy\ufffe')).toBe('xy')
    expect(xmlText('tab\tlf\ncr\r')).toBe('tab\tlf\ncr\r')
    expect(xmlText('lone \ud800 high, pair 😀, lone \udc00 low')).toBe(
      'lone  high, pair 😀, lone  low',
    )
    expect(xmlText('展位甲')).toBe('展位甲')
    // Excel would show `_x003D_1+1` as `=1+1`: the underscore is escaped so it shows as sent.
    expect(xmlText('_x003D_1+1')).toBe('_x005F_x003D_1+1')
    expect(xmlText('o_x1_y_xABCD_')).toBe('o_x1_y_x005F_xABCD_')
    expect(xmlText('open_id_x')).toBe('open_id_x')
  })
})
