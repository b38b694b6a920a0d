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
    const p = await startPlatform({
      appId: 'wx0123456789abcdef',
      appSecret: '0123456789abcdef0123456789abcdef',
    })
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
        appId: 'wx0123456789abcdef',
      },
      env: { SCANDESK_KIOSK_TOKEN: token, SCANDESK_APP_SECRET: '0123456789abcdef0123456789abcdef' },
      core: { tickMs: 50, relayLink: fastLink },
    })
    onCleanup(() => runtime.close())
    const { core } = runtime
    expect(vault.get('appSecret')).toBe('0123456789abcdef0123456789abcdef')
    core.updateSettings({ activeCampaignId: 'expo' })
    core.pool.campaignChanged()
    const shown = await waitFor(() => core.pool.current() ?? undefined, 'code')
    expect(core.status().api.source).toBe('direct')
    expect(shown.scene.startsWith('desk-9:')).toBe(true)
    await waitFor(() => core.status().relay.state === 'connected', 'link')
    await p.sandbox.scan(shown.url, 'o_direct')
    await waitFor(() => attendanceRows(core).length === 1, 'row')
  })
})
