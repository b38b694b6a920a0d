// @vitest-environment happy-dom
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { playChime, preloadChimes } from '../../renderer/src/audio/chimes'
import App from '../../renderer/src/App.vue'
import { EXPIRY_MARGIN_MS, useScreenStore } from '../../renderer/src/stores/screen'
import { GREETING_BUSY_MS } from '../../renderer/src/stores/greetings'
import { LINK_ANSWER_WAIT_MS } from '../../renderer/src/kiosk/status-view'
import {
  createFakeKioskApi,
  makeCampaign,
  makeGreeting,
  makeScreenState,
  makeStatus,
  makeTicket,
} from './fake-kiosk-api'
import { mountWith } from './setup-app'

vi.mock('../../renderer/src/audio/chimes', () => ({ playChime: vi.fn(), preloadChimes: vi.fn() }))

enableAutoUnmount(afterEach)

const T0 = new Date('2025-05-01T09:00:00Z').getTime()

/** `transitions`: Vue's transitions run (in happy-dom, with no CSS, each ends the next frame). */
async function mountScreen(state = makeScreenState(T0), { transitions = false } = {}) {
  const fake = createFakeKioskApi(state)
  window.location.hash = '#/'
  // The whole app, as main.ts mounts it: it subscribes to the core's events itself.
  const { wrapper, i18n } = mountWith(App, fake.api, {
    global: { stubs: { transition: !transitions } },
  })
  await flushPromises()
  return { fake, wrapper, i18n, screen: useScreenStore() }
}

describe('kiosk screen', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 })
    vi.mocked(playChime).mockClear()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('shows the ticket, title and instruction in Chinese first', async () => {
    const { wrapper } = await mountScreen()
    expect(wrapper.get('[data-testid="kiosk-title"]').text()).toBe('春季博览会')
    expect(wrapper.get('[data-testid="instruction"]').text()).toContain('微信扫一扫 签到')
    expect(wrapper.get('[data-testid="qr-card"]').attributes('data-ticket-id')).toBe('t-1')
  })

  it('never shows a ticket at or past its expiry, and says a new code is coming', async () => {
    const ticket = makeTicket(T0, { expiresAt: T0 + 20_000, rotateAt: T0 + 60_000 })
    const { wrapper, screen } = await mountScreen(makeScreenState(T0, { ticket }))
    expect(wrapper.find('[data-testid="qr-card"]').exists()).toBe(true)

    vi.advanceTimersByTime(20_000 - EXPIRY_MARGIN_MS)
    await flushPromises()
    expect(screen.visibleTicket).toBeNull()
    expect(wrapper.find('[data-testid="qr-card"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="qr-preparing"]').text()).toContain('正在准备新的二维码')

    vi.advanceTimersByTime(60_000)
    await flushPromises()
    expect(wrapper.find('[data-testid="qr-card"]').exists()).toBe(false)
  })

  it('does not show a ticket that arrives already expired', async () => {
    const { wrapper, fake } = await mountScreen(makeScreenState(T0, { ticket: null }))
    fake.emit('ticket', makeTicket(T0 - 700_000, { id: 'stale' }))
    await flushPromises()
    expect(wrapper.find('[data-testid="qr-card"]').exists()).toBe(false)
    fake.emit('ticket', makeTicket(T0, { id: 'fresh' }))
    await flushPromises()
    expect(wrapper.get('[data-testid="qr-card"]').attributes('data-ticket-id')).toBe('fresh')
  })

  it('counts the ring down to the rotation time', async () => {
    const { wrapper } = await mountScreen()
    expect(wrapper.get('.ring .seconds').text()).toBe('60')
    vi.advanceTimersByTime(15_000)
    await flushPromises()
    expect(wrapper.get('.ring .seconds').text()).toBe('45')
  })

  it('names the guest a desk-mode code belongs to', async () => {
    const ticket = makeTicket(T0, { rosterEntry: { id: 'r1', name: '王小明' } })
    const { wrapper } = await mountScreen(makeScreenState(T0, { ticket }))
    expect(wrapper.get('[data-testid="instruction"]').text()).toContain('王小明，请扫码签到')
  })

  it('shows greetings one after another, with the chime of each kind', async () => {
    vi.mocked(preloadChimes).mockClear()
    const { wrapper, fake } = await mountScreen(undefined, { transitions: true })
    // The chimes are fetched while the screen waits, not on the first greeting.
    expect(preloadChimes).toHaveBeenCalledTimes(1)
    fake.emit(
      'greeting',
      makeGreeting(1, {
        kind: 'named',
        name: '李雷',
        texts: { 'zh-CN': '李雷，欢迎！', en: 'Welcome, Li Lei!' },
      }),
    )
    fake.emit('greeting', makeGreeting(2, { kind: 'welcome-back' }))
    await flushPromises()
    const first = wrapper.get('[data-testid="greeting"]')
    expect(first.attributes('data-kind')).toBe('named')
    expect(first.get('[data-testid="greeting-text"]').text()).toBe('李雷，欢迎！')
    expect(first.get('[data-testid="greeting-number"]').text()).toContain('1')
    expect(playChime).toHaveBeenLastCalledWith('named')

    // Its fade-in ends on the next frame here; its 2.5 s (another waits) count from then, not
    // from when it was put up.
    vi.advanceTimersByTime(100)
    await flushPromises()
    vi.advanceTimersByTime(GREETING_BUSY_MS - 100)
    await flushPromises()
    expect(wrapper.get('[data-testid="greeting"]').attributes('data-kind')).toBe('named')
    expect(fake.api.greetingShown).not.toHaveBeenCalled()
    vi.advanceTimersByTime(200)
    await flushPromises()
    expect(fake.api.greetingShown).toHaveBeenCalledWith({ eventId: 'ev-1' })
    // The next frame, it has faded out.
    vi.advanceTimersByTime(100)
    await flushPromises()
    expect(wrapper.get('[data-testid="greeting"]').attributes('data-kind')).toBe('welcome-back')
    expect(playChime).toHaveBeenLastCalledWith('welcome-back')
  })

  it('isolates a right-to-left name in the greeting, so the number after it stays after it', async () => {
    // "Welcome, ئەخمەت قادىر! #12" in one run: the "! #12" after an Arabic-script name took its
    // direction and showed as "Welcome, 12# !ئەخمەت قادىر".
    const { wrapper, fake } = await mountScreen()
    const name = 'ئەخمەت قادىر'
    fake.emit(
      'greeting',
      makeGreeting(12, {
        kind: 'named',
        name,
        texts: { 'zh-CN': `${name} #12，${name}`, en: `Welcome, ${name}! #12` },
        numberInText: { 'zh-CN': true, en: true },
      }),
    )
    await flushPromises()
    const text = wrapper.get('[data-testid="greeting-text"]')
    expect(text.text()).toBe(`${name} #12，${name}`)
    expect(text.findAll('bdi').map((b) => b.text())).toEqual([name, name])
    fake.emit('locale', 'en')
    await flushPromises()
    expect(text.text()).toBe(`Welcome, ${name}! #12`)
    expect(text.findAll('bdi').map((b) => b.text())).toEqual([name])
  })

  it('leaves out the number line when the greeting itself says the number, per language', async () => {
    const { wrapper, fake } = await mountScreen()
    fake.emit(
      'greeting',
      makeGreeting(12, {
        kind: 'welcome-back',
        texts: { 'zh-CN': '欢迎回来！第 12 位签到', en: 'Welcome back!' },
        numberInText: { 'zh-CN': true, en: false },
      }),
    )
    await flushPromises()
    expect(wrapper.get('[data-testid="greeting-text"]').text()).toBe('欢迎回来！第 12 位签到')
    expect(wrapper.find('[data-testid="greeting-number"]').exists()).toBe(false)
    // The English text has no number: there the line says it.
    fake.emit('locale', 'en')
    await flushPromises()
    expect(wrapper.get('[data-testid="greeting-text"]').text()).toBe('Welcome back!')
    expect(wrapper.get('[data-testid="greeting-number"]').text()).toBe('Check-in no. 12')
  })

  it('leaves out the small label when the greeting opens with its words', async () => {
    const { wrapper, fake } = await mountScreen(undefined, { transitions: true })
    fake.emit(
      'greeting',
      makeGreeting(2, {
        kind: 'welcome-back',
        texts: { 'zh-CN': '欢迎回来！您的签到号是 2', en: 'welcome back, friend' },
      }),
    )
    await flushPromises()
    const card = () => wrapper.get('[data-testid="greeting"]').text()
    expect(wrapper.get('[data-testid="greeting-text"]').text()).toBe('欢迎回来！您的签到号是 2')
    // The screen says 欢迎回来 once, in the greeting.
    expect(card().split('欢迎回来').length - 1).toBe(1)
    expect(wrapper.find('[data-testid="greeting-kind"]').exists()).toBe(false)
    // In any case of letters, in English too.
    fake.emit('locale', 'en')
    await flushPromises()
    expect(card().toLowerCase().split('welcome back').length - 1).toBe(1)
    // A greeting that opens otherwise keeps its label.
    fake.emit(
      'greeting',
      makeGreeting(3, { kind: 'welcome-back', texts: { 'zh-CN': '又见面了', en: 'Hello again' } }),
    )
    // The frames of the fade-ins, and the promises after them, run as time passes.
    await vi.advanceTimersByTimeAsync(4_000)
    await flushPromises()
    expect(wrapper.get('[data-testid="greeting-kind"]').text()).toBe('Welcome back')
  })

  it('switches to English when the core says so, greeting included', async () => {
    const { wrapper, fake } = await mountScreen()
    fake.emit('locale', 'en')
    fake.emit('greeting', makeGreeting(3))
    await flushPromises()
    expect(wrapper.get('[data-testid="instruction"]').text()).toContain(
      'Scan with WeChat to check in',
    )
    expect(wrapper.get('[data-testid="greeting-text"]').text()).toBe('Welcome, visitor 3')
    expect(wrapper.get('[data-testid="greeting-number"]').text()).toBe('Check-in no. 3')
    expect(document.documentElement.lang).toBe('en')
  })

  it('tells staff that scans are still collected while the relay is away', async () => {
    const { wrapper, fake } = await mountScreen()
    expect(wrapper.find('[data-testid="offline-banner"]').exists()).toBe(false)
    fake.emit(
      'status',
      makeStatus({ relay: { state: 'reconnecting', since: T0, retryAt: T0 + 8_000 } }),
    )
    await flushPromises()
    expect(wrapper.get('[data-testid="offline-banner"]').text()).toContain('扫码仍在后台收集')
    expect(wrapper.get('[data-testid="status-relay"]').text()).toContain('8 秒后重试')
    // A reconnect attempt in progress is still offline: the banner must not blink.
    fake.emit('status', makeStatus({ relay: { state: 'connecting', since: T0 + 8_000 } }))
    await flushPromises()
    expect(wrapper.find('[data-testid="offline-banner"]').exists()).toBe(true)
    fake.emit('status', makeStatus())
    await flushPromises()
    vi.advanceTimersByTime(1_000)
    await flushPromises()
    expect(wrapper.find('[data-testid="offline-banner"]').exists()).toBe(false)
  })

  it('says the page key is no longer valid once the kiosk restarted under it (web mode)', async () => {
    const { wrapper, fake } = await mountScreen()
    expect(wrapper.find('[data-testid="page-key-rejected"]').exists()).toBe(false)
    // `kiosk web` started again: a new key, and this page gets no events any more (no new
    // codes, no greetings). Its periodic re-read is refused.
    fake.api.getScreenState.mockRejectedValue(
      Object.assign(new Error('rejected'), { code: 'web_key_rejected' }),
    )
    vi.advanceTimersByTime(60_000)
    await flushPromises()
    const notice = wrapper.get('[data-testid="page-key-rejected"]')
    expect(notice.attributes('role')).toBe('alert')
    expect(notice.text()).toContain(
      '页面密钥已失效（签到程序可能已重启），请打开终端中显示的新地址',
    )
    fake.emit('locale', 'en')
    await flushPromises()
    expect(wrapper.get('[data-testid="page-key-rejected"]').text()).toContain(
      "This page's key is no longer valid",
    )
  })

  it('names a link failure staff must act on instead of "scans still collected"', async () => {
    const { wrapper, fake } = await mountScreen()
    const banner = () => wrapper.find('[data-testid="offline-banner"]')
    // A revoked token: the relay closes the link and the kiosk keeps trying.
    const revoked = { code: 'revoked', params: {} }
    fake.emit(
      'status',
      makeStatus({
        relay: { state: 'reconnecting', since: T0, retryAt: T0 + 8_000, lastError: revoked },
      }),
    )
    await flushPromises()
    expect(banner().text()).toContain('令牌已被撤销')
    expect(banner().text()).not.toContain('扫码仍在后台收集')
    // A full disk while connected: nothing is being stored, so the banner is up too.
    const full = { code: 'store_failed', params: {} }
    fake.emit('status', makeStatus({ relay: { lastError: full } }))
    await flushPromises()
    expect(banner().text()).toContain('磁盘')
    fake.emit('locale', 'en')
    await flushPromises()
    expect(banner().text()).toContain('disk')
    expect(banner().attributes('data-code')).toBe('store_failed')
    // A plain network loss keeps its words.
    fake.emit(
      'status',
      makeStatus({
        relay: {
          state: 'reconnecting',
          since: T0,
          retryAt: T0 + 8_000,
          lastError: { code: 'unreachable', params: {} },
        },
      }),
    )
    await flushPromises()
    expect(banner().text()).toContain('scans are still being collected')
    fake.emit('status', makeStatus())
    await flushPromises()
    vi.advanceTimersByTime(1_000)
    await flushPromises()
    expect(banner().exists()).toBe(false)
  })

  it('says when the kiosk is not set up instead of showing a code', async () => {
    const { wrapper } = await mountScreen(makeScreenState(T0, { configured: false, ticket: null }))
    expect(wrapper.find('[data-testid="not-configured"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="qr-card"]').exists()).toBe(false)
  })

  it('in desk mode with no guest picked, asks visitors to the desk instead of "preparing a new code"', async () => {
    const campaign = makeCampaign({ mode: 'desk' })
    const { wrapper, fake, i18n } = await mountScreen(
      makeScreenState(T0, { campaign, ticket: null }),
    )
    const waiting = () => wrapper.find('[data-testid="desk-waiting"]')
    expect(waiting().text()).toContain('请到前台签到')
    expect(wrapper.find('[data-testid="qr-preparing"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="instruction"]').exists()).toBe(false)

    // Staff pick a guest on the desk page: their code and name show.
    const guest = { id: 'r-1', name: '张三' }
    fake.emit('ticket', makeTicket(T0, { id: 'g-1', rosterEntry: guest }))
    await flushPromises()
    expect(waiting().exists()).toBe(false)
    expect(wrapper.get('[data-testid="qr-card"]').attributes('data-ticket-id')).toBe('g-1')
    expect(wrapper.get('[data-testid="instruction"]').text()).toContain('张三')

    // The guest's code goes (scanned): the desk notice again, in the UI's language.
    fake.emit('ticket', null)
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(waiting().text()).toContain('Please check in at the desk')
    expect(wrapper.find('[data-testid="qr-card"]').exists()).toBe(false)
  })

  it('opens the PIN pad on Ctrl+Shift+A or a 3-second press on the title, not a tap', async () => {
    const { wrapper } = await mountScreen()
    window.location.hash = '#/'
    const title = wrapper.get('[data-testid="kiosk-title"]')
    await title.trigger('pointerdown')
    vi.advanceTimersByTime(1_000)
    await title.trigger('pointerup')
    vi.advanceTimersByTime(5_000)
    expect(window.location.hash).toBe('#/')

    await title.trigger('pointerdown')
    vi.advanceTimersByTime(3_000)
    expect(window.location.hash).toBe('#/admin')

    window.location.hash = '#/'
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'A', ctrlKey: true, shiftKey: true }))
    expect(window.location.hash).toBe('#/admin')
    window.location.hash = '#/'
  })

  it('has no admin controls on the kiosk screen', async () => {
    const { wrapper } = await mountScreen()
    expect(wrapper.findAll('button')).toHaveLength(0)
    expect(wrapper.findAll('a')).toHaveLength(0)
    expect(wrapper.findAll('input')).toHaveLength(0)
  })
})

describe('kiosk screen: a relay that refuses the booth', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  const refusedStatus = (code: 'revoked' | 'unauthorized' | 'forbidden') =>
    makeStatus({
      relay: { state: 'reconnecting', retryAt: T0 + 20_000, lastError: { code, params: {} } },
    })

  it('with the token revoked or refused, sends visitors to staff instead of showing a code no scan of reaches the booth', async () => {
    // Proxy codes (made by the relay) and direct ones (made with the kiosk's own credentials)
    // alike: a scan goes to WeChat, then to the relay, which forwards nothing to this booth.
    for (const code of ['revoked', 'unauthorized', 'forbidden'] as const) {
      for (const source of ['proxy', 'direct'] as const) {
        const status = refusedStatus(code)
        status.api.source = source
        const { wrapper, i18n } = await mountScreen(makeScreenState(T0, { status }))
        expect(wrapper.find('[data-testid="qr-card"]').exists()).toBe(false)
        expect(wrapper.find('.ring').exists()).toBe(false)
        expect(wrapper.find('[data-testid="instruction"]').exists()).toBe(false)
        const paused = wrapper.get('[data-testid="scans-paused"]')
        expect(paused.text()).toContain('签到暂停')
        expect(paused.text()).toContain('请联系现场工作人员')
        // Staff still get the banner saying why and what to do.
        expect(wrapper.get('[data-testid="offline-banner"]').attributes('data-code')).toBe(code)
        i18n.global.locale.value = 'en'
        await flushPromises()
        expect(wrapper.get('[data-testid="scans-paused"]').text()).toContain('ask a staff member')
        wrapper.unmount()
      }
    }
  })

  it('shows the code again once the relay takes the booth back', async () => {
    const { wrapper, fake } = await mountScreen(
      makeScreenState(T0, { status: refusedStatus('revoked') }),
    )
    expect(wrapper.find('[data-testid="qr-card"]').exists()).toBe(false)
    fake.emit('status', makeStatus())
    await flushPromises()
    expect(wrapper.get('[data-testid="qr-card"]').attributes('data-ticket-id')).toBe('t-1')
    expect(wrapper.find('[data-testid="scans-paused"]').exists()).toBe(false)
  })

  it('shows no code at start until the link says whether the relay takes the booth', async () => {
    // A code from the pool stood on the screen for under a second after a start, until the
    // relay's refusal of a revoked token arrived and the screen paused.
    const connecting = makeStatus({ relay: { state: 'connecting', since: T0, lastError: null } })
    const { wrapper, fake } = await mountScreen(makeScreenState(T0, { status: connecting }))
    expect(wrapper.find('[data-testid="qr-card"]').exists()).toBe(false)
    expect(wrapper.find('.ring').exists()).toBe(false)
    expect(wrapper.find('[data-testid="instruction"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="link-pending"]').text()).toContain('正在连接')
    fake.emit('status', refusedStatus('revoked'))
    await flushPromises()
    expect(wrapper.find('[data-testid="qr-card"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="scans-paused"]').exists()).toBe(true)
    wrapper.unmount()

    // Welcomed: the code at once.
    const good = await mountScreen(makeScreenState(T0, { status: connecting }))
    good.fake.emit('status', makeStatus({ relay: { state: 'connected', since: T0 + 200 } }))
    await flushPromises()
    expect(good.wrapper.get('[data-testid="qr-card"]').attributes('data-ticket-id')).toBe('t-1')
    expect(good.wrapper.find('[data-testid="link-pending"]').exists()).toBe(false)
    good.wrapper.unmount()

    // The network failing (scans wait at the relay): the code at once too.
    const down = await mountScreen(makeScreenState(T0, { status: connecting }))
    down.fake.emit(
      'status',
      makeStatus({
        relay: { state: 'connecting', since: T0, lastError: { code: 'unreachable', params: {} } },
      }),
    )
    await flushPromises()
    expect(down.wrapper.find('[data-testid="qr-card"]').exists()).toBe(true)
    down.wrapper.unmount()

    // A relay that does not answer at all: the code after LINK_ANSWER_WAIT_MS, not never.
    const silent = await mountScreen(makeScreenState(T0, { status: connecting }))
    vi.advanceTimersByTime(LINK_ANSWER_WAIT_MS - 250)
    await flushPromises()
    expect(silent.wrapper.find('[data-testid="qr-card"]').exists()).toBe(false)
    vi.advanceTimersByTime(250)
    await flushPromises()
    expect(silent.wrapper.find('[data-testid="qr-card"]').exists()).toBe(true)
  })

  it('shows the code after LINK_ANSWER_WAIT_MS when every try closes without an answer', async () => {
    // A relay whose store is down closes each hello (1011) with no reason the link keeps: the
    // link stays 'connecting' with no error, its `since` starting again at every try, and the
    // booth went back to 正在连接 for the first 3 s of each.
    const attempt = (since: number) =>
      makeStatus({ relay: { state: 'connecting', since, lastError: null } })
    const { wrapper, fake } = await mountScreen(makeScreenState(T0, { status: attempt(T0) }))
    expect(wrapper.find('[data-testid="link-pending"]').exists()).toBe(true)
    const shown: boolean[] = []
    for (let s = 1; s <= 8; s++) {
      vi.advanceTimersByTime(1_000)
      fake.emit('status', attempt(T0 + s * 1_000))
      await flushPromises()
      shown.push(wrapper.find('[data-testid="qr-card"]').exists())
    }
    expect(shown).toEqual([false, false, true, true, true, true, true, true])
  })

  it('keeps the code for a network outage, a full disk and the demo', async () => {
    const cases = [
      makeScreenState(T0, {
        status: makeStatus({
          relay: { state: 'reconnecting', lastError: { code: 'unreachable', params: {} } },
        }),
      }),
      makeScreenState(T0, {
        status: makeStatus({
          relay: { state: 'reconnecting', lastError: { code: 'store_failed', params: {} } },
        }),
      }),
      makeScreenState(T0, { demo: true, status: refusedStatus('revoked') }),
    ]
    for (const state of cases) {
      const { wrapper } = await mountScreen(state)
      expect(wrapper.find('[data-testid="qr-card"]').exists()).toBe(true)
      expect(wrapper.find('[data-testid="scans-paused"]').exists()).toBe(false)
      wrapper.unmount()
    }
  })
})
