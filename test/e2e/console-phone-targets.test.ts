/**
 * The BUILT console on an organizer's phone (390×844) in real Chromium against the real relay
 * with 200 booths on 4 campaigns: the campaigns list's "+N more" link is a target a finger (44
 * px on a touch screen) or a mouse (24 px, WCAG 2.5.8) can hit, and the booths page's search box
 * shows its whole hint (by booth ID or campaign) in both languages.
 * Screenshots: test-artifacts/screenshots/console-phone-*.png.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { screenshot, waitForPage } from './browser'
import { seedBooths } from './console-booths-seed'
import { realConsoleRelay } from './real-console-relay'

const CAMPAIGNS = 4
const bed = realConsoleRelay({ name: 'phone-targets' })
const venue = seedBooths(bed, {
  booths: 200,
  campaigns: Array.from(
    { length: CAMPAIGNS },
    (_, c) => `2026 春季展会 第 ${c} 场 · 上海国际会展中心`,
  ),
})

const phone = (touch: boolean): Promise<Page> =>
  venue.signedIn({
    viewport: { width: 390, height: 844 },
    locale: 'zh-CN',
    isMobile: touch,
    hasTouch: touch,
  })

const boxSchema = z.object({ width: z.number(), height: z.number() })

for (const touch of [false, true]) {
  const min = touch ? 44 : 24
  describe(touch ? 'a phone (touch)' : 'a narrow window (mouse)', () => {
    it(`the campaigns list's "+N more" link is at least ${min}×${min} px`, async () => {
      const page = await phone(touch)
      await page.click('[data-nav="campaigns"]')
      const more = page.locator('[data-testid="campaign-booths-more"]')
      await more.first().waitFor()
      expect(await more.count()).toBe(CAMPAIGNS)
      for (const link of await more.all()) {
        const box = boxSchema.parse(await link.boundingBox())
        expect(box.width).toBeGreaterThanOrEqual(min)
        expect(box.height).toBeGreaterThanOrEqual(min)
      }
      await screenshot(page, `console-phone-campaigns-${touch ? 'touch' : 'mouse'}`)
      await page.context().close()
    }, 60_000)
  })
}

/** In-page source: the search box's hint fits its text area (font, padding and border counted). */
const HINT_FITS = `(() => {
  const input = document.querySelector('[data-testid="booths-search"]')
  const style = getComputedStyle(input)
  const ctx = document.createElement('canvas').getContext('2d')
  ctx.font = style.font
  const text = ctx.measureText(input.placeholder).width
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
  return { text: Math.ceil(text), room: Math.floor(room) }
})()`

it('the booths page: the search box shows its whole hint, in Chinese and in English', async () => {
  const page = await phone(true)
  await page.locator('[data-testid="booths-search"]').waitFor()
  for (const lang of ['zh-CN', 'en'] as const) {
    await page.click(`[data-locale="${lang}"]`)
    await waitForPage(page, `document.documentElement.lang === '${lang}'`)
    const fit = z
      .object({ text: z.number(), room: z.number() })
      .parse(await page.evaluate(HINT_FITS))
    expect(fit.text, lang).toBeLessThanOrEqual(fit.room)
    await screenshot(page, `console-phone-booths-${lang}`)
  }
  // Nothing past the screen's edge.
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390)
  await page.context().close()
}, 60_000)
