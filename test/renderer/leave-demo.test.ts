// @vitest-environment happy-dom
// Leaving demo mode, as the screens see it: the core's `screen` event drops the demo badge and
// banner at once, the kiosk shows no code until a campaign is active, and the admin area moves
// on to the campaign page after setup.
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import App from '../../renderer/src/App.vue'
import AdminView from '../../renderer/src/admin/AdminView.vue'
import CampaignPage from '../../renderer/src/admin/pages/CampaignPage.vue'
import { useAdminSessionStore } from '../../renderer/src/stores/admin-session'
import { useScreenStore } from '../../renderer/src/stores/screen'
import { createFakeKioskApi, makeCampaign, makeScreenState, makeTicket } from './fake-kiosk-api'
import { mountWith } from './setup-app'

vi.mock('../../renderer/src/audio/chimes', () => ({ playChime: vi.fn(), preloadChimes: vi.fn() }))

enableAutoUnmount(afterEach)

const demoState = () =>
  makeScreenState(Date.now(), {
    demo: true,
    campaign: makeCampaign({ id: 'demo', name: 'ScanDesk 演示 Demo' }),
  })
const leftState = () =>
  makeScreenState(Date.now(), { demo: false, configured: true, campaign: null, ticket: null })

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await flushPromises()
}

describe('leaving demo mode in the renderer', () => {
  it('the kiosk screen drops the demo badge and shows "no campaign yet" instead of a code', async () => {
    const fake = createFakeKioskApi(demoState())
    window.location.hash = '#/'
    const { wrapper } = mountWith(App, fake.api)
    await settle()
    expect(wrapper.find('[data-testid="demo-badge"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="qr-card"]').exists()).toBe(true)

    fake.emit('screen', leftState())
    await settle()
    expect(wrapper.find('[data-testid="demo-badge"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="qr-card"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="instruction"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="no-campaign"]').text()).toContain('尚未设置活动')
    expect(wrapper.get('[data-testid="kiosk-title"]').text()).toBe('欢迎签到')
    // No codes are needed without a campaign: an empty pool is no alarm.
    expect(wrapper.find('[data-testid="status-pool"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="status-quota"]').exists()).toBe(false)

    // A real campaign made active: its code comes back.
    fake.emit('campaign', makeCampaign())
    fake.emit('ticket', makeTicket(Date.now(), { id: 'real-1' }))
    await settle()
    expect(wrapper.find('[data-testid="no-campaign"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="qr-card"]').attributes('data-ticket-id')).toBe('real-1')
  })

  it('the admin area drops the demo banner and goes to the campaign page after setup', async () => {
    const fake = createFakeKioskApi(demoState())
    const demoSettings = {
      ...(await fake.api.getSettings()),
      demo: true,
      kioskId: 'demo',
      relayUrl: 'http://127.0.0.1:40000',
      activeCampaignId: 'demo',
    }
    fake.api.getSettings.mockResolvedValue(demoSettings)
    fake.api.saveSetup.mockImplementation(() => {
      fake.api.getSettings.mockResolvedValue({
        ...demoSettings,
        demo: false,
        kioskId: 'hall-b',
        relayUrl: 'https://relay.example.com',
        activeCampaignId: null,
      })
      fake.emit('screen', leftState())
      return Promise.resolve({ ok: true as const })
    })
    window.location.hash = '#/admin/setup'
    const { wrapper } = mountWith(AdminView, fake.api, { props: { page: 'setup' } })
    const stop = useScreenStore().start() // App.vue does this; it subscribes to the events
    onTestFinished(stop)
    useAdminSessionStore().unlocked = true
    await settle()
    expect(wrapper.find('[data-testid="admin-demo"]').exists()).toBe(true)
    expect(wrapper.find('.demo-note').exists()).toBe(true)
    // The demo's loopback relay is not offered as the real one.
    expect(wrapper.get<HTMLInputElement>('#relayUrl').element.value).toBe('')

    // A kiosk without a token opens on pairing; this one is set up with a typed token.
    await wrapper.get('input[name="mode"][value="token"]').setValue(true)
    await wrapper.get('#relayUrl').setValue('https://relay.example.com')
    await wrapper.get('#kioskId').setValue('hall-b')
    await wrapper.get('#relayToken').setValue('a-real-kiosk-token-0123456789')
    await wrapper.get('form').trigger('submit')
    await settle()
    expect(fake.api.saveSetup).toHaveBeenCalledTimes(1)
    expect(window.location.hash).toBe('#/admin/campaign')
    await wrapper.setProps({ page: 'campaign' }) // what App.vue's hash route passes down
    await settle()
    expect(wrapper.find('[data-testid="admin-page-campaign"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="admin-demo"]').exists()).toBe(false)
    expect(wrapper.find('.demo-note').exists()).toBe(false)
    expect(wrapper.get('[data-testid="no-active-campaign"]').text()).toContain('没有当前活动')
  })

  it('the admin area opens on the campaign page while none is active, and stays there', async () => {
    const fake = createFakeKioskApi(leftState())
    window.location.hash = '#/admin'
    mountWith(AdminView, fake.api, { props: { page: null } })
    const stop = useScreenStore().start()
    onTestFinished(stop)
    useAdminSessionStore().unlocked = true
    await settle()
    expect(window.location.hash).toBe('#/admin/campaign')
  })

  it('the campaign page makes the first campaign saved with none active the active one', async () => {
    const fake = createFakeKioskApi(leftState())
    fake.api.listCampaigns.mockResolvedValue([])
    const { wrapper } = mountWith(CampaignPage, fake.api)
    useScreenStore().campaign = null
    await settle()
    await wrapper.get('#c-name').setValue('Expo 2026')
    await wrapper.get('[data-testid="campaign-editor"]').trigger('submit')
    await settle()
    expect(fake.api.saveCampaign).toHaveBeenCalledTimes(1)
    const [saved] = fake.api.saveCampaign.mock.calls[0] as unknown as [{ id: string }]
    expect(fake.api.activateCampaign).toHaveBeenCalledWith({ id: saved.id })
    expect(wrapper.text()).toContain('活动已保存并设为当前活动')
  })
})
