/**
 * The kiosk's admin area at a phone's width (390 px, a booth run from a phone or a small
 * portrait screen) in real Chromium against `kiosk web` in demo mode: the header's controls
 * — both languages, each named in itself, and the lock button — stay whole and on screen.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { screenshot, waitForPage } from './browser'
import { demoKioskPage } from './demo-kiosk'

/** In-page source: each header control's box and how many lines its text takes. */
const CONTROLS = `[...document.querySelectorAll('.bar button')].map((el) => {
  const r = el.getBoundingClientRect()
  const range = document.createRange()
  range.selectNodeContents(el)
  const tops = new Set([...range.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top)))
  return { text: el.textContent.trim(), left: r.left, right: r.right, lines: tops.size }
})`
const controlsSchema = z.array(
  z.object({ text: z.string(), left: z.number(), right: z.number(), lines: z.number() }),
)

/** In-page source: the page links' heights, and where the link block and the page begin. */
const NAV = `(() => {
  const nav = document.querySelector('.nav')
  const links = [...nav.querySelectorAll('a')].map((a) => a.getBoundingClientRect())
  return {
    links: links.map((r) => r.height),
    lineHeight: 1.5 * parseFloat(getComputedStyle(nav.querySelector('a')).fontSize),
    lastLinkBottom: Math.max(...links.map((r) => r.bottom)),
    navBottom: nav.getBoundingClientRect().bottom,
    contentTop: document.querySelector('.content').getBoundingClientRect().top,
  }
})()`
const navSchema = z.object({
  links: z.array(z.number()),
  lineHeight: z.number(),
  lastLinkBottom: z.number(),
  navBottom: z.number(),
  contentTop: z.number(),
})

describe('the admin area at a phone’s width', () => {
  const demo = demoKioskPage({
    name: 'narrow',
    context: { viewport: { width: 390, height: 844 } },
    admin: true,
  })
  const { pageErrors } = demo
  let page: Page

  beforeAll(() => {
    page = demo.page
  })

  for (const locale of ['zh-CN', 'en'] as const) {
    it(`${locale}: 中文, English and the lock button are whole, on one line, on screen`, async () => {
      await page.click(`[data-testid="language-switch"] [data-locale="${locale}"]`)
      await waitForPage(page, `document.documentElement.lang === '${locale}'`)
      const controls = controlsSchema.parse(await page.evaluate(CONTROLS))
      expect(controls.map((c) => c.text)).toEqual([
        '中文',
        'English',
        locale === 'en' ? 'Lock and return to check-in screen' : '锁定并返回签到屏',
      ])
      for (const c of controls) {
        expect(c.left, c.text).toBeGreaterThanOrEqual(0)
        expect(c.right, c.text).toBeLessThanOrEqual(390)
      }
      // The language buttons are never broken; the lock button's long English may wrap once.
      for (const c of controls.slice(0, 2)) expect(c.lines, c.text).toBe(1)
      expect(controls[2]?.lines).toBeLessThanOrEqual(2)
      // The switch's own box is not clipping a button it hides (overflow: hidden).
      const clipped = await page.evaluate(`(() => {
        const s = document.querySelector('[data-testid="language-switch"]')
        return s.scrollWidth > s.clientWidth
      })()`)
      expect(clipped).toBe(false)
      expect(pageErrors).toEqual([])
    })
  }

  for (const [width, height] of [
    [800, 1280],
    [390, 844],
  ] as const) {
    it(`${width}×${height}: the page links wrap as one tight block, the page right under them`, async () => {
      await page.setViewportSize({ width, height })
      await page.evaluate(`window.location.hash = '#/admin/setup'`)
      await page.locator('[data-testid="setup-mode"]').waitFor()
      await screenshot(page, `admin-nav-${width}x${height}`)
      const nav = navSchema.parse(await page.evaluate(NAV))
      // The links were stretched to share a tall grid row: 'Setup' stood 90 px high on a
      // 1280 px tablet, with a white band before the page.
      for (const h of nav.links) expect(h).toBeLessThan(nav.lineHeight * 2)
      expect(nav.contentTop - nav.navBottom).toBeLessThan(2)
      expect(nav.navBottom - nav.lastLinkBottom).toBeLessThan(nav.lineHeight * 1.5)
    })
  }
})
