// Folder db/: the kiosk's SQLite database. db.ts (here) opens it and migrates it (migrations/,
// numbered); meta-table.ts reads and writes the `meta` table's keys for their owners (the PIN
// lockout, the relay cursor, the spent quota). Every other table has one owner in its folder:
// tickets/ticket-repo.ts, roster/roster-store.ts, scans/attendance-store.ts, tickets/fallback-code.ts.
/**
 * The kiosk's SQLite database: WAL, numbered migrations.
 * better-sqlite3 is synchronous on purpose: a scan is committed before its ack is sent.
 */
import Database from 'better-sqlite3'
import { chmodSync, existsSync } from 'node:fs'
import { basename } from 'node:path'
import {
  DamagedDatabaseError,
  emptyDatabaseWarning,
  setUpOrClose,
  type EmptyDatabaseWarn,
} from '../../../shared/server/damaged-database'
import { DatabaseTooNewError, migrate as migrateDb } from '../../../shared/server/migrate'
import {
  openSnapshotReader as openSharedSnapshotReader,
  type SnapshotReader,
} from '../../../shared/server/snapshot-reader'
import { migrations } from './migrations'

export type KioskDb = Database.Database

/**
 * The WAL's length kept on disk once a checkpoint has started it over. SQLite reuses the WAL
 * from its start but never shortens it: one grown by a big transaction (a 50,000-guest roster
 * imported or synced from the relay, about 17 MB) or by the scans written while an export's
 * snapshot held the checkpoint back stayed that size for as long as the kiosk ran. Above the
 * ~4 MB where SQLite's automatic checkpoint starts it over, so a steady WAL is never cut and
 * grown again.
 */
export const KIOSK_WAL_SIZE_LIMIT_BYTES = 8 * 1024 * 1024

export interface OpenDbOptions {
  /** Refuse to create a database that does not exist yet (the export CLI). */
  mustExist?: boolean
  /** Electron main passes its own build of better-sqlite3 (docs/DESIGN.md "Native modules"). */
  nativeBinding?: string
  /** Told when the file was there but empty, so it starts as a new database. */
  warn?: EmptyDatabaseWarn
}

/** The native build each open database was opened with, for `openSnapshotReader`. */
const bindings = new WeakMap<KioskDb, string | undefined>()

export function openKioskDb(file: string, options: OpenDbOptions = {}): KioskDb {
  const isNew = file !== ':memory:' && !existsSync(file)
  const empty = emptyDatabaseWarning('kiosk database', file)
  if (empty !== null) options.warn?.(empty, { file })
  const db = new Database(file, {
    fileMustExist: options.mustExist ?? false,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  })
  // Roster names and phones, every visitor's openid: a database made here is this user's alone,
  // as the vault and settings beside it are (not the umask's 0644). Before WAL mode, as SQLite
  // gives the -wal and -shm files the database's mode. One the operator made keeps its mode.
  if (isNew) chmodSync(file, 0o600)
  // A file that is not a database (cut short, something else) refused naming it, untouched.
  // Either refusal (the file closed by then) is told in the booth's words.
  try {
    setUpOrClose(db, 'kiosk database', file, () => {
      db.pragma('journal_mode = WAL')
      db.pragma(`journal_size_limit = ${KIOSK_WAL_SIZE_LIMIT_BYTES}`)
      // FULL: an acknowledged scan must survive a power cut, since the relay forgets it once acked.
      db.pragma('synchronous = FULL')
      db.pragma('foreign_keys = ON')
      db.pragma('busy_timeout = 5000')
      migrate(db)
    })
  } catch (err) {
    if (err instanceof DatabaseTooNewError) throw new KioskDatabaseTooNewError(file, err)
    if (err instanceof DamagedDatabaseError) throw new KioskDamagedDatabaseError(file, err)
    throw err
  }
  bindings.set(db, options.nativeBinding)
  return db
}

/**
 * A read-only connection to `db`'s file inside one read transaction (shared/server's
 * `openSnapshotReader`), for the export: every page reads the snapshot its first read took.
 * Null for an in-memory database, which no second connection sees.
 */
export function openSnapshotReader(db: KioskDb): SnapshotReader | null {
  return openSharedSnapshotReader(db, { nativeBinding: bindings.get(db), busyTimeoutMs: 5000 })
}

/**
 * A kiosk.db a newer ScanDesk wrote (the booth was downgraded): refused unchanged, in words for
 * the booth's start-up box and `kiosk web`/`kiosk export`, zh-CN first: which file, and the two
 * ways out (the newer version, or the copy of the data folder made before the upgrade).
 */
export class KioskDatabaseTooNewError extends DatabaseTooNewError {
  constructor(file: string, err: DatabaseTooNewError) {
    super(err.what, file, err.version, err.known)
    this.message =
      `签到数据库 ${file} 由更新版本的 ScanDesk 写入（数据库版本 ${err.version}，本程序只认识到 ${err.known}），` +
      '文件未做任何改动。请安装那个更新的版本；要回到这个版本，只能恢复升级前复制的数据文件夹。\n' +
      `The kiosk database ${file} is version ${err.version}, newer than this program knows ` +
      `(${err.known}): a newer ScanDesk wrote it. It was left as it is. Install that newer ` +
      'version; to go back to this one, restore the copy of the data folder made before the upgrade.'
  }
}

/**
 * A kiosk.db SQLite cannot read (a copy cut short, a disk that lost pages): refused unchanged,
 * in words for the booth's start-up box and `kiosk web`/`kiosk export`, zh-CN first, then the
 * shared English wording (the relay keeps that alone).
 */
export class KioskDamagedDatabaseError extends DamagedDatabaseError {
  constructor(file: string, err: DamagedDatabaseError) {
    const cause = err.cause instanceof Error ? err.cause : err
    super('kiosk database', file, cause)
    const name = basename(file)
    this.message =
      `签到数据库 ${file} 已损坏（${cause.message}），文件未做任何改动。请从备份恢复它` +
      `（旁边不要留有另一份副本的 ${name}-wal 或 ${name}-shm 文件），或把它移走，以一个空的数据库启动。\n` +
      err.message
  }
}

/** Applies every migration newer than `user_version`; refuses a database from a newer ScanDesk. */
export function migrate(db: KioskDb): void {
  migrateDb(db, migrations, 'kiosk database')
}
