/**
 * The export page in real Chromium when the kiosk no longer has the file its download link
 * points at (the kiosk restarted since, or the file was deleted from its exports folder): the
 * browser alone showed only "failed" in its download bar and the page said nothing. The page
 * asks first, says the file is no longer there, downloads nothing, and offers the same export
 * again, whose link then works.
 * Screenshot: test-artifacts/screenshots/export-gone-web.png.
 */
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { goHash, screenshot } from './browser'
import { demoKioskPage } from './demo-kiosk'

describe('an export whose file is gone', () => {
  const demo = demoKioskPage({
    name: 'export-gone',
    context: { viewport: { width: 1366, height: 768 }, locale: 'zh-CN', acceptDownloads: true },
    admin: true,
  })
  let page: Page

  beforeAll(() => {
    page = demo.page
  })

  it('says so, downloads nothing, and exports it again on request', async () => {
    await goHash(page, '#/admin/export')
    await page.locator('[data-testid="export-xlsx"]').click()
    const link = page.locator('[data-testid="export-download"]')
    await link.waitFor()
    const first = await link.getAttribute('href')
    const dir = join(demo.dataDir, 'exports')
    const files = readdirSync(dir).filter((f) => f.endsWith('.xlsx'))
    expect(files).toHaveLength(1)
    for (const f of files) rmSync(join(dir, f))

    let downloads = 0
    page.on('download', () => downloads++)
    await link.click()
    const gone = page.locator('[data-testid="export-gone"]')
    await gone.waitFor()
    expect(await gone.textContent()).toContain('这个文件已不在本机上')
    await screenshot(page, 'export-gone-web')

    await page.locator('[data-testid="export-again"]').click()
    await expect.poll(async () => link.getAttribute('href')).not.toBe(first)
    expect(await gone.count()).toBe(0)
    const [file] = await Promise.all([page.waitForEvent('download'), link.click()])
    expect(file.suggestedFilename()).toMatch(/\.xlsx$/)
    expect(await file.failure()).toBeNull()
    // The gone file's click saved nothing: the one download is the new export's.
    expect(downloads).toBe(1)
  }, 90_000)
})
