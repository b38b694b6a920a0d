/**
 * The BUILT console in real Chromium when a download cannot start (the relay's store not
 * answering, the relay unreachable): a browser shows a refused download only as "failed" in its
 * own bar, if at all, so the page checks with the relay first (a HEAD) and says why, in the
 * page's language — and a download the relay would answer still saves the sheet.
 * Screenshots: test-artifacts/screenshots/console-download-refused-{zh,en}.png.
 */
import type { Page, Route } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { screenshot, waitForPage } from './browser'
import { ATTENDANCE, fakeConsolePage } from './fake-console-page'

const ERROR = '[data-testid="download-error"]'
const isExport = (url: URL): boolean =>
  url.pathname.endsWith('/console/api/attendance') && url.searchParams.has('format')

describe('the attendance downloads when the relay refuses them', () => {
  const fx = fakeConsolePage({
    relay: { attendanceRows: 10 },
    context: { locale: 'zh-CN', acceptDownloads: true, viewport: { width: 1280, height: 800 } },
    open: ATTENDANCE,
  })
  const { problems } = fx
  let page: Page

  beforeAll(() => {
    page = fx.page
  })

  it('says the server failed, in zh-CN then English, and saves nothing', async () => {
    const refuse = (route: Route): Promise<void> =>
      route.request().method() === 'HEAD'
        ? route.fulfill({ status: 503, headers: { 'retry-after': '5' } })
        : route.continue()
    await page.route(isExport, refuse)
    let downloads = 0
    const counted = (): void => {
      downloads++
    }
    page.on('download', counted)
    await page.click('[data-testid="download-csv"]')
    await page.locator(ERROR).waitFor()
    expect((await page.locator(ERROR).textContent())?.trim()).toBe(
      '没有开始下载：服务器出错，请稍后再试',
    )
    await screenshot(page, 'console-download-refused-zh')

    await page.click('[data-locale="en"]')
    await waitForPage(page, `document.documentElement.lang === 'en'`)
    await page.click('[data-testid="download-xlsx"]')
    await waitForPage(
      page,
      `document.documentElement.lang === 'en' && !!document.querySelector('${ERROR}')`,
    )
    expect((await page.locator(ERROR).textContent())?.trim()).toBe(
      'The download did not start: The server failed; try again shortly',
    )
    await screenshot(page, 'console-download-refused-en')
    await page.click('[data-locale="zh-CN"]')
    await page.unroute(isExport, refuse)
    page.off('download', counted)
    expect(downloads).toBe(0)
  }, 60_000)

  it("names the store's refusal the relay put in the HEAD's headers, not the generic failure", async () => {
    const message = "the relay's store refused it (database is locked); try again once it is fixed"
    const refuse = (route: Route): Promise<void> =>
      route.request().method() === 'HEAD'
        ? route.fulfill({
            status: 503,
            headers: {
              'x-error-code': 'internal',
              'x-error-message': encodeURIComponent(message),
            },
          })
        : route.continue()
    await page.route(isExport, refuse)
    await page.click('[data-testid="download-csv"]')
    await waitForPage(
      page,
      `(document.querySelector('${ERROR}')?.textContent ?? '').includes('数据库被锁定')`,
    )
    expect((await page.locator(ERROR).textContent())?.trim()).toMatch(
      /^没有开始下载：中继的存储无法读取（数据库被锁定）/,
    )
    await page.unroute(isExport, refuse)
  }, 60_000)

  it('a relay slow to answer the check gets the download anyway, not held past the click’s user activation', async () => {
    // The HEAD is held unanswered (a relay slow to answer it): the download must not wait for it
    // past the browser's user activation, or it may be blocked.
    const held: Route[] = []
    const hold = (route: Route): Promise<void> => {
      if (route.request().method() !== 'HEAD') return route.fallback()
      held.push(route)
      return Promise.resolve()
    }
    await page.route(isExport, hold)
    try {
      const saved = page.waitForEvent('download', { timeout: 30_000 })
      await page.click('[data-testid="download-csv"]')
      const download = await saved
      expect(held.length).toBe(1)
      expect(await download.failure()).toBeNull()
      expect(download.suggestedFilename()).toMatch(/\.csv$/)
      expect(await page.locator(ERROR).count()).toBe(0)
    } finally {
      await page.unroute(isExport, hold)
      for (const route of held) await route.abort().catch(() => {})
    }
  }, 60_000)

  it('says the relay cannot be reached when the network is down', async () => {
    const cut = (route: Route): Promise<void> => route.abort('internetdisconnected')
    await page.route(isExport, cut)
    await page.click('[data-testid="download-csv"]')
    await waitForPage(
      page,
      `(document.querySelector('${ERROR}')?.textContent ?? '').includes('无法连接中继服务器')`,
    )
    await page.unroute(isExport, cut)
  }, 60_000)

  it('once the relay answers, the same link saves the sheet and the error goes', async () => {
    const saved = page.waitForEvent('download')
    await page.click('[data-testid="download-csv"]')
    const download = await saved
    expect(await download.failure()).toBeNull()
    expect(download.suggestedFilename()).toMatch(/\.csv$/)
    expect(await page.locator(ERROR).count()).toBe(0)
    expect(problems).toEqual([])
  }, 60_000)
})
