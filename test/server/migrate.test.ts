// The one migration runner (shared/server/migrate.ts) on both databases: a database written by
// a newer program is refused and left as it was, every table is STRICT, and a migration that
// breaks the rules changes nothing.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openKioskDb } from '../../electron/core/db/db'
import { isStartupProblem } from '../../electron/main/core-adapter'
import { migrations as kioskMigrations } from '../../electron/core/db/migrations'
import { migrations as relayMigrations } from '../../relay/store/sqlite/migrations'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import { DamagedDatabaseError } from '../../shared/server/damaged-database'
import { DatabaseTooNewError, migrate, type Migration } from '../../shared/server/migrate'
import { thrown } from '../helpers/thrown'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'scandesk-migrate-'))
  dirs.push(d)
  return d
}

/** A database file a newer program left: its schema version past ours, one table of its own. */
function newerDatabase(file: string, version: number): void {
  const db = new Database(file)
  db.exec('CREATE TABLE from_the_future (x INTEGER) STRICT')
  db.pragma(`user_version = ${version}`)
  db.close()
}

function schemaOf(file: string): { version: number; tables: string[] } {
  const db = new Database(file, { readonly: true })
  const version = Number(db.pragma('user_version', { simple: true }))
  const tables = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table'")
    .all()
    .map((r) => r.name)
  db.close()
  return { version, tables }
}

describe('a database from a newer program', () => {
  it('the relay refuses it and changes nothing', () => {
    const dir = tempDir()
    const file = join(dir, 'relay.sqlite')
    newerDatabase(file, relayMigrations.length + 1)
    const refused = thrown(() => openSqliteStore({ data: dir }), DatabaseTooNewError)
    // A relay rolled back over a season's store: the operator reads which file, that nothing
    // changed, and both ways out (not "update it", which reads as "update the database").
    expect(refused.message).toBe(
      `relay database ${file} is version ${relayMigrations.length + 1}, newer than this ` +
        `program knows (${relayMigrations.length}): a newer ScanDesk wrote it. It was left as ` +
        'it is. Run that newer version; to go back to this one, restore the backup made ' +
        'before the upgrade.',
    )
    expect(schemaOf(file)).toEqual({
      version: relayMigrations.length + 1,
      tables: ['from_the_future'],
    })
  })

  it('the kiosk refuses it and changes nothing', () => {
    const file = join(tempDir(), 'kiosk.sqlite')
    newerDatabase(file, kioskMigrations.length + 1)
    expect(() => openKioskDb(file)).toThrow(/newer than this program/)
    expect(schemaOf(file).tables).toEqual(['from_the_future'])
  })

  it("the kiosk app's start-up box says why, naming the file, zh-CN first: not 'an unexpected error'", () => {
    // A booth downgraded (an older installer run over a newer one): staff see the core's words.
    const file = join(tempDir(), 'kiosk.db')
    newerDatabase(file, kioskMigrations.length + 1)
    const refused = thrown(() => openKioskDb(file), DatabaseTooNewError)
    expect(isStartupProblem(refused)).toBe(true)
    const [zh, en] = refused.message.split('\n')
    expect(zh).toContain(file)
    expect(zh).toMatch(/更新版本的 ScanDesk/)
    expect(en).toContain(file)
    expect(en).toMatch(/newer than this program knows/)
    expect(schemaOf(file).tables).toEqual(['from_the_future'])
  })

  it('a damaged kiosk.db is shown in the start-up box as the core words it, zh-CN first', () => {
    const file = join(tempDir(), 'kiosk.db')
    const garbage = 'not a database, but long enough to be read as one'.repeat(100)
    writeFileSync(file, garbage)
    const refused = thrown(() => openKioskDb(file), DamagedDatabaseError)
    expect(isStartupProblem(refused)).toBe(true)
    const [zh, en, ...more] = refused.message.split('\n')
    expect(more).toEqual([])
    expect(zh).toContain(file)
    expect(zh).toMatch(/签到数据库.*已损坏.*从备份恢复/)
    expect(en).toContain(`kiosk database ${file} is damaged (file is not a database)`)
    expect(en).toMatch(/Restore it from a backup/)
    expect(readFileSync(file, 'utf8')).toBe(garbage)
  })

  // SQLite's user_version is a signed number: -1 is no version any ScanDesk writes. Read as a
  // count it ran only the last migration (slice(-1)) and stamped the file as complete, so the
  // relay failed on a missing table at every start after.
  it('one with a negative schema version is refused as damaged by both, unchanged', () => {
    const dir = tempDir()
    const file = join(dir, 'relay.sqlite')
    newerDatabase(file, -1)
    const relayRefused = thrown(() => openSqliteStore({ data: dir }), DamagedDatabaseError)
    expect(relayRefused.message).toContain(`relay database ${file} is damaged`)
    expect(relayRefused.message).toContain('schema version -1')
    expect(schemaOf(file)).toEqual({ version: -1, tables: ['from_the_future'] })

    const kioskFile = join(tempDir(), 'kiosk.db')
    newerDatabase(kioskFile, -3)
    const kioskRefused = thrown(() => openKioskDb(kioskFile), DamagedDatabaseError)
    expect(isStartupProblem(kioskRefused)).toBe(true)
    expect(kioskRefused.message).toMatch(/签到数据库.*已损坏/)
    expect(schemaOf(kioskFile)).toEqual({ version: -3, tables: ['from_the_future'] })
  })
})

describe('both schemas', () => {
  it.each([
    ['kiosk', kioskMigrations],
    ['relay', relayMigrations],
  ] as const)('%s: numbered 1..n, every table STRICT', (_name, list) => {
    expect(list.map((m) => m.version)).toEqual(list.map((_m, i) => i + 1))
    const db = new Database(':memory:')
    migrate(db, list, 'test database')
    const loose = db
      .prepare<[], { name: string }>(
        "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND strict = 0 AND name NOT LIKE 'sqlite_%'",
      )
      .all()
    expect(loose).toEqual([])
    expect(Number(db.pragma('user_version', { simple: true }))).toBe(list.length)
    // Running again is a no-op.
    migrate(db, list, 'test database')
    db.close()
  })
})

describe('the runner', () => {
  const good: Migration = { version: 1, name: 'a', up: 'CREATE TABLE a (x INTEGER) STRICT' }

  it('refuses a migration that leaves a table not STRICT, and rolls it back', () => {
    const db = new Database(':memory:')
    const loose: Migration = { version: 2, name: 'loose', up: 'CREATE TABLE b (y INTEGER)' }
    expect(() => migrate(db, [good, loose], 'test database')).toThrow(/not STRICT: b/)
    expect(Number(db.pragma('user_version', { simple: true }))).toBe(1)
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE name = 'b'").get()).toBeUndefined()
    db.close()
  })

  it('refuses a list with a gap or out of order, before touching the database', () => {
    const db = new Database(':memory:')
    const third: Migration = { version: 3, name: 'c', up: 'CREATE TABLE c (x INTEGER) STRICT' }
    expect(() => migrate(db, [good, third], 'test database')).toThrow(/numbered 3, expected 2/)
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE name = 'a'").get()).toBeUndefined()
    db.close()
  })

  it('a failing step keeps the steps before it and leaves its own undone', () => {
    const db = new Database(':memory:')
    const broken: Migration = {
      version: 2,
      name: 'broken',
      up: (d) => {
        d.exec('CREATE TABLE half (x INTEGER) STRICT')
        throw new Error('disk on fire')
      },
    }
    expect(() => migrate(db, [good, broken], 'test database')).toThrow('disk on fire')
    expect(Number(db.pragma('user_version', { simple: true }))).toBe(1)
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE name = 'half'").get()).toBeUndefined()
    db.close()
  })
})
