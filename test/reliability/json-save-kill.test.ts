// The plug pulled (or the app ended from the task manager) while the kiosk saves settings.json
// or vault.json: SIGKILL at random instants of a loop of saves. Each file is whole after every
// kill, the old one or the new one (a temporary and a rename), and the temporaries the kills
// left are gone once the kiosk starts on the folder again, rather than staying for good beside
// the files: a copy of old settings, or of old secrets the vault key beside them still opens.
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createKioskCore } from '../../electron/core/kiosk-core'
import { loadSettings } from '../../electron/core/config/settings'
import { openFileKeyVault } from '../../electron/core/config/vault'
import { cleanup, onCleanup, tempDir } from '../kiosk/helpers'
import { killWhileSaving } from './kill-saving-child'

afterEach(cleanup)

/** Kills at most; the loop stops earlier once kills have left this many temporaries. */
const MAX_KILLS = 16
const ENOUGH_LEFTOVERS = 2

const temporaries = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.tmp'))

describe('settings and vault saves killed mid-write', () => {
  it('leave whole files, and the kiosk start removes the temporaries left', async () => {
    const dataDir = tempDir()
    const unrelated = join(dataDir, 'notes.1234.tmp')
    writeFileSync(unrelated, 'not the kiosk’s')
    let leftovers = 0
    for (let kill = 0; kill < MAX_KILLS && leftovers < ENOUGH_LEFTOVERS; kill++) {
      await killWhileSaving('test/reliability/json-save-child.ts', [dataDir])
      // Whole after every kill: parsed and valid, or the start would refuse the folder.
      expect(loadSettings(dataDir)?.connectionId).toMatch(/^[\w-]{12}$/)
      expect(openFileKeyVault(dataDir).get('relayToken')).toMatch(/^[\w-]{32}$/)
      leftovers = temporaries(dataDir).length - 1
    }
    expect(leftovers).toBeGreaterThan(0)

    const core = createKioskCore({ dataDir, vault: openFileKeyVault(dataDir), tickMs: 0 })
    onCleanup(() => core.stop())
    expect(temporaries(dataDir)).toEqual(['notes.1234.tmp'])
    expect(core.settings().connectionId).toBe(loadSettings(dataDir)?.connectionId)
  }, 300_000)
})
