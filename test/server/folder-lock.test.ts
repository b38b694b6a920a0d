/**
 * shared/server/folder-lock.ts, in one process (SQLite's locks hold between connections of one
 * process as between processes), and the relay's use of it: SQLite locks its folder, Redis
 * (several relays on one Redis by design, nothing kept in the folder) does not.
 */
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  FolderInUseError,
  folderInUse,
  LOCK_FILE,
  lockFolder,
  OWNER_FILE,
  describeOwner,
} from '../../shared/server/folder-lock'
import { startRelay, type RelayHandle } from '../../relay/server'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import { startRedis, type TestRedis } from '../helpers/redis'

const dirs: string[] = []
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'folder-lock-'))
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function refusal(fn: () => unknown): FolderInUseError {
  try {
    fn()
  } catch (err) {
    if (err instanceof FolderInUseError) return err
    throw err
  }
  throw new Error('not refused')
}

describe('lockFolder', () => {
  it('refuses a second holder with the first one’s pid and start time, until released', () => {
    const dir = folder()
    const first = lockFolder(dir, { program: 'relay', now: () => Date.UTC(2026, 11, 3, 8, 0, 0) })
    const err = refusal(() => lockFolder(dir, { program: 'relay' }))
    expect(err.folder).toBe(dir)
    expect(err.owner).toMatchObject({ pid: process.pid, program: 'relay' })
    expect(describeOwner(err.owner, 'en')).toBe(
      `another relay (pid ${process.pid}, since 2026-12-03 08:00:00 UTC)`,
    )
    expect(describeOwner(err.owner, 'zh-CN')).toContain(`pid ${process.pid}`)
    // The refused attempt must not have dropped the first holder's lock (closing a file drops
    // a process's POSIX locks on it; SQLite keeps that from happening).
    expect(() => lockFolder(dir, { program: 'relay' })).toThrow(FolderInUseError)
    first.release()
    expect(existsSync(join(dir, OWNER_FILE))).toBe(false)
    const second = lockFolder(dir, { program: 'kiosk web' })
    second.release()
    second.release()
  })

  it('makes a missing folder, never writes the lock file, and leaves no journal', () => {
    const dir = join(folder(), 'new', 'data')
    const lock = lockFolder(dir, { program: 'kiosk' })
    expect(readFileSync(join(dir, LOCK_FILE)).length).toBe(0)
    expect(existsSync(join(dir, `${LOCK_FILE}-journal`))).toBe(false)
    lock.release()
  })

  it('a stale or damaged owner file neither blocks nor is believed', () => {
    const dir = folder()
    // Left by a holder that was killed (pid from before a reboot, say): the lock is free.
    writeFileSync(
      join(dir, OWNER_FILE),
      JSON.stringify({ pid: 1, host: 'x', since: 0, program: 'relay' }),
    )
    const lock = lockFolder(dir, { program: 'relay' })
    expect(JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8'))).toMatchObject({
      pid: process.pid,
    })
    writeFileSync(join(dir, OWNER_FILE), '{"pid":"not a number"')
    const err = refusal(() => lockFolder(dir, { program: 'relay' }))
    expect(err.owner).toBeNull()
    expect(err.message).toContain('in use by another process')
    lock.release()
  })

  it('an owner file whose time no Date can hold is not believed (the refusal still says in use)', () => {
    const dir = folder()
    const lock = lockFolder(dir, { program: 'relay' })
    // An integer JSON carries but past Date's range (±8.64e15 ms): toISOString would throw a
    // RangeError in place of the refusal.
    writeFileSync(
      join(dir, OWNER_FILE),
      JSON.stringify({ pid: 7, host: 'x', since: 9e15, program: 'relay' }),
    )
    const err = refusal(() => lockFolder(dir, { program: 'relay' }))
    expect(err.owner).toBeNull()
    expect(err.message).toContain('in use by another process')
    expect(folderInUse(dir)?.owner).toBeNull()
    lock.release()
  })

  // A data folder another user can write (a kiosk's folder in a user's home, the relay or
  // kiosk run as root) must not let that user make the program create, chmod or write a file
  // elsewhere through a symbolic link planted in it.
  it.skipIf(process.platform === 'win32')(
    'a lock file that is a symbolic link is refused; its target is neither made nor changed',
    () => {
      const dir = folder()
      const outside = folder()
      const made = join(outside, 'nologin')
      symlinkSync(made, join(dir, LOCK_FILE))
      expect(() => lockFolder(dir, { program: 'relay' })).toThrow(/symbolic link|not a file/)
      expect(existsSync(made)).toBe(false)
      const existing = join(outside, 'config')
      writeFileSync(existing, 'keep', { mode: 0o644 })
      rmSync(join(dir, LOCK_FILE))
      symlinkSync(existing, join(dir, LOCK_FILE))
      expect(() => lockFolder(dir, { program: 'relay' })).toThrow(/symbolic link|not a file/)
      expect(statSync(existing).mode & 0o777).toBe(0o644)
      expect(readFileSync(existing, 'utf8')).toBe('keep')
    },
  )

  it.skipIf(process.platform === 'win32')(
    'the owner file is never written through a planted symbolic link',
    () => {
      const dir = folder()
      const target = join(folder(), 'passwd')
      writeFileSync(target, 'root:x:0:0\n')
      symlinkSync(target, join(dir, `${OWNER_FILE}.${process.pid}.tmp`))
      const lock = lockFolder(dir, { program: 'relay' })
      expect(readFileSync(target, 'utf8')).toBe('root:x:0:0\n')
      expect(lstatSync(join(dir, OWNER_FILE)).isFile()).toBe(true)
      lock.release()
    },
  )

  it.skipIf(process.platform === 'win32')(
    'a refusal does not read the owner file through a link to a pipe (it would wait forever)',
    () => {
      const dir = folder()
      const lock = lockFolder(dir, { program: 'relay' })
      rmSync(join(dir, OWNER_FILE))
      const fifo = join(folder(), 'fifo')
      execFileSync('mkfifo', [fifo])
      symlinkSync(fifo, join(dir, OWNER_FILE))
      const err = refusal(() => lockFolder(dir, { program: 'relay' }))
      expect(err.owner).toBeNull()
      lock.release()
    },
  )
})

// `kiosk web` asks, before its port check, whether a kiosk already runs on its folder: a port
// in use is then that kiosk's, and `--port` is the wrong advice.
describe('folderInUse', () => {
  it('says who holds the folder without taking the lock or writing anything', () => {
    const dir = folder()
    const first = lockFolder(dir, { program: 'kiosk web', now: () => Date.UTC(2026, 11, 3, 8) })
    const held = folderInUse(dir)
    expect(held).toBeInstanceOf(FolderInUseError)
    expect(held?.folder).toBe(dir)
    expect(held?.owner).toMatchObject({ pid: process.pid, program: 'kiosk web' })
    // Asking did not drop the holder's lock (closing a descriptor of the file would).
    expect(() => lockFolder(dir, { program: 'relay' })).toThrow(FolderInUseError)
    expect(folderInUse(dir)).toBeInstanceOf(FolderInUseError)
    first.release()
    expect(folderInUse(dir)).toBeNull()
    expect(existsSync(join(dir, OWNER_FILE))).toBe(false)
    lockFolder(dir, { program: 'relay' }).release()
  })

  it('a missing folder or lock file is free, and nothing is made', () => {
    const missing = join(folder(), 'new')
    expect(folderInUse(missing)).toBeNull()
    expect(existsSync(missing)).toBe(false)
    const empty = folder()
    expect(folderInUse(empty)).toBeNull()
    expect(existsSync(join(empty, LOCK_FILE))).toBe(false)
  })

  it.skipIf(process.platform === 'win32')('a lock file that is a link is not followed', () => {
    const dir = folder()
    const fifo = join(folder(), 'fifo')
    execFileSync('mkfifo', [fifo])
    symlinkSync(fifo, join(dir, LOCK_FILE))
    expect(folderInUse(dir)).toBeNull()
  })
})

describe('a data setting that names a file', () => {
  // `--data /srv/relay.sqlite` (the database, not its folder): the hint said the file "cannot
  // be written by root", and to chown it, which changes nothing.
  it('says the path is a file, not a folder, naming the setting', () => {
    const file = join(folder(), 'relay.sqlite')
    writeFileSync(file, '')
    for (const data of [file, join(file, 'sub')]) {
      let message = ''
      try {
        lockFolder(data, { program: 'relay', setting: '--data, SCANDESK_RELAY_DATA' })
      } catch (err) {
        message = (err as Error).message
      }
      expect(message).toContain(`${file} is a file, not a folder`)
      expect(message).toContain('(--data, SCANDESK_RELAY_DATA)')
      expect(message).not.toContain('cannot be written by')
    }
    let opened = ''
    try {
      openSqliteStore({ data: file })
    } catch (err) {
      opened = (err as Error).message
    }
    expect(opened).toContain(`${file} is a file, not a folder`)
    expect(opened).not.toContain('cannot be written by')
  })
})

describe('the relay and its data folder', () => {
  let redis: TestRedis
  const relays: RelayHandle[] = []
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    for (const r of relays) await r.close()
    await redis.stop()
  })
  const config = (dir: string, redisUrl: string | null) => ({
    port: 0,
    host: '127.0.0.1',
    data: dir,
    redis: redisUrl,
    wechat: { token: 'tok' },
  })

  it('SQLite: a second relay on the folder is refused; the first one’s close frees it', async () => {
    const dir = folder()
    const first = await startRelay(config(dir, null))
    await expect(startRelay(config(dir, null))).rejects.toThrow(FolderInUseError)
    // The CLI's commands open the store beside the running relay, without the lock.
    const cli = openSqliteStore({ data: dir })
    await cli.close()
    await first.close()
    const next = await startRelay(config(dir, null))
    relays.push(next)
  })

  it('SQLite: a relay that fails to listen frees the folder', async () => {
    const dir = folder()
    const holder = await startRelay(config(folder(), null))
    relays.push(holder)
    await expect(startRelay({ ...config(dir, null), port: holder.port })).rejects.toThrow(
      /EADDRINUSE/,
    )
    relays.push(await startRelay(config(dir, null)))
  })

  it('Redis: relays sharing a --data folder all start (the folder is not used)', async () => {
    const dir = folder()
    relays.push(await startRelay(config(dir, redis.url), { redisPrefix: 'lock-a:' }))
    relays.push(await startRelay(config(dir, redis.url), { redisPrefix: 'lock-a:' }))
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false)
  })
})
