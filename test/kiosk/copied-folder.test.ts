// A booth's data folder copied: onto a spare laptop when one breaks mid-event, or one booth set
// up and its disk imaged onto many. The copy brings the original's ready tickets, which the
// original shows too, in the same order: two booths showing one code, their visitors' scans
// going to whichever holds the link (and, with oneVisitorPerCode, the second visitor's scan
// refused as a photo). The copy notices it is one and makes its own codes.
import { randomBytes } from 'node:crypto'
import { cpSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  checkFolderHome,
  HOME_META,
  isHardwareAddress,
  type FolderHome,
  type NetworkCard,
} from '../../electron/core/config/folder-home'
import { aesGcmCipher, FileVault, MemoryVault, VAULT_FILE } from '../../electron/core/config/vault'
import { startKioskRuntime } from '../../electron/core/kiosk-runtime'
import { openKioskDb } from '../../electron/core/db/db'
import { MetaTable } from '../../electron/core/db/meta-table'
import type { KioskCore } from '../../electron/core/kiosk-core'
import {
  cleanup,
  kioskOn,
  onCleanup,
  startCore,
  startPlatform,
  tempDir,
  TEST_PIN,
  waitFor,
} from './helpers'
import { startPairStub } from './pair-stub'

afterEach(cleanup)

/** The temporary code on screen (not the booth's permanent fallback code). */
const codeOnScreen = (core: KioskCore): Promise<string> =>
  waitFor(() => {
    const t = core.pool.current()
    return t !== null && !t.scene.endsWith(':fallback') ? t.scene : undefined
  }, 'a code on screen')

const scenes = (core: KioskCore): Set<string> =>
  new Set(
    (core.db.prepare('SELECT scene FROM tickets').all() as Array<{ scene: string }>).map(
      (r) => r.scene,
    ),
  )

describe('a copied data folder', () => {
  it('shows none of the codes the original has ready, while the original keeps its own', async () => {
    const p = await startPlatform()
    const { core, dataDir, vault, token } = await kioskOn(p)
    await waitFor(() => core.pool.status().available >= core.settings().pool.target, 'a full pool')
    const before = scenes(core)
    await core.stop()

    // Staff copy the booth's folder onto a spare laptop (its vault holds the same token).
    const copyDir = join(tempDir(), 'kiosk-data')
    cpSync(dataDir, copyDir, { recursive: true })
    const copyVault = new MemoryVault()
    copyVault.set('relayToken', token)

    const original = startCore(dataDir, vault)
    const copy = startCore(copyDir, copyVault)
    const originalCode = await codeOnScreen(original)
    const copyCode = await codeOnScreen(copy)
    // A plain restart is no copy: the original goes on with its ready codes.
    expect(before.has(originalCode)).toBe(true)
    expect(before.has(copyCode)).toBe(false)
    expect(copyCode).not.toBe(originalCode)
    await waitFor(() => copy.pool.status().available >= copy.settings().pool.target, 'its own pool')
    // What its pool would ever put on screen: its connection's tickets.
    const copyPool = copy.db
      .prepare('SELECT scene FROM tickets WHERE connection_id = ?')
      .all(copy.settings().connectionId) as Array<{ scene: string }>
    expect(copyPool.length).toBeGreaterThanOrEqual(copy.settings().pool.target)
    expect(copyPool.filter((r) => before.has(r.scene))).toEqual([])

    // Started again, the copy is at home where it is: its new codes stay.
    const kept = scenes(copy)
    await copy.stop()
    const again = startCore(copyDir, copyVault)
    expect(kept.has(await codeOnScreen(again))).toBe(true)
  })
})

describe('a copied data folder on a computer that cannot read its secrets', () => {
  it('starts unconfigured instead of stopping, says why, and pairs again', async () => {
    const p = await startPlatform()
    // The app's vault is sealed by the computer (safeStorage: DPAPI, Keychain, the keyring):
    // another computer's key cannot open it. Two AES keys stand for the two computers.
    const sealedBy = (dir: string, key: Buffer) =>
      new FileVault(join(dir, VAULT_FILE), aesGcmCipher(key))
    const dir = tempDir()
    const { core } = await kioskOn(p, { dataDir: dir, vault: sealedBy(dir, randomBytes(32)) })
    await codeOnScreen(core)
    await core.stop()

    const spareDir = join(tempDir(), 'kiosk-data')
    cpSync(dir, spareDir, { recursive: true })
    const warnings: string[] = []
    const log = {
      debug: () => {},
      info: () => {},
      warn: (m: string) => warnings.push(m),
      error: (m: string) => warnings.push(m),
    }
    const runtime = await startKioskRuntime({
      dataDir: spareDir,
      vault: sealedBy(spareDir, randomBytes(32)),
      env: {},
      core: { tickMs: 0, log },
    })
    onCleanup(() => runtime.close())
    const spare = runtime.core
    expect(spare.screenState().configured).toBe(false)
    expect(warnings.join('\n')).toMatch(/relayToken cannot be decrypted on this computer/)
    // The staff's way back: the PIN (settings.json, not sealed) and a new pairing code.
    const stub = await startPairStub()
    await spare.call('unlockAdmin', { pin: TEST_PIN })
    const paired = await spare.call('pairWithCode', {
      ticketSource: 'proxy',
      relayUrl: stub.url,
      code: 'ACDEFGHJ',
    })
    expect(paired).toEqual({ ok: true, kioskId: 'booth-7' })
    expect(spare.screenState().configured).toBe(true)
  })
})

describe('checkFolderHome', () => {
  const meta = (): MetaTable => {
    const db = openKioskDb(join(tempDir(), 'kiosk.db'))
    onCleanup(() => {
      db.close()
    })
    return new MetaTable(db)
  }
  const mac = (n: number): string => `3c:22:fb:00:00:${n.toString(16).padStart(2, '0')}`
  /** The card named `name` with address `mac(n)`. */
  const card = (name: string, n: number): NetworkCard => ({ name, mac: mac(n) })
  const home = (folder: string, ...cards: NetworkCard[]): FolderHome => ({ folder, cards })

  it('a disk image booted on another laptop: same folder, its cards of the same names, none of its addresses', () => {
    const m = meta()
    expect(checkFolderHome(m, home('1:2', card('Ethernet', 1), card('Wi-Fi', 2)))).toBe(false)
    expect(checkFolderHome(m, home('1:2', card('Ethernet', 1), card('Wi-Fi', 2)))).toBe(false)
    expect(checkFolderHome(m, home('1:2', card('Ethernet', 3)))).toBe(true)
    // At home there from now on.
    expect(checkFolderHome(m, home('1:2', card('Ethernet', 3)))).toBe(false)
    expect(checkFolderHome(m, home('1:2', card('Ethernet', 1)))).toBe(true)
  })

  it('a card plugged in or unplugged, or every card down, is the same computer', () => {
    const m = meta()
    checkFolderHome(m, home('1:2', card('Wi-Fi', 1)))
    expect(checkFolderHome(m, home('1:2', card('Wi-Fi', 1), card('Ethernet 2', 9)))).toBe(false)
    // The dongle alone (Wi-Fi off): known from before.
    expect(checkFolderHome(m, home('1:2', card('Ethernet 2', 9)))).toBe(false)
    expect(checkFolderHome(m, home('1:2'))).toBe(false)
    expect(checkFolderHome(m, home('1:2', card('Wi-Fi', 1)))).toBe(false)
  })

  it('set up on Ethernet at the office, on Wi-Fi alone at the venue: the same computer', () => {
    // os.networkInterfaces lists only cards that are up: the Wi-Fi card was never seen before.
    const m = meta()
    checkFolderHome(m, home('1:2', card('Ethernet', 1)))
    expect(checkFolderHome(m, home('1:2', card('Wi-Fi', 2)))).toBe(false)
    expect(checkFolderHome(m, home('1:2', card('Ethernet', 1)))).toBe(false)
    // An image of it started on another laptop's Wi-Fi card is noticed.
    expect(checkFolderHome(m, home('1:2', card('Wi-Fi', 7)))).toBe(true)
  })

  it('a record full of dongles keeps the cards seen last and forgets the longest unseen', () => {
    // Linux names a USB card by its port (enp0s20f0u1): each dongle plugged there is one more
    // address under one name, and the record keeps 32. The cards of this start come first, so
    // the dongle in use now stays known; were it the one dropped, its next start alone would be
    // a known name with an address never known: taken for a copy.
    const m = meta()
    for (let n = 1; n <= 40; n++) {
      expect(checkFolderHome(m, home('1:2', card('wlp0s20f3', 200), card('enp0s20f0u1', n)))).toBe(
        false,
      )
    }
    const kept = (JSON.parse(m.get(HOME_META) ?? '') as FolderHome).cards
    expect(kept).toHaveLength(32)
    expect(kept.slice(0, 2)).toEqual([card('wlp0s20f3', 200), card('enp0s20f0u1', 40)])
    // The oldest dongles are the ones forgotten.
    expect(kept.some((c) => c.mac === mac(1))).toBe(false)
    expect(checkFolderHome(m, home('1:2', card('enp0s20f0u1', 40)))).toBe(false)
    // An image of it booted on another laptop of the model is still noticed.
    expect(checkFolderHome(m, home('1:2', card('wlp0s20f3', 201)))).toBe(true)
  })

  it('the same folder on a disk numbered otherwise after a restart is no copy', () => {
    // The device number is not the folder's: btrfs hands one out at each mount, and dm-crypt,
    // LVM or NVMe disks set up in another order at boot get other numbers. Its inode stays.
    const m = meta()
    checkFolderHome(m, home('64768:1234', card('eth0', 1)))
    expect(checkFolderHome(m, home('41:1234', card('eth0', 1)))).toBe(false)
    expect(checkFolderHome(m, home('42:1234', card('eth0', 1)))).toBe(false)
    // A copy is a new folder, whatever disk it is on.
    expect(checkFolderHome(m, home('42:5678', card('eth0', 1)))).toBe(true)
  })

  it('a folder copied on the same computer is a copy; an unreadable record is a first start', () => {
    const m = meta()
    checkFolderHome(m, home('1:2', card('eth0', 1)))
    expect(checkFolderHome(m, home('1:3', card('eth0', 1)))).toBe(true)
    m.set(HOME_META, '{"folder":')
    expect(checkFolderHome(m, home('1:4', card('eth0', 1)))).toBe(false)
    expect(JSON.parse(m.get(HOME_META) ?? '')).toEqual(home('1:4', card('eth0', 1)))
  })

  it("counts a card's own address, not a made-up or virtual one an image shares", () => {
    expect(isHardwareAddress('3c:22:fb:12:34:56')).toBe(true)
    // Random Wi-Fi addresses, Docker, VirtualBox host-only: locally administered.
    expect(isHardwareAddress('02:42:ac:11:00:02')).toBe(false)
    expect(isHardwareAddress('0a:00:27:00:00:00')).toBe(false)
    expect(isHardwareAddress('da:a1:19:00:00:01')).toBe(false)
    // Hyper-V's vEthernet and VMware's host adapters come with the image.
    expect(isHardwareAddress('00:15:5d:01:02:03')).toBe(false)
    expect(isHardwareAddress('00:50:56:c0:00:01')).toBe(false)
    expect(isHardwareAddress('01:00:5e:00:00:01')).toBe(false)
    expect(isHardwareAddress('00:00:00:00:00:00')).toBe(false)
  })
})
