/**
 * One process per data folder: the relay (SQLite store) and the kiosk (web mode, the CLI, the
 * Electron shell, demo mode) take this lock at start and keep it until they stop.
 *
 * The lock is the operating system's, taken through SQLite on an empty file `scandesk.lock` in
 * the folder: a connection that holds `BEGIN EXCLUSIVE` holds SQLite's exclusive file lock
 * (fcntl byte-range locks on Linux/macOS, LockFileEx on Windows). The kernel drops it when the
 * process ends however it ends (exit, crash, SIGKILL, power cut: after a reboot there is no lock
 * at all), so a stale lock cannot outlive its holder, no pid is trusted (a reused pid after a
 * reboot fools nothing) and no heartbeat or clock is involved. Both programs already load
 * better-sqlite3, and their databases already rely on the same locks.
 *
 * Why not a lockfile library (proper-lockfile) or an O_EXCL file with a pid: those decide a
 * lock is stale by age (an mtime refreshed every few seconds) or by asking whether a pid lives.
 * After a SIGKILL a restart within the stale period is refused; a kiosk PC that sleeps, or an
 * event loop busy past the period, loses a lock it still holds; a pid recorded before a reboot
 * can belong to another process after it. See docs/RELIABILITY.md "One process per data folder".
 *
 * `scandesk.lock.json` beside it says who holds the lock (pid, host, since when, which program)
 * for the refusal's message only: it is written after the lock is taken, removed before it is
 * released, and never decides anything. The lock file itself is never removed (removing it
 * would let a third process lock a new file while a second still holds the old one).
 */
import { hostname, userInfo } from 'node:os'
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { z } from 'zod'
import { errorCode } from '../error-code'

export const LOCK_FILE = 'scandesk.lock'
export const OWNER_FILE = 'scandesk.lock.json'
/** The owner file's most: it is one short line of JSON. */
const MAX_OWNER_BYTES = 4096
/**
 * Opens fail on a symbolic link (ELOOP) rather than following it, and never wait on a pipe: a data folder another user
 * can write (a kiosk's folder in a user's home, the program run as root) must not let that
 * user make the program create, chmod, write or read a file elsewhere. Windows has no flag.
 */
const SAFE_OPEN = (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)

const ownerSchema = z.object({
  pid: z.number().int().positive(),
  host: z.string().max(255),
  /** ms since the epoch, within what a Date holds (past it, toISOString throws a RangeError). */
  since: z.number().int().nonnegative().max(8.64e15),
  /** Which program holds it, e.g. 'relay' or 'kiosk web'. */
  program: z.string().max(100),
})
export type FolderLockOwner = z.infer<typeof ownerSchema>

/** Another process holds the folder's lock. `owner` is null when it did not say who it is. */
export class FolderInUseError extends Error {
  constructor(
    readonly folder: string,
    readonly owner: FolderLockOwner | null,
  ) {
    super(`${folder} is in use by ${describeOwner(owner, 'en')}`)
    this.name = 'FolderInUseError'
  }
}

export interface FolderLock {
  readonly folder: string
  /** Releases the lock (idempotent). */
  release(): void
}

export interface LockFolderOptions {
  /** Named in the refusal another process prints, e.g. 'relay'. */
  program: string
  /**
   * The settings that choose the folder, named when it cannot be written (e.g. '--data,
   * SCANDESK_RELAY_DATA'); the folder-permission hint is left out without it.
   */
  setting?: string
  /** Electron's build of better-sqlite3 (docs/NATIVE-MODULES.md). */
  nativeBinding?: string | undefined
  now?: () => number
}

/**
 * Takes the folder's lock (making the folder, mode 0700, if missing) or throws
 * FolderInUseError at once: it never waits.
 */
export function lockFolder(folder: string, opts: LockFolderOptions): FolderLock {
  const dir = resolve(folder)
  const file = join(dir, LOCK_FILE)
  let db: Database.Database | null = null
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    // Made (mode 0600, as the databases beside it) or checked here, before SQLite opens it: a
    // symbolic link or anything but a plain file is refused. Opened with fs only before SQLite
    // holds a lock on it: closing any descriptor of the file would drop this process's locks.
    refuseUnlessPlainFile(file, constants.O_RDWR | constants.O_CREAT)
    db = new Database(file, {
      timeout: 0,
      ...(opts.nativeBinding !== undefined && { nativeBinding: opts.nativeBinding }),
    })
    // Nothing is ever written: no journal file, and the file stays empty.
    db.pragma('journal_mode = MEMORY')
    db.exec('BEGIN EXCLUSIVE')
  } catch (err) {
    db?.close()
    if ((errorCode(err) ?? '').startsWith('SQLITE_BUSY')) {
      throw new FolderInUseError(dir, readOwner(dir))
    }
    const why = err instanceof Error ? err.message : String(err)
    const hint = opts.setting === undefined ? '' : unwritableFolderHint(dir, opts.setting)
    throw new Error(`cannot lock the data folder ${dir} (${LOCK_FILE}): ${why}${hint}`, {
      cause: err,
    })
  }
  const held = db
  const owner: FolderLockOwner = {
    pid: process.pid,
    host: hostname(),
    since: (opts.now ?? Date.now)(),
    program: opts.program,
  }
  try {
    const tmp = join(dir, `${OWNER_FILE}.${process.pid}.tmp`)
    // A new file (a link left or planted under the name is removed, not written through).
    rmSync(tmp, { force: true })
    writeFileSync(tmp, JSON.stringify(owner) + '\n', { mode: 0o600, flag: 'wx' })
    renameSync(tmp, join(dir, OWNER_FILE))
  } catch {
    // Only the message another process prints loses its details: the lock is held.
  }
  let released = false
  return {
    folder: dir,
    release() {
      if (released) return
      released = true
      try {
        rmSync(join(dir, OWNER_FILE), { force: true })
      } catch {
        // Held open for a moment (EBUSY: a Windows antivirus scanner reading it): the lock is
        // let go all the same, and the next holder writes the file anew.
      }
      held.close()
    },
  }
}

/**
 * The refusal lockFolder would throw for `folder` now, or null when it would take the lock
 * (the folder or its lock file missing, or anything but a plain lock file: lockFolder says
 * what is wrong then). Takes no lock and makes or writes nothing: a read-only connection asks
 * for SQLite's shared lock, which the holder's exclusive lock refuses. The file is never
 * opened outside SQLite, so a process holding the lock keeps it (see lockFolder).
 */
export function folderInUse(folder: string, nativeBinding?: string): FolderInUseError | null {
  const dir = resolve(folder)
  const file = join(dir, LOCK_FILE)
  try {
    // Not through a link, never a pipe (opening one waits for a writer).
    if (!lstatSync(file).isFile()) return null
  } catch {
    return null
  }
  let db: Database.Database | null = null
  try {
    db = new Database(file, {
      readonly: true,
      fileMustExist: true,
      timeout: 0,
      ...(nativeBinding !== undefined && { nativeBinding }),
    })
    db.prepare('SELECT count(*) FROM sqlite_master').get()
    return null
  } catch (err) {
    return (errorCode(err) ?? '').startsWith('SQLITE_BUSY')
      ? new FolderInUseError(dir, readOwner(dir))
      : null
  } finally {
    db?.close()
  }
}

/** The relay's settings for its data folder, as its messages name them. */
export const RELAY_DATA_SETTING = '--data, SCANDESK_RELAY_DATA'

/**
 * Why a data folder cannot be opened, when it is the folder's permissions (a host directory
 * mounted at /data that is not the container user's, a folder made by root for a service
 * user): the nearest existing folder on the way, and what to do, naming `setting`. Empty
 * otherwise.
 */
export function unwritableFolderHint(data: string, setting: string): string {
  let dir = resolve(data)
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir)
  // The database's own path given for its folder: no chown helps that.
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    return `; ${dir} is a file, not a folder: set a folder (${setting})`
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK)
    return ''
  } catch {
    let user = `uid ${process.getuid?.() ?? '?'}`
    try {
      user = `${userInfo().username} (${user})`
    } catch {
      // No passwd entry (a container's arbitrary uid): the number says it.
    }
    return (
      `; ${dir} cannot be written by ${user}, the user this program runs as: give it that ` +
      `folder (chown), or set another (${setting})`
    )
  }
}

/**
 * Opens `file` with `flags` without following a link, and throws unless it is a plain file
 * (a link, a pipe, a device). The descriptor is closed before returning.
 */
function refuseUnlessPlainFile(file: string, flags: number): void {
  let fd: number
  try {
    fd = openSync(file, flags | SAFE_OPEN, 0o600)
  } catch (err) {
    if (errorCode(err) === 'ELOOP') {
      throw new Error(`${file} is a symbolic link; remove it`, { cause: err })
    }
    throw err
  }
  try {
    if (!fstatSync(fd).isFile()) throw new Error(`${file} is not a file; remove it`)
  } finally {
    closeSync(fd)
  }
}

/** Who holds the lock, from the owner file: a plain file of one short line, else unknown. */
function readOwner(dir: string): FolderLockOwner | null {
  let fd: number | null = null
  try {
    fd = openSync(join(dir, OWNER_FILE), constants.O_RDONLY | SAFE_OPEN)
    const stat = fstatSync(fd)
    if (!stat.isFile() || stat.size > MAX_OWNER_BYTES) return null
    const buf = Buffer.alloc(MAX_OWNER_BYTES)
    const n = readSync(fd, buf, 0, MAX_OWNER_BYTES, 0)
    const parsed = ownerSchema.safeParse(JSON.parse(buf.subarray(0, n).toString('utf8')))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  } finally {
    if (fd !== null) closeSync(fd)
  }
}

/** "relay (pid 123 on host h, since 2026-12-03 18:02:38 UTC)", in English or Chinese. */
export function describeOwner(owner: FolderLockOwner | null, lang: 'en' | 'zh-CN'): string {
  if (owner === null) return lang === 'en' ? 'another process' : '另一个进程'
  const since = new Date(owner.since)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')
  const here = owner.host === hostname()
  if (lang === 'en') {
    const where = here ? '' : ` on computer ${owner.host}`
    return `another ${owner.program} (pid ${owner.pid}${where}, since ${since})`
  }
  const where = here ? '' : `，计算机 ${owner.host}`
  return `另一个 ${owner.program} 进程（pid ${owner.pid}${where}，自 ${since} 起）`
}
