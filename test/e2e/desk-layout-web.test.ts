/**
 * The desk page at booth screen sizes, in real Chromium against `kiosk web` in demo mode: the
 * guest list uses the page's width and every row (name, badge, "show QR code") stays inside
 * its panel, with long English and Chinese names, before and after a guest's code is shown. By
 * keyboard with a screen reader, in both languages: a search's outcome is said (how many found,
 * or none), and each row's button is named after its guest.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { focusedAsHeard, goHash, screenshot, waitForPage } from './browser'
import { demoKioskPage } from './demo-kiosk'

const ROSTER = [
  'name,company,phone,code',
  'Guest 1,ACME,13800000001,G1',
  'Guest 2,ACME,13800000002,G2',
  'Maximilian Alexander Bartholomew von Habsburg-Lothringen,Very Long Company Name International Holdings Ltd,13800000003,C2',
  '欧阳娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜,北京某某某某科技有限公司,13800000004,C1',
  '张三,,13800000005,C4',
].join('\n')

/** In-page source: the list panel, its page section and every result row's box. */
const BOXES = `(() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return { left: r.left, right: r.right, width: r.width } }
  const panel = document.querySelector('[data-testid="desk-search"]').closest('.panel')
  return {
    section: box(document.querySelector('section.desk')),
    panel: box(panel),
    rows: [...document.querySelectorAll('[data-testid="desk-result"]')].map(box),
    buttons: [...document.querySelectorAll('[data-testid="desk-result"] button')].map(box),
  }
})()`
const boxSchema = z.object({ left: z.number(), right: z.number(), width: z.number() })
const boxesSchema = z.object({
  section: boxSchema,
  panel: boxSchema,
  rows: z.array(boxSchema),
  buttons: z.array(boxSchema),
})

describe('the desk page at booth sizes', () => {
  const demo = demoKioskPage({
    name: 'desk-layout',
    context: { viewport: { width: 1080, height: 1920 } },
    admin: true,
  })
  const { pageErrors } = demo
  let page: Page

  beforeAll(async () => {
    page = demo.page
    await page.click('[data-testid="language-switch"] [data-locale="en"]')
    await goHash(page, '#/admin/roster')
    await page.locator('[data-testid="roster-file"]').setInputFiles({
      name: 'guests.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(ROSTER, 'utf8'),
    })
    await page.locator('[data-testid="roster-result"]').waitFor()
    await goHash(page, '#/admin/desk')
    await page.locator('[data-testid="desk-result"]').nth(4).waitFor()
  }, 120_000)

  async function expectRowsInsidePanel(name: string): Promise<z.infer<typeof boxesSchema>> {
    await screenshot(page, name)
    const b = boxesSchema.parse(await page.evaluate(BOXES))
    expect(b.rows).toHaveLength(5)
    for (const [i, r] of [...b.rows, ...b.buttons].entries()) {
      expect(r.right, `row/button ${i} spills out of its panel`).toBeLessThanOrEqual(
        b.panel.right + 0.5,
      )
    }
    return b
  }

  for (const [width, height] of [
    [1080, 1920],
    [1024, 768],
  ] as const) {
    it(`${width}×${height}: the list takes the page's width and its rows stay in the panel`, async () => {
      await page.setViewportSize({ width, height })
      const b = await expectRowsInsidePanel(`desk-list-${width}x${height}`)
      // No code shown yet: nothing beside the list, so it is as wide as the page section.
      expect(await page.locator('[data-testid="desk-ticket"]').count()).toBe(0)
      expect(b.panel.width).toBeGreaterThan(b.section.width - 2)
    })
  }

  it('with a guest’s code shown beside it, the rows still stay in the panel', async () => {
    await page.setViewportSize({ width: 1080, height: 1920 })
    await page.locator('[data-testid="desk-result"] button').nth(2).click()
    await page.locator('[data-testid="desk-ticket"]').waitFor()
    await expectRowsInsidePanel('desk-ticket-1080x1920')
    await page.setViewportSize({ width: 1024, height: 768 })
    await expectRowsInsidePanel('desk-ticket-1024x768')
    expect(pageErrors).toEqual([])
  })

  it('by keyboard with a screen reader: the search says what it found, each row’s button names its guest', async () => {
    // Every row's button was "Show QR code", and the list changed without a word: a blind
    // staff member could not tell whose code a button shows, nor that the search had answered.
    const news = '[data-testid="desk-news"]'
    for (const [locale, said] of [
      [
        'en',
        ['1 guest found for “Guest 2”', 'No matching guest for “zzz”', 'Show QR code: Guest 2'],
      ],
      ['zh-CN', ['“Guest 2”：找到 1 位来宾', '没有与“zzz”匹配的来宾', '出示二维码：Guest 2']],
    ] as const) {
      await page.click(`[data-testid="language-switch"] [data-locale="${locale}"]`)
      // The live region is there before the answer is: one inserted with its text is not read.
      expect(await page.locator(`${news}[role="status"]`).count()).toBe(1)
      await page.focus('[data-testid="desk-search"]')
      await page.keyboard.press('Control+A')
      await page.keyboard.type('Guest 2')
      await waitForPage(
        page,
        `document.querySelector('${news}').textContent.trim() === ${JSON.stringify(said[0])}`,
      )
      await page.keyboard.press('Tab')
      expect((await focusedAsHeard(page))?.name).toBe(said[2])
      await page.keyboard.press('Shift+Tab')
      await page.keyboard.type('zzz')
      await waitForPage(
        page,
        `document.querySelector('${news}').textContent.trim() === ${JSON.stringify(said[1])}`,
      )
    }
    expect(pageErrors).toEqual([])
  })
})
