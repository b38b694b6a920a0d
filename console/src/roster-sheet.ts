/**
 * What the console prints on paper, read whole (the screen shows a page, or a virtual list).
 *
 * The door list: a campaign's whole roster, read a page at a time (the relay gives at most 1000
 * guests a read) and sorted by name for paper, so staff at the door can find a guest and tick
 * them off when the Wi-Fi or the laptop is gone. Every page must be of one roster: one replaced
 * meanwhile (another organizer's upload) makes the read start over, never a sheet of two rosters.
 */
import type { ConsoleAttendanceRow } from '../../shared/console-api'
import type { AttendanceQuery, ConsoleApi } from './api/client'
import type { ConsoleRosterEntry } from './api/campaign-contract'

/** Guests a read: the most the relay answers at once. */
export const ROSTER_SHEET_READ = 1000
/** Reads started over for a roster replaced meanwhile before giving up (said as an error). */
const MAX_TRIES = 3

export class RosterChangedError extends Error {
  constructor() {
    super('the roster kept changing while it was read')
    this.name = 'RosterChangedError'
  }
}

/** Every guest of `campaignId`'s roster, as one version of it. */
export async function readWholeRoster(
  api: Pick<ConsoleApi, 'roster'>,
  campaignId: string,
): Promise<ConsoleRosterEntry[]> {
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    const first = await api.roster(campaignId, { offset: 0, limit: ROSTER_SHEET_READ })
    const entries = [...first.entries]
    let same = true
    while (entries.length < first.total) {
      const next = await api.roster(campaignId, {
        offset: entries.length,
        limit: ROSTER_SHEET_READ,
      })
      // Replaced meanwhile, or a relay answering short: this read is not of one roster.
      if (next.version !== first.version || next.entries.length === 0) {
        same = false
        break
      }
      entries.push(...next.entries)
    }
    if (same) return entries.slice(0, first.total)
  }
  throw new RosterChangedError()
}

/**
 * By name as the language sorts it (pinyin order for Chinese names where the browser knows it),
 * then company, then code: the order a person looking down the sheet expects.
 */
export function sortForDoor(entries: ConsoleRosterEntry[], locale: string): ConsoleRosterEntry[] {
  const collator = new Intl.Collator(locale, { numeric: true, sensitivity: 'base' })
  return [...entries].sort(
    (a, b) =>
      collator.compare(a.name, b.name) ||
      collator.compare(a.company, b.company) ||
      collator.compare(a.code, b.code),
  )
}

/** The most check-in rows the attendance page prints (about 60 A4 pages); beyond, Excel. */
export const MAX_PRINTED_ATTENDANCE = 3000
/** Rows a read: the most the relay answers at once. */
const ATTENDANCE_READ = 500

/**
 * The check-in rows matching the attendance page's filter, oldest first as the list shows them
 * (scans arriving while it reads join the end: the rows counted at its first read are printed);
 * `{ tooMany }` (how many match) past MAX_PRINTED_ATTENDANCE. A row answered twice is kept once.
 */
export async function readAttendanceForPrint(
  api: Pick<ConsoleApi, 'attendance'>,
  filter: Omit<AttendanceQuery, 'offset' | 'limit'>,
): Promise<ConsoleAttendanceRow[] | { tooMany: number }> {
  const first = await api.attendance({ ...filter, offset: 0, limit: ATTENDANCE_READ })
  if (first.total > MAX_PRINTED_ATTENDANCE) return { tooMany: first.total }
  const rows = [...first.rows]
  const seen = new Set(rows.map((r) => r.eventId))
  let offset = first.rows.length
  while (offset < first.total && first.rows.length > 0) {
    const next = await api.attendance({ ...filter, offset, limit: ATTENDANCE_READ })
    if (next.rows.length === 0) break
    for (const r of next.rows) {
      if (seen.has(r.eventId)) continue
      seen.add(r.eventId)
      rows.push(r)
    }
    offset += next.rows.length
  }
  return rows.slice(0, first.total)
}
