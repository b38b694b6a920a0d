/**
 * The stamp rally on SQLite (relay/store/stamp-types.ts): one row per stamp, one per completion.
 * A stamp is a write of its own in the group commit (its own savepoint, committed and fsynced
 * with the pushes beside it), so the reply that tells the progress is only sent once it is kept.
 */
import type Database from 'better-sqlite3'
import { z } from 'zod'
import type { StampStore, Stamped } from '../stamp-types'
import { statement } from './statements'

const kioskRow = z.object({ kiosk_id: z.string() })
const openidRow = z.object({ openid: z.string() })
const countRow = z.object({ n: z.number() })

export class SqliteStamps implements StampStore {
  constructor(
    private readonly db: Database.Database,
    private readonly submit: <R>(write: () => R) => Promise<R>,
  ) {}

  stamp(
    campaignId: string,
    openid: string,
    kioskId: string,
    rally: readonly string[],
    now: number,
  ): Promise<Stamped> {
    return this.submit(() => this.write(campaignId, openid, kioskId, rally, now))
  }

  stampStored(
    eventId: string,
    campaignId: string,
    openid: string,
    kioskId: string,
    rally: readonly string[],
    now: number,
  ): Promise<Stamped | null> {
    return this.submit(() => {
      // The stored push's openid: an erasure since rewrote it, and stamps nothing again.
      const stored = statement(
        this.db,
        'SELECT 1 FROM events WHERE id = ? AND campaign_id = ? AND openid = ?',
      ).get(eventId, campaignId, openid)
      return stored === undefined ? null : this.write(campaignId, openid, kioskId, rally, now)
    })
  }

  /** The stamp itself, in the caller's group-commit write. */
  private write(
    campaignId: string,
    openid: string,
    kioskId: string,
    rally: readonly string[],
    now: number,
  ): Stamped {
    statement(
      this.db,
      `INSERT INTO stamps (campaign_id, openid, kiosk_id, stamped_at) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
    ).run(campaignId, openid, kioskId, now)
    const stamped = statement(
      this.db,
      'SELECT kiosk_id FROM stamps WHERE campaign_id = ? AND openid = ? ORDER BY kiosk_id',
    )
      .all(campaignId, openid)
      .map((r) => kioskRow.parse(r).kiosk_id)
    const have = new Set(stamped)
    if (rally.length > 0 && rally.every((k) => have.has(k))) {
      statement(
        this.db,
        `INSERT INTO stamp_completions (campaign_id, openid, completed_at) VALUES (?, ?, ?)
           ON CONFLICT DO NOTHING`,
      ).run(campaignId, openid, now)
      return { stamped, completed: true }
    }
    // Completed before `stamps` gained a booth: still complete.
    const completed =
      statement(
        this.db,
        'SELECT 1 FROM stamp_completions WHERE campaign_id = ? AND openid = ?',
      ).get(campaignId, openid) !== undefined
    return { stamped, completed }
  }

  completedCount(campaignIds: readonly string[]): Promise<number> {
    const count = statement(
      this.db,
      'SELECT COUNT(*) AS n FROM stamp_completions WHERE campaign_id = ?',
    )
    return attempt(() => campaignIds.reduce((sum, id) => sum + countRow.parse(count.get(id)).n, 0))
  }

  completedVisitors(campaignId: string): Promise<Set<string>> {
    return attempt(
      () =>
        new Set(
          statement(this.db, 'SELECT openid FROM stamp_completions WHERE campaign_id = ?')
            .all(campaignId)
            .map((r) => openidRow.parse(r).openid),
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
