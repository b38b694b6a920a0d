import { useI18n } from 'vue-i18n'
import type { Locale } from '../../../shared/domain'
import { formatDate, formatDateTime, formatDayTime, formatNumber } from '../admin/format'

/** Dates and numbers in the UI's language (the i18n locale), never the browser's. */
export function useFormat() {
  const { locale } = useI18n()
  const current = () => locale.value as Locale
  return {
    number: (n: number) => formatNumber(n, current()),
    date: (isoDate: string) => formatDate(isoDate, current()),
    /** Dec 1, 2026 in English (2026年12月1日 in Chinese): for a status line with little room. */
    shortDate: (isoDate: string) => formatDate(isoDate, current(), 'short'),
    /** In `timeZone` when given (the kiosk core's: ScreenState.timeZone), else the page's. */
    dateTime: (ms: number, timeZone?: string | null) =>
      formatDateTime(ms, current(), timeZone ?? undefined),
    dayTime: (ms: number, timeZone?: string | null) =>
      formatDayTime(ms, current(), timeZone ?? undefined),
  }
}
