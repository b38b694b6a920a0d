// @vitest-environment happy-dom
// The console's pages against a fake API: sign-in with its translated errors and lockout wait,
// the booth list's states, adding a booth (code and QR), revoking only after a confirm.
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import App from '../../console/src/App.vue'
import { createConsoleApi } from '../../console/src/api/client'
import { ConsoleApiError } from '../../console/src/api/errors'
import AttendancePage from '../../console/src/pages/AttendancePage.vue'
import BoothsPage from '../../console/src/pages/BoothsPage.vue'
import SignInPage from '../../console/src/pages/SignInPage.vue'
import StatsPage from '../../console/src/pages/StatsPage.vue'
import { useCampaignsStore } from '../../console/src/stores/campaigns'
import { useScopeStore } from '../../console/src/stores/scope'
import { useStatsStore } from '../../console/src/stores/stats'
import { useLocaleStore } from '../../console/src/stores/locale'
import { useKiosksStore } from '../../console/src/stores/kiosks'
import { useSessionStore } from '../../console/src/stores/session'
import { CONSOLE_INPUT_KEY } from '../../console/src/composables/use-idle-sign-out'
import { newDraft } from '../../console/src/campaigns/campaign-form'
import { toCampaignSummary } from '../../console/src/api/campaign-contract'
import { keepDraft, readDraft } from '../../console/src/campaigns/saved-draft'
import {
  SESSION_IDLE_MS,
  normalizePairingCode,
  storeRefusalMessage,
  type ConsoleAttendancePage,
  type ConsoleKiosk,
} from '../../shared/console-api'
import {
  createFakeConsoleApi,
  makeCampaign,
  makeKiosk,
  makeRow,
  makeStats,
} from './fake-console-api'
import { formatDateTime } from '../../shared/format'
import { mountConsole } from './setup-console'

enableAutoUnmount(afterEach)

/** A three-day fair's days, as `GET /console/api/stats/days` lists them. */
const EXPO_DAYS = [
  { day: '2026-12-03', scans: 1, visitors: 1, newFollowers: 0 },
  { day: '2026-12-04', scans: 1203, visitors: 842, newFollowers: 1 },
  { day: '2026-12-05', scans: 2, visitors: 2, newFollowers: 0 },
]
afterEach(() => {
  vi.useRealTimers()
  localStorage.clear()
  sessionStorage.clear()
})

/** Unsaved edits of `organizer`'s, as the campaign editor keeps them in the tab. */
function keepEdits(organizer: string, campaignId: string | null = 'c-expo'): void {
  keepDraft(organizer, campaignId, { etag: '"v1"', draft: newDraft(), booths: [] })
}

/** The organizers whose unsaved edits the tab still holds. */
function draftsKept(): string[] {
  const keys = Array.from({ length: sessionStorage.length }, (_, i) => sessionStorage.key(i) ?? '')
  return keys
    .filter((k) => k.startsWith('scandesk.console.draft.'))
    .map((k) => k.split(':')[1] ?? '')
}

async function signIn(wrapper: ReturnType<typeof mountConsole>['wrapper'], name = 'alice') {
  await wrapper.get('#sign-in-name').setValue(name)
  await wrapper.get('#sign-in-password').setValue('pw')
  await wrapper.get('form').trigger('submit')
  await flushPromises()
}

describe('sign-in', () => {
  it('says a wrong name or password in Chinese first, then English', async () => {
    const fake = createFakeConsoleApi()
    fake.api.login.mockRejectedValue(new ConsoleApiError('unauthorized', 401))
    const { wrapper } = mountConsole(SignInPage, fake.api)
    await signIn(wrapper)
    expect(wrapper.get('[data-testid="sign-in-error"]').text()).toBe('账号或密码不正确')
    useLocaleStore().change('en')
    await flushPromises()
    expect(wrapper.get('[data-testid="sign-in-error"]').text()).toBe('Wrong name or password')
    expect(document.documentElement.lang).toBe('en')
  })

  it('shows the lockout wait counting down, and keeps the button off until it is over', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
    const fake = createFakeConsoleApi()
    fake.api.login.mockRejectedValueOnce(new ConsoleApiError('locked_out', 429, 3))
    const { wrapper } = mountConsole(SignInPage, fake.api)
    await signIn(wrapper)
    expect(wrapper.get('[data-testid="sign-in-error"]').text()).toBe(
      '失败次数过多，请在 3 秒后再试',
    )
    expect(wrapper.get('[data-testid="sign-in-submit"]').attributes('disabled')).toBeDefined()
    vi.advanceTimersByTime(1000)
    await flushPromises()
    expect(wrapper.get('[data-testid="sign-in-error"]').text()).toContain('2 秒')
    vi.advanceTimersByTime(2500)
    await flushPromises()
    expect(wrapper.find('[data-testid="sign-in-error"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="sign-in-submit"]').attributes('disabled')).toBeUndefined()
  })

  it('a lockout without Retry-After says "later", never a made-up number', async () => {
    const fake = createFakeConsoleApi()
    fake.api.login.mockRejectedValue(new ConsoleApiError('locked_out', 429, null))
    const { wrapper } = mountConsole(SignInPage, fake.api)
    await signIn(wrapper)
    expect(wrapper.get('[data-testid="sign-in-error"]').text()).toBe('失败次数过多，请稍后再试')
  })
})

describe('the app shell', () => {
  it('signs in, shows the organizer, and goes back to sign-in when a call gets a 401', async () => {
    const fake = createFakeConsoleApi()
    fake.api.session.mockResolvedValue(null)
    const { wrapper } = mountConsole(App, fake.api)
    await flushPromises()
    expect(wrapper.find('[data-testid="sign-in"]').exists()).toBe(true)
    expect(fake.streams()).toBe(0)
    await signIn(wrapper, 'bob')
    expect(wrapper.get('[data-testid="organizer-name"]').text()).toContain('bob')
    expect(fake.streams()).toBe(1)
    // The session ended on the relay: the next call's 401 lands on the session store.
    useSessionStore().expire()
    await flushPromises()
    expect(wrapper.find('[data-testid="sign-in"]').exists()).toBe(true)
    expect(wrapper.get('[data-testid="sign-in-error"]').text()).toBe('登录已失效，请重新登录')
    expect(fake.streams()).toBe(0)
  })

  it('a screen reader hears the page a nav link opened, through a region there before it', async () => {
    // The nav link keeps the focus and only the tab's title changed: a screen reader said
    // nothing of the page now shown (a title change is not read out).
    window.location.hash = '#/booths'
    const fake = createFakeConsoleApi()
    fake.api.session.mockResolvedValue(null)
    const { wrapper, i18n } = mountConsole(App, fake.api)
    await flushPromises()
    await signIn(wrapper, 'bob')
    const region = wrapper.get('[data-testid="page-news"]')
    expect(region.attributes('role')).toBe('status')
    // Nothing on the first page: its heading gets the focus when signing in.
    expect(region.text()).toBe('')
    const go = async (to: string): Promise<string> => {
      window.location.hash = to
      window.dispatchEvent(new HashChangeEvent('hashchange'))
      await flushPromises()
      expect(wrapper.get('[data-testid="page-news"]').element).toBe(region.element)
      return region.text()
    }
    expect(await go('#/attendance')).toBe('签到记录')
    expect(await go('#/campaigns')).toBe('活动')
    i18n.global.locale.value = 'en'
    expect(await go('#/booths')).toBe('Booths')
    window.location.hash = ''
  })

  // Switching 中文/EN re-translated the region's text in place, and a screen reader read the page
  // out again, as if a page had opened: the switch keeps the focus on the language button.
  it('a language switch does not say the page again', async () => {
    window.location.hash = '#/booths'
    onTestFinished(() => void (window.location.hash = ''))
    const fake = createFakeConsoleApi()
    fake.api.session.mockResolvedValue(null)
    const { wrapper } = mountConsole(App, fake.api)
    await flushPromises()
    await signIn(wrapper, 'bob')
    window.location.hash = '#/attendance'
    window.dispatchEvent(new HashChangeEvent('hashchange'))
    await flushPromises()
    const region = wrapper.get('[data-testid="page-news"]')
    expect(region.text()).toBe('签到记录')
    useLocaleStore().change('en')
    await flushPromises()
    expect(wrapper.get('[data-testid="page-news"]').element).toBe(region.element)
    expect(region.text()).toBe('')
    // The next page opened is said in the language chosen.
    window.location.hash = '#/booths'
    window.dispatchEvent(new HashChangeEvent('hashchange'))
    await flushPromises()
    expect(region.text()).toBe('Booths')
  })

  // A campaign opened from another page (a booth's campaign link) was said as "活动", the list's
  // name, while the page shows that campaign's editor; opened from the list, nothing was said.
  it("a screen reader hears the opened campaign's name, not the campaigns list's", async () => {
    window.location.hash = '#/booths'
    onTestFinished(() => void (window.location.hash = ''))
    const fake = createFakeConsoleApi()
    fake.api.session.mockResolvedValue(null)
    fake.api.campaigns.mockResolvedValue([
      toCampaignSummary(makeCampaign({ id: 'c-expo', name: '春季展会' })),
    ])
    const { wrapper } = mountConsole(App, fake.api)
    await flushPromises()
    await signIn(wrapper, 'bob')
    const region = wrapper.get('[data-testid="page-news"]')
    const go = async (to: string): Promise<string> => {
      window.location.hash = to
      window.dispatchEvent(new HashChangeEvent('hashchange'))
      await flushPromises()
      return region.text()
    }
    expect(await go('#/campaigns/c-expo')).toBe('春季展会')
    expect(await go('#/campaigns')).toBe('活动')
    expect(await go('#/campaigns/new')).toBe('新建活动')
    // Saved, the new campaign's form goes on under its id, and says so itself.
    expect(await go('#/campaigns/c-expo')).toBe('')
    expect(await go('#/attendance')).toBe('签到记录')
    expect(await go('#/campaigns/c-expo')).toBe('春季展会')
  })

  it('a session found over when the event stream ends says so on the sign-in page', async () => {
    const fake = createFakeConsoleApi()
    fake.api.session.mockResolvedValue(null)
    const { wrapper } = mountConsole(App, fake.api)
    await flushPromises()
    await signIn(wrapper, 'bob')
    expect(fake.streams()).toBe(1)
    // The relay ended the stream (the session is over); the check that follows finds nobody.
    fake.closeStream()
    await flushPromises()
    expect(wrapper.find('[data-testid="sign-in"]').exists()).toBe(true)
    expect(wrapper.get('[data-testid="sign-in-error"]').text()).toBe('登录已失效，请重新登录')
  })

  it('signing out tells the relay and closes the event stream', async () => {
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(App, fake.api)
    await flushPromises()
    await wrapper.get('[data-testid="sign-out"]').trigger('click')
    await flushPromises()
    expect(fake.api.logout).toHaveBeenCalledTimes(1)
    expect(fake.streams()).toBe(0)
    expect(wrapper.find('[data-testid="sign-in-error"]').exists()).toBe(false)
  })

  // A shared laptop: the organizer's unsaved campaign edits stayed in the tab after they signed
  // out, for whoever used it next (its devtools, or the same shared account's editor).
  it('signing out leaves nothing of the organizer in the tab: no unsaved edits', async () => {
    const fake = createFakeConsoleApi()
    fake.api.logout.mockRejectedValueOnce(new ConsoleApiError('network', 0))
    const { wrapper } = mountConsole(App, fake.api)
    await flushPromises()
    keepEdits('alice')
    keepEdits('alice', null)
    useLocaleStore().change('en')
    // Not signed out (the relay did not hear it): the edits stay theirs.
    await wrapper.get('[data-testid="sign-out"]').trigger('click')
    await flushPromises()
    expect(draftsKept()).toEqual(['alice', 'alice'])
    await wrapper.get('[data-testid="sign-out"]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="sign-in"]').exists()).toBe(true)
    expect(sessionStorage.length).toBe(0)
    // Kept: the language chosen on this laptop; nothing that names or belongs to an organizer.
    const kept = Array.from({ length: localStorage.length }, (_, i) => localStorage.key(i))
    expect(kept).toEqual(['scandesk.console.locale'])
  })

  it('an expired session keeps the edits for the same organizer; another signing in drops them', async () => {
    const fake = createFakeConsoleApi()
    fake.api.session.mockResolvedValue(null)
    const { wrapper } = mountConsole(App, fake.api)
    await flushPromises()
    await signIn(wrapper, 'alice')
    keepEdits('alice')
    fake.closeStream()
    await flushPromises()
    expect(wrapper.find('[data-testid="sign-in"]').exists()).toBe(true)
    // The sign-in page says the edits were not saved and are not lost either.
    expect(wrapper.get('[data-testid="sign-in-error"]').text()).toBe(
      '登录已失效。你未保存的活动修改仍保留在本页（尚未保存）：重新登录后即可恢复并保存',
    )
    // What the drafts are for: the session ran out mid-edit, the organizer signs in again.
    await signIn(wrapper, 'alice')
    expect(readDraft('alice', 'c-expo')).not.toBeNull()
    fake.closeStream()
    await flushPromises()
    await signIn(wrapper, 'bob')
    expect(draftsKept()).toEqual([])
  })

  it('a sign-out that does not reach the relay says so and stays signed in, until one does', async () => {
    // Bad Wi-Fi at the booth: the relay never ended the session and only it can clear the
    // HttpOnly cookie. Shown signed out, the shared laptop's next user would reload into it.
    const fake = createFakeConsoleApi()
    fake.api.logout.mockRejectedValueOnce(new ConsoleApiError('network', 0))
    const { wrapper } = mountConsole(App, fake.api)
    await flushPromises()
    await wrapper.get('[data-testid="sign-out"]').trigger('click')
    await flushPromises()
    expect(fake.api.logout).toHaveBeenCalledTimes(1)
    expect(wrapper.find('[data-testid="sign-in"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="organizer-name"]').text()).toContain('alice')
    expect(wrapper.get('[data-testid="sign-out-error"]').text()).toBe(
      '未能退出登录：无法连接中继服务器，请检查网络。此电脑仍处于登录状态，请重试',
    )
    expect(fake.streams()).toBe(1)

    await wrapper.get('[data-testid="sign-out"]').trigger('click')
    await flushPromises()
    expect(fake.api.logout).toHaveBeenCalledTimes(2)
    expect(wrapper.find('[data-testid="sign-in"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="sign-in-error"]').exists()).toBe(false)
    expect(fake.streams()).toBe(0)
  })

  it('a page restored by the back button asks the relay whether its session is still live', async () => {
    // Left on a shared laptop for another site, the console's page stays in the browser's
    // back/forward cache; the back button brings it back as it was, without loading.
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(App, fake.api, { attachTo: document.body })
    await flushPromises()
    expect(wrapper.get('[data-testid="organizer-name"]').text()).toContain('alice')
    const checks = fake.api.session.mock.calls.length
    fake.api.session.mockResolvedValue(null)
    // happy-dom's PageTransitionEvent has no `persisted`: the browser's is set here.
    const pageShow = (persisted: boolean) =>
      Object.defineProperty(new Event('pageshow'), 'persisted', { value: persisted })
    // A plain pageshow (the first load) asks nothing more.
    globalThis.dispatchEvent(pageShow(false))
    await flushPromises()
    expect(fake.api.session).toHaveBeenCalledTimes(checks)
    globalThis.dispatchEvent(pageShow(true))
    await flushPromises()
    expect(fake.api.session).toHaveBeenCalledTimes(checks + 1)
    expect(wrapper.find('[data-testid="sign-in"]').exists()).toBe(true)
    expect(wrapper.get('[data-testid="sign-in-error"]').text()).toBe('登录已失效，请重新登录')
    wrapper.unmount()
  })

  // Left on a shared laptop mid-edit, the tab asked who is signed in after another organizer
  // signed in in a new tab (which ends the first one's session and its event stream, whose end
  // asks), or came back from the back/forward cache: the check answered the new name, and the
  // editor still held the first organizer's unsaved edits, for the second to see and save.
  it("a page that comes back signed in as another organizer shows none of the first one's edits", async () => {
    window.location.hash = '#/campaigns/c-expo'
    onTestFinished(() => void (window.location.hash = ''))
    const fake = createFakeConsoleApi()
    fake.api.campaigns.mockResolvedValue([
      toCampaignSummary(makeCampaign({ id: 'c-expo', name: '春季展会' })),
    ])
    const { wrapper } = mountConsole(App, fake.api, { attachTo: document.body })
    await flushPromises()
    const name = () => wrapper.get('[data-testid="field-name"]').element as HTMLInputElement
    const saved = name().value
    await wrapper.get('[data-testid="field-name"]').setValue(`${saved}（alice 未保存）`)
    await flushPromises()
    const restored = async () => {
      globalThis.dispatchEvent(
        Object.defineProperty(new Event('pageshow'), 'persisted', { value: true }),
      )
      await flushPromises()
    }
    // Still theirs: the page and its edits stay as they were.
    await restored()
    expect(name().value).toBe(`${saved}（alice 未保存）`)
    // Bob signs in in a new tab: Alice's session ends with its event stream, and this tab asks.
    fake.api.session.mockResolvedValue({ name: 'bob', expiresAt: 0 })
    fake.closeStream()
    await flushPromises()
    expect(wrapper.get('[data-testid="organizer-name"]').text()).toContain('bob')
    expect(name().value).toBe(saved)
    expect(wrapper.find('[data-testid="draft-restore"]').exists()).toBe(false)
    expect(draftsKept()).toEqual([])
    wrapper.unmount()
  })

  it('puts the focus on the page heading when the page starts afresh for another organizer', async () => {
    // The field the focus was on went with Alice's page: the focus fell onto <body>, and a
    // screen reader said nothing of the page now Bob's (the tab stays signed in: no sign-in
    // moved it, as signing in does).
    window.location.hash = '#/campaigns/c-expo'
    onTestFinished(() => void (window.location.hash = ''))
    const fake = createFakeConsoleApi()
    fake.api.campaigns.mockResolvedValue([
      toCampaignSummary(makeCampaign({ id: 'c-expo', name: '春季展会' })),
    ])
    const { wrapper } = mountConsole(App, fake.api, { attachTo: document.body })
    await flushPromises()
    ;(wrapper.get('[data-testid="field-name"]').element as HTMLInputElement).focus()
    expect(document.activeElement).toBe(wrapper.get('[data-testid="field-name"]').element)
    fake.api.session.mockResolvedValue({ name: 'bob', expiresAt: 0 })
    fake.closeStream()
    await flushPromises()
    expect(wrapper.get('[data-testid="organizer-name"]').text()).toContain('bob')
    expect(document.activeElement).toBe(wrapper.get('main h1').element)
    wrapper.unmount()
  })

  it('signs out after the relay’s idle time without a key or a click in any of its tabs', async () => {
    // The campaigns page re-reads every 5 s while shown: left open on a shared laptop, those
    // requests kept the session alive for 12 h, though nobody was there.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(App, fake.api, { attachTo: document.body })
    await flushPromises()
    const minutes = async (n: number) => {
      await vi.advanceTimersByTimeAsync(n * 60_000)
      await flushPromises()
    }
    await minutes(20)
    globalThis.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }))
    await minutes(SESSION_IDLE_MS / 60_000 - 1)
    // Another tab of the console was used meanwhile.
    localStorage.setItem(CONSOLE_INPUT_KEY, String(Date.now()))
    await minutes(SESSION_IDLE_MS / 60_000 - 1)
    expect(wrapper.find('[data-testid="sign-in"]').exists()).toBe(false)
    expect(fake.api.logout).not.toHaveBeenCalled()

    keepEdits('alice')
    await minutes(2)
    expect(wrapper.find('[data-testid="sign-in"]').exists()).toBe(true)
    // Back from lunch, the organizer reads that their unsaved edits were not saved.
    expect(wrapper.get('[data-testid="sign-in-error"]').text()).toBe(
      '控制台 30 分钟无人操作，已自动退出登录。未保存的活动修改没有保存，已从本页清除（以免下一位使用这台电脑的人看到）。请重新登录',
    )
    expect(fake.api.logout).toHaveBeenCalledTimes(1)
    expect(fake.streams()).toBe(0)
    // Nobody was there: their unsaved edits go with the session, not to the next person.
    expect(draftsKept()).toEqual([])
  })

  it('an idle sign-out with nothing unsaved says only that; signing in again clears it', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(App, fake.api, { attachTo: document.body })
    await flushPromises()
    await vi.advanceTimersByTimeAsync(SESSION_IDLE_MS + 60_000)
    await flushPromises()
    expect(wrapper.get('[data-testid="sign-in-error"]').text()).toBe(
      '控制台 30 分钟无人操作，已自动退出登录，请重新登录',
    )
    await signIn(wrapper)
    // Signed out again by the relay (a 401): that says the session ended, not the idle time.
    useSessionStore().expire()
    await flushPromises()
    expect(wrapper.get('[data-testid="sign-in-error"]').text()).toBe('登录已失效，请重新登录')
  })
})

describe('booths', () => {
  it('shows each booth’s state: online, offline since when, waiting to pair, never connected', async () => {
    const fake = createFakeConsoleApi()
    const lastSeen = new Date()
    lastSeen.setHours(9, 5, 0, 0)
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-a', online: true, scansToday: 1234, queued: 0 }),
      makeKiosk({ id: 'hall-b', online: false, lastSeenAt: lastSeen.getTime(), queued: 7 }),
      makeKiosk({ id: 'hall-c', online: false, lastSeenAt: null, pairingPending: true }),
      makeKiosk({ id: 'hall-d', online: false, lastSeenAt: null, version: null }),
    ])
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    const rows = wrapper.findAll('[data-testid="booth-row"]')
    const status = rows.map((r) => r.get('[data-testid="booth-status"]').text())
    expect(status).toEqual(['在线', '离线，自 09:05', '等待配对', '从未连接'])
    expect(rows[0]?.get('[data-testid="booth-scans"]').text()).toBe('1,234')
    expect(rows[1]?.text()).toContain('7')
  })

  it('2,000 booths: shows 100 rows, more on request, and finds a booth by its id or its campaign', async () => {
    const fake = createFakeConsoleApi()
    const campaign = (c: number) => makeCampaign({ id: `c${c}`, name: `活动 ${c}` })
    fake.api.campaigns.mockResolvedValue(Array.from({ length: 40 }, (_, c) => campaign(c)))
    const booth = (i: number) => `booth-${String(i).padStart(4, '0')}`
    fake.api.kiosks.mockResolvedValue(
      Array.from({ length: 2000 }, (_, i) => makeKiosk({ id: booth(i), campaignId: `c${i % 40}` })),
    )
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    const shown = () =>
      wrapper.findAll('[data-testid="booth-row"]').map((r) => r.attributes('data-kiosk'))
    // Bounded: not 2,000 rows of 101 options each (a frozen tab on every live refresh).
    expect(shown()).toEqual(Array.from({ length: 100 }, (_, i) => booth(i)))
    expect(wrapper.get('[data-testid="booths-shown"]').text()).toBe('显示 100 / 2,000 个签到台')
    expect(wrapper.get('[data-testid="booths-more"]').text()).toBe('再显示 100 个（还有 1,900 个）')
    await wrapper.get('[data-testid="booths-more"]').trigger('click')
    expect(shown()).toHaveLength(200)
    expect(shown()[199]).toBe('booth-0199')
    // A live refresh of the list keeps what the organizer asked to see.
    await useKiosksStore().refresh()
    await flushPromises()
    expect(shown()).toHaveLength(200)

    await wrapper.get('[data-testid="booths-search"]').setValue('BOOTH-1234')
    expect(shown()).toEqual(['booth-1234'])
    expect(wrapper.find('[data-testid="booths-more"]').exists()).toBe(false)
    // A campaign's name finds its booths (every 40th): 50 of them, all shown.
    await wrapper.get('[data-testid="booths-search"]').setValue('活动 32')
    expect(shown()).toEqual(Array.from({ length: 50 }, (_, j) => booth(32 + j * 40)))
    expect(wrapper.get('[data-testid="booths-shown"]').text()).toBe('50 / 2,000 个签到台符合')
    await wrapper.get('[data-testid="booths-search"]').setValue('no-such-booth')
    expect(shown()).toEqual([])
    expect(wrapper.get('[data-testid="booths-no-match"]').text()).toBe(
      '没有签到台符合“no-such-booth”',
    )
    await wrapper.get('[data-testid="booths-search"]').setValue('booth-0')
    expect(shown()).toHaveLength(100)
    useLocaleStore().change('en')
    await flushPromises()
    expect(wrapper.get('[data-testid="booths-shown"]').text()).toBe('1,000 of 2,000 booths match')
    expect(wrapper.get('[data-testid="booths-more"]').text()).toBe('Show 100 more (900 left)')
    // 2,000 rows mounted in happy-dom: ~1 s alone, 20–31 s beside two CPU hogs (vitest's 30 s).
  }, 90_000)

  it('100 booths on pairing day: counts per state that add up, and lists the booths still waiting', async () => {
    // 100 rows, one status each: which booths still wait for their laptop meant reading all.
    const fake = createFakeConsoleApi()
    const booth = (i: number) => `booth-${i}`
    const state = (i: number): Partial<ConsoleKiosk> =>
      i < 60
        ? { online: true }
        : i < 85
          ? { online: false, lastSeenAt: null, pairingPending: true }
          : i < 95
            ? { online: false, lastSeenAt: null }
            : i < 99
              ? { online: false, lastSeenAt: Date.now() - 60_000 }
              : { online: false, revoked: true }
    fake.api.kiosks.mockResolvedValue(
      Array.from({ length: 100 }, (_, i) => makeKiosk({ id: booth(i), ...state(i) })),
    )
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    const chips = () =>
      wrapper.findAll('[data-testid="booths-state"]').map((c) => c.text().replace(/\s+/g, ' '))
    expect(chips()).toEqual([
      '全部 100',
      '在线 60',
      '等待配对 25',
      '从未连接 10',
      '离线 4',
      '已停用 1',
    ])
    const shown = () =>
      wrapper.findAll('[data-testid="booth-row"]').map((r) => r.attributes('data-kiosk'))
    await wrapper.get('[data-state="pending"]').trigger('click')
    expect(wrapper.get('[data-state="pending"]').attributes('aria-pressed')).toBe('true')
    expect(shown()).toEqual(Array.from({ length: 25 }, (_, j) => booth(60 + j)))
    // A booth that pairs leaves the list of those waiting at the next refresh.
    fake.api.kiosks.mockResolvedValue(
      Array.from({ length: 100 }, (_, i) =>
        makeKiosk({ id: booth(i), ...(i === 60 ? { online: true } : state(i)) }),
      ),
    )
    await useKiosksStore().refresh()
    await flushPromises()
    expect(shown()).toHaveLength(24)
    expect(chips().slice(1, 3)).toEqual(['在线 61', '等待配对 24'])
    await wrapper.get('[data-state="all"]').trigger('click')
    expect(shown()).toHaveLength(100)
    useLocaleStore().change('en')
    await flushPromises()
    expect(chips()).toEqual([
      'All 100',
      'Online 61',
      'Waiting to pair 24',
      'Never connected 10',
      'Offline 4',
      'Revoked 1',
    ])
  })

  it('lists numbered booths in their numbers’ order: hall-2 before hall-10', async () => {
    const fake = createFakeConsoleApi()
    // The relay's order (by code point).
    const ids = ['gate', 'hall-1', 'hall-10', 'hall-100', 'hall-11', 'hall-2', 'hall-9']
    fake.api.kiosks.mockResolvedValue(ids.map((id) => makeKiosk({ id })))
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    expect(
      wrapper.findAll('[data-testid="booth-row"]').map((r) => r.attributes('data-kiosk')),
    ).toEqual(['gate', 'hall-1', 'hall-2', 'hall-9', 'hall-10', 'hall-11', 'hall-100'])
  })

  it('sorts by a button on each sortable heading, booth order too, aria-sort on the active one only', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-1', scansToday: 1, queued: 0 }),
      makeKiosk({ id: 'hall-2', scansToday: 9, queued: 0 }),
      makeKiosk({ id: 'hall-3', scansToday: 5, queued: 4 }),
    ])
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    const order = () =>
      wrapper.findAll('[data-testid="booth-row"]').map((r) => r.attributes('data-kiosk'))
    const sorted = () =>
      wrapper.findAll('th').flatMap((th) => {
        const sort = th.attributes('aria-sort')
        return sort === undefined ? [] : [[th.attributes('data-testid'), sort]]
      })
    expect(sorted()).toEqual([['booths-sort-id', 'ascending']])
    // Toggle buttons would read as pressed/not pressed on top of the heading's sort state.
    expect(wrapper.findAll('th button[aria-pressed]')).toHaveLength(0)
    await wrapper.get('[data-testid="booths-sort-scansToday"] button').trigger('click')
    expect(order()).toEqual(['hall-2', 'hall-3', 'hall-1'])
    expect(sorted()).toEqual([['booths-sort-scansToday', 'descending']])
    await wrapper.get('[data-testid="booths-sort-queued"] button').trigger('click')
    expect(order()).toEqual(['hall-3', 'hall-1', 'hall-2'])
    // The booth heading's own button brings booth order back, from any sort, and keeps it.
    const booth = wrapper.get('[data-testid="booths-sort-id"] button')
    expect(booth.attributes('title')).toBe('按签到台排序')
    await booth.trigger('click')
    expect(order()).toEqual(['hall-1', 'hall-2', 'hall-3'])
    expect(sorted()).toEqual([['booths-sort-id', 'ascending']])
    await booth.trigger('click')
    expect(order()).toEqual(['hall-1', 'hall-2', 'hall-3'])
  })

  it('flags a booth two devices share, and says what to do, in zh-CN and English', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-a', online: true, identityConflict: true }),
      makeKiosk({ id: 'hall-b', online: true, identityConflict: false }),
    ])
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    const rows = wrapper.findAll('[data-testid="booth-row"]')
    const badge = rows[0]?.get('[data-testid="booth-status"]')
    expect(badge?.text()).toBe('两台设备共用此签到台')
    expect(badge?.classes()).toContain('bad')
    expect(rows[0]?.get('[data-testid="booth-conflict-hint"]').text()).toContain('新配对码')
    expect(rows[1]?.get('[data-testid="booth-status"]').text()).toBe('在线')
    expect(rows[1]?.find('[data-testid="booth-conflict-hint"]').exists()).toBe(false)
    useLocaleStore().change('en')
    await flushPromises()
    expect(rows[0]?.get('[data-testid="booth-status"]').text()).toBe('Two devices share this booth')
    expect(rows[0]?.get('[data-testid="booth-conflict-hint"]').text()).toContain('New code')
  })

  it('adds a booth: the code large in two groups of four and a QR of <origin>/pair/<code>', async () => {
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    await wrapper.get('[data-testid="add-booth"]').trigger('click')
    await wrapper.get('[data-testid="booth-id"]').setValue('hall-e')
    await wrapper.get('[data-testid="add-booth-form"]').trigger('submit')
    await flushPromises()
    expect(fake.api.addKiosk).toHaveBeenCalledWith('hall-e')
    expect(wrapper.get('[data-testid="pairing-code"]').text()).toBe('ACDE 4679')
    const qr = wrapper.get('[data-testid="pairing-qr"] svg')
    const text = qr.attributes('data-qr-text') ?? ''
    expect(text).toBe(`${window.location.origin}/pair/ACDE4679`)
    // What the kiosk's setup page makes of the scanned link: the code itself.
    expect(normalizePairingCode(text)).toBe('ACDE4679')
    expect(qr.get('path').attributes('d')).toMatch(/^M\d/)
    expect(wrapper.get('[data-testid="pairing-expiry"]').text()).toMatch(/剩余有效时间 1[45]:\d\d/)
    expect(wrapper.find('[style]').exists()).toBe(false)
  })

  it('puts away a code once its booth has used it, and only then', async () => {
    const fake = createFakeConsoleApi()
    const hallA = makeKiosk({ id: 'hall-a', online: true })
    fake.api.kiosks.mockResolvedValue([hallA])
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    // A new code for hall-a, listed as paired (its old laptop) until the relay's list says
    // otherwise: that is not the new code being used.
    await wrapper.get('[data-kiosk="hall-a"] [data-testid="new-code"]').trigger('click')
    await flushPromises()
    const kiosks = useKiosksStore()
    await kiosks.refresh()
    await flushPromises()
    expect(wrapper.get('[data-testid="pairing-code"]').text()).toBe('FGHJ 3467')
    fake.api.kiosks.mockResolvedValue([{ ...hallA, online: false, pairingPending: true }])
    await kiosks.refresh()
    await flushPromises()
    expect(wrapper.get('[data-testid="pairing-code"]').text()).toBe('FGHJ 3467')
    fake.api.kiosks.mockResolvedValue([hallA])
    await kiosks.refresh()
    await flushPromises()
    expect(wrapper.find('[data-testid="pairing-code"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="pairing-qr"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="pairing"]').text()).toContain('“hall-a”已配对')
    // The next code shows in full again.
    await wrapper.get('[data-kiosk="hall-a"] [data-testid="new-code"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="pairing-code"]').text()).toBe('FGHJ 3467')
    await wrapper.get('[data-testid="pairing-done"]').trigger('click')
    expect(wrapper.find('[data-testid="pairing"]').exists()).toBe(false)
  })

  it('a code that ran out unused is not shown as used: the booth still has no device', async () => {
    // The relay stops listing a booth as waiting once its code expires, and the card took
    // "waiting, then not" for the code being used: "“hall-a” is paired" over a booth nobody
    // paired, the organizer moving on to the next booth.
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
    const fake = createFakeConsoleApi()
    const waiting = makeKiosk({ id: 'hall-a', online: false, lastSeenAt: null })
    fake.api.kiosks.mockResolvedValue([{ ...waiting, pairingPending: true }])
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    await wrapper.get('[data-testid="add-booth"]').trigger('click')
    await wrapper.get('[data-testid="booth-id"]').setValue('hall-a')
    await wrapper.get('[data-testid="add-booth-form"]').trigger('submit')
    await flushPromises()
    const kiosks = useKiosksStore()
    await kiosks.refresh()
    vi.advanceTimersByTime(15 * 60_000 + 1000)
    fake.api.kiosks.mockResolvedValue([{ ...waiting, pairingPending: false }])
    await kiosks.refresh()
    await flushPromises()
    expect(kiosks.pairingUsed).toBe(false)
    expect(wrapper.find('[data-testid="pairing-used"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="pairing-expiry"]').text()).toBe(
      '此配对码已过期，请在签到台一行点击“新配对码”重新生成',
    )
    expect(wrapper.get('[data-kiosk="hall-a"] [data-testid="booth-status"]').text()).toBe(
      '从未连接',
    )
  })

  it('refuses a bad booth id without asking the relay, and translates a conflict', async () => {
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(BoothsPage, fake.api, { attachTo: document.body })
    await wrapper.get('[data-testid="add-booth"]').trigger('click')
    await wrapper.get('[data-testid="booth-id"]').setValue('Hall A')
    await wrapper.get('[data-testid="add-booth-form"]').trigger('submit')
    await flushPromises()
    expect(fake.api.addKiosk).not.toHaveBeenCalled()
    expect(wrapper.get('[data-testid="add-error"]').text()).toContain('小写字母')
    // The field is marked and described by why (a screen reader back on it hears the reason).
    const field = () => wrapper.get('[data-testid="booth-id"]')
    const described = () =>
      (field().attributes('aria-describedby') ?? '')
        .split(' ')
        .filter(Boolean)
        .map((id) => document.getElementById(id)?.textContent?.trim())
    expect(field().attributes('aria-invalid')).toBe('true')
    expect(described()).toContain(wrapper.get('[data-testid="add-error"]').text())
    fake.api.addKiosk.mockRejectedValueOnce(new ConsoleApiError('conflict', 409))
    await wrapper.get('[data-testid="booth-id"]').setValue('hall-a')
    await wrapper.get('[data-testid="add-booth-form"]').trigger('submit')
    await flushPromises()
    // Two organizers adding one booth: the other one's code is on their screen; this one is
    // told where the booth is and how to get a code for it, not only that it exists.
    expect(wrapper.get('[data-testid="add-error"]').text()).toBe(
      '签到台“hall-a”已存在（可能刚由其他组织者添加，配对码显示在其屏幕上）。要为它配对设备，请在列表中它的一行点击“新配对码”（之前的配对码随即失效）。',
    )
    expect(field().attributes('aria-invalid')).toBe('true')
    expect(described()).toContain(wrapper.get('[data-testid="add-error"]').text())
    expect(wrapper.find('[data-testid="pairing"]').exists()).toBe(false)
    // Another failure (the relay unreachable) is not the id's: the field is not marked.
    fake.api.addKiosk.mockRejectedValueOnce(new ConsoleApiError('network', 0))
    await field().setValue('hall-b')
    await wrapper.get('[data-testid="add-booth-form"]').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[data-testid="add-error"]').exists()).toBe(true)
    expect(field().attributes('aria-invalid')).toBeUndefined()
    expect(field().attributes('aria-describedby') ?? '').not.toContain('add-error')
    wrapper.unmount()
  })

  it('gives an existing booth a new pairing code (a replaced laptop)', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-a', online: true }),
      makeKiosk({ id: 'hall-b', revoked: true }),
    ])
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    await wrapper.get('[data-kiosk="hall-a"] [data-testid="new-code"]').trigger('click')
    await flushPromises()
    expect(fake.api.pairKiosk).toHaveBeenCalledWith('hall-a')
    expect(fake.api.addKiosk).not.toHaveBeenCalled()
    expect(wrapper.get('[data-testid="pairing-code"]').text()).toBe('FGHJ 3467')
  })

  it("takes the last booth's code down the moment another code is asked for, also when it is refused", async () => {
    // hall-a's code stayed on the card while hall-b's was asked for (and beside the refusal):
    // typed at hall-b's laptop, it paired that laptop as hall-a.
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-a', online: true }),
      makeKiosk({ id: 'hall-b', online: true }),
    ])
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    await wrapper.get('[data-kiosk="hall-a"] [data-testid="new-code"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="pairing"]').attributes('data-booth')).toBe('hall-a')

    let refuse: (e: unknown) => void = () => {}
    fake.api.pairKiosk.mockImplementationOnce(
      () =>
        new Promise((_resolve, reject) => {
          refuse = reject
        }),
    )
    await wrapper.get('[data-kiosk="hall-b"] [data-testid="new-code"]').trigger('click')
    await flushPromises()
    expect(fake.api.pairKiosk).toHaveBeenLastCalledWith('hall-b')
    expect(wrapper.find('[data-testid="pairing"]').exists()).toBe(false)
    refuse(new ConsoleApiError('network', 0))
    await flushPromises()
    expect(wrapper.find('[data-testid="pairing"]').exists()).toBe(false)

    await wrapper.get('[data-kiosk="hall-b"] [data-testid="new-code"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="pairing"]').attributes('data-booth')).toBe('hall-b')
  })

  it("keeps the last booth asked for when an earlier booth's code is answered after it", async () => {
    // 新配对码 on hall-a, then on hall-b, the relay answering hall-b first: hall-a's code, come
    // last, went up on the card under hall-b's click (typed at hall-b's laptop, it paired it as
    // hall-a), and hall-a's late refusal went up beside hall-b's card.
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-a', online: true }),
      makeKiosk({ id: 'hall-b', online: true }),
    ])
    const answers: Array<{ resolve: () => void; reject: (e: unknown) => void }> = []
    fake.api.pairKiosk.mockImplementation(
      (id) =>
        new Promise((resolve, reject) =>
          answers.push({
            resolve: () =>
              resolve({ id, pairingCode: 'FGHJ3467', expiresAt: Date.now() + 15 * 60_000 }),
            reject,
          }),
        ),
    )
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    const ask = (id: string) =>
      wrapper.get(`[data-kiosk="${id}"] [data-testid="new-code"]`).trigger('click')

    await ask('hall-a')
    await ask('hall-b')
    await flushPromises()
    expect(answers).toHaveLength(2)
    answers[1]?.resolve()
    await flushPromises()
    expect(wrapper.get('[data-testid="pairing"]').attributes('data-booth')).toBe('hall-b')
    answers[0]?.resolve()
    await flushPromises()
    expect(wrapper.get('[data-testid="pairing"]').attributes('data-booth')).toBe('hall-b')

    await ask('hall-a')
    await ask('hall-b')
    await flushPromises()
    answers[3]?.resolve()
    await flushPromises()
    answers[2]?.reject(new ConsoleApiError('network', 0))
    await flushPromises()
    expect(wrapper.get('[data-testid="pairing"]').attributes('data-booth')).toBe('hall-b')
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
  })

  it('pairs a revoked booth again from its row: its id, queued scans and printed codes stay', async () => {
    // A revoked booth had no buttons: "must be paired again", but adding its id is 409, so the
    // spare laptop for a booth revoked first could only become a new booth, leaving the scans
    // queued for the old id and the fallback codes printed on its signs to nobody.
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([makeKiosk({ id: 'hall-b', revoked: true, queued: 4 })])
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    expect(wrapper.find('[data-kiosk="hall-b"] [data-testid="revoke"]').exists()).toBe(false)
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-b', revoked: true, queued: 4, pairingPending: true }),
    ])
    await wrapper.get('[data-kiosk="hall-b"] [data-testid="new-code"]').trigger('click')
    await flushPromises()
    expect(fake.api.pairKiosk).toHaveBeenCalledWith('hall-b')
    expect(wrapper.get('[data-testid="pairing-code"]').text()).toBe('FGHJ 3467')
    // Waiting for its laptop, not "revoked" any more in what the organizer is told.
    expect(wrapper.get('[data-kiosk="hall-b"] [data-testid="booth-status"]').text()).toBe(
      '等待配对',
    )
    // Redeemed: the relay takes the revocation back, and the card says it is paired.
    fake.api.kiosks.mockResolvedValue([makeKiosk({ id: 'hall-b', online: true, queued: 4 })])
    await useKiosksStore().refresh()
    await flushPromises()
    expect(wrapper.get('[data-testid="pairing"]').text()).toContain('“hall-b”')
    expect(useKiosksStore().pairingUsed).toBe(true)
  })

  it('says how a revoked booth comes back before revoking it, in zh-CN and English', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([makeKiosk({ id: 'hall-a' })])
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    await wrapper.get('[data-testid="revoke"]').trigger('click')
    expect(wrapper.text()).toContain('“新配对码”')
    useLocaleStore().change('en')
    await flushPromises()
    expect(wrapper.text()).toContain('“New code”')
  })

  it('clears an online booth’s PIN lockout; an offline one has no button, and says so if it went offline', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-a', online: true }),
      makeKiosk({ id: 'hall-b', online: false }),
      makeKiosk({ id: 'hall-c', online: true, revoked: true }),
    ])
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    expect(wrapper.find('[data-kiosk="hall-b"] [data-testid="admin-unlock"]').exists()).toBe(false)
    expect(wrapper.find('[data-kiosk="hall-c"] [data-testid="admin-unlock"]').exists()).toBe(false)
    const button = wrapper.get('[data-kiosk="hall-a"] [data-testid="admin-unlock"]')
    expect(button.text()).toBe('解除 PIN 锁定')
    expect(button.attributes('title')).toContain('PIN 保持不变')
    await button.trigger('click')
    await flushPromises()
    expect(fake.api.adminUnlockKiosk).toHaveBeenCalledWith('hall-a')
    expect(wrapper.get('[data-testid="admin-unlock-sent"]').text()).toBe(
      '已通知“hall-a”解除管理区 PIN 锁定：工作人员现在可以输入 PIN。',
    )

    // Gone offline since the list was read: the relay's 409 is said as such, not "exists".
    fake.api.adminUnlockKiosk.mockRejectedValueOnce(new ConsoleApiError('conflict', 409))
    await button.trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="admin-unlock-sent"]').exists()).toBe(false)
    expect(wrapper.get('[role="alert"]').text()).toBe(
      '“hall-a”不在线：签到台在线时才能解除 PIN 锁定。',
    )
  })

  it('revokes only after the confirm', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([makeKiosk({ id: 'hall-a' })])
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    await wrapper.get('[data-testid="revoke"]').trigger('click')
    expect(fake.api.revokeKiosk).not.toHaveBeenCalled()
    expect(wrapper.text()).toContain('停用“hall-a”？')
    await wrapper.get('[data-testid="confirm-revoke"]').trigger('click')
    await flushPromises()
    expect(fake.api.revokeKiosk).toHaveBeenCalledWith('hall-a')
  })

  it('sends one revoke for a double click on 确认, and takes a click again once one failed', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([makeKiosk({ id: 'hall-a' })])
    let refuse: (e: Error) => void = () => undefined
    fake.api.revokeKiosk.mockReturnValueOnce(
      new Promise<void>((_resolve, reject) => {
        refuse = reject
      }),
    )
    const { wrapper } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    await wrapper.get('[data-testid="revoke"]').trigger('click')
    const confirm = wrapper.get('[data-testid="confirm-revoke"]')
    await confirm.trigger('click')
    await confirm.trigger('click')
    expect(fake.api.revokeKiosk).toHaveBeenCalledTimes(1)
    expect(confirm.attributes('disabled')).toBeDefined()

    refuse(new ConsoleApiError('network', 0))
    await flushPromises()
    expect(wrapper.find('[role="alert"]').exists()).toBe(true)
    expect(confirm.attributes('disabled')).toBeUndefined()
    await confirm.trigger('click')
    await flushPromises()
    expect(fake.api.revokeKiosk).toHaveBeenCalledTimes(2)
    expect(wrapper.find('[data-testid="confirm-revoke"]').exists()).toBe(false)
  })

  it('the revoke question says the booth is online, what it runs and its scans today', async () => {
    // hall-a and hall-b side by side: the one clicked is busy at the entrance right now.
    const fake = createFakeConsoleApi()
    fake.api.campaigns.mockResolvedValue([makeCampaign({ id: 'c-expo', name: '博览会' })])
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-a', campaignId: 'c-expo', scansToday: 1204 }),
      makeKiosk({ id: 'hall-b', online: false, scansToday: 1 }),
      makeKiosk({ id: 'hall-c', scansToday: 1 }),
    ])
    const { wrapper, i18n } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    const ask = async (id: string): Promise<string> => {
      await wrapper.get(`[data-kiosk="${id}"] [data-testid="revoke"]`).trigger('click')
      return wrapper.get(`[data-kiosk="${id}"] .actions-cell`).text()
    }
    expect(await ask('hall-a')).toContain('它现在在线，正在运行“博览会”，今日已扫码 1,204 次。')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(wrapper.get('[data-kiosk="hall-a"] .actions-cell').text()).toContain(
      'It is online now and runs “博览会”: 1,204 scans today.',
    )
    expect(await ask('hall-c')).toContain('It is online now: 1 scan today.')
    // Offline: nothing is said of a link it does not have.
    expect(await ask('hall-b')).not.toContain('online now')
    i18n.global.locale.value = 'zh-CN'
    expect(fake.api.revokeKiosk).not.toHaveBeenCalled()
  })

  it('names each row’s buttons after its booth, so a list of them is not one word repeated', async () => {
    const fake = createFakeConsoleApi()
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-a', online: true }),
      makeKiosk({ id: 'hall-b', online: true }),
    ])
    const { wrapper, i18n } = mountConsole(BoothsPage, fake.api)
    await flushPromises()
    /** A row's button: its visible word, accessible name (aria-label) and tooltip. */
    const button = (id: string, testid: string): [string, string?, string?] => {
      const b = wrapper.get(`[data-kiosk="${id}"] [data-testid="${testid}"]`)
      return [b.text(), b.attributes('aria-label'), b.attributes('title')]
    }
    expect(button('hall-a', 'new-code')).toEqual([
      '新配对码',
      '新配对码：hall-a',
      '新配对码：hall-a',
    ])
    expect(button('hall-b', 'revoke')).toEqual(['停用', '停用：hall-b', '停用：hall-b'])
    // Its tooltip still says what the button is for; the booth is in its name.
    const unlock = button('hall-b', 'admin-unlock')
    expect(unlock.slice(0, 2)).toEqual(['解除 PIN 锁定', '解除 PIN 锁定：hall-b'])
    expect(unlock[2]).toContain('PIN 保持不变')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(button('hall-a', 'new-code')).toEqual([
      'New code',
      'New code: hall-a',
      'New code: hall-a',
    ])
    expect(button('hall-b', 'revoke')).toEqual(['Revoke', 'Revoke: hall-b', 'Revoke: hall-b'])
    expect(button('hall-a', 'admin-unlock').slice(0, 2)).toEqual([
      'Clear PIN lockout',
      'Clear PIN lockout: hall-a',
    ])
    i18n.global.locale.value = 'zh-CN'
  })
})

describe('stats', () => {
  it('a table by day: each day with a scan, the days summed, the relay’s zone named; another campaign reads its own', async () => {
    const fake = createFakeConsoleApi()
    fake.api.campaigns.mockResolvedValue([makeCampaign({ id: 'c-expo', name: '博览会' })])
    fake.api.stats.mockResolvedValue(makeStats({ scans: 5, visitors: 3, newFollowers: 1 }))
    fake.api.statsDays.mockResolvedValue({
      timeZone: 'Asia/Shanghai',
      stopsAfterEndsAt: false,
      days: EXPO_DAYS,
    })
    const { wrapper } = mountConsole(StatsPage, fake.api)
    await flushPromises()
    expect(fake.api.statsDays).toHaveBeenLastCalledWith(undefined)
    const rows = () =>
      wrapper
        .findAll('[data-testid="stats-day"]')
        .map((r) => r.findAll('th, td').map((c) => c.text()))
    expect(rows()).toEqual([
      ['2026-12-03', '1', '1', '0'],
      ['2026-12-04', '1,203', '842', '1'],
      ['2026-12-05', '2', '2', '0'],
    ])
    // Scans and new followers add up; visitors are the distinct count of every day.
    expect(
      wrapper
        .get('[data-testid="stats-day-total"]')
        .findAll('th, td')
        .map((c) => c.text()),
    ).toEqual(['合计', '1,206', '3', '1'])
    expect(wrapper.get('[data-testid="stats-by-day"]').text()).toContain('Asia/Shanghai')
    await wrapper.get('[data-testid="campaign-scope"]').setValue('c-expo')
    await flushPromises()
    expect(fake.api.statsDays).toHaveBeenLastCalledWith('c-expo')
    // Read when asked, not on every live update.
    const asked = fake.api.statsDays.mock.calls.length
    await useStatsStore().refresh()
    await flushPromises()
    expect(fake.api.statsDays.mock.calls.length).toBe(asked)
    await wrapper.get('[data-testid="stats-days-refresh"]').trigger('click')
    await flushPromises()
    expect(fake.api.statsDays.mock.calls.length).toBe(asked + 1)
  })
  it('live scans the table by day lacks re-read it once at once, then at most once a 30 s window, never per scan', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const fake = createFakeConsoleApi()
    fake.api.stats.mockResolvedValue(makeStats({ scans: 0 }))
    fake.api.statsDays.mockResolvedValue({
      timeZone: 'Asia/Shanghai',
      stopsAfterEndsAt: false,
      days: [],
    })
    mountConsole(StatsPage, fake.api)
    await flushPromises()
    const opened = fake.api.statsDays.mock.calls.length
    const scan = async (scans: number): Promise<void> => {
      fake.api.stats.mockResolvedValue(makeStats({ scans }))
      await useStatsStore().refresh()
      await flushPromises()
    }
    // The event's first scan: read at once (the relay still counts no day, as on a busy relay).
    await scan(1)
    expect(fake.api.statsDays.mock.calls.length).toBe(opened + 1)
    // A busy evening: twenty more scans inside the window ask nothing more yet…
    for (let n = 2; n <= 21; n++) await scan(n)
    expect(fake.api.statsDays.mock.calls.length).toBe(opened + 1)
    // …and one read when the window is over, folding them all.
    vi.advanceTimersByTime(30_000)
    await flushPromises()
    expect(fake.api.statsDays.mock.calls.length).toBe(opened + 2)
    vi.advanceTimersByTime(60_000)
    await flushPromises()
    expect(fake.api.statsDays.mock.calls.length).toBe(opened + 2)
  })

  it('a day without a scan: the 10-minute chart says there is no data, as the other charts do', async () => {
    const fake = createFakeConsoleApi()
    // An empty relay still sends every 10-minute slot of its day, each with no scans.
    const midnight = Math.floor(Date.now() / 86_400_000) * 86_400_000
    const timeline = Array.from({ length: 144 }, (_, i) => ({
      at: midnight + i * 600_000,
      scans: 0,
    }))
    fake.api.stats.mockResolvedValue(makeStats({ timeline }))
    const { wrapper, i18n } = mountConsole(StatsPage, fake.api)
    await flushPromises()
    const panel = wrapper.get('.timeline')
    expect(panel.find('canvas').exists()).toBe(false)
    expect(panel.text()).toBe('今日每 10 分钟扫码暂无数据')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(panel.get('.empty').text()).toBe('No data yet')
  })

  it('the 10-minute chart is labelled in the relay’s time zone, whose day it is, not the browser’s', async () => {
    const fake = createFakeConsoleApi()
    const slot = Math.floor(Date.now() / 600_000) * 600_000 - 3 * 600_000
    const at = (ms: number, timeZone?: string) =>
      new Intl.DateTimeFormat('zh-CN', {
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
        timeZone,
      }).format(ms)
    // A zone other than the one the tests run in, so the two labels differ.
    const zone = at(slot, 'Asia/Shanghai') === at(slot) ? 'America/New_York' : 'Asia/Shanghai'
    fake.api.stats.mockResolvedValue(makeStats({ scans: 7, timeline: [{ at: slot, scans: 7 }] }))
    fake.api.statsDays.mockResolvedValue({ timeZone: zone, stopsAfterEndsAt: false, days: [] })
    const { wrapper } = mountConsole(StatsPage, fake.api)
    await flushPromises()
    const label = wrapper.get('.timeline canvas').attributes('aria-label')
    expect(label).toBe(`今日每 10 分钟扫码柱状图：共 7 次，最多一段 7 次（${at(slot, zone)} 起）`)
    expect(at(slot, zone)).not.toBe(at(slot))
  })

  it('says when the figures were updated in the relay’s time zone, as the attendance list does', async () => {
    // The "更新于" time was the browser's while the list below it and the sheets are the relay's:
    // a console in Shanghai on a UTC relay said 更新于 16:26 beside a list reading 08:26.
    vi.useFakeTimers({ now: Date.UTC(2026, 11, 6, 8, 26, 43), toFake: ['Date'] })
    onTestFinished(() => {
      vi.useRealTimers()
    })
    const at = (timeZone?: string) =>
      new Intl.DateTimeFormat('en-US', { hour: '2-digit', hourCycle: 'h23', timeZone }).format(
        Date.now(),
      )
    const zone = at('Asia/Shanghai') === at() ? 'America/New_York' : 'Asia/Shanghai'
    const fake = createFakeConsoleApi()
    fake.api.stats.mockResolvedValue(makeStats({ scans: 1 }))
    fake.api.statsDays.mockResolvedValue({ timeZone: zone, stopsAfterEndsAt: false, days: [] })
    const { wrapper } = mountConsole(StatsPage, fake.api)
    await flushPromises()
    const updated = wrapper.get('[data-testid="stats-updated"]')
    expect(updated.text()).toBe(
      zone === 'Asia/Shanghai' ? '更新于 2026/12/06 16:26:43' : '更新于 2026/12/06 03:26:43',
    )
    expect(updated.attributes('title')).toBe(`时间按中继的时区 ${zone}，与扫码记录和下载的表格一致`)
  })

  /**
   * The stats page over `n` booths, booth-…0 with 1 scan, the last with `n`; the summed line
   * under the bars in Chinese, then in English.
   */
  async function boothsRest(n: number) {
    const fake = createFakeConsoleApi()
    const perKiosk = Array.from({ length: n }, (_, i) => ({
      id: `booth-${String(i).padStart(4, '0')}`,
      scans: i + 1,
      visitors: 1,
    }))
    fake.api.stats.mockResolvedValue(makeStats({ scans: (n * (n + 1)) / 2, perKiosk }))
    const { wrapper } = mountConsole(StatsPage, fake.api)
    await flushPromises()
    const rest = () => wrapper.get('[data-testid="booth-bars-rest"]').text()
    const zh = rest()
    useLocaleStore().change('en')
    await flushPromises()
    return { wrapper, zh, en: rest() }
  }

  it('2,000 booths: bars for the 50 busiest, the others summed in one line', async () => {
    const { wrapper, zh, en } = await boothsRest(2000)
    const bars = wrapper.findAll('[data-testid="booth-bar"]')
    // Bounded: every scan re-renders the bars, 2,000 of them kept the tab busy all the time.
    expect(bars.map((b) => b.attributes('data-booth'))).toEqual(
      Array.from({ length: 50 }, (_, j) => `booth-${1999 - j}`),
    )
    expect(bars[0]?.text()).toContain('2,000')
    // 1..1950 summed: 1,902,225 scans at the 1,950 others.
    expect(zh).toBe('其余 1,950 个签到台：共 1,902,225 次扫码')
    expect(en).toBe('The other 1,950 booths: 1,902,225 scans in all')
  })

  it('51 booths in English: one other booth with one scan reads singular, not "1 booths: 1 scans"', async () => {
    const { zh, en } = await boothsRest(51)
    expect(zh).toBe('其余 1 个签到台：共 1 次扫码')
    expect(en).toBe('The other booth: 1 scan in all')
  })

  it('another campaign chosen: the first one’s figures go at once, and stay gone if the relay cannot be reached', async () => {
    const fake = createFakeConsoleApi()
    fake.api.campaigns.mockResolvedValue([
      makeCampaign({ id: 'c-spring', name: '春季展' }),
      makeCampaign({ id: 'c-autumn', name: '秋季展' }),
    ])
    const spring = makeStats({
      scans: 1234,
      visitors: 567,
      perKiosk: [{ id: 'hall-a', scans: 1234, visitors: 567 }],
    })
    fake.api.stats.mockImplementation((id) =>
      id !== 'c-autumn'
        ? Promise.resolve(spring)
        : Promise.reject(new ConsoleApiError('network', 0)),
    )
    const { wrapper } = mountConsole(StatsPage, fake.api)
    await flushPromises()
    await wrapper.get('[data-testid="campaign-scope"]').setValue('c-spring')
    await flushPromises()
    const values = () => wrapper.findAll('[data-testid="stat-value"]').map((v) => v.text())
    expect(values()).toContain('1,234')
    expect(wrapper.find('[data-booth="hall-a"]').exists()).toBe(true)
    // 秋季展 chosen on bad Wi-Fi: while it is asked, and after the request fails, nothing of
    // 春季展 is shown under its name; the page says the relay was not reached.
    let fail: (e: unknown) => void = () => undefined
    fake.api.stats.mockImplementationOnce(() => new Promise((_, reject) => (fail = reject)))
    await wrapper.get('[data-testid="campaign-scope"]').setValue('c-autumn')
    await flushPromises()
    expect(fake.api.stats).toHaveBeenLastCalledWith('c-autumn')
    expect(values()).toEqual([])
    expect(wrapper.find('[data-booth="hall-a"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="stats-updated"]').exists()).toBe(false)
    fail(new ConsoleApiError('network', 0))
    await flushPromises()
    expect(values()).toEqual([])
    expect(wrapper.find('[data-booth="hall-a"]').exists()).toBe(false)
    expect(wrapper.get('[role="alert"]').text()).toBe('无法连接中继服务器，请检查网络')
    // Back to 春季展: its figures again.
    await wrapper.get('[data-testid="campaign-scope"]').setValue('c-spring')
    await flushPromises()
    expect(values()).toContain('1,234')
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
  })
})

/**
 * What reaches the console over the wire when a request fails, as sent: the relay's error
 * bodies (their message English, for developers), a reverse proxy's HTML page, Node's bare
 * 408 when a slow upload outlasts the relay's request timeout, no answer at all.
 */
type Wire = { status: number; body: string; headers?: Record<string, string> } | 'offline'
const relayError = (status: number, code: string, message: string): Wire => ({
  status,
  body: JSON.stringify({ error: { code, message } }),
})
/** A relay error body, the case named by its code, and what the organizer reads for it. */
const coded = (
  status: number,
  code: string,
  message: string,
  text: string,
): [string, Wire, string] => [code, relayError(status, code, message), text]
const WIRE_FAILURES: ReadonlyArray<[string, Wire, string]> = [
  coded(401, 'unauthorized', 'sign in first', '登录已失效，请重新登录'),
  coded(
    401,
    'ambiguous_session',
    'two session cookies; both cleared',
    '检测到多个登录会话，已全部退出，请重新登录。如反复出现，请清除本站的 Cookie',
  ),
  coded(
    403,
    'forbidden',
    'cross-site request refused',
    '中继把这个请求当作来自其他网站而拒绝了，没有保存。请用中继的地址打开控制台；如果本来就是，请中继的管理员检查反向代理是否传递了 Host',
  ),
  coded(429, 'locked_out', 'too many failed sign-ins', '失败次数过多，请稍后再试'),
  coded(400, 'bad_request', 'limit: too big', '输入有误，请检查后重试'),
  coded(
    404,
    'not_found',
    'no such campaign',
    '中继上已没有这一项（可能已被删除或撤销）。请刷新页面后再试',
  ),
  coded(405, 'method_not_allowed', 'use GET', '中继不接受此处的这种请求'),
  coded(
    409,
    'conflict',
    'campaign id taken; try again',
    '与中继上已有的内容冲突，没有保存。请刷新页面查看最新情况后再试',
  ),
  coded(412, 'precondition_failed', 'changed since', '其他人已先修改了这里，本次未保存'),
  coded(410, 'gone', 'this pairing code was used already', '这一项已失效。请刷新页面后再试'),
  coded(429, 'rate_limited', 'slow down', '操作过于频繁，请稍后再试'),
  coded(
    413,
    'too_large',
    'body over 10 MiB',
    '内容超过了中继（或它前面的代理）接受的大小，没有保存。请减小后重试，或请中继的管理员调大上传上限',
  ),
  coded(500, 'internal', 'Internal error', '服务器出错，请稍后再试'),
  [
    'internal: the store refused',
    relayError(
      503,
      'internal',
      storeRefusalMessage({ cause: 'database or disk is full', write: false }),
    ),
    '中继的存储无法读取（数据库或磁盘已满）。修复之前重试也没有用，请联系中继的管理员',
  ],
  ['a code this console does not know', relayError(400, 'odd', 'odd'), '输入有误，请检查后重试'],
  [
    "a reverse proxy's 502 page",
    { status: 502, body: '<html><h1>502 Bad Gateway</h1></html>' },
    '服务器出错，请稍后再试',
  ],
  [
    "Node's 408: the request outlasted the relay's request timeout",
    { status: 408, body: '' },
    '网络太慢，中继没有等到完整的内容，本次未保存。请换到更好的网络后重试',
  ],
  ['no answer at all', 'offline', '无法连接中继服务器，请检查网络'],
  [
    'an answer that is not the contract',
    { status: 200, body: '{"scans":"x"}' },
    '中继服务器返回了无法识别的数据',
  ],
]

describe('a failed request as a Chinese organizer reads it', () => {
  it.each(WIRE_FAILURES)(
    '%s: in Chinese, never the English it came with',
    async (_, wire, text) => {
      const fetch = vi.fn<typeof globalThis.fetch>(() =>
        wire === 'offline'
          ? Promise.reject(new TypeError('Failed to fetch'))
          : Promise.resolve(
              new Response(wire.body === '' ? null : wire.body, {
                status: wire.status,
                headers: { 'content-type': 'application/json', ...wire.headers },
              }),
            ),
      )
      const fake = createFakeConsoleApi()
      const relay = createConsoleApi({ fetch })
      fake.api.stats.mockImplementation((campaign) => relay.stats(campaign))
      const { wrapper } = mountConsole(StatsPage, fake.api)
      await flushPromises()
      const shown = wrapper.get('[role="alert"]').text()
      expect(shown).toBe(text)
      expect(shown).not.toMatch(/[A-Za-z]{3,} [A-Za-z]{3,}/)
    },
  )
})

/**
 * happy-dom lays nothing out: the virtual list's scroller gets a height (600 px) and a width
 * (1200 px) to show rows in, until the test ends.
 */
function laidOutList(): void {
  const sizes = [
    vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockReturnValue(600),
    vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(1200),
  ]
  onTestFinished(() => sizes.forEach((s) => s.mockRestore()))
}

describe('attendance', () => {
  it('offers the Excel download first as the main button, and says by the CSV one what Excel does to it', async () => {
    // The CSV came first, so organizers took it and double-clicked it into Excel or WPS: codes
    // lost their leading zeros and an 18-digit ID number its last digits.
    const fake = createFakeConsoleApi()
    const { wrapper, i18n } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    const links = wrapper.get('.page-head .actions').findAll('a')
    expect(links.map((a) => a.attributes('data-testid'))).toEqual(['download-xlsx', 'download-csv'])
    expect(links.map((a) => a.classes('primary'))).toEqual([true, false])
    const hint = wrapper.get('[data-testid="download-csv-hint"]')
    expect(wrapper.get('[data-testid="download-csv"]').attributes('aria-describedby')).toBe(
      hint.attributes('id'),
    )
    expect(hint.text()).toContain('开头的 0')
    expect(hint.text()).toContain('1.23E+17')
    expect(hint.text()).toContain('下载 Excel')
    i18n.global.locale.value = 'en'
    await flushPromises()
    const en = wrapper.get('[data-testid="download-csv-hint"]').text()
    expect(en).toContain('leading zeros')
    expect(en).toContain('Download Excel')
  })

  it('one day: the list, both downloads and the file hold that day only; another campaign starts from every day again', async () => {
    const fake = createFakeConsoleApi()
    fake.api.campaigns.mockResolvedValue([
      makeCampaign({ id: 'c-expo', name: '博览会' }),
      makeCampaign({ id: 'c-other', name: '其他' }),
    ])
    fake.api.statsDays.mockResolvedValue({
      timeZone: 'Asia/Shanghai',
      stopsAfterEndsAt: false,
      days: EXPO_DAYS,
    })
    const { wrapper, i18n } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    const select = wrapper.get('[data-testid="attendance-day"]')
    expect(select.findAll('option').map((o) => o.text())).toEqual([
      '全部日期',
      '2026-12-03（1 次扫码）',
      '2026-12-04（1,203 次扫码）',
      '2026-12-05（2 次扫码）',
    ])
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(select.findAll('option').map((o) => o.text())[2]).toBe('2026-12-04 (scans: 1,203)')
    i18n.global.locale.value = 'zh-CN'
    await wrapper.get('[data-testid="campaign-scope"]').setValue('c-expo')
    await flushPromises()
    expect(fake.api.statsDays).toHaveBeenLastCalledWith('c-expo')
    fake.api.attendance.mockClear()
    await select.setValue('2026-12-04')
    await flushPromises()
    expect(fake.api.attendance.mock.calls).toEqual([
      [{ q: '', offset: 0, limit: 200, campaign: 'c-expo', day: '2026-12-04' }],
    ])
    expect(wrapper.get('[data-testid="download-csv"]').attributes('href')).toBe(
      '/console/api/attendance?format=csv&campaign=c-expo&locale=zh-CN&day=2026-12-04',
    )
    expect(wrapper.get('[data-testid="download-xlsx"]').attributes('href')).toBe(
      '/console/api/attendance?format=xlsx&campaign=c-expo&locale=zh-CN&day=2026-12-04',
    )
    // A day's sheet marks 首次到访 是 only on that day's newcomers: the note says so, and how many
    // came that day, each once (day 2's returning visitors are 否 there).
    const note = () => wrapper.get('[data-testid="attendance-per-scan"]').text()
    expect(note()).toContain('这一天到访共 842 人')
    expect(note()).toContain('“否”')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(note()).toContain('842 visitors came this day')
    i18n.global.locale.value = 'zh-CN'
    await flushPromises()
    // The day stays chosen while the list of days is read again, even if it is not in it yet.
    fake.api.statsDays.mockResolvedValue({
      timeZone: 'Asia/Shanghai',
      stopsAfterEndsAt: false,
      days: [],
    })
    await select.trigger('focus')
    await flushPromises()
    expect((select.element as HTMLSelectElement).value).toBe('2026-12-04')
    // Another campaign: every day again (the day chosen may hold none of its scans).
    fake.api.attendance.mockClear()
    await wrapper.get('[data-testid="campaign-scope"]').setValue('c-other')
    await flushPromises()
    expect(fake.api.attendance.mock.calls).toEqual([
      [{ q: '', offset: 0, limit: 200, campaign: 'c-other' }],
    ])
    expect((select.element as HTMLSelectElement).value).toBe('')
    expect(wrapper.get('[data-testid="download-csv"]').attributes('href')).toBe(
      '/console/api/attendance?format=csv&campaign=c-other&locale=zh-CN',
    )
  })
  it('one night past midnight: a day chosen says its neighbouring day holds the rest of the night, and how to get it whole', async () => {
    const fake = createFakeConsoleApi()
    // A New Year's Eve party, 22:00–03:00 in Shanghai: one night, two of the relay's days, and
    // a quiet day before it. The guest who scanned at 23:30 and 00:30 is a visitor of both.
    fake.api.statsDays.mockResolvedValue({
      timeZone: 'Asia/Shanghai',
      stopsAfterEndsAt: false,
      days: [
        { day: '2026-12-29', scans: 4, visitors: 4, newFollowers: 0 },
        { day: '2026-12-31', scans: 310, visitors: 240, newFollowers: 12 },
        { day: '2027-01-01', scans: 95, visitors: 80, newFollowers: 3 },
      ],
    })
    const { wrapper, i18n } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    const split = () => wrapper.find('[data-testid="attendance-day-split"]')
    // All days: the whole night is in the sheet, nothing to say.
    expect(split().exists()).toBe(false)
    const select = wrapper.get('[data-testid="attendance-day"]')
    // At 01:00 the organizer takes today's sheet: the hour since midnight only.
    await select.setValue('2027-01-01')
    await flushPromises()
    expect(split().text()).toContain('2026-12-31 也有扫码')
    expect(split().text()).toContain('Asia/Shanghai')
    expect(split().text()).toContain('两天各算一位访客')
    expect(split().text()).toContain('全部日期')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(split().text()).toContain('scans on 2026-12-31 too')
    expect(split().text()).toContain('counts as a visitor on both days')
    i18n.global.locale.value = 'zh-CN'
    await flushPromises()
    // The evening's day: the night goes on into the next; the quiet day two before is no part of it.
    await select.setValue('2026-12-31')
    await flushPromises()
    expect(split().text()).toContain('2027-01-01 也有扫码')
    expect(split().text()).not.toContain('2026-12-29')
    // A day with no scans either side: one day's sheet is all of it.
    await select.setValue('2026-12-29')
    await flushPromises()
    expect(split().exists()).toBe(false)
    wrapper.unmount()
  })

  it('names both neighbouring days of a day in the middle of a multi-day event', async () => {
    const fake = createFakeConsoleApi()
    fake.api.statsDays.mockResolvedValue({
      timeZone: 'Asia/Shanghai',
      stopsAfterEndsAt: false,
      days: EXPO_DAYS,
    })
    const { wrapper, i18n } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    await wrapper.get('[data-testid="attendance-day"]').setValue('2026-12-04')
    await flushPromises()
    const split = () => wrapper.get('[data-testid="attendance-day-split"]').text()
    expect(split()).toContain('2026-12-03、2026-12-05 也有扫码')
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(split()).toContain('scans on 2026-12-03 and 2026-12-05 too')
    wrapper.unmount()
  })

  it('says when the list cannot reach every row (browsers cap its height), and links the full downloads', async () => {
    for (const [total, capped] of [
      [100_000, false],
      [1_000_000, true],
    ] as const) {
      const fake = createFakeConsoleApi()
      fake.api.attendance.mockResolvedValue({ total, rows: [makeRow(0)] })
      const { wrapper } = mountConsole(AttendancePage, fake.api)
      await flushPromises()
      expect(wrapper.get('[data-testid="attendance-total"]').text()).toContain(
        total.toLocaleString('en-US'),
      )
      expect(wrapper.find('[data-testid="attendance-capped"]').exists()).toBe(capped)
      expect(wrapper.get('[data-testid="download-csv"]').attributes('href')).toBe(
        '/console/api/attendance?format=csv&locale=zh-CN',
      )
      expect(wrapper.get('[data-testid="download-xlsx"]').attributes('href')).toBe(
        '/console/api/attendance?format=xlsx&locale=zh-CN',
      )
      wrapper.unmount()
    }
  })

  it('counts rows in the singular for one, in English; the same words in zh-CN', async () => {
    for (const [total, en, zh] of [
      [1, '1 row', '共 1 条'],
      [2, '2 rows', '共 2 条'],
    ] as const) {
      const fake = createFakeConsoleApi()
      fake.api.attendance.mockResolvedValue({ total, rows: [makeRow(0)] })
      const { wrapper, i18n } = mountConsole(AttendancePage, fake.api)
      await flushPromises()
      const text = () => wrapper.get('[data-testid="attendance-total"]').text()
      expect(text()).toBe(zh)
      i18n.global.locale.value = 'en'
      await flushPromises()
      expect(text()).toBe(en)
      wrapper.unmount()
    }
  })

  it('says the sheet has a row per scan, not per visitor, and how to count visitors', async () => {
    const fake = createFakeConsoleApi()
    fake.api.attendance.mockResolvedValue({ total: 3, rows: [makeRow(0)] })
    const { wrapper } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    const note = wrapper.get('[data-testid="attendance-per-scan"]').text()
    expect(note).toContain('每次扫码一行')
    expect(note).toContain('首次到访')
    wrapper.unmount()
  })

  it('names the offline booths whose scans are still waiting (last seen, how many): the sheet has the scans, desk names come later', async () => {
    const fake = createFakeConsoleApi()
    const bag = new Date()
    bag.setHours(16, 0, 0, 0)
    const yesterday = new Date(bag.getTime() - 86_400_000)
    yesterday.setHours(17, 30, 0, 0)
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-a', online: true, queued: 2, campaignId: 'c-spring' }),
      makeKiosk({
        id: 'hall-b',
        online: false,
        lastSeenAt: bag.getTime(),
        queued: 37,
        campaignId: 'c-spring',
      }),
      makeKiosk({
        id: 'hall-c',
        online: false,
        lastSeenAt: yesterday.getTime(),
        queued: 4,
        campaignId: 'c-autumn',
      }),
      // Offline with nothing waiting, or revoked: nothing of theirs is behind.
      makeKiosk({
        id: 'hall-d',
        online: false,
        lastSeenAt: bag.getTime(),
        queued: 0,
        campaignId: 'c-spring',
      }),
      makeKiosk({
        id: 'hall-e',
        online: false,
        lastSeenAt: bag.getTime(),
        queued: 9,
        revoked: true,
      }),
    ])
    fake.api.campaigns.mockResolvedValue([
      makeCampaign({ id: 'c-spring', name: '春季展' }),
      makeCampaign({ id: 'c-autumn', name: '秋季展' }),
    ])
    const { wrapper, i18n } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    const booths = () =>
      wrapper.findAll('[data-testid="attendance-behind-booth"]').map((b) => b.text())
    const note = wrapper.get('[data-testid="attendance-behind"]').text()
    expect(note).toContain('已在')
    expect(note).toContain('姓名')
    expect(booths()).toEqual([
      'hall-b：离线，自 16:00，37 条扫码待送达',
      `hall-c：离线，自 ${formatDateTime(yesterday.getTime(), 'zh-CN')}，4 条扫码待送达`,
    ])
    // One campaign: only its booths.
    await wrapper.get('[data-testid="campaign-scope"]').setValue('c-spring')
    await flushPromises()
    expect(booths()).toEqual(['hall-b：离线，自 16:00，37 条扫码待送达'])
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(booths()).toEqual(['hall-b: offline since 16:00, 37 scans waiting'])
    // The booth comes back and takes its scans: the note goes.
    fake.api.kiosks.mockResolvedValue([
      makeKiosk({ id: 'hall-b', online: true, queued: 0, campaignId: 'c-spring' }),
    ])
    await useKiosksStore().refresh()
    await flushPromises()
    expect(wrapper.find('[data-testid="attendance-behind"]').exists()).toBe(false)
  })

  it('one campaign: its scans in the list, the downloads and the stats; gone from the list, all again', async () => {
    const fake = createFakeConsoleApi()
    fake.api.campaigns.mockResolvedValue([
      makeCampaign({ id: 'c-spring', name: '春季展' }),
      makeCampaign({ id: 'c-autumn', name: '秋季展' }),
    ])
    const { wrapper } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    const select = wrapper.get('[data-testid="campaign-scope"]')
    expect(select.findAll('option').map((o) => o.text())).toEqual(['全部活动', '春季展', '秋季展'])
    fake.api.attendance.mockClear()
    await select.setValue('c-autumn')
    await flushPromises()
    expect(fake.api.attendance.mock.calls).toEqual([
      [{ q: '', offset: 0, limit: 200, campaign: 'c-autumn' }],
    ])
    expect(wrapper.get('[data-testid="download-csv"]').attributes('href')).toBe(
      '/console/api/attendance?format=csv&campaign=c-autumn&locale=zh-CN',
    )
    // The stats are about the same campaign (one choice in the console's store).
    await useStatsStore().refresh()
    expect(fake.api.stats).toHaveBeenLastCalledWith('c-autumn')
    await select.setValue('')
    await flushPromises()
    await useStatsStore().refresh()
    expect(fake.api.stats).toHaveBeenLastCalledWith(undefined)
    expect(fake.api.attendance).toHaveBeenLastCalledWith({ q: '', offset: 0, limit: 200 })
    // A campaign no longer listed is not kept as the choice.
    await select.setValue('c-spring')
    fake.api.campaigns.mockResolvedValue([makeCampaign({ id: 'c-autumn', name: '秋季展' })])
    await useCampaignsStore().refresh()
    await flushPromises()
    expect(useScopeStore().campaignId).toBeNull()
    expect((select.element as HTMLSelectElement).value).toBe('')
  })

  it('another campaign chosen drops the last one’s error while its own list is asked for', async () => {
    const fake = createFakeConsoleApi()
    fake.api.campaigns.mockResolvedValue([
      makeCampaign({ id: 'c-spring', name: '春季展' }),
      makeCampaign({ id: 'c-autumn', name: '秋季展' }),
    ])
    fake.api.attendance.mockRejectedValueOnce(new ConsoleApiError('network', 0))
    const { wrapper } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    expect(wrapper.find('[role="alert"]').exists()).toBe(true)
    // 秋季展's list is on its way (slow Wi-Fi): no error of the other choice above it.
    let answer: (page: ConsoleAttendancePage) => void = () => {}
    fake.api.attendance.mockImplementationOnce(() => new Promise((r) => (answer = r)))
    await wrapper.get('[data-testid="campaign-scope"]').setValue('c-autumn')
    await flushPromises()
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
    answer({ total: 1, rows: [makeRow(0)] })
    await flushPromises()
    expect(wrapper.get('[data-testid="attendance-total"]').text()).toBe('共 1 条')
  })

  it('a download whose check the relay is slow to answer goes ahead after 3 s, not at once nor never', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    // The script's own click that lets the download go (happy-dom would navigate on it).
    const clicks = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {})
    onTestFinished(() => clicks.mockRestore())
    const fake = createFakeConsoleApi()
    const signals: (AbortSignal | undefined)[] = []
    fake.api.checkDownload.mockImplementation((_url, signal) => {
      signals.push(signal)
      return new Promise<void>(() => {})
    })
    const { wrapper } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    await wrapper.get('[data-testid="download-csv"]').trigger('click')
    await flushPromises()
    expect(fake.api.checkDownload).toHaveBeenCalledTimes(1)
    // A second click while the check is out waits for it: no second HEAD, no second download.
    await wrapper.get('[data-testid="download-csv"]').trigger('click')
    await flushPromises()
    expect(fake.api.checkDownload).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(2999)
    await flushPromises()
    expect(clicks).not.toHaveBeenCalled()
    expect(signals[0]?.aborted).toBe(false)
    vi.advanceTimersByTime(1)
    await flushPromises()
    expect(clicks).toHaveBeenCalledTimes(1)
    expect(wrapper.find('[data-testid="download-error"]').exists()).toBe(false)
    // The HEAD given up on is cancelled, not left open for its 30 s: clicks after the fallback
    // never pile up several checks at once.
    expect(signals[0]?.aborted).toBe(true)
  })

  it('leaving the page while a download is checked cancels the HEAD: no download, no error later', async () => {
    // The HEAD was left open after the page closed: at 3 s the fallback clicked the (detached)
    // link and the file downloaded on whatever page the organizer had opened meanwhile.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const clicks = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {})
    onTestFinished(() => clicks.mockRestore())
    const fake = createFakeConsoleApi()
    const signals: (AbortSignal | undefined)[] = []
    const cancelled = vi.fn()
    fake.api.checkDownload.mockImplementation(
      (_url, signal) =>
        new Promise<void>((_resolve, reject) => {
          signals.push(signal)
          signal?.addEventListener('abort', () => {
            cancelled()
            reject(new ConsoleApiError('network', 0))
          })
        }),
    )
    const { wrapper } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    await wrapper.get('[data-testid="download-csv"]').trigger('click')
    await flushPromises()
    expect(signals[0]?.aborted).toBe(false)
    wrapper.unmount()
    expect(signals[0]?.aborted).toBe(true)
    vi.advanceTimersByTime(30_000)
    await flushPromises()
    expect(cancelled).toHaveBeenCalledTimes(1)
    expect(clicks).not.toHaveBeenCalled()
  })

  it("another campaign chosen drops the last choice's refused download", async () => {
    const fake = createFakeConsoleApi()
    fake.api.campaigns.mockResolvedValue([
      makeCampaign({ id: 'c-spring', name: '春季展' }),
      makeCampaign({ id: 'c-autumn', name: '秋季展' }),
    ])
    fake.api.checkDownload.mockRejectedValueOnce(new ConsoleApiError('internal', 503))
    const { wrapper } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    await wrapper.get('[data-testid="download-csv"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="download-error"]').text()).toContain('没有开始下载')
    await wrapper.get('[data-testid="campaign-scope"]').setValue('c-autumn')
    await flushPromises()
    expect(wrapper.find('[data-testid="download-error"]').exists()).toBe(false)
  })

  it('asks for a campaign to erase a visitor only when there is a campaign to pick and a scan to erase', async () => {
    // A newly deployed relay (no campaign, no scan) and the demo's (scans of the kiosk's own
    // campaign only) both said 先选择一个活动，才能删除其中的访客 with no campaign to choose.
    const pick = (w: { find: (s: string) => { exists: () => boolean } }) =>
      w.find('[data-testid="erase-pick-campaign"]').exists()
    const empty = createFakeConsoleApi()
    empty.api.campaigns.mockResolvedValue([])
    empty.api.attendance.mockResolvedValue({ total: 0, rows: [] })
    const first = mountConsole(AttendancePage, empty.api)
    await flushPromises()
    expect(pick(first.wrapper)).toBe(false)
    first.wrapper.unmount()

    const scansNoCampaign = createFakeConsoleApi()
    scansNoCampaign.api.campaigns.mockResolvedValue([])
    scansNoCampaign.api.attendance.mockResolvedValue({ total: 1, rows: [makeRow(0)] })
    const second = mountConsole(AttendancePage, scansNoCampaign.api)
    await flushPromises()
    expect(pick(second.wrapper)).toBe(false)
    second.wrapper.unmount()

    const campaignNoScans = createFakeConsoleApi()
    campaignNoScans.api.campaigns.mockResolvedValue([
      makeCampaign({ id: 'c-spring', name: '春季展' }),
    ])
    campaignNoScans.api.attendance.mockResolvedValue({ total: 0, rows: [] })
    const third = mountConsole(AttendancePage, campaignNoScans.api)
    await flushPromises()
    expect(pick(third.wrapper)).toBe(false)
  })

  it('writes each scan’s time in the relay’s time zone, as the downloaded sheets and the day filter do', async () => {
    laidOutList()
    const fake = createFakeConsoleApi()
    // 2026-12-06 08:26:43 UTC: 16:26:43 in Shanghai, 03:26:43 in New York.
    const row = { ...makeRow(0), scannedAt: Date.UTC(2026, 11, 6, 8, 26, 43) }
    const at = (timeZone?: string) =>
      new Intl.DateTimeFormat('en-US', { hour: '2-digit', hourCycle: 'h23', timeZone }).format(
        row.scannedAt,
      )
    // A zone other than the one the tests run in, so the browser's time would differ.
    const zone = at('Asia/Shanghai') === at() ? 'America/New_York' : 'Asia/Shanghai'
    const shown = zone === 'Asia/Shanghai' ? '2026/12/06 16:26:43' : '2026/12/06 03:26:43'
    fake.api.statsDays.mockResolvedValue({ timeZone: zone, stopsAfterEndsAt: false, days: [] })
    fake.api.attendance.mockResolvedValue({ total: 1, rows: [row] })
    const { wrapper, i18n } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    const cells = () => wrapper.get('[data-testid="attendance-row"]').findAll('[role="cell"]')
    expect(cells()[1]?.text()).toBe(shown)
    expect(wrapper.findAll('[role="columnheader"]')[1]?.attributes('title')).toBe(
      `时间按中继的时区 ${zone}，与下载的表格一致`,
    )
    // Seen too, once, not only in the column's title (out of reach on a touch screen).
    expect(wrapper.findAll('[data-testid="attendance-zone"]')).toHaveLength(1)
    expect(wrapper.get('[data-testid="attendance-zone"]').text()).toBe(`时间按 ${zone}`)
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(cells()[1]?.text()).toBe(
      zone === 'Asia/Shanghai' ? '6 Dec 2026, 16:26:43' : '6 Dec 2026, 03:26:43',
    )
    expect(wrapper.get('[data-testid="attendance-zone"]').text()).toBe(`Times in ${zone}`)
  })

  it('offers no erase on a row already erased (its openid a pseudonym)', async () => {
    laidOutList()
    const fake = createFakeConsoleApi()
    fake.api.campaigns.mockResolvedValue([makeCampaign({ id: 'c-spring', name: '春季展' })])
    const erased = { ...makeRow(0), openid: 'erased:AbC-12_xyz', name: null }
    const kept = makeRow(1)
    fake.api.attendance.mockResolvedValue({ total: 2, rows: [erased, kept] })
    const { wrapper } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    await wrapper.get('[data-testid="campaign-scope"]').setValue('c-spring')
    await flushPromises()
    expect(wrapper.findAll('[data-testid="attendance-row"]')).toHaveLength(2)
    expect(wrapper.findAll('[data-testid="attendance-erase"]')).toHaveLength(1)
    expect(wrapper.find(`[data-erase="${kept.openid}"]`).exists()).toBe(true)
    expect(wrapper.find(`[data-erase="${erased.openid}"]`).exists()).toBe(false)
  })

  it('names each row’s erase button after its visitor, so a list of them is not one word repeated', async () => {
    laidOutList()
    const fake = createFakeConsoleApi()
    fake.api.campaigns.mockResolvedValue([makeCampaign({ id: 'c-spring', name: '春季展' })])
    const nameless = { ...makeRow(2), number: null }
    fake.api.attendance.mockResolvedValue({ total: 3, rows: [makeRow(0), makeRow(1), nameless] })
    const { wrapper, i18n } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    await wrapper.get('[data-testid="campaign-scope"]').setValue('c-spring')
    await flushPromises()
    /** Each erase button's accessible name (aria-label) and its tooltip. */
    const names = () =>
      wrapper
        .findAll('[data-testid="attendance-erase"]')
        .map((b) => [b.attributes('aria-label'), b.attributes('title')])
    expect(names()).toEqual([
      ['删除此访客：来宾 #1', '删除此访客：来宾 #1'],
      ['删除此访客：访客 1', '删除此访客：访客 1'],
      [`删除此访客：${nameless.openid}`, `删除此访客：${nameless.openid}`],
    ])
    i18n.global.locale.value = 'en'
    await flushPromises()
    expect(names()).toEqual([
      ['Erase this visitor: Guest #1', 'Erase this visitor: Guest #1'],
      ['Erase this visitor: 访客 1', 'Erase this visitor: 访客 1'],
      [`Erase this visitor: ${nameless.openid}`, `Erase this visitor: ${nameless.openid}`],
    ])
    // The visible word begins the name (WCAG 2.5.3, label in name): speech input finds it.
    for (const button of wrapper.findAll('[data-testid="attendance-erase"]'))
      expect(button.attributes('aria-label')).toMatch(new RegExp(`^${button.text()}`))
  })

  it('erases a visitor of the chosen campaign only after a confirmation naming them, then reads the list again', async () => {
    laidOutList()
    const fake = createFakeConsoleApi()
    fake.api.campaigns.mockResolvedValue([makeCampaign({ id: 'c-spring', name: '春季展' })])
    const named = makeRow(1)
    fake.api.attendance.mockResolvedValue({ total: 2, rows: [makeRow(0), named] })
    const { wrapper, i18n } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    // Every campaign in scope: an erasure is of one campaign, so no row offers it.
    expect(wrapper.findAll('[data-testid="attendance-row"]').length).toBeGreaterThan(0)
    expect(wrapper.find('[data-testid="attendance-erase"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="erase-pick-campaign"]').text()).toContain('先选择一个活动')
    // Nor is there an empty 删除 column: the rows keep the width of the list without it.
    const headings = () => wrapper.findAll('[role="columnheader"]').map((h) => h.text())
    expect(headings()).not.toContain('删除')
    expect(wrapper.find('.tr.erasable').exists()).toBe(false)

    await wrapper.get('[data-testid="campaign-scope"]').setValue('c-spring')
    await flushPromises()
    expect(headings()).toContain('删除')
    expect(wrapper.find('[data-testid="attendance-row"]').classes()).toContain('erasable')
    const button = wrapper.get(`[data-erase="${named.openid}"]`)
    await button.trigger('click')
    await flushPromises()
    // Asked, not done: the confirmation names the visitor and the campaign.
    expect(fake.api.eraseVisitor).not.toHaveBeenCalled()
    const confirm = wrapper.get('[data-testid="erase-confirm"]')
    expect(confirm.text()).toContain('访客 1')
    expect(confirm.text()).toContain('春季展')
    expect(confirm.text()).toContain('不能撤销')
    // 取消 changes nothing.
    await confirm.get('[data-confirm-cancel]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="erase-confirm"]').exists()).toBe(false)
    expect(fake.api.eraseVisitor).not.toHaveBeenCalled()

    fake.api.eraseVisitor.mockResolvedValueOnce({
      campaignId: 'c-spring',
      at: 1,
      number: 2,
      bindings: 1,
      stamps: 0,
      followUp: false,
      draws: 0,
    })
    await wrapper.get(`[data-erase="${named.openid}"]`).trigger('click')
    await flushPromises()
    fake.api.attendance.mockClear()
    await wrapper.get('[data-testid="erase-confirm-button"]').trigger('click')
    await flushPromises()
    expect(fake.api.eraseVisitor.mock.calls).toEqual([['c-spring', named.openid]])
    expect(wrapper.find('[data-testid="erase-confirm"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="erase-done"]').text()).toBe(
      '已从活动「春季展」删除此访客的签到号、姓名、集章、后续互动和抽奖姓名；扫码记录（签到台、时间）保留，其中的微信 openid 已换成匿名编号（Redis 中继暂时保留 openid）。签到台本机上的记录暂时保留。',
    )
    expect(fake.api.attendance).toHaveBeenCalledWith(
      expect.objectContaining({ campaign: 'c-spring', offset: 0 }),
    )

    // A refusal is said, and the confirmation stays for another try; in English too.
    i18n.global.locale.value = 'en'
    fake.api.eraseVisitor.mockRejectedValueOnce(new ConsoleApiError('rate_limited', 429))
    await wrapper.get(`[data-erase="${named.openid}"]`).trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="erase-confirm"]').text()).toContain('cannot be undone')
    await wrapper.get('[data-testid="erase-confirm-button"]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="erase-error"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="erase-confirm"]').exists()).toBe(true)
    // Every campaign in scope again: that campaign's confirmation and its refusal go with it.
    await wrapper.get('[data-testid="campaign-scope"]').setValue('')
    await flushPromises()
    expect(wrapper.find('[data-testid="erase-confirm"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="erase-error"]').exists()).toBe(false)
  })

  it('a search waits for typing to pause, then asks the relay once, from the first row', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const fake = createFakeConsoleApi()
    const { wrapper } = mountConsole(AttendancePage, fake.api)
    await flushPromises()
    fake.api.attendance.mockClear()
    const input = wrapper.get('[data-testid="attendance-search"]')
    for (const q of ['h', 'ha', 'hal', 'hall-b']) await input.setValue(q)
    vi.advanceTimersByTime(299)
    expect(fake.api.attendance).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    await flushPromises()
    expect(fake.api.attendance.mock.calls).toEqual([[{ q: 'hall-b', offset: 0, limit: 200 }]])
  })
})
