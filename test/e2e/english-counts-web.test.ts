/**
 * Counts read as English in English: one attempt left before the lockout, one row of
 * attendance, one roster row held back and imported, not "1 attempts" or "1 rows". Chinese
 * has one form for every count.
 */
import { describe, expect, it } from 'vitest'
import { goHash, readScreenCode, screenshot, waitForSteadyCode } from './browser'
import { demoKioskPage } from './demo-kiosk'
import { phoneScan } from './phone'

describe('counts in the English admin area', () => {
  const demo = demoKioskPage({
    name: 'english-counts',
    context: { viewport: { width: 1280, height: 720 }, locale: 'en-US' },
  })

  it('one visitor scans; the PIN pad, attendance and roster say 1 attempt and 1 row', async () => {
    const { page, kiosk, pin } = demo
    if (!kiosk.sandboxUrl) throw new Error('demo mode printed no sandbox url')
    await phoneScan(kiosk.sandboxUrl, await readScreenCode(page, 'english-counts-code'), 'o-one')
    await waitForSteadyCode(page)

    await page.keyboard.press('Control+Shift+A')
    await page.locator('[data-testid="pin-pad"]').waitFor()
    await page.locator('[data-locale="en"]').first().click()
    const wrongPin = pin === '000000' ? '111111' : '000000'
    const wrong = page.locator('[data-testid="pin-wrong"]')
    for (let left = 4; left >= 1; left--) {
      await page.keyboard.type(wrongPin)
      await page.keyboard.press('Enter')
      await expect.poll(() => wrong.textContent()).toMatch(new RegExp(`, ${left} attempts? left$`))
    }
    await expect(wrong.textContent()).resolves.toBe('Wrong PIN, 1 attempt left')
    await screenshot(page, 'english-counts-pin')

    await page.keyboard.type(pin)
    await page.keyboard.press('Enter')
    await goHash(page, '#/admin/attendance')
    const total = page.locator('[data-testid="attendance-total"]')
    await expect.poll(() => total.textContent()).toBe('1 row')
    await screenshot(page, 'english-counts-attendance')

    await goHash(page, '#/admin/roster')
    const file = page.locator('[data-testid="roster-file"]')
    const result = page.locator('[data-testid="roster-result"]')
    await file.setInputFiles({
      name: 'bad.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('name,phone\nAda,13800138000\nBob,not-a-phone\n'),
    })
    await expect.poll(() => result.textContent()).toMatch(/^\s*Nothing imported yet: 1 row has /)
    await page.getByRole('button', { name: 'Skip the bad rows and import the rest' }).click()
    await expect.poll(() => result.textContent()).toMatch(/^\s*Imported 1 row, skipped 1\s*$/)
    await screenshot(page, 'english-counts-roster')
  }, 60_000)
})
