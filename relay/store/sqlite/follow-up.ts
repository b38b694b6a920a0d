/**
 * The SQLite store's follow-up state (relay/store/follow-up-types.ts), in the tables of
 * migration 11. Written directly, not through the push's group commit: the worker's writes are
 * few and off the push path, and a better-sqlite3 transaction never spans an await.
 */
import type Database from 'better-sqlite3'
import { z } from 'zod'
import {
  followUpFailuresOf,
  mergeFollowUpVisitor,
  tallyFollowUp,
  promotion,
  type CampaignTag,
  type FollowUpCounts,
  type FollowUpFailure,
  type FollowUpStore,
  type FollowUpVisitor,
  type LeaseAnswer,
  type MessageWrite,
  type NewFollowUpVisitor,
  type OutboxRow,
  type TagUpdate,
} from '../follow-up-types'
import { statement, writeTransaction } from './statements'
import { noFollowUpCounts } from '../../../shared/follow-up-api'

const visitorRow = z.object({
  campaign_id: z.string(),
  openid: z.string(),
  kiosk_id: z.string(),
  number: z.number(),
  scanned_at: z.number(),
  tag_state: z.enum(['pending', 'tagged', 'failed']).nullable(),
  tag_errcode: z.number(),
  tag_attempts: z.number(),
  tag_due_at: z.number(),
  msg_state: z.enum(['pending', 'sending', 'sent', 'outside-window', 'failed']).nullable(),
  msg_errcode: z.number(),
  msg_attempts: z.number(),
  msg_due_at: z.number(),
})

function toVisitor(raw: unknown): FollowUpVisitor {
  const r = visitorRow.parse(raw)
  return {
    campaignId: r.campaign_id,
    openid: r.openid,
    kioskId: r.kiosk_id,
    number: r.number,
    scannedAt: r.scanned_at,
    tag: r.tag_state,
    tagErrcode: r.tag_errcode,
    tagAttempts: r.tag_attempts,
    tagDueAt: r.tag_due_at,
    message: r.msg_state,
    messageErrcode: r.msg_errcode,
    messageAttempts: r.msg_attempts,
    messageDueAt: r.msg_due_at,
  }
}

const outboxRow = z.object({
  seq: z.number(),
  openid: z.string(),
  received_at: z.number(),
  campaign_id: z.string().nullable(),
})
const VISITOR_COLUMNS = `campaign_id, openid, kiosk_id, number, scanned_at, tag_state,
  tag_errcode, tag_attempts, tag_due_at, msg_state, msg_errcode, msg_attempts, msg_due_at`
const earliestDueRow = z.object({ tag: z.number().nullable(), message: z.number().nullable() })
const seqRow = z.object({ seq: z.number() })
const leaseRow = z.object({ owner: z.string(), expires_at: z.number() })
const tagRow = z.object({ name: z.string(), tag_id: z.number() })
const numberRow = z.object({ openid: z.string(), number: z.number() })
const countersRow = z.object({
  tagged: z.number(),
  pending: z.number(),
  failed: z.number(),
  retagged: z.number(),
  sent: z.number(),
  outside_window: z.number(),
  message_failed: z.number(),
  message_pending: z.number(),
})

export class SqliteFollowUpStore implements FollowUpStore {
  private readonly recordTx: Database.Transaction<
    (kioskId: string, seq: number, visitors: readonly NewFollowUpVisitor[]) => void
  >
  private readonly leaseTx: Database.Transaction<
    (owner: string, now: number, ttlMs: number) => LeaseAnswer
  >

  constructor(
    private readonly db: Database.Database,
    /** Resolves once the attendance rows pending now are in the table `rowsAfter` reads. */
    private readonly attendanceSettled: () => Promise<void>,
  ) {
    this.recordTx = db.transaction((kioskId, seq, visitors) => {
      const insert = statement(
        db,
        `INSERT INTO follow_up_visitors (campaign_id, openid, kiosk_id, number, scanned_at,
           tag_state, msg_state) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (campaign_id, openid) DO NOTHING`,
      )
      const existing = statement(
        db,
        `SELECT ${VISITOR_COLUMNS} FROM follow_up_visitors WHERE campaign_id = ? AND openid = ?`,
      )
      for (const v of visitors) {
        const old = existing.get(v.campaignId, v.openid)
        if (old === undefined) {
          insert.run(v.campaignId, v.openid, v.kioskId, v.number, v.scannedAt, v.tag, v.message)
        } else {
          const next = mergeFollowUpVisitor(toVisitor(old), v)
          if (next !== null) this.rewrite(next)
        }
      }
      statement(
        db,
        `INSERT INTO follow_up_cursors (kiosk_id, seq) VALUES (?, ?)
         ON CONFLICT (kiosk_id) DO UPDATE SET seq = max(seq, excluded.seq)`,
      ).run(kioskId, seq)
    })
    this.leaseTx = db.transaction((owner, now, ttlMs) => {
      const row = statement(db, 'SELECT owner, expires_at FROM follow_up_lease WHERE id = 1').get()
      const held = row === undefined ? null : leaseRow.parse(row)
      const running = held !== null && held.expires_at > now
      if (running && held.owner !== owner) return false
      statement(
        db,
        `INSERT INTO follow_up_lease (id, owner, expires_at) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at`,
      ).run(owner, now + ttlMs)
      return running ? 'renewed' : 'taken'
    })
  }

  lease(owner: string, now: number, ttlMs: number): Promise<LeaseAnswer> {
    return attempt(() => this.leaseTx.immediate(owner, now, ttlMs))
  }

  cursor(kioskId: string): Promise<number> {
    return attempt(() => {
      const row = statement(this.db, 'SELECT seq FROM follow_up_cursors WHERE kiosk_id = ?').get(
        kioskId,
      )
      return row === undefined ? 0 : seqRow.parse(row).seq
    })
  }

  async rowsAfter(kioskId: string, afterSeq: number, limit: number): Promise<OutboxRow[]> {
    await this.attendanceSettled()
    return attempt(() =>
      statement(
        this.db,
        `SELECT seq, openid, received_at, campaign_id FROM attendance WHERE kiosk_id = ?
           AND seq > ? ORDER BY seq LIMIT ?`,
      )
        .all(kioskId, afterSeq, limit)
        .map((raw) => {
          const r = outboxRow.parse(raw)
          const row: OutboxRow = { seq: r.seq, openid: r.openid, receivedAt: r.received_at }
          if (r.campaign_id !== null) row.campaignId = r.campaign_id
          return row
        }),
    )
  }

  /** A merged visitor's states and window start (the caller's transaction). */
  private rewrite(v: FollowUpVisitor): void {
    statement(
      this.db,
      `UPDATE follow_up_visitors SET scanned_at = ?, tag_state = ?, tag_due_at = ?,
         msg_state = ?, msg_due_at = ? WHERE campaign_id = ? AND openid = ?`,
    ).run(v.scannedAt, v.tag, v.tagDueAt, v.message, v.messageDueAt, v.campaignId, v.openid)
  }

  promote(
    campaignId: string,
    what: { tag: boolean; message: boolean },
    now: number,
    windowMs: number,
  ): Promise<number> {
    return attempt(() =>
      writeTransaction(this.db, () => {
        const missing = statement(
          this.db,
          `SELECT ${VISITOR_COLUMNS} FROM follow_up_visitors WHERE campaign_id = ?
             AND ((? AND tag_state IS NULL) OR (? AND msg_state IS NULL))`,
        )
          .all(campaignId, what.tag ? 1 : 0, what.message ? 1 : 0)
          .map(toVisitor)
        let changed = 0
        for (const old of missing) {
          const next = mergeFollowUpVisitor(old, promotion(old, what, now, windowMs))
          if (next === null) continue
          this.rewrite(next)
          changed++
        }
        return changed
      }),
    )
  }

  numbers(campaignId: string, openids: readonly string[]): Promise<Map<string, number>> {
    return attempt(() => {
      const get = statement(
        this.db,
        'SELECT openid, number FROM campaign_visitors WHERE campaign_id = ? AND openid = ?',
      )
      const out = new Map<string, number>()
      for (const o of new Set(openids)) {
        const row = get.get(campaignId, o)
        if (row !== undefined) out.set(o, numberRow.parse(row).number)
      }
      return out
    })
  }

  record(kioskId: string, seq: number, visitors: readonly NewFollowUpVisitor[]): Promise<void> {
    return attempt(() => this.recordTx.immediate(kioskId, seq, visitors))
  }

  dueTags(campaignId: string, now: number, limit: number): Promise<FollowUpVisitor[]> {
    return attempt(() =>
      statement(
        this.db,
        `SELECT * FROM follow_up_visitors WHERE campaign_id = ? AND tag_state = 'pending'
         AND tag_due_at <= ? ORDER BY scanned_at LIMIT ?`,
      )
        .all(campaignId, now, limit)
        .map(toVisitor),
    )
  }

  dueMessages(campaignId: string, now: number, limit: number): Promise<FollowUpVisitor[]> {
    return attempt(() =>
      statement(
        this.db,
        `SELECT * FROM follow_up_visitors WHERE campaign_id = ? AND msg_state = 'pending'
         AND msg_due_at <= ? ORDER BY scanned_at LIMIT ?`,
      )
        .all(campaignId, now, limit)
        .map(toVisitor),
    )
  }

  earliestDue(campaignId: string): Promise<{ tag: number | null; message: number | null }> {
    // Each a MIN over the due index (follow_up_tag_due, follow_up_msg_due): its first entry.
    return attempt(() => {
      const row = statement(
        this.db,
        `SELECT
           (SELECT MIN(tag_due_at) FROM follow_up_visitors
             WHERE campaign_id = ? AND tag_state = 'pending') AS tag,
           (SELECT MIN(msg_due_at) FROM follow_up_visitors
             WHERE campaign_id = ? AND msg_state = 'pending') AS message`,
      ).get(campaignId, campaignId)
      return earliestDueRow.parse(row)
    })
  }

  sendingMessages(campaignId: string, limit: number): Promise<FollowUpVisitor[]> {
    return attempt(() =>
      statement(
        this.db,
        `SELECT * FROM follow_up_visitors WHERE campaign_id = ? AND msg_state = 'sending'
         LIMIT ?`,
      )
        .all(campaignId, limit)
        .map(toVisitor),
    )
  }

  updateTags(campaignId: string, openids: readonly string[], u: TagUpdate): Promise<void> {
    return attempt(() => {
      const update = statement(
        this.db,
        `UPDATE follow_up_visitors SET tag_state = ?, tag_errcode = coalesce(?, tag_errcode),
           tag_due_at = coalesce(?, tag_due_at), tag_attempts = tag_attempts + ?
         WHERE campaign_id = ? AND openid = ?
           AND (? IS NULL OR tag_state IN (SELECT value FROM json_each(?)))`,
      )
      const states = u.from === undefined ? null : JSON.stringify(u.from)
      writeTransaction(this.db, () => {
        for (const o of openids) {
          update.run(
            u.state,
            u.errcode ?? null,
            u.dueAt ?? null,
            u.attempted ? 1 : 0,
            campaignId,
            o,
            states,
            states,
          )
        }
      })
    })
  }

  updateMessages(campaignId: string, updates: ReadonlyArray<MessageWrite>): Promise<string[]> {
    return attempt(() => {
      // `from` as a JSON array of states (null: any): the check is the UPDATE's own WHERE, so
      // another connection's write cannot come between it and the write.
      const update = statement(
        this.db,
        `UPDATE follow_up_visitors SET msg_state = ?, msg_errcode = coalesce(?, msg_errcode),
           msg_due_at = coalesce(?, msg_due_at), msg_attempts = msg_attempts + ?
         WHERE campaign_id = ? AND openid = ?
           AND (? IS NULL OR msg_state IN (SELECT value FROM json_each(?)))`,
      )
      const written: string[] = []
      writeTransaction(this.db, () => {
        for (const { openid, u, from } of updates) {
          const states = from === undefined ? null : JSON.stringify(from)
          const r = update.run(
            u.state,
            u.errcode ?? null,
            u.dueAt ?? null,
            u.attempted ? 1 : 0,
            campaignId,
            openid,
            states,
            states,
          )
          if (r.changes > 0) written.push(openid)
        }
      })
      return written
    })
  }

  campaignTag(campaignId: string): Promise<CampaignTag | null> {
    return attempt(() => {
      const row = statement(
        this.db,
        'SELECT name, tag_id FROM follow_up_tags WHERE campaign_id = ?',
      ).get(campaignId)
      if (row === undefined) return null
      const r = tagRow.parse(row)
      return { name: r.name, id: r.tag_id }
    })
  }

  saveCampaignTag(campaignId: string, tag: CampaignTag | null): Promise<void> {
    return attempt(() => {
      if (tag === null) {
        statement(this.db, 'DELETE FROM follow_up_tags WHERE campaign_id = ?').run(campaignId)
        return
      }
      statement(
        this.db,
        `INSERT INTO follow_up_tags (campaign_id, name, tag_id) VALUES (?, ?, ?)
         ON CONFLICT (campaign_id) DO UPDATE SET name = excluded.name, tag_id = excluded.tag_id`,
      ).run(campaignId, tag.name, tag.id)
    })
  }

  /** The counters migration 20's triggers keep with every visitor write. */
  counts(campaignId: string): Promise<FollowUpCounts> {
    return attempt(() => {
      const row = statement(
        this.db,
        `SELECT tagged, pending, failed, retagged, sent, outside_window, message_failed,
           message_pending FROM follow_up_counts WHERE campaign_id = ?`,
      ).get(campaignId)
      if (row === undefined) return noFollowUpCounts()
      const r = countersRow.parse(row)
      return {
        tagged: r.tagged,
        pending: r.pending,
        failed: r.failed,
        retagged: r.retagged,
        sent: r.sent,
        outsideWindow: r.outside_window,
        messageFailed: r.message_failed,
        messagePending: r.message_pending,
      }
    })
  }

  /** Up to `limit` rows of migration 20's index of failures (its WHERE repeated to use it). */
  failures(campaignId: string, limit: number): Promise<FollowUpFailure[]> {
    return attempt(() =>
      statement(
        this.db,
        `SELECT ${VISITOR_COLUMNS} FROM follow_up_visitors
         WHERE campaign_id = ? AND (tag_state = 'failed' OR msg_state IN ('failed', 'outside-window'))
         ORDER BY scanned_at, openid LIMIT ?`,
      )
        .all(campaignId, limit)
        .map(toVisitor)
        .flatMap(followUpFailuresOf)
        .slice(0, limit),
    )
  }

  recount(
    campaignId: string,
    limit: number,
  ): Promise<{ counts: FollowUpCounts; failures: FollowUpFailure[] }> {
    return attempt(() =>
      tallyFollowUp(
        statement(
          this.db,
          `SELECT ${VISITOR_COLUMNS} FROM follow_up_visitors WHERE campaign_id = ?`,
        )
          .all(campaignId)
          .map(toVisitor),
        limit,
      ),
    )
  }
}

function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)))
  }
}
