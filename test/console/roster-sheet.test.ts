/**
 * The door list's read of a whole roster (console/src/roster-sheet.ts): every page of one
 * version, read again from the start when the roster is replaced midway, and an error (not a
 * sheet mixing two rosters) when it keeps changing; sorted by name, then company. And the
 * attendance page's print: every row its filter holds, each once, or too many to print.
 */
import { describe, expect, it } from 'vitest'
import type { ConsoleRosterEntry, ConsoleRosterPage } from '../../console/src/api/campaign-contract'
import type { ConsoleAttendanceRow } from '../../shared/console-api'
import {
  MAX_PRINTED_ATTENDANCE,
  readAttendanceForPrint,
  readWholeRoster,
  RosterChangedError,
  ROSTER_SHEET_READ,
  sortForDoor,
} from '../../console/src/roster-sheet'

const entry = (i: number, name = `G${i}`, company = ''): ConsoleRosterEntry => ({
  id: `r${i}`,
  name,
  company,
  phone: '',
  code: `C${i}`,
  openid: null,
})

/** A relay holding `rosters` in turn: the next one takes over after each read in `swapAfter`. */
function relay(rosters: ConsoleRosterEntry[][], swapAfter: number[] = []) {
  let current = 0
  let reads = 0
  const asked: number[] = []
  return {
    asked,
    api: {
      roster: (
        _id: string,
        page: { offset: number; limit: number },
      ): Promise<ConsoleRosterPage> => {
        asked.push(page.offset)
        const entries = rosters[current] ?? []
        const answer: ConsoleRosterPage = {
          version: current + 1,
          total: entries.length,
          offset: page.offset,
          entries: entries.slice(page.offset, page.offset + page.limit),
        }
        reads++
        if (swapAfter.includes(reads)) current++
        return Promise.resolve(answer)
      },
    },
  }
}

describe('readWholeRoster', () => {
  it('reads every page of a roster bigger than one read', async () => {
    const guests = Array.from({ length: 2 * ROSTER_SHEET_READ + 5 }, (_, i) => entry(i))
    const { api, asked } = relay([guests])
    expect(await readWholeRoster(api, 'c1')).toEqual(guests)
    expect(asked).toEqual([0, ROSTER_SHEET_READ, 2 * ROSTER_SHEET_READ])
  })

  it('starts over when the roster is replaced between two pages', async () => {
    const before = Array.from({ length: ROSTER_SHEET_READ + 1 }, (_, i) => entry(i, `old${i}`))
    const after = Array.from({ length: ROSTER_SHEET_READ + 2 }, (_, i) => entry(i, `new${i}`))
    const { api } = relay([before, after], [1])
    expect(await readWholeRoster(api, 'c1')).toEqual(after)
  })

  it('gives up, saying so, when the roster keeps changing', async () => {
    const rosters = Array.from({ length: 8 }, (_, v) =>
      Array.from({ length: ROSTER_SHEET_READ + 1 }, (_, i) => entry(i, `v${v}-${i}`)),
    )
    const { api } = relay(rosters, [1, 2, 3, 4, 5, 6, 7])
    await expect(readWholeRoster(api, 'c1')).rejects.toBeInstanceOf(RosterChangedError)
  })
})

describe('sortForDoor', () => {
  it('sorts by name as the language does, numbers in order, then by company', () => {
    const sorted = sortForDoor(
      [entry(1, 'Guest 10'), entry(2, 'guest 9'), entry(3, 'Amy', 'Zeta'), entry(4, 'Amy', 'Acme')],
      'en',
    )
    expect(sorted.map((e) => `${e.name}/${e.company}`)).toEqual([
      'Amy/Acme',
      'Amy/Zeta',
      'guest 9/',
      'Guest 10/',
    ])
  })

  it('puts Chinese names in pinyin order for a Chinese sheet', () => {
    const sorted = sortForDoor(
      ['张伟', '王芳', '李娜', '安然', '陈静'].map((name, i) => entry(i, name)),
      'zh-CN',
    )
    expect(sorted.map((e) => e.name)).toEqual(['安然', '陈静', '李娜', '王芳', '张伟'])
  })
})

const scan = (n: number): ConsoleAttendanceRow => ({
  kioskId: 'hall-a',
  eventId: `e${n}`,
  openid: `o${n}`,
  event: 'scan',
  scene: 's',
  ticket: 't',
  fallback: false,
  scannedAt: n,
  receivedAt: n,
  number: n,
  name: null,
})

describe('readAttendanceForPrint', () => {
  it('reads every row the filter holds, with the filter; scans arriving meanwhile join the end', async () => {
    const rows = Array.from({ length: 1200 }, (_, i) => scan(i))
    const asked: unknown[] = []
    const api = {
      attendance: (q: { offset: number; limit: number; q: string; day?: string }) => {
        asked.push({ offset: q.offset, q: q.q, day: q.day })
        const answer = { total: rows.length, rows: rows.slice(q.offset, q.offset + q.limit) }
        // A scan arrives while the list is read: after the rows counted at the first read.
        rows.push(scan(rows.length))
        return Promise.resolve(answer)
      },
    }
    const read = await readAttendanceForPrint(api, { q: 'hall', day: '2026-12-07' })
    if ('tooMany' in read) throw new Error('not too many')
    expect(read.map((r) => r.eventId)).toEqual(Array.from({ length: 1200 }, (_, i) => `e${i}`))
    expect(asked).toEqual(
      [0, 500, 1000].map((offset) => ({ offset, q: 'hall', day: '2026-12-07' })),
    )
  })

  it('says how many match when there are too many to print, reading no further', async () => {
    let reads = 0
    const api = {
      attendance: () => {
        reads++
        return Promise.resolve({ total: MAX_PRINTED_ATTENDANCE + 1, rows: [scan(1)] })
      },
    }
    expect(await readAttendanceForPrint(api, { q: '' })).toEqual({
      tooMany: MAX_PRINTED_ATTENDANCE + 1,
    })
    expect(reads).toBe(1)
  })
})
