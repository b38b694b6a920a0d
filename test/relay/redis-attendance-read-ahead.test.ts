// The Redis store's export reads one page ahead: while the consumer (the sheet, writing a page
// to a slow browser) holds a page, the next one is already asked for. That read failing while
// nobody awaits it yet (Redis gone mid-export) must reach the consumer on its next page, and
// never be an unhandled rejection, which Node turns into the relay's crash (vitest reports it
// as an error and fails the run).
import { describe, expect, it } from 'vitest'
import type { AttendanceRow } from '../../relay/store/attendance'
import {
  RedisAttendance,
  attendanceFields,
  type AttendanceVisitorKeys,
  type CampaignVisitorKeys,
  type KioskAttendanceKeys,
} from '../../relay/store/redis/attendance'
import type { RedisClient } from '../../relay/store/redis/connect'
import { eventIdOf } from '../../relay/store/store-util'

function row(n: number): Omit<AttendanceRow, 'kioskId' | 'seq'> {
  return {
    id: eventIdOf(`ahead/${n}`),
    event: 'scan',
    openid: `o-${n}`,
    scene: `k1:${n}`,
    ticket: `t${n}`,
    createTime: 1_764_633_600 + n,
    receivedAt: 1_764_633_600_000 + n * 1000,
    fallback: false,
  }
}

/** A client whose XRANGE answers the first page (2 rows) and fails every later one. */
function failingAfterFirstPage() {
  const calls: string[] = []
  const client = {
    xrange: (key: string, start: string) => {
      calls.push(`${key} ${start}`)
      if (calls.length > 1) return Promise.reject(new Error('Connection is closed.'))
      return Promise.resolve([
        ['1-0', attendanceFields(row(1))],
        ['2-0', attendanceFields(row(2))],
      ])
    },
  } as unknown as RedisClient
  return { client, calls }
}

function attendanceOn(client: RedisClient): RedisAttendance {
  const keysOf = (id: string): KioskAttendanceKeys => ({
    rows: `rows:${id}`,
    stats: `stats:${id}`,
    visitors: `visitors:${id}`,
    openids: `openids:${id}`,
    scenes: `scenes:${id}`,
    campaignVisitors: `cv:${id}`,
  })
  const visitorKeys: AttendanceVisitorKeys = {
    people: 'people',
    totals: 'totals',
    counted: (id) => `counted:${id}`,
  }
  const campaignKeys = (id: string): CampaignVisitorKeys => ({
    visitors: `v:${id}`,
    firsts: `f:${id}`,
    returning: `r:${id}`,
  })
  return new RedisAttendance(
    client,
    keysOf,
    visitorKeys,
    () => Promise.resolve(['k1']),
    (id) => `kiosk:${id}`,
    campaignKeys,
  )
}

describe('Redis attendance export: the page read ahead', () => {
  it('fails the next page, not the process, when it fails while the consumer is busy', async () => {
    const { client, calls } = failingAfterFirstPage()
    const pages = attendanceOn(client).rows({ kioskIds: null }, 2)[Symbol.asyncIterator]()
    const first = await pages.next()
    if (first.done === true) throw new Error('no first page')
    expect(first.value.map((r) => r.seq)).toEqual([1, 2])
    // The next page was asked for before the first was handed over.
    expect(calls).toEqual(['rows:k1 -', 'rows:k1 (2-0'])
    // The consumer writes its page to a slow reader meanwhile; the read ahead fails now.
    await new Promise((resolve) => setTimeout(resolve, 20))
    await expect(pages.next()).rejects.toThrow('Connection is closed.')
  })

  it('drops a failed read ahead when the consumer stops early', async () => {
    const { client } = failingAfterFirstPage()
    const pages = attendanceOn(client).rows({ kioskIds: null }, 2)[Symbol.asyncIterator]()
    await pages.next()
    await new Promise((resolve) => setTimeout(resolve, 20))
    await expect(pages.return?.()).resolves.toEqual({ done: true, value: undefined })
  })
})
