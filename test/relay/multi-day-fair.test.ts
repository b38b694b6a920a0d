// A three-day fair (1–3 December 2026) at a venue in Asia/Shanghai, read on the morning of day 2,
// on both stores: the booths' scans today, the stats' timeline and its returning visitors, and
// the per-day view, each cut at the venue's midnight (16:00 UTC), not UTC's; the all-days
// totals equal the sum of the days. Scans at 23:55 and 00:05 local fall on one UTC day and two
// local ones; the booths page's remembered sums of closed slots are read across that midnight.
// Day 1's visitors keep their numbers on day 2 (the returning greeting's), and with
// stopAfterEndsAt the fair ends at the venue's midnight after day 3.
import { describe, expect, it } from 'vitest'
import {
  consoleAttendancePageSchema,
  consoleStatsDaysSchema,
  consoleStatsSchema,
} from '../../shared/console-api'
import { soFarToday } from '../../relay/attendance/routes'
import { campaignEnded } from '../../relay/scan-rules'
import { addKiosk, scanEvent, serveAttendanceRoutes } from './attendance-helpers'
import { campaignBody } from './campaign-helpers'
import { storeBackends } from './store-backends'

const backends = storeBackends('fair')

/** `hh:mm` in Shanghai on December `d` 2026, as a UTC instant. */
const local = (d: number, hh: number, mm: number): number => Date.UTC(2026, 11, d, hh - 8, mm)

const BOOTHS = ['booth-a', 'booth-b']

describe.each(backends)('a three-day fair on $name', ({ open }) => {
  it('counts today from the venue’s midnight, and the days add up to the totals', async () => {
    const saved = process.env.TZ
    process.env.TZ = 'Asia/Shanghai'
    const store = await open()
    let now = local(1, 9, 0)
    const s = await serveAttendanceRoutes(store, {
      now: () => now,
      campaignKiosks: (id) => Promise.resolve(id === 'expo' ? BOOTHS : null),
    })
    try {
      for (const k of BOOTHS) await addKiosk(store, k)
      await store.campaigns.createCampaign(
        { ...campaignBody(), id: 'expo', screenKey: 'k'.repeat(43) },
        0,
      )
      const scan = async (kioskId: string, openid: string, at: number, subscribe = false) => {
        now = at
        const e = scanEvent(kioskId, openid, {
          receivedAt: at,
          createTime: Math.floor(at / 1000),
          ...(subscribe && { event: 'subscribe' }),
        })
        expect((await store.appendEvent(kioskId, e, 'expo')).status).toBe('stored')
      }
      /** The booths page's "scans today" at `at` (it remembers closed slots' sums). */
      const today = async (at: number) => {
        now = at
        const m = await store.attendance.scansToday(BOOTHS, soFarToday(at))
        return BOOTHS.map((k) => m.get(k) ?? 0)
      }

      // Day 1.
      await scan('booth-a', 'oA', local(1, 9, 5), true)
      await scan('booth-b', 'oB', local(1, 17, 50))
      expect(await today(local(1, 20, 0))).toEqual([1, 1])
      await scan('booth-a', 'oC', local(1, 23, 55))
      expect(await today(local(1, 23, 58))).toEqual([2, 1])
      // Day 2 starts at 16:00 UTC on 1 December: a scan five minutes later is day 2's.
      await scan('booth-a', 'oD', local(2, 0, 5), true)
      expect(await today(local(2, 0, 8))).toEqual([1, 0])
      expect(await today(local(2, 7, 0))).toEqual([1, 0])
      // Day 1's visitors back on day 2 morning, each at the other booth.
      await scan('booth-b', 'oA', local(2, 9, 20))
      await scan('booth-a', 'oB', local(2, 9, 25))
      const morning = local(2, 9, 30)
      expect(await today(morning)).toEqual([2, 1])

      now = morning
      for (const scope of ['', '?campaign=expo']) {
        const stats = consoleStatsSchema.parse(
          await (await fetch(`${s.url}/console/api/stats${scope}`)).json(),
        )
        // All days: six scans, four people, the two seen on both days returning.
        expect(stats).toMatchObject({ scans: 6, visitors: 4, newFollowers: 2, returning: 2 })
        // The 10-minute chart: day 2 from the venue's midnight, 144 slots, its three scans.
        const timeline = stats.timeline ?? []
        expect(timeline).toHaveLength(144)
        expect(timeline[0]?.at).toBe(local(2, 0, 0))
        expect(timeline.filter((p) => p.scans > 0)).toEqual([
          { at: local(2, 0, 0), scans: 1 },
          { at: local(2, 9, 20), scans: 2 },
        ])

        const days = consoleStatsDaysSchema.parse(
          await (await fetch(`${s.url}/console/api/stats/days${scope}`)).json(),
        )
        expect(days.timeZone).toBe('Asia/Shanghai')
        expect(days.days).toEqual([
          { day: '2026-12-01', scans: 3, visitors: 3, newFollowers: 1 },
          { day: '2026-12-02', scans: 3, visitors: 3, newFollowers: 1 },
        ])
        const sum = (f: 'scans' | 'newFollowers') => days.days.reduce((n, d) => n + d[f], 0)
        expect(sum('scans')).toBe(stats.scans)
        expect(sum('newFollowers')).toBe(stats.newFollowers)
      }
      // Day 1's visitors keep their day-1 numbers on day 2, at the other booth: the booth greets
      // them as returning with that number. Day 2's newcomer takes the next one.
      const rows = consoleAttendancePageSchema.parse(
        await (await fetch(`${s.url}/console/api/attendance?campaign=expo&limit=100`)).json(),
      ).rows
      const numbers = (openid: string) =>
        rows
          .filter((r) => r.openid === openid)
          .sort((a, b) => a.receivedAt - b.receivedAt)
          .map((r) => [r.kioskId, r.number])
      expect(numbers('oA')).toEqual([
        ['booth-a', 1],
        ['booth-b', 1],
      ])
      expect(numbers('oB')).toEqual([
        ['booth-b', 2],
        ['booth-a', 2],
      ])
      expect(numbers('oD')).toEqual([['booth-a', 4]])
    } finally {
      await s.close()
      await store.close()
      if (saved === undefined) delete process.env.TZ
      else process.env.TZ = saved
    }
  })
})

describe('the fair’s last day (stopAfterEndsAt)', () => {
  it('counts day 3 to the venue’s midnight, and ends it there, not at UTC’s', () => {
    const saved = process.env.TZ
    process.env.TZ = 'Asia/Shanghai'
    try {
      const fair = { endsAt: '2026-12-03' }
      // Day 1 and day 3's last minute count; 00:01 on 4 December (16:01 UTC on the 3rd) does not.
      expect(campaignEnded(fair, local(1, 9, 0))).toBe(false)
      expect(campaignEnded(fair, local(3, 23, 59))).toBe(false)
      expect(campaignEnded(fair, local(4, 0, 1))).toBe(true)
      expect(campaignEnded({ endsAt: null }, local(30, 0, 0))).toBe(false)
    } finally {
      if (saved === undefined) delete process.env.TZ
      else process.env.TZ = saved
    }
  })
})
