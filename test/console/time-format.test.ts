// Times in the console and the kiosk's admin pages (shared/format.ts): 24-hour, midnight as 00,
// in English too. Browsers before ECMA-402's 2023 change (Chrome before 119, Node 20's V8 that
// runs this test) render `hour12: false` as h24 in English: 00:05 came out as "24:05".
// Dates in English name the month ("2 May 2026"): "05/02/2026" reads as 5 February to most
// readers outside the US. Chinese writes the year first (2026/05/02), which no one misreads.
import { describe, expect, it } from 'vitest'
import {
  formatDateTime,
  formatDayTime,
  formatTime,
  usableZone,
  wallClockIn,
} from '../../shared/format'
import { inTimeZone } from '../helpers/time-zone'

inTimeZone('Asia/Shanghai')

describe('24-hour times', () => {
  // 2026-05-02 00:05:09 in China.
  const justAfterMidnight = Date.UTC(2026, 4, 1, 16, 5, 9)

  it('writes the hour after midnight as 00 in both languages', () => {
    expect(formatTime(justAfterMidnight, 'en')).toBe('00:05')
    expect(formatTime(justAfterMidnight, 'zh-CN')).toBe('00:05')
    expect(formatDateTime(justAfterMidnight, 'en')).toBe('2 May 2026, 00:05:09')
    expect(formatDateTime(justAfterMidnight, 'zh-CN')).toBe('2026/05/02 00:05:09')
  })

  it('keeps the afternoon in 24-hour form', () => {
    const afternoon = justAfterMidnight + 14 * 3_600_000
    expect(formatTime(afternoon, 'en')).toBe('14:05')
    expect(formatTime(afternoon, 'zh-CN')).toBe('14:05')
  })

  it("writes a time in the zone it is given (the relay's), this computer's for a zone unknown", () => {
    // 00:05 in China is 12:05 the day before in New York (EDT) and 16:05 in UTC.
    expect(formatTime(justAfterMidnight, 'zh-CN', 'America/New_York')).toBe('12:05')
    expect(formatTime(justAfterMidnight, 'en', 'UTC')).toBe('16:05')
    // A name this engine does not know (a newer relay's, a typo in its TZ): no RangeError.
    expect(formatTime(justAfterMidnight, 'en', 'Mars/Olympus_Mons')).toBe('00:05')
  })

  it("writes a date and time in the zone it is given (the relay's), this computer's for a zone unknown", () => {
    // 2026-05-02 00:05:09 in China: 1 May 12:05:09 in New York, 1 May 16:05:09 in UTC.
    expect(formatDateTime(justAfterMidnight, 'zh-CN', 'America/New_York')).toBe(
      '2026/05/01 12:05:09',
    )
    expect(formatDateTime(justAfterMidnight, 'en', 'UTC')).toBe('1 May 2026, 16:05:09')
    expect(formatDateTime(justAfterMidnight, 'en', 'Asia/Shanghai')).toBe('2 May 2026, 00:05:09')
    expect(formatDateTime(justAfterMidnight, 'en', 'Mars/Olympus_Mons')).toBe(
      '2 May 2026, 00:05:09',
    )
    expect(formatDateTime(justAfterMidnight, 'zh-CN', 'Mars/Olympus_Mons')).toBe(
      '2026/05/02 00:05:09',
    )
  })

  it('names the month in English dates, never day and month as two numbers', () => {
    // 2026-12-05 14:03:07 and 2026-09-30 09:00:00 in China.
    const december = Date.UTC(2026, 11, 5, 6, 3, 7)
    const september = Date.UTC(2026, 8, 30, 1, 0, 0)
    expect(formatDateTime(december, 'en')).toBe('5 Dec 2026, 14:03:07')
    expect(formatDateTime(september, 'en')).toBe('30 Sep 2026, 09:00:00')
    expect(formatDayTime(december, 'en')).toBe('5 Dec, 14:03')
    expect(formatDateTime(december, 'zh-CN')).toBe('2026/12/05 14:03:07')
    expect(formatDayTime(december, 'zh-CN')).toBe('12/05 14:03')
  })
})

describe('formatters made once per language and zone', () => {
  it('writes each zone’s own time however the calls interleave', () => {
    // 2026-05-02 00:05:09 in China, 2026-05-01 18:05:09 in Berlin.
    const ms = Date.UTC(2026, 4, 1, 16, 5, 9)
    for (let round = 0; round < 2; round++) {
      expect(formatDateTime(ms, 'zh-CN', 'Asia/Shanghai')).toBe('2026/05/02 00:05:09')
      expect(formatDateTime(ms, 'zh-CN', 'Europe/Berlin')).toBe('2026/05/01 18:05:09')
      expect(formatDateTime(ms, 'en', 'Europe/Berlin')).toBe('1 May 2026, 18:05:09')
      expect(formatDateTime(ms, 'en', 'Asia/Shanghai')).toBe('2 May 2026, 00:05:09')
      expect(formatDateTime(ms, 'zh-CN', 'Not/AZone')).toBe('2026/05/02 00:05:09')
    }
  })
})

describe('formatters cached by their options too', () => {
  it('a time, a date-time and a calendar day in the same language and zone each get their own', () => {
    // Three callers share the cache with zh-CN or en-US in Asia/Shanghai: keyed by language and
    // zone alone, whichever came first would write the others' text.
    const ms = Date.UTC(2026, 4, 1, 16, 5, 9)
    for (let round = 0; round < 2; round++) {
      expect(formatTime(ms, 'zh-CN', 'Asia/Shanghai')).toBe('00:05')
      expect(formatDateTime(ms, 'zh-CN', 'Asia/Shanghai')).toBe('2026/05/02 00:05:09')
      expect(wallClockIn(ms, 'Asia/Shanghai')).toEqual({
        year: 2026,
        month: 5,
        day: 2,
        hour: 0,
        minute: 5,
        second: 9,
      })
      expect(formatTime(ms, 'en', 'Asia/Shanghai')).toBe('00:05')
      expect(formatDateTime(ms, 'en', 'Asia/Shanghai')).toBe('2 May 2026, 00:05:09')
    }
  })
})

describe('a fixed offset as the zone (a relay on a POSIX TZ without a whole-hour name)', () => {
  it('writes the offset’s clock time, and says which zones can be used', () => {
    // 2026-05-01 16:05:09 UTC is 21:35:09 at +05:30 and 06:35:09 at -09:30.
    const ms = Date.UTC(2026, 4, 1, 16, 5, 9)
    expect(formatDateTime(ms, 'zh-CN', '+05:30')).toBe('2026/05/01 21:35:09')
    expect(formatDateTime(ms, 'en', '-09:30')).toBe('1 May 2026, 06:35:09')
    expect(formatTime(ms, 'zh-CN', '+05:30')).toBe('21:35')
    expect(usableZone('+05:30')).toBe(true)
    expect(usableZone('Etc/GMT-8')).toBe(true)
    expect(usableZone('CST-8')).toBe(false)
    expect(usableZone('+25:00')).toBe(false)
  })
})
