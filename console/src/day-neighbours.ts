/**
 * The calendar days either side of a day `YYYY-MM-DD` (the relay's local days, as the console
 * lists them): an event that runs past midnight has one night's scans on two of them.
 */
const two = (n: number): string => String(n).padStart(2, '0')

/** `day` moved by `by` calendar days, `YYYY-MM-DD`; null for text that is no such date. */
export function shiftDay(day: string, by: number): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (m === null) return null
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const at = new Date(Date.UTC(y, mo - 1, d))
  if (at.getUTCMonth() !== mo - 1 || at.getUTCDate() !== d) return null
  at.setUTCDate(at.getUTCDate() + by)
  return `${at.getUTCFullYear()}-${two(at.getUTCMonth() + 1)}-${two(at.getUTCDate())}`
}

/**
 * Of `listed` (days with a scan), those right before and after `day`, oldest first: the days a
 * night that crossed midnight into or out of `day` also has scans on.
 */
export function neighbourDays(
  day: string,
  listed: readonly { day: string; scans: number }[],
): string[] {
  const near = new Set([shiftDay(day, -1), shiftDay(day, 1)])
  return listed
    .filter((d) => d.scans > 0 && near.has(d.day))
    .map((d) => d.day)
    .sort()
}
