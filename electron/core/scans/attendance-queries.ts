/**
 * Read side of attendance: the admin list (paged, searchable) and the stats panel. The list's
 * SQL depends on which filters are given, so it is prepared per call; the stats' once.
 */
import type { Statement } from 'better-sqlite3'
import { ERASED_OPENID_PREFIX } from '../../../shared/console-api'
import type { AttendanceRow, Stats } from '../../../shared/domain'
import type { KioskDb } from '../db/db'
import { ROW_SELECT, toRow } from './attendance-store'
import { escapeLike } from '../roster/roster-store'

export interface ListQuery {
  campaignId: string
  query: string
  from: number | null
  to: number | null
  offset: number
  limit: number
}

const BUCKET_MS = 10 * 60_000
/** The erased visitors' pseudonyms, for LIKE (the prefix holds no `%`, `_` or quote). */
const ERASED_LIKE = `${ERASED_OPENID_PREFIX}%`

/**
 * A row whose visitor's name or company has `@like`, as the list's roster join names it (the
 * entry bound to the openid in the row's campaign, else the row's own `roster_entry_id`),
 * without the join: the matching entries are read once, not looked up for every row.
 */
const NAMED_LIKE = `(a.openid IN (SELECT m.openid FROM roster_entries m
    WHERE m.campaign_id = @campaignId AND m.openid IS NOT NULL
      AND (m.name LIKE @like ESCAPE '\\' OR m.company LIKE @like ESCAPE '\\'))
  OR (a.roster_entry_id IN (SELECT m.id FROM roster_entries m
      WHERE m.name LIKE @like ESCAPE '\\' OR m.company LIKE @like ESCAPE '\\')
    AND NOT EXISTS (SELECT 1 FROM roster_entries b
      WHERE b.campaign_id = a.campaign_id AND b.openid = a.openid)))`

type Totals = { total: number; unique: number; followers: number; fallback: number }

export class AttendanceQueries {
  private readonly totals: Statement<[{ c: string }], Totals>
  private readonly returning: Statement<[{ c: string }], { n: number }>
  private readonly buckets: Statement<[number, string], Stats['buckets'][number]>

  constructor(private readonly db: KioskDb) {
    // Scans, followers and the timeline count an erased visitor's pseudonymised rows (the
    // scans happened, and the relay counts them too); visitors and returning ones leave them
    // out, as the relay's campaign figures do
    // (docs/DESIGN.md "Visitor erasure (added after v2)"): else an erased visitor come back
    // counted twice here, and their old scans kept them returning.
    // Each read from a covering index (migration 008), the distinct openids counted by walking
    // them in the index's order: count(DISTINCT …) sorted every openid in a temporary B-tree,
    // 90-190 ms at a day-3 booth's 60,000 rows, every 2 s while the panel is open.
    this.totals = db.prepare(
      `SELECT count(*) AS total,
         (SELECT count(*) FROM (SELECT 1 FROM attendance WHERE campaign_id = @c
            AND openid NOT LIKE '${ERASED_LIKE}' GROUP BY openid)) AS "unique",
         coalesce(sum(kind = 'subscribe'), 0) AS followers, coalesce(sum(fallback), 0) AS fallback
       FROM attendance WHERE campaign_id = @c`,
    )
    // Visitors with a scan here that was not their first visit in the campaign: on a standalone
    // kiosk, those who scanned twice or more; on a booth of a relay campaign also those whose
    // first visit was at another booth (the relay's firstInCampaign), as the rows and the
    // chart's repeats say. Counting only repeats at this booth said 回访 1 beside 5 such rows.
    this.returning = db.prepare(
      `SELECT count(*) AS n FROM (SELECT 1 FROM attendance
       WHERE campaign_id = @c AND first_visit = 0 AND openid NOT LIKE '${ERASED_LIKE}'
       GROUP BY openid)`,
    )
    this.buckets = db.prepare(
      // % works on integers whatever the bound parameter's type, so this floors to the bucket.
      `SELECT received_at - (received_at % ?) AS start, count(*) AS scans,
         sum(first_visit) AS firstVisits, sum(1 - first_visit) AS repeats
       FROM attendance WHERE campaign_id = ? GROUP BY start ORDER BY start`,
    )
  }

  list(q: ListQuery): { rows: AttendanceRow[]; total: number } {
    return listAttendance(this.db, q)
  }

  stats(campaignId: string): Stats {
    const totals = this.totals.get({ c: campaignId }) ?? {
      total: 0,
      unique: 0,
      followers: 0,
      fallback: 0,
    }
    return {
      total: totals.total,
      uniqueVisitors: totals.unique,
      newFollowers: totals.followers,
      returning: this.returning.get({ c: campaignId })?.n ?? 0,
      fallbackScans: totals.fallback,
      buckets: this.buckets.all(BUCKET_MS, campaignId),
    }
  }
}

function listAttendance(db: KioskDb, q: ListQuery): { rows: AttendanceRow[]; total: number } {
  const where: string[] = ['a.campaign_id = @campaignId']
  const params: Record<string, string | number> = { campaignId: q.campaignId }
  if (q.from !== null) {
    where.push('a.received_at >= @from')
    params.from = q.from
  }
  if (q.to !== null) {
    where.push('a.received_at < @to')
    params.to = q.to
  }
  const text = q.query.trim()
  if (text !== '') {
    params.like = `%${escapeLike(text)}%`
    const alternatives = [
      NAMED_LIKE,
      `a.openid LIKE @like ESCAPE '\\'`,
      `a.scene LIKE @like ESCAPE '\\'`,
    ]
    if (/^\d{1,9}$/.test(text)) {
      alternatives.push('a.check_in_number = @number')
      params.number = Number(text)
    }
    where.push(`(${alternatives.join(' OR ')})`)
  }
  const clause = where.join(' AND ')
  // No roster join in the count or while finding the page's ids: it is one look-up per row,
  // so counting a day's 60,000 scans through it, or walking past an offset's rows through it,
  // cost 25 times the count alone, and the open attendance page re-reads both on every burst
  // of live scans, on the event loop the scans arrive on. A search matches names through
  // NAMED_LIKE instead; the join runs for the page's rows only.
  const from = 'attendance a'
  const total =
    db
      .prepare<[Record<string, string | number>], { n: number }>(
        `SELECT count(*) AS n FROM ${from} WHERE ${clause}`,
      )
      .get(params)?.n ?? 0
  const rows = db
    .prepare<[Record<string, string | number>], Parameters<typeof toRow>[0]>(
      `${ROW_SELECT} WHERE a.id IN (SELECT a.id FROM ${from} WHERE ${clause}
         ORDER BY a.id DESC LIMIT @limit OFFSET @offset)
       ORDER BY a.id DESC`,
    )
    .all({ ...params, limit: q.limit, offset: q.offset })
    .map(toRow)
  return { rows, total }
}

export function countAttendance(db: KioskDb, campaignId: string | null): number {
  const row =
    campaignId === null
      ? db.prepare<[], { n: number }>('SELECT count(*) AS n FROM attendance').get()
      : db
          .prepare<[string], { n: number }>(
            'SELECT count(*) AS n FROM attendance WHERE campaign_id = ?',
          )
          .get(campaignId)
  return row?.n ?? 0
}
