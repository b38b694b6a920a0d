/**
 * Prepared statements, compiled once per connection. better-sqlite3's `prepare` parses and
 * plans the SQL on every call; on a busy relay that was a fifth of the CPU (a profile at
 * 1,000 pushes/s), more than the statements' own work.
 */
import type Database from 'better-sqlite3'

const cache = new WeakMap<Database.Database, Map<string, Database.Statement>>()

export function statement(db: Database.Database, sql: string): Database.Statement {
  let byText = cache.get(db)
  if (byText === undefined) {
    byText = new Map()
    cache.set(db, byText)
  }
  let stmt = byText.get(sql)
  if (stmt === undefined) {
    stmt = db.prepare(sql)
    byText.set(sql, stmt)
  }
  return stmt
}

/**
 * Runs `fn` in a transaction that takes the write lock when it begins (BEGIN IMMEDIATE), for
 * every store transaction that writes. A deferred one that reads first gets no wait from SQLite
 * when it then needs the lock another connection holds (the checkpointer's RESTART checkpoint, a
 * `relay kiosk` command): "database is locked" at once, not after the busy timeout. Inside
 * another transaction it is a savepoint. A transaction that only reads stays deferred
 * (`db.transaction(fn)()`): it never waits for a writer.
 */
export function writeTransaction<T>(db: Database.Database, fn: () => T): T {
  return db.transaction(fn).immediate()
}
