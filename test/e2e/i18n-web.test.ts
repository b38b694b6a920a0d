/**
 * Every word in the UI's language, not the browser's: Chromium set to en-US, the kiosk's UI in
 * zh-CN. A wrong PIN, a call refused because the admin session ended, a failed connection test
 * and the campaign's dates read in Chinese; switched to English, the same read in English.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { goHash, screenshot } from './browser'
import { callKiosk, type KioskProcess } from './kiosk-process'
import { demoKioskPage } from './demo-kiosk'
import { UNDER_LOAD } from '../helpers/wait'

/**
 * A relay that is down: the discard port, privileged, so no test's server (port 0) can be
 * handed it while the kiosk keeps calling it.
 */
const DEAD_RELAY_PORT = 9

describe('the UI speaks its own language in an en-US Chromium', () => {
  const demo = demoKioskPage({
    name: 'i18n',
    // Tall enough that each admin page, with its messages, fits one screenshot.
    context: {
      viewport: { width: 1280, height: 1400 },
      locale: 'en-US',
      timezoneId: 'America/New_York',
    },
  })
  const { pageErrors } = demo
  let kiosk: KioskProcess
  let page: Page
  let wrongPin: string

  /** Calls the kiosk API as the page does; the answer's status. */
  const call = async (name: string, input?: unknown): Promise<number> =>
    (await callKiosk(kiosk, name, input)).status

  async function enterPin(pin: string): Promise<void> {
    await page.locator('[data-testid="pin-pad"]').waitFor()
    await page.keyboard.type(pin)
    await page.keyboard.press('Enter')
  }

  /** Opens an admin page, entering the PIN first when the admin area is locked. */
  async function openAdminPage(hash: string): Promise<void> {
    await goHash(page, hash)
    const target = page.locator(`[data-testid="admin-page-${hash.split('/').pop() ?? ''}"]`)
    const pad = page.locator('[data-testid="pin-pad"]')
    await target.or(pad).first().waitFor()
    if (await pad.isVisible()) {
      await enterPin(kiosk.adminPin ?? '')
      await target.waitFor()
    }
  }

  const text = (selector: string) => page.locator(selector).first().textContent()

  beforeAll(async () => {
    ;({ kiosk, page } = demo)
    wrongPin = demo.pin === '000000' ? '111111' : '000000'
    expect(await page.evaluate('navigator.language')).toBe('en-US')
  }, 120_000)

  it('a wrong admin PIN reads in Chinese', async () => {
    await call('setLocale', { locale: 'zh-CN' })
    // From the kiosk screen with the admin area locked, whatever an earlier test left
    // (locking a locked admin area is itself refused as locked: 403).
    expect([200, 403]).toContain(await call('lockAdmin'))
    await goHash(page, '#/')
    await page.keyboard.press('Control+Shift+A')
    await enterPin(wrongPin)
    await expect(text('[data-testid="pin-wrong"]')).resolves.toMatch(
      /^PIN 码错误，还可尝试 \d+ 次$/,
    )
    await screenshot(page, 'i18n-zh-pin-wrong')
    await enterPin(kiosk.adminPin ?? '')
    await page.locator('[data-testid="admin-page-attendance"]').waitFor()
  }, 30_000)

  /**
   * Types 2026-12-01 to 2026-12-03 into the campaign editor's own date controls. The parts
   * follow the UI's order (年 月 日, or Month Day, Year); the first part carries the plain id.
   */
  async function fillCampaignDates(): Promise<void> {
    const part = async (id: string, name: string) => {
      const own = page.locator(`#${id}-${name}`)
      return (await own.count()) > 0 ? own : page.locator(`#${id}`)
    }
    for (const [id, day] of [
      ['c-start', '1'],
      ['c-end', '3'],
    ] as const) {
      await (await part(id, 'year')).fill('2026')
      await (await part(id, 'month')).selectOption('12')
      await (await part(id, 'day')).fill(day)
    }
  }

  it('the campaign dates are typed and read in Chinese', async () => {
    await call('setLocale', { locale: 'zh-CN' })
    await openAdminPage('#/admin/campaign')
    await page.locator('[data-testid="campaign-editor"]').waitFor()
    // The demo campaign, or (once the demo is left) a new one that needs a name.
    if ((await page.locator('#c-name').inputValue()) === '') {
      await page.locator('#c-name').fill('展会')
    }
    // Our own control, in the page's order: 年, 月, 日 (a native one would be mm/dd/yyyy here).
    await fillCampaignDates()
    await expect(text('[data-testid="date-c-start"]')).resolves.toContain('年')
    await expect(page.locator('#c-start-month option:checked').textContent()).resolves.toBe('12月')
    await page.locator('[data-testid="campaign-editor"] button[type="submit"]').click()
    // Every campaign in the list has these dates (whichever this test edited).
    const dates = page.locator('[data-testid="campaign-dates"]').first()
    await expect.poll(() => dates.textContent()).toContain('2026年12月1日 – 2026年12月3日')
    await page.locator('[data-testid="admin-page-campaign"] h2').scrollIntoViewIfNeeded()
    await screenshot(page, 'i18n-zh-campaign-dates')
  }, 30_000)

  it('a call refused because the admin session ended reads in Chinese', async () => {
    await call('setLocale', { locale: 'zh-CN' })
    await openAdminPage('#/admin/diagnostics')
    expect(await call('lockAdmin')).toBe(200)
    const note = page.locator('[data-testid="pin-pad"] .note')
    // The pad comes when a call of the page is refused as locked: the diagnostics page asks on
    // opening and again every 5 s (its REFRESH_MS), each answer slowed by the load.
    await note.waitFor({ timeout: UNDER_LOAD.timeout })
    await expect(note.textContent()).resolves.toBe('管理会话已锁定，请重新输入 PIN 码')
    await screenshot(page, 'i18n-zh-admin-locked')
    await enterPin(kiosk.adminPin ?? '')
    await page.locator('[data-testid="admin-page-diagnostics"]').waitFor()
  }, 30_000)

  let deadRelayUrl: string | null = null
  /**
   * Saves a relay address where nothing listens (once), which also leaves demo mode; then the
   * setup page shows it. Any test that needs a failing connection check calls this.
   */
  async function pointAtDeadRelay(): Promise<void> {
    if (deadRelayUrl === null) {
      const port = DEAD_RELAY_PORT
      await openAdminPage('#/admin/setup')
      // A demo kiosk's form starts empty (the demo's loopback relay is no starting point).
      await page.locator('#relayUrl').waitFor()
      // A kiosk without a token opens on pairing: this one is set up with a typed token.
      await page.locator('input[name="mode"][value="token"]').check()
      await expect.poll(() => page.locator('#kioskId').inputValue()).toBe('')
      const relayUrl = `http://127.0.0.1:${port}`
      await page.locator('#relayUrl').fill(relayUrl)
      await page.locator('#kioskId').fill('booth-dead')
      await page.locator('#relayToken').fill('t'.repeat(32))
      await page.locator('input[name="source"][value="proxy"]').check()
      await page.locator('[data-testid="admin-page-setup"] button[type="submit"]').click()
      // Saving a real relay leaves demo mode with no campaign active: the admin area goes on
      // to the campaign page.
      await expect
        .poll(() => page.evaluate<string>('window.location.hash'), { timeout: 10_000 })
        .toBe('#/admin/campaign')
      deadRelayUrl = relayUrl
    }
    await openAdminPage('#/admin/setup')
    await expect.poll(() => page.locator('#relayUrl').inputValue()).toBe(deadRelayUrl)
  }

  it('a failed connection test (relay down) reads in Chinese', async () => {
    await call('setLocale', { locale: 'zh-CN' })
    await pointAtDeadRelay()
    await page.locator('[data-testid="test-connection"]').click()
    const check = page.locator('[data-testid="connection-check"]')
    await check.waitFor({ timeout: 20_000 })
    await expect(check.textContent()).resolves.toContain(
      '中继：无法连接 — 请检查网络和地址是否正确',
    )
    await expect(check.textContent()).resolves.toContain('微信接口：')
    await expect(check.textContent()).resolves.not.toMatch(/relay|cannot|HTTP/i)
    await screenshot(page, 'i18n-zh-connection-test')
  }, 60_000)

  it('a call the core refuses (wrong current PIN) reads in Chinese', async () => {
    await call('setLocale', { locale: 'zh-CN' })
    await openAdminPage('#/admin/settings')
    await page.locator('#pin-current').fill(wrongPin)
    await page.locator('#pin-new').fill('24682468')
    await page.locator('#pin-new').press('Enter')
    const error = page.locator('[data-error-for="pin-new"]')
    await error.waitFor({ timeout: 10_000 })
    await expect(error.textContent()).resolves.toBe('操作失败：当前 PIN 码不正确')
    await screenshot(page, 'i18n-zh-wrong-current-pin')
  }, 30_000)

  it('switched to English, the same read in English', async () => {
    await pointAtDeadRelay()
    expect(await call('setLocale', { locale: 'en' })).toBe(200)
    await expect
      .poll(() => page.locator('[data-testid="test-connection"]').textContent())
      .toBe('Test connection')
    await page.locator('[data-testid="test-connection"]').click()
    await expect
      .poll(() => page.locator('[data-testid="connection-check"]').textContent(), {
        timeout: 20_000,
      })
      .toContain('Relay: Cannot connect — check the network and the address')
    await screenshot(page, 'i18n-en-connection-test')

    // Leaving the demo took the demo campaign with it: create a real one.
    await openAdminPage('#/admin/campaign')
    await page.locator('[data-testid="campaign-editor"]').waitFor()
    await page.getByRole('button', { name: '+ New campaign' }).click()
    await page.locator('#c-name').fill('Expo')
    await fillCampaignDates()
    await page.locator('[data-testid="campaign-editor"] button[type="submit"]').click()
    await expect
      .poll(() =>
        page
          .getByRole('listitem')
          .filter({ hasText: 'Expo' })
          .getByTestId('campaign-dates')
          .textContent(),
      )
      .toContain('December 1, 2026 – December 3, 2026')
    await expect(page.locator('#c-start option:checked').textContent()).resolves.toBe('December')
    await page.locator('[data-testid="admin-page-campaign"] h2').scrollIntoViewIfNeeded()
    await screenshot(page, 'i18n-en-campaign-dates')

    expect(await call('lockAdmin')).toBe(200)
    await goHash(page, '#/admin/diagnostics')
    const note = page.locator('[data-testid="pin-pad"] .note')
    await note.waitFor({ timeout: 10_000 })
    await expect(note.textContent()).resolves.toBe(
      'The admin session is locked. Please enter the PIN again.',
    )
    await enterPin(wrongPin)
    await expect(text('[data-testid="pin-wrong"]')).resolves.toMatch(
      /^Wrong PIN, \d+ attempts left$/,
    )
  }, 60_000)

  it('raised no script errors along the way', () => {
    expect(pageErrors).toEqual([])
  })
})
