/**
 * The `tickets` and `quota_usage` tables and the spent-quota day in `meta`: their one owner,
 * statements prepared once (better-sqlite3 compiles SQL on every `prepare`). Built once by the
 * core and shared by the pool, the supply and the attendance store.
 */
import type { Statement } from 'better-sqlite3'
import type { KioskDb } from '../db/db'
import type { MetaTable } from '../db/meta-table'
import type { CreatedTicket } from './ticket-source'
import { quotaDay } from '../../../shared/wechat/quota-day'

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

/** What a scan needs of the code it came from. */
export interface ScannedTicket {
  campaignId: string | null
  rosterEntryId: string | null
}

/** The WeChat quota day (see `quotaDay`) on which 45009 said no more codes. */
export const QUOTA_META = 'pool.quotaExhaustedDay'

const COLUMNS = `id, connection_id AS connectionId, scene, ticket, url, created_at AS createdAt,
  expires_at AS expiresAt, state, campaign_id AS campaignId, roster_entry_id AS rosterEntryId`

export class TicketRepo {
  private readonly q: {
    insert: Statement<[string, string, string, string, number, number]>
    countReady: Statement<[string, number, number], { n: number }>
    nextReady: Statement<[string, number, number], TicketRow>
    longestLivedUsed: Statement<[string, number, number], TicketRow>
    markShown: Statement<[number, string, string | null, number]>
    byScene: Statement<[string], ScannedTicket>
    markScanned: Statement<[string]>
    purge: Statement<[number]>
    retire: Statement<[]>
    addCreated: Statement<[string, number]>
    createdOn: Statement<[string], { created: number }>
  }
  private readonly storeTx: (connectionId: string, tickets: CreatedTicket[], at: number) => void

  constructor(
    private readonly db: KioskDb,
    private readonly meta: MetaTable,
  ) {
    this.q = {
      insert: db.prepare(
        `INSERT OR IGNORE INTO tickets (connection_id, scene, ticket, url, created_at, expires_at, state)
         VALUES (?, ?, ?, ?, ?, ?, 'ready')`,
      ),
      countReady: db.prepare(
        `SELECT count(*) AS n FROM tickets WHERE connection_id = ? AND state = 'ready' AND expires_at >= ?
         AND created_at <= ?`,
      ),
      nextReady: db.prepare(
        `SELECT ${COLUMNS} FROM tickets WHERE connection_id = ? AND state = 'ready' AND expires_at >= ?
         AND created_at <= ? ORDER BY expires_at, id LIMIT 1`,
      ),
      // `IN`, not `<> 'ready'`: the index then bounds each state's rows by their expiry, so
      // the live few are read, not the week of used codes (every tick while nothing is fresh).
      longestLivedUsed: db.prepare(
        `SELECT ${COLUMNS} FROM tickets WHERE connection_id = ? AND state IN ('shown', 'scanned')
         AND roster_entry_id IS NULL AND expires_at >= ? AND created_at <= ?
         ORDER BY expires_at DESC LIMIT 1`,
      ),
      markShown: db.prepare(
        `UPDATE tickets SET state = CASE state WHEN 'ready' THEN 'shown' ELSE state END,
         shown_at = ?, campaign_id = ?, roster_entry_id = ? WHERE id = ?`,
      ),
      byScene: db.prepare(
        'SELECT campaign_id AS campaignId, roster_entry_id AS rosterEntryId FROM tickets WHERE scene = ?',
      ),
      markScanned: db.prepare(`UPDATE tickets SET state = 'scanned' WHERE scene = ?`),
      purge: db.prepare('DELETE FROM tickets WHERE expires_at < ?'),
      // ':' is in no connection id (base64url), so no pool query ever matches a retired one.
      retire: db.prepare(
        `UPDATE tickets SET connection_id = 'copied:' || connection_id
         WHERE connection_id NOT LIKE 'copied:%'`,
      ),
      addCreated: db.prepare(
        `INSERT INTO quota_usage (day, created) VALUES (?, ?)
         ON CONFLICT(day) DO UPDATE SET created = created + excluded.created`,
      ),
      createdOn: db.prepare('SELECT created FROM quota_usage WHERE day = ?'),
    }
    this.storeTx = db.transaction((connectionId: string, tickets: CreatedTicket[], at: number) => {
      for (const t of tickets) {
        this.q.insert.run(connectionId, t.scene, t.ticket, t.url, at, at + t.expireSeconds * 1000)
      }
      this.q.addCreated.run(quotaDay(at), tickets.length)
    })
  }

  /** New tickets from the source, and what they add to the day's count, in one transaction. */
  storeCreated(connectionId: string, tickets: CreatedTicket[], createdAt: number): void {
    this.storeTx(connectionId, tickets, createdAt)
  }

  /**
   * Ready tickets that still live at least until `minExpiresAt`. Only those made by `madeBy`
   * count: one stamped later was made before the clock was set back, so its real expiry is
   * unknown (see `madeByLimit`).
   */
  countReady(connectionId: string, minExpiresAt: number, madeBy: number): number {
    return this.q.countReady.get(connectionId, minExpiresAt, madeBy)?.n ?? 0
  }

  /** The ready ticket closest to expiry that still lives until `minExpiresAt` (use them in order). */
  nextReady(connectionId: string, minExpiresAt: number, madeBy: number): TicketRow | null {
    return this.q.nextReady.get(connectionId, minExpiresAt, madeBy) ?? null
  }

  /** Out of fresh tickets: an anonymous one already shown that lives longest. */
  longestLivedUsed(connectionId: string, minExpiresAt: number, madeBy: number): TicketRow | null {
    return this.q.longestLivedUsed.get(connectionId, minExpiresAt, madeBy) ?? null
  }

  markShown(id: number, now: number, campaignId: string, rosterEntryId: string | null): void {
    this.q.markShown.run(now, campaignId, rosterEntryId, id)
  }

  /** The ticket a scan came from, or null for a code we have no record of. */
  byScene(scene: string): ScannedTicket | null {
    return this.q.byScene.get(scene) ?? null
  }

  markScanned(scene: string): void {
    this.q.markScanned.run(scene)
  }

  purgeExpiredBefore(t: number): void {
    this.q.purge.run(t)
  }

  /**
   * A data folder copied from another booth (config/folder-home.ts): every ticket it brought is
   * the other booth's (its next codes, the one on its screen, those it puts up again when out
   * of fresh ones), so none is ever shown here: they leave every connection's pool. The rows
   * stay until they expire, so a scan of one still finds its campaign and registration.
   * Returns how many.
   */
  retireCopied(): number {
    return this.q.retire.run().changes
  }

  /**
   * Leaving demo mode: the demo's codes (its campaign's, and any scene of the demo kiosk) and
   * the quota count (sandbox codes do not spend the real account's quota). Returns how many
   * codes went. Run once, so prepared here.
   */
  forgetDemo(campaignId: string, kioskId: string): number {
    const { changes } = this.db
      .prepare(`DELETE FROM tickets WHERE campaign_id = ? OR substr(scene, 1, length(?)) = ?`)
      .run(campaignId, `${kioskId}:`, `${kioskId}:`)
    this.db.prepare('DELETE FROM quota_usage').run()
    this.meta.set(QUOTA_META, null)
    return changes
  }

  createdOn(day: string): number {
    return this.q.createdOn.get(day)?.created ?? 0
  }

  quotaExhaustedOn(day: string): boolean {
    return this.meta.get(QUOTA_META) === day
  }

  markQuotaExhausted(day: string): void {
    this.meta.set(QUOTA_META, day)
  }
}

/**
 * How far in the future a ticket's `createdAt` may lie and the ticket still be trusted. A ticket
 * is stamped with the kiosk's clock when it is asked for; one stamped later than this was made
 * before the clock was set back (NTP correcting a clock that ran ahead), and its stored expiry
 * is that much too late: it would stay on screen after WeChat stopped taking it.
 */
export const CLOCK_SLACK_MS = 5_000

/** The latest `createdAt` a ticket usable at `now` can have. */
export function madeByLimit(now: number): number {
  return now + CLOCK_SLACK_MS
}

/** WeChat's daily quotas reset at midnight Beijing time (UTC+8), whatever the kiosk's zone. */
export { quotaDay }
