/**
 * The consolidated attendance both stores keep beside their delivery queues: one row per routed
 * scan, written in the same atomic step as the queue append (so never missing, never doubled)
 * and never pruned; plus counters kept on that same write, so stats need no scan of the rows.
 * Definitions (docs/DESIGN.md "Consolidated attendance"):
 * - visitors: distinct openids; returning: visitors with two or more scans (at any booth in
 *   scope, on any day: a scan on an earlier day and one today are two scans).
 * - newFollowers: `subscribe` events; timeline: scans per 10 minutes by the relay's receive time.
 */
import type { ConsoleStats } from '../../shared/console-api'
import type { ScanFrame } from '../../shared/relay-protocol'

/** Timeline slots are 10 minutes, by `receivedAt` (the relay's clock). */
export const SLOT_MS = 10 * 60_000
export const slotOf = (receivedAt: number): number => Math.floor(receivedAt / SLOT_MS) * SLOT_MS

/** A stored event (`StoredEvent` in types.ts: a scan frame without its type) without its seq. */
export interface AttendanceRow extends Omit<ScanFrame, 'type' | 'seq'> {
  kioskId: string
  seq: number
  /** The scene is the kiosk's permanent fallback code's. */
  fallback: boolean
  /**
   * The campaign the kiosk ran when the scan arrived (beside `number` and `firstInCampaign`);
   * absent: none, or a row stored before rows kept it.
   */
  campaignId?: string
}

/**
 * Pending attendance rows deleted without being counted: their queue entry (the scan's stored
 * event) was gone, so there is nothing to count them from. Not a failed move (those stay
 * pending and are retried): the relay logs it on its own line, saying so.
 */
export class AttendanceRowsDropped extends Error {
  constructor(readonly rows: number) {
    super(`attendance: ${rows} pending rows had no queue entry; not counted`)
    this.name = 'AttendanceRowsDropped'
  }
}

/** A row as the export reads it: all but the ticket, which no column of the sheet shows. */
export type ExportRow = Omit<AttendanceRow, 'ticket'>

/** A day (or any window) `[start, end)` in ms: the relay's local day for "today". */
export interface DayWindow {
  start: number
  end: number
}

/**
 * The relay's local day around `now`, in whole 10-minute slots (what the stores count by): a
 * midnight inside a slot, in a zone whose offset is not a multiple of 10 minutes
 * (Asia/Kathmandu, UTC+5:45), starts the day at that slot's start, so each slot is one day's.
 */
export function localDay(now: number): DayWindow {
  const start = new Date(slotOf(now) + SLOT_MS - 1)
  start.setHours(0, 0, 0, 0)
  const end = new Date(start)
  end.setDate(end.getDate() + 1)
  return { start: slotOf(start.getTime()), end: slotOf(end.getTime()) }
}

/**
 * Which rows: every kiosk's (`kioskIds` null) or some kiosks'; or the rows that counted in one
 * campaign (`AttendanceRow.campaignId`), wherever the booth runs now, with `booths` (the
 * kiosks the campaign names) listed in `perKiosk` even before their first scan in it.
 */
export type AttendanceScope =
  | { kioskIds: readonly string[] | null; campaignId?: undefined }
  | { campaignId: string; booths: readonly string[]; kioskIds?: undefined }

export type AttendanceQuery = AttendanceScope & {
  /**
   * Matches a kiosk id exactly, or the start of an openid or a scene, or (with `visitors`) the
   * rows of those openids; empty: every row.
   */
  search: string
  /** With a search: the rows of these openids match it too (the visitors found by name). */
  visitors?: readonly string[]
  offset: number
  limit: number
  /** Only the rows received in this window (a local day); absent: every day's. */
  window?: DayWindow
}

export interface AttendancePage {
  total: number
  rows: AttendanceRow[]
}

/**
 * Today so far, for the booths page's scans today: with `closedBefore`, the slots before it are
 * closed for good (no instance's push writes them any more), so a reader may remember their sum
 * and read only the later ones; without it, every slot of the window is read.
 */
export interface DaySoFar extends DayWindow {
  closedBefore?: number
}

export interface AttendanceReader {
  stats(scope: AttendanceScope, today: DayWindow): Promise<ConsoleStats>
  /** Scans per kiosk in `today`, for each of `kioskIds` (0 when none). */
  scansToday(kioskIds: readonly string[], today: DaySoFar): Promise<Map<string, number>>
  /** Rows ordered by kiosk id then seq (the order of the export). */
  page(q: AttendanceQuery): Promise<AttendancePage>
  /**
   * Whether a scan of exactly `openid` at `kioskId` counted in `campaignId` (a row with that
   * campaign), counting every row stored before the call. A point look-up (the row's openid,
   * kiosk and campaign; never the console's prefix search): a kiosk's link asks it for a bind
   * the kiosk sends, and the kiosk chooses the openid.
   */
  hasScan(kioskId: string, openid: string, campaignId: string): Promise<boolean>
  /**
   * Every row in scope, in pages of about `pageSize`, in kiosk id then seq order, with what
   * the export writes (a store may leave out the ticket, which no column shows).
   */
  rows(scope: AttendanceScope, pageSize: number): AsyncIterable<ExportRow[]>
  /**
   * Writes rows as if each had been pushed (row and counters), for the benchmark's 1,000,000
   * rows; no queue, no change feed. Rows of one kiosk must come in increasing seq.
   */
  seed(rows: readonly AttendanceRow[]): Promise<void>
  /**
   * Resolves once every row stored before the call is in what the reads see. Redis writes the
   * rows with the push; SQLite moves them into its indexed table after the push's commit, and
   * its reads wait for that themselves (up to a bound); an export waits for all.
   */
  settled(): Promise<void>
  /** Rows stored and not yet in what the reads see (SQLite's pending rows; Redis: 0). */
  backlog(): Promise<number>
  /**
   * The rows in scope counted per window, in one read by the store (optional: without it the
   * counts read every row in scope through `rows`). `windowsFor` gives, for the first and last
   * receive time in scope, the windows to count (in order, not overlapping); the answer lists
   * each window with a row, in that order.
   */
  countWindows?(
    scope: AttendanceScope,
    windowsFor: (first: number, last: number) => DayWindow[],
  ): Promise<WindowCount[]>
}

/** The rows received in one window: scans, distinct openids and `subscribe` events. */
export interface WindowCount {
  window: DayWindow
  scans: number
  visitors: number
  newFollowers: number
}

/** Timeline of `today` from per-slot sums, every slot present (zeros included). */
export function dayTimeline(
  today: DayWindow,
  scansBySlot: ReadonlyMap<number, number>,
): NonNullable<ConsoleStats['timeline']> {
  const out: NonNullable<ConsoleStats['timeline']> = []
  for (let at = slotOf(today.start); at < today.end; at += SLOT_MS) {
    out.push({ at, scans: scansBySlot.get(at) ?? 0 })
  }
  return out
}

/** Whether a row matches a console search (`AttendanceQuery.search`, with its `visitors`). */
export function rowMatches(
  r: Pick<AttendanceRow, 'kioskId' | 'openid' | 'scene'>,
  search: string,
  visitors: ReadonlySet<string>,
): boolean {
  return (
    search === '' ||
    r.kioskId === search ||
    r.openid.startsWith(search) ||
    r.scene.startsWith(search) ||
    visitors.has(r.openid)
  )
}

/**
 * A page of `q` from every row in its scope (`rows`, in the export's order) read once and
 * filtered: by `q.window` and the search. What a store serves a day's page with when it keeps
 * no index by receive time; the cost is the scope's rows, whatever the page.
 */
export async function filteredPage(
  rows: AsyncIterable<AttendanceRow[]>,
  q: AttendanceQuery,
): Promise<AttendancePage> {
  const visitors = new Set(q.visitors ?? [])
  const out: AttendanceRow[] = []
  let total = 0
  for await (const page of rows) {
    for (const r of page) {
      if (q.window !== undefined && (r.receivedAt < q.window.start || r.receivedAt >= q.window.end))
        continue
      if (!rowMatches(r, q.search, visitors)) continue
      if (total >= q.offset && out.length < q.limit) out.push(r)
      total++
    }
  }
  return { total, rows: out }
}

/**
 * A search's upper bound for an index range scan over UTF-8 text compared bytewise: every
 * string that starts with `prefix` sorts below it (U+10FFFF encodes as the largest sequence).
 */
export function prefixEnd(prefix: string): string {
  return prefix + '\u{10ffff}'
}
