/** Small pieces of state kept in the `meta` table: PIN lockout and the relay cursor. */
import type { LockoutState } from '../config/admin-auth'
import { readMeta, writeMeta, type KioskDb } from './db'
import type { RelayCursor } from '../scans/relay-link'

export function loadLockout(db: KioskDb): LockoutState {
  const until = readMeta(db, 'admin.lockedUntil')
  return {
    failures: Number(readMeta(db, 'admin.failures') ?? 0),
    lockedUntil: until === null ? null : Number(until),
  }
}

export function saveLockout(db: KioskDb, s: LockoutState): void {
  writeMeta(db, 'admin.failures', String(s.failures))
  writeMeta(db, 'admin.lockedUntil', s.lockedUntil === null ? null : String(s.lockedUntil))
}

/** Kept per connection: another relay, or another kiosk id on it, has its own seq space. */
export function loadCursor(db: KioskDb, connectionId: string): RelayCursor {
  const raw = readMeta(db, `relay.cursor:${connectionId}`)
  if (raw === null) return { epoch: null, lastSeq: 0 }
  const [epoch = '', seq = '0'] = raw.split('\n')
  return { epoch, lastSeq: Number(seq) }
}

export function saveCursor(db: KioskDb, connectionId: string, epoch: string, seq: number): void {
  writeMeta(db, `relay.cursor:${connectionId}`, `${epoch}\n${seq}`)
}
