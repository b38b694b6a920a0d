/** `kiosk export`: attendance to CSV/XLSX without a UI (stdout when no --out). */
import { accessSync, constants, existsSync, statSync, Stats } from 'node:fs'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import { removeStalePartials, writeAtomically } from '../export/atomic-file'
import {
  dataDirFrom,
  refuseEmptyFlagValues,
  refuseRepeatedFlags,
  UsageError,
} from '../config/provisioning-args'
import { openKioskDb, type KioskDb } from '../db/db'
import { exportAttendance } from '../export/export'
import { ConfigFileError } from '../config/json-file'
import { loadSettings, type Settings } from '../config/settings'
import { openCampaignStore } from '../campaigns/campaign-store'
import { activeCampaignId, RelayCampaignStore } from '../campaigns/relay-campaign'
import { stdoutSink, type StdoutSink } from '../../../shared/server/stdout-sink'
import { errorCode } from '../../../shared/error-code'
import { CLEARING_MARKER } from '../clear-booth'

const USAGE = 'usage: kiosk export --data DIR [--campaign ID] [--format csv|xlsx] [--out FILE]'

/** A usage error, as the other kiosk commands answer one: why, the usage, exit code 2. */
function usageError(message: string): number {
  process.stderr.write(`error: ${message}\n${USAGE}\n`)
  return 2
}

function parseExportArgs(args: string[]) {
  const { values, tokens } = parseArgs({
    args,
    options: {
      data: { type: 'string' },
      campaign: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
    tokens: true,
  })
  refuseRepeatedFlags(tokens)
  refuseEmptyFlagValues(tokens)
  return values
}

export async function runExportCommand(args: string[]): Promise<number> {
  let values: ReturnType<typeof parseExportArgs>
  try {
    values = parseExportArgs(args)
  } catch (err) {
    // Unknown flag, a flag without its value, a stray argument: nothing is opened or written.
    return usageError(err instanceof Error ? err.message : String(err))
  }
  // Many tools read "-" as stdout; here it would be a file named "-" wherever the command ran.
  if (values.out === '-') return usageError('--out - is no file name: for stdout, leave out --out')
  // The file's name says what Excel will open it as: CSV bytes named .xlsx (or a workbook
  // named .csv) is a file it refuses. Without --format the name chooses; csv otherwise.
  const named = values.out === undefined ? null : formatNamedBy(values.out)
  const format = values.format ?? named ?? 'csv'
  if (format !== 'csv' && format !== 'xlsx') {
    return usageError(`--format must be csv or xlsx, not ${JSON.stringify(format)}`)
  }
  if (named !== null && named !== format) {
    return usageError(
      `--format ${format} does not match --out ${values.out ?? ''} (a .${named} file); name it .${format} or leave out --format`,
    )
  }
  let dataDir: string
  try {
    dataDir = dataDirFrom(values.data, 'kiosk-data')
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    return usageError(err.message)
  }
  if (values.out !== undefined) {
    // Before anything is read: a long export must not end in "cannot write".
    const problem = whyNotWritable(values.out, format)
    if (problem !== null) {
      process.stderr.write(`error: cannot write ${values.out}: ${problem}\n`)
      return 1
    }
  }
  // A clear cut short has its secrets gone and its guests' rows next: they are erased, not
  // exported (the clear was confirmed, or nothing was only here).
  if (clearBegun(dataDir)) return refuseClearing(dataDir)
  const dbFile = join(dataDir, 'kiosk.db')
  if (!existsSync(dbFile)) {
    process.stderr.write(`error: no kiosk data in ${dataDir} (kiosk.db not found)\n`)
    return 1
  }
  // A damaged settings.json stops the kiosk, not an export of what the database holds: it only
  // names the active campaign (then --campaign must) and the sheet's language.
  let settings: Settings | null = null
  let damaged: string | null = null
  try {
    settings = loadSettings(dataDir)
  } catch (err) {
    if (!(err instanceof ConfigFileError)) throw err
    damaged = err.message
    process.stderr.write(`warning: ${damaged}\n`)
  }
  const db = openKioskDb(dbFile, {
    mustExist: true,
    warn: (message) => process.stderr.write(`warning: ${message}\n`),
  })
  if (damaged !== null && values.campaign === undefined) {
    const known = knownCampaignIds(db, dataDir, null)
    db.close()
    process.stderr.write(
      `error: the active campaign is unknown (${damaged}); name one with --campaign${known.length > 0 ? ` (campaigns here: ${known.join(', ')})` : ''}\n`,
    )
    return 1
  }
  if (values.campaign !== undefined) {
    // A mistyped id would export an empty sheet that reads as "nobody came".
    const known = knownCampaignIds(db, dataDir, settings)
    if (!known.includes(values.campaign)) {
      db.close()
      process.stderr.write(
        `error: no campaign ${JSON.stringify(values.campaign)} in ${dataDir}${known.length > 0 ? ` (campaigns here: ${known.join(', ')})` : ''}\n`,
      )
      return 1
    }
  }
  // No --campaign: the active one, as the kiosk sees it (the relay's while the relay runs the
  // kiosk in one); none active: every campaign.
  const campaignId =
    values.campaign ??
    (settings === null ? null : activeCampaignId(new RelayCampaignStore(db), settings))
  const names = campaignNames(db, dataDir, settings)
  let progress = { done: 0, total: 0 }
  const run = (out: Writable) =>
    exportAttendance({
      db,
      campaignId,
      format,
      out,
      locale: settings?.locale ?? 'zh-CN',
      // A campaign removed since, or an earlier one of the relay's: its id.
      campaignName: (id) => names.get(id) ?? null,
      onProgress: (done, total) => (progress = { done, total }),
    })
  try {
    if (values.out !== undefined) {
      // --out FILE appears only when complete; a run killed earlier left a temporary beside it.
      const file = resolve(values.out)
      removeStalePartials(dirname(file), basename(file))
      let rows: number
      try {
        rows = (
          await writeAtomically(file, async (out) => {
            const written = await run(out)
            // No folder lock (a running booth holds it), so a clear may have begun while the
            // rows were read (kiosk.db removed under an open reader is still read on Linux and
            // macOS): looked at again before the file appears, which then never does.
            if (clearBegun(dataDir)) throw new ClearBegunError()
            return written
          })
        ).rows
      } catch (err) {
        if (err instanceof ClearBegunError) return refuseClearing(dataDir)
        const why = fileErrorReason(err, values.out, format)
        if (why === null) throw err
        process.stderr.write(`error: cannot write ${values.out}: ${why}\n`)
        return 1
      }
      process.stderr.write(
        `exported ${rows} ${rows === 1 ? 'row' : 'rows'}${campaignId ? ` of campaign ${campaignId}` : ''} to ${values.out}\n`,
      )
    } else {
      const stdout = stdoutSink('kiosk', 'nothing more is exported')
      try {
        await run(stdoutWritable(stdout, () => clearBegun(dataDir)))
      } catch (err) {
        if (err instanceof ClearBegunError) return refuseClearing(dataDir)
        if (!stdout.closed) throw err
        // Its reader went away (`… | head -1`): the rows it did not take are not read either.
        process.stderr.write(
          `kiosk: the export stopped after ${progress.done} of ${progress.total} rows\n`,
        )
        return 1
      }
    }
    return 0
  } finally {
    db.close()
  }
}

/** Whether a clear of the folder has begun (and not finished): its guests are being erased. */
function clearBegun(dataDir: string): boolean {
  return existsSync(join(dataDir, CLEARING_MARKER))
}

/** A clear begun before or during the export: thrown by its writer, said by `refuseClearing`. */
class ClearBegunError extends Error {
  override name = 'ClearBegunError'
  constructor() {
    super('a clear of this booth has begun')
  }
}

function refuseClearing(dataDir: string): number {
  process.stderr.write(
    `error: ${dataDir} 的本机数据正在清除（或清除时被中断），签到记录正在被清除，不能导出。` +
      `清除没有在运行时，运行 npm run kiosk -- clear --data ${dataDir} 把它做完（或启动签到程序，它会先做完）。\n` +
      `a clear of this booth has begun in ${dataDir} (or was cut short): its check-ins are being erased, not exported. ` +
      `If no clear is running, finish it with npm run kiosk -- clear --data ${dataDir} (or start the kiosk, which finishes it first).\n`,
  )
  return 1
}

/**
 * The export's destination when there is no --out: each chunk waits until stdout took it, and
 * a stdout whose reader is gone fails the write, so the export stops (instead of a pipe that
 * unpiped itself and left the export waiting for an 'end' that never came). Ending it never
 * ends the process's stdout.
 */
function stdoutWritable(stdout: StdoutSink, clearing: () => boolean): Writable {
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      // A clear begun meanwhile: no more of its guests go out (what went cannot be taken back).
      if (clearing()) {
        done(new ClearBegunError())
        return
      }
      void stdout.written(chunk).then((taken) => {
        done(taken ? null : new Error('stdout is closed'))
      })
    },
  })
  // Its failure reaches the export through the write that met it; not an uncaught 'error'.
  out.on('error', () => {})
  return out
}

/**
 * The campaigns set up here (campaigns.json), the relay's current one and those it ran the kiosk
 * in before, by id: their names, for the sheet's 活动 column.
 */
function campaignNames(
  db: KioskDb,
  dataDir: string,
  settings: Settings | null,
): Map<string, string> {
  const names = new Map<string, string>()
  try {
    for (const c of openCampaignStore(dataDir).list()) names.set(c.id, c.name)
  } catch {
    // A damaged campaigns.json must not stop an export of what the database holds.
  }
  if (settings !== null) {
    const relay = new RelayCampaignStore(db)
    // The relay's earlier campaigns too (a booth moved on; each id once, its last version): one
    // set up here keeps its own name.
    for (const c of relay.known(settings.connectionId)) {
      if (!names.has(c.id)) names.set(c.id, c.name)
    }
    const current = relay.campaign(settings.connectionId)
    if (current !== null) names.set(current.id, current.name)
  }
  return names
}

/**
 * The campaigns an export can name: set up here (campaigns.json), the relay's current one, and
 * any that attendance rows still name (a campaign removed since, or the relay's earlier ones).
 */
function knownCampaignIds(db: KioskDb, dataDir: string, settings: Settings | null): string[] {
  const ids = new Set(
    db
      .prepare<[], { id: string }>('SELECT DISTINCT campaign_id AS id FROM attendance')
      .all()
      .map((r) => r.id),
  )
  for (const id of campaignNames(db, dataDir, settings).keys()) ids.add(id)
  return [...ids].sort()
}

/** The folder of `out` as the user typed it (`reports/att.csv` → `reports`). */
function typedFolder(out: string): string {
  return dirname(out.replace(/[\\/]+$/, '') || out)
}

/** The format an --out file's extension names (any case), or null for another name. */
function formatNamedBy(out: string): 'csv' | 'xlsx' | null {
  const ext = extname(out).toLowerCase()
  return ext === '.csv' ? 'csv' : ext === '.xlsx' ? 'xlsx' : null
}

/** What to say for `out` that is a folder: a file in it to name instead. */
function isAFolder(out: string, format: 'csv' | 'xlsx'): string {
  return `it is a folder; name a file in it, such as ${join(out, `attendance.${format}`)}`
}

/**
 * What a file system error code says about the folder a file goes into (`folder` as typed);
 * null for a code that is not about the folder. The check before exporting and a failure while
 * writing word it the same.
 */
function folderProblem(code: string, folder: string): string | null {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `no permission to write in the folder ${folder}`
    case 'ENOENT':
      return `the folder ${folder} does not exist`
    case 'ENOTDIR':
      return `the folder ${folder} does not exist (part of that path is a file)`
    case 'EROFS':
      return `the folder ${folder} is on a read-only disk`
    default:
      return null
  }
}

/**
 * Why the export cannot write `out` (as typed), checked before exporting; null when it can be
 * tried. A race (the folder removed meanwhile) is still caught by fileErrorReason.
 */
function whyNotWritable(out: string, format: 'csv' | 'xlsx'): string | null {
  const file = resolve(out)
  const target = statOf(file)
  if (target instanceof Stats && target.isDirectory()) return isAFolder(out, format)
  // `reports/` names a folder to write into, not a file called reports.
  const named = /[\\/]$/.test(out)
  const folder = named ? file : dirname(file)
  const shown = named ? out.replace(/[\\/]+$/, '') || out : typedFolder(out)
  const st = statOf(folder)
  if (!(st instanceof Stats)) return folderStatProblem(st, shown)
  if (!st.isDirectory()) return `${shown} is not a folder`
  if (named) return isAFolder(out, format)
  if (!(target instanceof Stats)) {
    const why = fileStatProblem(target, shown)
    if (why !== null) return why
  }
  try {
    accessSync(folder, constants.W_OK)
  } catch {
    return folderProblem('EACCES', shown)
  }
  return null
}

/** A path's stat, or the file system's error saying why there is none. */
function statOf(path: string): Stats | NodeJS.ErrnoException {
  try {
    return statSync(path)
  } catch (err) {
    if (err instanceof Error && errorCode(err) !== null) return err
    throw err
  }
}

/**
 * Why the folder a file goes into (`folder` as typed) cannot be looked at: not there, or a
 * folder on the way may not be opened (EACCES: no search permission), and the like.
 */
function folderStatProblem(err: NodeJS.ErrnoException, folder: string): string {
  switch (err.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return folderProblem(err.code, folder) ?? nodeReason(err)
    case 'EACCES':
    case 'EPERM':
      return `no permission to open the folder ${folder} or a folder it is in`
    case 'ELOOP':
      return `the symbolic links on the way to the folder ${folder} lead round in a loop`
    case 'ENAMETOOLONG':
      return 'a name in it is too long'
    default:
      return nodeReason(err)
  }
}

/**
 * Why the file itself cannot be looked at, in a folder that can (`folder` as typed): null when
 * nothing is there (ENOENT), or only a link that leads round in a loop, which the export
 * replaces as it would a dangling one.
 */
function fileStatProblem(err: NodeJS.ErrnoException, folder: string): string | null {
  switch (err.code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'ELOOP':
      return null
    case 'EACCES':
    case 'EPERM':
      return `no permission to open the folder ${folder}`
    case 'ENAMETOOLONG':
      return 'a name in it is too long'
    default:
      return nodeReason(err)
  }
}

/** Node's "EIO: i/o error, stat '<absolute path>'" without the path (the user typed another). */
function nodeReason(err: NodeJS.ErrnoException): string {
  return err.message.split(',')[0] ?? err.code ?? 'file system error'
}

/** A failure of the file system writing `out`, said as the user typed it; null for others. */
function fileErrorReason(err: unknown, out: string, format: 'csv' | 'xlsx'): string | null {
  if (!(err instanceof Error)) return null
  const { code, syscall } = err as NodeJS.ErrnoException
  if (code === undefined || syscall === undefined) return null
  const aboutFolder = folderProblem(code, typedFolder(out))
  if (aboutFolder !== null) return aboutFolder
  switch (code) {
    case 'EISDIR':
      return isAFolder(out, format)
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk is full'
    default:
      // Without the temporary's name.
      return nodeReason(err)
  }
}
