/**
 * Login lockout: every attempt counts against the organizer name and the client address, and
 * past a few free ones each earns a growing delay during which the next is refused (429
 * `locked_out`, Retry-After) without looking at the password. Counted before the password is
 * checked, so a burst of parallel guesses cannot slip past the count; a success clears the
 * name's counter and uncounts the address's. The counters live in the store: every instance
 * sees them and a restart keeps them.
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
  if (current.lockedUntil > now) return { retryAfterMs: current.lockedUntil - now }
  const count = current.count + 1
  return { next: { count, lockedUntil: now + lockoutDelayMs(count, policy), updatedAt: now } }
}
