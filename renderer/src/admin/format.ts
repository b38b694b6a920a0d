import type { Locale } from '../../../shared/domain'
import { wallClockIn } from '../../../shared/format'

// Shared with the organizer's console.
export { formatDateTime, formatDayTime, formatNumber, formatTime } from '../../../shared/format'

/**
 * DateInput's value ('YYYY-MM-DDTHH:mm') → epoch ms; null when empty or invalid. Read on the
 * clock of `timeZone` when given (the kiosk core's, which the attendance list is written in, so
 * a browser in another zone filters the times it shows), else this computer's.
 */
export function parseLocalDateTime(value: string, timeZone?: string | null): number | null {
  if (!value) return null
  if (!timeZone) {
    const ms = new Date(value).getTime()
    return Number.isFinite(ms) ? ms : null
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value)
  if (!m) return null
  const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]))
  // 2026-02-31: no such day (Date.UTC would roll it over into March).
  if (new Date(asUtc).getUTCDate() !== Number(m[3]) || Number(m[4]) > 23) return null
  // The zone's offset at that time, twice: the second look settles a DST change in between.
  const offsetAt = (ms: number): number => {
    const w = wallClockIn(ms, timeZone)
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - ms
  }
  const guess = asUtc - offsetAt(asUtc)
  return asUtc - offsetAt(guess)
}

/** Shows an openid without spelling all of it out on a screen others can see. */
export function maskOpenid(openid: string): string {
  return openid.length <= 10 ? openid : `${openid.slice(0, 6)}…${openid.slice(-4)}`
}

/**
 * An ISO date ('2026-12-01') as the UI's language writes it: 2026年12月1日, December 1, 2026;
 * `month: 'short'` where room is tight (Dec 1, 2026; Chinese is written the same either way).
 */
export function formatDate(
  isoDate: string,
  locale: Locale,
  month: 'long' | 'short' = 'long',
): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate)
  if (!m) return isoDate
  return new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month,
    day: 'numeric',
    timeZone: 'UTC',
  }).format(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
}
