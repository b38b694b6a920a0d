// @vitest-environment happy-dom
// The kiosk's big screen: the admin area offers "二维码 / 签到墙 / 抽奖" only when the relay
// campaign has screens and saves the choice; the kiosk screen then shows the relay's page in a
// sandboxed iframe under a shield, and the admin gestures still open the PIN pad over it.
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import App from '../../renderer/src/App.vue'
import SettingsPage from '../../renderer/src/admin/pages/SettingsPage.vue'
import { LONG_PRESS_MS } from '../../renderer/src/composables/use-admin-entry'
import { createFakeKioskApi, makeScreenState, makeStatus } from './fake-kiosk-api'
import { mountWith } from './setup-app'

enableAutoUnmount(afterEach)

const WALL = 'https://relay.example.com/screen/spring-expo/wall?key=k3yK3yk3yK3yk3yK3yk3yK3y'

describe('big screen choice (admin area)', () => {
  it('is not offered while the kiosk has no relay campaign with screens', async () => {
    const fake = createFakeKioskApi()
    const { wrapper } = mountWith(SettingsPage, fake.api)
    await flushPromises()
    expect(wrapper.find('[data-testid="big-screen"]').exists()).toBe(false)
  })

  it('offers 二维码 / 签到墙 / 抽奖, saves the choice and shows the saved one', async () => {
    const fake = createFakeKioskApi()
    let saved: 'qr' | 'wall' | 'draw' = 'qr'
    const base = await fake.api.getSettings()
    fake.api.getSettings.mockImplementation(() =>
      Promise.resolve({ ...base, bigScreenAvailable: true, bigScreen: saved }),
    )
    fake.api.setBigScreen.mockImplementation(({ screen }) => {
      saved = screen
      return Promise.resolve({ ok: true as const })
    })
    const { wrapper } = mountWith(SettingsPage, fake.api)
    await flushPromises()
    const group = wrapper.get('[data-testid="big-screen"]')
    expect(group.text()).toContain('大屏')
    const buttons = group.findAll('[role="radio"]').map((b) => b.text())
    expect(buttons).toEqual(['二维码', '签到墙', '抽奖台'])
    expect(wrapper.get('[data-testid="big-screen-qr"]').attributes('aria-checked')).toBe('true')

    await wrapper.get('[data-testid="big-screen-draw"]').trigger('click')
    await flushPromises()
    expect(fake.api.setBigScreen).toHaveBeenCalledWith({ screen: 'draw' })
    expect(wrapper.get('[data-testid="big-screen-draw"]').attributes('aria-checked')).toBe('true')
    expect(wrapper.get('[data-testid="big-screen-qr"]').attributes('aria-checked')).toBe('false')
    // The admin area never shows the page's URL (it holds the screen key).
    expect(wrapper.html()).not.toContain('key=')
  })
})

describe('big screen on the kiosk screen', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  /**
   * happy-dom fires `hashchange` from a real timer of its own, so one flushPromises may run
   * before the route follows the hash: wait for the event itself.
   */
  async function navigate(hash: string): Promise<void> {
    if (window.location.hash === hash) return
    const changed = new Promise<void>((resolve) =>
      window.addEventListener('hashchange', () => resolve(), { once: true }),
    )
    window.location.hash = hash
    await changed
    await flushPromises()
  }

  async function mountScreen() {
    const state = makeScreenState(Date.now(), { bigScreen: { kind: 'wall', url: WALL } })
    const fake = createFakeKioskApi(state)
    window.location.hash = '#/'
    const { wrapper } = mountWith(App, fake.api)
    await flushPromises()
    return { fake, wrapper }
  }

  it('shows the relay page full-screen in a sandboxed iframe, no QR code', async () => {
    const { wrapper } = await mountScreen()
    const frame = wrapper.get('[data-testid="big-screen-frame"]')
    expect(frame.element.tagName).toBe('IFRAME')
    expect(frame.attributes('src')).toBe(WALL)
    expect(frame.attributes('sandbox')).toBe('allow-scripts allow-same-origin')
    expect(frame.attributes('referrerpolicy')).toBe('no-referrer')
    expect(frame.attributes('tabindex')).toBe('-1')
    expect(wrapper.find('[data-testid="qr-card"]').exists()).toBe(false)
    // The key is in the iframe's src and nowhere else on the page.
    const withoutFrame = wrapper.html().replace(frame.html(), '')
    expect(withoutFrame).not.toContain('key=')
  })

  it('opens the PIN pad with a long press on the corner and with Ctrl+Shift+A', async () => {
    const { wrapper } = await mountScreen()
    await wrapper.get('[data-testid="big-screen-corner"]').trigger('pointerdown')
    vi.advanceTimersByTime(LONG_PRESS_MS)
    await flushPromises()
    expect(window.location.hash).toBe('#/admin')

    await navigate('#/')
    expect(wrapper.find('[data-testid="big-screen-frame"]').exists()).toBe(true)
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'A', ctrlKey: true, shiftKey: true }))
    await flushPromises()
    expect(window.location.hash).toBe('#/admin')
  })

  it('opens no browser menu on a long press over the relay page', async () => {
    const { wrapper } = await mountScreen()
    for (const part of ['.big-shield', '[data-testid="big-screen-corner"]']) {
      const press = new MouseEvent('contextmenu', { bubbles: true, cancelable: true })
      wrapper.get(part).element.dispatchEvent(press)
      expect(press.defaultPrevented, part).toBe(true)
    }
  })

  it('loads the page again when the link comes back only if it last loaded with the link down (or just before it was noticed)', async () => {
    const { fake, wrapper } = await mountScreen()
    const frame = () => wrapper.get('[data-testid="big-screen-frame"]').element
    const blip = async () => {
      fake.emit('status', makeStatus({ relay: { state: 'reconnecting' } }))
      await flushPromises()
      fake.emit('status', makeStatus())
      await flushPromises()
    }
    // Loaded with the link up: a Wi-Fi blip leaves the page alone (it catches up by itself;
    // loading it again on a flaky link could swap a working wall for an error page).
    const first = frame()
    await wrapper.get('[data-testid="big-screen-frame"]').trigger('load')
    vi.advanceTimersByTime(30_000)
    await blip()
    expect(frame()).toBe(first)

    // Loaded seconds before the kiosk noticed the link down (it takes up to two heartbeats):
    // that load may have failed too, so it is loaded again.
    await wrapper.get('[data-testid="big-screen-frame"]').trigger('load')
    vi.advanceTimersByTime(5_000)
    await blip()
    const reloaded = frame()
    expect(reloaded).not.toBe(first)

    // Loaded while the link was down (most likely the browser's error page): loaded again.
    fake.emit('status', makeStatus({ relay: { state: 'reconnecting' } }))
    await flushPromises()
    await wrapper.get('[data-testid="big-screen-frame"]').trigger('load')
    fake.emit('status', makeStatus())
    await flushPromises()
    const second = frame()
    expect(second).not.toBe(reloaded)
    expect(second.getAttribute('src')).toBe(WALL)
  })

  it('covers a page loaded while the link was down with a calm note, gone once it is back', async () => {
    const { fake, wrapper } = await mountScreen()
    const note = () => wrapper.find('[data-testid="big-screen-waiting"]')
    await wrapper.get('[data-testid="big-screen-frame"]').trigger('load')
    expect(note().exists()).toBe(false)

    // Chosen, or the kiosk started, with the relay out of reach: the browser's error page
    // would fill the room's screen.
    fake.emit('status', makeStatus({ relay: { state: 'reconnecting' } }))
    await flushPromises()
    await wrapper.get('[data-testid="big-screen-frame"]').trigger('load')
    expect(note().text()).toBe('大屏正在等待连接中继，连接恢复后自动显示。')
    // The admin gestures still reach the kiosk under it.
    expect(wrapper.find('[data-testid="big-screen-corner"]').exists()).toBe(true)

    fake.emit('status', makeStatus())
    await flushPromises()
    expect(note().exists()).toBe(false)
  })

  it('goes back to the code when the core says the big screen is off', async () => {
    const { fake, wrapper } = await mountScreen()
    fake.emit('screen', makeScreenState(Date.now()))
    await flushPromises()
    expect(wrapper.find('[data-testid="big-screen-frame"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="qr-card"]').exists()).toBe(true)
  })
})
