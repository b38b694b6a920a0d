/**
 * A kiosk's big screen (issue 21): a rotated screen key → the kiosk screen's `screen` event with
 * the wall's new URL (campaign frame + screens frame over a real websocket, both stored in
 * SQLite), p50/p99, against the same campaign edit without a screens frame (the peer: what a
 * campaign edit costs the kiosk anyway). Core-side; the iframe's own load is the relay's page.
 */
import { rmSync } from 'node:fs'
import { MemoryVault } from '../electron/core/config/vault'
import { createKioskCore, type KioskCore } from '../electron/core/kiosk-core'
import type { ScreensFrame } from '../shared/relay-protocol'
import type { ScreenState } from '../shared/ipc'
import { provisionDir, tempDir } from '../test/kiosk/helpers'
import { fakeV2Relay, relayCampaign, type FakeConn } from '../test/kiosk/fake-v2-relay'
import { percentile, ratio, round, type Results } from './result'

const key = (i: number) => `bench${String(i).padStart(6, '0')}`.padEnd(43, 'k')

function screens(version: number): ScreensFrame {
  const k = key(version)
  return {
    type: 'screens',
    campaignId: 'expo-2026',
    version,
    screens: { wall: `/screen/expo-2026/wall?key=${k}`, draw: `/screen/expo-2026/draw?key=${k}` },
  }
}

function next(core: KioskCore, done: (s: ScreenState) => boolean): Promise<number> {
  return new Promise((resolve) => {
    const off = core.on('screen', (s) => {
      if (done(s)) {
        off()
        resolve(performance.now())
      }
    })
  })
}

async function rounds(
  conn: FakeConn,
  core: KioskCore,
  from: number,
  n: number,
  withScreens: boolean,
) {
  const lat: number[] = []
  for (let v = from; v < from + n; v++) {
    const name = `Expo ${v}`
    const seen = withScreens
      ? next(core, (s) => s.bigScreen?.url.endsWith(key(v)) === true)
      : next(core, (s) => s.campaign?.name === name)
    const t0 = performance.now()
    const campaign = { type: 'campaign', campaign: relayCampaign({ name }), version: v } as const
    if (withScreens) conn.send(campaign, screens(v))
    else conn.send(campaign)
    lat.push((await seen) - t0)
  }
  return lat.sort((a, b) => a - b)
}

export async function benchKioskScreen(quick: boolean): Promise<Results> {
  const n = quick ? 50 : 300
  const relay = await fakeV2Relay()
  const dir = tempDir()
  const vault = new MemoryVault()
  provisionDir(dir, vault, { relayUrl: relay.url, kioskId: 'booth-1', token: 'tok-bench-0123456' })
  const core = createKioskCore({ dataDir: dir, vault, tickMs: 0, initialPin: '2468' })
  relay.onHello((c) =>
    c.send(
      { type: 'welcome', epoch: 'e1', headSeq: 0 },
      { type: 'campaign', campaign: relayCampaign(), version: 1 },
      screens(1),
    ),
  )
  core.start()
  while (core.relayScreens() === null) await new Promise((r) => setTimeout(r, 10))
  core.updateSettings({ bigScreen: 'wall' })
  const conn = relay.current()
  if (!conn) throw new Error('no connection')
  const peer = await rounds(conn, core, 2, n, false)
  const ours = await rounds(conn, core, 2 + n, n, true)
  await core.stop()
  await relay.close()
  rmSync(dir, { recursive: true, force: true })
  const p = (l: number[], q: number) => round(percentile(l, q), 2)
  return {
    'kiosk.screen.rotation-to-screen.p50': {
      value: p(ours, 50),
      unit: 'ms',
      compare: { against: 'campaign edit alone, p50', ratio: ratio(p(ours, 50), p(peer, 50)) },
    },
    'kiosk.screen.rotation-to-screen.p99': {
      value: p(ours, 99),
      unit: 'ms',
      compare: { against: 'campaign edit alone, p99', ratio: ratio(p(ours, 99), p(peer, 99)) },
      goal: '< 5000 ms (a rotated key reaches the screen as fast as a campaign edit)',
      met: percentile(ours, 99) < 5000,
      note: `${n} rotations: campaign + screens frames, stored, then the screen event with the new URL`,
    },
  }
}
