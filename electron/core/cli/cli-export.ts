/** `kiosk export`: attendance to CSV/XLSX without a UI (stdout when no --out). */
import { existsSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import { removeStalePartials, writeAtomically } from '../export/atomic-file'
import { dataDirFrom } from '../config/provisioning-args'
import { openKioskDb, type KioskDb } from '../db/db'
import { exportAttendance } from '../export/export'
import { ConfigFileError } from '../config/json-file'
import { loadSettings, type Settings } from '../config/settings'
import { openCampaignStore } from '../campaigns/campaign-store'
import { activeCampaignId, RelayCampaignStore } from '../campaigns/relay-campaign'
import { stdoutSink, type StdoutSink } from '../../../shared/server/stdout-sink'

const USAGE = 'usage: kiosk export --data DIR [--campaign ID] [--format csv|xlsx] [--out FILE]'

/** A usage error, as the other kiosk commands answer one: why, the usage, exit code 2. */
function usageError(message: string): number {
  process.stderr.write(`error: ${message}\n${USAGE}\n`)
  return 2
}

function parseExportArgs(args: string[]) {
  return parseArgs({
    args,
    options: {
      data: { type: 'string' },
      campaign: { type: 'string' },
      format: { type: 'string', default: 'csv' },
      out: { type: 'string' },
    },
    strict: true,
  }).values
}

export async function runExportCommand(args: string[]): Promise<number> {
  let values: ReturnType<typeof parseExportArgs>
  try {
    values = parseExportArgs(args)
  } catch (err) {
    // Unknown flag, a flag without its value, a stray argument: nothing is opened or written.
    return usageError(err instanceof Error ? err.message : String(err))
  }
  const format = values.format
  if (format !== 'csv' && format !== 'xlsx') {
    return usageError(`--format must be csv or xlsx, not ${JSON.stringify(format)}`)
  }
  const dataDir = dataDirFrom(values.data, 'kiosk-data')
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
  const db = openKioskDb(dbFile, { mustExist: true })
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
      const { rows } = await writeAtomically(file, run)
      process.stderr.write(
        `exported ${rows} rows${campaignId ? ` of campaign ${campaignId}` : ''} to ${values.out}\n`,
      )
    } else {
      const stdout = stdoutSink('kiosk', 'nothing more is exported')
      try {
        await run(stdoutWritable(stdout))
      } catch (err) {
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

/**
 * The export's destination when there is no --out: each chunk waits until stdout took it, and
 * a stdout whose reader is gone fails the write, so the export stops (instead of a pipe that
 * unpiped itself and left the export waiting for an 'end' that never came). Ending it never
 * ends the process's stdout.
 */
function stdoutWritable(stdout: StdoutSink): Writable {
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
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
 * The campaigns set up here (campaigns.json) and the relay's current one, by id: their names,
 * for the sheet's 活动 column.
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
    const relay = new RelayCampaignStore(db).campaign(settings.connectionId)
    if (relay !== null) names.set(relay.id, relay.name)
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
