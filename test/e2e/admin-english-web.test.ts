/**
 * English text in the kiosk's admin area, in real Chromium against `kiosk web` in demo mode.
 *
 * Apostrophes and quotes are drawn at their Latin width. The UI's font stack starts with a
 * Chinese font, whose ’ “ ” are full-width: "organizer’s console" read "organizer’  s console",
 * "“kiosk add”" had a wide gap each side. In Chinese those marks stay full-width, as they should.
 *
 * The date-and-time fields' placeholders fit their boxes: "Hour" read "Hou".
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { goHash, screenshot, waitForPage } from './browser'
import { demoKioskPage } from './demo-kiosk'

/** In-page source: width of each curly quote in the setup page's text, over its font size. */
const QUOTE_WIDTHS = `(() => {
  const out = []
  const walker = document.createTreeWalker(document.querySelector('.admin main') || document.body, NodeFilter.SHOW_TEXT)
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent
    for (let i = 0; i < text.length; i++) {
      if (!'’“”'.includes(text[i])) continue
      const range = document.createRange()
      range.setStart(node, i)
      range.setEnd(node, i + 1)
      const size = parseFloat(getComputedStyle(node.parentElement).fontSize)
      out.push({ mark: text[i], context: text.slice(Math.max(0, i - 10), i + 5), em: range.getBoundingClientRect().width / size })
    }
  }
  return out
})()`
const widthsSchema = z.array(z.object({ mark: z.string(), context: z.string(), em: z.number() }))

/** In-page source: each date field's placeholder, its text width and the room it has. */
const PLACEHOLDERS = `[...document.querySelectorAll('.date-input input[placeholder]')].map((el) => {
  const style = getComputedStyle(el)
  const ctx = document.createElement('canvas').getContext('2d')
  ctx.font = style.font
  const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
  return { id: el.id, text: el.placeholder, width: ctx.measureText(el.placeholder).width, room }
})`
const placeholdersSchema = z.array(
  z.object({ id: z.string(), text: z.string(), width: z.number(), room: z.number() }),
)

/** In-page source: each attendance column heading's text box and its header row's box. */
const HEADINGS = `[...document.querySelectorAll('.table .th [role="columnheader"]')].map((el) => {
  const range = document.createRange()
  range.selectNodeContents(el)
  const text = range.getBoundingClientRect()
  const row = el.parentElement.getBoundingClientRect()
  return { text: el.textContent.trim(), top: text.top, bottom: text.bottom, rowTop: row.top, rowBottom: row.bottom }
})`
const headingsSchema = z.array(
  z.object({
    text: z.string(),
    top: z.number(),
    bottom: z.number(),
    rowTop: z.number(),
    rowBottom: z.number(),
  }),
)

describe('the admin area in English', () => {
  const demo = demoKioskPage({
    name: 'quotes',
    context: { viewport: { width: 1024, height: 768 } },
    admin: true,
  })
  let page: Page

  beforeAll(async () => {
    page = demo.page
    await goHash(page, '#/admin/setup')
    await page.locator('[data-testid="setup-mode"]').waitFor()
  }, 120_000)

  it('in English, ’ “ ” on the setup page are narrow, not full-width', async () => {
    await page.click('[data-testid="language-switch"] [data-locale="en"]')
    await waitForPage(page, `document.documentElement.lang === 'en'`)
    await screenshot(page, 'setup-en-quotes')
    const marks = widthsSchema.parse(await page.evaluate(QUOTE_WIDTHS))
    // The intro (“Test connection”) and the pairing choices (“kiosk add”) at least.
    expect(marks.length).toBeGreaterThanOrEqual(3)
    for (const m of marks) expect(m.em, `${m.mark} in “${m.context}”`).toBeLessThan(0.5)
  })

  for (const locale of ['en', 'zh-CN'] as const) {
    it(`${locale}: the attendance filter's date and time placeholders are whole`, async () => {
      await page.click(`[data-testid="language-switch"] [data-locale="${locale}"]`)
      await waitForPage(page, `document.documentElement.lang === '${locale}'`)
      await goHash(page, '#/admin/attendance')
      await page.locator('#att-from-hour').waitFor()
      await screenshot(page, `attendance-dates-${locale}`)
      const fields = placeholdersSchema.parse(await page.evaluate(PLACEHOLDERS))
      expect(fields.map((f) => f.id)).toEqual(
        expect.arrayContaining(['att-from-hour', 'att-from-minute', 'att-to-hour']),
      )
      // Chromium clips a centred placeholder before its text fills the box ("Hour", 24 px of
      // text in 29 px, showed "Hou"): a quarter of the box is left for that.
      for (const f of fields) {
        expect(f.width, `${f.id} "${f.text}"`).toBeLessThanOrEqual(f.room * 0.75)
      }
    })

    it(`${locale}: the attendance column headings sit inside their header row`, async () => {
      await page.click(`[data-testid="language-switch"] [data-locale="${locale}"]`)
      await waitForPage(page, `document.documentElement.lang === '${locale}'`)
      await goHash(page, '#/admin/attendance')
      await page.locator('.table .th').waitFor()
      const headings = headingsSchema.parse(await page.evaluate(HEADINGS))
      expect(headings).toHaveLength(6)
      // "Check-in no." wraps in its 5rem column: its second line sat on the row's border.
      for (const h of headings) {
        expect(h.top, `"${h.text}" top`).toBeGreaterThanOrEqual(h.rowTop)
        expect(h.bottom, `"${h.text}" bottom`).toBeLessThanOrEqual(h.rowBottom - 2)
      }
    })
  }
})
