/**
 * The logic behind DateInput.vue: a date (and maybe a time) as separate parts, typed in the
 * UI's language. Native date inputs follow the browser's locale, not the page's.
 */
import type { Locale } from '../domain'

export interface DateParts {
  year: string
  month: string
  day: string
  hour: string
  minute: string
}
export type DatePart = keyof DateParts

/** v-model value for parts filled in only partly, or impossible (the 31st of April). */
export const INVALID_DATE = 'invalid'

const LIMITS: Record<Exclude<DatePart, 'month'>, [number, number]> = {
  year: [1900, 2999],
  day: [1, 31],
  hour: [0, 23],
  minute: [0, 59],
}

export const emptyParts = (): DateParts => ({ year: '', month: '', day: '', hour: '', minute: '' })

/** 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:mm' → parts; anything else → empty parts. */
export function partsOf(value: string | null): DateParts {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(value ?? '')
  if (!m) return emptyParts()
  const n = (s: string | undefined) => (s === undefined ? '' : String(Number(s)))
  return {
    year: m[1] ?? '',
    month: n(m[2]),
    day: n(m[3]),
    hour: m[4] ?? '',
    minute: m[5] ?? '',
  }
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** Parts → v-model value: '' when all empty, INVALID_DATE when partial or impossible. */
export function valueOf(p: DateParts, withTime: boolean): string {
  const used: DatePart[] = withTime
    ? ['year', 'month', 'day', 'hour', 'minute']
    : ['year', 'month', 'day']
  if (used.every((k) => p[k] === '')) return ''
  const num = (k: DatePart) => (/^\d+$/.test(p[k]) ? Number(p[k]) : NaN)
  const [year, month, day, hour, minute] = used.map(num)
  const inRange = (v: number | undefined, [lo, hi]: [number, number]) =>
    v !== undefined && Number.isInteger(v) && v >= lo && v <= hi
  if (!inRange(year, LIMITS.year) || !inRange(month, [1, 12])) return INVALID_DATE
  if (!inRange(day, [1, daysInMonth(year as number, month as number)])) return INVALID_DATE
  const pad = (v: number | undefined) => String(v).padStart(2, '0')
  const date = `${year}-${pad(month)}-${pad(day)}`
  if (!withTime) return date
  if (!inRange(hour, LIMITS.hour) || !inRange(minute, LIMITS.minute)) return INVALID_DATE
  return `${date}T${pad(hour)}:${pad(minute)}`
}

/** What may be typed into a part: digits only (full-width ones too, as a Chinese IME types). */
export function cleanPart(text: string, part: DatePart): string {
  const ascii = text.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
  return ascii.replace(/\D/g, '').slice(0, part === 'year' ? 4 : 2)
}

/** Arrow keys step a part within its range, wrapping around. */
export function stepPart(p: DateParts, part: Exclude<DatePart, 'month'>, by: 1 | -1): string {
  const [lo, hi] =
    part === 'day' && /^\d+$/.test(p.year) && /^\d+$/.test(p.month)
      ? [1, daysInMonth(Number(p.year), Number(p.month))]
      : LIMITS[part]
  const current = /^\d+$/.test(p[part]) ? Number(p[part]) : null
  const fallback = part === 'year' ? new Date().getFullYear() : lo
  const next = current === null ? fallback : current + by
  const wrapped = next > hi ? lo : next < lo ? hi : next
  return String(wrapped).padStart(part === 'hour' || part === 'minute' ? 2 : 1, '0')
}

/**
 * The order of year, month and day in the locale, with the words between them
 * (zh-CN: 2026 年 12月 1 日; en: December 1, 2026), from the locale's own date format.
 */
export function dateLayout(locale: Locale): { part: 'year' | 'month' | 'day'; after: string }[] {
  const parts = new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  }).formatToParts(new Date(2026, 11, 1))
  const out: { part: 'year' | 'month' | 'day'; after: string }[] = []
  for (const p of parts) {
    if (p.type === 'year' || p.type === 'month' || p.type === 'day')
      out.push({ part: p.type, after: '' })
    else if (p.type === 'literal' && out.length > 0) {
      const last = out[out.length - 1] as { after: string }
      last.after += p.value.trim()
    }
  }
  // A month's name may already carry the word after it (zh-CN: "12月" then "月").
  const names = monthNames(locale)
  for (const p of out) {
    if (p.part === 'month' && p.after !== '' && names.every((n) => n.endsWith(p.after)))
      p.after = ''
  }
  return out
}

/**
 * Month names as the locale writes them inside a whole date (zh-CN: 1月…12月, not the
 * stand-alone 一月; en: January…December).
 */
export function monthNames(locale: Locale): string[] {
  const f = new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    timeZone: 'UTC',
  })
  return Array.from({ length: 12 }, (_, i) => {
    const parts = f.formatToParts(Date.UTC(2026, i, 15))
    const at = parts.findIndex((p) => p.type === 'month')
    const after = parts[at + 1]
    const word = after?.type === 'literal' && /\p{L}/u.test(after.value) ? after.value.trim() : ''
    return `${parts[at]?.value ?? String(i + 1)}${word}`
  })
}
