/**
 * The BUILT console at a small laptop's width (1024 px, a window beside another) in real Chromium
 * against the fake relay. Above a phone's width the booths table is a table, not cards: in
 * English its row of buttons (Clear PIN lockout, New code, Revoke) ran past the panel's edge, so
 * Revoke and the Actions heading sat out of sight behind a sideways scroll nobody sees on a
 * laptop, and a booth id broke at its hyphen ("hall-" over "b").
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { screenshot, waitForPage } from './browser'
import { fakeConsolePage } from './fake-console-page'

const WIDTH = 1024

/** In-page source: whether any table panel scrolls sideways. */
const SIDEWAYS = `[...document.querySelectorAll('.table-panel')].some((p) => p.scrollWidth > p.clientWidth)`
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
})
