import type { Locale } from '../../../shared/domain'

/** Date and time as staff expect them in their language (24-hour, local time zone). */
export function formatDateTime(ms: number, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(ms)
}

export function formatTime(ms: number, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, {
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(ms)
}

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

/** An ISO date ('2026-12-01') as the UI's language writes it: 2026年12月1日, December 1, 2026. */
export function formatDate(isoDate: string, locale: Locale): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate)
  if (!m) return isoDate
  return new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    timeZone: 'UTC',
  }).format(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
}

/** A count as the UI's language writes it (grouping), not as the browser's would. */
export function formatNumber(n: number, locale: Locale): string {
  return new Intl.NumberFormat(locale).format(n)
}
