/**
 * The kiosk's admin pages walked by keyboard alone, in real Chromium on `kiosk web` (demo
 * mode): after each action the focus is somewhere a keyboard user goes on from (never <body>,
 * whose next Tab starts from the top of the page), and what the action did is said to a screen
 * reader (a role=status or role=alert holding it). A chart, a canvas, is named by what it shows.
 */
import { describe, expect, it } from 'vitest'
import { axeViolations } from './axe'
import {
  callKiosk,
  focusedAsHeard,
  goHash,
  readScreenCode,
  screenshot,
  unlockAdmin,
  waitForPage,
} from './browser'
import { demoKioskPage } from './demo-kiosk'
import { phoneScan } from './phone'

/** In-page source: the data-testid of the focused element, or 'body'. */
const FOCUSED = `(document.activeElement === document.body ? 'body' :
  document.activeElement?.getAttribute('data-testid'))`

describe('admin pages by keyboard and screen reader', () => {
  const demo = demoKioskPage({
    name: 'admin-keyboard',
    context: { viewport: { width: 1280, height: 1000 } },
    admin: true,
  })

  it('统计: each chart tells a screen reader what it shows, in either language', async () => {
    const page = demo.page
    const sandbox = demo.kiosk.sandboxUrl
    if (sandbox === null) throw new Error('demo mode printed no sandbox address')
    expect(await callKiosk(page, 'lockAdmin')).toBe(200)
    await goHash(page, '#/')
    await phoneScan(sandbox, await readScreenCode(page, 'admin-keyboard-code'), 'o_keyboard')
    await unlockAdmin(page, demo.pin)
    await goHash(page, '#/admin/stats')
    // The doughnut is drawn once the page has the scan (the bars are there from the start).
    const charts = '[data-testid="admin-page-stats"] canvas'
    await waitForPage(page, `document.querySelectorAll('${charts}').length === 2`)
    const names = () =>
      page.evaluate(
        `[...document.querySelectorAll('${charts}')].map((c) => c.getAttribute('role') + ' ' + c.getAttribute('aria-label'))`,
      )
    expect(await names()).toEqual([
      expect.stringMatching(/^img 每 10 分钟扫码柱状图：共 1 次，最多一段 1 次（\d\d:\d\d 起）$/),
      expect.stringMatching(/^img 新关注与回访环形图：新关注 [01]，回访 [01]$/),
    ])
    expect(await axeViolations(page)).toEqual([])
    expect(await callKiosk(page, 'setLocale', { locale: 'en' })).toBe(200)
    await waitForPage(page, `document.documentElement.lang === 'en'`)
    await waitForPage(
      page,
      `document.querySelector('${charts}')?.getAttribute('aria-label')?.startsWith('Bar chart') === true`,
    )
    expect(await names()).toEqual([
      expect.stringMatching(
        /^img Bar chart of scans per 10 minutes: 1 in all, at most 1 \(from \d\d:\d\d\)$/,
      ),
      expect.stringMatching(/^img Doughnut chart: [01] new followers, [01] returning$/),
    ])
    expect(await callKiosk(page, 'setLocale', { locale: 'zh-CN' })).toBe(200)
    await waitForPage(page, `document.documentElement.lang === 'zh-CN'`)
    expect(demo.pageErrors).toEqual([])
  }, 90_000)

  it('导出: Enter on 导出 Excel leaves the focus on the download once the export is done', async () => {
    const page = demo.page
    await goHash(page, '#/admin/export')
    const xlsx = page.locator('[data-testid="export-xlsx"]:not([disabled])')
    await xlsx.waitFor()
    await xlsx.focus()
    await page.keyboard.press('Enter')
    await page.locator('[data-testid="export-progress"][data-state="done"]').waitFor()
    // The button was disabled while the export ran (the focus went to <body>).
    await waitForPage(page, `${FOCUSED} === 'export-download'`)
    expect((await focusedAsHeard(page))?.name).toMatch(/^下载 .*\.xlsx$/)
    await screenshot(page, 'admin-keyboard-export-done')
    expect(demo.pageErrors).toEqual([])
  }, 60_000)

  it('首次设置: Space on 测试连接 leaves the focus on it once the test has answered', async () => {
    const page = demo.page
    await goHash(page, '#/admin/setup')
    const test = page.locator('[data-testid="test-connection"]')
    await test.waitFor()
    await test.focus()
    await page.keyboard.press('Space')
    // Its answer: the empty relay address marked (the button is disabled while it is asked).
    await page.locator('[data-error-for="relayUrl"]').waitFor()
    await waitForPage(page, `${FOCUSED} === 'test-connection'`)
    expect(demo.pageErrors).toEqual([])
  }, 60_000)
})
