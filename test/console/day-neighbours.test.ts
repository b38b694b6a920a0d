import { describe, expect, it } from 'vitest'
import { neighbourDays, shiftDay } from '../../console/src/day-neighbours'

describe('the days either side of a day', () => {
  it('crosses months, years and leap days', () => {
    expect(shiftDay('2026-12-31', 1)).toBe('2027-01-01')
    expect(shiftDay('2027-01-01', -1)).toBe('2026-12-31')
    expect(shiftDay('2028-02-28', 1)).toBe('2028-02-29')
    expect(shiftDay('2027-03-01', -1)).toBe('2027-02-28')
  })

  it('is none for text that is no date', () => {
    for (const bad of ['2026-02-30', '2026-13-01', '20261231', '', '2026-1-1']) {
      expect(shiftDay(bad, 1)).toBeNull()
    }
  })

  it('lists only the listed days right before and after, with scans, oldest first', () => {
    const listed = [
      { day: '2027-01-01', scans: 95 },
      { day: '2026-12-29', scans: 4 },
      { day: '2026-12-31', scans: 310 },
      { day: '2027-01-02', scans: 0 },
    ]
    expect(neighbourDays('2027-01-01', listed)).toEqual(['2026-12-31'])
    expect(neighbourDays('2026-12-31', listed)).toEqual(['2027-01-01'])
    expect(neighbourDays('2026-12-30', listed)).toEqual(['2026-12-29', '2026-12-31'])
    expect(neighbourDays('2026-12-29', listed)).toEqual([])
  })
})
