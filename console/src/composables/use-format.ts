/** Dates and numbers in the console's language (shared/format.ts), never the browser's. */
import { useI18n } from 'vue-i18n'
import type { Locale } from '../../../shared/domain'
import { formatDateTime, formatNumber, formatTime, sameLocalDay } from '../../../shared/format'

export function useFormat() {
  const { locale } = useI18n()
  const current = () => locale.value as Locale
  return {
    number: (n: number) => formatNumber(n, current()),
    /** In `timeZone` when given (the relay's, as its sheets), else the browser's. */
    dateTime: (ms: number, timeZone?: string) => formatDateTime(ms, current(), timeZone),
    /** In `timeZone` when given (the relay's, for its "today"), else the browser's. */
    time: (ms: number, timeZone?: string) => formatTime(ms, current(), timeZone),
    /** A moment in the past: today's as 14:05, an earlier day's with its date. */
    since: (ms: number) =>
      sameLocalDay(ms, Date.now()) ? formatTime(ms, current()) : formatDateTime(ms, current()),
  }
}

/** A countdown as m:ss. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000))
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`
}

/** A pairing code grouped for reading aloud and typing: ABCD EFGH. */
export function groupCode(code: string): string {
  return code.length === 8 ? `${code.slice(0, 4)} ${code.slice(4)}` : code
}
