// WeChat's API failing or out of daily quota must not take the code off the screen: the pool
// lives on its stock, scans keep being recorded, and the status corner says what is wrong.
import { afterEach, describe, expect, it } from 'vitest'
import { startKioskRuntime } from '../../electron/core/kiosk-runtime'
import { MemoryVault } from '../../electron/core/config/vault'
import { openCampaignStore } from '../../electron/core/campaigns/campaign-store'
import {
  attendanceRows,
  cleanup,
  fastLink,
  kioskOn,
  onCleanup,
  startPlatform,
  tempDir,
  testCampaign,
  waitFor,
} from './helpers'

afterEach(cleanup)

const APP_ID = 'wx0123456789abcdef'
const SECRET = '0123456789abcdef0123456789abcdef'

/** A kiosk provisioned for direct codes with `appSecret`, the account's being SECRET. */
async function directKiosk(appSecret: string) {
  const p = await startPlatform({ appId: APP_ID, appSecret: SECRET })
  const token = await p.relay.addKiosk('desk-9')
  const dataDir = tempDir()
  openCampaignStore(dataDir).save(testCampaign())
  const vault = new MemoryVault()
  const runtime = await startKioskRuntime({
    dataDir,
    vault,
    provisioning: {
      relayUrl: p.relay.url,
      kioskId: 'desk-9',
      ticketSource: 'direct',
      apiBase: p.sandbox.url,
      appId: APP_ID,
    },
    env: {
      SCANDESK_KIOSK_TOKEN: token,
      SCANDESK_APP_SECRET: appSecret,
      SCANDESK_ADMIN_PIN: '2580',
    },
    core: { tickMs: 50, relayLink: fastLink },
  })
  onCleanup(() => runtime.close())
  const { core } = runtime
  core.updateSettings({ activeCampaignId: 'expo' })
  core.pool.campaignChanged()
  return { p, core, vault }
}

describe('ticket API trouble', () => {
  it('API outage: the pool keeps serving and every scan is recorded', async () => {
    const p = await startPlatform()
    const { core } = await kioskOn(p)
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    await waitFor(() => core.pool.status().available === 5, 'full pool')
    await core.whenIdle()
    p.sandbox.setFaults({ http5xx: true })

    const visitors = Array.from({ length: 8 }, (_, i) => `o_out_${i}`)
    for (const openid of visitors) {
      const shown = core.pool.current()
      expect(shown).not.toBeNull()
      const before = attendanceRows(core).length
      await p.sandbox.scan(shown?.url ?? '', openid)
      await waitFor(() => attendanceRows(core).length === before + 1, 'row')
    }
    expect(attendanceRows(core).map((r) => r.openid)).toEqual(visitors)
    const status = core.status()
    expect(['degraded', 'down']).toContain(status.api.state)
    expect(status.api.lastError?.code).toBeTruthy()
    expect(core.pool.current()).not.toBeNull()

    p.sandbox.setFaults({ http5xx: false })
    // The pool retries after its backoff (a few seconds after only a few failures).
    await waitFor(() => core.status().api.state === 'ok', 'API back', 20_000)
  })

  it('45009: stops creating, warns, keeps serving', async () => {
    const p = await startPlatform()
    const { core } = await kioskOn(p)
    await waitFor(() => core.pool.status().available === 5, 'full pool')
    await core.whenIdle()
    p.sandbox.setFaults({ quotaAfter: 0 })
    const shown = core.pool.current()
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    await p.sandbox.scan(shown?.url ?? '', 'o_q1')
    await waitFor(() => core.status().pool.quotaExhausted, 'quota noticed')
    expect(core.status().api.lastError?.code).toBe('quota')
    const created = core.status().pool.createdToday
    for (let i = 0; i < 6; i++) {
      const t = core.pool.current()
      expect(t).not.toBeNull()
      await p.sandbox.scan(t?.url ?? '', `o_q_more_${i}`)
      core.tick()
      await core.whenIdle()
    }
    await waitFor(() => attendanceRows(core).length === 7, 'all scans')
    expect(core.status().pool.createdToday).toBe(created)
    expect(core.pool.current()).not.toBeNull()
  })

  it('direct ticket source (headless provisioning) creates codes with the AppSecret here', async () => {
    const { p, core, vault } = await directKiosk(SECRET)
    expect(vault.get('appSecret')).toBe(SECRET)
    const shown = await waitFor(() => core.pool.current() ?? undefined, 'code')
    expect(core.status().api.source).toBe('direct')
    expect(shown.scene.startsWith('desk-9:')).toBe(true)
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    await p.sandbox.scan(shown.url, 'o_direct')
    await waitFor(() => attendanceRows(core).length === 1, 'row')
  })

  it('an AppSecret reset in the WeChat admin: staff are told so, and the one re-entered works at once', async () => {
    // The booth still holds the AppSecret the organizer has just reset: WeChat answers 40125.
    const { p, core } = await directKiosk('ffffffffffffffffffffffffffffffff')
    await waitFor(() => core.status().api.lastError?.code === 'bad_credentials', 'refused')
    expect(core.status().api).toMatchObject({
      state: 'down',
      source: 'direct',
      lastError: { code: 'bad_credentials', params: { errcode: 40125 } },
    })
    expect(core.pool.current()).toBeNull()
    // Staff enter the new one in Admin → Setup; nothing else is typed again, no restart.
    await core.call('unlockAdmin', { pin: '2580' })
    const saved = await core.call('saveSetup', {
      ticketSource: 'direct',
      relayUrl: p.relay.url,
      kioskId: 'desk-9',
      apiBase: p.sandbox.url,
      appId: APP_ID,
      appSecret: SECRET,
    })
    expect(saved).toEqual({ ok: true })
    const shown = await waitFor(() => core.pool.current() ?? undefined, 'code after re-entry')
    expect(core.status().api).toMatchObject({ state: 'ok', lastError: null })
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    await p.sandbox.scan(shown.url, 'o_after_reset')
    await waitFor(() => attendanceRows(core).length === 1, 'row')
  })
})
