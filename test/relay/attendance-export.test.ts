// `/console/api/attendance` and `/console/api/stats` as the console router will mount them
// (tested here without its session guard): the export parses back to exactly the stored rows
// (BOM, formula escaping, XLSX), streams with backpressure instead of buffering, and the query
// string is validated like any other outside input.
import { get, type IncomingMessage } from 'node:http'
import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { consoleAttendancePageSchema, consoleStatsSchema } from '../../shared/console-api'
import { formatLocalTime } from '../../shared/export/cells'
import { EXPORT_COLUMNS } from '../../electron/core/export/export'
import { eventIdOf } from '../../relay/store/store-util'
import type { NewEvent, RelayStore } from '../../relay/store/types'
import {
  addKiosk,
  countingReader,
  scanEvent,
  seedLongRows,
  serveAttendanceRoutes,
  type ServedRoutes,
} from './attendance-helpers'
import { campaignBody, until } from './campaign-helpers'
import { abandonAfter } from './raw-http'
import { createCampaignNames } from '../../relay/attendance/campaign-names'
import { jsonLogger } from '../../relay/log'
import { storeBackends } from './store-backends'

const backends = storeBackends('att-export')

/** The routes on a bare server, as the console router will mount them (no guard here). */
function serve(
  store: Pick<RelayStore, 'attendance' | 'subscribe'>,
  campaigns: Record<string, string[]> = {},
): Promise<ServedRoutes> {
  return serveAttendanceRoutes(store, {
    campaignKiosks: (id) => Promise.resolve(campaigns[id] ?? null),
  })
}

let n = 0
function ev(kioskId: string, openid: string, over: Partial<NewEvent> = {}): NewEvent {
  n++
  return {
    id: eventIdOf(`x/${kioskId}/${openid}/${n}`),
    event: 'scan',
    openid,
    scene: `${kioskId}:n${n}`,
    ticket: `tk${n}`,
    createTime: 1_700_000_000 + n,
    receivedAt: 1_700_000_000_000 + n * 1000,
    ...over,
  }
}

/** Two booths, with cells a spreadsheet would run or a CSV would split. */
async function fill(store: RelayStore): Promise<{ kioskId: string; e: NewEvent }[]> {
  await addKiosk(store, 'booth-b')
  await addKiosk(store, 'booth-a')
  const pushed = [
    { kioskId: 'booth-b', e: ev('booth-b', '=HYPERLINK("x")', { event: 'subscribe' }) },
    { kioskId: 'booth-a', e: ev('booth-a', 'oA,"quoted"', { scene: '展位甲:1' }) },
    { kioskId: 'booth-a', e: ev('booth-a', '+oB\nline', { scene: '@scene' }) },
    { kioskId: 'booth-b', e: ev('booth-b', '-oC') },
  ]
  for (const p of pushed) await store.appendEvent(p.kioskId, p.e)
  return pushed
}

/** The rows in export order (kiosk id, then seq), as cells of the sheet. */
function expectedCells(pushed: { kioskId: string; e: NewEvent }[], escape: boolean): string[][] {
  const esc = (s: string) => (escape && /^(?:[\t\r]|\s*[=+\-@])/.test(s) ? `'${s}` : s)
  return [...pushed]
    .sort((a, b) => (a.kioskId < b.kioskId ? -1 : a.kioskId > b.kioskId ? 1 : 0))
    .map(({ kioskId, e }) => [
      kioskId,
      '', // no campaign: no number, name, company, phone, code or first visit
      '',
      '',
      '',
      '',
      '',
      e.event === 'subscribe' ? '新关注' : '扫码',
      formatLocalTime(e.createTime * 1000),
      formatLocalTime(e.receivedAt),
      esc(e.openid),
      esc(e.scene),
      '', // whether the kiosk's pool knew the ticket: only the kiosk can tell
      '否',
      '',
      e.id,
    ])
}

/** The kiosk export's columns, in its order, with the booth first (contract v2). */
const HEADER = [
  '签到台',
  '签到号',
  '姓名',
  '单位',
  '电话',
  '编号',
  '首次到访',
  '类型',
  '扫码时间',
  '接收时间',
  'OpenID',
  '场景值',
  '未知二维码',
  '备用码',
  '活动',
  '事件ID',
]

describe.each(backends)('attendance API ($name store)', ({ name, open }) => {
  it('CSV: BOM, header, every row once in kiosk order, formulas escaped, a filename', async () => {
    const store = await open()
    const s = await serve(store)
    try {
      const pushed = await fill(store)
      await store.appendEvent('booth-a', pushed[1]!.e) // a retry: still once
      const res = await fetch(`${s.url}/console/api/attendance?format=csv`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
      expect(res.headers.get('content-disposition')).toMatch(
        /^attachment; filename="scandesk-attendance-\d{8}-\d{4}\.csv"$/,
      )
      const bytes = Buffer.from(await res.arrayBuffer())
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
      const records: string[][] = parse(bytes.subarray(3).toString('utf8'))
      expect(records[0]).toEqual(HEADER)
      expect(HEADER).toEqual(['签到台', ...EXPORT_COLUMNS.map((c) => c.label['zh-CN'])])
      expect(records.slice(1)).toEqual(expectedCells(pushed, true))
    } finally {
      await s.close()
      await store.close()
    }
  })

  it("a campaign's sheet is named after the campaign: filename* (RFC 5987) and an ASCII fallback", async () => {
    const store = await open()
    const s = await serveAttendanceRoutes(store, {
      campaignKiosks: (id) => Promise.resolve(id === 'spring' ? ['booth-a'] : null),
      campaignNames: (id) =>
        Promise.resolve(
          new Map(id === 'spring' ? [['spring', ' 春季展会/A\\B: *?"<>| 2026 ']] : []),
        ),
    })
    try {
      for (const [method, locale, word] of [
        ['GET', 'zh-CN', '签到记录'],
        ['HEAD', 'en', 'attendance'],
      ] as const) {
        const res = await fetch(
          `${s.url}/console/api/attendance?format=xlsx&campaign=spring&locale=${locale}`,
          { method },
        )
        expect(res.status).toBe(200)
        await res.arrayBuffer()
        const cd = res.headers.get('content-disposition') ?? ''
        const m = /^attachment; filename="([!-~]+)"; filename\*=UTF-8''([A-Za-z0-9%._~-]+)$/.exec(
          cd,
        )
        expect(m, cd).not.toBeNull()
        // Browsers without filename*: the campaign's id, ASCII only.
        expect(m![1]).toMatch(/^scandesk-attendance-spring-\d{8}-\d{4}\.xlsx$/)
        // Every browser since 2011: the campaign's name, with what Windows, macOS or a shell
        // cannot take in a file name replaced, in the sheet's language.
        const name = decodeURIComponent(m![2]!)
        expect(name).toMatch(new RegExp(`^春季展会_A_B_ _+ 2026-${word}-\\d{8}-\\d{4}\\.xlsx$`))
      }
    } finally {
      await s.close()
      await store.close()
    }
  })

  it('a campaign whose name holds a lone surrogate still downloads: the file name has _ for it', async () => {
    const store = await open()
    // An API client that cut an emoji in half sends "\ud83c" alone; JSON carries it.
    const s = await serveAttendanceRoutes(store, {
      campaignKiosks: (id) => Promise.resolve(id === 'half' ? ['booth-a'] : null),
      campaignNames: (id) =>
        Promise.resolve(new Map(id === 'half' ? [['half', '春季\ud83c展会\udf89']] : [])),
    })
    try {
      for (const format of ['csv', 'xlsx'] as const) {
        const res = await fetch(`${s.url}/console/api/attendance?format=${format}&campaign=half`)
        await res.arrayBuffer()
        expect(res.status).toBe(200)
        const cd = res.headers.get('content-disposition') ?? ''
        const m = /filename\*=UTF-8''([A-Za-z0-9%._~-]+)$/.exec(cd)
        expect(m, cd).not.toBeNull()
        expect(decodeURIComponent(m![1]!)).toMatch(
          new RegExp(`^春季_展会_-签到记录-\\d{8}-\\d{4}\\.${format}$`),
        )
      }
    } finally {
      await s.close()
      await store.close()
    }
  })

  it("活动 shows the campaign's name: formula-escaped in CSV, text in XLSX, the id when its name is unknown", async () => {
    const store = await open()
    const names = createCampaignNames(store.campaigns)
    const asked: (string | undefined)[] = []
    const s = await serveAttendanceRoutes(store, {
      campaignKiosks: (id) => Promise.resolve(id === 'spring' ? ['booth-a'] : null),
      // A campaign whose name is not known (the relay cannot remove one today; were it gone):
      // 'gone' is left out of what the store answers.
      campaignNames: async (id) => {
        asked.push(id)
        const known = new Map(await names(id))
        known.delete('gone')
        return known
      },
    })
    try {
      await addKiosk(store, 'booth-a')
      const formulaName = '=HYPERLINK("http://x","点我")'
      for (const [id, name] of [
        ['spring', '2026 春季发布会'],
        ['evil', formulaName],
        ['gone', 'Gone'],
      ] as const) {
        await store.campaigns.createCampaign(
          { ...campaignBody({ name }), id, screenKey: 'k'.repeat(43) },
          0,
        )
      }
      await store.appendEvent('booth-a', ev('booth-a', 'o1'), 'spring')
      await store.appendEvent('booth-a', ev('booth-a', 'o2'), 'evil')
      // Counted in a campaign whose name is unknown (its id stays), then in none (empty).
      await store.appendEvent('booth-a', ev('booth-a', 'o3'), 'gone')
      await store.appendEvent('booth-a', ev('booth-a', 'o4'))
      await store.appendEvent('booth-a', ev('booth-a', 'o5'), 'spring')
      const column = HEADER.indexOf('活动')
      const csv = async (query: string): Promise<string[]> => {
        const text = await (await fetch(`${s.url}/console/api/attendance?${query}`)).text()
        const rows: string[][] = parse(text.slice(1))
        return rows.slice(1).map((r) => r[column] ?? '')
      }
      expect(await csv('format=csv')).toEqual([
        '2026 春季发布会',
        `'${formulaName}`,
        'gone',
        '',
        '2026 春季发布会',
      ])
      expect(await csv('format=csv&campaign=spring')).toEqual([
        '2026 春季发布会',
        '2026 春季发布会',
      ])
      const wb = new ExcelJS.Workbook()
      await wb.xlsx.load(
        await (await fetch(`${s.url}/console/api/attendance?format=xlsx&locale=en`)).arrayBuffer(),
      )
      const cells: unknown[] = []
      wb.worksheets[0]!.eachRow((row) => cells.push(row.getCell(column + 1).value))
      // An inline string, never a formula: the name as the organizer typed it.
      expect(cells).toEqual([
        'Campaign',
        '2026 春季发布会',
        formulaName,
        'gone',
        null,
        '2026 春季发布会',
      ])
      // Once per export (every campaign, or the one in scope), not once per row.
      expect(asked).toEqual([undefined, 'spring', undefined])
    } finally {
      await s.close()
      await store.close()
    }
  })

  it('HEAD answers the export headers without reading a row', async () => {
    const store = await open()
    const counting = countingReader(store.attendance)
    let lookups = 0
    const s = await serveAttendanceRoutes(
      { attendance: counting.reader, subscribe: (l) => store.subscribe(l) },
      {
        campaignKiosks: (id) => Promise.resolve(id === 'c-one' ? ['booth-a'] : null),
        rally: {
          completed: () => Promise.resolve(null),
          completion: () => Promise.resolve((lookups++, null)),
        },
        people: () => Promise.resolve((lookups++, null)),
      },
    )
    try {
      await fill(store)
      for (const format of ['csv', 'xlsx'] as const) {
        const path = `/console/api/attendance?format=${format}`
        const got = await fetch(s.url + path)
        await got.arrayBuffer()
        const taken = counting.handedOut()
        expect(taken).toBeGreaterThan(0)
        const head = await fetch(s.url + path, { method: 'HEAD' })
        expect(head.status).toBe(200)
        for (const h of ['content-type', 'content-disposition', 'cache-control']) {
          expect(head.headers.get(h), h).toBe(got.headers.get(h))
        }
        expect(await head.text()).toBe('')
        // Nothing read for it: not a row, not the rally's or roster's lookups.
        expect(counting.handedOut()).toBe(taken)
      }
      expect(lookups).toBe(4) // the two GETs' only
      const unknown = await fetch(`${s.url}/console/api/attendance?format=csv&campaign=c-x`, {
        method: 'HEAD',
      })
      expect(unknown.status).toBe(404)
    } finally {
      await s.close()
      await store.close()
    }
  })

  it('XLSX reads back with exceljs: the same rows, text kept as text', async () => {
    const store = await open()
    const s = await serve(store)
    try {
      const pushed = await fill(store)
      const res = await fetch(`${s.url}/console/api/attendance?format=xlsx&locale=en`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-disposition')).toMatch(/\.xlsx"$/)
      const wb = new ExcelJS.Workbook()
      await wb.xlsx.load(await res.arrayBuffer())
      const rows: string[][] = []
      wb.worksheets[0]!.eachRow((row) => {
        // An empty cell is absent, and exceljs ends a row at its last cell.
        // A date-time comes back as a Date whose UTC fields are the sheet's wall clock.
        const values = (row.values as (string | number | Date | undefined)[]).slice(1)
        const text = (v: string | number | Date | undefined): string =>
          v instanceof Date ? v.toISOString().slice(0, 19).replace('T', ' ') : String(v ?? '')
        rows.push(Array.from({ length: 16 }, (_, i) => text(values[i])))
      })
      expect(rows[0]).toEqual(['Booth', ...EXPORT_COLUMNS.map((c) => c.label.en)])
      const want = expectedCells(pushed, false).map((r) => [
        ...r.slice(0, 7),
        r[7] === '新关注' ? 'New follower' : 'Scan',
        ...r.slice(8, 13),
        'no',
        ...r.slice(14),
      ])
      expect(rows.slice(1)).toEqual(want)
    } finally {
      await s.close()
      await store.close()
    }
  })

  it('JSON pages and stats follow the schemas; a campaign narrows both', async () => {
    const store = await open()
    // spring names booth-a and booth-c; booth-b ran it for one scan, then left it.
    const s = await serve(store, { spring: ['booth-a', 'booth-c'] })
    try {
      const pushed = await fill(store)
      await store.campaigns.createCampaign(
        { ...campaignBody(), id: 'spring', screenKey: 'k'.repeat(43) },
        0,
      )
      await store.appendEvent('booth-a', ev('booth-a', 'oS1'), 'spring')
      await store.appendEvent('booth-a', ev('booth-a', 'oS2'), 'spring')
      await store.appendEvent('booth-b', ev('booth-b', 'oS1'), 'spring')
      await store.appendEvent('booth-b', ev('booth-b', 'oAfter'))
      const page = consoleAttendancePageSchema.parse(
        await (await fetch(`${s.url}/console/api/attendance?q=booth-b&limit=1&offset=1`)).json(),
      )
      expect(page.total).toBe(4) // two of fill's, and two below
      expect(page.rows).toEqual([
        {
          kioskId: 'booth-b',
          eventId: pushed[3]!.e.id,
          openid: '-oC',
          event: 'scan',
          scene: pushed[3]!.e.scene,
          ticket: pushed[3]!.e.ticket,
          fallback: false,
          scannedAt: pushed[3]!.e.createTime * 1000,
          receivedAt: pushed[3]!.e.receivedAt,
          number: null,
          name: null, // no campaign, so no roster
        },
      ])
      // The rows that counted in spring, wherever their booth runs now.
      const scoped = consoleAttendancePageSchema.parse(
        await (await fetch(`${s.url}/console/api/attendance?campaign=spring`)).json(),
      )
      expect(scoped.rows.map((r) => [r.kioskId, r.openid, r.number])).toEqual([
        ['booth-a', 'oS1', 1],
        ['booth-a', 'oS2', 2],
        ['booth-b', 'oS1', 1],
      ])
      const stats = consoleStatsSchema.parse(
        await (await fetch(`${s.url}/console/api/stats?campaign=spring`)).json(),
      )
      expect(stats).toMatchObject({ scans: 3, visitors: 2, returning: 1, newFollowers: 0 })
      expect(stats.perKiosk).toEqual([
        { id: 'booth-a', scans: 2, visitors: 2 },
        { id: 'booth-b', scans: 1, visitors: 1 },
        { id: 'booth-c', scans: 0, visitors: 0 },
      ])
      const csv = await (
        await fetch(`${s.url}/console/api/attendance?format=csv&campaign=spring`)
      ).text()
      expect(csv.split('\r\n').filter(Boolean)).toHaveLength(4)
    } finally {
      await s.close()
      await store.close()
    }
  })

  it('refuses bad query strings with 400 (or 404 for an unknown campaign), changing nothing', async () => {
    const store = await open()
    const s = await serve(store)
    try {
      await fill(store)
      for (const q of [
        'format=pdf',
        'limit=0',
        'limit=501',
        'offset=-1',
        'offset=1e3',
        'format=csv&format=xlsx',
        'q=' + 'x'.repeat(65),
        'locale=fr',
        'sort=openid',
        'campaign=',
      ]) {
        const res = await fetch(`${s.url}/console/api/attendance?${q}`)
        expect(res.status, q).toBe(400)
        expect(await res.json()).toMatchObject({ error: { code: 'bad_request' } })
      }
      expect((await fetch(`${s.url}/console/api/stats?kiosk=booth-a`)).status).toBe(400)
      expect((await fetch(`${s.url}/console/api/stats?campaign=nope`)).status).toBe(404)
      expect((await fetch(`${s.url}/console/api/attendance?campaign=nope&format=csv`)).status).toBe(
        404,
      )
      const stats = consoleStatsSchema.parse(
        await (await fetch(`${s.url}/console/api/stats`)).json(),
      )
      expect(stats.scans).toBe(4)
    } finally {
      await s.close()
      await store.close()
    }
  })

  it('streams a large export: a reader that stops reading stops the store reads', async () => {
    const store = await open()
    const total = 20_000
    try {
      await seedLongRows(store, total)
      // Counts the rows the export has taken from the store.
      const counting = countingReader(store.attendance)
      const s = await serve({ attendance: counting.reader, subscribe: (l) => store.subscribe(l) })
      try {
        const res = await new Promise<IncomingMessage>((resolve, reject) =>
          get(`${s.url}/console/api/attendance?format=csv`, resolve).on('error', reject),
        )
        res.pause()
        // Wait until the export stalls on the paused reader.
        await counting.stalled(res, s)
        expect(counting.handedOut()).toBeGreaterThan(0)
        expect(counting.handedOut()).toBeLessThan(total / 2)
        let lines = 0
        let tail = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          const parts = (tail + chunk).split('\r\n')
          tail = parts.pop() ?? ''
          lines += parts.length
        })
        res.resume()
        await new Promise((r) => res.once('end', r))
        expect(lines).toBe(total + 1)
        expect(counting.handedOut()).toBe(total)
      } finally {
        await s.close()
      }
    } finally {
      await store.close()
    }
  }, 60_000)

  it('a download the organizer abandons stops the store reads and is logged as abandoned, not exported; a whole one as exported', async () => {
    const store = await open()
    const total = 20_000
    try {
      await seedLongRows(store, total)
      const counting = countingReader(store.attendance)
      const lines: string[] = []
      const s = await serveAttendanceRoutes(
        { attendance: counting.reader, subscribe: (l) => store.subscribe(l) },
        { log: jsonLogger((l) => lines.push(l)) },
      )
      const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>)
      try {
        // The organizer's browser takes 1 MB of the sheet, then the download is cancelled.
        await abandonAfter(`${s.url}/console/api/attendance?format=csv`, 1024 * 1024)
        await until(() => counting.finished(), 'the store reads ended', 10_000)
        // The store's reads ended (SQLite's pages, Redis's read ahead), well short of the sheet.
        expect(counting.finished()).toBe(true)
        expect(counting.handedOut()).toBeLessThan(total)
        await until(() => logged().length > 0, 'the export logged', 10_000)
        expect(logged().map((l) => [l.level, l.msg])).toEqual([
          ['warn', 'attendance export abandoned by the client'],
        ])
        const [line] = logged()
        expect(line?.rows).toBeLessThan(total)
        expect(line?.format).toBe('csv')
        // A download read to its end is logged as exported, every row counted.
        lines.length = 0
        await (await fetch(`${s.url}/console/api/attendance?format=xlsx`)).arrayBuffer()
        await until(() => logged().length > 0, 'the export logged', 10_000)
        expect(logged().map((l) => [l.level, l.msg, l.rows])).toEqual([
          ['info', 'attendance exported', total],
        ])
      } finally {
        await s.close()
      }
    } finally {
      await store.close()
    }
  }, 60_000)

  // SQLite: the download is one snapshot, none of them in it. Redis: booth by booth.
  it('scans stored while a download streams: none in it (SQLite), or those of booths not done yet (Redis); each whole, none twice', async () => {
    const store = await open()
    const total = 20_000
    try {
      // Booth k0 sorts first: the download is past it while it streams k1's long rows.
      await addKiosk(store, 'k0')
      const early = [scanEvent('k0', 'o-early-1'), scanEvent('k0', 'o-early-2')]
      for (const e of early) await store.appendEvent('k0', e)
      await seedLongRows(store, total)
      const counting = countingReader(store.attendance)
      const s = await serveAttendanceRoutes({
        attendance: counting.reader,
        subscribe: (l) => store.subscribe(l),
      })
      try {
        const res = await new Promise<IncomingMessage>((resolve, reject) =>
          get(`${s.url}/console/api/attendance?format=csv`, resolve).on('error', reject),
        )
        res.pause()
        await counting.stalled(res, s)
        // Stalled in k1's rows: k0 is written, k1 partly, k2 not yet.
        expect(counting.handedOut()).toBeGreaterThan(early.length)
        expect(counting.handedOut()).toBeLessThan(total / 2)
        const during = { k0: scanEvent('k0', 'o-during-0'), k1: scanEvent('k1', 'o-during-1') }
        const k2 = scanEvent('k2', 'o-during-2')
        await store.appendEvent('k0', during.k0)
        await store.appendEvent('k1', during.k1)
        await store.appendEvent('k2', k2)
        await store.attendance.settled() // SQLite: the rows built, as they are within moments
        res.resume()
        const chunks: Buffer[] = []
        for await (const chunk of res) chunks.push(chunk as Buffer)
        const records: string[][] = parse(Buffer.concat(chunks).subarray(3).toString('utf8'))
        const ids = records.slice(1).map((r) => r[r.length - 1])
        expect(records.every((r) => r.length === HEADER.length)).toBe(true)
        expect(new Set(ids).size).toBe(ids.length)
        expect(ids).not.toContain(during.k0.id)
        if (name === 'sqlite') {
          expect(ids).not.toContain(during.k1.id)
          expect(ids).not.toContain(k2.id)
          expect(ids).toHaveLength(early.length + total)
        } else {
          expect(ids).toContain(during.k1.id)
          expect(ids).toContain(k2.id)
          expect(ids).toHaveLength(early.length + total + 2)
        }
        // The next download has it: nothing stored is missing from a sheet begun after it.
        const next = await (await fetch(`${s.url}/console/api/attendance?format=csv`)).text()
        const nextRecords: string[][] = parse(next.slice(1))
        const nextIds = nextRecords.slice(1).map((r) => r[r.length - 1])
        expect(nextIds).toHaveLength(early.length + total + 3)
        expect(nextIds).toContain(during.k0.id)
      } finally {
        await s.close()
      }
    } finally {
      await store.close()
    }
  }, 120_000) // 40-53 s with two busy loops on 2 cores (seeding 40 MB, two downloads)
})
