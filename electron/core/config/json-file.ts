/**
 * Validated JSON files in the data directory. A file that does not parse or fails its
 * schema is reported with the field at fault and left untouched: the kiosk refuses to start
 * rather than overwrite a configuration someone may still want to repair.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { z } from 'zod'
import { errorCode } from '../../../shared/error-code'
import { jsonErrorPlace } from '../../../shared/json-place'

export class ConfigFileError extends Error {
  constructor(
    readonly file: string,
    /** Dotted path of the field at fault, or null when the file is not JSON at all. */
    readonly field: string | null,
    detail: string,
    /**
     * Fields this version does not know (dotted paths): most likely written by a newer ScanDesk
     * (a booth rolled back), so the words say that and how to go back, not only "invalid".
     */
    unknownKeys?: readonly string[],
  ) {
    // zh-CN first, as every start-up problem the kiosk shows (its start-up box, `kiosk web`).
    const name = basename(file)
    super(
      unknownKeys === undefined
        ? `文件 ${name} 无效${field === null ? '' : `（字段 "${field}"）`}：${detail}\n` +
            `${name} is invalid${field === null ? '' : ` at "${field}"`}: ${detail}`
        : newerFileMessage(name, unknownKeys),
    )
    this.name = 'ConfigFileError'
  }
}

/** How many unknown fields the message names; the rest are counted. */
const NAMED_UNKNOWN_KEYS = 5

function newerFileMessage(name: string, unknownKeys: readonly string[]): string {
  const named = unknownKeys
    .slice(0, NAMED_UNKNOWN_KEYS)
    .map((k) => JSON.stringify(k))
    .join(', ')
  const more = unknownKeys.length - NAMED_UNKNOWN_KEYS
  const zhKeys = more > 0 ? `${named} 等 ${unknownKeys.length} 个` : named
  const keys = more > 0 ? `${named} and ${more} more` : named
  return (
    `文件 ${name} 里有这个版本不认识的字段：${zhKeys}。它可能由更新版本的 ScanDesk 写入，也可能是手工` +
    '加的。文件没有改动。请运行那个更新的版本；要回到这个版本，退出程序，用升级前复制的数据文件夹替换' +
    '现在的。\n' +
    `${name} has fields this version does not know: ${keys}. A newer ScanDesk wrote them, or ` +
    'they were added by hand. The file was left as it is. Run that newer version; to go back to ' +
    'this one, quit and put the data folder copied before the upgrade in its place.'
  )
}

/** `a.b[2].c` from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`
    else out += out === '' ? String(p) : `.${String(p)}`
  }
  return out === '' ? '(root)' : out
}

/** Reads and validates `file`; null when it does not exist. */
export function readJsonFile<S extends z.ZodType>(file: string, schema: S): z.output<S> | null {
  if (!existsSync(file)) return null
  // RFC 8259 lets a parser ignore a byte order mark; Windows editors still write one.
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '')
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    // Where, not JSON.parse's message: that quotes the file's text (a PIN hash, a secret).
    throw new ConfigFileError(file, null, `not valid JSON${jsonErrorPlace(err, text)}`)
  }
  const parsed = schema.safeParse(raw)
  if (!parsed.success) {
    const unknown = parsed.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys' ? i.keys.map((k) => formatPath([...i.path, k])) : [],
    )
    if (unknown.length > 0) {
      throw new ConfigFileError(file, unknown[0] ?? null, 'unknown fields', unknown)
    }
    const issue = parsed.error.issues[0]
    throw new ConfigFileError(
      file,
      issue ? formatPath(issue.path) : '(root)',
      issue?.message ?? 'invalid',
    )
  }
  return parsed.data
}

/**
 * Flushes the folder `dir` itself, so a file just created or renamed there keeps its name
 * through a power cut: fsync of the file covers its bytes, not its entry in the folder (fsync(2)).
 * Without it a power cut in the seconds after a save brings the previous file back. Best effort:
 * the file is already in place, and a file system that cannot flush a folder (some network and
 * FUSE ones) is no reason to report a save that happened as failed. Windows cannot open a
 * folder as a file; NTFS journals the rename itself.
 */
export function syncFolder(dir: string): void {
  if (process.platform === 'win32') return
  let fd: number
  try {
    fd = openSync(dir, 'r')
  } catch {
    return
  }
  try {
    fsyncSync(fd)
  } catch {
    // Not supported here (EINVAL and the like): as durable as this file system makes it.
  } finally {
    closeSync(fd)
  }
}

/**
 * What a rename gets while another program holds one of its files open for a moment: on
 * Windows an antivirus scanner, the search indexer or OneDrive opening a file just written
 * (EPERM, EACCES; EBUSY). Elsewhere they usually last: the retry then delays the same error
 * by about a second, in a path that fails anyway.
 */
const HELD_FOR_A_MOMENT = new Set(['EPERM', 'EACCES', 'EBUSY'])
/** The waits between tries: about a second in all, as long as a scan of a fresh file takes. */
const RENAME_WAITS_MS = [10, 20, 40, 80, 160, 320, 500]

/** How long to wait before trying again what `err` refused (`attempt`: 0 the first time). */
function waitAfter(err: unknown, attempt: number): number | undefined {
  const code = errorCode(err)
  return code !== null && HELD_FOR_A_MOMENT.has(code) ? RENAME_WAITS_MS[attempt] : undefined
}

/**
 * Tries `renameSync(from, to)` once (`attempt`: 0 the first time). Null when done; when the file
 * is held for a moment, how long to wait before the next try (a bounded backoff); anything else,
 * or a hold past the last wait, is thrown.
 */
export function renameOrWait(from: string, to: string, attempt: number): number | null {
  try {
    renameSync(from, to)
    return null
  } catch (err) {
    const wait = waitAfter(err, attempt)
    if (wait === undefined) throw err
    return wait
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))

/**
 * Runs `op` (synchronous file work), trying again while a file it touches is held for a moment
 * (`HELD_FOR_A_MOMENT`, about a second in all); anything else, or a hold that stays, is thrown.
 */
export function whileHeld(op: () => void): void {
  for (let attempt = 0; ; attempt++) {
    try {
      op()
      return
    } catch (err) {
      const wait = waitAfter(err, attempt)
      if (wait === undefined) throw err
      // A settings save or a clear is synchronous; the wait is short and only on a refusal.
      Atomics.wait(sleeper, 0, 0, wait)
    }
  }
}

/** `renameSync` that waits out a file held for a moment. */
export function renameIntoPlace(from: string, to: string): void {
  whileHeld(() => renameSync(from, to))
}

/**
 * Removes a temporary, best effort: one held open for a moment (EBUSY, EPERM: a Windows
 * antivirus scanner reading it) stays, rather than its removal failing a start or replacing the
 * error a failed save reports. False when it is still there.
 */
export function removeIfPossible(file: string): boolean {
  try {
    rmSync(file, { force: true })
    return true
  } catch {
    return false
  }
}

/**
 * Writes through a temporary file and a rename, so a crash never leaves half a file; a write
 * that fails removes its temporary and leaves `file` as it was. Once it returns the new file
 * is on disk under its name, folder entry included (`syncFolder`): a power cut keeps it.
 */
export function writeJsonFile(file: string, value: unknown, mode = 0o600): void {
  const tmp = `${file}.${process.pid}.tmp`
  const fd = openSync(tmp, 'w', mode)
  try {
    try {
      writeSync(fd, `${JSON.stringify(value, null, 2)}\n`)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameIntoPlace(tmp, file)
  } catch (err) {
    removeIfPossible(tmp)
    throw err
  }
  syncFolder(dirname(file))
}

/**
 * Removes the files in `dir` whose names `isLeftover` picks, best effort (`removeIfPossible`:
 * one held open for a moment is left for the next time). Returns how many were removed.
 */
export function removeLeftovers(dir: string, isLeftover: (name: string) => boolean): number {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return 0
  }
  let removed = 0
  for (const name of names) {
    if (isLeftover(name) && removeIfPossible(join(dir, name))) removed++
  }
  return removed
}

/**
 * `writeJsonFile`'s temporary, `<name>.json.<pid>.tmp`, of the files the kiosk saves in its data
 * folder (settings.json, setup-pending.json, vault.json, the app's vault.safe-storage.json,
 * campaigns.json) and no other: `--data` may name a folder shared with other programs, whose own
 * temporaries may be a save in flight.
 */
const JSON_TEMPORARY =
  /^(?:settings|setup-pending|vault|vault\.safe-storage|campaigns)\.json\.\d+\.tmp$/

/**
 * Removes the temporaries `writeJsonFile` left in `dir` when its process was killed or the
 * power went mid-save (between opening the temporary and renaming it): nothing else removed
 * them, so each stayed for good, a copy of an old settings.json or of an old vault.json's
 * sealed secrets (the key beside it opens them). Only for a folder this process holds the lock
 * of: another process's save in flight would lose its temporary. Returns how many were removed.
 */
export function removeStaleJsonTemporaries(dir: string): number {
  return removeLeftovers(dir, isJsonTemporary)
}

/** Whether `name` is one of `writeJsonFile`'s temporaries of the kiosk's files (above). */
export function isJsonTemporary(name: string): boolean {
  return JSON_TEMPORARY.test(name)
}
