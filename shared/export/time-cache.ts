/**
 * `formatLocalTime` for a large export: the date and time up to the minute is formatted once
 * per minute and kept (a `Date` and six getters per cell were a tenth of a 1,000,000-row
 * export). Exact wherever the local offset is a whole number of minutes, as in every zone
 * since 1972; the cache is bounded, so memory stays flat over any span of times.
 */
import { EXCEL_UNIX_EPOCH_DAYS, formatLocalTime } from './cells'

const MAX_MINUTES = 4096

export function localTimeCache(): (ms: number) => string {
  const minutes = new Map<number, string>()
  return (ms) => {
    const minute = Math.floor(ms / 60_000)
    let prefix = minutes.get(minute)
    if (prefix === undefined) {
      if (minutes.size >= MAX_MINUTES) minutes.clear()
      // `YYYY-MM-DD HH:mm:` of the minute's start.
      prefix = formatLocalTime(minute * 60_000).slice(0, 17)
      minutes.set(minute, prefix)
    }
    const s = Math.floor(ms / 1000) - minute * 60
    return s < 10 ? `${prefix}0${s}` : `${prefix}${s}`
  }
}

/**
 * `excelLocalTime` for a large export: the zone's offset is looked up once per minute and kept
 * (bounded, as above), the serial computed from it exactly as `excelLocalTime` does.
 */
export function excelTimeCache(): (ms: number) => number {
  const offsets = new Map<number, number>()
  return (ms) => {
    const s = Math.floor(ms / 1000)
    const minute = Math.floor(s / 60)
    let offset = offsets.get(minute)
    if (offset === undefined) {
      if (offsets.size >= MAX_MINUTES) offsets.clear()
      offset = new Date(minute * 60_000).getTimezoneOffset() * 60
      offsets.set(minute, offset)
    }
    return EXCEL_UNIX_EPOCH_DAYS + (s - offset) / 86_400
  }
}
