/** `kiosk export`: attendance to CSV/XLSX without a UI (stdout when no --out). */
import { existsSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { PassThrough, type Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import { removeStalePartials, writeAtomically } from '../export/atomic-file'
import { dataDirFrom } from '../config/provisioning-args'
import { openKioskDb } from '../db/db'
import { exportAttendance } from '../export/export'
import { loadSettings } from '../config/settings'
import { activeCampaignId, RelayCampaignStore } from '../campaigns/relay-campaign'

export async function runExportCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: 'string' },
      campaign: { type: 'string' },
      format: { type: 'string', default: 'csv' },
      out: { type: 'string' },
    },
    strict: true,
  })
  const format = values.format
  if (format !== 'csv' && format !== 'xlsx') {
    process.stderr.write('--format must be csv or xlsx\n')
    return 2
  }
  const dataDir = dataDirFrom(values.data, 'kiosk-data')
  const dbFile = join(dataDir, 'kiosk.db')
  if (!existsSync(dbFile)) {
    process.stderr.write(`error: no kiosk data in ${dataDir} (kiosk.db not found)\n`)
    return 1
  }
  const settings = loadSettings(dataDir)
  const db = openKioskDb(dbFile, { mustExist: true })
  // No --campaign: the active one, as the kiosk sees it (the relay's while the relay runs the
  // kiosk in one); none active: every campaign.
  const campaignId =
    values.campaign ??
    (settings === null ? null : activeCampaignId(new RelayCampaignStore(db), settings))
  const run = (out: Writable) =>
    exportAttendance({
      db,
      campaignId,
      format,
      out,
      locale: settings?.locale ?? 'zh-CN',
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
      // Export into a pass-through so finishing the export never ends the process's stdout.
      const pass = new PassThrough()
      pass.pipe(process.stdout, { end: false })
      const piped = new Promise((resolve) => pass.on('end', resolve))
      await run(pass)
      await piped
    }
    return 0
  } finally {
    db.close()
  }
}
