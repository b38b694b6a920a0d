/**
 * Dates, times and counts as staff expect them in the UI's language (24-hour, local time zone;
 * 2026/12/05 14:03:07 in Chinese, 5 Dec 2026, 14:03:07 in English), never the browser's: the
 * kiosk's admin pages and the organizer's console. Plain TS (Intl and Date only).
 */
import type { Locale } from './domain'

const EN_MONTHS = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
] as const

const two = (n: number): string => String(n).padStart(2, '0')

/**
 * Whether two instants fall on the same calendar day: in `timeZone` when given (a zone this
 * engine knows, or a fixed offset such as `+05:30`: the kiosk core's, which a browser elsewhere
 * shows), else this computer's.
 */
export function sameLocalDay(a: number, b: number, timeZone?: string | null): boolean {
  const x = wallClockIn(a, timeZone)
  const y = wallClockIn(b, timeZone)
  return x.year === y.year && x.month === y.month && x.day === y.day
}

/**
 * English dates name the month (5 Dec 2026, 5 Dec): Intl's 'en' is the US form 12/05/2026, which
 * most readers outside the US take for 12 May. Written out here, not by en-GB's Intl data, whose
 * short months differ between engines (Sep, Sept), so every browser and the CLI agree.
 */
function englishDay(ms: number, timeZone?: string | null): string {
  const d = wallClockIn(ms, timeZone)
  return `${d.day} ${EN_MONTHS[d.month - 1] ?? ''}`
}

/**
 * 2026/12/05 14:03:07 (5 Dec 2026, 14:03:07). In `timeZone` when given (an IANA name: the
 * relay's, so the console's attendance list reads as the sheets it downloads), else this
 * computer's; a zone this engine does not know is this computer's too.
 */
export function formatDateTime(ms: number, locale: Locale, timeZone?: string): string {
  const shift = offsetShift(timeZone)
  if (shift !== null) return formatDateTime(ms + shift, locale, 'UTC')
  const zone = timeZone !== undefined && knownZone(timeZone) ? timeZone : undefined
  if (locale === 'en') {
    const d = wallClock(ms, zone)
    const time = `${two(d.hour)}:${two(d.minute)}:${two(d.second)}`
    return `${d.day} ${EN_MONTHS[d.month - 1] ?? ''} ${d.year}, ${time}`
  }
  return cachedFormat(locale, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    // Not `hour12: false`: older engines read it as h24 in English (midnight as 24:05).
    hourCycle: 'h23',
    ...(zone === undefined ? {} : { timeZone: zone }),
  }).format(ms)
}

/**
 * Formatters made once per language, named zone and options, not once per row: building an
 * Intl.DateTimeFormat costs far more than formatting with one, and a list of the relay's times
 * writes thousands. Only a few keys ever exist (two languages, the relay's zone, the few option
 * sets of this file), so nothing is evicted. The key holds the options (their JSON: each caller
 * writes its options in one order), so two callers with the same language and zone never get
 * each other's formatter. This computer's own zone (no `timeZone`) is not cached: a formatter
 * keeps the zone it was made in, and the computer's may change while the page is open.
 */
const formats = new Map<string, Intl.DateTimeFormat>()
function cachedFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  if (options.timeZone === undefined) return new Intl.DateTimeFormat(locale, options)
  const key = `${locale} ${JSON.stringify(options)}`
  let f = formats.get(key)
  if (f === undefined) {
    f = new Intl.DateTimeFormat(locale, options)
    formats.set(key, f)
  }
  return f
}

/**
 * A fixed offset from UTC written as the zone (`+05:30`: the relay sends one for a POSIX `TZ`
 * without a whole-hour Etc name) that this engine does not take as a zone itself: the
 * milliseconds to add to `ms` so that UTC's clock reads the offset's. Null for anything else.
 */
function offsetShift(timeZone: string | undefined): number | null {
  if (timeZone === undefined || knownZone(timeZone)) return null
  const m = /^([+-])([01][0-9]|2[0-3]):([0-5][0-9])$/.exec(timeZone)
  if (m === null) return null
  const minutes = Number(m[2]) * 60 + Number(m[3])
  return (m[1] === '-' ? -minutes : minutes) * 60_000
}

/**
 * Whether times can be written in `timeZone` (a zone this engine knows, or a fixed offset such
 * as `+05:30`): a zone that cannot is this computer's, and must not be named as the one used.
 */
export function usableZone(timeZone: string): boolean {
  return knownZone(timeZone) || offsetShift(timeZone) !== null
}

/** Zones this engine was asked about, and whether it knows them. */
const zonesKnown = new Map<string, boolean>()
function knownZone(timeZone: string): boolean {
  let known = zonesKnown.get(timeZone)
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone })
      known = true
    } catch {
      known = false
    }
    zonesKnown.set(timeZone, known)
  }
  return known
}

export interface WallClock {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

/**
 * The calendar date and clock time of `ms` in `timeZone` (a zone this engine knows, or a fixed
 * offset such as `+05:30`), else this computer's: as formatDateTime writes it.
 */
export function wallClockIn(ms: number, timeZone?: string | null): WallClock {
  if (!timeZone) return wallClock(ms, undefined)
  const shift = offsetShift(timeZone)
  if (shift !== null) return wallClock(ms + shift, 'UTC')
  return wallClock(ms, knownZone(timeZone) ? timeZone : undefined)
}

/** The calendar date and clock time of `ms` in `timeZone` (a known one), else this computer's. */
function wallClock(ms: number, timeZone: string | undefined): WallClock {
  if (timeZone === undefined) {
    const d = new Date(ms)
    return {
      year: d.getFullYear(),
      month: d.getMonth() + 1,
      day: d.getDate(),
      hour: d.getHours(),
      minute: d.getMinutes(),
      second: d.getSeconds(),
    }
  }
  const parts = cachedFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(ms)
  const part = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value ?? '0')
  return {
    year: part('year'),
    month: part('month'),
    day: part('day'),
    hour: part('hour') % 24,
    minute: part('minute'),
    second: part('second'),
  }
}

/**
 * 14:05. In `timeZone` when given (an IANA name: the relay's, for its "today"), else this
 * computer's.
 */
export function formatTime(ms: number, locale: Locale, timeZone?: string): string {
  const shift = offsetShift(timeZone)
  if (shift !== null) return formatTime(ms + shift, locale, 'UTC')
  const options: Intl.DateTimeFormatOptions = {
    hour: '2-digit',
    minute: '2-digit',
    // Not `hour12: false`: older engines read it as h24 in English (midnight as 24:05).
    hourCycle: 'h23',
  }
  // A zone this engine does not know: this computer's own time, as before.
  if (timeZone !== undefined && knownZone(timeZone)) {
    return cachedFormat(locale, { ...options, timeZone }).format(ms)
  }
  return new Intl.DateTimeFormat(locale, options).format(ms)
}

/**
 * Month, day and time without the year (05/02 09:00; 2 May, 09:00): a chart's labels. In
 * `timeZone` when given (as formatTime), else this computer's.
 */
export function formatDayTime(ms: number, locale: Locale, timeZone?: string): string {
  const shift = offsetShift(timeZone)
  if (shift !== null) return formatDayTime(ms + shift, locale, 'UTC')
  const zone = timeZone !== undefined && knownZone(timeZone) ? timeZone : undefined
  if (locale === 'en') return `${englishDay(ms, zone)}, ${formatTime(ms, locale, zone)}`
  return cachedFormat(locale, {
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    ...(zone === undefined ? {} : { timeZone: zone }),
  }).format(ms)
}

/** A count as the UI's language writes it (grouping), not as the browser's would. */
export function formatNumber(n: number, locale: Locale): string {
  return new Intl.NumberFormat(locale).format(n)
}
