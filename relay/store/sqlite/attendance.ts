/**
 * The SQLite store's consolidated attendance. A push's savepoint writes a pending mark into
 * `attendance_pending` (`write`), as durable as the push; the indexer (attendance-indexer.ts)
 * builds the marked rows from their queue entries into the `attendance` table, with their
 * counters, after the commit (`moveChunk`), and `SqliteAttendance` answers the console's
 * stats, table and export from that table once the rows pending when it was asked are in.
 */
import type Database from 'better-sqlite3'
import { z } from 'zod'
import { ERASED_OPENID_PREFIX, type ConsoleStats } from '../../../shared/console-api'
import {
  AttendanceRowsDropped,
  dayTimeline,
  prefixEnd,
  slotOf,
  type AttendancePage,
  type AttendanceQuery,
  type AttendanceReader,
  type AttendanceRow,
  type AttendanceScope,
  type DayWindow,
  type ExportRow,
  type WindowCount,
} from '../attendance'
import { fallbackScene } from '../../../shared/relay-protocol'
import type { NewEvent } from '../types'
import { AttendanceIndexer, type ChunkResult, type IndexerDeps } from './attendance-indexer'
import { statement } from './statements'
import { openSnapshotReader, type SnapshotReader } from '../../../shared/server/snapshot-reader'

const kioskStatsRow = z.object({
  kiosk_id: z.string(),
  scans: z.number(),
  visitors: z.number(),
  new_followers: z.number(),
})
const totalsRow = z.object({ visitors: z.number(), returning: z.number().nullable() })
const slotRow = z.object({ slot_at: z.number(), scans: z.number() })
const kioskScansRow = z.object({ kiosk_id: z.string(), scans: z.number() })
const countRow = z.object({ n: z.number() })
const rangeRow = z.object({ first: z.number().nullable(), last: z.number().nullable() })
const windowRow = z.object({
  w: z.number().int().nonnegative(),
  scans: z.number(),
  visitors: z.number(),
  new_followers: z.number(),
})

const ROW_NAMES = [
  'kiosk_id',
  'seq',
  'event_id',
  'event',
  'openid',
  'scene',
  'ticket',
  'fallback',
  'create_time',
  'received_at',
  'number',
  'campaign_id',
  'first_in_campaign',
] as const
const ROW_COLUMNS = ROW_NAMES.join(', ')
/**
 * What the export reads of a row: not the kiosk id (the page's own parameter, one string for
 * all its rows), nor the ticket (no column of the sheet), and the event as 1 for subscribe: a
 * string fewer to make per row, and two fewer, is a tenth to a fifth of reading a million.
 */
const EXPORT_COLUMNS = `seq, event_id, event = 'subscribe', openid, scene, fallback, create_time,
  received_at, number, campaign_id, first_in_campaign`
/** The runtime check of each export page's first tuple, and the tuples' type. */
const exportTuple = z.tuple([
  z.number(), // seq
  z.string(), // event id
  z.union([z.literal(0), z.literal(1)]), // 1: subscribe
  z.string(), // openid
  z.string(), // scene
  z.number(), // fallback (0/1)
  z.number(), // create time
  z.number(), // received at
  z.number().int().min(1).nullable(), // check-in number
  z.string().nullable(), // campaign id
  z.number().int().min(0).max(1).nullable(), // first in campaign
])
type ExportTuple = z.infer<typeof exportTuple>

function fromExportTuple(kioskId: string, t: ExportTuple): ExportRow {
  const r: ExportRow = {
    kioskId,
    seq: t[0],
    id: t[1],
    event: t[2] === 1 ? 'subscribe' : 'scan',
    openid: t[3],
    scene: t[4],
    fallback: t[5] === 1,
    createTime: t[6],
    receivedAt: t[7],
  }
  if (t[8] !== null) r.number = t[8]
  if (t[9] !== null) r.campaignId = t[9]
  if (t[10] !== null) r.firstInCampaign = t[10] === 1
  return r
}

const attendanceRow = z.object({
  kiosk_id: z.string(),
  seq: z.number(),
  event_id: z.string(),
  event: z.enum(['subscribe', 'scan']),
  openid: z.string(),
  scene: z.string(),
  ticket: z.string(),
  fallback: z.number(),
  create_time: z.number(),
  received_at: z.number(),
  number: z.number().int().min(1).nullable(),
  campaign_id: z.string().nullable(),
  first_in_campaign: z.number().int().min(0).max(1).nullable(),
})

function toRow(raw: unknown): AttendanceRow {
  const r = attendanceRow.parse(raw)
  return {
    ...fromExportTuple(r.kiosk_id, [
      r.seq,
      r.event_id,
      r.event === 'subscribe' ? 1 : 0,
      r.openid,
      r.scene,
      r.fallback,
      r.create_time,
      r.received_at,
      r.number,
      r.campaign_id,
      r.first_in_campaign,
    ]),
    ticket: r.ticket,
  }
}

/**
 * Counter increments of the rows written in the current group-commit batch, summed in memory
 * and written once per commit (`flush`, inside the batch's transaction, after its savepoints):
 * a hot counter row is then one statement per commit, not one per push.
 */
class CounterBatch {
  private kiosks = new Map<string, KioskCounts>()
  private slots = new Map<string, { slotAt: number; kioskId: string; scans: number }>()
  private visitors = 0
  private returning = 0
  /** The same per campaign the rows counted in: by campaign and kiosk, slot, and totals. */
  private campaignKiosks = new Map<string, KioskCounts & { campaignId: string; kioskId: string }>()
  private campaignSlots = new Map<string, { campaignId: string; slotAt: number; scans: number }>()
  private campaignTotals = new Map<string, { visitors: number; returning: number }>()

  /**
   * `counts`: the visitor's rows (this one included) at this kiosk (up to 2) and anywhere (up
   * to 3); then, for a row of a campaign, the same within the campaign.
   */
  add(r: AttendanceRow, counts: readonly number[]): void {
    const [here = 0, overall = 0, hereInCampaign = 0, inCampaign = 0] = counts
    let k = this.kiosks.get(r.kioskId)
    if (k === undefined) this.kiosks.set(r.kioskId, (k = zeroCounts()))
    countInto(k, r, here)
    // A first scan makes a visitor; the second makes them returning.
    if (overall === 1) this.visitors++
    else if (overall === 2) this.returning++
    const slotAt = slotOf(r.receivedAt)
    const key = `${slotAt}\0${r.kioskId}`
    const s = this.slots.get(key)
    if (s === undefined) this.slots.set(key, { slotAt, kioskId: r.kioskId, scans: 1 })
    else s.scans++
    const campaignId = r.campaignId
    if (campaignId === undefined) return
    const ck = `${campaignId}\0${r.kioskId}`
    let c = this.campaignKiosks.get(ck)
    if (c === undefined) {
      this.campaignKiosks.set(ck, (c = { ...zeroCounts(), campaignId, kioskId: r.kioskId }))
    }
    countInto(c, r, hereInCampaign)
    const cs = `${campaignId}\0${slotAt}`
    const slot = this.campaignSlots.get(cs)
    if (slot === undefined) this.campaignSlots.set(cs, { campaignId, slotAt, scans: 1 })
    else slot.scans++
    let t = this.campaignTotals.get(campaignId)
    if (t === undefined) this.campaignTotals.set(campaignId, (t = { visitors: 0, returning: 0 }))
    if (inCampaign === 1) t.visitors++
    else if (inCampaign === 2) t.returning++
  }

  flush(db: Database.Database): void {
    const kioskStat = statement(
      db,
      `INSERT INTO attendance_kiosk_stats (kiosk_id, scans, visitors, new_followers)
         VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET scans = scans + excluded.scans,
         visitors = visitors + excluded.visitors,
         new_followers = new_followers + excluded.new_followers`,
    )
    for (const [id, k] of this.kiosks) kioskStat.run(id, k.scans, k.visitors, k.newFollowers)
    const slot = statement(
      db,
      `INSERT INTO attendance_slots (slot_at, kiosk_id, scans) VALUES (?, ?, ?)
         ON CONFLICT DO UPDATE SET scans = scans + excluded.scans`,
    )
    for (const s of this.slots.values()) slot.run(s.slotAt, s.kioskId, s.scans)
    if (this.visitors > 0 || this.returning > 0) {
      statement(
        db,
        `INSERT INTO attendance_totals (id, visitors, returning_visitors) VALUES (1, ?, ?)
           ON CONFLICT DO UPDATE SET visitors = visitors + excluded.visitors,
           returning_visitors = returning_visitors + excluded.returning_visitors`,
      ).run(this.visitors, this.returning)
    }
    if (this.campaignKiosks.size > 0) this.flushCampaigns(db)
    this.clear()
  }

  private flushCampaigns(db: Database.Database): void {
    const kioskStat = statement(
      db,
      `INSERT INTO attendance_campaign_kiosk_stats
         (campaign_id, kiosk_id, scans, visitors, new_followers) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET scans = scans + excluded.scans,
         visitors = visitors + excluded.visitors,
         new_followers = new_followers + excluded.new_followers`,
    )
    for (const c of this.campaignKiosks.values()) {
      kioskStat.run(c.campaignId, c.kioskId, c.scans, c.visitors, c.newFollowers)
    }
    const slot = statement(
      db,
      `INSERT INTO attendance_campaign_slots (campaign_id, slot_at, scans) VALUES (?, ?, ?)
         ON CONFLICT DO UPDATE SET scans = scans + excluded.scans`,
    )
    for (const s of this.campaignSlots.values()) slot.run(s.campaignId, s.slotAt, s.scans)
    const totals = statement(
      db,
      `INSERT INTO attendance_campaign_totals (campaign_id, visitors, returning_visitors)
         VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET visitors = visitors + excluded.visitors,
         returning_visitors = returning_visitors + excluded.returning_visitors`,
    )
    for (const [id, t] of this.campaignTotals) totals.run(id, t.visitors, t.returning)
  }

  clear(): void {
    this.kiosks = new Map()
    this.slots = new Map()
    this.visitors = 0
    this.returning = 0
    this.campaignKiosks = new Map()
    this.campaignSlots = new Map()
    this.campaignTotals = new Map()
  }
}

interface KioskCounts {
  scans: number
  visitors: number
  newFollowers: number
}
const zeroCounts = (): KioskCounts => ({ scans: 0, visitors: 0, newFollowers: 0 })

/** A row into a kiosk's counts; `rowsHere` the visitor's rows there, this one included. */
function countInto(k: KioskCounts, r: AttendanceRow, rowsHere: number): void {
  k.scans++
  if (rowsHere === 1) k.visitors++
  if (r.event === 'subscribe') k.newFollowers++
}

/**
 * A row into the attendance table, in the caller's transaction, its counters into `counters`
 * (flushed in the same transaction). A row already there (same kiosk and seq) is left and not
 * counted again: moving a chunk twice changes nothing. The queue's event ids de-duplicated
 * the pushes themselves.
 */
function writeRow(db: Database.Database, r: AttendanceRow, counters: CounterBatch): void {
  const inserted = statement(db, INSERT_ROW).run(
    r.kioskId,
    r.seq,
    r.id,
    r.event,
    r.openid,
    r.scene,
    r.ticket,
    r.fallback ? 1 : 0,
    r.createTime,
    r.receivedAt,
    r.number ?? null,
    r.campaignId ?? null,
    r.firstInCampaign === undefined ? null : r.firstInCampaign ? 1 : 0,
  )
  if (inserted.changes === 0) return
  // After the insert: the openid's index entries (this one included), at most two or three
  // read, on the page the insert just wrote. 1 here → a new visitor of the kiosk; 1 or 2
  // overall → a new visitor, or one just turned returning; the same within the row's campaign
  // (the index carries it). One statement, read as a tuple (a statement and a schema parse
  // per count, before).
  const c = r.campaignId
  const counts: unknown =
    c === undefined
      ? statement(db, VISITOR_COUNTS).raw(true).get(r.openid, r.kioskId, r.openid)
      : statement(db, CAMPAIGN_VISITOR_COUNTS)
          .raw(true)
          .get(r.openid, r.kioskId, r.openid, r.openid, r.kioskId, c, r.openid, c)
  if (
    !Array.isArray(counts) ||
    counts.length !== (c === undefined ? 2 : 4) ||
    !counts.every((n): n is number => typeof n === 'number')
  )
    throw new Error('attendance: visitor counts query returned no counts')
  counters.add(r, counts)
}

const INSERT_ROW = `INSERT INTO attendance (${ROW_COLUMNS})
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`

/**
 * A pending row as a chunk reads it: its rowid, kiosk id and ticket, then the export's tuple
 * (EXPORT_COLUMNS' order, the fallback flag from the pending mark, the campaign from the mark),
 * so one mapping (`fromExportTuple`) builds rows for both. A pending row whose queue entry is
 * gone has no row here (the chunk's delete counts it).
 */
const PENDING_CHUNK = `SELECT p.rowid, p.kiosk_id, e.ticket, e.seq, e.id, e.event = 'subscribe',
    e.openid, e.scene, p.fallback, e.create_time, e.received_at, e.number, p.campaign_id,
    e.first_in_campaign
  FROM attendance_pending p JOIN events e ON e.kiosk_id = p.kiosk_id AND e.seq = p.seq
  ORDER BY p.rowid LIMIT ?`
const pendingHead = z.tuple([z.number().int(), z.string(), z.string()]) // rowid, kiosk, ticket
type PendingTuple = [...z.infer<typeof pendingHead>, ...ExportTuple]

const VISITOR_COUNTS = `SELECT
    (SELECT COUNT(*) FROM (SELECT 1 FROM attendance WHERE openid = ? AND kiosk_id = ? LIMIT 2)),
    (SELECT COUNT(*) FROM (SELECT 1 FROM attendance WHERE openid = ? LIMIT 3))`
const CAMPAIGN_VISITOR_COUNTS = `${VISITOR_COUNTS},
    (SELECT COUNT(*) FROM (SELECT 1 FROM attendance
       WHERE openid = ? AND kiosk_id = ? AND campaign_id = ? LIMIT 2)),
    (SELECT COUNT(*) FROM (SELECT 1 FROM attendance WHERE openid = ? AND campaign_id = ? LIMIT 3))`

/** A row of the visitor at the kiosk in the campaign: the attendance_openid_kiosk index alone. */
const HAS_SCAN = `SELECT 1 FROM attendance WHERE openid = ? AND kiosk_id = ? AND campaign_id = ?
  LIMIT 1`

/** The campaign a stored scan counted in, and the visitor's number there. */
export interface RowCampaign {
  id: string
  number: number
  firstInCampaign: boolean
}

const inScope = 'kiosk_id IN (SELECT value FROM json_each(?))'

/** The store's group commit, as the attendance uses it. */
export interface StoreWrites {
  submit<R>(write: () => R, opts?: { durable?: boolean }): Promise<R>
  /** Whether no write is waiting to be committed. */
  idle(): boolean
}

/** The indexer's timing (tests make it slower or faster). */
export type IndexingOptions = Pick<
  IndexerDeps,
  'chunkRows' | 'progressMs' | 'retryMs' | 'now' | 'onError' | 'busyAbove' | 'onlyForReaders'
>

/**
 * A page of rows kiosk by kiosk, in kiosk order: each kiosk's count (`scans`, of the rows in
 * scope) says where the offset falls, so only the kiosks the page shows are read (`read`: up
 * to `want` of the kiosk's rows in scope from its `skip`-th, in seq order).
 */
function pageByKiosk(
  kiosks: readonly { kiosk_id: string; scans: number }[],
  q: AttendanceQuery,
  read: (kioskId: string, want: number, skip: number) => unknown[],
): AttendancePage {
  const total = kiosks.reduce((n, k) => n + k.scans, 0)
  const rows: AttendanceRow[] = []
  let skip = q.offset
  for (const k of kiosks) {
    if (rows.length >= q.limit) break
    if (skip >= k.scans) {
      skip -= k.scans
      continue
    }
    for (const r of read(k.kiosk_id, q.limit - rows.length, skip)) rows.push(toRow(r))
    skip = 0
  }
  return { total, rows }
}

/**
 * How long a console read (stats, a page, a search) waits for rows still pending before it
 * answers with what is in: during a peak the console may trail; it is never blocked.
 */
export const READ_WAIT_MS = 2000
/**
 * How long an export's snapshot connection waits for a lock, as the store's own (a read in WAL
 * waits only while the file is recovered).
 */
const READ_BUSY_MS = 1000
/** What the exports' snapshot connections (`rows`) need from the store. */
export interface SnapshotOptions {
  /** The addon the store's connection was opened with. */
  nativeBinding?: string | undefined
  /** Told a snapshot is open (the checkpointer's `hold`); the function returned: it is done. */
  holdCheckpoints?: () => () => void
}

const PENDING_RANGE = `SELECT (SELECT min(rowid) FROM attendance_pending) AS lo,
  (SELECT max(rowid) FROM attendance_pending) AS hi`
const pendingRange = z.object({ lo: z.number().int().nullable(), hi: z.number().int().nullable() })

export class SqliteAttendance implements AttendanceReader {
  /** The exports' snapshot connections open now (`rows`), closed by `closeSnapshots`. */
  private readonly snapshots = new Set<SnapshotReader>()
  private readonly indexer: AttendanceIndexer
  private readonly commit: (fn: () => void) => Promise<void>
  private readonly onError: ((err: Error) => void) | undefined

  constructor(
    private readonly db: Database.Database,
    writes: StoreWrites,
    indexing: IndexingOptions = {},
    private readonly snapshotOptions: SnapshotOptions = {},
  ) {
    this.commit = (fn) => writes.submit(fn)
    this.onError = indexing.onError
    this.indexer = new AttendanceIndexer({
      ...indexing,
      runChunk: (limit) => writes.submit(() => this.moveChunk(limit), { durable: false }),
      newest: () => this.pendingRange().hi,
      idle: () => writes.idle(),
    })
  }

  /**
   * Writes a stored event's row into the pending rows, in the push's savepoint (it commits
   * with the queue entry or not at all); `campaign`: the kiosk's campaign when the scan
   * arrived, with the visitor's check-in number in it as the push took or found it (null: no
   * campaign). The indexer moves it into the attendance table after the commit.
   */
  write(kioskId: string, seq: number, e: NewEvent, campaign: RowCampaign | null = null): void {
    statement(
      this.db,
      `INSERT INTO attendance_pending (kiosk_id, seq, campaign_id, fallback, received_at)
         VALUES (?, ?, ?, ?, ?)`,
    ).run(
      kioskId,
      seq,
      campaign?.id ?? null,
      // The fallback code's scene, whoever made it (the relay's proxy, or a kiosk directly).
      e.scene === fallbackScene(kioskId) ? 1 : 0,
      e.receivedAt,
    )
    this.indexer.written()
  }

  /**
   * Writes the `limit` oldest pending rows into the attendance table with their counters, and
   * deletes them, in the caller's transaction (one write of the group commit): all or nothing.
   * The rows come from this store's own queue: a chunk's first is checked against the schema,
   * as an export page's is (a parse per row was half the chunk's time).
   */
  private moveChunk(limit: number): ChunkResult {
    const tuples = statement(this.db, PENDING_CHUNK).raw(true).all(limit) as PendingTuple[]
    const first = tuples[0]
    if (first === undefined) {
      // None, or only rows whose queue entry is gone: those go (and are reported).
      this.dropOrphans(statement(this.db, 'DELETE FROM attendance_pending').run().changes)
      return { moved: 0, last: 0 }
    }
    pendingHead.parse(first.slice(0, 3))
    exportTuple.parse(first.slice(3))
    const counters = new CounterBatch()
    for (const t of tuples) {
      const row = fromExportTuple(t[1], t.slice(3) as ExportTuple)
      writeRow(this.db, { ...row, ticket: t[2] }, counters)
    }
    counters.flush(this.db)
    const last = (tuples[tuples.length - 1] as PendingTuple)[0]
    const deleted = statement(this.db, 'DELETE FROM attendance_pending WHERE rowid <= ?').run(last)
    this.dropOrphans(deleted.changes - tuples.length)
    return { moved: tuples.length, last }
  }

  /**
   * Writes every row still pending into the attendance table, with their counters, in the
   * caller's transaction (an erasure's: its look-ups and rewrites then see every row the
   * queue holds, however far behind the indexer is). Returns the rows moved.
   */
  indexPending(): number {
    return this.moveChunk(-1).moved
  }

  /**
   * Pending rows whose queue entry was gone: the prune keeps the entries of pending rows, so
   * this is never expected; reported rather than retried for ever.
   */
  private dropOrphans(n: number): void {
    if (n <= 0) return
    this.onError?.(new AttendanceRowsDropped(n))
  }

  /**
   * Resolves once the rows pending now are in the attendance table (see AttendanceIndexer
   * `settled`): every read of the table waits for it, so a scan answered 200 is in what the
   * console reads next. `maxWaitMs`: answer with what is in after this long (console reads:
   * `READ_WAIT_MS`); null: until every row is in, or fail.
   */
  settled(maxWaitMs: number | null = null): Promise<void> {
    return this.indexer.settled(maxWaitMs)
  }

  /**
   * From the ends of the rowid range, not a count of every row: /metrics (unauthenticated)
   * reads it, synchronously, and the table is longest when the loop is busiest. Exact: a row
   * takes max(rowid) + 1 and rows are deleted oldest first (`rowid <= last`, or all).
   */
  backlog(): Promise<number> {
    return attempt(() => {
      const r = this.pendingRange()
      return r.lo === null || r.hi === null ? 0 : r.hi - r.lo + 1
    })
  }

  /** The oldest and newest pending rowids (null: none pending). */
  private pendingRange(): z.infer<typeof pendingRange> {
    return pendingRange.parse(statement(this.db, PENDING_RANGE).get())
  }

  /** Stops moving rows (the store closes); those pending stay for the next start. */
  stop(): void {
    this.indexer.stop()
  }

  /** The kiosks with a row in scope, and their counts in it, by kiosk id. */
  private kioskStats(
    scope: AttendanceScope,
    db: Database.Database = this.db,
  ): z.infer<typeof kioskStatsRow>[] {
    const columns = 'kiosk_id, scans, visitors, new_followers'
    const sql = `SELECT ${columns} FROM attendance_kiosk_stats`
    const rows =
      scope.campaignId !== undefined
        ? statement(
            db,
            `SELECT ${columns} FROM attendance_campaign_kiosk_stats WHERE campaign_id = ?
               ORDER BY kiosk_id`,
          ).all(scope.campaignId)
        : scope.kioskIds === null
          ? statement(db, `${sql} ORDER BY kiosk_id`).all()
          : statement(db, `${sql} WHERE ${inScope} ORDER BY kiosk_id`).all(
              JSON.stringify(scope.kioskIds),
            )
    return rows.map((r) => kioskStatsRow.parse(r))
  }

  /** Distinct visitors in scope and those with two or more scans in it. */
  private totals(scope: AttendanceScope, kiosksWithRows: number): unknown {
    if (scope.campaignId !== undefined) {
      return statement(
        this.db,
        `SELECT visitors, returning_visitors AS "returning" FROM attendance_campaign_totals
           WHERE campaign_id = ?`,
      ).get(scope.campaignId)
    }
    // The scope holds every kiosk with a scan: the overall counters answer.
    if (scope.kioskIds === null || kiosksWithRows === this.kioskStats({ kioskIds: null }).length) {
      return statement(
        this.db,
        'SELECT visitors, returning_visitors AS "returning" FROM attendance_totals',
      ).get()
    }
    return statement(
      this.db,
      `SELECT COUNT(*) AS visitors, SUM(n >= 2) AS "returning" FROM (
           SELECT COUNT(*) AS n FROM attendance WHERE ${inScope}
             AND openid NOT LIKE '${ERASED_OPENID_PREFIX}%' GROUP BY openid)`,
    ).get(JSON.stringify(scope.kioskIds))
  }

  async stats(scope: AttendanceScope, today: DayWindow): Promise<ConsoleStats> {
    await this.settled(READ_WAIT_MS)
    return attempt(() => {
      const perKiosk = this.kioskStats(scope)
      const totals = this.totals(scope, perKiosk.length)
      const t = totals === undefined ? { visitors: 0, returning: 0 } : totalsRow.parse(totals)
      const slots = this.slots(scope, today)
      const named = new Set(perKiosk.map((k) => k.kiosk_id))
      const listed = scope.campaignId !== undefined ? scope.booths : (scope.kioskIds ?? [])
      const zeros = [...new Set(listed)].filter((id) => !named.has(id))
      return {
        scans: perKiosk.reduce((n, k) => n + k.scans, 0),
        visitors: t.visitors,
        newFollowers: perKiosk.reduce((n, k) => n + k.new_followers, 0),
        returning: t.returning ?? 0,
        perKiosk: [
          ...perKiosk.map((k) => ({ id: k.kiosk_id, scans: k.scans, visitors: k.visitors })),
          ...zeros.map((id) => ({ id, scans: 0, visitors: 0 })),
        ].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
        timeline: dayTimeline(today, slots),
      }
    })
  }

  private slots(scope: AttendanceScope, today: DayWindow): Map<number, number> {
    const sql = `SELECT slot_at, SUM(scans) AS scans FROM attendance_slots
      WHERE slot_at >= ? AND slot_at < ?`
    const rows =
      scope.campaignId !== undefined
        ? statement(
            this.db,
            `SELECT slot_at, scans FROM attendance_campaign_slots
               WHERE campaign_id = ? AND slot_at >= ? AND slot_at < ?`,
          ).all(scope.campaignId, today.start, today.end)
        : scope.kioskIds === null
          ? statement(this.db, `${sql} GROUP BY slot_at`).all(today.start, today.end)
          : statement(this.db, `${sql} AND ${inScope} GROUP BY slot_at`).all(
              today.start,
              today.end,
              JSON.stringify(scope.kioskIds),
            )
    return new Map(rows.map((r) => slotRow.parse(r)).map((r) => [r.slot_at, r.scans]))
  }

  async scansToday(kioskIds: readonly string[], today: DayWindow): Promise<Map<string, number>> {
    await this.settled(READ_WAIT_MS)
    return attempt(() => {
      const out = new Map<string, number>(kioskIds.map((id) => [id, 0]))
      const rows = statement(
        this.db,
        `SELECT kiosk_id, SUM(scans) AS scans FROM attendance_slots
           WHERE slot_at >= ? AND slot_at < ? AND ${inScope} GROUP BY kiosk_id`,
      ).all(today.start, today.end, JSON.stringify(kioskIds))
      for (const r of rows.map((x) => kioskScansRow.parse(x))) out.set(r.kiosk_id, r.scans)
      return out
    })
  }

  /**
   * Two reads of the scope's rows inside SQLite, no row built in JS: the first and last receive
   * time, then one GROUP BY over a CASE of the windows (scans, distinct openids, subscribes).
   */
  async countWindows(
    scope: AttendanceScope,
    windowsFor: (first: number, last: number) => DayWindow[],
  ): Promise<WindowCount[]> {
    await this.settled(READ_WAIT_MS)
    return attempt(() => {
      const scoped =
        scope.campaignId !== undefined
          ? 'campaign_id = @campaign'
          : scope.kioskIds === null
            ? '1'
            : 'kiosk_id IN (SELECT value FROM json_each(@ids))'
      const params = {
        ...(scope.campaignId !== undefined && { campaign: scope.campaignId }),
        ...(scope.campaignId === undefined &&
          scope.kioskIds !== null && { ids: JSON.stringify(scope.kioskIds) }),
      }
      const range = rangeRow.parse(
        statement(
          this.db,
          `SELECT MIN(received_at) AS first, MAX(received_at) AS last FROM attendance
             WHERE ${scoped}`,
        ).get(params),
      )
      if (range.first === null || range.last === null) return []
      const windows = windowsFor(range.first, range.last)
      const last = windows[windows.length - 1]
      if (windows[0] === undefined || last === undefined) return []
      const ends = Object.fromEntries(windows.map((w, i) => [`e${i}`, w.end]))
      const which = windows.map((_, i) => `WHEN received_at < @e${i} THEN ${i}`).join(' ')
      // A visitor erased from a campaign is no longer one of its visitors, nor of every
      // campaign's (the counts dropped by them): their rows, under the erasure's pseudonym,
      // count as scans only.
      const visitor = `CASE WHEN openid LIKE '${ERASED_OPENID_PREFIX}%' THEN NULL ELSE openid END`
      const rows = statement(
        this.db,
        `SELECT CASE ${which} END AS w, COUNT(*) AS scans,
             COUNT(DISTINCT ${visitor}) AS visitors, SUM(event = 'subscribe') AS new_followers
           FROM attendance WHERE ${scoped} AND received_at >= @from AND received_at < @to
           GROUP BY w ORDER BY w`,
      ).all({ ...params, ...ends, from: windows[0].start, to: last.end })
      return rows.map((r) => {
        const c = windowRow.parse(r)
        const window = windows[c.w]
        if (window === undefined) throw new Error(`attendance: no window ${c.w}`)
        return { window, scans: c.scans, visitors: c.visitors, newFollowers: c.new_followers }
      })
    })
  }

  async page(q: AttendanceQuery): Promise<AttendancePage> {
    await this.settled(READ_WAIT_MS)
    return attempt(() =>
      q.search !== ''
        ? this.searchPage(q)
        : q.window === undefined
          ? this.plainPage(q)
          : this.dayPage(q, q.window),
    )
  }

  /**
   * One probe of the (openid, kiosk_id, campaign_id) index; when it finds nothing and rows are
   * pending, once more after those are in (a pending row may be the scan: a bind dropped for it
   * would be lost). With nothing pending the wait is one read of the pending rowid range.
   */
  async hasScan(kioskId: string, openid: string, campaignId: string): Promise<boolean> {
    const found = (): Promise<boolean> =>
      attempt(() => statement(this.db, HAS_SCAN).get(openid, kioskId, campaignId) !== undefined)
    if (await found()) return true
    await this.settled()
    return found()
  }

  /** No search: the counters give the total and where the offset falls, kiosk by kiosk. */
  private plainPage(q: AttendanceQuery): AttendancePage {
    return pageByKiosk(this.kioskStats(q), q, (kioskId, want, skip) =>
      q.campaignId === undefined
        ? statement(
            this.db,
            `SELECT ${ROW_COLUMNS} FROM attendance WHERE kiosk_id = ?
               ORDER BY seq LIMIT ? OFFSET ?`,
          ).all(kioskId, want, skip)
        : statement(
            this.db,
            `SELECT ${ROW_COLUMNS} FROM attendance WHERE kiosk_id = ? AND campaign_id = ?
               ORDER BY seq LIMIT ? OFFSET ?`,
          ).all(kioskId, q.campaignId, want, skip),
    )
  }

  /**
   * One day's rows, no search. A day is whole 10-minute slots, so the slot counters give its
   * total (and, per kiosk, where the offset falls) without reading the rows; then only the rows
   * of the kiosks the page shows are read. A campaign's slots are not kept per kiosk: its rows
   * are read in order up to the page's end.
   */
  private dayPage(q: AttendanceQuery, window: DayWindow): AttendancePage {
    const inWindow = 'received_at >= ? AND received_at < ?'
    if (q.campaignId !== undefined) {
      const total = countRow.parse(
        statement(
          this.db,
          `SELECT COALESCE(SUM(scans), 0) AS n FROM attendance_campaign_slots
             WHERE campaign_id = ? AND slot_at >= ? AND slot_at < ?`,
        ).get(q.campaignId, window.start, window.end),
      ).n
      const rows = statement(
        this.db,
        `SELECT ${ROW_COLUMNS} FROM attendance WHERE campaign_id = ? AND ${inWindow}
           ORDER BY kiosk_id, seq LIMIT ? OFFSET ?`,
      )
        .all(q.campaignId, window.start, window.end, q.limit, q.offset)
        .map(toRow)
      return { total, rows }
    }
    const slots = `SELECT kiosk_id, SUM(scans) AS scans FROM attendance_slots
      WHERE slot_at >= ? AND slot_at < ?`
    const kiosks = (
      q.kioskIds === null
        ? statement(this.db, `${slots} GROUP BY kiosk_id ORDER BY kiosk_id`).all(
            window.start,
            window.end,
          )
        : statement(this.db, `${slots} AND ${inScope} GROUP BY kiosk_id ORDER BY kiosk_id`).all(
            window.start,
            window.end,
            JSON.stringify(q.kioskIds),
          )
    ).map((r) => kioskScansRow.parse(r))
    return pageByKiosk(kiosks, q, (kioskId, want, skip) =>
      statement(
        this.db,
        `SELECT ${ROW_COLUMNS} FROM attendance WHERE kiosk_id = ? AND ${inWindow}
           ORDER BY seq LIMIT ? OFFSET ?`,
      ).all(kioskId, window.start, window.end, want, skip),
    )
  }

  /**
   * Index ranges (openid prefix, scene prefix, kiosk id, each visitor's openid), OR-ed by
   * SQLite; within a day (`q.window`) when one is asked.
   */
  private searchPage(q: AttendanceQuery): AttendancePage {
    const searched = `((openid >= @lo AND openid < @hi) OR (scene >= @lo AND scene < @hi)
      OR kiosk_id = @q OR openid IN (SELECT value FROM json_each(@visitors)))`
    // A day's rows found by a search (no index by receive time: filtered as read).
    const match =
      q.window === undefined
        ? searched
        : `${searched} AND received_at >= @from AND received_at < @to`
    const scoped =
      q.campaignId !== undefined
        ? ' AND campaign_id = @campaign'
        : q.kioskIds === null
          ? ''
          : ' AND kiosk_id IN (SELECT value FROM json_each(@ids))'
    const params = {
      lo: q.search,
      hi: prefixEnd(q.search),
      q: q.search,
      visitors: JSON.stringify(q.visitors ?? []),
      ...(q.window !== undefined && { from: q.window.start, to: q.window.end }),
      ...(q.campaignId !== undefined && { campaign: q.campaignId }),
      ...(q.campaignId === undefined && q.kioskIds !== null && { ids: JSON.stringify(q.kioskIds) }),
    }
    const total = countRow.parse(
      statement(this.db, `SELECT COUNT(*) AS n FROM attendance WHERE ${match}${scoped}`).get(
        params,
      ),
    ).n
    const rows = statement(
      this.db,
      `SELECT ${ROW_COLUMNS} FROM attendance WHERE ${match}${scoped}
         ORDER BY kiosk_id, seq LIMIT @limit OFFSET @offset`,
    )
      .all({ ...params, limit: q.limit, offset: q.offset })
      .map(toRow)
    return { total, rows }
  }

  async *rows(scope: AttendanceScope, pageSize: number): AsyncIterable<ExportRow[]> {
    // Every row accepted before the export began, or an error: never a sheet short of some.
    await this.settled()
    // One snapshot for every page: read page by page on the store's connection, an erasure
    // applied between two pages left some of the visitor's rows under their openid and the
    // rest under the pseudonym. Closed when the export ends however it ends (its last page,
    // the client gone, an error) or when the store closes; in memory (no second connection
    // sees it), the store's connection as before.
    const snapshot = this.openSnapshot()
    try {
      yield* this.pages(snapshot?.db ?? this.db, scope, pageSize)
    } finally {
      if (snapshot !== null) {
        this.snapshots.delete(snapshot)
        snapshot.done()
      }
    }
  }

  /** An export's snapshot, the checkpoints told until it is done (null: in memory). */
  private openSnapshot(): SnapshotReader | null {
    const release = this.snapshotOptions.holdCheckpoints?.() ?? (() => {})
    let snapshot: SnapshotReader | null
    try {
      snapshot = openSnapshotReader(this.db, {
        nativeBinding: this.snapshotOptions.nativeBinding,
        busyTimeoutMs: READ_BUSY_MS,
      })
    } catch (err) {
      release()
      throw err
    }
    if (snapshot === null) {
      release()
      return null
    }
    const opened = snapshot
    const held: SnapshotReader = {
      db: opened.db,
      done: () => {
        try {
          opened.done()
        } finally {
          release()
        }
      },
    }
    this.snapshots.add(held)
    return held
  }

  private async *pages(
    db: Database.Database,
    scope: AttendanceScope,
    pageSize: number,
  ): AsyncIterable<ExportRow[]> {
    // Arrays, not objects, from the driver, and only the columns the sheet writes; each page's
    // first row checked against the schema: an object built and parsed per row was most of a
    // large export's time.
    // Prepared per export: its snapshot is a connection of its own.
    const plain = db
      .prepare<[string, number, number], ExportTuple>(
        `SELECT ${EXPORT_COLUMNS} FROM attendance WHERE kiosk_id = ? AND seq > ? ORDER BY seq
           LIMIT ?`,
      )
      .raw(true)
    // A campaign's rows: the kiosk's rows in seq order, those of other campaigns skipped.
    const inCampaign = db
      .prepare<[string, number, string, number], ExportTuple>(
        `SELECT ${EXPORT_COLUMNS} FROM attendance WHERE kiosk_id = ? AND seq > ?
           AND campaign_id = ? ORDER BY seq LIMIT ?`,
      )
      .raw(true)
    const campaignId = scope.campaignId
    const page = (kioskId: string, after: number): ExportTuple[] =>
      campaignId === undefined
        ? plain.all(kioskId, after, pageSize)
        : inCampaign.all(kioskId, after, campaignId, pageSize)
    for (const k of this.kioskStats(scope, db)) {
      const kioskId = k.kiosk_id
      let after = 0
      for (;;) {
        // Keyset paging: each page a fresh index range of the one snapshot.
        const tuples = page(kioskId, after)
        const first = tuples[0]
        if (first === undefined) break
        exportTuple.parse(first)
        const rows = tuples.map((t) => fromExportTuple(kioskId, t))
        after = (rows[rows.length - 1] as ExportRow).seq
        yield rows
        // The reads are synchronous: let pushes and their commits run between pages.
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
  }

  /**
   * Ends the exports' read transactions and closes their connections (the store closes: its
   * own connection, the last, then checkpoints and removes the WAL). An export still
   * streaming fails at its next page.
   */
  closeSnapshots(): void {
    for (const s of this.snapshots) s.done()
    this.snapshots.clear()
  }

  /** Rows straight into the attendance table, counted (the benches' and tests' seeding). */
  seed(rows: readonly AttendanceRow[]): Promise<void> {
    return this.commit(() => {
      const counters = new CounterBatch()
      for (const r of rows) writeRow(this.db, r, counters)
      counters.flush(this.db)
      // A later push takes the seq after the seeded ones.
      const bump = statement(
        this.db,
        'UPDATE kiosks SET head_seq = max(head_seq, ?) WHERE kiosk_id = ?',
      )
      const top = new Map<string, number>()
      for (const r of rows) top.set(r.kioskId, Math.max(top.get(r.kioskId) ?? 0, r.seq))
      for (const [kioskId, seq] of top) bump.run(seq, kioskId)
    })
  }
}

/** better-sqlite3 is synchronous: turn its throws into rejections, as the interface promises. */
function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)))
  }
}
