/**
 * The start-up error box's text for each problem the core can refuse to start with: the core's
 * own words, zh-CN first (the booth's staff), then English (whoever deploys it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defaultSettings, loadSettings } from '../../electron/core/config/settings'
import {
  FileVault,
  loadOrCreateVaultKey,
  VAULT_FILE,
  VAULT_KEY_FILE,
} from '../../electron/core/config/vault'
import { openSafeStorageVault } from '../../electron/main/safe-storage-vault'
import { startupBox } from '../../electron/main/startup-box'
import { thrown } from '../helpers/thrown'

let dataDir: string
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'scandesk-box-'))
})
afterEach(() => rmSync(dataDir, { recursive: true, force: true }))

const HAN = /[\u4e00-\u9fff]/

/** The box's text: a zh-CN part first, then an English one. */
function expectZhThenEn(message: string, english: RegExp): void {
  const lines = message.split('\n')
  expect(lines.length).toBeGreaterThanOrEqual(2)
  expect(lines[0]).toMatch(HAN)
  const en = lines.slice(1).join('\n')
  expect(en).not.toMatch(HAN)
  expect(en).toMatch(english)
}

const problems: Array<[string, () => unknown, RegExp]> = [
  [
    'settings.json that is not JSON',
    () => {
      writeFileSync(join(dataDir, 'settings.json'), '{ "locale": ')
      return loadSettings(dataDir)
    },
    /settings\.json is invalid: not valid JSON/,
  ],
  [
    'settings.json with a bad field',
    () => {
      writeFileSync(
        join(dataDir, 'settings.json'),
        JSON.stringify({ ...defaultSettings(), relayUrl: 42 }),
      )
      return loadSettings(dataDir)
    },
    /settings\.json is invalid at "relayUrl"/,
  ],
  [
    'vault.key missing beside vault.json',
    () => {
      writeFileSync(join(dataDir, VAULT_FILE), '{"version":1,"entries":{}}')
      return loadOrCreateVaultKey(dataDir)
    },
    /vault\.key is missing but vault\.json exists/,
  ],
  [
    'vault.key that is not a key',
    () => {
      writeFileSync(join(dataDir, VAULT_KEY_FILE), 'abc', { mode: 0o600 })
      return loadOrCreateVaultKey(dataDir)
    },
    /vault\.key does not hold a 32-byte key/,
  ],
  [
    'a stored secret that cannot be decrypted',
    () => {
      const file = join(dataDir, VAULT_FILE)
      writeFileSync(file, JSON.stringify({ version: 1, entries: { appSecret: 'x' } }))
      const cipher = {
        encrypt: () => 'x',
        decrypt: () => {
          throw new Error('bad tag')
        },
      }
      return new FileVault(file, cipher).get('appSecret')
    },
    /The stored appSecret cannot be decrypted/,
  ],
  [
    // Not 'cannot be decrypted (was the key replaced?)': the keyring is what is missing.
    'secrets stored, and no keyring to read them with (Linux)',
    () => {
      writeFileSync(
        join(dataDir, 'vault.safe-storage.json'),
        '{"version":1,"entries":{"appSecret":"ss1.x"}}',
      )
      return openSafeStorageVault({
        dataDir,
        platform: 'linux',
        safeStorage: {
          isEncryptionAvailable: () => true,
          getSelectedStorageBackend: () => 'basic_text',
          encryptString: (s: string) => Buffer.from(s),
          decryptString: (b: Buffer) => b.toString(),
        },
      }).get('appSecret')
    },
    /Secrets cannot be stored: this Linux desktop has no keyring/,
  ],
]

describe('the start-up box words the core’s problems zh-CN first, then English', () => {
  it.each(problems)('%s', (_name, refuse, english) => {
    const box = startupBox(thrown(refuse), 'zh-CN', '/logs')
    expect(box.title).toBe('ScanDesk 无法启动')
    expect(box.message).not.toContain('/logs')
    expectZhThenEn(box.message, english)
    // The same words whatever the kiosk's language: the core words them for both.
    expect(startupBox(thrown(refuse), 'en', '/logs').message).toBe(box.message)
  })
})
