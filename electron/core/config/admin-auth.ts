/**
 * The admin PIN: salted scrypt hash, lockout after repeated wrong PINs for a growing period
 * (persisted, so restarting the kiosk does not reset it), and an admin session that ends
 * after a quiet spell so a kiosk left unlocked locks itself.
 */
import { randomBytes, randomInt, scryptSync, timingSafeEqual } from 'node:crypto'
import { ADMIN_SESSION_IDLE_MS } from '../../../shared/ipc'

export interface PinHash {
  salt: string
  hash: string
}

export interface LockoutState {
  failures: number
  lockedUntil: number | null
}

export interface AdminAuthOptions {
  now: () => number
  getPinHash(): PinHash | null
  setPinHash(hash: PinHash): void
  loadLockout(): LockoutState
  saveLockout(state: LockoutState): void
  /** Admin session ends after this long without an admin call. */
  idleMs?: number
  maxAttempts?: number
  /** First lockout; each further wrong PIN doubles it, up to `maxLockMs`. */
  lockBaseMs?: number
  maxLockMs?: number
}

export type UnlockResult =
  { ok: true } | { ok: false; attemptsLeft: number; lockedUntil: number | null }

export function hashPin(pin: string, salt = randomBytes(16).toString('base64url')): PinHash {
  return { salt, hash: scryptSync(pin, salt, 32).toString('base64url') }
}

export function pinMatches(pin: string, stored: PinHash): boolean {
  const candidate = Buffer.from(hashPin(pin, stored.salt).hash, 'base64url')
  const expected = Buffer.from(stored.hash, 'base64url')
  return candidate.length === expected.length && timingSafeEqual(candidate, expected)
}

/** `digits` decimal digits, each uniform (randomInt; `byte % 10` favoured 0-5), zeros kept. */
export function randomPin(digits = 6): string {
  let pin = ''
  for (let i = 0; i < digits; i++) pin += String(randomInt(10))
  return pin
}

export class AdminAuth {
  private unlockedUntil = 0
  private readonly idleMs: number
  private readonly maxAttempts: number
  private readonly lockBaseMs: number
  private readonly maxLockMs: number

  constructor(private readonly o: AdminAuthOptions) {
    this.idleMs = o.idleMs ?? ADMIN_SESSION_IDLE_MS
    this.maxAttempts = o.maxAttempts ?? 5
    this.lockBaseMs = o.lockBaseMs ?? 60_000
    this.maxLockMs = o.maxLockMs ?? 60 * 60_000
  }

  /** True while a session is open; each admin call extends it. */
  checkAndTouch(): boolean {
    const now = this.o.now()
    if (!this.openAt(now)) {
      this.unlockedUntil = 0
      return false
    }
    this.unlockedUntil = now + this.idleMs
    return true
  }

  /** Whether a session is open, without extending it (for what is not an admin use). */
  isUnlocked(): boolean {
    return this.openAt(this.o.now())
  }

  /**
   * Whether a session is open at `now`. More left than a session ever has: it began before the
   * clock was set back, and is over.
   */
  private openAt(now: number): boolean {
    return now < this.unlockedUntil && this.unlockedUntil - now <= this.idleMs
  }

  unlock(pin: string): UnlockResult {
    const result = this.attempt(pin)
    if (result.ok) this.unlockedUntil = this.o.now() + this.idleMs
    return result
  }

  /**
   * Checks a PIN against the stored one, counting a wrong one towards the lockout: the PIN pad
   * and the change-PIN form alike, so neither is a way to guess on past the lockout.
   */
  private attempt(pin: string): UnlockResult {
    const now = this.o.now()
    const state = this.o.loadLockout()
    // While locked out even the right PIN is refused, or guessing would just continue. A
    // lockout with more left than the longest one set before the clock was set back: it ends
    // the longest lockout from now, not when the clock catches up hours later.
    if (state.lockedUntil !== null && state.lockedUntil - now > this.maxLockMs) {
      state.lockedUntil = now + this.maxLockMs
      this.o.saveLockout(state)
    }
    if (state.lockedUntil !== null && now < state.lockedUntil) {
      return { ok: false, attemptsLeft: 0, lockedUntil: state.lockedUntil }
    }
    const stored = this.o.getPinHash()
    if (stored !== null && pinMatches(pin, stored)) {
      this.o.saveLockout({ failures: 0, lockedUntil: null })
      return { ok: true }
    }
    const failures = state.failures + 1
    let lockedUntil: number | null = null
    if (failures >= this.maxAttempts) {
      const period = Math.min(this.maxLockMs, this.lockBaseMs * 2 ** (failures - this.maxAttempts))
      lockedUntil = now + period
    }
    this.o.saveLockout({ failures, lockedUntil })
    return { ok: false, attemptsLeft: Math.max(0, this.maxAttempts - failures), lockedUntil }
  }

  lock(): void {
    this.unlockedUntil = 0
  }

  /**
   * An organizer cleared the lockout from the relay's console (the `admin-unlock` frame on the
   * kiosk's authenticated link): the wrong-PIN count starts over and the PIN pad takes a PIN
   * at once. The PIN stays and no session opens, so this never lets anyone in without it.
   * Returns what was cleared (for the log); clearing nothing changes nothing.
   */
  clearLockout(): LockoutState {
    const state = this.o.loadLockout()
    if (state.failures !== 0 || state.lockedUntil !== null) {
      this.o.saveLockout({ failures: 0, lockedUntil: null })
    }
    return state
  }

  /**
   * Needs an open session (the caller checked) and the current PIN again. A wrong current PIN
   * counts as a wrong PIN; one that brings on the lockout also ends the session ('locked'), so
   * an admin area left open is no place to go on guessing.
   */
  setPin(currentPin: string, newPin: string): 'changed' | 'wrong' | 'locked' {
    const result = this.attempt(currentPin)
    if (!result.ok) {
      if (result.lockedUntil === null) return 'wrong'
      this.lock()
      return 'locked'
    }
    this.o.setPinHash(hashPin(newPin))
    return 'changed'
  }
}
