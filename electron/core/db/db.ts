// Folder db/: the kiosk's SQLite database. db.ts (here) opens it and migrates it (migrations/,
// numbered); meta-state.ts encodes what is kept in the `meta` table (the PIN lockout and the relay
// cursor, side by side for now).
/**
 * The kiosk's SQLite database: WAL, numbered migrations, small key/value helpers.
 * better-sqlite3 is synchronous on purpose: a scan is committed before its ack is sent.
 */
import Database from 'better-sqlite3'
import { migrate as migrateDb } from '../../../shared/server/migrate'
import { migrations } from './migrations'

export type KioskDb = Database.Database

export interface OpenDbOptions {
  /** Refuse to create a database that does not exist yet (the export CLI). */
  mustExist?: boolean
  /** Electron main passes its own build of better-sqlite3 (docs/DESIGN.md "Native modules"). */
  nativeBinding?: string
}

export function openKioskDb(file: string, options: OpenDbOptions = {}): KioskDb {
  const db = new Database(file, {
    fileMustExist: options.mustExist ?? false,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  })
  db.pragma('journal_mode = WAL')
  // FULL: an acknowledged scan must survive a power cut, since the relay forgets it once acked.
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  migrate(db)
  return db
}

/** Applies every migration newer than `user_version`; refuses a database from a newer ScanDesk. */
export function migrate(db: KioskDb): void {
  migrateDb(db, migrations, 'kiosk database')
}

const getMeta = (db: KioskDb) =>
  db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?')

export function readMeta(db: KioskDb, key: string): string | null {
  return getMeta(db).get(key)?.value ?? null
}

export function writeMeta(db: KioskDb, key: string, value: string | null): void {
  if (value === null) db.prepare('DELETE FROM meta WHERE key = ?').run(key)
  else
    db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    ).run(key, value)
}
