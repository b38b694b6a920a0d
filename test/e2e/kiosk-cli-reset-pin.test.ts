/**
 * `kiosk reset-pin --data DIR` on the built CLI (out/cli/cli.mjs), as staff run it: a kiosk whose
 * admin PIN is lost gets a new one without editing settings.json by hand. The new PIN is printed
 * once, alone on the last line; settings.json keeps only its salted hash; the wrong-PIN lockout
 * is cleared. While a kiosk runs on the folder the command is refused and changes nothing (the
 * running kiosk holds its settings in memory and would keep the old PIN).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { openKioskDb } from '../../electron/core/db/db'
import { MetaTable } from '../../electron/core/db/meta-table'
import { loadLockout } from '../../electron/core/config/admin-lockout'
import { defaultSettings, saveSettings } from '../../electron/core/config/settings'
import { callKiosk, runKioskCli, type CliRun, type KioskProcess } from './kiosk-process'
import { kioskDataFolder } from './kiosk-data-folder'

const { dir, dataDir, start } = kioskDataFolder('kiosk-reset-pin-')

/** `kiosk reset-pin <args>` on the built CLI. */
const resetPin = (args: string[]): Promise<CliRun> => runKioskCli(['reset-pin', ...args])

const adminPinOf = (): unknown =>
  (JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')) as Record<string, unknown>)[
    'adminPin'
  ]

async function unlock(kiosk: KioskProcess, pin: string): Promise<unknown> {
  const res = await callKiosk(kiosk, 'unlockAdmin', { pin })
  expect(res.status).toBe(200)
  return (res.body as { result: unknown }).result
}

describe('kiosk reset-pin', () => {
  it('refuses a folder with no kiosk in it, and makes nothing there', async () => {
    const none = join(dir, 'none')
    const run = await resetPin(['--data', none])
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain(`no kiosk settings in ${none}`)
    expect(existsSync(none)).toBe(false)
  }, 60_000)

  it('warns, in zh-CN then English, of a kiosk.db of 0 bytes it opens as a new database', async () => {
    // A backup copy that failed: reset-pin made it a new empty database without a word, and the
    // kiosk, finding a database there, had nothing to warn of at its next start either.
    const folder = join(dir, 'empty-db')
    mkdirSync(folder)
    saveSettings(folder, defaultSettings())
    const db = join(folder, 'kiosk.db')
    writeFileSync(db, '')
    const run = await resetPin(['--data', folder])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/^\d{6}$/)
    expect(run.stderr).toBe(
      `warning: 签到数据库 ${db} 是空文件：已作为新数据库使用；如果本想恢复备份，请停下来先恢复备份。\n` +
        `kiosk database ${db} was empty: starting a new database; ` +
        'if you meant to restore a backup, stop and restore it\n',
    )
    // Now a database: no warning the next time.
    const again = await resetPin(['--data', folder])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toBe('')
  }, 60_000)

  it('refuses while a kiosk runs on the folder, then gives a new PIN and clears the lockout', async () => {
    const first = await start()
    const oldPin = first.adminPin
    expect(oldPin).toMatch(/^\d{6}$/)
    // A passer-by locks the staff out: five wrong PINs.
    const wrong = oldPin === '000000' ? '111111' : '000000'
    for (let i = 0; i < 5; i++) await unlock(first, wrong)
    expect(await unlock(first, oldPin ?? '')).toMatchObject({ ok: false, attemptsLeft: 0 })
    const hashBefore = adminPinOf()

    const refused = await resetPin(['--data', dataDir])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toContain(
      `数据文件夹 ${dataDir} 正被另一个 kiosk web 进程（pid ${first.pid}`,
    )
    expect(refused.stderr).toContain(
      `The data folder ${dataDir} is in use by another kiosk web (pid ${first.pid}`,
    )
    expect(refused.stderr).toContain('stop the kiosk first')
    expect(adminPinOf()).toEqual(hashBefore)
    await first.stop()

    const done = await resetPin(['--data', dataDir])
    expect(done.code, done.stderr).toBe(0)
    const lines = done.stdout.trimEnd().split('\n')
    const newPin = lines.at(-1) ?? ''
    expect(newPin).toMatch(/^\d{6}$/)
    // Once: nowhere else in the output.
    expect(`${lines.slice(0, -1).join('\n')}\n${done.stderr}`).not.toContain(newPin)
    // Only its salted hash is kept.
    const stored = adminPinOf()
    const hash = z.object({ salt: z.string(), hash: z.string() }).strict().parse(stored)
    expect(hash.hash.length).toBeGreaterThan(0)
    expect(stored).not.toEqual(hashBefore)
    expect(readFileSync(join(dataDir, 'settings.json'), 'utf8')).not.toContain(newPin)
    const db = openKioskDb(join(dataDir, 'kiosk.db'), { mustExist: true })
    try {
      expect(loadLockout(new MetaTable(db))).toEqual({ failures: 0, lockedUntil: null })
    } finally {
      db.close()
    }

    // The kiosk takes the new PIN at once (no lockout left) and no longer the old one.
    const again = await start()
    expect(again.adminPin).toBeNull()
    expect(await unlock(again, oldPin ?? '')).toMatchObject({ ok: false, lockedUntil: null })
    expect(await unlock(again, newPin)).toEqual({ ok: true })
    await again.stop()
  }, 180_000)
})
