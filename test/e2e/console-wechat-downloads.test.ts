/**
 * The BUILT console opened from a WeChat chat (WeChat's built-in browser, its User-Agent saying
 * MicroMessenger): a download does not start there (Android) or is only previewed (iOS), and the
 * system browser it offers has cookies of its own. The attendance page says so beside its
 * download buttons, in the page's language, and what to do; in any other browser it says nothing.
 * In WeChat's desktop app (no ⋯ to tap) it says to use the button of the app's window.
 * Screenshots: test-artifacts/screenshots/console-wechat-downloads-{zh,en,desktop}.png.
 */
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { screenshot, waitForPage } from './browser'
import type { FakeConsoleRelay } from './fake-console-relay'
import { ATTENDANCE, fakeConsolePage } from './fake-console-page'
import { WECHAT_ANDROID_UA, WECHAT_WINDOWS_UA } from '../helpers/wechat-user-agents'

const HINT = '[data-testid="wechat-download-hint"]'

describe('the attendance downloads in WeChat’s built-in browser', () => {
  const fx = fakeConsolePage({
    relay: { attendanceRows: 10 },
    context: {
      locale: 'zh-CN',
      userAgent: WECHAT_ANDROID_UA,
      viewport: { width: 412, height: 860 },
      isMobile: true,
      hasTouch: true,
    },
    open: ATTENDANCE,
  })
  let relay: FakeConsoleRelay
  let page: Page

  beforeAll(() => {
    ;({ relay, page } = fx)
  })

  /** The attendance page in another browser with the same session (its cookie). */
  const opened = async (options: BrowserContextOptions): Promise<[BrowserContext, Page]> => {
    const browser = page.context().browser()
    if (browser === null) throw new Error('no browser')
    const context = await browser.newContext({
      locale: 'zh-CN',
      storageState: await page.context().storageState(),
      ...options,
    })
    const other = await context.newPage()
    await other.goto(`${relay.origin}/console/${ATTENDANCE.hash}`)
    await other.locator(ATTENDANCE.ready).waitFor()
    await other.locator('[data-testid="attendance-row"]').first().waitFor()
    return [context, other]
  }

  it('says to open the page in the browser and sign in there, in zh-CN then English', async () => {
    await page.locator(HINT).waitFor()
    expect((await page.locator(HINT).textContent())?.trim()).toBe(
      '在微信里打开时，文件可能无法下载（安卓）或只能预览（iPhone）。请点击右上角「⋯」选择「在浏览器打开」，在浏览器中登录后再下载。',
    )
    expect(await page.locator(HINT).isVisible()).toBe(true)
    await screenshot(page, 'console-wechat-downloads-zh')

    await page.click('[data-locale="en"]')
    await waitForPage(page, `document.documentElement.lang === 'en'`)
    expect((await page.locator(HINT).textContent())?.trim()).toBe(
      'In WeChat, downloads may not start (Android) or only preview (iPhone). Tap ⋯ at the top right, choose “Open in browser”, sign in there and download.',
    )
    await screenshot(page, 'console-wechat-downloads-en')
    await page.click('[data-locale="zh-CN"]')
    expect(fx.problems).toEqual([])
  }, 60_000)

  it("in WeChat's desktop app, says to use its window's button, not a ⋯ it does not have", async () => {
    const [context, desktop] = await opened({
      userAgent: WECHAT_WINDOWS_UA,
      viewport: { width: 1000, height: 760 },
    })
    try {
      await desktop.locator(HINT).waitFor()
      const text = (await desktop.locator(HINT).textContent())?.trim()
      expect(text).toBe(
        '在电脑版微信或企业微信的窗口里打开时，文件可能无法下载。请点击窗口顶部用默认浏览器打开本页的按钮，在浏览器中登录后再下载。',
      )
      expect(text).not.toContain('⋯')
      await screenshot(desktop, 'console-wechat-downloads-desktop')
    } finally {
      await context.close()
    }
  }, 60_000)

  it('says nothing of WeChat in an ordinary browser', async () => {
    const [context, plain] = await opened({})
    try {
      expect(await plain.locator(HINT).count()).toBe(0)
    } finally {
      await context.close()
    }
  }, 60_000)
})
