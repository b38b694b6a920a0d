/**
 * `kiosk clear --data DIR [--logs DIR] [--confirm-loss]` on the built CLI (out/cli/cli.mjs), as
 * staff run it before a rented booth laptop goes back: refused, changing nothing, while check-ins
 * only this booth holds are not confirmed lost (it says how to export them); with the loss
 * confirmed, nothing of the guests or the secrets is left in the folder or the logs, and the
 * next start is a first start that prints a new admin PIN; refused while a kiosk runs on it.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { boothFolder, found, snapshot as files } from '../kiosk/booth-folder'
import { runKioskCli, type CliRun } from './kiosk-process'
import { kioskDataFolder } from './kiosk-data-folder'

const { dir, dataDir, start } = kioskDataFolder('kiosk-clear-')
const logs = join(dir, 'logs')

/** `kiosk clear <args>` on the built CLI. */
const clear = (args: string[]): Promise<CliRun> => runKioskCli(['clear', ...args])

describe('kiosk clear', () => {
  it('refuses a folder with no kiosk in it', async () => {
    const run = await clear(['--data', join(dir, 'none')])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`no kiosk data in ${join(dir, 'none')}`)
  }, 60_000)

  it('refuses unexported check-ins until confirmed, then leaves a first start behind', async () => {
    boothFolder(dataDir, logs)
    const before = files(dataDir)

    const refused = await clear(['--data', dataDir, '--logs', logs])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toContain('1 条签到只保存在本机')
    expect(refused.stderr).toContain('1 check-ins are kept only on this booth')
    expect(refused.stderr).toContain('1 desk bindings have not reached the relay yet')
    expect(refused.stderr).toContain(`npm run kiosk -- export --data ${dataDir} --format xlsx`)
    // Only the folder's lock file, which the command takes before it looks, is new.
    expect(files(dataDir)).toEqual({ ...before, 'scandesk.lock': '' })

    // Files that are not the kiosk's (an export saved there with --out, a hand copy of the
    // database): kept, but named, so the laptop does not go back with them unseen.
    writeFileSync(join(dataDir, 'day-1.xlsx'), 'sheet')
    writeFileSync(join(dataDir, 'kiosk.db.bak'), 'copy')
    const done = await clear(['--data', dataDir, '--logs', logs, '--confirm-loss'])
    expect(done.code, done.stderr).toBe(0)
    expect(done.stdout).toContain(`Cleared the booth in ${dataDir}`)
    expect(done.stdout).toContain('Its next start is a first start, which shows a new admin PIN.')
    expect(done.stdout).toContain(`${dataDir} 里还留有 2 个不属于签到程序的文件`)
    expect(done.stdout).toContain(
      `2 files not the kiosk's were left in ${dataDir}, not removed: delete them yourself if they hold guests' data:\n  day-1.xlsx\n  kiosk.db.bak\n`,
    )
    expect(found([dataDir, logs])).toEqual([])
    // Those and the lock file: it is never removed (shared/server/folder-lock.ts).
    expect(readdirSync(dataDir).sort()).toEqual(['day-1.xlsx', 'kiosk.db.bak', 'scandesk.lock'])
    rmSync(join(dataDir, 'day-1.xlsx'))
    rmSync(join(dataDir, 'kiosk.db.bak'))
    expect(readdirSync(logs)).toEqual([])

    // The next start is a first start: it prints a new admin PIN.
    const kiosk = await start()
    expect(kiosk.adminPin).toMatch(/^\d{6}$/)
    // And a running kiosk's folder is not cleared under it.
    const busy = await clear(['--data', dataDir, '--confirm-loss'])
    expect(busy.code).toBe(1)
    expect(busy.stderr).toContain(
      `The data folder ${dataDir} is in use by another kiosk web (pid ${kiosk.pid}`,
    )
    expect(busy.stderr).toContain('stop the kiosk first, then clear it')
    await kiosk.stop()
  }, 180_000)
})
