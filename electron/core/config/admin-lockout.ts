/** Where the PIN lockout is kept (the `meta` table), so restarting the kiosk does not reset it. */
import type { MetaTable } from '../db/meta-table'
import type { LockoutState } from './admin-auth'

const FAILURES = 'admin.failures'
const LOCKED_UNTIL = 'admin.lockedUntil'

export function loadLockout(meta: MetaTable): LockoutState {
  const until = meta.get(LOCKED_UNTIL)
  return {
    failures: Number(meta.get(FAILURES) ?? 0),
    lockedUntil: until === null ? null : Number(until),
  }
}

export function saveLockout(meta: MetaTable, s: LockoutState): void {
  meta.set(FAILURES, String(s.failures))
  meta.set(LOCKED_UNTIL, s.lockedUntil === null ? null : String(s.lockedUntil))
}
