/**
 * Days of an event as the organizer reads them: the relay's local days (its `TZ`, relay/time-
 * zone.ts), each in whole 10-minute slots as `localDay` counts "today", named `YYYY-MM-DD`.
 * A row belongs to the day of its `receivedAt` (the relay's clock, as the timeline and "scans
 * today" count), so a day's sheet and its count agree.
 */
import { z } from 'zod'
import { isErasedOpenid, type ConsoleDayCount } from '../../shared/console-api'
import {
  localDay,
  slotOf,
  SLOT_MS,
  type AttendanceReader,
  type AttendanceScope,
  type DayWindow,
  type ExportRow,
} from '../store/attendance'

const two = (n: number): string => String(n).padStart(2, '0')

/** `at`'s calendar day in the relay's time zone, `YYYY-MM-DD` (as campaigns write dates). */
export function calendarDay(at: number): string {
  const d = new Date(at)
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`
}

/** The local day (`YYYY-MM-DD`) a row received at `at` counts in: its slot's, as `localDay`. */
export function dayOf(at: number): string {
  return calendarDay(slotOf(at) + SLOT_MS - 1)
}

/** `[start, end)` of a local day `YYYY-MM-DD` (a real date: the schema checks it). */
export function dayWindow(day: string): DayWindow {
  const [y, m, d] = day.split('-').map(Number)
  // Noon is inside the day on every zone's calendar, DST changes included.
  return localDay(new Date(y ?? 0, (m ?? 1) - 1, d ?? 1, 12).getTime())
}

/**
 * A `day` query parameter: a calendar date `YYYY-MM-DD` that exists (no 2026-02-30), between
 * the years 2000 and 2999.
 */
export const dayParam = z
  .string()
  .regex(/^2[0-9]{3}-[0-9]{2}-[0-9]{2}$/, 'expected a date YYYY-MM-DD')
  .refine((day) => {
    const [y, m, d] = day.split('-').map(Number)
    const at = new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1))
    return at.getUTCMonth() + 1 === m && at.getUTCDate() === d
  }, 'no such date')

/** The rows of `pages` received inside `window`. */
export async function* rowsIn<R extends ExportRow>(
  pages: AsyncIterable<R[]>,
  window: DayWindow,
): AsyncIterable<R[]> {
  for await (const page of pages) {
    const kept = page.filter((r) => r.receivedAt >= window.start && r.receivedAt < window.end)
    if (kept.length > 0) yield kept
  }
}

/**
 * Every local day's window from the day of `first` to the day of `last`, oldest first: whole
 * 10-minute slots as `dayOf` cuts them (a DST day is 23 or 25 hours), each starting where the
 * one before ends.
 */
export function daysBetween(first: number, last: number): DayWindow[] {
  const out: DayWindow[] = []
  let window = dayWindow(dayOf(first))
  out.push(window)
  while (window.end <= last) {
    window = dayWindow(dayOf(window.end))
    out.push(window)
  }
  return out
}

/** Rows read per page for the counts: the export's size. */
const COUNT_PAGE_ROWS = 2000

/**
 * Each local day with a scan in scope, oldest first: its scans, distinct visitors and new
 * followers. A store that counts windows itself (SQLite's `countWindows`) is asked for the days
 * in one read; otherwise (Redis) they are counted from the rows, every row in scope once, in
 * pages: the stores' slot counters hold scans only, and a day's distinct visitors need its
 * openids.
 */
export async function dayCounts(
  attendance: Pick<AttendanceReader, 'rows' | 'countWindows'>,
  scope: AttendanceScope,
): Promise<ConsoleDayCount[]> {
  if (attendance.countWindows !== undefined) {
    const counted = await attendance.countWindows(scope, daysBetween)
    return counted.map((c) => ({
      day: dayOf(c.window.start),
      scans: c.scans,
      visitors: c.visitors,
      newFollowers: c.newFollowers,
    }))
  }
  const days = new Map<string, { scans: number; newFollowers: number; openids: Set<string> }>()
  for await (const page of attendance.rows(scope, COUNT_PAGE_ROWS)) {
    for (const r of page) {
      const day = dayOf(r.receivedAt)
      let c = days.get(day)
      if (c === undefined) {
        c = { scans: 0, newFollowers: 0, openids: new Set() }
        days.set(day, c)
      }
      c.scans++
      if (r.event === 'subscribe') c.newFollowers++
      // As the SQLite count: a visitor erased from a campaign is no longer a visitor of it, nor
      // of every campaign; their rows count as scans.
      if (!isErasedOpenid(r.openid)) c.openids.add(r.openid)
    }
    // Let pushes run between pages.
    await new Promise((resolve) => setImmediate(resolve))
  }
  return [...days.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([day, c]) => ({
      day,
      scans: c.scans,
      visitors: c.openids.size,
      newFollowers: c.newFollowers,
    }))
}
