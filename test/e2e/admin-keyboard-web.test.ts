/**
 * The kiosk's admin pages walked by keyboard alone, in real Chromium on `kiosk web` (demo
 * mode): after each action the focus is somewhere a keyboard user goes on from (never <body>,
 * whose next Tab starts from the top of the page), and what the action did is said to a screen
 * reader (a role=status or role=alert holding it).
 */
import { describe, expect, it } from 'vitest'
import { focusedAsHeard, goHash, screenshot, waitForPage } from './browser'
import { demoKioskPage } from './demo-kiosk'

/** In-page source: the data-testid of the focused element, or 'body'. */
const FOCUSED = `(document.activeElement === document.body ? 'body' :
  document.activeElement?.getAttribute('data-testid'))`

describe('admin pages by keyboard and screen reader', () => {
  const demo = demoKioskPage({
    name: 'admin-keyboard',
    context: { viewport: { width: 1280, height: 1000 } },
    admin: true,
  })

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
})
