/**
 * A database file SQLite cannot read as one (a copy cut short, a disk that lost pages, a file
 * that is something else): its own words ("database disk image is malformed", "file is not a
 * database") name neither the file nor what to do. Both programs refuse to start on it in
 * these words and leave the file as it was, for its owner to restore or keep.
 */
import { statSync } from 'node:fs'
import { basename } from 'node:path'
import { errorCode } from '../error-code'

/** SQLite's codes for a file that is damaged or not a database at all. */
function isDamage(err: unknown): err is Error {
  if (!(err instanceof Error)) return false
  const code = errorCode(err) ?? ''
  return code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')
}

/** The database `file` is damaged: what it is, where, and what to do. */
export class DamagedDatabaseError extends Error {
  constructor(what: string, file: string, cause: Error) {
    const name = basename(file)
    super(
      `${what} ${file} is damaged (${cause.message}); it was left as it is. Restore it from a ` +
        `backup (with no ${name}-wal or ${name}-shm from another copy beside it), or move it ` +
        'away to start with an empty one',
      { cause },
    )
    this.name = 'DamagedDatabaseError'
  }
}

/** Runs `open` (opening and migrating `file`), turning SQLite's damage errors into ours. */
export function refuseDamaged<T>(what: string, file: string, open: () => T): T {
  try {
    return open()
  } catch (err) {
    if (isDamage(err)) throw new DamagedDatabaseError(what, file, err)
    throw err
  }
}

/**
 * Sets up the just-opened `db` (its pragmas and migrations, `setUp`) as `refuseDamaged` runs it,
 * closing `db` when anything fails: the program refuses to start without holding the file.
 */
export function setUpOrClose(
  db: { readonly open: boolean; close(): unknown },
  what: string,
  file: string,
  setUp: () => void,
): void {
  try {
    refuseDamaged(what, file, setUp)
  } catch (err) {
    if (db.open) db.close()
    throw err
  }
}

/** Told when the database file was there but empty (`emptyDatabaseWarning`), so it starts new. */
export type EmptyDatabaseWarn = (message: string, fields: { file: string }) => void

/**
 * What to say before opening `file` when it is there but empty (0 bytes: a backup copy that
 * failed, a disk that lost it): SQLite opens it as a new empty database without a word, and the
 * program starts with nothing in it. Null when it is not there (a first start) or has content.
 * `:memory:` is never a file. Asked before opening: opening writes it.
 */
export function emptyDatabaseWarning(what: string, file: string): string | null {
  // SQLite's in-memory database, not a file (a stray file of that name in the working folder
  // would otherwise be stat'ed).
  if (file === ':memory:') return null
  let size: number
  try {
    size = statSync(file).size
  } catch {
    return null
  }
  if (size > 0) return null
  return (
    `${what} ${file} was empty: starting a new database; if you meant to restore a backup, ` +
    'stop and restore it'
  )
}
