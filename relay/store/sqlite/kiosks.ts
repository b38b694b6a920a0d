/** The kiosk half of the SQLite store: records, token hashes, integer scene ranges. */
import type Database from 'better-sqlite3'
import { kioskRow, rangeRow } from './rows'
import { statement, writeTransaction } from './statements'
import { newEpoch } from '../store-util'
import {
  KioskExistsError,
  SceneRangeClashError,
  type KioskRecord,
  type PutKioskInput,
} from '../types'

type Db = Database.Database

function rangesOf(db: Db, kioskId: string): KioskRecord['sceneRanges'] {
  return statement(db, 'SELECT lo, hi, kiosk_id FROM scene_ranges WHERE kiosk_id = ? ORDER BY lo')
    .all(kioskId)
    .map((r) => {
      const { lo, hi } = rangeRow.parse(r)
      return { lo, hi }
    })
}

function toRecord(db: Db, raw: unknown): KioskRecord {
  const row = kioskRow.parse(raw)
  return {
    kioskId: row.kiosk_id,
    tokenHash: row.token_hash,
    epoch: row.epoch,
    headSeq: row.head_seq,
    ackedSeq: row.acked_seq,
    ticketProxy: row.ticket_proxy === 1,
    sceneRanges: rangesOf(db, row.kiosk_id),
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  }
}

export function readKiosk(db: Db, kioskId: string): KioskRecord | null {
  const row = statement(db, 'SELECT * FROM kiosks WHERE kiosk_id = ?').get(kioskId)
  return row === undefined ? null : toRecord(db, row)
}

export function readKiosks(db: Db): KioskRecord[] {
  return statement(db, 'SELECT * FROM kiosks ORDER BY kiosk_id')
    .all()
    .map((r) => toRecord(db, r))
}

/** Creates the kiosk or replaces its token and ranges; epoch and queue stay. */
export function writeKiosk(db: Db, input: PutKioskInput): void {
  writeTransaction(db, () => {
    if (input.onlyIfNew === true && readKiosk(db, input.kioskId) !== null) {
      throw new KioskExistsError(input.kioskId)
    }
    for (const r of input.sceneRanges) {
      const clash = statement(
        db,
        'SELECT kiosk_id, lo, hi FROM scene_ranges WHERE lo <= ? AND hi >= ? AND kiosk_id != ? ORDER BY lo LIMIT 1',
      ).get(r.hi, r.lo, input.kioskId) as { kiosk_id: string; lo: number; hi: number } | undefined
      if (clash !== undefined) {
        throw new SceneRangeClashError(r, clash.kiosk_id, { lo: clash.lo, hi: clash.hi })
      }
    }
    statement(
      db,
      `INSERT INTO kiosks (kiosk_id, token_hash, epoch, ticket_proxy, created_at)
       VALUES (@kioskId, @tokenHash, @epoch, @ticketProxy, @now)
       ON CONFLICT (kiosk_id) DO UPDATE SET token_hash = excluded.token_hash,
         ticket_proxy = excluded.ticket_proxy, revoked_at = NULL`,
    ).run({
      kioskId: input.kioskId,
      tokenHash: input.tokenHash,
      now: input.now,
      epoch: newEpoch(),
      ticketProxy: input.ticketProxy ? 1 : 0,
    })
    statement(db, 'DELETE FROM scene_ranges WHERE kiosk_id = ?').run(input.kioskId)
    const insert = statement(db, 'INSERT INTO scene_ranges (lo, hi, kiosk_id) VALUES (?, ?, ?)')
    for (const r of input.sceneRanges) insert.run(r.lo, r.hi, input.kioskId)
  })
}

/**
 * Voids the kiosk's unused pairing code and marks it revoked, in one transaction (either both
 * or, on an error, neither). 'revoked' when this call revoked it, 'already' when it was, null
 * when there is no such kiosk.
 */
export function markRevoked(db: Db, kioskId: string, now: number): 'revoked' | 'already' | null {
  return writeTransaction(db, () => {
    statement(db, 'DELETE FROM pairing_codes WHERE kiosk_id = ? AND used_at IS NULL').run(kioskId)
    const marked = statement(
      db,
      'UPDATE kiosks SET revoked_at = ? WHERE kiosk_id = ? AND revoked_at IS NULL',
    ).run(now, kioskId)
    if (marked.changes > 0) return 'revoked'
    return statement(db, 'SELECT 1 FROM kiosks WHERE kiosk_id = ?').get(kioskId) === undefined
      ? null
      : 'already'
  })
}

export function integerSceneOwner(db: Db, scene: number): string | null {
  const row = statement(
    db,
    'SELECT lo, hi, kiosk_id FROM scene_ranges WHERE lo <= ? ORDER BY lo DESC LIMIT 1',
  ).get(scene)
  const r = row === undefined ? null : rangeRow.parse(row)
  return r !== null && r.hi >= scene ? r.kiosk_id : null
}
