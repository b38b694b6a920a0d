/**
 * The door list: a campaign's whole roster, read a page at a time (the relay gives at most 1000
 * guests a read) and sorted by name for paper, so staff at the door can find a guest and tick
 * them off when the Wi-Fi or the laptop is gone. Every page must be of one roster: one replaced
 * meanwhile (another organizer's upload) makes the read start over, never a sheet of two rosters.
 */
import type { ConsoleApi } from './api/client'
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
