/**
 * Clearing a booth for good (`kiosk clear`): a rented or shared laptop goes back after the event
 * with nothing personal left in its data folder (PIPL): the guests' names, phones and openids
 * (roster, attendance, tickets, desk bindings, campaign copies) and the booth's secrets (the
 * AppSecret and the relay token in the vault, with the vault's key). What is left is a first
 * start's folder: the next start makes and prints a new admin PIN.
 *
 * Nothing accepted is lost without a word: `boothDataAtRisk` counts what only this booth holds
 * (desk bindings not yet sent to the relay, check-ins in campaigns the relay does not run), and
 * `clearBooth` refuses, changing nothing, unless the staff confirm that loss.
 *
 * A crash midway never leaves secrets behind while claiming success: `clearing.json` is put on
 * disk first, the secrets go next, then the database and the exports saved in the folder, then
 * the rest, and the marker last. A start that finds the marker finishes the clear before
 * anything reads the folder (`finishInterruptedClear`, called by the runtime under the lock).
 */
import { existsSync, lstatSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { isJsonTemporary, syncFolder, whileHeld, writeJsonFile } from './config/json-file'
import { errorCode } from '../../shared/error-code'
import { LOCK_FILE, OWNER_FILE } from '../../shared/server/folder-lock'
import { DEMO_KIOSK_ID } from './demo'
import { atRisk, type BoothDataAtRiskCounts } from '../../shared/ipc'

/** Put on disk before anything is removed, removed last: a clear begun and not finished. */
export const CLEARING_MARKER = 'clearing.json'

/** In the order they go: the secrets first, then the guests' rows, then the rest. */
const SECRET_FILES = ['vault.json', 'vault.safe-storage.json', 'vault.key']
const DATABASE_FILES = ['kiosk.db', 'kiosk.db-wal', 'kiosk.db-shm', 'kiosk.db-journal']
const OTHER_FILES = ['settings.json', 'setup-pending.json', 'campaigns.json']
/** The admin area's exports (export/export-jobs.ts): the guests' rows as sheets, partials too. */
const EXPORTS_DIR = 'exports'
/** The Electron shell's rotated log (electron/main/log.ts): main.log, main.log.0 … */
const LOG_FILE = /^main\.log(?:\.\d+)?$/

/** The counts the admin area shows (shared/ipc.ts's schema): what only this booth holds. */
export type BoothDataAtRisk = BoothDataAtRiskCounts

const NOTHING_AT_RISK: BoothDataAtRisk = { unsentBindings: 0, localOnlyCheckIns: 0 }

/**
 * What only this booth holds, read from a stopped folder's database (none: nothing). Read only:
 * a refused clear leaves the files as they were, its -wal not even checkpointed. The owners'
 * tables (campaigns/relay-roster.ts, scans/attendance-store.ts) are only counted here.
 */
export function boothDataAtRisk(dataDir: string, nativeBinding?: string): BoothDataAtRisk {
  const file = join(dataDir, 'kiosk.db')
  if (!existsSync(file) || statSync(file).size === 0) return NOTHING_AT_RISK
  const db = new Database(file, {
    readonly: true,
    fileMustExist: true,
    ...(nativeBinding !== undefined && { nativeBinding }),
  })
  try {
    const has = (table: string): boolean =>
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !==
      undefined
    const count = (sql: string, ...params: string[]): number =>
      (db.prepare(sql).get(...params) as { n: number }).n
    // A database from before the relay's campaigns (migrations 003, 007): every check-in of it
    // is the booth's own.
    const relayRun = has('relay_campaign_history')
      ? 'AND campaign_id NOT IN (SELECT campaign_id FROM relay_campaign_history)'
      : ''
    return {
      unsentBindings: has('bind_outbox') ? count('SELECT count(*) AS n FROM bind_outbox') : 0,
      localOnlyCheckIns: has('attendance')
        ? count(
            `SELECT count(*) AS n FROM attendance WHERE kiosk_id <> ? ${relayRun}`,
            DEMO_KIOSK_ID,
          )
        : 0,
    }
  } finally {
    db.close()
  }
}

/** What a refusal or a confirmation says, in zh-CN then English. */
export function describeAtRisk(r: BoothDataAtRisk): string {
  const zh: string[] = []
  const en: string[] = []
  if (r.unsentBindings > 0) {
    zh.push(`${r.unsentBindings} 条前台绑定尚未送达中继`)
    en.push(`${r.unsentBindings} desk bindings have not reached the relay yet`)
  }
  if (r.localOnlyCheckIns > 0) {
    zh.push(`${r.localOnlyCheckIns} 条签到只保存在本机（所属活动不由中继运行），请先导出`)
    en.push(
      `${r.localOnlyCheckIns} check-ins are kept only on this booth (their campaigns are not run by the relay): export them first`,
    )
  }
  return `${zh.join('；')}。\n${en.join('; ')}.`
}

export class BoothClearRefused extends Error {
  override name = 'BoothClearRefused'
  constructor(readonly atRisk: BoothDataAtRisk) {
    super(
      `本机仍有未备份的数据，未清除任何内容：${describeAtRisk(atRisk)}\n` +
        'Nothing was cleared: confirm the loss to clear anyway.',
    )
  }
}

/**
 * A file another program kept open through every try (an antivirus scanner, the search indexer,
 * OneDrive, a spreadsheet open on a saved export): the clear stops there, `clearing.json` kept,
 * and is finished by `kiosk clear` run again or the next start.
 */
export class BoothClearHeld extends Error {
  override name = 'BoothClearHeld'
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(
      `${file} 正被其他程序占用（${errorCode(cause) ?? 'busy'}：杀毒软件、搜索索引、OneDrive，或打开它的表格程序），` +
        '本机数据还没有清除完：关闭那个程序后再运行一次清除（或重新启动签到程序，它会先把清除做完）。\n' +
        `${file} is held open by another program (${errorCode(cause) ?? 'busy'}: an antivirus scanner, the search indexer, ` +
        'OneDrive, or a spreadsheet that has it open), so the booth is not fully cleared yet: close it and ' +
        'run it again (or start the kiosk, which finishes the clear first).',
      { cause },
    )
  }
}

export interface ClearOptions {
  /** The staff confirmed losing what `boothDataAtRisk` counts. */
  confirmLoss: boolean
  /** Folders holding the kiosk's logs outside the data folder (the Electron shell's logs/). */
  logDirs?: readonly string[]
  now?: () => number
  /** Electron main's build of better-sqlite3 (docs/DESIGN.md "Native modules"). */
  nativeBinding?: string
  /** Tests: called after each file is removed (a throw there is a crash midway). */
  afterRemove?: (file: string) => void
}

/**
 * `boothDataAtRisk`; a database that cannot be read (damaged, not a database) refuses the
 * clear unless the loss is confirmed: then whatever it held is lost anyway, and it goes too.
 */
function countAtRisk(dataDir: string, o: ClearOptions): BoothDataAtRisk {
  try {
    return boothDataAtRisk(dataDir, o.nativeBinding)
  } catch (err) {
    if (!o.confirmLoss) throw err
    return NOTHING_AT_RISK
  }
}

export interface BoothCleared {
  /** The files removed, by path. */
  removed: string[]
  /** What the staff confirmed losing (all zero: nothing was at risk). */
  lost: BoothDataAtRisk
  /**
   * What is still in the data folder and not the kiosk's to remove (an export `--out` saved
   * there, a hand copy of kiosk.db, a folder: `name/`), sorted; the folder's lock is not named.
   * Kept, as the clear cannot know what they are, and named so nothing is left unseen.
   */
  left: string[]
}

/**
 * Clears a stopped booth's data folder; the caller holds its lock (shared/server/folder-lock.ts).
 * Refuses (BoothClearRefused, nothing changed) while something only this booth holds is not
 * confirmed lost; a clear a crash cut short is finished whatever was at risk then, as its
 * secrets may already be gone.
 */
export function clearBooth(dataDir: string, o: ClearOptions): BoothCleared {
  const resuming = existsSync(join(dataDir, CLEARING_MARKER))
  const risk = resuming ? NOTHING_AT_RISK : countAtRisk(dataDir, o)
  if (!resuming && atRisk(risk) && !o.confirmLoss) throw new BoothClearRefused(risk)
  if (!resuming) {
    writeJsonFile(join(dataDir, CLEARING_MARKER), { version: 1, since: (o.now ?? Date.now)() })
  }
  const removed: string[] = []
  const remove = (file: string): void => {
    if (!existsSync(file)) return
    removeHeld(file)
    removed.push(file)
    o.afterRemove?.(file)
  }
  for (const name of [...SECRET_FILES, ...DATABASE_FILES]) remove(join(dataDir, name))
  const exportsDir = join(dataDir, EXPORTS_DIR)
  // Never followed out of the folder: `exports` as a link (a junction on Windows: staff pointing
  // the exports at a USB stick or a shared folder) goes itself, and what it points at is left
  // whole, the staff's files there with it. An entry of a real exports/ that is a link goes the
  // same way (rmSync removes a link, never what it points at).
  const exportsEntry = lstatSync(exportsDir, { throwIfNoEntry: false })
  if (exportsEntry?.isDirectory() === true) {
    for (const name of readdirSync(exportsDir).sort()) remove(join(exportsDir, name))
  }
  if (exportsEntry !== undefined) removeHeld(exportsDir)
  for (const name of OTHER_FILES) remove(join(dataDir, name))
  // Old copies of settings.json or vault.json a killed save left behind, and the logs.
  for (const dir of [dataDir, ...(o.logDirs ?? [])]) {
    if (!existsSync(dir)) continue
    for (const name of readdirSync(dir).sort()) {
      if (isJsonTemporary(name) || LOG_FILE.test(name)) remove(join(dir, name))
    }
    syncFolder(dir)
  }
  rmSync(join(dataDir, CLEARING_MARKER), { force: true })
  syncFolder(dataDir)
  return { removed, lost: risk, left: leftIn(dataDir) }
}

/** The data folder's entries a clear did not remove, but for the folder's lock (its caller's). */
function leftIn(dataDir: string): string[] {
  return readdirSync(dataDir, { withFileTypes: true })
    .filter((e) => e.name !== LOCK_FILE && e.name !== OWNER_FILE)
    .map((e) => (e.isDirectory() ? `${e.name}/` : e.name))
    .sort()
}

/** Removes `file`; on Windows a scanner or the indexer holding it for a moment is waited out. */
function removeHeld(file: string): void {
  try {
    whileHeld(() => rmSync(file, { recursive: true, force: true }))
  } catch (err) {
    const code = errorCode(err)
    if (code === 'EBUSY' || code === 'EPERM' || code === 'EACCES')
      throw new BoothClearHeld(file, err)
    throw err
  }
}

/**
 * At a start, under the folder lock and before anything reads the folder: a clear a crash cut
 * short is finished (null: none was). Its secrets and guests' rows never come back to life.
 */
export function finishInterruptedClear(
  dataDir: string,
  logDirs?: readonly string[],
): BoothCleared | null {
  // Whatever the marker holds (a write cut short leaves it empty): a clear begun is finished.
  if (!existsSync(join(dataDir, CLEARING_MARKER))) return null
  return clearBooth(dataDir, { confirmLoss: true, ...(logDirs && { logDirs }) })
}
