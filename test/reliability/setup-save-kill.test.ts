// The plug pulled while staff save a booth's setup (pairing it again, moving it to another
// relay): the relay token goes to the vault and the relay's address and kiosk id to
// settings.json, two files. SIGKILL at random instants of a loop of setups; the next start must
// find a booth set up for one relay with that relay's token, never the new token beside the old
// relay (it would be sent there, refused, and the booth could not connect until paired again).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { PENDING_SETUP_FILE } from '../../electron/core/config/pending-setup'
import { openFileKeyVault } from '../../electron/core/config/vault'
import { startKioskRuntime } from '../../electron/core/kiosk-runtime'
import { closedPort } from '../helpers/closed-port'
import { cleanup, tempDir } from '../kiosk/helpers'
import { killWhileSaving } from './kill-saving-child'

afterEach(cleanup)

/** Kills at most; the loop stops earlier once this many kills landed mid-setup. */
const MAX_KILLS = 24
const ENOUGH_MIDWAY = 3

describe('a setup killed between its files', () => {
  it('starts as one relay with its own token, the setup before or the one saved', async () => {
    const port = await closedPort()
    const relayA = `http://127.0.0.1:${port}/relay-a`
    const relayB = `http://127.0.0.1:${port}/relay-b`
    let midway = 0
    for (let kill = 0; kill < MAX_KILLS && midway < ENOUGH_MIDWAY; kill++) {
      const dataDir = tempDir()
      await killWhileSaving('test/reliability/setup-save-child.ts', [dataDir, relayA, relayB])
      if (existsSync(join(dataDir, PENDING_SETUP_FILE))) midway++
      const runtime = await startKioskRuntime({
        dataDir,
        vault: () => openFileKeyVault(dataDir),
        core: { tickMs: 0 },
      })
      try {
        const s = runtime.core.settings()
        const hall = s.kioskId === 'hall-a' ? 'a' : 'b'
        expect(s.relayUrl).toBe(hall === 'a' ? relayA : relayB)
        expect(openFileKeyVault(dataDir).get('relayToken')?.[0]).toBe(hall)
      } finally {
        await runtime.close()
      }
      expect(existsSync(join(dataDir, PENDING_SETUP_FILE))).toBe(false)
    }
    // The kills landed between the files often enough to mean something.
    expect(midway).toBeGreaterThanOrEqual(ENOUGH_MIDWAY)
  }, 300_000)
})
