// The kiosk's stats chart: one bar per 10-minute bucket of the whole campaign, which runs for
// days. Labels carry the date when the buckets span more than one local day, so the second
// morning's 09:00 is not a second "09:00" beside the first. TZ is set for this process.
import { describe, expect, it } from 'vitest'
import { bucketSummary, bucketTimeLabel } from '../../renderer/src/admin/stats-charts'
import { inTimeZone } from '../helpers/time-zone'

inTimeZone('Asia/Shanghai')

const bucket = (start: number) => ({ start, scans: 1, firstVisits: 1, repeats: 0 })
// 2026-05-01 09:00 and 2026-05-02 09:00 in China.
const day1 = Date.UTC(2026, 4, 1, 1, 0)
const day2 = day1 + 86_400_000

describe('stats chart labels', () => {
  it('shows the time alone when every bucket is on one local day', () => {
    const label = bucketTimeLabel([bucket(day1), bucket(day1 + 14 * 3_600_000)], 'zh-CN')
    expect(label(day1)).toBe('09:00')
    // 2026-05-01 23:00 in China, though 2026-05-01 15:00 UTC: the same local day.
    expect(label(day1 + 14 * 3_600_000)).toBe('23:00')
  })

  it('gives each label its date when the buckets span days', () => {
    const zh = bucketTimeLabel([bucket(day1), bucket(day2)], 'zh-CN')
    expect([zh(day1), zh(day2)]).toEqual(['05/01 09:00', '05/02 09:00'])
    const en = bucketTimeLabel([bucket(day1), bucket(day2)], 'en')
    expect([en(day1), en(day2)]).toEqual(['1 May, 09:00', '2 May, 09:00'])
  })

  it('counts a bucket after local midnight as the next day, whatever its UTC date', () => {
    // 2026-05-01 23:50 and 2026-05-02 00:00 in China: both 2026-05-01 in UTC.
    const late = Date.UTC(2026, 4, 1, 15, 50)
    const label = bucketTimeLabel([bucket(late), bucket(late + 600_000)], 'zh-CN')
    expect([label(late), label(late + 600_000)]).toEqual(['05/01 23:50', '05/02 00:00'])
  })
})

describe('stats chart labels on the kiosk core’s clock (kiosk web in a browser elsewhere)', () => {
  it('splits days and writes times in the core’s zone, not the page’s', () => {
    // 09:00 and 23:00 on 1 May in China (the page's zone here) are 15:00 on 30 April and
    // 05:00 on 1 May in Honolulu, where the booth's core runs: two days there, labelled so.
    const late = day1 + 14 * 3_600_000
    const zh = bucketTimeLabel([bucket(day1), bucket(late)], 'zh-CN', 'Pacific/Honolulu')
    expect([zh(day1), zh(late)]).toEqual(['04/30 15:00', '05/01 05:00'])
    const en = bucketTimeLabel([bucket(day1), bucket(late)], 'en', 'Pacific/Honolulu')
    expect([en(day1), en(late)]).toEqual(['30 Apr, 15:00', '1 May, 05:00'])
    // Two days in China, one in Tokyo's +09:00 written as an offset: times alone, Tokyo's.
    const evening = Date.UTC(2026, 4, 1, 15, 50)
    const next = evening + 20 * 60_000
    const tokyo = bucketTimeLabel([bucket(evening), bucket(next)], 'zh-CN', '+09:00')
    expect([tokyo(evening), tokyo(next)]).toEqual(['00:50', '01:10'])
  })

  it('keeps the page’s zone when the core never said (null)', () => {
    const label = bucketTimeLabel([bucket(day1), bucket(day2)], 'zh-CN', null)
    expect([label(day1), label(day2)]).toEqual(['05/01 09:00', '05/02 09:00'])
  })

  it('sums the scans and names the first of the busiest buckets (the chart in words)', () => {
    const at = (start: number, scans: number) => ({ start, scans, firstVisits: scans, repeats: 0 })
    expect(bucketSummary([at(day1, 2), at(day1 + 600_000, 5), at(day1 + 1_200_000, 5)])).toEqual({
      total: 12,
      peak: 5,
      peakStart: day1 + 600_000,
    })
    expect(bucketSummary([])).toEqual({ total: 0, peak: 0, peakStart: null })
  })
})
