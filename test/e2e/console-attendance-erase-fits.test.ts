/**
 * The BUILT console's attendance list at a 1280×800 laptop in real Chromium against the fake
 * relay, one campaign chosen: the list then gains a last column with each row's 删除 / Erase
 * button. Its columns' least widths added up to more than the page's 1,220 px there, so the
 * column ran past the panel's edge and was cut (the button showed "删"), with no sideways
 * scroll to reach it. Screenshots: test-artifacts/screenshots/console-attendance-erase-*.png.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { screenshot, waitForPage } from './browser'
import { EXPO } from './fake-console-relay'
import { fakeConsolePage } from './fake-console-page'

/** In-page source: the list panel's edges, and each erase button's and the last heading's. */
const EDGES = `(() => {
  const panel = document.querySelector('.attendance .table').getBoundingClientRect()
  const heads = [...document.querySelectorAll('.attendance .th [role="columnheader"]')]
  const last = heads[heads.length - 1]
  return {
    panelRight: panel.right,
    lastHead: { text: last.textContent.trim(), right: last.getBoundingClientRect().right, cut: last.scrollWidth > last.clientWidth },
    buttons: [...document.querySelectorAll('[data-testid="attendance-erase"]')].map((b) => b.getBoundingClientRect().right),
  }
})()`
const edgesSchema = z.object({
  panelRight: z.number(),
  lastHead: z.object({ text: z.string(), right: z.number(), cut: z.boolean() }),
  buttons: z.array(z.number()),
})

describe('the attendance list with a campaign chosen, at 1280×800', () => {
  const fx = fakeConsolePage({
    relay: { attendanceRows: 20 },
    context: { locale: 'zh-CN', viewport: { width: 1280, height: 800 } },
  })
  let page: Page

  beforeAll(async () => {
    page = fx.page
    await page.click('[data-nav="attendance"]')
    await page.locator('[data-testid="attendance-row"]').first().waitFor()
    await page.selectOption('[data-testid="campaign-scope"]', EXPO.id)
    await page.locator('[data-testid="attendance-erase"]').first().waitFor()
  })

  for (const [lang, heading] of [
    ['zh-CN', '删除'],
    ['en', 'Erase'],
  ] as const) {
    it(`${lang}: every row's erase button and its heading are inside the panel, whole`, async () => {
      await page.click(`[data-locale="${lang}"]`)
      await waitForPage(page, `document.documentElement.lang === '${lang}'`)
      await screenshot(page, `console-attendance-erase-${lang}`)
      const edges = edgesSchema.parse(await page.evaluate(EDGES))
      expect(edges.lastHead.text).toBe(heading)
      expect(edges.lastHead.cut).toBe(false)
      expect(edges.lastHead.right).toBeLessThanOrEqual(edges.panelRight)
      expect(edges.buttons.length).toBeGreaterThan(0)
      for (const right of edges.buttons) expect(right).toBeLessThanOrEqual(edges.panelRight)
      expect(fx.problems).toEqual([])
    })
  }
})
