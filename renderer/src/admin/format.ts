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

/** `<input type="datetime-local">` value → epoch ms (local time), or null when empty. */
export function parseLocalDateTime(value: string): number | null {
  if (!value) return null
  const ms = new Date(value).getTime()
  return Number.isFinite(ms) ? ms : null
}

/** Shows an openid without spelling all of it out on a screen others can see. */
export function maskOpenid(openid: string): string {
  return openid.length <= 10 ? openid : `${openid.slice(0, 6)}…${openid.slice(-4)}`
}
