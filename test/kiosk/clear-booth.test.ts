/**
 * Clearing a booth before the laptop goes back (electron/core/clear-booth.ts): afterwards no
 * byte of a guest's name, phone or openid, nor the AppSecret or relay token, is left anywhere in
 * the data folder (the database, its -wal and -shm, leftovers) or the kiosk's logs; what only the
 * booth holds refuses the clear, changing nothing, until the loss is confirmed; a crash midway
 * leaves a marker a restart finishes the clear from, before anything reads the folder.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  BoothClearRefused,
  boothDataAtRisk,
  CLEARING_MARKER,
  clearBooth,
} from '../../electron/core/clear-booth'
import { LOCK_FILE, OWNER_FILE } from '../../shared/server/folder-lock'
import { loadSettings } from '../../electron/core/config/settings'
import { openFileKeyVault } from '../../electron/core/config/vault'
import { startKioskRuntime } from '../../electron/core/kiosk-runtime'
import { closedPort } from '../helpers/closed-port'
import { found, NAME, OPENID, PHONE, snapshot, tempBooth } from './booth-folder'
import { cleanup, tempDir } from './helpers'

afterEach(cleanup)
describe('clearing a booth', () => {
  it('leaves no guest, openid, AppSecret or token bytes in the data folder or the logs', () => {
    const { dataDir, logs } = tempBooth()
    // The test finds what it looks for: the guest is in the database's files and the logs.
    expect(new Set(found([dataDir, logs]).map((h) => h.needle))).toEqual(
      new Set([NAME, PHONE, OPENID]),
    )
    expect(existsSync(join(dataDir, 'kiosk.db-wal'))).toBe(true)

    const cleared = clearBooth(dataDir, { confirmLoss: true, logDirs: [logs] })

    expect(found([dataDir, logs])).toEqual([])
    // Nothing that could open a secret either: no vault, no key, no settings; a first start's folder.
    expect(readdirSync(dataDir)).toEqual([])
    expect(readdirSync(logs)).toEqual([])
    expect(loadSettings(dataDir)).toBeNull()
    expect(cleared.lost).toEqual({ unsentBindings: 1, localOnlyCheckIns: 1 })
    expect(cleared.left).toEqual([])
    expect(cleared.removed.map((f) => f.slice(dirname(dataDir).length + 1))).toEqual([
      'kiosk/vault.json',
      'kiosk/vault.key',
      'kiosk/kiosk.db',
      'kiosk/kiosk.db-wal',
      'kiosk/kiosk.db-shm',
      'kiosk/exports/x_AbCdEfGhIjKl-day-1-签到记录-20260502-073015.csv',
      'kiosk/settings.json',
      'kiosk/campaigns.json',
      'kiosk/vault.json.4242.tmp',
      'logs/main.log',
      'logs/main.log.1',
    ])
  })

  it('names, and keeps, the files it does not know that are still in the folder', () => {
    const { dataDir, logs } = tempBooth()
    // An export `kiosk export --out` saved in the folder, a hand copy of the database, a folder.
    writeFileSync(join(dataDir, 'day-1.xlsx'), `${NAME}`)
    writeFileSync(join(dataDir, 'kiosk.db.bak'), 'copy')
    mkdirSync(join(dataDir, 'backup'))
    // The folder's lock and its owner note (the caller holds the lock) are not named.
    writeFileSync(join(dataDir, LOCK_FILE), '')
    writeFileSync(join(dataDir, OWNER_FILE), '{}')

    const cleared = clearBooth(dataDir, { confirmLoss: true, logDirs: [logs] })

    expect(cleared.left).toEqual(['backup/', 'day-1.xlsx', 'kiosk.db.bak'])
    expect(readdirSync(dataDir).sort()).toEqual(
      ['backup', 'day-1.xlsx', 'kiosk.db.bak', LOCK_FILE, OWNER_FILE].sort(),
    )
  })

  it('does not follow a link out of the folder: an exports/ link (a junction) goes, not what it points at', () => {
    const { dataDir, logs } = tempBooth()
    // Staff pointed the exports at a USB stick or a shared folder, which holds files of theirs;
    // and an entry in a real exports/ folder links to another folder of theirs.
    const stick = join(tempDir(), 'stick')
    mkdirSync(join(stick, 'photos'), { recursive: true })
    writeFileSync(join(stick, 'budget.xlsx'), 'theirs')
    writeFileSync(join(stick, 'photos', 'team.jpg'), 'theirs')
    const exportsDir = join(dataDir, 'exports')
    rmSync(exportsDir, { recursive: true })
    symlinkSync(stick, exportsDir, 'junction')

    clearBooth(dataDir, { confirmLoss: true, logDirs: [logs] })

    const theirs = Buffer.from('theirs').toString('base64')
    expect(snapshot(stick)).toEqual({ 'budget.xlsx': theirs, 'photos/team.jpg': theirs })
    expect(existsSync(exportsDir)).toBe(false)
    expect(readdirSync(dataDir)).toEqual([])

    const other = tempBooth()
    const docs = join(tempDir(), 'docs')
    mkdirSync(docs)
    writeFileSync(join(docs, 'plan.txt'), 'theirs')
    symlinkSync(docs, join(other.dataDir, 'exports', 'docs'), 'junction')

    clearBooth(other.dataDir, { confirmLoss: true, logDirs: [other.logs] })

    expect(snapshot(docs)).toEqual({ 'plan.txt': theirs })
    expect(readdirSync(other.dataDir)).toEqual([])
  })

  it('refuses, changing nothing, while data only this booth holds is not confirmed lost', () => {
    const { dataDir, logs } = tempBooth()
    const before = snapshot(dataDir)
    const logsBefore = snapshot(logs)
    expect(boothDataAtRisk(dataDir)).toEqual({ unsentBindings: 1, localOnlyCheckIns: 1 })
    let refusal: unknown
    try {
      clearBooth(dataDir, { confirmLoss: false, logDirs: [logs] })
    } catch (err) {
      refusal = err
    }
    expect(refusal).toBeInstanceOf(BoothClearRefused)
    expect((refusal as Error).message).toContain('1 desk bindings have not reached the relay yet')
    expect((refusal as Error).message).toContain('1 条签到只保存在本机')
    expect(snapshot(dataDir)).toEqual(before)
    expect(snapshot(logs)).toEqual(logsBefore)
  })

  it('a kiosk.db that cannot be read refuses until the loss is confirmed, then goes too', () => {
    const { dataDir } = tempBooth()
    for (const f of ['kiosk.db-wal', 'kiosk.db-shm']) rmSync(join(dataDir, f))
    writeFileSync(join(dataDir, 'kiosk.db'), `not a database: ${NAME}`)
    const before = snapshot(dataDir)
    expect(() => clearBooth(dataDir, { confirmLoss: false })).toThrow(/not a database/)
    expect(snapshot(dataDir)).toEqual(before)
    expect(clearBooth(dataDir, { confirmLoss: true }).lost).toEqual({
      unsentBindings: 0,
      localOnlyCheckIns: 0,
    })
    expect(readdirSync(dataDir)).toEqual([])
  })

  it('a crash midway leaves a marker; the next start finishes the clear before reading anything', async () => {
    const { dataDir } = tempBooth()
    const crash = new Error('power cut')
    expect(() =>
      clearBooth(dataDir, {
        confirmLoss: true,
        afterRemove: (file) => {
          if (file.endsWith('vault.key')) throw crash
        },
      }),
    ).toThrow(crash)
    // Secrets first: the vault and its key are gone, the guests' rows are not yet.
    expect(existsSync(join(dataDir, CLEARING_MARKER))).toBe(true)
    expect(existsSync(join(dataDir, 'vault.json'))).toBe(false)
    expect(found([dataDir]).map((h) => h.needle)).toContain(NAME)

    // A restart, provisioned anew: the clear is finished first, so none of the booth's old
    // secrets, settings or rows come back, and the kiosk starts as at its first start.
    const runtime = await startKioskRuntime({
      dataDir,
      vault: () => openFileKeyVault(dataDir),
      provisioning: {
        relayUrl: `http://127.0.0.1:${await closedPort()}`,
        kioskId: 'booth-8',
        ticketSource: 'proxy',
      },
      env: { SCANDESK_KIOSK_TOKEN: 'tok-booth-8-new0123' },
      core: { tickMs: 0 },
    })
    try {
      expect(runtime.core.initialPin).toMatch(/^\d{6}$/)
      expect(runtime.core.allCampaigns.list()).toEqual([])
    } finally {
      await runtime.close()
    }
    expect(existsSync(join(dataDir, CLEARING_MARKER))).toBe(false)
    expect(found([dataDir])).toEqual([])
  })
})
