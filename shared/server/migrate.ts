/**
 * One migration runner for both SQLite databases (the kiosk's and the relay's embedded store).
 * Migrations are numbered files, listed in order in their folder's index.ts and never edited
 * once released; `PRAGMA user_version` records the last one applied. The runner refuses a
 * database newer than the code (a downgraded program must not write a schema it does not
 * know), applies each newer migration in its own transaction, and refuses one that leaves a
 * table not STRICT (so a column's declared type is enforced, not advisory).
 */
import type Database from 'better-sqlite3'
import { DamagedDatabaseError } from './damaged-database'

export interface Migration {
  /** Its file's number: 1, 2, 3… with no gaps. */
  version: number
  name: string
  /** SQL to run, or a function for a step SQL alone cannot do. */
  up: string | ((db: Database.Database) => void)
}

/**
 * The database was written by a newer program (a program rolled back over it): nothing was
 * changed. Says which file, and both ways out.
 */
export class DatabaseTooNewError extends Error {
  constructor(
    readonly what: string,
    readonly file: string,
    readonly version: number,
    readonly known: number,
  ) {
    super(
      `${what} ${file} is version ${version}, newer than this program knows (${known}): a ` +
        'newer ScanDesk wrote it. It was left as it is. Run that newer version; to go back to ' +
        'this one, restore the backup made before the upgrade.',
    )
    this.name = 'DatabaseTooNewError'
  }
}

/** Brings `db` up to the last of `migrations`; `what` names the database in errors. */
export function migrate(
  db: Database.Database,
  migrations: readonly Migration[],
  what: string,
): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`${what}: migration ${m.name} is numbered ${m.version}, expected ${i + 1}`)
    }
  })
  const current = Number(db.pragma('user_version', { simple: true }))
  const latest = migrations.length
  // SQLite's user_version is signed: a negative one is no version either program writes. Read
  // as a count, slice(-1) ran only the last migration and stamped the file complete.
  if (!Number.isSafeInteger(current) || current < 0) {
    throw new DamagedDatabaseError(
      what,
      db.name,
      new Error(`schema version ${current}, which no ScanDesk writes`),
    )
  }
  if (current > latest) throw new DatabaseTooNewError(what, db.name, current, latest)
  for (const m of migrations.slice(current)) {
    // IMMEDIATE: another process (the relay's CLI) migrating at the same time waits, then
    // finds the work done.
    db.transaction(() => {
      if (Number(db.pragma('user_version', { simple: true })) >= m.version) return
      if (typeof m.up === 'string') db.exec(m.up)
      else m.up(db)
      const loose = looseTables(db)
      if (loose.length > 0) {
        throw new Error(
          `${what}: migration ${m.version} leaves tables not STRICT: ${loose.join(', ')}`,
        )
      }
      db.pragma(`user_version = ${m.version}`)
    }).immediate()
  }
}

/** Tables in the main schema that are not STRICT (SQLite's own tables aside). */
function looseTables(db: Database.Database): string[] {
  const rows = db
    .prepare<[], { name: string; strict: number }>(
      "SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table'",
    )
    .all()
  return rows.filter((r) => r.strict === 0 && !r.name.startsWith('sqlite_')).map((r) => r.name)
}
