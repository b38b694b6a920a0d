/**
 * The kiosk core's vault with Electron's safeStorage as the cipher: the key lives in the OS
 * keychain (macOS Keychain, Windows DPAPI, GNOME Keyring / KWallet on Linux), the ciphertexts
 * in a 0600 file written atomically by the core's FileVault.
 *
 * Refuses to store anything when the OS cannot protect it. On Linux without a keyring Electron
 * falls back to the 'basic_text' backend, a hard-coded key: that is obfuscation, not encryption,
 * so an AppSecret stored that way would be readable by anyone with the file.
 */
import { join } from 'node:path'
import { FileVault, MemoryVault, type SecretVault, type VaultCipher } from '../core/config/vault'
import { KioskError } from '../core/api/kiosk-error'

/** The slice of Electron's safeStorage used here (a fake in tests). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean
  encryptString(plainText: string): Buffer
  decryptString(encrypted: Buffer): string
  getSelectedStorageBackend?(): string
}

export const SAFE_STORAGE_VAULT_FILE = 'vault.safe-storage.json'
const PREFIX = 'ss1.'

/** Why secrets cannot be stored here, or null when they can. */
export function encryptionProblem(safeStorage: SafeStorageLike, platform: string): string | null {
  const backend = platform === 'linux' ? safeStorage.getSelectedStorageBackend?.() : undefined
  if (platform === 'linux' && (backend === 'basic_text' || backend === 'unknown')) {
    return (
      '无法保存密钥信息：这台 Linux 电脑没有可用的密钥环（GNOME Keyring 或 KWallet），' +
      'ScanDesk 不会以明文保存 AppSecret 或中继令牌。请安装并解锁密钥环（例如 gnome-keyring 软件包），' +
      '或用 --password-store=gnome-libsecret 启动 ScanDesk，然后重新输入这些密钥信息。\n' +
      'Secrets cannot be stored: this Linux desktop has no keyring (GNOME Keyring or KWallet) ' +
      'for ScanDesk to encrypt them with, and ScanDesk does not keep the AppSecret or relay ' +
      'token in plain text. Install and unlock a keyring (e.g. the gnome-keyring package), or ' +
      'start ScanDesk with --password-store=gnome-libsecret, then enter the secrets again.'
    )
  }
  if (!safeStorage.isEncryptionAvailable()) {
    return (
      '无法保存密钥信息：操作系统的加密功能（钥匙串 / DPAPI / 密钥环）目前不可用，' +
      'ScanDesk 不会以明文保存密钥信息。请解锁系统钥匙串或登录桌面会话，然后重试。\n' +
      'Secrets cannot be stored: the operating system’s encryption (Keychain / DPAPI / keyring) ' +
      'is not available to ScanDesk right now, and ScanDesk does not keep secrets in plain text. ' +
      'Unlock the system keychain or log in to the desktop session, then try again.'
    )
  }
  return null
}

export function safeStorageCipher(safeStorage: SafeStorageLike, platform: string): VaultCipher {
  const check = (): void => {
    const problem = encryptionProblem(safeStorage, platform)
    if (problem !== null) throw new KioskError('secure_storage_unavailable', problem)
  }
  return {
    encrypt(name, plaintext) {
      check()
      // The entry's name is sealed in with the value, so entries cannot be swapped in the file.
      const sealed = safeStorage.encryptString(JSON.stringify({ n: name, v: plaintext }))
      return PREFIX + sealed.toString('base64')
    },
    decrypt(name, ciphertext) {
      check()
      if (!ciphertext.startsWith(PREFIX)) throw new Error('not a safeStorage entry')
      const opened: unknown = JSON.parse(
        safeStorage.decryptString(Buffer.from(ciphertext.slice(PREFIX.length), 'base64')),
      )
      const entry = opened as { n?: unknown; v?: unknown } | null
      if (entry?.n !== name || typeof entry.v !== 'string') throw new Error('vault entry mismatch')
      return entry.v
    },
  }
}

export function openSafeStorageVault(options: {
  dataDir: string
  safeStorage: SafeStorageLike
  platform: string
}): SecretVault {
  return new FileVault(
    join(options.dataDir, SAFE_STORAGE_VAULT_FILE),
    safeStorageCipher(options.safeStorage, options.platform),
  )
}

/**
 * For demo mode where the OS cannot encrypt: the demo's relay token is a throw-away minted
 * afresh on every start, so it may live in memory. Once the demo is up, `seal()` makes `set`
 * refuse like the real vault, so an AppSecret typed in later is never kept only in memory.
 */
export function demoMemoryVault(problem: string): SecretVault & { seal(): void } {
  const memory = new MemoryVault()
  let sealed = false
  return {
    get: (name) => memory.get(name),
    delete: (name) => memory.delete(name),
    set(name, value) {
      if (sealed) throw new KioskError('secure_storage_unavailable', problem)
      memory.set(name, value)
    },
    change(changes) {
      // Deleting is fine; storing is refused like `set`.
      if (sealed && Object.values(changes).some((v) => typeof v === 'string'))
        throw new KioskError('secure_storage_unavailable', problem)
      memory.change(changes)
    },
    seal() {
      sealed = true
    },
  }
}
