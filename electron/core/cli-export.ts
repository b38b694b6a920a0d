/** `kiosk export`: attendance to CSV/XLSX without a UI (stdout when no --out). */
import { createWriteStream, existsSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough, type Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import { dataDirFrom } from './cli-args'
import { openKioskDb } from './db'
import { exportAttendance } from './export'
import { loadSettings } from './settings'

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
  const dataDir = dataDirFrom(values.data)
  const dbFile = join(dataDir, 'kiosk.db')
  if (!existsSync(dbFile)) {
    process.stderr.write(`error: no kiosk data in ${dataDir} (kiosk.db not found)\n`)
    return 1
  }
  const settings = loadSettings(dataDir)
  // No --campaign: the active one; none active: every campaign.
  const campaignId = values.campaign ?? settings?.activeCampaignId ?? null
  const db = openKioskDb(dbFile, { mustExist: true })
  let out: Writable
  let piped: Promise<void> | null = null
  if (values.out !== undefined) {
    out = createWriteStream(values.out, { mode: 0o600 })
  } else {
    // Export into a pass-through so finishing the export never ends the process's stdout.
    const pass = new PassThrough()
    pass.pipe(process.stdout, { end: false })
    piped = new Promise((resolve) => pass.on('end', resolve))
    out = pass
  }
  try {
    const { rows } = await exportAttendance({
      db,
      campaignId,
      format,
      out,
      locale: settings?.locale ?? 'zh-CN',
    })
    await piped
    if (values.out !== undefined) {
      process.stderr.write(
        `exported ${rows} rows${campaignId ? ` of campaign ${campaignId}` : ''} to ${values.out}\n`,
      )
    }
    return 0
  } finally {
    db.close()
  }
}
