/**
 * The file staff download from the export page is named after the campaign as they know it
 * (`ScanDesk 演示 Demo-签到记录-….xlsx`), as the console names a campaign's sheet, not after
 * its generated id (`attendance-c-mp3x9k-a1b2c3-….xlsx`): the name survives the browser's
 * download (Content-Disposition's UTF-8 filename*, the link's download attribute).
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { goHash, screenshot } from './browser'
import { demoKioskPage } from './demo-kiosk'

describe('the export file name', () => {
  const demo = demoKioskPage({
    name: 'export-file-name',
    context: { viewport: { width: 1280, height: 720 }, locale: 'zh-CN', acceptDownloads: true },
    admin: true,
  })
  let page: Page

  beforeAll(() => {
    page = demo.page
  })

  async function download(format: 'csv' | 'xlsx'): Promise<string> {
    await goHash(page, '#/admin/export')
    await page.locator(`[data-testid="export-${format}"]`).click()
    const link = page.locator('[data-testid="export-download"]')
    await expect
      .poll(async () => link.getAttribute('download'))
      .toMatch(new RegExp(`\\.${format}$`))
    const [file] = await Promise.all([page.waitForEvent('download'), link.click()])
    return file.suggestedFilename()
  }

  it('is the campaign name and 签到记录, then in English attendance', async () => {
    await expect(download('xlsx')).resolves.toMatch(
      /^ScanDesk 演示 Demo-签到记录-\d{8}-\d{6}\.xlsx$/,
    )
    await screenshot(page, 'export-file-name-zh')
    await page.locator('[data-locale="en"]').first().click()
    await expect(download('csv')).resolves.toMatch(
      /^ScanDesk 演示 Demo-attendance-\d{8}-\d{6}\.csv$/,
    )
    await page.locator('[data-locale="zh-CN"]').first().click()
  }, 60_000)
})
