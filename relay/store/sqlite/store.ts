/**
 * Embedded relay store: one SQLite file (WAL, synchronous=FULL so an answered push survives a
 * crash) under the data directory. One relay process owns it; the CLI may write to it at the
 * same time (kiosk add/revoke), which the change-feed poll picks up.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { z } from 'zod'
import { MemoryTokenStore, quotaDay, type TokenStore } from '../../../shared/wechat'
import { READ_WAIT_MS, SqliteAttendance, type IndexingOptions } from './attendance'
import { SqliteChangePoller } from './change-poller'
import { Checkpointer } from './checkpointer'
import {
  emptyDatabaseWarning,
  setUpOrClose,
  type EmptyDatabaseWarn,
} from '../../../shared/server/damaged-database'
import { migrate } from '../../../shared/server/migrate'
import { RELAY_DATA_SETTING, unwritableFolderHint } from '../../../shared/server/folder-lock'
import { SqliteConsoleStore } from './console'
import { SqliteStamps } from './stamps'
import { SqliteCampaignStore, assignNumber } from './campaigns'
import { SqliteErasures } from './erasures'
import { SqliteDrawStore } from './draws'
import { SqliteFollowUpStore } from './follow-up'
import { migrations } from './migrations'
import { LocalLeases, readFallbackCode, writeFallbackCode } from './fallback-codes'
import { pruneTicketBudget, returnTicketBudget, takeTicketBudget } from './ticket-budget'
import { integerSceneOwner, markRevoked, readKiosk, readKiosks, writeKiosk } from './kiosks'
import {
  ackRow,
  bodyHashRow,
  countRow,
  headSeqRow,
  queueRow,
  duplicateRow,
  toStoredEvent,
} from './rows'
import { ChangeFeed, claimsScene, newEpoch, storedEvent, unackedKept } from '../store-util'
import { GroupCommit } from './group-commit'
import { statement, writeTransaction } from './statements'
import { DEDUP_TTL_SECONDS, SCENE_CLAIM_TTL_SECONDS } from '../types'
import type {
  AppendResult,
  DuplicateAppend,
  FallbackCodeRecord,
  KioskRecord,
  NewEvent,
  PutKioskInput,
  QueueState,
  RelayStore,
  ReleaseLease,
  RetentionPolicy,
  StoreChange,
  StoredEvent,
  UnroutedEvent,
} from '../types'
import { claimScene, sceneTaken } from './scene-claims'
import { errorCode } from '../../../shared/error-code'

export interface SqliteStoreOptions {
  /** Directory for `relay.sqlite`, or `:memory:`. */
  data: string
  /** How often to look for changes made by other processes (e.g. `kiosk revoke`). */
  pollMs?: number
  /** false: no attendance written (only for the benchmark's with/without comparison). */
  attendance?: boolean
  /** When pending attendance rows are moved into the indexed table (tests). */
  indexing?: IndexingOptions
  /** Told when `relay.sqlite` was there but empty, so it starts as a new database. */
  warn?: EmptyDatabaseWarn
  /**
   * better-sqlite3's addon to load instead of node_modules' (the Electron app's demo relay runs
   * in Electron, whose build is apart: docs/NATIVE-MODULES.md "How the app finds it").
   */
  nativeBinding?: string | undefined
  /** The WAL's length kept on disk between bursts (`WAL_SIZE_LIMIT_BYTES`; tests: smaller). */
  walSizeLimitBytes?: number
  /**
   * One visitor per code (config `oneVisitorPerCode`, docs/DESIGN.md "Which scans count"):
   * record each per-visitor scene's first push and refuse a photo of it as `taken`. Off by
   * default: no claim is read or written, and every scan is stored as before.
   */
  sceneClaims?: boolean
  /** Rows one retention transaction deletes at most (`PRUNE_CHUNK_ROWS`; tests: fewer). */
  pruneChunkRows?: number
}

/**
 * The WAL is reused from its start after each full checkpoint but never shortened: one grown
 * by a long read (an export, a backup, a console report during a busy hour) stayed that size on
 * disk until the relay stopped. Past this SQLite cuts it back when it starts over. Above the
 * checkpointer's ~40 MB restart mark, so a steady WAL is never cut and grown again.
 */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024

/** The database file in a SQLite store's data folder. */
export const RELAY_DB_FILE = 'relay.sqlite'

export function openSqliteStore(opts: SqliteStoreOptions): RelayStore {
  const file = opts.data === ':memory:' ? ':memory:' : join(opts.data, RELAY_DB_FILE)
  let db: Database.Database
  try {
    // Screen keys, rosters and openids: a directory and database made here are this user's
    // alone (as the kiosk's). One the operator made keeps its mode; the WAL follows the file's.
    if (file !== ':memory:') mkdirSync(opts.data, { recursive: true, mode: 0o700 })
    const isNew = file !== ':memory:' && !existsSync(file)
    const empty = emptyDatabaseWarning('relay database', file)
    if (empty !== null) opts.warn?.(empty, { file })
    db = new Database(
      file,
      opts.nativeBinding === undefined ? {} : { nativeBinding: opts.nativeBinding },
    )
    if (isNew) chmodSync(file, 0o600)
  } catch (err) {
    // SQLite's own words ("unable to open database file") name neither the file nor the setting.
    const why = err instanceof Error ? err.message : String(err)
    throw new Error(
      `cannot open the relay database ${file} (the data setting): ${why}${unwritableFolderHint(opts.data, RELAY_DATA_SETTING)}`,
      { cause: err },
    )
  }
  // A file that is not a database (cut short, something else) refused naming it, untouched.
  setUpOrClose(db, 'relay database', file, () => {
    // Before anything writes (switching to WAL, an older relay's database's migrations), so
    // a database it may not write is refused in our words, never in SQLite's alone.
    assertWritable(db, file)
    db.pragma('journal_mode = WAL')
    db.pragma(`journal_size_limit = ${Math.trunc(opts.walSizeLimitBytes ?? WAL_SIZE_LIMIT_BYTES)}`)
    db.pragma('synchronous = FULL')
    // better-sqlite3 waits synchronously: a lock held elsewhere (a backup, an sqlite3 shell)
    // freezes the whole relay for this long per statement. 1 s covers the CLI's short
    // writes; past it the push gets 503 and WeChat retries (docs/RELIABILITY.md).
    db.pragma('busy_timeout = 1000')
    db.pragma('foreign_keys = ON')
    // Each push writes in its own savepoint, whose undo copies of the pages it touches
    // spilled to a temporary file past 64 KiB: with the attendance, as many bytes per group
    // commit as the WAL itself. In memory it holds one push's pages at a time. See
    // docs/BENCHMARKS.md "SQLite push path: what a commit writes (issue 18, pushsql, 2026-12-02)".
    db.pragma('temp_store = MEMORY')
    migrate(db, migrations, 'relay database')
  })
  const checkpointer = file === ':memory:' ? null : new Checkpointer(db, file)
  return new SqliteStore(
    db,
    opts.pollMs ?? 1000,
    opts.attendance ?? true,
    checkpointer,
    opts.indexing ?? {},
    opts.sceneClaims ?? false,
    opts.pruneChunkRows ?? PRUNE_CHUNK_ROWS,
    opts.nativeBinding,
  )
}

/**
 * SQLite opens a file it may not write (a backup restored as root, a read-only mount) for
 * reading without a word, and the relay then answered every push 503 while it said it was
 * listening: refuse to start instead, saying why. Rewriting user_version is a write; read and
 * written in one IMMEDIATE transaction, so a migration run beside it (`relay organizer add` on
 * the same new folder) cannot land between the two and have its version put back (after which
 * no process could open the folder: 'table ... already exists'). Exported for its test.
 */
export function assertWritable(db: Database.Database, file: string): void {
  try {
    db.transaction(() => {
      db.pragma(`user_version = ${Number(db.pragma('user_version', { simple: true }))}`)
    }).immediate()
  } catch (err) {
    // Only a read-only database: a lock held elsewhere (SQLITE_BUSY) is the next write's matter.
    const code = errorCode(err) ?? ''
    if (!code.startsWith('SQLITE_READONLY')) return
    db.close()
    throw new Error(
      `relay database ${file} cannot be written (${err instanceof Error ? err.message : code}): ` +
        'it and its directory must belong to the user the relay runs as',
      { cause: err },
    )
  }
}

const pendingSinceRow = z.object({ at: z.number().nullable() })
const unackedRow = z.object({
  kiosk_id: z.string(),
  head_seq: z.number(),
  acked_seq: z.number(),
  oldest_seq: z.number().nullable(),
})
/** How long the follow-up worker's read waits for pending attendance rows. */
const FOLLOW_UP_WAIT_MS = 200

/** How many signed-query claims between purges of the expired ones. */
const PURGE_EVERY_CLAIMS = 1024
/**
 * Rows one retention transaction deletes at most (~20–40 ms on the bench machine), the loop
 * free for as long again after each: one DELETE of a season's backlog held the loop and the
 * write lock until it ended (500,000 events: 5 s, every push waiting). docs/SCALE.md "Over a
 * season".
 */
export const PRUNE_CHUNK_ROWS = 1000

interface ClaimRow {
  key: string
  bodyHash: string
  expiresAt: number
}

/** better-sqlite3 is synchronous: turn its throws into rejections, as the interface promises. */
function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)))
  }
}

class SqliteStore implements RelayStore {
  readonly kind = 'sqlite'
  readonly console: SqliteConsoleStore
  readonly campaigns: SqliteCampaignStore
  readonly draws: SqliteDrawStore
  private readonly feed = new ChangeFeed()
  private readonly poller: SqliteChangePoller
  private closed = false
  private generationCounter = 0
  /** Per kiosk, the generation its latest hello took. */
  private readonly latestGeneration = new Map<string, number>()
  private readonly writes: GroupCommit
  private readonly leases = new LocalLeases()
  /** Signed queries claimed but not yet committed: a SELECT cannot see them yet. */
  private readonly pendingClaims = new Map<string, string>()
  private unwrittenClaims: ClaimRow[] = []
  private claimsSincePurge = 0
  private readonly tokenCaches = new Map<string, MemoryTokenStore>()
  readonly attendance: SqliteAttendance
  readonly stamps: SqliteStamps
  readonly followUp: SqliteFollowUpStore
  readonly erasures: SqliteErasures

  constructor(
    private readonly db: Database.Database,
    pollMs: number,
    private readonly keepAttendance: boolean,
    private readonly checkpointer: Checkpointer | null,
    indexing: IndexingOptions,
    private readonly sceneClaims: boolean,
    private readonly pruneChunkRows: number,
    nativeBinding: string | undefined,
  ) {
    this.poller = new SqliteChangePoller(db, pollMs, (change) => this.feed.emit(change))
    this.writes = new GroupCommit(db)
    this.console = new SqliteConsoleStore(db, (kioskId) =>
      this.feed.emit({ type: 'kiosk', kioskId }),
    )
    this.campaigns = new SqliteCampaignStore(
      db,
      (change) => this.feed.emit(change),
      () => this.attendance.settled(READ_WAIT_MS),
    )
    this.draws = new SqliteDrawStore(db, (change) => this.feed.emit(change))
    this.attendance = new SqliteAttendance(db, this.writes, indexing, {
      nativeBinding,
      ...(checkpointer !== null && { holdCheckpoints: () => checkpointer.hold() }),
    })
    this.stamps = new SqliteStamps(db, (fn) => {
      if (this.closed) return Promise.reject(new Error('store closed'))
      return this.writes.submit(fn)
    })
    // The follow-up reads by cursor and per kiosk in seq order: rows built later are read on a
    // later pass, never skipped, so it waits only briefly (a console read waits 2 s).
    this.followUp = new SqliteFollowUpStore(db, () => this.attendance.settled(FOLLOW_UP_WAIT_MS))
    // An erasure waits for every row pending at its start, however long the indexer takes (its
    // chunks let pushes through between them): bounded by READ_WAIT_MS, a backlog left after the
    // wait (100,000 rows at a peak) was moved in one step inside the erasure's write
    // transaction, holding every push and kiosk link for seconds. A rare organizer action may
    // wait; the pushes may not.
    this.erasures = new SqliteErasures(
      db,
      (change) => this.feed.emit(change),
      () => this.attendance.settled(null),
      keepAttendance ? this.attendance : null,
    )
  }

  putKiosk(input: PutKioskInput): Promise<KioskRecord> {
    return attempt(() => {
      writeKiosk(this.db, input)
      this.feed.emit({ type: 'kiosk', kioskId: input.kioskId })
      const rec = readKiosk(this.db, input.kioskId)
      if (rec === null) throw new Error('kiosk vanished')
      return rec
    })
  }

  getKiosk(kioskId: string): Promise<KioskRecord | null> {
    return attempt(() => readKiosk(this.db, kioskId))
  }

  hasKiosk(kioskId: string): Promise<boolean> {
    return attempt(
      () =>
        statement(this.db, 'SELECT 1 FROM kiosks WHERE kiosk_id = ?').get(kioskId) !== undefined,
    )
  }

  listKiosks(): Promise<KioskRecord[]> {
    return attempt(() => readKiosks(this.db))
  }

  revokeKiosk(kioskId: string, now: number): Promise<boolean> {
    return attempt(() => {
      const marked = markRevoked(this.db, kioskId, now)
      if (marked === 'revoked') this.feed.emit({ type: 'kiosk', kioskId })
      return marked !== null
    })
  }

  kioskOfIntegerScene(scene: number): Promise<string | null> {
    return attempt(() => integerSceneOwner(this.db, scene))
  }

  /** Group-committed with the other writes of this event-loop turn (one fsync for all). */
  appendEvent(kioskId: string, e: NewEvent, campaignId?: string | null): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('store closed'))
    let n: { number: number; firstInCampaign: boolean } | null = null
    const stored = this.writes.submit((): AppendResult => {
      n = null
      const dup = storedPushOf(this.db, e.id)
      if (dup !== null) return dup
      const claims = this.sceneClaims && claimsScene(kioskId, e.scene)
      if (claims && sceneTaken(this.db, kioskId, e)) return { status: 'taken', kioskId }
      const bumped = statement(
        this.db,
        'UPDATE kiosks SET head_seq = head_seq + 1 WHERE kiosk_id = ? RETURNING head_seq',
      ).get(kioskId)
      if (bumped === undefined) throw new Error(`unknown kiosk ${kioskId}`)
      const seq = headSeqRow.parse(bumped).head_seq
      if (claims) claimScene(this.db, e, seq)
      // In the push's savepoint: a push that fails takes no number.
      n = campaignId == null ? null : assignNumber(this.db, campaignId, e.openid, e.id)
      statement(
        this.db,
        `INSERT INTO events (kiosk_id, seq, id, event, openid, scene, ticket, create_time,
             received_at, number, first_in_campaign, campaign_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        kioskId,
        seq,
        e.id,
        e.event,
        e.openid,
        e.scene,
        e.ticket,
        e.createTime,
        e.receivedAt,
        n?.number ?? null,
        n === null ? null : n.firstInCampaign ? 1 : 0,
        n === null ? null : (campaignId ?? null),
      )
      if (this.keepAttendance) {
        const campaign = campaignId == null || n === null ? null : { id: campaignId, ...n }
        this.attendance.write(kioskId, seq, e, campaign)
      }
      return { status: 'stored', kioskId, seq }
    })
    // The feed hears of the event after its commit and before the pusher is answered.
    return stored.then((r) => {
      if (r.status === 'stored') {
        const event = storedEvent(r.seq, e, n, campaignId)
        this.feed.emit({
          type: 'event',
          kioskId,
          seq: r.seq,
          event,
          ...(n === null || campaignId == null ? {} : { campaignId }),
        })
      }
      return r
    })
  }

  /**
   * An indexed SELECT on a prepared statement, and the new rows written by one entry of the
   * group commit (one savepoint per batch, not per push), in the same transaction as the
   * pushes' own events: no fsync of its own, and a batch's slots stay for events.
   */
  claimSignedQuery(key: string, bodyHash: string, now: number, ttlMs: number): Promise<boolean> {
    if (this.closed) return Promise.reject(new Error('store closed'))
    return attempt(() => {
      const pending = this.pendingClaims.get(key)
      if (pending !== undefined) return pending === bodyHash
      const row = statement(
        this.db,
        'SELECT body_hash FROM signed_queries WHERE key = ? AND expires_at > ?',
      ).get(key, now)
      if (row !== undefined) return bodyHashRow.parse(row).body_hash === bodyHash
      this.pendingClaims.set(key, bodyHash)
      this.unwrittenClaims.push({ key, bodyHash, expiresAt: now + ttlMs })
      if (this.unwrittenClaims.length === 1) this.writeClaims(now)
      return true
    })
  }

  /** Queues one group-commit entry that writes every claim made until it runs. */
  private writeClaims(now: number): void {
    let rows: ClaimRow[] = []
    const written = this.writes.submit(() => {
      rows = this.unwrittenClaims
      this.unwrittenClaims = []
      const insert = statement(
        this.db,
        'INSERT OR REPLACE INTO signed_queries (key, body_hash, expires_at) VALUES (?, ?, ?)',
      )
      for (const r of rows) insert.run(r.key, r.bodyHash, r.expiresAt)
      // Expired rows go in small steps as claims arrive (and in `prune`).
      this.claimsSincePurge += rows.length
      if (this.claimsSincePurge >= PURGE_EVERY_CLAIMS) {
        this.claimsSincePurge = 0
        this.purgeSignedQueries(now)
      }
    })
    // A failed batch fails the pushes' own writes beside it, which answer 503.
    written
      .catch(() => {})
      .finally(() => {
        for (const r of rows) {
          if (this.pendingClaims.get(r.key) === r.bodyHash) this.pendingClaims.delete(r.key)
        }
      })
  }

  private purgeSignedQueries(now: number): void {
    statement(this.db, 'DELETE FROM signed_queries WHERE expires_at <= ?').run(now)
  }

  storedPush(_kioskId: string, eventId: string): Promise<DuplicateAppend | null> {
    // By id alone, as appendEvent de-duplicates (WeChat's id names the scene, so the booth).
    return attempt(() => storedPushOf(this.db, eventId))
  }

  appendUnrouted(e: UnroutedEvent): Promise<'stored' | 'duplicate'> {
    if (this.closed) return Promise.reject(new Error('store closed'))
    return this.writes.submit(() => {
      const res = statement(
        this.db,
        `INSERT INTO unrouted (id, reason, event, openid, scene, ticket, create_time, received_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      ).run(e.id, e.reason, e.event, e.openid, e.scene, e.ticket, e.createTime, e.receivedAt)
      return res.changes > 0 ? 'stored' : 'duplicate'
    })
  }

  readEvents(kioskId: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    return attempt(() =>
      statement(
        this.db,
        `SELECT seq, id, event, openid, scene, ticket, create_time, received_at, number,
             first_in_campaign, campaign_id FROM events
           WHERE kiosk_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
      )
        .all(kioskId, afterSeq, limit)
        .map(toStoredEvent),
    )
  }

  queueState(kioskId: string): Promise<QueueState | null> {
    return attempt(() => {
      const row = statement(
        this.db,
        'SELECT epoch, head_seq, acked_seq FROM kiosks WHERE kiosk_id = ?',
      ).get(kioskId)
      if (row === undefined) return null
      const q = queueRow.parse(row)
      return { epoch: q.epoch, headSeq: q.head_seq, ackedSeq: q.acked_seq }
    })
  }

  ack(kioskId: string, seq: number, now: number): Promise<void> {
    // Group-committed too: one fsync per ack frame was most of a busy relay's disk time. And
    // not durable on its own: an ack lost to a power cut only means the kiosk is sent those
    // events again and skips them (it de-duplicates by event id), so it waits for no fsync.
    if (this.closed) return Promise.reject(new Error('store closed'))
    return this.writes.submit(() => this.ackSync(kioskId, seq, now), { durable: false })
  }

  /** Runs inside the group commit's transaction (its own savepoint). */
  private ackSync(kioskId: string, seq: number, now: number): void {
    const row = statement(this.db, 'SELECT head_seq, acked_seq FROM kiosks WHERE kiosk_id = ?').get(
      kioskId,
    )
    if (row === undefined) return
    const q = ackRow.parse(row)
    const to = Math.min(seq, q.head_seq)
    if (to <= q.acked_seq) return
    statement(this.db, 'UPDATE kiosks SET acked_seq = ? WHERE kiosk_id = ?').run(to, kioskId)
    // Only the newly acknowledged range: the earlier ones were stamped by earlier acks, and
    // a `seq <= ?` scan grew with the queue (a kiosk acks every event: quadratic).
    statement(
      this.db,
      `UPDATE events SET acked_at = ? WHERE kiosk_id = ? AND seq > ? AND seq <= ?
         AND acked_at IS NULL`,
    ).run(now, kioskId, q.acked_seq, to)
  }

  rotateEpoch(kioskId: string): Promise<string> {
    return attempt(() => {
      const epoch = newEpoch()
      statement(this.db, 'UPDATE kiosks SET epoch = ? WHERE kiosk_id = ?').run(epoch, kioskId)
      return epoch
    })
  }

  unackedCounts(): Promise<Array<{ kioskId: string; count: number }>> {
    return attempt(() =>
      statement(
        this.db,
        `SELECT kiosk_id, head_seq, acked_seq,
             (SELECT min(seq) FROM events e WHERE e.kiosk_id = k.kiosk_id) AS oldest_seq
           FROM kiosks k ORDER BY kiosk_id`,
      )
        .all()
        .map((raw) => {
          const r = unackedRow.parse(raw)
          return { kioskId: r.kiosk_id, count: unackedKept(r.head_seq, r.acked_seq, r.oldest_seq) }
        }),
    )
  }

  countUnrouted(): Promise<number> {
    return attempt(
      () => countRow.parse(statement(this.db, 'SELECT COUNT(*) AS n FROM unrouted').get()).n,
    )
  }

  probeWrite(now: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error('store closed'))
    return this.writes.submit(() => {
      statement(
        this.db,
        'INSERT INTO health_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = ?',
      ).run(now, now)
    })
  }

  async prune(p: RetentionPolicy): Promise<number> {
    // An event's row is its de-dup key here (Redis keeps one apart, for DEDUP_TTL_SECONDS):
    // kept that long whatever the acked retention (0 is allowed), or a WeChat retry of a push
    // acked and pruned at once would be stored, and counted, a second time.
    const ackedBefore = Math.min(p.now - p.ackedRetentionMs, p.now - DEDUP_TTL_SECONDS * 1000)
    const receivedBefore = p.now - p.unackedRetentionMs
    // The attendance rows still pending are built first, as far as a console read would wait:
    // their queue entries can then go too.
    await this.attendance.settled(READ_WAIT_MS)
    // An entry whose attendance row is still pending stays (its row is built from it): nothing
    // at or after the oldest pending receive time goes, read again for each chunk. Acked and
    // too old are two passes, each on its own index.
    const keptFrom = (): number =>
      pendingSinceRow.parse(
        statement(this.db, 'SELECT min(received_at) AS at FROM attendance_pending').get(),
      ).at ?? Number.MAX_SAFE_INTEGER
    const acked = await this.deleteInChunks(
      (limit) =>
        statement(
          this.db,
          `DELETE FROM events WHERE (kiosk_id, seq) IN (SELECT kiosk_id, seq FROM events
             WHERE acked_at < ? AND received_at < ? LIMIT ?)`,
        ).run(ackedBefore, keptFrom(), limit).changes,
    )
    const old = await this.deleteInChunks(
      (limit) =>
        statement(
          this.db,
          `DELETE FROM events WHERE (kiosk_id, seq) IN (SELECT kiosk_id, seq FROM events
             WHERE received_at < ? LIMIT ?)`,
        ).run(Math.min(receivedBefore, keptFrom()), limit).changes,
    )
    await this.deleteInChunks(
      (limit) =>
        statement(
          this.db,
          'DELETE FROM unrouted WHERE id IN (SELECT id FROM unrouted WHERE received_at < ? LIMIT ?)',
        ).run(receivedBefore, limit).changes,
    )
    await this.deleteInChunks(
      (limit) =>
        statement(
          this.db,
          `DELETE FROM scene_claims WHERE scene IN
             (SELECT scene FROM scene_claims WHERE claimed_at < ? LIMIT ?)`,
        ).run(p.now - SCENE_CLAIM_TTL_SECONDS * 1000, limit).changes,
    )
    if (!this.closed) {
      writeTransaction(this.db, () => {
        this.purgeSignedQueries(p.now)
        pruneTicketBudget(this.db, quotaDay(p.now))
      })
    }
    return acked + old
  }

  /**
   * Runs `step` (deleting at most `limit` rows; returns how many went) in write transactions
   * of its own until one deletes fewer, the event loop free between them: group-commit
   * batches (pushes, acks) run in the gaps. Stops when the store closes.
   */
  private async deleteInChunks(step: (limit: number) => number): Promise<number> {
    let deleted = 0
    while (!this.closed) {
      const started = performance.now()
      const n = writeTransaction(this.db, () => step(this.pruneChunkRows))
      deleted += n
      if (n < this.pruneChunkRows) break
      // As long again with the loop free: pushes are served, and the checkpointer keeps the
      // WAL short (back to back, the deletes outran it).
      await new Promise<void>((resolve) => setTimeout(resolve, performance.now() - started))
    }
    return deleted
  }

  /** One process owns the SQLite store, so a counter in memory orders its connections. */
  nextConnectionGeneration(kioskId: string): Promise<number> {
    const generation = ++this.generationCounter
    this.latestGeneration.set(kioskId, generation)
    return Promise.resolve(generation)
  }

  connectionGeneration(kioskId: string): Promise<number> {
    return Promise.resolve(this.latestGeneration.get(kioskId) ?? 0)
  }

  fallbackCode(kioskId: string): Promise<FallbackCodeRecord | null> {
    return attempt(() => readFallbackCode(this.db, kioskId))
  }

  saveFallbackCode(kioskId: string, code: FallbackCodeRecord): Promise<FallbackCodeRecord> {
    return attempt(() => writeFallbackCode(this.db, kioskId, code))
  }

  leaseFallbackCreation(kioskId: string, ttlMs: number): Promise<ReleaseLease | null> {
    return Promise.resolve(this.leases.take(kioskId, ttlMs))
  }

  /**
   * In the group commit, not durable (as an ack): a transaction of its own was an fsync (~3 ms
   * here) on the event loop for every ticket request, and pushes waited behind it. A power cut
   * can lose the last few counts, so a kiosk gets a few more tickets that day: the budget only
   * has to keep one kiosk from the account's whole quota.
   */
  takeTicketBudget(kioskId: string, day: string, want: number, budget: number): Promise<number> {
    return this.writes.submit(() => takeTicketBudget(this.db, kioskId, day, want, budget), {
      durable: false,
    })
  }

  returnTicketBudget(kioskId: string, day: string, count: number): Promise<void> {
    return this.writes.submit(() => returnTicketBudget(this.db, kioskId, day, count), {
      durable: false,
    })
  }

  /**
   * One process owns the SQLite store, so the token cache can live in its memory: one per
   * AppID, shared by the ticket proxy, the fallback codes and the follow-up worker, so a token
   * one of them fetched (or dropped after WeChat refused it) is the others' too. Each client
   * still keeps its own refresh in flight and its own forced-refresh clock.
   */
  accessTokenStore(appId: string): TokenStore {
    let cache = this.tokenCaches.get(appId)
    if (cache === undefined) this.tokenCaches.set(appId, (cache = new MemoryTokenStore()))
    return cache
  }

  subscribe(listener: (change: StoreChange) => void): () => void {
    const off = this.feed.on(listener)
    if (!this.closed) this.poller.start()
    return off
  }

  announce(change: StoreChange): Promise<void> {
    this.feed.emit(change)
    return Promise.resolve()
  }

  async close(): Promise<void> {
    // Appends already accepted are written (and their callers answered) before the file closes.
    if (this.db.open) this.writes.flush()
    this.closed = true
    this.attendance.stop()
    this.attendance.closeSnapshots()
    this.poller.stop()
    this.feed.clear()
    // Its connection closed first, so the store's, the last, checkpoints and removes the WAL.
    await this.checkpointer?.stop()
    if (this.db.open) this.db.close()
  }
}

/** The push stored under event id `id`, as `appendEvent` reports its retry, or null. */
function storedPushOf(db: Database.Database, id: string): DuplicateAppend | null {
  const dup = statement(
    db,
    'SELECT kiosk_id, seq, campaign_id, number FROM events WHERE id = ?',
  ).get(id)
  if (dup === undefined) return null
  const d = duplicateRow.parse(dup)
  // A number without a campaign: stored before migration 16, its campaign unknown here.
  const campaign = d.campaign_id ?? (d.number === null ? null : undefined)
  return {
    status: 'duplicate',
    kioskId: d.kiosk_id,
    seq: d.seq,
    ...(campaign !== undefined && { campaignId: campaign }),
  }
}
