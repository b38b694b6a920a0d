import type { Locale } from '../../../shared/domain'

// Shared with the organizer's console.
export { formatDateTime, formatDayTime, formatNumber, formatTime } from '../../../shared/format'

/** DateInput's value ('YYYY-MM-DDTHH:mm') → epoch ms (local time); null when empty or invalid. */
export function parseLocalDateTime(value: string): number | null {
  if (!value) return null
  const ms = new Date(value).getTime()
  return Number.isFinite(ms) ? ms : null
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
