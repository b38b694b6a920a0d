/**
 * WeChat's daily quotas (qrcode/create's 45009) reset at midnight Beijing time (UTC+8), not at
 * the caller's midnight: the kiosk's ticket supply and the relay's ticket proxy both stop asking
 * for the rest of the quota day 45009 came on.
 */
export function quotaDay(now: number): string {
  return new Date(now + 8 * 3_600_000).toISOString().slice(0, 10)
}
