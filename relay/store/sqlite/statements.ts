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
