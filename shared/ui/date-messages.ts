/**
 * DateInput's words (its parts' labels and placeholders), in each UI language: the kiosk's admin
 * area and the organizer's console both put them under `date` in their messages.
 */
import type { Locale } from '../domain'

export interface DateWords {
  year: string
  month: string
  day: string
  hour: string
  minute: string
  /** The hour and minute boxes' placeholders: two digits wide ("Hour" showed as "Hou"). */
  hourHint: string
  minuteHint: string
}

export const dateMessages: Record<Locale, DateWords> = {
  'zh-CN': {
    year: '年',
    month: '月',
    day: '日',
    hour: '时',
    minute: '分',
    hourHint: '时',
    minuteHint: '分',
  },
  en: {
    year: 'Year',
    month: 'Month',
    day: 'Day',
    hour: 'Hour',
    minute: 'Minute',
    hourHint: 'hh',
    minuteHint: 'mm',
  },
}
