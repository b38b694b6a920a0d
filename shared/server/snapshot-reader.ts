/**
 * A read-only second connection to a database file inside one read transaction, for a reader
 * that pages through a table across turns of the event loop (the kiosk's export, the relay's
 * consolidated one): every page reads the snapshot its first read took while the writer's
 * connection goes on committing (WAL), so a change committed meanwhile (an erasure, a scan) is
 * in none of its rows or all of them.
 */
import Database from 'better-sqlite3'

export interface SnapshotReader {
  db: Database.Database
  /** Closes the connection, which ends the read transaction (again: nothing). */
  done: () => void
}

export interface SnapshotReaderOptions {
  /** The better-sqlite3 addon the writer's connection was opened with (Electron's own build). */
  nativeBinding?: string | undefined
  /** How long a read waits for a lock (WAL: only while the file is being recovered). */
  busyTimeoutMs: number
}

/** Null for an in-memory database, which no second connection sees. */
export function openSnapshotReader(
  db: Database.Database,
  o: SnapshotReaderOptions,
): SnapshotReader | null {
  if (db.memory) return null
  const reader = new Database(db.name, {
    readonly: true,
    fileMustExist: true,
    ...(o.nativeBinding ? { nativeBinding: o.nativeBinding } : {}),
  })
  try {
    reader.pragma(`busy_timeout = ${Math.trunc(o.busyTimeoutMs)}`)
    reader.exec('BEGIN')
  } catch (err) {
    reader.close()
    throw err
  }
  return {
    db: reader,
    // Closing ends the read transaction (nothing to commit): no error of its own can replace a
    // finished export's result or hide the export's own error.
    done: () => {
      if (reader.open) reader.close()
    },
  }
}
