/**
 * A Uyghur guest (a right-to-left name and company) at the desk and on the kiosk screen, in real
 * Chromium against `kiosk web` in demo mode: the desk list keeps a numeric code after the
 * company, and a greeting "欢迎 {name}！#{number}" keeps "！#12" after the name. In one run of
 * text the right-to-left name took the punctuation and the number after it into its direction
 * and they showed before it ("1024 · company", "欢迎 12#！name"); the name and the company are
 * isolated in `<bdi>` now. Screenshots: test-artifacts/screenshots/rtl-names-*.png.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { callKiosk, goHash, firstCampaign, screenshot, unlockAdmin, waitForPage } from './browser'
import { demoKioskPage } from './demo-kiosk'
import { greetRegisteredGuest } from './desk-guest'

const NAME = 'ئەخمەت قادىر'
const COMPANY = 'ئۈرۈمچى شىركىتى'
const CODE = '1024'

/**
 * Where `text` is drawn inside the element `selector` finds: the left and right of its box
 * (the first text node holding it whole).
 */
async function boxOf(page: Page, selector: string, text: string): Promise<[number, number]> {
  const box = await page.evaluate(`(() => {
    const root = document.querySelector(${JSON.stringify(selector)})
    if (root === null) return null
    const wanted = ${JSON.stringify(text)}
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const at = node.textContent.indexOf(wanted)
      if (at < 0) continue
      const range = document.createRange()
      range.setStart(node, at)
      range.setEnd(node, at + wanted.length)
      const r = range.getBoundingClientRect()
      return [r.left, r.right]
    }
    return null
  })()`)
  const found = z.tuple([z.number(), z.number()]).nullable().parse(box)
  if (found === null) throw new Error(`${JSON.stringify(text)} is not in ${selector}`)
  return found
}

describe('a right-to-left name at the desk and in the greeting', () => {
  const demo = demoKioskPage({
    name: 'rtl-names',
    context: { viewport: { width: 1366, height: 768 } },
  })

  it('keeps the code after the company and the number after the name', async () => {
    const { page, kiosk } = demo
    await unlockAdmin(page, demo.pin)
    const first = await firstCampaign(page)
    const greetings = { ...first.greetings }
    greetings['zh-CN'] = { ...greetings['zh-CN'], named: '欢迎 {name}！#{number}' }
    expect(await callKiosk(page, 'saveCampaign', { ...first, greetings })).toBe(200)

    await goHash(page, '#/admin/roster')
    await page.locator('[data-testid="roster-file"]').setInputFiles({
      name: 'guests.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`姓名,单位,编号\n${NAME},${COMPANY},${CODE}\n`, 'utf8'),
    })
    await page.locator('[data-testid="roster-result"]').waitFor()
    await goHash(page, '#/admin/desk')
    await page.locator('[data-testid="desk-result"]').first().waitFor()
    const sub = '[data-testid="desk-result"] .sub'
    const [companyLeft] = await boxOf(page, sub, COMPANY)
    const [codeLeft] = await boxOf(page, sub, CODE)
    await screenshot(page, 'rtl-names-desk')
    expect(codeLeft).toBeGreaterThan(companyLeft)
    await page.locator('[data-testid="admin-lock"]').click()

    await greetRegisteredGuest(page, kiosk, { name: NAME, code: CODE, openid: 'o_rtl_guest' })
    const text = '[data-testid="greeting-text"]'
    await waitForPage(page, `document.querySelector('${text}')?.textContent.includes('#')`)
    const [, nameRight] = await boxOf(page, text, NAME)
    const [numberLeft] = await boxOf(page, text, '#')
    const [welcomeLeft] = await boxOf(page, text, '欢迎')
    await screenshot(page, 'rtl-names-greeting')
    expect(numberLeft).toBeGreaterThan(nameRight - 1)
    expect(welcomeLeft).toBeLessThan(numberLeft)
  }, 120_000)
})
