/**
 * The `meta` table: small key/value state, statements prepared once. Each key has one owner
 * that decides what its value means: the PIN lockout (config/admin-lockout.ts), the relay
 * cursor (scans/relay-cursor.ts), the spent daily quota (tickets/ticket-repo.ts), where the data
 * folder lives (config/folder-home.ts).
 */
import type { Statement } from 'better-sqlite3'
import type { KioskDb } from './db'

export class MetaTable {
  private readonly getStmt: Statement<[string], { value: string }>
  private readonly setStmt: Statement<[string, string]>
  private readonly deleteStmt: Statement<[string]>

  constructor(db: KioskDb) {
    this.getStmt = db.prepare('SELECT value FROM meta WHERE key = ?')
    this.setStmt = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    )
    this.deleteStmt = db.prepare('DELETE FROM meta WHERE key = ?')
  }

  get(key: string): string | null {
    return this.getStmt.get(key)?.value ?? null
  }

  /** null deletes the key. */
  set(key: string, value: string | null): void {
    if (value === null) this.deleteStmt.run(key)
    else this.setStmt.run(key, value)
  }
}
