// The SQLite store's login-attempt counters: one row per name or address tried, so the rows a
// lockout policy has forgotten are purged as attempts come (Redis expires its keys instead),
// or guesses at made-up names would fill the file for good.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { ADDRESS_LOCKOUT, NAME_LOCKOUT } from '../../relay/console/lockout'
import { openSqliteStore } from '../../relay/store/sqlite/store'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('login attempts on SQLite', () => {
  it('purges the counters their policy has forgotten, of their own kind only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-lockout-'))
    dirs.push(dir)
    const store = openSqliteStore({ data: dir })
    const day = NAME_LOCKOUT.forgetAfterMs
    for (let i = 0; i < 100; i++) {
      await store.console.takeLoginAttempt(`name:guess-${i}`, 0, NAME_LOCKOUT)
    }
    await store.console.takeLoginAttempt('addr:203.0.113.7', 0, ADDRESS_LOCKOUT)
    // A day on: the made-up names are forgotten, and go as more attempts come.
    for (let i = 0; i < 64; i++) {
      await store.console.takeLoginAttempt(`name:later-${i}`, day + 1, NAME_LOCKOUT)
    }
    await store.close()
    const db = new Database(join(dir, 'relay.sqlite'), { readonly: true })
    const keys = db.prepare('SELECT key FROM login_attempts').pluck().all() as string[]
    db.close()
    expect(keys.filter((k) => k.startsWith('name:guess-'))).toEqual([])
    expect(keys.filter((k) => k.startsWith('name:later-'))).toHaveLength(64)
    // An address counter is another kind's: left to its own policy's purge.
    expect(keys).toContain('addr:203.0.113.7')
  })
})
