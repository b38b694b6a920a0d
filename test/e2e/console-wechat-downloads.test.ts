/**
 * The BUILT console opened from a WeChat chat (WeChat's built-in browser, its User-Agent saying
 * MicroMessenger): a download does not start there (Android) or is only previewed (iOS), and the
 * system browser it offers has cookies of its own. The attendance page says so beside its
 * download buttons, in the page's language, and what to do; in any other browser it says nothing.
 * Screenshots: test-artifacts/screenshots/console-wechat-downloads-{zh,en}.png.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { screenshot, waitForPage } from './browser'
import type { FakeConsoleRelay } from './fake-console-relay'
import { fakeConsolePage } from './fake-console-page'
import { WECHAT_ANDROID_UA } from '../helpers/wechat-user-agents'

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
  })
  let relay: FakeConsoleRelay
  let page: Page

  beforeAll(async () => {
    ;({ relay, page } = fx)
    await page.goto(`${relay.origin}/console/#/attendance`)
    await page.locator('[data-testid="download-csv"]').waitFor()
  })

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

  it('says nothing of WeChat in an ordinary browser', async () => {
    const browser = page.context().browser()
    if (browser === null) throw new Error('no browser')
    // The same session (its cookie), another browser's User-Agent.
    const context = await browser.newContext({
      locale: 'zh-CN',
      storageState: await page.context().storageState(),
    })
    try {
      const plain = await context.newPage()
      await plain.goto(`${relay.origin}/console/#/attendance`)
      await plain.locator('[data-testid="download-csv"]').waitFor()
      await plain.locator('[data-testid="attendance-row"]').first().waitFor()
      expect(await plain.locator(HINT).count()).toBe(0)
    } finally {
      await context.close()
    }
  }, 60_000)
})
