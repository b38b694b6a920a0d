/** SQL for the ticket pool and the daily quota counter. */
import type { KioskDb } from '../db/db'
import type { CreatedTicket } from './ticket-source'

export interface TicketRow {
  id: number
  connectionId: string
  scene: string
  ticket: string
  url: string
  createdAt: number
  expiresAt: number
  state: 'ready' | 'shown' | 'scanned'
  campaignId: string | null
  rosterEntryId: string | null
}

const COLUMNS = `id, connection_id AS connectionId, scene, ticket, url, created_at AS createdAt,
  expires_at AS expiresAt, state, campaign_id AS campaignId, roster_entry_id AS rosterEntryId`

export class TicketRepo {
  constructor(private readonly db: KioskDb) {}

  insert(connectionId: string, t: CreatedTicket, createdAt: number): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO tickets (connection_id, scene, ticket, url, created_at, expires_at, state)
         VALUES (?, ?, ?, ?, ?, ?, 'ready')`,
      )
      .run(connectionId, t.scene, t.ticket, t.url, createdAt, createdAt + t.expireSeconds * 1000)
  }

  /** Ready tickets that still live at least until `minExpiresAt`. */
  countReady(connectionId: string, minExpiresAt: number): number {
    const row = this.db
      .prepare<[string, number], { n: number }>(
        `SELECT count(*) AS n FROM tickets WHERE connection_id = ? AND state = 'ready' AND expires_at >= ?`,
      )
      .get(connectionId, minExpiresAt)
    return row?.n ?? 0
  }

  /** The ready ticket closest to expiry that still lives until `minExpiresAt` (use them in order). */
  nextReady(connectionId: string, minExpiresAt: number): TicketRow | null {
    return (
      this.db
        .prepare<[string, number], TicketRow>(
          `SELECT ${COLUMNS} FROM tickets WHERE connection_id = ? AND state = 'ready' AND expires_at >= ?
           ORDER BY expires_at, id LIMIT 1`,
        )
        .get(connectionId, minExpiresAt) ?? null
    )
  }

  /** Out of fresh tickets: an anonymous one already shown that lives longest. */
  longestLivedUsed(connectionId: string, minExpiresAt: number): TicketRow | null {
    return (
      this.db
        .prepare<[string, number], TicketRow>(
          `SELECT ${COLUMNS} FROM tickets WHERE connection_id = ? AND state <> 'ready'
           AND roster_entry_id IS NULL AND expires_at >= ? ORDER BY expires_at DESC LIMIT 1`,
        )
        .get(connectionId, minExpiresAt) ?? null
    )
  }

  markShown(id: number, now: number, campaignId: string, rosterEntryId: string | null): void {
    this.db
      .prepare(
        `UPDATE tickets SET state = CASE state WHEN 'ready' THEN 'shown' ELSE state END,
         shown_at = ?, campaign_id = ?, roster_entry_id = ? WHERE id = ?`,
      )
      .run(now, campaignId, rosterEntryId, id)
  }

  purgeExpiredBefore(t: number): void {
    this.db.prepare('DELETE FROM tickets WHERE expires_at < ?').run(t)
  }

  addCreated(day: string, n: number): void {
    this.db
      .prepare(
        `INSERT INTO quota_usage (day, created) VALUES (?, ?)
         ON CONFLICT(day) DO UPDATE SET created = created + excluded.created`,
      )
      .run(day, n)
  }

  createdOn(day: string): number {
    return (
      this.db
        .prepare<[string], { created: number }>('SELECT created FROM quota_usage WHERE day = ?')
        .get(day)?.created ?? 0
    )
  }
}

/** WeChat's daily quotas reset at midnight Beijing time (UTC+8), whatever the kiosk's zone. */
export function quotaDay(now: number): string {
  return new Date(now + 8 * 3_600_000).toISOString().slice(0, 10)
}
