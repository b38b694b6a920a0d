// The kiosk removes, as it starts, the temporaries a save cut short left beside its files
// (settings.json, vault.json, vault.safe-storage.json, campaigns.json): copies of old settings
// and of old sealed secrets. Only those: `--data` may name a folder that holds other programs'
// files, and another program's `<name>.json.<pid>.tmp` may be its save in flight.
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { removeStaleJsonTemporaries } from '../../electron/core/config/json-file'
import { cleanup, tempDir } from './helpers'

afterEach(cleanup)

describe('removeStaleJsonTemporaries', () => {
  it("removes the kiosk's own save temporaries and leaves another program's", () => {
    const dir = tempDir()
    const ours = [
      'settings.json.4242.tmp',
      'vault.json.4242.tmp',
      'vault.safe-storage.json.17.tmp',
      'campaigns.json.9.tmp',
    ]
    const theirs = ['package.json.4242.tmp', 'config.json.1234.tmp', 'mysettings.json.5.tmp']
    for (const name of [...ours, ...theirs]) writeFileSync(join(dir, name), '{}')
    expect(removeStaleJsonTemporaries(dir)).toBe(ours.length)
    expect(readdirSync(dir).sort()).toEqual([...theirs].sort())
  })
})
