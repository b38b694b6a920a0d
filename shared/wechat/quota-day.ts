/**
 * WeChat's daily quotas (qrcode/create's 45009) reset at midnight Beijing time (UTC+8), not at
 * the caller's midnight: the kiosk's ticket supply and the relay's ticket proxy both stop asking
 * for the rest of the quota day 45009 came on.
 */
const BEIJING_OFFSET_MS = 8 * 3_600_000
const DAY_MS = 86_400_000

export function quotaDay(now: number): string {
  return new Date(now + BEIJING_OFFSET_MS).toISOString().slice(0, 10)
}

/** When the quota day of `now` ends (the next midnight Beijing time), ms since the epoch. */
export function quotaDayEndsAt(now: number): number {
  return (Math.floor((now + BEIJING_OFFSET_MS) / DAY_MS) + 1) * DAY_MS - BEIJING_OFFSET_MS
}
