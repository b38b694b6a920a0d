/**
 * 清除本机数据 / Clear this booth in real Chromium on `kiosk web`: the settings page counts what
 * only this booth holds, the clear needs a second step whose focus starts on 取消, and once
 * confirmed the same process runs the booth again as at a first start: the page loads again,
 * locked, a new admin PIN is printed where a start prints it, and that PIN opens the admin area.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { goHash, screenshot, unlockAdmin } from './browser'
import { demoKioskPage } from './demo-kiosk'
import { UNDER_LOAD } from '../helpers/wait'

/** Every admin PIN the kiosk printed, in order. */
function printedPins(output: string): string[] {
  return [...output.matchAll(/^admin PIN: (\d+)/gm)].map((m) => m[1] ?? '')
}

describe('clearing the booth from the admin area', () => {
  const demo = demoKioskPage({
    name: 'clear-booth',
    context: { viewport: { width: 1280, height: 1000 } },
    admin: true,
  })

  it('counts, asks again with the focus on 取消, then runs the booth anew with a new PIN', async () => {
    const page = demo.page
    const kiosk = demo.kiosk
    await goHash(page, '#/admin/settings')
    const counts = page.locator('[data-testid="clear-booth-checkins"]')
    await counts.waitFor()
    expect(await counts.textContent()).toMatch(/只保存在本机的签到.*：\d+ 条/)

    await page.locator('[data-testid="clear-booth-ask"]').click()
    const cancel = page.locator('[data-testid="clear-booth-cancel"]')
    await cancel.waitFor()
    await page.waitForFunction(
      "document.activeElement?.getAttribute('data-testid') === 'clear-booth-cancel'",
    )
    await screenshot(page, 'clear-booth-confirm-zh')
    expect(printedPins(kiosk.output())).toEqual([demo.pin])

    // A file that is not the kiosk's (an export saved in the folder): kept, and named once the
    // new core runs (its answer came after the restart); read, the page loads again.
    writeFileSync(join(demo.dataDir, 'day-1.xlsx'), 'sheet')
    await page.locator('[data-testid="clear-booth-confirm"]').click()
    const left = page.locator('[data-testid="clear-booth-left"]')
    await left.waitFor({ timeout: 60_000 })
    expect(await left.textContent()).toContain(
      `${demo.dataDir} 里还留有 1 个不属于签到程序的文件：day-1.xlsx`,
    )
    await page.waitForFunction(
      "document.activeElement?.getAttribute('data-testid') === 'clear-booth-left-done'",
    )
    await screenshot(page, 'clear-booth-left-zh')
    await Promise.all([
      page.waitForEvent('load', { timeout: 60_000 }),
      page.locator('[data-testid="clear-booth-left-done"]').click(),
    ])
    expect(existsSync(join(demo.dataDir, 'day-1.xlsx'))).toBe(true)
    let pins: string[] = []
    await vi.waitFor(() => {
      pins = printedPins(kiosk.output())
      expect(pins).toHaveLength(2)
    }, UNDER_LOAD)
    const newPin = pins[1] ?? ''
    expect(newPin).not.toBe(demo.pin)
    // The folder holds a first start's files; the old vault's key went with the clear.
    expect(existsSync(join(demo.dataDir, 'clearing.json'))).toBe(false)

    await unlockAdmin(page, newPin)
    await goHash(page, '#/admin/settings')
    await page.locator('[data-testid="clear-booth-checkins"]').waitFor()
    expect(demo.pageErrors).toEqual([])
  }, 120_000)
})
