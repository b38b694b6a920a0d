/**
 * The attendance page's day and search, kept in its hash beside the campaign
 * (`#/attendance?campaign=<id>&day=2026-05-01&q=王`), so a reload, a bookmark or a link pasted
 * into a colleague's chat opens the same rows, as scope-hash.ts does for the campaign.
 */
import { hashParams, withHashParams } from '../composables/use-route'

/** The longest search the attendance page sends (the relay refuses a longer one). */
export const MAX_SEARCH = 64

/** The day and search a hash names. */
export interface AttendanceFilter {
  /** One day (`YYYY-MM-DD`), or null for every day. */
  day: string | null
  q: string
}

/** A calendar date `YYYY-MM-DD` that exists (no 2026-02-30), years 2000 to 2999, as the relay takes. */
export function isDay(value: string): boolean {
  if (!/^2[0-9]{3}-[0-9]{2}-[0-9]{2}$/.test(value)) return false
  const [y, m, d] = value.split('-').map(Number)
  const at = new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1))
  return at.getUTCMonth() + 1 === m && at.getUTCDate() === d
}

/**
 * The day and search the hash names; null when it names neither (a nav link: the page keeps
 * what it showed last). A day no calendar has, or a search longer than the page takes (a link
 * cut short or made up), is left out: never sent to the relay.
 */
export function linkedFilter(hash: string): AttendanceFilter | null {
  const params = hashParams(hash)
  if (!params.has('day') && !params.has('q')) return null
  const day = params.get('day') ?? ''
  const q = params.get('q') ?? ''
  return { day: isDay(day) ? day : null, q: q.length <= MAX_SEARCH ? q : '' }
}

/** `hash` saying `filter` (every day and no search: no parameter), its other parameters kept. */
export function withFilter(hash: string, filter: AttendanceFilter): string {
  const q = filter.q.trim()
  return withHashParams(hash, (params) => {
    if (filter.day === null) params.delete('day')
    else params.set('day', filter.day)
    if (q === '') params.delete('q')
    else params.set('q', q)
  })
}
