/**
 * A setup's record (electron/core/config/pending-setup.ts) at the next start: applied when the
 * vault holds its secrets, dropped when it does not; what else settings.json holds (a PIN reset
 * by `kiosk reset-pin` meanwhile, the language) stays as saved.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  beginSetup,
  finishPendingSetup,
  PENDING_SETUP_FILE,
} from '../../electron/core/config/pending-setup'
import { defaultSettings, loadSettings, saveSettings } from '../../electron/core/config/settings'
import { openFileKeyVault, type SecretVault } from '../../electron/core/config/vault'
import { cleanup, tempDir } from './helpers'

afterEach(cleanup)

const PIN = { salt: 's'.repeat(16), hash: 'h'.repeat(32) }

/** A booth on relay A with its token, and the setup moving it to relay B begun. */
function movingToB(): { dataDir: string; vault: SecretVault } {
  const dataDir = tempDir()
  const vault = openFileKeyVault(dataDir)
  vault.set('relayToken', 'token-of-relay-a')
  const before = { ...defaultSettings(), kioskId: 'hall-a', relayUrl: 'https://relay-a.example' }
  saveSettings(dataDir, before)
  const next = { ...before, kioskId: 'hall-b', relayUrl: 'https://relay-b.example' }
  beginSetup(dataDir, vault, next, { relayToken: 'token-of-relay-b', appSecret: null }, false)
  return { dataDir, vault }
}

describe('a setup cut short between the vault and settings.json', () => {
  it('is applied at the next start, keeping a PIN and language saved meanwhile', () => {
    const { dataDir } = movingToB()
    saveSettings(dataDir, { ...loadSettings(dataDir)!, adminPin: PIN, locale: 'en' })

    const vault = openFileKeyVault(dataDir)
    expect(finishPendingSetup(dataDir, vault)).toEqual({ applied: true, leavesDemo: false })
    expect(loadSettings(dataDir)).toMatchObject({
      kioskId: 'hall-b',
      relayUrl: 'https://relay-b.example',
      adminPin: PIN,
      locale: 'en',
    })
    expect(vault.get('relayToken')).toBe('token-of-relay-b')
    expect(existsSync(join(dataDir, PENDING_SETUP_FILE))).toBe(false)
    expect(finishPendingSetup(dataDir, vault)).toBeNull()
  })

  it('is dropped when its secrets never reached the vault: the setup before stays', () => {
    const { dataDir, vault } = movingToB()
    // The vault as it was before the setup's one write (the crash came first).
    vault.change({ relayToken: 'token-of-relay-a' })

    expect(finishPendingSetup(dataDir, openFileKeyVault(dataDir))).toEqual({
      applied: false,
      leavesDemo: false,
    })
    expect(loadSettings(dataDir)).toMatchObject({
      kioskId: 'hall-a',
      relayUrl: 'https://relay-a.example',
    })
    expect(existsSync(join(dataDir, PENDING_SETUP_FILE))).toBe(false)
  })

  it('leaves no record when the vault refuses the secrets', () => {
    const dataDir = tempDir()
    const refusing: SecretVault = {
      get: () => null,
      set: () => {},
      delete: () => {},
      change: () => {
        throw new Error('no OS encryption')
      },
    }
    expect(() =>
      beginSetup(dataDir, refusing, defaultSettings(), { relayToken: 'x' }, false),
    ).toThrow('no OS encryption')
    expect(existsSync(join(dataDir, PENDING_SETUP_FILE))).toBe(false)
  })
})
