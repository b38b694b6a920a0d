// Configuration files that refuse to be misread, a write that fails and changes nothing,
// secrets that are not stored in the clear, and an admin PIN that cannot be guessed by trying.
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigFileError } from '../../electron/core/config/json-file'
import { createKioskCore } from '../../electron/core/kiosk-core'
import { KioskError } from '../../electron/core/api/kiosk-error'
import { openFileKeyVault, VaultError } from '../../electron/core/config/vault'
import { defaultSettings, loadSettings, saveSettings } from '../../electron/core/config/settings'
import { openCampaignStore } from '../../electron/core/campaigns/campaign-store'
import { openKioskDb } from '../../electron/core/db/db'
import { MemoryVault } from '../../electron/core/config/vault'
import { cleanup, onCleanup, tempDir, TEST_PIN, testCampaign } from './helpers'

afterEach(cleanup)

function errorOf(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected an error')
}

describe('settings files', () => {
  it('a settings file with a bad field names the field and is left untouched', () => {
    const dir = tempDir()
    saveSettings(dir, defaultSettings())
    const file = join(dir, 'settings.json')
    const broken = JSON.parse(readFileSync(file, 'utf8')) as { pool: { target: unknown } }
    broken.pool.target = 'lots'
    const text = JSON.stringify(broken)
    writeFileSync(file, text)
    const err = errorOf(() =>
      createKioskCore({ dataDir: dir, vault: new MemoryVault(), tickMs: 0 }),
    )
    expect(err).toBeInstanceOf(ConfigFileError)
    expect((err as ConfigFileError).field).toBe('pool.target')
    expect((err as Error).message).toContain('settings.json')
    expect(readFileSync(file, 'utf8')).toBe(text)
  })

  it('a settings file a newer ScanDesk wrote (a field this one does not know) says so, zh-CN first, and is left untouched', () => {
    // A booth rolled back to an older build: "invalid" sends staff to repair or delete a file
    // holding the PIN and the pairing; the words must say a newer version wrote it.
    const dir = tempDir()
    const file = join(dir, 'settings.json')
    const newer = { ...defaultSettings(), kioskId: 'booth-3', screenSaver: { afterMinutes: 5 } }
    const text = JSON.stringify({ ...newer, pool: { ...newer.pool, prefetch: true } }, null, 2)
    writeFileSync(file, text)
    const err = errorOf(() =>
      createKioskCore({ dataDir: dir, vault: new MemoryVault(), tickMs: 0 }),
    )
    expect(err).toBeInstanceOf(ConfigFileError)
    const [zh, en, ...more] = (err as Error).message.split('\n')
    expect(more).toEqual([])
    expect(zh).toMatch(
      /settings\.json 里有这个版本不认识的字段："pool.prefetch", "screenSaver"。它可能由更新版本的 ScanDesk 写入/,
    )
    expect(en).toBe(
      'settings.json has fields this version does not know: "pool.prefetch", "screenSaver". ' +
        'A newer ScanDesk wrote them, or they were added by hand. The file was left as it is. ' +
        'Run that newer version; to go back to this one, quit and put the data folder copied ' +
        'before the upgrade in its place.',
    )
    expect(readFileSync(file, 'utf8')).toBe(text)

    // Only in a nested object: named with its place, and that place is the field at fault.
    const nested = JSON.stringify({ ...defaultSettings(), pool: { ...newer.pool, prefetch: true } })
    writeFileSync(file, nested)
    const inPool = errorOf(() => loadSettings(dir))
    expect((inPool as Error).message).toContain(
      'settings.json has fields this version does not know: "pool.prefetch".',
    )
    expect((inPool as ConfigFileError).field).toBe('pool.prefetch')
    expect(readFileSync(file, 'utf8')).toBe(nested)

    // A file full of unknown fields (another program's, pasted in): the first five, and a count.
    const many = JSON.stringify({
      ...defaultSettings(),
      ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`extra${i}`, i])),
    })
    writeFileSync(file, many)
    const [manyZh, manyEn] = (errorOf(() => loadSettings(dir)) as Error).message.split('\n')
    expect(manyZh).toContain(
      '不认识的字段："extra0", "extra1", "extra2", "extra3", "extra4" 等 40 个。',
    )
    expect(manyEn).toContain(
      'fields this version does not know: "extra0", "extra1", "extra2", "extra3", "extra4" and 35 more.',
    )
    expect(readFileSync(file, 'utf8')).toBe(many)
  })

  it('a settings file saved with a UTF-8 byte order mark (Windows Notepad) is read', () => {
    const dir = tempDir()
    saveSettings(dir, { ...defaultSettings(), kioskId: 'booth-3' })
    const file = join(dir, 'settings.json')
    writeFileSync(file, '\uFEFF' + readFileSync(file, 'utf8'))
    expect(loadSettings(dir)?.kioskId).toBe('booth-3')
  })

  it('a settings file that is not JSON, or has an unknown key, is refused', () => {
    const dir = tempDir()
    const file = join(dir, 'settings.json')
    writeFileSync(file, '{"version": 1, "kioskId": ')
    const notJson = errorOf(() =>
      createKioskCore({ dataDir: dir, vault: new MemoryVault(), tickMs: 0 }),
    )
    expect(notJson).toBeInstanceOf(ConfigFileError)
    expect((notJson as Error).message).toMatch(/not valid JSON/)
    expect(readFileSync(file, 'utf8')).toBe('{"version": 1, "kioskId": ')

    // JSON.parse quotes the text around the error: never what the file holds (the PIN's
    // hash, a relay address), only where the error is.
    const secret = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    const leaky = `{\n  "version": 1,\n  "adminPin": {"salt": "s", "hash": ${secret}}\n}`
    writeFileSync(file, leaky)
    const quoted = errorOf(() =>
      createKioskCore({ dataDir: dir, vault: new MemoryVault(), tickMs: 0 }),
    )
    expect((quoted as Error).message).toMatch(
      /settings\.json .*not valid JSON \(line 3, column 37\)/,
    )
    expect((quoted as Error).message).not.toMatch(/e3b0|b855|hash/)
    expect(readFileSync(file, 'utf8')).toBe(leaky)

    writeFileSync(file, JSON.stringify({ ...defaultSettings(), relayURL: 'http://x' }))
    const unknown = errorOf(() =>
      createKioskCore({ dataDir: dir, vault: new MemoryVault(), tickMs: 0 }),
    )
    expect((unknown as Error).message).toContain('relayURL')
  })

  it('a broken campaigns file names the campaign field', () => {
    const dir = tempDir()
    openCampaignStore(dir).save(testCampaign())
    const file = join(dir, 'campaigns.json')
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('"rotationSeconds": 60', '"rotationSeconds": 1'),
    )
    const err = errorOf(() =>
      createKioskCore({ dataDir: dir, vault: new MemoryVault(), tickMs: 0 }),
    )
    expect((err as ConfigFileError).field).toBe('campaigns[0].rotationSeconds')
  })

  it('a code lifetime shorter than its rotation: refused when saved, read from an older file', async () => {
    const dir = tempDir()
    // Written before the rule: the kiosk still starts with it (its pool rotates such codes
    // early rather than show a dead one, ticket-pool.test.ts).
    const older = testCampaign({ rotationSeconds: 600, ticketLifetimeSeconds: 300 })
    openCampaignStore(dir).save(older)
    const core = createKioskCore({
      dataDir: dir,
      vault: new MemoryVault(),
      tickMs: 0,
      initialPin: TEST_PIN,
    })
    onCleanup(() => core.stop())
    await core.call('unlockAdmin', { pin: TEST_PIN })
    expect(await core.call('listCampaigns', undefined)).toEqual([older])
    // The admin area (or anything else calling saveCampaign) cannot make one: the field named.
    for (const ticketLifetimeSeconds of [300, 629]) {
      const refused = await core
        .call('saveCampaign', { ...older, name: 'Changed', ticketLifetimeSeconds })
        .then(
          () => null,
          (e: unknown) => (e as KioskError).body,
        )
      expect(refused).toEqual({ code: 'bad_input', params: { field: 'ticketLifetimeSeconds' } })
    }
    await core.call('saveCampaign', { ...older, ticketLifetimeSeconds: 630 })
    expect(openCampaignStore(dir).get(older.id)?.ticketLifetimeSeconds).toBe(630)
  })

  it('a campaign that cannot be written is not kept, and leaves no temporary', () => {
    const dir = tempDir()
    const store = openCampaignStore(dir)
    store.save(testCampaign())
    // campaigns.json becomes a folder: the rename over it fails.
    const file = join(dir, 'campaigns.json')
    rmSync(file)
    mkdirSync(file)
    expect(() => store.save(testCampaign({ id: 'fair', name: 'Fair' }))).toThrow()
    expect(() => store.save(testCampaign({ name: 'Renamed' }))).toThrow()
    expect(store.list().map((c) => c.id)).toEqual(['expo'])
    expect(store.get('fair')).toBeNull()
    expect(store.get('expo')?.name).toBe('Expo')
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })
})

describe('file vault', () => {
  it('stores ciphertext only, with a 0600 key file, and detects tampering', () => {
    const dir = tempDir()
    const secret = 'abcdef0123456789abcdef0123456789'
    const vault = openFileKeyVault(dir)
    vault.set('appSecret', secret)
    vault.set('relayToken', 'relay-token-value-1234567890')
    const onDisk = readFileSync(join(dir, 'vault.json'), 'utf8')
    expect(onDisk).not.toContain(secret)
    expect(onDisk).not.toContain(Buffer.from(secret).toString('base64'))
    expect(onDisk).not.toContain('relay-token-value')
    if (process.platform !== 'win32') {
      expect(statSync(join(dir, 'vault.key')).mode & 0o777).toBe(0o600)
      expect(statSync(join(dir, 'vault.json')).mode & 0o777).toBe(0o600)
    }
    expect(openFileKeyVault(dir).get('appSecret')).toBe(secret)

    // Swapping the two entries must not pass one secret off as the other.
    const file = JSON.parse(onDisk) as { entries: Record<string, string> }
    const { appSecret, relayToken } = file.entries
    writeFileSync(
      join(dir, 'vault.json'),
      JSON.stringify({ version: 1, entries: { appSecret: relayToken, relayToken: appSecret } }),
    )
    expect(() => openFileKeyVault(dir).get('appSecret')).toThrow(VaultError)
  })

  it('a secret that cannot be written is not kept, and leaves no temporary', () => {
    const dir = tempDir()
    const vault = openFileKeyVault(dir)
    vault.set('relayToken', 'relay-token-value-1234567890')
    // vault.json becomes a folder: the rename over it fails.
    rmSync(join(dir, 'vault.json'))
    mkdirSync(join(dir, 'vault.json'))
    expect(() => vault.set('appSecret', 'a'.repeat(32))).toThrow()
    expect(() => vault.set('relayToken', 'another-token-value-0987654321')).toThrow()
    expect(() => vault.delete('relayToken')).toThrow()
    expect(vault.get('appSecret')).toBeNull()
    expect(vault.get('relayToken')).toBe('relay-token-value-1234567890')
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('a key file left empty by a crash on the first start, before any secret, is made again', () => {
    const dir = tempDir()
    // What a power cut leaves of a file created and not yet written: its name, no bytes.
    writeFileSync(join(dir, 'vault.key'), '')
    const vault = openFileKeyVault(dir)
    vault.set('relayToken', 'relay-token-value-1234567890')
    expect(openFileKeyVault(dir).get('relayToken')).toBe('relay-token-value-1234567890')
    expect(Buffer.from(readFileSync(join(dir, 'vault.key'), 'utf8').trim(), 'base64')).toHaveLength(
      32,
    )
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('refuses to start over when the key file is lost', () => {
    const dir = tempDir()
    openFileKeyVault(dir).set('relayToken', 'x'.repeat(32))
    writeFileSync(join(dir, 'vault.key'), '')
    expect(() => openFileKeyVault(dir)).toThrow(VaultError)
  })
})

describe('kiosk database file', () => {
  const modeOf = (path: string): number => statSync(path).mode & 0o777

  it("is this user's alone, as the vault and settings are, whatever the umask", () => {
    if (process.platform === 'win32') return
    // Roster names and phones, every visitor's openid: kiosk.db was made 0644 (the umask's),
    // readable by every account on the booth's laptop in a --data folder that is not 0700.
    const dir = tempDir()
    chmodSync(dir, 0o755)
    const previous = process.umask(0o022)
    try {
      const db = openKioskDb(join(dir, 'kiosk.db'))
      db.exec('CREATE TABLE probe (x INTEGER)')
      db.prepare('INSERT INTO probe VALUES (1)').run()
      expect(modeOf(join(dir, 'kiosk.db'))).toBe(0o600)
      expect(modeOf(join(dir, 'kiosk.db-wal'))).toBe(0o600)
      db.close()
    } finally {
      process.umask(previous)
    }
  })

  it('keeps the mode of a database the operator set', () => {
    if (process.platform === 'win32') return
    const dir = tempDir()
    openKioskDb(join(dir, 'kiosk.db')).close()
    chmodSync(join(dir, 'kiosk.db'), 0o640)
    openKioskDb(join(dir, 'kiosk.db')).close()
    expect(modeOf(join(dir, 'kiosk.db'))).toBe(0o640)
  })
})

describe('admin PIN', () => {
  function core(dir: string, now: () => number) {
    const c = createKioskCore({
      dataDir: dir,
      vault: new MemoryVault(),
      tickMs: 0,
      initialPin: '1357',
      now,
      adminIdleMs: 60_000,
    })
    c.start()
    onCleanup(() => c.stop())
    return c
  }

  it('locks out after 5 wrong PINs for a growing period, across restarts', async () => {
    let t = 1_000_000
    const dir = tempDir()
    const c = core(dir, () => t)
    for (let i = 4; i >= 1; i--) {
      expect(await c.call('unlockAdmin', { pin: '0000' })).toEqual({
        ok: false,
        attemptsLeft: i,
        lockedUntil: null,
      })
    }
    const fifth = (await c.call('unlockAdmin', { pin: '0000' })) as { lockedUntil: number }
    expect(fifth.lockedUntil).toBeGreaterThan(t)
    const firstLock = fifth.lockedUntil - t
    // Even the right PIN is refused while locked.
    expect(await c.call('unlockAdmin', { pin: '1357' })).toMatchObject({
      ok: false,
      attemptsLeft: 0,
    })
    await c.stop()

    const again = core(dir, () => t)
    expect(await again.call('unlockAdmin', { pin: '1357' })).toMatchObject({ ok: false })
    t = fifth.lockedUntil + 1
    const sixth = (await again.call('unlockAdmin', { pin: '9999' })) as { lockedUntil: number }
    expect(sixth.lockedUntil - t).toBeGreaterThan(firstLock)
    t = sixth.lockedUntil + 1
    expect(await again.call('unlockAdmin', { pin: '1357' })).toEqual({ ok: true })
    // A good PIN clears the count.
    expect(await again.call('unlockAdmin', { pin: '0000' })).toMatchObject({
      attemptsLeft: 4,
      lockedUntil: null,
    })
  })

  it('admin calls need an unlocked session, which idles out', async () => {
    let t = 5_000_000
    const c = core(tempDir(), () => t)
    const locked = await c.call('getSettings', undefined).catch((e: unknown) => e)
    expect(locked).toBeInstanceOf(KioskError)
    expect((locked as KioskError).code).toBe('admin_locked')
    await c.call('unlockAdmin', { pin: '1357' })
    const s = (await c.call('getSettings', undefined)) as Record<string, unknown>
    expect(s).not.toHaveProperty('adminPin')
    t += 59_000
    await c.call('listCampaigns', undefined) // activity keeps it open
    t += 59_000
    await expect(c.call('listCampaigns', undefined)).resolves.toEqual([])
    t += 60_001
    await expect(c.call('listCampaigns', undefined)).rejects.toMatchObject({ code: 'admin_locked' })
    await c.call('unlockAdmin', { pin: '1357' })
    await c.call('setPin', { currentPin: '1357', newPin: '86420' })
    await c.call('lockAdmin', undefined)
    expect(await c.call('unlockAdmin', { pin: '1357' })).toMatchObject({ ok: false })
    expect(await c.call('unlockAdmin', { pin: '86420' })).toEqual({ ok: true })
  })

  it("asking for the admin events does not extend the session: a busy booth's scans keep no admin area open", async () => {
    let t = 6_000_000
    const c = core(tempDir(), () => t)
    expect(c.adminSessionOpen()).toBe(false)
    await c.call('unlockAdmin', { pin: '1357' })
    t += 59_000
    // A check-in's attendance event asks as it is sent; that is no staff at the admin area.
    expect(c.adminSessionOpen()).toBe(true)
    t += 2_000
    expect(c.adminSessionOpen()).toBe(false)
    await expect(c.call('listCampaigns', undefined)).rejects.toMatchObject({ code: 'admin_locked' })
  })

  it('changing the PIN is no way round the lockout: wrong current PINs count as wrong PINs', async () => {
    const t = 7_000_000
    const dir = tempDir()
    const c = core(dir, () => t)
    // A passer-by at an admin area left open tries current PINs on the change-PIN form.
    await c.call('unlockAdmin', { pin: '1357' })
    for (let i = 0; i < 4; i++) {
      await expect(
        c.call('setPin', { currentPin: String(2000 + i), newPin: '8642' }),
      ).rejects.toMatchObject({ code: 'wrong_pin' })
    }
    // The fifth brings on the lockout, as five wrong PINs on the pad would: the open session
    // ends (the screen goes back to the PIN pad), the right PIN tells nothing more, and the
    // PIN stays.
    await expect(c.call('setPin', { currentPin: '2004', newPin: '8642' })).rejects.toMatchObject({
      code: 'admin_locked',
    })
    await expect(c.call('setPin', { currentPin: '1357', newPin: '8642' })).rejects.toMatchObject({
      code: 'admin_locked',
    })
    await expect(c.call('listCampaigns', undefined)).rejects.toMatchObject({ code: 'admin_locked' })
    expect(await c.call('unlockAdmin', { pin: '1357' })).toMatchObject({
      ok: false,
      attemptsLeft: 0,
    })
    await c.stop()
    const again = core(dir, () => t + 3_600_001)
    // After the lockout the PIN is still the old one.
    expect(await again.call('unlockAdmin', { pin: '1357' })).toEqual({ ok: true })
  })

  it('a clock set back neither keeps the admin area open nor locks the PIN out for hours', async () => {
    const ahead = 8 * 3_600_000
    let t = 9_000_000 + ahead
    const c = core(tempDir(), () => t)
    await c.call('unlockAdmin', { pin: '1357' })
    // NTP corrects a clock that ran 8 hours ahead; then nobody touches the admin area for the
    // idle time (60 s here) and a bit.
    t -= ahead
    t += 60_001
    await expect(c.call('listCampaigns', undefined)).rejects.toMatchObject({ code: 'admin_locked' })

    t += ahead
    for (let i = 0; i < 5; i++) await c.call('unlockAdmin', { pin: '0000' })
    const locked = (await c.call('unlockAdmin', { pin: '1357' })) as { lockedUntil: number }
    expect(locked.lockedUntil).toBeGreaterThan(t)
    // The clock is corrected again: the lockout lasts at most the longest one (an hour) from
    // now, not until the clock has caught up 8 hours later.
    t -= ahead
    const after = (await c.call('unlockAdmin', { pin: '1357' })) as { lockedUntil: number }
    expect(after.lockedUntil - t).toBeLessThanOrEqual(3_600_000)
    t = after.lockedUntil
    expect(await c.call('unlockAdmin', { pin: '1357' })).toEqual({ ok: true })
  })

  it('never stores the PIN in the clear', () => {
    const dir = tempDir()
    core(dir, Date.now)
    expect(readFileSync(join(dir, 'settings.json'), 'utf8')).not.toContain('1357')
  })
})
