/**
 * Dates, times and counts as staff expect them in the UI's language (24-hour, local time zone),
 * never the browser's: the kiosk's admin pages and the organizer's console. Plain TS (Intl only).
 */
import type { Locale } from './domain'

export function formatDateTime(ms: number, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    // Not `hour12: false`: older engines read it as h24 in English (midnight as 24:05).
    hourCycle: 'h23',
  }).format(ms)
}

export function formatTime(ms: number, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, {
    hour: '2-digit',
    minute: '2-digit',
    // Not `hour12: false`: older engines read it as h24 in English (midnight as 24:05).
    hourCycle: 'h23',
  }).format(ms)
}

/** Month, day and time without the year (05/02 09:00, 05/02, 09:00): a chart's labels. */
export function formatDayTime(ms: number, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, {
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(ms)
}

/** A count as the UI's language writes it (grouping), not as the browser's would. */
export function formatNumber(n: number, locale: Locale): string {
  return new Intl.NumberFormat(locale).format(n)
}
