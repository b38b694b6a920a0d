/**
 * Login lockout: every attempt counts against the organizer name and the client address, and
 * past a few free ones each earns a growing delay during which the next is refused (429
 * `locked_out`, Retry-After) without looking at the password. Counted before the password is
 * checked, so a burst of parallel guesses cannot slip past the count; a success clears the
 * name's counter and uncounts the address's, and so does (the address's) an attempt the name's
 * lock refuses, as no password was checked: one organizer's locked name must not lock out the
 * others behind the same office NAT. One the scrypt gate turns away ("busy", no
 * password checked) is uncounted wherever it counted, so load alone locks nothing out. A
 * sign-in from the organizer's known browser (a device cookie) counts against that browser
 * instead (DEVICE_LOCKOUT). The counters live in the store: every instance sees them and a
 * restart keeps them.
 */
import type { LockoutPolicy } from '../store/console-types'

/**
 * Per name: 5 free attempts, then 1 s, 2 s, 4 s … up to 15 min (the 16th attempt and on).
 * A name is one person typing: 5 typos is generous, and ten guesses a minute at most after
 * an hour of trying (under a thousand a day) leaves a 128-bit password untouched.
 */
export const NAME_LOCKOUT: LockoutPolicy = {
  free: 5,
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 24 * 3_600_000,
}

/**
 * Per address: 20 free (a venue's organizers may share one NAT address), then the same
 * doubling: what stops one address from spraying guesses over many names.
 */
export const ADDRESS_LOCKOUT: LockoutPolicy = { ...NAME_LOCKOUT, free: 20 }

/**
 * Per known browser (a valid device cookie, relay/console/device-cookies.ts): the organizer's own
 * browser is not held to its name's lockout, so someone who only knows the name cannot keep them
 * out. Its own small limit instead: 4 free failures, and the 5th takes the exemption away for a
 * day (the browser is then a stranger's, under the name's lockout). A success clears it.
 */
export const DEVICE_LOCKOUT: LockoutPolicy = {
  free: 4,
  baseDelayMs: 24 * 3_600_000,
  maxDelayMs: 24 * 3_600_000,
  forgetAfterMs: 24 * 3_600_000,
}

/** The counters' keys in the store: one per organizer name, client address, known browser. */
export const nameLockoutKey = (name: string): string => `name:${name}`
export const addressLockoutKey = (limitKey: string): string => `addr:${limitKey}`
export const deviceLockoutKey = (deviceId: string): string => `device:${deviceId}`

/** The delay the `count`-th attempt earns. */
export function lockoutDelayMs(count: number, policy: LockoutPolicy): number {
  if (count <= policy.free) return 0
  const doublings = Math.min(count - policy.free - 1, 40)
  return Math.min(policy.baseDelayMs * 2 ** doublings, policy.maxDelayMs)
}

export interface LockoutState {
  count: number
  lockedUntil: number
  updatedAt: number
}

/** The pure step both stores take atomically: the new state, or how long to wait. */
export function lockoutStep(
  state: LockoutState | null,
  now: number,
  policy: LockoutPolicy,
): { next: LockoutState } | { retryAfterMs: number } {
  const current =
    state === null || now - state.updatedAt >= policy.forgetAfterMs
      ? { count: 0, lockedUntil: 0 }
      : state
  // A lock lasts at most what its count earned, from now: one stamped by a clock ahead of this
  // one (another instance's before NTP synced it, or this one's before NTP set it back) would
  // otherwise last that much longer, and a free attempt (no delay) would lock until then.
  const wait = Math.min(current.lockedUntil - now, lockoutDelayMs(current.count, policy))
  if (wait > 0) return { retryAfterMs: wait }
  const count = current.count + 1
  return { next: { count, lockedUntil: now + lockoutDelayMs(count, policy), updatedAt: now } }
}
