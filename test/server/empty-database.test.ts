import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { emptyDatabaseWarning } from '../../shared/server/damaged-database'

describe('emptyDatabaseWarning', () => {
  const cwd = process.cwd()
  let dir = ''
  afterEach(() => {
    process.chdir(cwd)
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  // `:memory:` is SQLite's in-memory database: a 0-byte file of that name in the working folder
  // (a slip of a shell redirect) made both the kiosk and the relay warn that it "was empty".
  it('never warns for :memory:, even beside a 0-byte file of that name; warns for a 0-byte file', () => {
    dir = mkdtempSync(join(tmpdir(), 'scandesk-empty-db-'))
    process.chdir(dir)
    writeFileSync(':memory:', '')
    writeFileSync('kiosk.db', '')
    expect(emptyDatabaseWarning('kiosk database', ':memory:')).toBeNull()
    expect(emptyDatabaseWarning('kiosk database', 'kiosk.db')).toMatch(
      /^kiosk database kiosk\.db was empty: starting a new database/,
    )
    writeFileSync('kiosk.db', 'x')
    expect(emptyDatabaseWarning('kiosk database', 'kiosk.db')).toBeNull()
    expect(emptyDatabaseWarning('kiosk database', 'missing.db')).toBeNull()
  })
})
