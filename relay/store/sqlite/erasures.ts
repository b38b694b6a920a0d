/**
 * Visitor erasure on SQLite (relay/store/erasure-types.ts): one write transaction, which first
 * indexes the attendance rows still pending (most were moved while it waited for them), so the
 * campaign's visitor totals it corrects include the visitor's last scans, and no scan of theirs
 * is missed by the rewrite. The visitor's attendance rows in the campaign and their queue
 * entries (what a kiosk replays) then carry the erasure's pseudonym instead of the openid.
 */
import type Database from 'better-sqlite3'
import { z } from 'zod'
import { drawRecordSchema } from '../../../shared/screen-api'
import {
  redactDraw,
  type ErasureAudit,
  type ErasureInput,
  type ErasureResult,
  type ErasureStore,
  type Tombstone,
} from '../erasure-types'
import { visitorTombstone } from '../../../shared/server/visitor-tombstone'
import type { StoreChange } from '../types'
import { statement, writeTransaction } from './statements'

const numberRow = z.object({ number: z.number() })
const countRow = z.object({ n: z.number() })
const drawRow = z.object({ id: z.string(), record: z.string() })
const auditRow = z.object({ campaign_id: z.string(), at: z.number(), by: z.string() })
const tombstoneRow = z.object({ visitor: z.string(), at: z.number() })
const latestRow = z.object({ at: z.number().nullable() })

/** What the erasure needs of the store's consolidated attendance. */
export interface PendingIndex {
  /** Moves every pending row into the attendance table, in the caller's transaction. */
  indexPending(): number
}

export class SqliteErasures implements ErasureStore {
  constructor(
    private readonly db: Database.Database,
    private readonly emit: (change: StoreChange) => void,
    /** Resolves once the attendance rows pending now are in the attendance table (no time limit). */
    private readonly attendanceSettled: () => Promise<void>,
    /** The consolidated attendance (null: the store keeps none). */
    private readonly attendance: PendingIndex | null,
  ) {}

  async erase(input: ErasureInput): Promise<ErasureResult | null> {
    await this.attendanceSettled()
    const { campaignId: c, openid } = input
    const visitor = visitorTombstone(c, openid)
    const result = writeTransaction(this.db, (): ErasureResult | null => {
      if (statement(this.db, 'SELECT 1 FROM campaigns WHERE id = ?').get(c) === undefined) {
        return null
      }
      const run = (sql: string, ...args: unknown[]): number =>
        statement(this.db, sql).run(...args).changes
      const count = (sql: string, ...args: unknown[]): number =>
        countRow.parse(statement(this.db, sql).get(...args)).n
      // A push stored since the wait above has a pending row: indexed here (a few rows, the
      // wait having moved the rest in chunks), so the counts and the rewrites below see it.
      this.attendance?.indexPending()
      const numberRaw = statement(
        this.db,
        'DELETE FROM campaign_visitors WHERE campaign_id = ? AND openid = ? RETURNING number',
      ).get(c, openid)
      const number = numberRaw === undefined ? null : numberRow.parse(numberRaw).number
      if (number !== null) {
        // The campaign's distinct visitors (and returning ones: two scans or more) leave them
        // out from now on, as Redis's, which counts the numbers kept.
        const scans = count(
          `SELECT COUNT(*) AS n FROM (SELECT 1 FROM attendance
             WHERE openid = ? AND campaign_id = ? LIMIT 2)`,
          openid,
          c,
        )
        run(
          `UPDATE attendance_campaign_totals SET visitors = max(visitors - ?, 0),
             returning_visitors = max(returning_visitors - ?, 0) WHERE campaign_id = ?`,
          scans > 0 ? 1 : 0,
          scans >= 2 ? 1 : 0,
          c,
        )
      }
      // Every campaign's visitors leave the erased rows out too (as the campaign's): the
      // openid stays a visitor (returning) only while rows of other campaigns (two) hold it.
      const before = count(
        'SELECT COUNT(*) AS n FROM (SELECT 1 FROM attendance WHERE openid = ? LIMIT 2)',
        openid,
      )
      const after = count(
        `SELECT COUNT(*) AS n FROM (SELECT 1 FROM attendance
           WHERE openid = ? AND campaign_id IS NOT ? LIMIT 2)`,
        openid,
        c,
      )
      if (after < before) {
        run(
          `UPDATE attendance_totals SET visitors = max(visitors - ?, 0),
             returning_visitors = max(returning_visitors - ?, 0) WHERE id = 1`,
          after === 0 ? 1 : 0,
          before >= 2 && after < 2 ? 1 : 0,
        )
      }
      this.pseudonymise(c, openid, input.pseudonym)
      const bindings = run(
        'DELETE FROM campaign_bindings WHERE campaign_id = ? AND openid = ?',
        c,
        openid,
      )
      const stamps =
        run('DELETE FROM stamps WHERE campaign_id = ? AND openid = ?', c, openid) +
        run('DELETE FROM stamp_completions WHERE campaign_id = ? AND openid = ?', c, openid)
      const followUp =
        run('DELETE FROM follow_up_visitors WHERE campaign_id = ? AND openid = ?', c, openid) > 0
      let draws = 0
      for (const raw of statement(
        this.db,
        'SELECT id, record FROM campaign_draws WHERE campaign_id = ?',
      ).all(c)) {
        const row = drawRow.parse(raw)
        const redacted = redactDraw(
          drawRecordSchema.parse(JSON.parse(row.record)),
          openid,
          input.pseudonym,
        )
        if (redacted === null) continue
        run(
          'UPDATE campaign_draws SET record = ? WHERE campaign_id = ? AND id = ?',
          JSON.stringify(redacted),
          c,
          row.id,
        )
        draws++
      }
      // A draw taken on a snapshot from before (the visitor still in it) is drawn again.
      run(
        `INSERT INTO campaign_draw_versions (campaign_id, version) VALUES (?, 1)
           ON CONFLICT (campaign_id) DO UPDATE SET version = version + 1`,
        c,
      )
      run(
        'INSERT INTO campaign_erasures (campaign_id, at, by, visitor) VALUES (?, ?, ?, ?)',
        c,
        input.at,
        input.by,
        visitor,
      )
      return { number, bindings, stamps, followUp, draws }
    })
    if (result !== null) this.emit({ type: 'erasure', campaignId: c, visitor, at: input.at })
    return result
  }

  /**
   * The visitor's queue entries stored in the campaign (acknowledged or not: a kiosk that
   * replays its queue gets the pseudonym), then their attendance rows in it (the console's
   * list, search and exports), rewritten to `pseudonym`, in the caller's transaction. Their
   * rows and queue entries of other campaigns keep the openid. The number, scene and times
   * stay: the number names nobody once the visitor's number is erased.
   */
  private pseudonymise(campaignId: string, openid: string, pseudonym: string): void {
    if (this.attendance !== null) {
      // Every queue entry the store holds has its attendance row now (indexed above): the
      // (openid, kiosk_id, campaign_id) index finds them, and each entry by its key.
      statement(
        this.db,
        `UPDATE events SET openid = @pseudonym WHERE (kiosk_id, seq) IN (
           SELECT kiosk_id, seq FROM attendance WHERE openid = @openid AND campaign_id = @c)
           AND openid = @openid`,
      ).run({ pseudonym, openid, c: campaignId })
    } else {
      // A store that keeps no attendance: by the entries' own campaign, a scan of the queue
      // (no openid index there; an erasure is rare).
      statement(
        this.db,
        'UPDATE events SET openid = @pseudonym WHERE openid = @openid AND campaign_id = @c',
      ).run({ pseudonym, openid, c: campaignId })
    }
    statement(
      this.db,
      'UPDATE attendance SET openid = @pseudonym WHERE openid = @openid AND campaign_id = @c',
    ).run({ pseudonym, openid, c: campaignId })
  }

  audit(campaignId: string, limit: number): Promise<ErasureAudit[]> {
    try {
      return Promise.resolve(
        statement(
          this.db,
          `SELECT campaign_id, at, by FROM campaign_erasures WHERE campaign_id = ?
             ORDER BY at DESC, rowid DESC LIMIT ?`,
        )
          .all(campaignId, limit)
          .map((raw) => {
            const r = auditRow.parse(raw)
            return { campaignId: r.campaign_id, at: r.at, by: r.by }
          }),
      )
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)))
    }
  }

  tombstones(campaignId: string): Promise<Tombstone[]> {
    try {
      return Promise.resolve(
        statement(
          this.db,
          `SELECT visitor, max(at) AS at FROM campaign_erasures
             WHERE campaign_id = ? AND visitor IS NOT NULL
             GROUP BY visitor ORDER BY at, visitor`,
        )
          .all(campaignId)
          .map((raw) => tombstoneRow.parse(raw)),
      )
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)))
    }
  }

  erasedAt(campaignId: string, visitor: string): Promise<number | null> {
    try {
      // The (campaign_id, visitor) index (migration 24): the visitor's own lines only.
      const raw = statement(
        this.db,
        'SELECT max(at) AS at FROM campaign_erasures WHERE campaign_id = ? AND visitor = ?',
      ).get(campaignId, visitor)
      return Promise.resolve(latestRow.parse(raw).at)
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)))
    }
  }
}
