/**
 * Saves a setup over and over until killed, as staff pairing a booth again or moving it to
 * another relay do: `tsx setup-save-child.ts <dataDir> <relayA> <relayB>`. Each setup gives a
 * new relay token whose first letter names its relay (`a…` for relay A as hall-a, `b…` for B as
 * hall-b). Prints `saving` once the first setup is saved.
 */
import { writeSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { applySetup, type SetupDeps } from '../../electron/core/config/setup'
import { defaultSettings, saveSettings, type Settings } from '../../electron/core/config/settings'
import { openFileKeyVault } from '../../electron/core/config/vault'

async function main(): Promise<void> {
  const [dataDir, relayA, relayB] = process.argv.slice(2)
  if (dataDir === undefined || relayA === undefined || relayB === undefined) {
    console.error('usage: setup-save-child.ts <dataDir> <relayA> <relayB>')
    process.exit(2)
  }
  let current: Settings = defaultSettings()
  saveSettings(dataDir, current)
  const deps: SetupDeps = {
    dataDir,
    settings: {
      get: () => current,
      update: (patch) => {
        const next = { ...current, ...patch }
        saveSettings(dataDir, next)
        current = next
        return next
      },
    },
    vault: openFileKeyVault(dataDir),
    retireDemoLink: async () => {},
    reconfigure: () => {},
    stopDemoServices: async () => {},
  }
  const save = async (hall: 'a' | 'b'): Promise<void> => {
    const result = await applySetup(deps, {
      relayUrl: hall === 'a' ? relayA : relayB,
      kioskId: `hall-${hall}`,
      ticketSource: 'proxy',
      relayToken: `${hall}${randomBytes(24).toString('base64url')}`,
    })
    if (!result.ok) throw new Error(`setup refused: ${JSON.stringify(result.errors)}`)
  }
  await save('a')
  // Written straight to the descriptor: the loop below never yields to flush a stream.
  writeSync(1, 'saving\n')
  for (let i = 0; ; i++) await save(i % 2 === 0 ? 'b' : 'a')
}

void main()
