// The relay's big-screen paths on the kiosk (the `screens` frame): stored with the relay
// campaign, offered in the admin area, shown as a URL on the relay's origin only once chosen,
// kept across a restart, dropped when the campaign goes or changes; a frame whose paths are not
// `/screen/…` on the relay (another site, `javascript:`) is refused and stores nothing.
import { afterEach, describe, expect, it } from 'vitest'
import type { ScreensFrame } from '../../shared/relay-protocol'
import { MemoryVault } from '../../electron/core/config/vault'
import type { KioskCore } from '../../electron/core/kiosk-core'
import { cleanup, provisionDir, startCore, tempDir, waitFor } from './helpers'
import { fakeV2Relay, relayCampaign, type FakeConn, type FakeV2Relay } from './fake-v2-relay'

afterEach(cleanup)

const welcome = { type: 'welcome', epoch: 'e1', headSeq: 0 } as const
const KEY = 'k3yK3yk3yK3yk3yK3yk3yK3yk3yK3yk3yK3yk3yK3yk'
const screens = (version: number, key = KEY, id = 'expo-2026'): ScreensFrame => ({
  type: 'screens',
  campaignId: id,
  version,
  screens: { wall: `/screen/${id}/wall?key=${key}`, draw: `/screen/${id}/draw?key=${key}` },
})

function kiosk(relay: FakeV2Relay, dataDir = tempDir(), vault = new MemoryVault()) {
  provisionDir(dataDir, vault, {
    relayUrl: relay.url,
    kioskId: 'booth-1',
    token: 'tok-booth-1-xyz0123',
  })
  return { core: startCore(dataDir, vault), dataDir, vault }
}

const later = <T>(fn: () => T) => Promise.resolve().then(fn)
const settings = (core: KioskCore) => later(() => core.handlers.getSettings(undefined as never))
const httpBase = (relay: FakeV2Relay) => relay.url.replace(/^ws/, 'http').replace(/\/+$/, '')

describe('screens frame', () => {
  it('is stored with the campaign, shown once chosen, survives a restart, goes with the campaign', async () => {
    const relay = await fakeV2Relay()
    relay.onHello((c) =>
      c.send(welcome, { type: 'campaign', campaign: relayCampaign(), version: 3 }, screens(3)),
    )
    const dataDir = tempDir()
    const vault = new MemoryVault()
    const { core } = kiosk(relay, dataDir, vault)
    await waitFor(() => core.relayScreens() !== null, 'screens stored')
    // Offered, but the QR code stays until the admin area chooses otherwise.
    expect(await settings(core)).toMatchObject({ bigScreen: 'qr', bigScreenAvailable: true })
    expect(core.screenState().bigScreen).toBeNull()
    expect(JSON.stringify(core.screenState())).not.toContain(KEY)

    const shown: unknown[] = []
    core.on('screen', (s) => shown.push(s.bigScreen))
    await later(() => core.handlers.setBigScreen({ screen: 'wall' }))
    const wall = `${httpBase(relay)}/screen/expo-2026/wall?key=${KEY}`
    expect(core.screenState().bigScreen).toEqual({ kind: 'wall', url: wall })
    expect(shown).toEqual([{ kind: 'wall', url: wall }])

    // A rotated key: a new campaign version and its screens frame.
    const NEW = 'n3wK3yn3wK3yn3wK3yn3wK3yn3wK3yn3wK3yn3wK3yn'
    const conn = relay.current() as FakeConn
    conn.send({ type: 'campaign', campaign: relayCampaign(), version: 4 }, screens(4, NEW))
    await waitFor(() => core.screenState().bigScreen?.url.endsWith(NEW), 'new key')
    // A screens frame for an older version is stale: ignored.
    conn.send(screens(3))
    conn.send({ type: 'campaign', campaign: relayCampaign({ name: 'marker' }), version: 5 })
    await waitFor(() => core.activeCampaign()?.name === 'marker', 'frames after the stale one')
    expect(core.screenState().bigScreen?.url).toBe(
      `${httpBase(relay)}/screen/expo-2026/wall?key=${NEW}`,
    )

    await core.stop()
    relay.onHello((c) => c.send(welcome))
    const again = startCore(dataDir, vault)
    expect(again.screenState().bigScreen?.url).toBe(
      `${httpBase(relay)}/screen/expo-2026/wall?key=${NEW}`,
    )
    await waitFor(() => relay.hellos.length === 2, 'reconnected')

    // The campaign goes: so do its screens, and the screen is the QR code again.
    ;(relay.current() as FakeConn).send({ type: 'campaign', campaign: null, version: 6 })
    await waitFor(() => again.relayScreens() === null, 'screens dropped')
    expect(again.screenState().bigScreen).toBeNull()
    expect(await settings(again)).toMatchObject({ bigScreen: 'wall', bigScreenAvailable: false })
    const rows = again.db.prepare('SELECT screens FROM relay_campaigns').all()
    expect(rows).toEqual([{ screens: null }])
  })

  it('drops the paths when the relay moves the kiosk to another campaign', async () => {
    const relay = await fakeV2Relay()
    relay.onHello((c) =>
      c.send(welcome, { type: 'campaign', campaign: relayCampaign(), version: 3 }, screens(3)),
    )
    const { core } = kiosk(relay)
    await waitFor(() => core.relayScreens() !== null, 'screens stored')
    const other = relayCampaign({ id: 'other-1', name: 'Other' })
    ;(relay.current() as FakeConn).send({ type: 'campaign', campaign: other, version: 4 })
    await waitFor(() => core.activeCampaign()?.id === 'other-1', 'other campaign')
    expect(core.relayScreens()).toBeNull()
    // Paths naming a campaign the kiosk does not hold are ignored.
    ;(relay.current() as FakeConn).send(screens(4))
    ;(relay.current() as FakeConn).send({
      type: 'campaign',
      campaign: { ...other, name: 'marker' },
      version: 4,
    })
    await waitFor(() => core.activeCampaign()?.name === 'marker', 'marker')
    expect(core.relayScreens()).toBeNull()
  })

  it.each([
    ['another site', 'https://evil.example/screen/expo-2026/wall?key=' + KEY],
    ['a protocol-relative URL', '//evil.example/screen/expo-2026/wall?key=' + KEY],
    ['javascript:', 'javascript:alert(1)//screen/expo-2026/wall?key=' + KEY],
    ['a path off the screens', `/console/expo-2026/wall?key=${KEY}`],
    ['a traversal', `/screen/../console/wall?key=${KEY}`],
    ['an extra parameter', `/screen/expo-2026/wall?key=${KEY}&next=https://evil.example`],
  ])('refuses %s and stores nothing', async (_what, wall) => {
    const relay = await fakeV2Relay()
    const bad = { ...screens(3), screens: { ...screens(3).screens, wall } }
    const marker = relayCampaign({ name: 'marker' })
    relay.onHello((c) =>
      c.send(welcome, { type: 'campaign', campaign: relayCampaign(), version: 3 }, bad, {
        type: 'campaign',
        campaign: marker,
        version: 3,
      }),
    )
    const { core } = kiosk(relay)
    // Refused: the frame is ignored, the link stays and takes the frames after it.
    await waitFor(() => core.activeCampaign()?.name === 'marker', 'the frame after the bad one')
    expect(relay.hellos).toHaveLength(1)
    expect(core.activeCampaign()?.id).toBe('expo-2026')
    expect(core.relayScreens()).toBeNull()
    await later(() => core.handlers.setBigScreen({ screen: 'wall' }))
    expect(core.screenState().bigScreen).toBeNull()
  })
})
