/**
 * The lucky draws' half of the SQLite store (relay/store/draw-types.ts). A snapshot is read in
 * one transaction, so it is consistent with its version; a commit checks the version and writes
 * in another, so a draw made on a stale snapshot is refused and made again.
 */
import type Database from 'better-sqlite3'
import { z } from 'zod'
import { drawRecordSchema, type DrawRecord } from '../../../shared/screen-api'
import type { CheckedInVisitor, DrawSnapshot, DrawStore } from '../draw-types'
import type { StoreChange } from '../types'
import { statement, writeTransaction } from './statements'

/** Checked by hand: a zod parse per row was most of a 100,000-visitor snapshot. */
function toVisitor(raw: unknown): CheckedInVisitor {
  const r = raw as { openid?: unknown; number?: unknown }
  if (typeof r.openid !== 'string' || !Number.isSafeInteger(r.number)) {
    throw new Error('campaign_visitors: bad row')
  }
  return { openid: r.openid, number: r.number as number }
}
const nameRow = z.object({ openid: z.string(), name: z.string() })
const recordRow = z.object({ record: z.string() })
const versionRow = z.object({ version: z.number() })
const toRecord = (raw: unknown): DrawRecord =>
  drawRecordSchema.parse(JSON.parse(recordRow.parse(raw).record))

function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)))
  }
}

export class SqliteDrawStore implements DrawStore {
  constructor(
    private readonly db: Database.Database,
    private readonly emit: (change: StoreChange) => void,
  ) {}

  private version(campaignId: string): number {
    const row = statement(
      this.db,
      'SELECT version FROM campaign_draw_versions WHERE campaign_id = ?',
    ).get(campaignId)
    return row === undefined ? 0 : versionRow.parse(row).version
  }

  private exists(campaignId: string): boolean {
    return statement(this.db, 'SELECT 1 FROM campaigns WHERE id = ?').get(campaignId) !== undefined
  }

  private all(campaignId: string): DrawRecord[] {
    return statement(
      this.db,
      'SELECT record FROM campaign_draws WHERE campaign_id = ? ORDER BY at DESC, id DESC',
    )
      .all(campaignId)
      .map(toRecord)
  }

  snapshot(campaignId: string): Promise<DrawSnapshot | null> {
    return attempt(() =>
      // Reads only: deferred, one snapshot of the visitors, names and draws, never waiting on a
      // writer (writeTransaction would take the write lock for it).
      this.db.transaction((): DrawSnapshot | null => {
        if (!this.exists(campaignId)) return null
        const visitors = statement(
          this.db,
          'SELECT openid, number FROM campaign_visitors WHERE campaign_id = ?',
        )
          .all(campaignId)
          .map(toVisitor)
        // Bound to a registration of the current roster (an upload may have dropped it).
        const names = new Map<string, string>()
        const bound = statement(
          this.db,
          `SELECT b.openid AS openid, r.name AS name
             FROM campaign_bindings b JOIN campaigns c ON c.id = b.campaign_id
               JOIN campaign_roster r
                 ON r.campaign_id = coalesce(c.roster_key, c.id) AND r.id = b.registration_id
             WHERE b.campaign_id = ?`,
        ).all(campaignId)
        for (const raw of bound) {
          const r = nameRow.parse(raw)
          names.set(r.openid, r.name)
        }
        return { version: this.version(campaignId), visitors, names, draws: this.all(campaignId) }
      })(),
    )
  }

  commit(record: DrawRecord, expectedVersion: number): Promise<boolean> {
    return attempt(() => {
      const stored = writeTransaction(this.db, () => {
        if (!this.exists(record.campaignId)) return false
        if (this.version(record.campaignId) !== expectedVersion) return false
        statement(
          this.db,
          `INSERT INTO campaign_draws (campaign_id, id, at, record) VALUES (?, ?, ?, ?)
             ON CONFLICT (campaign_id, id) DO UPDATE SET record = excluded.record`,
        ).run(record.campaignId, record.id, record.at, JSON.stringify(record))
        statement(
          this.db,
          `INSERT INTO campaign_draw_versions (campaign_id, version) VALUES (?, ?)
             ON CONFLICT (campaign_id) DO UPDATE SET version = excluded.version`,
        ).run(record.campaignId, expectedVersion + 1)
        return true
      })
      if (stored) this.emit({ type: 'draw', campaignId: record.campaignId, drawId: record.id })
      return stored
    })
  }

  list(campaignId: string): Promise<DrawRecord[]> {
    return attempt(() => this.all(campaignId))
  }

  get(campaignId: string, drawId: string): Promise<DrawRecord | null> {
    return attempt(() => {
      const row = statement(
        this.db,
        'SELECT record FROM campaign_draws WHERE campaign_id = ? AND id = ?',
      ).get(campaignId, drawId)
      return row === undefined ? null : toRecord(row)
    })
  }
}
