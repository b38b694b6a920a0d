// A multi-day event as the organizer reads it: `GET /console/api/stats/days` (each local day with
// a scan, in the relay's zone) and `day=YYYY-MM-DD` on `/console/api/attendance` (table, CSV,
// XLSX), on both stores, in a zone without DST (Asia/Shanghai, UTC+8 all year) and one whose
// offset changes during the event (Europe/Berlin, 29 March 2026: a 23-hour day).
import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { consoleAttendancePageSchema, consoleStatsDaysSchema } from '../../shared/console-api'
import { SHEET_LABELS } from '../../shared/export/cells'
import { addKiosk, scanEvent, serveAttendanceRoutes } from './attendance-helpers'
import { campaignBody } from './campaign-helpers'
import { storeBackends } from './store-backends'

const backends = storeBackends('att-days')

interface Scan {
  kioskId: string
  openid: string
  /** UTC instant the relay received it. */
  at: number
  /** The local day it must count in. */
  day: string
  subscribe?: boolean
}

/**
 * Scans on each side of each local midnight. A day counted in UTC, or with the offset of the
 * event's first day, puts some of them on the wrong day.
 */
const zones: { zone: string; scans: Scan[] }[] = [
  {
    zone: 'Asia/Shanghai',
    scans: [
      // 23:50 on 3 Dec and 00:10 on 4 Dec in Shanghai: one UTC day, two local ones.
      { kioskId: 'booth-a', openid: 'oA', at: Date.UTC(2026, 11, 3, 15, 50), day: '2026-12-03' },
      {
        kioskId: 'booth-b',
        openid: 'oB',
        at: Date.UTC(2026, 11, 3, 16, 10),
        day: '2026-12-04',
        subscribe: true,
      },
      { kioskId: 'booth-a', openid: 'oA', at: Date.UTC(2026, 11, 4, 4, 0), day: '2026-12-04' },
      { kioskId: 'booth-a', openid: 'oB', at: Date.UTC(2026, 11, 4, 15, 59), day: '2026-12-04' },
      { kioskId: 'booth-b', openid: 'oC', at: Date.UTC(2026, 11, 5, 1, 0), day: '2026-12-05' },
    ],
  },
  {
    zone: 'Europe/Berlin',
    scans: [
      // 23:55 on 28 March (UTC+1), 00:05 on 29 March.
      { kioskId: 'booth-a', openid: 'oA', at: Date.UTC(2026, 2, 28, 22, 55), day: '2026-03-28' },
      {
        kioskId: 'booth-b',
        openid: 'oB',
        at: Date.UTC(2026, 2, 28, 23, 5),
        day: '2026-03-29',
        subscribe: true,
      },
      // 23:55 on 29 March and 00:05 on 30 March, now UTC+2.
      { kioskId: 'booth-a', openid: 'oA', at: Date.UTC(2026, 2, 29, 21, 55), day: '2026-03-29' },
      { kioskId: 'booth-b', openid: 'oC', at: Date.UTC(2026, 2, 29, 22, 5), day: '2026-03-30' },
      { kioskId: 'booth-a', openid: 'oB', at: Date.UTC(2026, 2, 30, 9, 0), day: '2026-03-30' },
    ],
  },
]

/** What each day must count: brute force over the scans. */
function expectedDays(scans: readonly Scan[]): {
  day: string
  scans: number
  visitors: number
  newFollowers: number
}[] {
  const days = [...new Set(scans.map((s) => s.day))].sort()
  return days.map((day) => {
    const of = scans.filter((s) => s.day === day)
    return {
      day,
      scans: of.length,
      visitors: new Set(of.map((s) => s.openid)).size,
      newFollowers: of.filter((s) => s.subscribe === true).length,
    }
  })
}

describe.each(backends)('attendance by day on $name', ({ open }) => {
  describe.each(zones)('in $zone', ({ zone, scans }) => {
    it('counts each local day, and the table and both sheets hold that day only', async () => {
      const saved = process.env.TZ
      process.env.TZ = zone
      const store = await open()
      const s = await serveAttendanceRoutes(store, {
        campaignKiosks: (id) => Promise.resolve(id === 'expo' ? ['booth-a', 'booth-b'] : null),
      })
      try {
        await addKiosk(store, 'booth-a')
        await addKiosk(store, 'booth-b')
        for (const id of ['expo', 'other']) {
          await store.campaigns.createCampaign(
            { ...campaignBody(), id, screenKey: 'k'.repeat(43) },
            0,
          )
        }
        /** Event ids by day, in the sheet's order (kiosk id, then the order stored). */
        const ids: { kioskId: string; id: string; day: string }[] = []
        for (const scan of scans) {
          const e = scanEvent(scan.kioskId, scan.openid, {
            receivedAt: scan.at,
            createTime: Math.floor(scan.at / 1000),
            ...(scan.subscribe === true && { event: 'subscribe' }),
          })
          await store.appendEvent(scan.kioskId, e, 'expo')
          ids.push({ kioskId: scan.kioskId, id: e.id, day: scan.day })
        }
        // Another campaign's scan on the busiest day: never in the expo's counts or sheets.
        const other = scans[2] as Scan
        const otherScan = scanEvent('booth-a', 'oZ', { receivedAt: other.at + 60_000 })
        await store.appendEvent('booth-a', otherScan, 'other')
        const otherId = otherScan.id
        const ordered = [...ids].sort((a, b) =>
          a.kioskId < b.kioskId ? -1 : a.kioskId > b.kioskId ? 1 : 0,
        )

        const daysRes = await fetch(`${s.url}/console/api/stats/days?campaign=expo`)
        expect(daysRes.status).toBe(200)
        const days = consoleStatsDaysSchema.parse(await daysRes.json())
        expect(days.timeZone).toBe(zone)
        expect(days.days).toEqual(expectedDays(scans))
        // Every campaign: the other campaign's scan counts on its day too.
        const all = consoleStatsDaysSchema.parse(
          await (await fetch(`${s.url}/console/api/stats/days`)).json(),
        )
        expect(all.days.find((d) => d.day === other.day)?.scans).toBe(
          scans.filter((x) => x.day === other.day).length + 1,
        )

        const table = async (query: string) => {
          const res = await fetch(`${s.url}/console/api/attendance?campaign=expo&${query}`)
          expect(res.status).toBe(200)
          return consoleAttendancePageSchema.parse(await res.json())
        }
        // No day: every day's rows, as before.
        expect((await table('')).total).toBe(scans.length)
        const openidColumn = SHEET_LABELS.openid['zh-CN']
        for (const { day } of days.days) {
          const want = ordered.filter((r) => r.day === day).map((r) => r.id)
          const page = await table(`day=${day}`)
          expect(page.total).toBe(want.length)
          expect(page.rows.map((r) => r.eventId)).toEqual(want)
          // Paged: the second row on.
          expect((await table(`day=${day}&offset=1&limit=1`)).rows.map((r) => r.eventId)).toEqual(
            want.slice(1, 2),
          )
          // Every campaign's rows that day (the other campaign's scan too), each offset of it:
          // a page starting in either booth, or past the end.
          const everyRow = [
            ...ordered.filter((r) => r.day === day && r.kioskId === 'booth-a').map((r) => r.id),
            ...(day === other.day ? [otherId] : []),
            ...ordered.filter((r) => r.day === day && r.kioskId === 'booth-b').map((r) => r.id),
          ]
          const unscoped = async (query: string) =>
            consoleAttendancePageSchema.parse(
              await (await fetch(`${s.url}/console/api/attendance?${query}`)).json(),
            )
          expect((await unscoped(`day=${day}`)).rows.map((r) => r.eventId)).toEqual(everyRow)
          expect((await unscoped(`day=${day}&offset=1`)).rows.map((r) => r.eventId)).toEqual(
            everyRow.slice(1),
          )
          for (let offset = 0; offset <= everyRow.length; offset++) {
            const page = await unscoped(`day=${day}&offset=${offset}&limit=1`)
            expect(page.total).toBe(everyRow.length)
            expect(page.rows.map((r) => r.eventId)).toEqual(everyRow.slice(offset, offset + 1))
          }
          // With a search: that day's rows of the visitor only.
          const oA = await table(`day=${day}&q=oA`)
          expect(oA.rows.map((r) => r.openid)).toEqual(
            scans.filter((x) => x.day === day && x.openid === 'oA').map(() => 'oA'),
          )

          const csv = await fetch(
            `${s.url}/console/api/attendance?campaign=expo&format=csv&day=${day}`,
          )
          expect(csv.status).toBe(200)
          expect(csv.headers.get('content-disposition')).toMatch(
            new RegExp(
              `^attachment; filename="scandesk-attendance-expo-day-${day}-\\d{8}-\\d{4}\\.csv"`,
            ),
          )
          const records: string[][] = parse((await csv.text()).slice(1))
          const col = (records[0] ?? []).indexOf(openidColumn)
          expect(col).toBeGreaterThanOrEqual(0)
          const wantOpenids = ordered
            .filter((r) => r.day === day)
            .map((r) => scans[ids.indexOf(r)]?.openid)
          expect(records.slice(1).map((r) => r[col])).toEqual(wantOpenids)

          const xlsx = await fetch(
            `${s.url}/console/api/attendance?campaign=expo&format=xlsx&day=${day}&locale=en`,
          )
          const wb = new ExcelJS.Workbook()
          await wb.xlsx.load(await xlsx.arrayBuffer())
          expect(wb.worksheets[0]?.rowCount).toBe(want.length + 1)
        }
        // A day without a scan: nothing, not an error.
        expect((await table('day=2026-01-01')).total).toBe(0)
      } finally {
        await s.close()
        await store.close()
        if (saved === undefined) delete process.env.TZ
        else process.env.TZ = saved
      }
    })
  })

  it('refuses a day that is not a date with a 400 naming it, and reads nothing', async () => {
    const store = await open()
    const s = await serveAttendanceRoutes(store, {
      campaignKiosks: (id) => Promise.resolve(id === 'expo' ? ['booth-a'] : null),
    })
    try {
      for (const day of ['2026-02-30', '2026-2-3', 'today', '2026-12-04T00:00', '', '1999-12-31']) {
        for (const format of ['json', 'csv']) {
          const res = await fetch(
            `${s.url}/console/api/attendance?campaign=expo&format=${format}&day=${encodeURIComponent(day)}`,
          )
          expect(res.status, day).toBe(400)
          const body = (await res.json()) as { error?: { message?: string } }
          expect(JSON.stringify(body)).toContain('day')
        }
      }
      const twice = await fetch(`${s.url}/console/api/attendance?day=2026-12-04&day=2026-12-05`)
      expect(twice.status).toBe(400)
      // The days list takes the stats' parameters only.
      expect((await fetch(`${s.url}/console/api/stats/days?day=2026-12-04`)).status).toBe(400)
      expect((await fetch(`${s.url}/console/api/stats/days?campaign=nope`)).status).toBe(404)
      expect((await fetch(`${s.url}/console/api/stats/days?campaign=a{b}`)).status).toBe(400)
    } finally {
      await s.close()
      await store.close()
    }
  })
})
