/**
 * Secrets at rest (AppSecret, relay token). One interface; the Electron shell plugs in a
 * safeStorage cipher, web mode uses AES-256-GCM with a key file beside the data. Values are
 * never logged and never leave the main process.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import { KioskError } from '../api/kiosk-error'
import { readJsonFile, syncFolder, writeJsonFile } from './json-file'

export type SecretName = 'appSecret' | 'relayToken'

export interface SecretVault {
  get(name: SecretName): string | null
  set(name: SecretName, value: string): void
  delete(name: SecretName): void
  /**
   * Stores (a value) and deletes (null) several secrets in one write: all or none of them
   * (config/pending-setup.ts relies on it to tell a setup's secrets from the ones before).
   */
  change(changes: Partial<Record<SecretName, string | null>>): void
  /**
   * Throws what `set` would throw if nothing can be stored right now (no OS encryption), and
   * stores nothing. Pairing asks before it spends a one-time code on a token it could not keep.
   */
  checkWritable?(): void
}

/** Turns a secret into an opaque string and back; `name` is bound in, so entries can't be swapped. */
export interface VaultCipher {
  encrypt(name: string, plaintext: string): string
  decrypt(name: string, ciphertext: string): string
}

export class VaultError extends Error {
  override name = 'VaultError'
}

const vaultFileSchema = z
  .object({ version: z.literal(1), entries: z.record(z.string(), z.string().max(4096)) })
  .strict()

/** A vault file of ciphertexts, written atomically with mode 0600. */
export class FileVault implements SecretVault {
  private entries: Record<string, string>

  constructor(
    private readonly file: string,
    private readonly cipher: VaultCipher,
  ) {
    this.entries = readJsonFile(file, vaultFileSchema)?.entries ?? {}
  }

  get(name: SecretName): string | null {
    const sealed = this.entries[name]
    if (sealed === undefined) return null
    try {
      return this.cipher.decrypt(name, sealed)
    } catch (err) {
      // The cipher cannot decrypt anything right now (no OS keyring): that is the problem to
      // show, not a key that was replaced.
      if (err instanceof KioskError) throw err
      throw new VaultError(
        `已保存的 ${name} 无法解密（密钥是否被替换过？），请重新输入。\n` +
          `The stored ${name} cannot be decrypted (was the key replaced?); enter it again.`,
        { cause: err },
      )
    }
  }

  set(name: SecretName, value: string): void {
    this.flush({ ...this.entries, [name]: this.cipher.encrypt(name, value) })
  }

  checkWritable(): void {
    this.cipher.encrypt('writable-check', 'x')
  }

  change(changes: Partial<Record<SecretName, string | null>>): void {
    const entries = { ...this.entries }
    for (const [name, value] of Object.entries(changes)) {
      if (value === null) delete entries[name]
      else if (value !== undefined) entries[name] = this.cipher.encrypt(name, value)
    }
    this.flush(entries)
  }

  delete(name: SecretName): void {
    if (!(name in this.entries)) return
    const entries = { ...this.entries }
    delete entries[name]
    this.flush(entries)
  }

  /** Writes `entries`, then holds them: a failed write changes nothing. */
  private flush(entries: Record<string, string>): void {
    writeJsonFile(this.file, { version: 1, entries }, 0o600)
    this.entries = entries
  }
}

const KEY_BYTES = 32
const IV_BYTES = 12

/** AES-256-GCM; the output is `v1.<iv>.<tag>.<ciphertext>` in base64url. */
export function aesGcmCipher(key: Buffer): VaultCipher {
  if (key.length !== KEY_BYTES) throw new VaultError('vault key must be 32 bytes')
  return {
    encrypt(name, plaintext) {
      const iv = randomBytes(IV_BYTES)
      const c = createCipheriv('aes-256-gcm', key, iv)
      c.setAAD(Buffer.from(name, 'utf8'))
      const data = Buffer.concat([c.update(plaintext, 'utf8'), c.final()])
      return ['v1', iv, c.getAuthTag(), data]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.')
    },
    decrypt(name, sealed) {
      const [v, iv, tag, data] = sealed.split('.')
      if (v !== 'v1' || !iv || !tag || data === undefined) throw new VaultError('bad vault entry')
      const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
      d.setAAD(Buffer.from(name, 'utf8'))
      d.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([d.update(Buffer.from(data, 'base64url')), d.final()]).toString('utf8')
    },
  }
}

export const VAULT_KEY_FILE = 'vault.key'
export const VAULT_FILE = 'vault.json'

/**
 * Writes a new key and puts it on disk before any secret is sealed with it: unsynced, a power
 * cut could keep vault.json (fsynced) and lose the key's bytes, and the secrets with them.
 * 'wx': never clobbers a key another process just wrote. A crash between creating and writing
 * leaves an empty key, made again on the next start while nothing is sealed with it.
 */
function createVaultKey(file: string): void {
  const fd = openSync(file, 'wx', 0o600)
  try {
    writeSync(fd, `${randomBytes(KEY_BYTES).toString('base64')}\n`)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  // Its name in the folder as well, before vault.json can be written beside it.
  syncFolder(dirname(file))
}

/** Reads `vault.key` (creating it, mode 0600, when absent) and tightens loose permissions. */
export function loadOrCreateVaultKey(dataDir: string): Buffer {
  const file = join(dataDir, VAULT_KEY_FILE)
  const vaultFile = join(dataDir, VAULT_FILE)
  // An empty key with nothing sealed yet is a first start cut short: no secret needs it.
  if (existsSync(file) && !existsSync(vaultFile) && statSync(file).size === 0) {
    rmSync(file, { force: true })
  }
  if (!existsSync(file)) {
    if (existsSync(vaultFile)) {
      throw new VaultError(
        `${VAULT_KEY_FILE} 不见了，但 ${VAULT_FILE} 还在：已保存的密钥信息无法读取。` +
          `请恢复 ${VAULT_KEY_FILE}，或删除 ${VAULT_FILE} 后重新输入这些密钥信息。\n` +
          `${VAULT_KEY_FILE} is missing but ${VAULT_FILE} exists: the stored secrets cannot be read. ` +
          `Restore ${VAULT_KEY_FILE}, or delete ${VAULT_FILE} and enter the secrets again.`,
      )
    }
    createVaultKey(file)
  } else if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    chmodSync(file, 0o600)
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')
  if (key.length !== KEY_BYTES)
    throw new VaultError(
      `${VAULT_KEY_FILE} 里不是一个 32 字节的密钥：请从备份恢复它。\n` +
        `${VAULT_KEY_FILE} does not hold a 32-byte key: restore it from a backup.`,
    )
  return key
}

/** Web mode's vault: `vault.json` sealed with the key in `vault.key`. */
export function openFileKeyVault(dataDir: string): SecretVault {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  return new FileVault(join(dataDir, VAULT_FILE), aesGcmCipher(loadOrCreateVaultKey(dataDir)))
}

/**
 * `vault` with a secret it cannot decrypt read as absent (said once each through `warn`): a
 * data folder copied onto another computer (a spare laptop for a broken booth) holds secrets
 * sealed by the first computer's safeStorage, which no other can open. Thrown, that stopped the
 * kiosk at start with "enter it again" and no screen to enter it on; read as absent, the kiosk
 * starts unconfigured with its attendance, and staff pair it again (or type the secret), which
 * seals it anew. A vault that cannot decrypt anything right now (no keyring) still throws.
 */
export function unreadableAsAbsent(
  vault: SecretVault,
  warn: (message: string) => void,
): SecretVault {
  const told = new Set<SecretName>()
  return {
    get(name) {
      try {
        return vault.get(name)
      } catch (err) {
        if (!(err instanceof VaultError)) throw err
        if (!told.has(name)) {
          told.add(name)
          warn(
            `the stored ${name} cannot be decrypted on this computer (a data folder copied from another computer, or the key replaced): the kiosk starts without it; pair this booth again or enter it again`,
          )
        }
        return null
      }
    },
    set: (name, value) => {
      vault.set(name, value)
      told.delete(name)
    },
    delete: (name) => vault.delete(name),
    change: (changes) => {
      vault.change(changes)
      for (const name of Object.keys(changes) as SecretName[]) told.delete(name)
    },
    ...(vault.checkWritable && { checkWritable: () => vault.checkWritable?.() }),
  }
}

/** For tests and the demo's throw-away secrets. */
export class MemoryVault implements SecretVault {
  private readonly map = new Map<SecretName, string>()
  get(name: SecretName): string | null {
    return this.map.get(name) ?? null
  }
  set(name: SecretName, value: string): void {
    this.map.set(name, value)
  }
  delete(name: SecretName): void {
    this.map.delete(name)
  }
  change(changes: Partial<Record<SecretName, string | null>>): void {
    for (const [name, value] of Object.entries(changes) as [SecretName, string | null][]) {
      if (value === null) this.map.delete(name)
      else if (value !== undefined) this.map.set(name, value)
    }
  }
}
