// The SQL a piece of kiosk code prepares, for the tests that read its query plans.
import type { Database } from 'better-sqlite3'
import { vi } from 'vitest'

/** The SQL `run` prepares on `db`, in order. */
export function preparedBy(db: Database, run: () => unknown): string[] {
  const sqls: string[] = []
  const prepare = db.prepare.bind(db)
  const spy = vi.spyOn(db, 'prepare').mockImplementation((sql: string) => {
    sqls.push(sql)
    return prepare(sql)
  })
  try {
    run()
  } finally {
    spy.mockRestore()
  }
  return sqls
}
