// Times in the console and the kiosk's admin pages (shared/format.ts): 24-hour, midnight as 00,
// in English too. Browsers before ECMA-402's 2023 change (Chrome before 119, Node 20's V8 that
// runs this test) render `hour12: false` as h24 in English: 00:05 came out as "24:05".
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatDateTime, formatTime } from '../../shared/format'

const zoneBefore = process.env.TZ
beforeAll(() => {
  process.env.TZ = 'Asia/Shanghai'
})
afterAll(() => {
  if (zoneBefore === undefined) delete process.env.TZ
  else process.env.TZ = zoneBefore
})

describe('24-hour times', () => {
  // 2026-05-02 00:05:09 in China.
  const justAfterMidnight = Date.UTC(2026, 4, 1, 16, 5, 9)

  it('writes the hour after midnight as 00 in both languages', () => {
    expect(formatTime(justAfterMidnight, 'en')).toBe('00:05')
    expect(formatTime(justAfterMidnight, 'zh-CN')).toBe('00:05')
    expect(formatDateTime(justAfterMidnight, 'en')).toBe('05/02/2026, 00:05:09')
    expect(formatDateTime(justAfterMidnight, 'zh-CN')).toBe('2026/05/02 00:05:09')
  })

  it('keeps the afternoon in 24-hour form', () => {
    const afternoon = justAfterMidnight + 14 * 3_600_000
    expect(formatTime(afternoon, 'en')).toBe('14:05')
    expect(formatTime(afternoon, 'zh-CN')).toBe('14:05')
  })
})
