// A passer-by typed wrong PINs at an unattended booth and locked its staff out of the admin
// area for up to an hour. The relay's `admin-unlock` frame (an organizer's console request) on
// the kiosk's own welcomed link clears the lockout at once and tells the PIN pad; it neither
// changes the PIN nor opens a session, a second one changes nothing, and the same frame sent
// before the relay's welcome clears nothing.
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryVault } from '../../electron/core/config/vault'
import type { KioskCore } from '../../electron/core/kiosk-core'
import { TEST_PIN, cleanup, provisionDir, startCore, tempDir, waitFor } from './helpers'
import { fakeV2Relay, type FakeConn, type FakeV2Relay } from './fake-v2-relay'

afterEach(cleanup)

const welcome = { type: 'welcome', epoch: 'e1', headSeq: 0 } as const
const later = <T>(fn: () => T) => Promise.resolve().then(fn)

function kiosk(relay: FakeV2Relay, dataDir = tempDir()): { core: KioskCore; dataDir: string } {
  const vault = new MemoryVault()
  provisionDir(dataDir, vault, {
    relayUrl: relay.url,
    kioskId: 'booth-1',
    token: 'tok-booth-1-xyz0123',
  })
  return { core: startCore(dataDir, vault), dataDir }
}

/** Five wrong PINs: the admin area is locked out (a minute first, doubling up to an hour). */
async function lockOut(core: KioskCore): Promise<void> {
  for (let i = 0; i < 5; i++) await later(() => core.handlers.unlockAdmin({ pin: '0000' }))
  const refused = await later(() => core.handlers.unlockAdmin({ pin: TEST_PIN }))
  expect(refused.ok === false && refused.lockedUntil !== null).toBe(true)
}

describe('admin-unlock frame', () => {
  it('clears the lockout on the welcomed link; the PIN is still needed; a replay changes nothing', async () => {
    const relay = await fakeV2Relay()
    relay.onHello((c) => c.send(welcome))
    const { core } = kiosk(relay)
    await waitFor(() => core.status().relay.state === 'connected', 'connected')
    await lockOut(core)
    const told: unknown[] = []
    core.on('adminLockout', (p) => told.push(p))

    const conn = relay.current() as FakeConn
    conn.send({ type: 'admin-unlock' })
    await waitFor(() => told.length === 1, 'the PIN pad told')
    expect(told).toEqual([{ lockedUntil: null }])
    // No session opened: the admin area still asks for the PIN.
    expect(core.isAdminUnlocked()).toBe(false)
    // A wrong PIN is still wrong (and counts from zero again); the right one opens.
    expect(await later(() => core.handlers.unlockAdmin({ pin: '0000' }))).toEqual({
      ok: false,
      attemptsLeft: 4,
      lockedUntil: null,
    })
    // A replayed frame clears the count again, and nothing more.
    conn.send({ type: 'admin-unlock' }, { type: 'admin-unlock' })
    await waitFor(() => told.length === 3, 'both frames taken')
    expect(core.isAdminUnlocked()).toBe(false)
    expect(await later(() => core.handlers.unlockAdmin({ pin: TEST_PIN }))).toEqual({ ok: true })
  })

  it('clears nothing when it comes before the relay welcomed the link', async () => {
    const relay = await fakeV2Relay()
    let hellos = 0
    relay.onHello(() => hellos++)
    const { core } = kiosk(relay)
    await lockOut(core)
    const told: unknown[] = []
    core.on('adminLockout', (p) => told.push(p))
    await waitFor(() => hellos === 1, 'first hello')
    // Later connections are welcomed; the first gets the frame before any welcome.
    relay.onHello((c) => {
      hellos++
      c.send(welcome)
    })
    ;(relay.current() as FakeConn).send({ type: 'admin-unlock' })
    await waitFor(() => core.status().relay.state === 'connected', 'connected the second time')
    expect(hellos).toBe(2)
    expect(told).toEqual([])
    // Still locked out: even the right PIN is refused.
    const refused = await later(() => core.handlers.unlockAdmin({ pin: TEST_PIN }))
    expect(refused.ok === false && refused.lockedUntil !== null).toBe(true)
  })
})
