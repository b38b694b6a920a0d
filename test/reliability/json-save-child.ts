/**
 * Saves the kiosk's JSON files over and over until killed, as a booth does when staff change
 * settings or pair it: `tsx json-save-child.ts <dataDir>`. Prints `saving` once both files are saved.
 * The vault gets a new relay token and settings.json a new connection id each time.
 */
import { writeSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { defaultSettings, saveSettings } from '../../electron/core/config/settings'
import { openFileKeyVault } from '../../electron/core/config/vault'

function main(): void {
  const dataDir = process.argv[2]
  if (dataDir === undefined) {
    console.error('usage: json-save-child.ts <dataDir>')
    process.exit(2)
  }
  const vault = openFileKeyVault(dataDir)
  const save = (): void => {
    vault.set('relayToken', randomBytes(24).toString('base64url'))
    saveSettings(dataDir, defaultSettings()) // a new connectionId each time
  }
  save() // both files there before the first kill can come
  // Written straight to the descriptor: the loop below never yields to flush a stream.
  writeSync(1, 'saving\n')
  for (;;) save()
}

main()
