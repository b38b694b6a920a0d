// @vitest-environment happy-dom
// The booth's fallback code on the kiosk screen (a discreet tag, no countdown, never timed out)
// and in diagnostics (whether the booth has it, and when it was last on screen).
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import App from '../../renderer/src/App.vue'
import DiagnosticsPage from '../../renderer/src/admin/pages/DiagnosticsPage.vue'
import { useScreenStore } from '../../renderer/src/stores/screen'
import { createFakeKioskApi, makeScreenState, makeStatus, makeTicket } from './fake-kiosk-api'
import { mountWith } from './setup-app'

vi.mock('../../renderer/src/audio/chimes', () => ({ playChime: vi.fn(), preloadChimes: vi.fn() }))

enableAutoUnmount(afterEach)

const T0 = new Date('2025-05-01T09:00:00Z').getTime()

const fallbackTicket = () =>
  makeTicket(T0 - 86_400_000, {
    id: 'fallback-1',
    url: 'http://weixin.qq.com/q/fallback0001',
    scene: 'booth-1:fallback',
    expiresAt: Number.MAX_SAFE_INTEGER,
    rotateAt: Number.MAX_SAFE_INTEGER,
    fallback: true,
  })

describe('kiosk screen with the fallback code', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('shows it with a discreet tag and no countdown, for as long as it is up', async () => {
    const fake = createFakeKioskApi(makeScreenState(T0, { ticket: fallbackTicket() }))
    window.location.hash = '#/'
    const { wrapper } = mountWith(App, fake.api)
    await flushPromises()
    const card = wrapper.get('[data-testid="qr-card"]')
    expect(card.attributes('data-ticket-id')).toBe('fallback-1')
    expect(wrapper.get('[data-testid="fallback-tag"]').text()).toBe('◆ 备用码')
    expect(wrapper.find('.ring').exists()).toBe(false)
    expect(wrapper.get('[data-testid="instruction"]').text()).toContain('微信扫一扫 签到')

    vi.advanceTimersByTime(3_600_000)
    await flushPromises()
    expect(useScreenStore().visibleTicket?.id).toBe('fallback-1')

    // The pool refilled: a per-visitor code replaces it, tag gone, countdown back.
    fake.emit('ticket', makeTicket(Date.now(), { id: 'fresh' }))
    await flushPromises()
    expect(wrapper.get('[data-testid="qr-card"]').attributes('data-ticket-id')).toBe('fresh')
    expect(wrapper.find('[data-testid="fallback-tag"]').exists()).toBe(false)
    expect(wrapper.find('.ring').exists()).toBe(true)
  })

  it('tags it in English too', async () => {
    const fake = createFakeKioskApi(
      makeScreenState(T0, { ticket: fallbackTicket(), locale: 'en', status: makeStatus() }),
    )
    window.location.hash = '#/'
    const { wrapper } = mountWith(App, fake.api)
    await flushPromises()
    expect(wrapper.get('[data-testid="fallback-tag"]').text()).toBe('◆ fallback')
  })
})

describe('diagnostics page', () => {
  it('says whether the booth has its fallback code and when it was last shown', async () => {
    const fake = createFakeKioskApi()
    const { wrapper, i18n } = mountWith(DiagnosticsPage, fake.api)
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(wrapper.get('[data-fact="fallbackCode"]').text()).toBe('Ready (booth-1:fallback)')
    expect(wrapper.get('[data-fact="fallbackLastShown"]').text()).toBe('Never')

    const base = await fake.api.getDiagnostics()
    fake.api.getDiagnostics.mockResolvedValue({
      ...base,
      fallbackCode: { ...base.fallbackCode, onScreen: true, lastShownAt: T0 },
    })
    await wrapper.get('button').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-fact="fallbackLastShown"]').text()).toBe('On screen now')

    fake.api.getDiagnostics.mockResolvedValue({
      ...base,
      fallbackCode: {
        ...base.fallbackCode,
        state: 'pending',
        scene: null,
        url: null,
        createdAt: null,
        lastError: { code: 'unreachable', params: {} },
      },
    })
    await wrapper.get('button').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-fact="fallbackCode"]').text()).toMatch(
      /^Not created yet, retrying \(/,
    )
  })
})
