import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  SAFE_STORAGE_VAULT_FILE,
  openSafeStorageVault,
  type SafeStorageLike,
} from '../../electron/main/safe-storage-vault'

/** Stands in for the OS keychain: reversible, but nothing like the plaintext. */
function fakeSafeStorage(options: { available: boolean; backend?: string }): SafeStorageLike & {
  encryptions: number
} {
  const key = 0x5a
  const fake = {
    encryptions: 0,
    isEncryptionAvailable: () => options.available,
    getSelectedStorageBackend: () => options.backend ?? 'gnome_libsecret',
    encryptString(plain: string) {
      if (!options.available) throw new Error('Encryption is not available.')
      fake.encryptions++
      return Buffer.from(Buffer.from(plain, 'utf8').map((b) => b ^ key))
    },
    decryptString(sealed: Buffer) {
      if (!options.available) throw new Error('Decryption is not available.')
      return Buffer.from(sealed.map((b) => b ^ key)).toString('utf8')
    },
  }
  return fake
}

const APP_SECRET = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6'
let dataDir: string

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'scandesk-vault-'))
})
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true })
})

describe('with encryption available', () => {
  it('stores secrets encrypted in a 0600 file and reads them back', () => {
    const safeStorage = fakeSafeStorage({ available: true })
    const vault = openSafeStorageVault({ dataDir, safeStorage, platform: 'linux' })
    vault.set('appSecret', APP_SECRET)
    expect(safeStorage.encryptions).toBe(1)

    const file = join(dataDir, SAFE_STORAGE_VAULT_FILE)
    expect(readFileSync(file, 'utf8')).not.toContain(APP_SECRET)
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600)

    const reopened = openSafeStorageVault({ dataDir, safeStorage, platform: 'linux' })
    expect(reopened.get('appSecret')).toBe(APP_SECRET)
    expect(reopened.get('relayToken')).toBeNull()
    reopened.delete('appSecret')
    expect(
      openSafeStorageVault({ dataDir, safeStorage, platform: 'linux' }).get('appSecret'),
    ).toBeNull()
  })

  it('refuses an entry moved to another name in the file', () => {
    const safeStorage = fakeSafeStorage({ available: true })
    openSafeStorageVault({ dataDir, safeStorage, platform: 'darwin' }).set('appSecret', APP_SECRET)
    const file = join(dataDir, SAFE_STORAGE_VAULT_FILE)
    const content = JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, string> }
    content.entries = { relayToken: content.entries['appSecret'] ?? '' }
    writeFileSync(file, JSON.stringify({ version: 1, entries: content.entries }))
    const vault = openSafeStorageVault({ dataDir, safeStorage, platform: 'darwin' })
    expect(() => vault.get('relayToken')).toThrow()
  })
})

describe('without encryption', () => {
  it('refuses to store and says why', () => {
    const vault = openSafeStorageVault({
      dataDir,
      safeStorage: fakeSafeStorage({ available: false }),
      platform: 'win32',
    })
    let error: unknown
    try {
      vault.set('appSecret', APP_SECRET)
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({ code: 'secure_storage_unavailable' })
    expect((error as Error).message).toMatch(/not keep secrets in plain text/)
    // Nothing was written, encrypted or otherwise.
    expect(() => statSync(join(dataDir, SAFE_STORAGE_VAULT_FILE))).toThrow()
  })

  it('refuses Linux’s basic_text fallback even though Electron calls it available', () => {
    const safeStorage = fakeSafeStorage({ available: true, backend: 'basic_text' })
    const vault = openSafeStorageVault({ dataDir, safeStorage, platform: 'linux' })
    expect(() => vault.set('relayToken', 'r'.repeat(32))).toThrow(/no keyring/)
    expect(safeStorage.encryptions).toBe(0)
    // The message names the way out.
    expect(() => vault.set('relayToken', 'r'.repeat(32))).toThrow(/gnome-keyring/)
  })

  it('uses basic_text only as a Linux signal (other platforms have no such backend)', () => {
    const safeStorage = fakeSafeStorage({ available: true, backend: 'basic_text' })
    const vault = openSafeStorageVault({ dataDir, safeStorage, platform: 'darwin' })
    vault.set('relayToken', 'r'.repeat(32))
    expect(vault.get('relayToken')).toBe('r'.repeat(32))
  })
})
