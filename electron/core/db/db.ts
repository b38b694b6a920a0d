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
import {
  emptyDatabaseWarning,
  setUpOrClose,
  type EmptyDatabaseWarn,
} from '../../../shared/server/damaged-database'
import { migrate as migrateDb } from '../../../shared/server/migrate'
import { migrations } from './migrations'

export type KioskDb = Database.Database

export interface OpenDbOptions {
  /** Refuse to create a database that does not exist yet (the export CLI). */
  mustExist?: boolean
  /** Electron main passes its own build of better-sqlite3 (docs/DESIGN.md "Native modules"). */
  nativeBinding?: string
  /** Told when the file was there but empty, so it starts as a new database. */
  warn?: EmptyDatabaseWarn
}

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
  setUpOrClose(db, 'kiosk database', file, () => {
    db.pragma('journal_mode = WAL')
    // FULL: an acknowledged scan must survive a power cut, since the relay forgets it once acked.
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    migrate(db)
  })
  return db
}

/** Applies every migration newer than `user_version`; refuses a database from a newer ScanDesk. */
export function migrate(db: KioskDb): void {
  migrateDb(db, migrations, 'kiosk database')
}
