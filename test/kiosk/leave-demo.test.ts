// Leaving demo mode: saving a real relay (setup page, or provisioning flags on a kiosk that ran
// the demo) stops the demo's sandbox and relay, tells the screens at once, deletes what the
// demo recorded, and shows no code until a real campaign is active.
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { ScreenState } from '../../shared/ipc'
import { startKioskRuntime, type KioskRuntime } from '../../electron/core/kiosk-runtime'
import { KioskError } from '../../electron/core/api/kiosk-error'
import { openFileKeyVault, type SecretVault } from '../../electron/core/config/vault'
import { loadSettings } from '../../electron/core/config/settings'
import {
  cleanup,
  fastLink,
  onCleanup,
  startPlatform,
  tempDir,
  testCampaign,
  waitFor,
} from './helpers'

afterEach(cleanup)

const PIN = '2580'

/** Whether nothing listens at the url's port any more. */
function refused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname)
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'))
  })
}

function startDemoRuntime(dataDir: string): Promise<KioskRuntime> {
  return startKioskRuntime({
    dataDir,
    vault: openFileKeyVault(dataDir),
    env: { SCANDESK_ADMIN_PIN: PIN },
    core: { tickMs: 50, relayLink: fastLink },
  })
}

/** Scans the code on screen through the demo sandbox and waits until it is stored. */
async function demoScan(runtime: KioskRuntime, openid: string, campaignId: string) {
  const { core, demo } = runtime
  const shown = await waitFor(() => {
    const t = core.pool.current()
    const row = t ? core.db.prepare('SELECT campaign_id AS c FROM tickets WHERE scene = ?') : null
    const campaign = (row?.get(t?.scene) as { c: string | null } | undefined)?.c
    return t && campaign === campaignId ? t : undefined
  }, `a demo code of ${campaignId}`)
  await waitFor(() => core.status().relay.state === 'connected', 'demo link')
  await demo?.sandbox.scan(shown.url, openid)
  await waitFor(
    () => core.attendance.latest(5).some((r) => r.openid === openid),
    `demo scan ${openid}`,
  )
}

const count = (runtime: KioskRuntime, campaignId: string) =>
  (
    runtime.core.db
      .prepare('SELECT count(*) AS n FROM attendance WHERE campaign_id = ?')
      .get(campaignId) as { n: number }
  ).n

describe('leaving demo mode', () => {
  it('from the setup page: demo stopped, screens told, demo data gone, real scans under the real campaign', async () => {
    const dataDir = tempDir()
    const runtime = await startDemoRuntime(dataDir)
    onCleanup(() => runtime.close())
    const { core, demo } = runtime
    if (!demo) throw new Error('the demo did not start')
    await core.call('unlockAdmin', { pin: PIN })

    // A demo scan, and one in a campaign the organizer made while trying the demo.
    await demoScan(runtime, 'o_demo_1', 'demo')
    const trial = testCampaign({ id: 'trial', name: 'Trial' })
    await core.call('saveCampaign', trial)
    await core.call('activateCampaign', { id: 'trial' })
    await demoScan(runtime, 'o_demo_2', 'trial')
    expect(count(runtime, 'demo')).toBe(1)
    expect(count(runtime, 'trial')).toBe(1)

    const screens: ScreenState[] = []
    core.on('screen', (s) => screens.push(s))
    const real = await startPlatform()
    const token = await real.relay.addKiosk('hall-b')
    const saved = await core.call('saveSetup', {
      ticketSource: 'proxy',
      relayUrl: real.relay.url,
      kioskId: 'hall-b',
      relayToken: token,
    })
    expect(saved).toEqual({ ok: true })

    // The demo's servers are gone by the time the save returns.
    expect(await refused(demo.relay.url)).toBe(true)
    expect(await refused(demo.sandbox.url)).toBe(true)
    // The screens were told without asking: no demo, no campaign, no code.
    expect(screens.at(-1)).toMatchObject({ demo: false, configured: true, campaign: null })
    expect(core.screenState()).toMatchObject({
      demo: false,
      configured: true,
      campaign: null,
      ticket: null,
    })
    expect(loadSettings(dataDir)).toMatchObject({ demo: false, activeCampaignId: null })
    // The demo campaign and every demo scan are deleted; the organizer's campaign stays.
    const campaigns = (await core.call('listCampaigns', undefined)) as Array<{ id: string }>
    expect(campaigns.map((c) => c.id)).toEqual(['trial'])
    expect(count(runtime, 'demo')).toBe(0)
    expect(count(runtime, 'trial')).toBe(0)
    const visitors = core.db.prepare('SELECT count(*) AS n FROM visitors').get() as { n: number }
    expect(visitors.n).toBe(0) // a real visitor of the trial campaign will be no. 1

    await waitFor(() => core.status().relay.state === 'connected', 'link to the real relay')
    expect(core.pool.current()).toBeNull() // no campaign yet, so no code

    await core.call('saveCampaign', testCampaign())
    await core.call('activateCampaign', { id: 'expo' })
    const shown = await waitFor(() => core.pool.current() ?? undefined, 'a real code')
    expect(shown.scene.startsWith('hall-b:')).toBe(true)
    await real.sandbox.scan(shown.url, 'o_real')
    const row = await waitFor(
      () => core.attendance.latest(5).find((r) => r.openid === 'o_real'),
      'scan via the real relay',
    )
    expect(row).toMatchObject({ campaignId: 'expo', kioskId: 'hall-b', checkInNumber: 1 })
    expect(count(runtime, 'demo')).toBe(0)
  })

  it('a vault that refuses the real token leaves the demo as it was', async () => {
    const dataDir = tempDir()
    const files = openFileKeyVault(dataDir)
    let sealed = false
    // Like the Electron shell's demo vault where the OS cannot encrypt: sealed once running.
    const vault: SecretVault = {
      get: (name) => files.get(name),
      delete: (name) => files.delete(name),
      set: (name, value) => {
        if (sealed) throw new KioskError('unavailable', 'this system cannot encrypt secrets')
        files.set(name, value)
      },
      change: (changes) => {
        if (sealed) throw new KioskError('unavailable', 'this system cannot encrypt secrets')
        files.change(changes)
      },
    }
    const runtime = await startKioskRuntime({
      dataDir,
      vault,
      env: { SCANDESK_ADMIN_PIN: PIN },
      core: { tickMs: 50, relayLink: fastLink },
    })
    onCleanup(() => runtime.close())
    sealed = true
    await demoScan(runtime, 'o_demo_1', 'demo')
    const { core } = runtime
    await core.call('unlockAdmin', { pin: PIN })
    const real = await startPlatform()
    const saved = core.call('saveSetup', {
      ticketSource: 'proxy',
      relayUrl: real.relay.url,
      kioskId: 'hall-b',
      relayToken: await real.relay.addKiosk('hall-b'),
    })
    await expect(saved).rejects.toMatchObject({ code: 'unavailable' })
    expect(core.screenState()).toMatchObject({ demo: true, campaign: { id: 'demo' } })
    expect(count(runtime, 'demo')).toBe(1)
    expect(await refused(runtime.demo?.relay.url ?? '')).toBe(false)
    await demoScan(runtime, 'o_demo_2', 'demo') // the demo still works
  })

  it('through provisioning flags on a kiosk that ran the demo', async () => {
    const dataDir = tempDir()
    const first = await startDemoRuntime(dataDir)
    await demoScan(first, 'o_demo_1', 'demo')
    await first.close()

    const real = await startPlatform()
    const token = await real.relay.addKiosk('hall-c')
    const runtime = await startKioskRuntime({
      dataDir,
      vault: openFileKeyVault(dataDir),
      env: { SCANDESK_KIOSK_TOKEN: token },
      provisioning: { relayUrl: real.relay.url, kioskId: 'hall-c', ticketSource: 'proxy' },
      core: { tickMs: 50, relayLink: fastLink },
    })
    onCleanup(() => runtime.close())
    expect(runtime.demo).toBeNull()
    expect(runtime.core.screenState()).toMatchObject({ demo: false, campaign: null })
    expect(runtime.core.campaigns.list()).toEqual([])
    expect(count(runtime, 'demo')).toBe(0)
  })
})
