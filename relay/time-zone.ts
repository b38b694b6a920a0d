/**
 * The relay's time zone is its process's, from `TZ` (compose.yaml, deploy/env.example): "scans
 * today", the live timeline and every time in the sheets follow it. Node takes a `TZ` it does
 * not know (`Asia/Shangai`, `asia/shanghai`, `Beijing`, `+08:00`, an empty one) as UTC without
 * a word, which in China puts the day's start at 08:00; the relay checks it before serving.
 */

/** An IANA name's shape: `UTC`, `Asia/Shanghai`, `America/Argentina/Buenos_Aires`, `Etc/GMT-8`. */
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/

/** The zone this process runs in: undefined (whatever the types say) when Node knew no zone. */
function processZone(): string | undefined {
  const zone: string | undefined = Intl.DateTimeFormat().resolvedOptions().timeZone
  return zone
}

/** This process's offsets from UTC (minutes) in January and July of this year. */
function yearOffsets(): number[] {
  const year = new Date().getFullYear()
  return [0, 6].map((month) => new Date(year, month, 1).getTimezoneOffset())
}

/**
 * What is wrong with `tz` as the relay's zone, or null when it is fine (or unset: the machine's
 * own zone). `resolved` is the zone this process runs in (Node's reading of `TZ`), `offsets` its
 * offsets from UTC through the year.
 */
export function timeZoneProblem(
  tz: string | undefined,
  resolved: string | undefined = processZone(),
  offsets: readonly number[] = yearOffsets(),
): string | null {
  if (tz === undefined) return null
  // `:Asia/Shanghai` is the POSIX spelling of the same name.
  const name = tz.startsWith(':') ? tz.slice(1) : tz
  const named = resolved !== undefined && resolved !== 'Etc/Unknown'
  // A POSIX rule (`CST-8`, `EST5EDT` without its IANA alias) names no zone Intl knows, but
  // Node's dates follow it: only a process left on UTC by a TZ it did not understand is wrong.
  if (!named && offsets.some((o) => o !== 0)) return null
  let known = IANA_NAME.test(name) && named
  if (known) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: name })
    } catch {
      known = false
    }
  }
  return known
    ? null
    : `${JSON.stringify(tz)} is not a time zone Node knows, and the relay would count days and ` +
        'write times in UTC: set it to the venue’s IANA zone name, spelt exactly, e.g. ' +
        'Asia/Shanghai, Asia/Hong_Kong or Europe/Berlin (or leave TZ unset for the machine’s zone)'
}

/**
 * The zone this process counts days and writes times in, for the start line: its IANA name
 * (else `TZ` as given, a POSIX rule such as `CST-8`, or `UTC` without one) and its offset from
 * UTC now, `+08:00`.
 */
export function relayZone(now: number): { timeZone: string; utcOffset: string } {
  const zone = processZone()
  const minutes = -new Date(now).getTimezoneOffset()
  const abs = Math.abs(minutes)
  const two = (n: number): string => String(n).padStart(2, '0')
  return {
    timeZone: zone === undefined || zone === 'Etc/Unknown' ? (process.env.TZ ?? 'UTC') : zone,
    utcOffset: `${minutes < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`,
  }
}

/**
 * The relay's zone as a browser can use it (the console writes the relay's times in it):
 * `resolved`, the IANA name this process runs in, when it has one; else, for a POSIX rule such
 * as `CST-8` that Intl cannot use, the zone of its offset from UTC now (`offsetMinutes`, east
 * positive): `Etc/GMT-8` for whole hours (the Etc names count the other way), `UTC` for none,
 * else the offset itself, `+05:30`, which the console turns into clock times by hand where the
 * browser does not take it.
 */
export function browserZone(resolved: string | undefined, offsetMinutes: number): string {
  if (resolved !== undefined && resolved !== 'Etc/Unknown') return resolved
  if (offsetMinutes === 0) return 'UTC'
  const abs = Math.abs(offsetMinutes)
  if (abs % 60 === 0) return `Etc/GMT${offsetMinutes > 0 ? '-' : '+'}${abs / 60}`
  const two = (n: number): string => String(n).padStart(2, '0')
  return `${offsetMinutes < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`
}

/** This process's zone as a browser can use it, at `now` (browserZone). */
export function relayBrowserZone(now: number): string {
  return browserZone(processZone(), -new Date(now).getTimezoneOffset())
}
