// The kiosk's stats chart: one bar per 10-minute bucket of the whole campaign, which runs for
// days. Labels carry the date when the buckets span more than one local day, so the second
// morning's 09:00 is not a second "09:00" beside the first. TZ is set for this process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bucketTimeLabel } from '../../renderer/src/admin/stats-charts'

const zoneBefore = process.env.TZ
beforeAll(() => {
  process.env.TZ = 'Asia/Shanghai'
})
afterAll(() => {
  if (zoneBefore === undefined) delete process.env.TZ
  else process.env.TZ = zoneBefore
})

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
