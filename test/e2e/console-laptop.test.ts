/**
 * The BUILT console at a small laptop's width (1024 px, a window beside another) in real Chromium
 * against the fake relay. Above a phone's width the booths table is a table, not cards: in
 * English its row of buttons (Clear PIN lockout, New code, Revoke) ran past the panel's edge, so
 * Revoke and the Actions heading sat out of sight behind a sideways scroll nobody sees on a
 * laptop, and a booth id broke at its hyphen ("hall-" over "b").
 * The same laptop under Windows display scaling or browser zoom is narrower in CSS pixels: a
 * 1366×768 screen at 150% is 911 px wide, at 200% 683 px, and a 1080×1920 portrait screen at
 * 150% 720 px. There the booths' whole Actions column and the campaigns' buttons sat past the
 * panel's edge: each table fits, as a table or as cards, at every width from 641 to 1024.
 * Screenshots: test-artifacts/screenshots/console-laptop-booths-<lang>-<width>.png.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { screenshot, waitForPage } from './browser'
import { fakeConsolePage } from './fake-console-page'

const WIDTH = 1024
/** 1366×768 at 150% and 200%, 1080 wide at 150% (portrait), and each width up to the laptop's. */
const SCALED = [911, 683, 720]
const SWEEP = Array.from({ length: (WIDTH - 641) / 16 + 1 }, (_, i) => 641 + i * 16)

/** In-page source: whether any table panel scrolls sideways. */
const SIDEWAYS = `[...document.querySelectorAll('.table-panel')].some((p) => p.scrollWidth > p.clientWidth)`
/** In-page source: each of `rows`' buttons whose box is not inside the window sideways. */
const buttonsOff = (rows: string): string => `[...document.querySelectorAll('${rows} button')]
  .filter((b) => { const r = b.getBoundingClientRect(); return r.left < 0 || r.right > innerWidth })
  .map((b) => b.textContent.trim())`
/** In-page source: how many lines each booth id takes. */
const ID_LINES = `[...document.querySelectorAll('[data-testid="booth-row"] td.id')].map((td) => {
  const range = document.createRange()
  range.selectNodeContents(td)
  return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size
})`

describe('the console at a small laptop’s width', () => {
  const fx = fakeConsolePage({
    relay: {},
    context: { viewport: { width: WIDTH, height: 700 }, locale: 'zh-CN' },
  })
  const { problems } = fx
  let page: Page

  beforeAll(() => {
    page = fx.page
  })

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`${lang}: the booths table fits, every booth's buttons on screen and its id on one line`, async () => {
      await page.click(`[data-locale="${lang}"]`)
      await waitForPage(page, `document.documentElement.lang === '${lang}'`)
      await page.click('[data-nav="booths"]')
      await page.locator('[data-testid="booth-row"]').first().waitFor()
      await screenshot(page, `console-laptop-booths-${lang}`)
      expect(await page.evaluate(SIDEWAYS)).toBe(false)
      const ids = await page.evaluate(ID_LINES)
      expect(Array.isArray(ids) && ids.length > 0 && ids.every((n) => n === 1)).toBe(true)
      const buttons = await page.locator('[data-testid="booth-row"] button').all()
      expect(buttons.length).toBeGreaterThan(0)
      for (const b of buttons) {
        const box = await b.boundingBox()
        expect(box !== null && box.x >= 0 && box.x + box.width <= WIDTH, await b.innerText()).toBe(
          true,
        )
      }
      expect(problems).toEqual([])
    })
  }

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`${lang}: scaled or zoomed, the booths' and campaigns' tables fit with their buttons on screen`, async () => {
      await page.click(`[data-locale="${lang}"]`)
      await waitForPage(page, `document.documentElement.lang === '${lang}'`)
      const off: string[] = []
      for (const [nav, rows] of [
        ['booths', '[data-testid="booth-row"]'],
        ['campaigns', '[data-testid="campaign-row"]'],
      ] as const) {
        await page.click(`[data-nav="${nav}"]`)
        await page.locator(rows).first().waitFor()
        for (const width of [...SCALED, ...SWEEP]) {
          await page.setViewportSize({ width, height: 700 })
          await waitForPage(page, `innerWidth === ${width}`)
          if (await page.evaluate(SIDEWAYS))
            off.push(`${nav} at ${width}: the table scrolls sideways`)
          for (const b of await page.evaluate<string[]>(buttonsOff(rows))) {
            off.push(`${nav} at ${width}: ${b} off screen`)
          }
          if (nav === 'booths' && SCALED.includes(width)) {
            await screenshot(page, `console-laptop-booths-${lang}-${width}`)
          }
        }
      }
      await page.setViewportSize({ width: WIDTH, height: 700 })
      expect(off).toEqual([])
      expect(problems).toEqual([])
    })
  }
})
