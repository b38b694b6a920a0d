/**
 * A booth's data folder as a kiosk killed mid-event leaves it, for the tests of clearing a booth
 * (electron/core/clear-booth.ts, `kiosk clear`), and the search of a folder for its guests'
 * and secrets' bytes.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import { openFileKeyVault } from '../../electron/core/config/vault'
import type { RosterFrame } from '../../shared/relay-protocol'
import { openErasureBed } from './erasure-bed'
import { provisionDir, tempDir } from './helpers'

export const NAME = '张三丰'
export const PHONE = '13800138000'
export const OPENID = 'oGuest-openid-7f3a9c'
export const APP_SECRET = 'appsecret-0f1e2d3c4b5a69788796a5b4c3d2e1f0'
export const TOKEN = 'relaytoken-booth-7-9a8b7c6d5e4f'
export const NEEDLES = [NAME, PHONE, OPENID, APP_SECRET, TOKEN]

const roster: RosterFrame = {
  type: 'roster',
  campaignId: 'day-1',
  rosterVersion: 1,
  offset: 0,
  total: 1,
  entries: [{ id: 'r-zhang', name: NAME, company: '', phone: PHONE, code: 'A1', openid: null }],
  final: true,
}

/**
 * A booth's data folder as a kiosk killed mid-event leaves it: a relay roster with the guest,
 * their desk scan (bound, the binding not yet at the relay) in a campaign the relay does not
 * run, the secrets in the vault, the database's latest pages still in its -wal, an export saved
 * from the admin area, the guest in the logs.
 */
export function boothFolder(dataDir: string, logs: string): void {
  mkdirSync(logs, { recursive: true })
  const bed = openErasureBed('kiosk-clear-')
  try {
    bed.sync.applySlice('conn', roster, 1)
    bed.attendance.record(
      {
        id: 'ev-1',
        event: 'scan',
        openid: OPENID,
        scene: 'desk:r-zhang',
        ticket: '',
        createTime: 1,
        receivedAt: 1_000,
      },
      { kioskId: 'booth-7', fallbackCampaignId: 'day-1' },
      1_000,
    )
    // Copied with the connection open: kiosk.db with its -wal and -shm, as a kill leaves them.
    cpSync(dirname(bed.db.name), dataDir, { recursive: true })
  } finally {
    bed.close()
  }
  const vault = openFileKeyVault(dataDir)
  provisionDir(dataDir, vault, { relayUrl: 'http://127.0.0.1:9', kioskId: 'booth-7', token: TOKEN })
  vault.set('appSecret', APP_SECRET)
  // A killed save's temporary of the vault, and the shell's logs (names are not redacted).
  writeFileSync(join(dataDir, 'vault.json.4242.tmp'), readFileSync(join(dataDir, 'vault.json')))
  // An export the admin area saved (electron/core/export/export-jobs.ts: <data>/exports).
  mkdirSync(join(dataDir, 'exports'))
  writeFileSync(
    join(dataDir, 'exports', 'x_AbCdEfGhIjKl-day-1-签到记录-20260502-073015.csv'),
    `姓名,手机,openid\n${NAME},${PHONE},${OPENID}\n`,
  )
  writeFileSync(join(logs, 'main.log'), `desk: checked in ${NAME} (${PHONE}) ${OPENID}\n`)
  writeFileSync(join(logs, 'main.log.1'), `greeting ${NAME}\n`)
}

/** Every file under `dirs`, with each needle found in its bytes. */
export function found(dirs: string[]): { file: string; needle: string }[] {
  const hits: { file: string; needle: string }[] = []
  const walk = (path: string): void => {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path)) walk(join(path, name))
      return
    }
    const bytes = readFileSync(path)
    for (const needle of NEEDLES)
      if (bytes.includes(Buffer.from(needle))) hits.push({ file: path, needle })
  }
  for (const d of dirs) if (existsSync(d)) walk(d)
  return hits
}

/**
 * The folder's files by path under it, with their bytes, to show a refusal changed nothing
 * (-shm only by name: it is SQLite's shared index of the -wal, which any reader's connection
 * writes).
 */
export function snapshot(dir: string, under = ''): Record<string, string> {
  const files: Record<string, string> = {}
  for (const name of readdirSync(join(dir, under))) {
    const rel = under === '' ? name : `${under}/${name}`
    if (statSync(join(dir, rel)).isDirectory()) Object.assign(files, snapshot(dir, rel))
    else files[rel] = name.endsWith('-shm') ? '' : readFileSync(join(dir, rel)).toString('base64')
  }
  return files
}

/** `boothFolder` in a new temporary folder: `<root>/kiosk` and its logs in `<root>/logs`. */
export function tempBooth(): { dataDir: string; logs: string } {
  const root = tempDir()
  const dataDir = join(root, 'kiosk')
  const logs = join(root, 'logs')
  boothFolder(dataDir, logs)
  return { dataDir, logs }
}
