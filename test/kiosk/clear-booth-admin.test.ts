/**
 * Clearing a booth from the admin area (`clearBooth` / `boothDataAtRisk`, kiosk-runtime.ts): the
 * call is checked as every admin call is (the PIN, a strict input), refuses while what only this
 * booth holds is not confirmed lost, and once confirmed stops the core under the folder's lock,
 * clears the folder and the shell's logs, and runs a new core as at a first start, whose PIN
 * the shell is given to show and whose events reach the bridges' listeners.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openFileKeyVault } from '../../electron/core/config/vault'
import { startKioskRuntime, type KioskRuntime } from '../../electron/core/kiosk-runtime'
import type { KioskCore } from '../../electron/core/kiosk-core'
import { boothFolder, found, NAME } from './booth-folder'
import { cleanup, tempDir } from './helpers'

afterEach(cleanup)

const runtimes: KioskRuntime[] = []
afterEach(async () => {
  for (const r of runtimes.splice(0)) await r.close()
})

async function boothRuntime(): Promise<{
  runtime: KioskRuntime
  dataDir: string
  logs: string
  restarted: KioskCore[]
}> {
  const root = tempDir()
  const dataDir = join(root, 'kiosk')
  const logs = join(root, 'logs')
  boothFolder(dataDir, logs)
  const restarted: KioskCore[] = []
  const runtime = await startKioskRuntime({
    dataDir,
    vault: () => openFileKeyVault(dataDir),
    env: {},
    logDirs: [logs],
    onRestart: (core) => restarted.push(core),
    core: { tickMs: 0 },
  })
  runtimes.push(runtime)
  return { runtime, dataDir, logs, restarted }
}

/** The call's refusal code (`bad_input`, `admin_locked`), or 'answered'. */
async function refusal(runtime: KioskRuntime, name: string, input: unknown): Promise<string> {
  try {
    await runtime.core.call(name, input)
    return 'answered'
  } catch (err) {
    return (err as { code?: string }).code ?? String(err)
  }
}

function unlock(runtime: KioskRuntime): Promise<unknown> {
  return runtime.core.call('unlockAdmin', { pin: runtime.core.initialPin })
}

describe('clearing a booth from the admin area', () => {
  it('refuses a locked admin area and any input but a boolean confirmation, clearing nothing', async () => {
    const { runtime, dataDir, logs } = await boothRuntime()
    const core = runtime.core
    expect(await refusal(runtime, 'clearBooth', { confirmLoss: true })).toBe('admin_locked')
    expect(await refusal(runtime, 'boothDataAtRisk', undefined)).toBe('admin_locked')
    await unlock(runtime)
    for (const input of [
      undefined,
      {},
      { confirmLoss: 'yes' },
      { confirmLoss: 1 },
      { confirmLoss: true, logDirs: ['/'] },
      [true],
    ]) {
      expect(await refusal(runtime, 'clearBooth', input), JSON.stringify(input)).toBe('bad_input')
    }
    expect(await refusal(runtime, 'boothDataAtRisk', { confirmLoss: true })).toBe('bad_input')
    expect(runtime.core).toBe(core)
    expect(existsSync(join(dataDir, 'vault.json'))).toBe(true)
    expect(found([dataDir, logs]).map((h) => h.needle)).toContain(NAME)
  })

  it('counts what only this booth holds and refuses, the core running on, until the loss is confirmed', async () => {
    const { runtime, dataDir, restarted } = await boothRuntime()
    const core = runtime.core
    await unlock(runtime)
    const counts = { unsentBindings: 1, localOnlyCheckIns: 1 }
    expect(await core.call('boothDataAtRisk', undefined)).toEqual(counts)
    expect(await core.call('clearBooth', { confirmLoss: false })).toEqual({
      ok: false,
      atRisk: counts,
    })
    expect(runtime.core).toBe(core)
    expect(restarted).toEqual([])
    expect(core.db.open).toBe(true)
    expect(existsSync(join(dataDir, 'vault.json'))).toBe(true)
  })

  it('confirmed, clears the folder and logs and runs a new core as at a first start', async () => {
    const { runtime, dataDir, logs, restarted } = await boothRuntime()
    const old = runtime.core
    const oldPin = old.initialPin
    await unlock(runtime)
    const heard: string[] = []
    runtime.onEvent((name) => heard.push(name))

    const answer = await old.call('clearBooth', { confirmLoss: true })

    expect(answer).toMatchObject({ ok: true })
    expect(old.db.open).toBe(false)
    expect(restarted).toEqual([runtime.core])
    const fresh = runtime.core
    expect(fresh).not.toBe(old)
    // A first start's: a new PIN to show, the admin area locked, nothing of the booth's kept.
    expect(fresh.initialPin).toMatch(/^\d{6}$/)
    expect(fresh.initialPin).not.toBe(oldPin)
    expect(fresh.adminSessionOpen()).toBe(false)
    expect(fresh.settings().kioskId).not.toBe('booth-7')
    expect(found([dataDir, logs])).toEqual([])
    // The bridges' listeners hear the new core.
    fresh.events.emit('locale', 'en')
    expect(heard).toContain('locale')
  })
})
