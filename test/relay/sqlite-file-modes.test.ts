/**
 * The SQLite store's files hold the campaigns' screen keys, the guest rosters (names, phones)
 * and every visitor's openid: a data directory the relay creates is its user's alone, as the
 * kiosk's is.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { jsonLogger } from '../../relay/log'
import { assertWritable, openSqliteStore } from '../../relay/store/sqlite/store'
import { migrations } from '../../relay/store/sqlite/migrations'
import { migrate } from '../../shared/server/migrate'
import { startTestRelay } from './harness'
import { buildRelayBundle, ROOT } from './relay-process'

const modeOf = (path: string): number => statSync(path).mode & 0o777

/**
 * The command that runs node with `args` as this user may: as root, without the capabilities
 * that let root write any file (setpriv, util-linux), so permissions are what a container user
 * meets.
 */
function withoutOverride(args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [process.execPath, args]
  const noOverride = '-dac_override,-dac_read_search'
  return [
    'setpriv',
    [`--inh-caps=${noOverride}`, `--bounding-set=${noOverride}`, process.execPath, ...args],
  ]
}

/** `relay kiosk list` on `data` once its `file` is not this user's (a backup restored as another). */
function listOnForeignFile(data: string, file: string): SpawnSyncReturns<string> {
  if (process.getuid?.() === 0) {
    chownSync(file, 65534, 65534)
    chmodSync(file, 0o644)
  } else {
    chmodSync(file, 0o444)
  }
  const bundle = buildRelayBundle()
  try {
    const [cmd, args] = withoutOverride([bundle.entry, 'kiosk', 'list', '--data', data])
    return spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8' })
  } finally {
    bundle.remove()
  }
}

describe('SQLite store file modes', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('creates the data directory 0700 and the database 0600, whatever the umask', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'scandesk-relay-modes-'))
    dirs.push(parent)
    const data = join(parent, 'relay-data', 'nested')
    const previous = process.umask(0o022)
    try {
      const store = openSqliteStore({ data })
      await store.putKiosk({
        kioskId: 'k1',
        tokenHash: 'h'.repeat(64),
        ticketProxy: true,
        sceneRanges: [],
        now: Date.now(),
      })
      expect(modeOf(data)).toBe(0o700)
      expect(modeOf(join(data, 'relay.sqlite'))).toBe(0o600)
      expect(modeOf(join(data, 'relay.sqlite-wal'))).toBe(0o600)
      await store.close()
    } finally {
      process.umask(previous)
    }
  })

  it('leaves the mode of a directory and database the operator made as they are', async () => {
    const data = mkdtempSync(join(tmpdir(), 'scandesk-relay-modes-'))
    dirs.push(data)
    const first = openSqliteStore({ data })
    await first.close()
    chmodSync(data, 0o750)
    chmodSync(join(data, 'relay.sqlite'), 0o640)
    const again = openSqliteStore({ data })
    await again.close()
    expect(modeOf(data)).toBe(0o750)
    expect(modeOf(join(data, 'relay.sqlite'))).toBe(0o640)
  })

  it('refuses to start on a database it cannot write, instead of answering every push 503', async () => {
    const data = mkdtempSync(join(tmpdir(), 'scandesk-relay-modes-'))
    dirs.push(data)
    const made = openSqliteStore({ data })
    await made.close()
    const file = join(data, 'relay.sqlite')
    const run = listOnForeignFile(data, file)
    expect(run.stderr).toMatch(/relay database .*relay\.sqlite cannot be written .*readonly/)
    expect(run.status).toBe(1)
  })

  it("refuses an older relay's database it cannot write in the same words, before migrating it", () => {
    // An upgrade onto a backup restored as root: the new relay has a migration to run, and
    // SQLite's own "attempt to write a readonly database" named neither the file nor the fix.
    const data = mkdtempSync(join(tmpdir(), 'scandesk-relay-modes-'))
    dirs.push(data)
    const file = join(data, 'relay.sqlite')
    const old = new Database(file)
    migrate(old, migrations.slice(0, 1), 'relay database')
    old.close()
    const run = listOnForeignFile(data, file)
    expect(run.stderr).toMatch(/relay database .*relay\.sqlite cannot be written .*readonly/)
    expect(run.stderr).toContain('must belong to the user the relay runs as')
    expect(run.status).toBe(1)
    // Nothing was changed: the file is still the older relay's, for its owner to migrate.
    const after = new Database(file, { readonly: true })
    expect(after.pragma('user_version', { simple: true })).toBe(1)
    after.close()
  })

  it('names the database and the setting when its directory cannot be written', () => {
    const data = mkdtempSync(join(tmpdir(), 'scandesk-relay-modes-'))
    dirs.push(data)
    // A host directory mounted at /data that is not the container user's.
    if (process.getuid?.() === 0) chownSync(data, 65534, 65534)
    chmodSync(data, 0o555)
    const bundle = buildRelayBundle()
    try {
      // A command that makes the store (`kiosk list` no longer does where there is none).
      const [cmd, args] = withoutOverride([bundle.entry, 'kiosk', 'add', 'k1', '--data', data])
      const run = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8' })
      expect(run.stderr).toMatch(
        /cannot open the relay database .*relay\.sqlite \(the data setting\): unable to open/,
      )
      // SQLite's "unable to open database file" said neither why nor what to do.
      expect(run.stderr).toContain(`${data} cannot be written by `)
      expect(run.stderr).toContain('(--data, SCANDESK_RELAY_DATA)')
      expect(run.status).toBe(1)
      // A folder still to be made inside it: the same words, about the folder that exists.
      const nested = [...args.slice(0, -1), join(data, 'relay-data')]
      const inside = spawnSync(cmd, nested, { cwd: ROOT, encoding: 'utf8' })
      expect(inside.stderr).toContain('EACCES')
      expect(inside.stderr).toContain(`${data} cannot be written by `)
      expect(inside.status).toBe(1)
      // Serving, the folder's lock comes first: the same words, not SQLite's alone.
      const serve = [...args.slice(0, -5), '--port', '0', '--data', join(data, 'relay-data')]
      const env = { ...process.env, SCANDESK_RELAY_WECHAT_TOKEN: 'modesToken' }
      for (const serveArgs of [serve, [...serve.slice(0, -1), data]]) {
        const served = spawnSync(cmd, serveArgs, { cwd: ROOT, encoding: 'utf8', env })
        expect(served.stderr).toContain(`${data} cannot be written by `)
        expect(served.stderr).toContain('(--data, SCANDESK_RELAY_DATA)')
        expect(served.status).toBe(1)
      }
    } finally {
      bundle.remove()
      chmodSync(data, 0o755)
    }
  })

  it('opens beside a write lock held elsewhere: only a read-only database is refused', async () => {
    const data = mkdtempSync(join(tmpdir(), 'scandesk-relay-modes-'))
    dirs.push(data)
    const made = openSqliteStore({ data })
    await made.close()
    // `kiosk list` while the relay (or an sqlite3 shell) holds a write transaction.
    const other = new Database(join(data, 'relay.sqlite'))
    other.exec('BEGIN IMMEDIATE')
    try {
      const store = openSqliteStore({ data })
      expect((await store.listKiosks()).length).toBe(0)
      await store.close()
    } finally {
      other.exec('ROLLBACK')
      other.close()
    }
  })

  // The relay started (systemd, compose up) while `relay organizer add` ran on the same new
  // folder: the check read user_version 4, the command migrated to the last version, the check
  // wrote 4 back, and neither could open the folder again ('table attendance already exists').
  it('never puts the schema version back under a migration run beside it', async () => {
    const data = mkdtempSync(join(tmpdir(), 'scandesk-relay-modes-'))
    dirs.push(data)
    const file = join(data, 'relay.sqlite')
    const checking = new Database(file)
    migrate(checking, migrations.slice(0, 4), 'relay database')
    const beside = new Database(file, { timeout: 50 })
    // The other process migrates right after the check has read the version.
    const raced = new Proxy(checking, {
      get(target, prop) {
        if (prop === 'pragma') {
          return (source: string, options?: Database.PragmaOptions): unknown => {
            const value = target.pragma(source, options)
            if (source === 'user_version') {
              try {
                migrate(beside, migrations, 'relay database')
              } catch {
                // Held off by the check's own transaction: it migrates when the check is done.
              }
            }
            return value
          }
        }
        const value: unknown = Reflect.get(target, prop, target)
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value
      },
    })
    assertWritable(raced, file)
    beside.close()
    checking.close()
    const store = openSqliteStore({ data })
    expect((await store.listKiosks()).length).toBe(0)
    await store.close()
  })

  // A database that is not one (a copy cut short, a file that is something else): SQLite's
  // "database disk image is malformed" named neither the file nor what to do, and the relay
  // must not go on to write it.
  it.each([
    ['cut short', (file: string) => truncateSync(file, 8192), /malformed/],
    [
      'not a database',
      (file: string) => writeFileSync(file, Buffer.alloc(20_000, 7)),
      /not a database/,
    ],
  ])(
    'refuses a database file %s, naming it and what to do, and leaves it as it was',
    async (_, damage, why) => {
      const data = mkdtempSync(join(tmpdir(), 'scandesk-relay-modes-'))
      dirs.push(data)
      const made = openSqliteStore({ data })
      for (let i = 0; i < 40; i++) {
        await made.putKiosk({
          kioskId: `k${i}`,
          tokenHash: 'h'.repeat(64),
          ticketProxy: true,
          sceneRanges: [],
          now: Date.now(),
        })
      }
      await made.close()
      const file = join(data, 'relay.sqlite')
      damage(file)
      const before = readFileSync(file)
      expect(() => openSqliteStore({ data })).toThrow(
        new RegExp(`relay database ${file} is damaged`),
      )
      let error: unknown
      try {
        openSqliteStore({ data })
      } catch (err) {
        error = err
      }
      expect(String(error)).toMatch(why)
      expect(String(error)).toMatch(/restore it from a backup/i)
      expect(readFileSync(file).equals(before)).toBe(true)
    },
  )

  // A relay.sqlite of 0 bytes (a backup copy that failed, a disk that lost it) opened as a new
  // empty database without a word: the relay started with no kiosks and nobody knew why.
  it('warns, naming the file, when relay.sqlite was empty; not on a first start', async () => {
    const data = mkdtempSync(join(tmpdir(), 'scandesk-relay-modes-'))
    dirs.push(data)
    const file = join(data, 'relay.sqlite')
    const warnings = async (): Promise<Record<string, unknown>[]> => {
      const lines: string[] = []
      const relay = await startTestRelay(
        'sqlite',
        null,
        { data },
        { log: jsonLogger((l) => lines.push(l)) },
      )
      await relay.close()
      return lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.level === 'warn' && String(l.msg).includes(file))
    }
    expect(await warnings()).toEqual([])
    expect(await warnings()).toEqual([])
    rmSync(data, { recursive: true, force: true })
    mkdirSync(data)
    writeFileSync(file, '')
    expect((await warnings()).map((l) => l.msg)).toEqual([
      `relay database ${file} was empty: starting a new database; if you meant to restore a ` +
        'backup, stop and restore it',
    ])
  })

  it('says so at start with the file and exits 1', () => {
    const data = mkdtempSync(join(tmpdir(), 'scandesk-relay-modes-'))
    dirs.push(data)
    const file = join(data, 'relay.sqlite')
    writeFileSync(file, Buffer.alloc(20_000, 7))
    const bundle = buildRelayBundle()
    try {
      const run = spawnSync(process.execPath, [bundle.entry, '--port', '0', '--data', data], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, SCANDESK_RELAY_WECHAT_TOKEN: 'abcdefghijklmnop' },
        timeout: 20_000,
      })
      expect(run.stderr).toContain(`relay database ${file} is damaged`)
      expect(run.status).toBe(1)
    } finally {
      bundle.remove()
    }
    expect(readFileSync(file).equals(Buffer.alloc(20_000, 7))).toBe(true)
  })
})
