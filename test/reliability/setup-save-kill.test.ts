// The plug pulled while staff save a booth's setup (pairing it again, moving it to another
// relay): the relay token goes to the vault and the relay's address and kiosk id to
// settings.json, two files. SIGKILL at random instants of a loop of setups; the next start must
// find a booth set up for one relay with that relay's token, never the new token beside the old
// relay (it would be sent there, refused, and the booth could not connect until paired again).
import { spawn } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { PENDING_SETUP_FILE } from '../../electron/core/config/pending-setup'
import { openFileKeyVault } from '../../electron/core/config/vault'
import { startKioskRuntime } from '../../electron/core/kiosk-runtime'
import { closedPort } from '../helpers/closed-port'
import { cleanup, onCleanup, tempDir, waitFor } from '../kiosk/helpers'

afterEach(cleanup)

const ROOT = resolve(import.meta.dirname, '../..')
/** Kills at most; the loop stops earlier once this many kills landed mid-setup. */
const MAX_KILLS = 24
const ENOUGH_MIDWAY = 3

async function saveAndKill(dataDir: string, relayA: string, relayB: string): Promise<void> {
  const child = spawn(
    process.execPath, // `--import tsx`: one process, so SIGKILL ends the writer itself
    ['--import', 'tsx', 'test/reliability/setup-save-child.ts', dataDir, relayA, relayB],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s))
  await waitFor(() => out.includes('saving\n'), 'the setups under way', 30_000)
  // The instant of the power cut, not a wait for a state: any instant must do.
  await sleep(randomInt(0, 40))
  child.kill('SIGKILL')
  await exited
  expect(child.signalCode).toBe('SIGKILL')
}

describe('a setup killed between its files', () => {
  it('starts as one relay with its own token, the setup before or the one saved', async () => {
    const port = await closedPort()
    const relayA = `http://127.0.0.1:${port}/relay-a`
    const relayB = `http://127.0.0.1:${port}/relay-b`
    let midway = 0
    for (let kill = 0; kill < MAX_KILLS && midway < ENOUGH_MIDWAY; kill++) {
      const dataDir = tempDir()
      await saveAndKill(dataDir, relayA, relayB)
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
