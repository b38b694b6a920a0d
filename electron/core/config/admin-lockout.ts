/**
 * Where the PIN lockout is kept (the `meta` table), so restarting the kiosk does not reset it;
 * and whether the PIN a start made is still unseen (`pinUnseen`).
 */
import type { MetaTable } from '../db/meta-table'
import type { LockoutState } from './admin-auth'

const FAILURES = 'admin.failures'
const LOCKED_UNTIL = 'admin.lockedUntil'
const PIN_UNSEEN = 'admin.pinUnseen'

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

/**
 * Whether the stored PIN is one a start made and no one has seen yet: set before its hash is
 * saved, cleared once a shell showed it (or the PIN was changed or reset). A start that finds it
 * set makes a new PIN to show, so a first start killed (the plug pulled) between storing the PIN
 * and showing it does not leave the admin area behind a PIN no one knows.
 */
export function pinUnseen(meta: MetaTable): boolean {
  return meta.get(PIN_UNSEEN) !== null
}

export function setPinUnseen(meta: MetaTable, unseen: boolean): void {
  meta.set(PIN_UNSEEN, unseen ? '1' : null)
}
