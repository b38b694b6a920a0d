/** The fallback-code half of the SQLite store: one permanent code per kiosk, first write wins. */
import type Database from 'better-sqlite3'
import { z } from 'zod'
import { statement } from './statements'
import type { FallbackCodeRecord, ReleaseLease } from '../types'

type Db = Database.Database

const fallbackRow = z.object({
  ticket: z.string(),
  url: z.string(),
  scene: z.string(),
  created_at: z.number(),
})

export function readFallbackCode(db: Db, kioskId: string): FallbackCodeRecord | null {
  const row = statement(
    db,
    'SELECT ticket, url, scene, created_at FROM fallback_codes WHERE kiosk_id = ?',
  ).get(kioskId)
  if (row === undefined) return null
  const r = fallbackRow.parse(row)
  return { ticket: r.ticket, url: r.url, scene: r.scene, createdAt: r.created_at }
}

export function writeFallbackCode(
  db: Db,
  kioskId: string,
  code: FallbackCodeRecord,
): FallbackCodeRecord {
  statement(
    db,
    `INSERT INTO fallback_codes (kiosk_id, ticket, url, scene, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (kiosk_id) DO NOTHING`,
  ).run(kioskId, code.ticket, code.url, code.scene, code.createdAt)
  const kept = readFallbackCode(db, kioskId)
  if (kept === null) throw new Error('fallback code vanished')
  return kept
}

/**
 * Creation leases in memory: one relay process owns the SQLite store, so its own memory is
 * where every caller meets.
 */
export class LocalLeases {
  private readonly held = new Map<string, { token: symbol; until: number }>()

  take(key: string, ttlMs: number, now: number = Date.now()): ReleaseLease | null {
    const current = this.held.get(key)
    if (current !== undefined && current.until > now) return null
    const token = Symbol(key)
    this.held.set(key, { token, until: now + ttlMs })
    return () => {
      if (this.held.get(key)?.token === token) this.held.delete(key)
      return Promise.resolve()
    }
  }
}
