/**
 * The BUILT console at a phone's width (390 px) in real Chromium against the fake relay: the
 * attendance list is wider than the screen and scrolls sideways, and its column headings must
 * move with the rows, or each heading sits over another column's values. A campaign's roster
 * (long Chinese and English names and companies) scrolls sideways inside its panel; the page
 * itself never does.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { screenshot, waitForPage } from './browser'
import { EXPO } from './fake-console-relay'
import { fakeConsolePage } from './fake-console-page'

/** In-page source: the left edge of each heading and of the first row's cells, in order. */
const EDGES = `(() => {
  const left = (el) => Math.round(el.getBoundingClientRect().left)
  const heads = [...document.querySelectorAll('.attendance .th [role="columnheader"]')]
  const row = document.querySelector('[data-testid="attendance-row"]')
  const cells = row ? [...row.querySelectorAll(':scope > [role="cell"]')] : []
  return { heads: heads.map(left), cells: cells.map(left) }
})()`
const edgesSchema = z.object({ heads: z.array(z.number()), cells: z.array(z.number()) })

describe('the console at a phone’s width', () => {
  const fx = fakeConsolePage({
    relay: { attendanceRows: 30 },
    context: { viewport: { width: 390, height: 844 }, locale: 'zh-CN' },
  })
  const { problems } = fx
  let page: Page

  beforeAll(() => {
    page = fx.page
  })

  it('attendance: scrolled sideways, each column heading stays over its column', async () => {
    await page.click('[data-nav="attendance"]')
    await page.locator('[data-testid="attendance-row"]').first().waitFor()
    const scroller = '[data-testid="attendance-scroller"]'
    const wide = await page.evaluate(
      `(() => { const s = document.querySelector('${scroller}'); return s.scrollWidth > s.clientWidth })()`,
    )
    // The list is wider than a phone: it scrolls sideways.
    expect(wide).toBe(true)
    const before = edgesSchema.parse(await page.evaluate(EDGES))
    expect(before.heads).toEqual(before.cells)
    await page.evaluate(`document.querySelector('${scroller}').scrollLeft = 200`)
    await waitForPage(page, `document.querySelector('${scroller}').scrollLeft > 0`)
    // Scroll events are delivered with the next frame.
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))')
    const after = edgesSchema.parse(await page.evaluate(EDGES))
    expect(after.cells[0]).toBeLessThan(before.cells[0] ?? 0)
    expect(after.heads).toEqual(after.cells)
    expect(problems).toEqual([])
  })

  it('campaigns: each campaign opens from a link on screen, without scrolling the list', async () => {
    await page.click('[data-nav="campaigns"]')
    await page.locator('[data-testid="campaign-row"]').first().waitFor()
    const links = page.locator('[data-testid="campaign-row"] a[href="#/campaigns/expo-2026"]')
    const onScreen: boolean[] = []
    for (const link of await links.all()) {
      const box = await link.boundingBox()
      onScreen.push(box !== null && box.x >= 0 && box.x + box.width <= 390)
    }
    expect(onScreen).toContain(true)
    await links.first().click()
    await page.locator('[data-testid="campaign-form"]').waitFor()
    await page.click('[data-nav="campaigns"]')
  })

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`${lang}: a campaign's roster scrolls inside its panel, the page never sideways`, async () => {
      await page.click(`[data-locale="${lang}"]`)
      await waitForPage(page, `document.documentElement.lang === '${lang}'`)
      await page.evaluate(`location.hash = '#/campaigns/${EXPO.id}'`)
      await page.locator('[data-testid="roster-file"]').waitFor({ state: 'attached' })
      const lines = [
        '姓名,单位,电话,编号',
        '欧阳娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜,中国国际贸易促进委员会上海市分会展览部,13811112222,VIP-0001-ABCDEFGHIJ',
        'Maximilian Featherstonehaugh-Worthington,Very Long Company Name International Holdings Ltd,13700137000,G-0002',
        `张三${lang},公司,13900139000,G-0003`,
      ]
      await page.setInputFiles('[data-testid="roster-file"]', {
        name: 'roster.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(lines.join('\r\n'), 'utf8'),
      })
      await waitForPage(
        page,
        `[...document.querySelectorAll('[data-testid="roster-row"]')].some((r) => r.textContent.includes('张三${lang}'))`,
      )
      const sideways = await page.evaluate(
        `document.documentElement.scrollWidth > document.documentElement.clientWidth`,
      )
      expect(sideways).toBe(false)
      // The table's own scroller lies within the screen, and scrolled to its end it shows the
      // last column (编号 / code) whole.
      expect(await allOnScreen('[data-testid="roster-scroller"]')).toEqual([true])
      await page.evaluate(
        `(() => { const s = document.querySelector('[data-testid="roster-scroller"]'); s.scrollLeft = s.scrollWidth })()`,
      )
      const code = page.locator('[data-testid="roster-row"] td.mono').first()
      expect(await code.textContent()).toBe('VIP-0001-ABCDEFGHIJ')
      expect(await allOnScreen('[data-testid="roster-row"] td.mono >> nth=0')).toEqual([true])
      await page.locator('[data-testid="roster-panel"]').scrollIntoViewIfNeeded()
      await screenshot(page, `console-narrow-roster-${lang}`)
      await page.click('[data-locale="zh-CN"]')
      await page.click('[data-nav="booths"]')
      expect(problems).toEqual([])
    })
  }

  it('in English the header’s tabs all fit: none past the edge, no sideways page', async () => {
    await page.click('[data-locale="en"]')
    await waitForPage(page, `document.documentElement.lang === 'en'`)
    for (const nav of ['booths', 'campaigns', 'stats', 'attendance']) {
      const box = await page.locator(`[data-nav="${nav}"]`).boundingBox()
      expect(box, nav).not.toBeNull()
      expect(box?.x ?? -1, nav).toBeGreaterThanOrEqual(0)
      expect((box?.x ?? 0) + (box?.width ?? 0), nav).toBeLessThanOrEqual(390)
    }
    const sideways = await page.evaluate(
      `document.documentElement.scrollWidth > document.documentElement.clientWidth`,
    )
    expect(sideways).toBe(false)
    await page.click('[data-locale="zh-CN"]')
    await waitForPage(page, `document.documentElement.lang === 'zh-CN'`)
    expect(problems).toEqual([])
  })

  /** Every `selector` on the page lies within the phone's width (none past the edge). */
  async function allOnScreen(selector: string): Promise<boolean[]> {
    const boxes = await Promise.all(
      (await page.locator(selector).all()).map((l) => l.boundingBox()),
    )
    return boxes.map((b) => b !== null && b.x >= 0 && b.x + b.width <= 390)
  }
  const SIDEWAYS = `[...document.querySelectorAll('.table-panel')].some((p) => p.scrollWidth > p.clientWidth)`

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`${lang}: every booth's 新配对码 and 停用 and every campaign's edit button are on screen, no sideways table`, async () => {
      await page.click(`[data-locale="${lang}"]`)
      await waitForPage(page, `document.documentElement.lang === '${lang}'`)
      await page.click('[data-nav="booths"]')
      await page.locator('[data-testid="booth-row"]').first().waitFor()
      expect(await page.evaluate(SIDEWAYS)).toBe(false)
      const newCode = await allOnScreen('[data-testid="new-code"]')
      const revoke = await allOnScreen('[data-testid="revoke"]')
      expect(newCode).toEqual([true, true, true])
      expect(revoke).toEqual([true, true, true])
      // Each value keeps its column's name beside it once the table is stacked.
      const label = await page.evaluate(
        `getComputedStyle(document.querySelector('[data-kiosk="hall-a"] [data-label]'), '::before').content`,
      )
      expect(label).toBe(lang === 'en' ? '"Booth"' : '"签到台"')
      await screenshot(page, `console-narrow-booths-${lang}`)
      // hall-a is online: the question names its campaign and scans today, on screen too.
      await page.click('[data-kiosk="hall-a"] [data-testid="revoke"]')
      expect(await allOnScreen('[data-testid="confirm-revoke"]')).toEqual([true])
      expect(await allOnScreen('[data-testid="revoke-busy"]')).toEqual([true])
      await screenshot(page, `console-narrow-revoke-${lang}`)
      await page.click('[data-kiosk="hall-a"] [data-confirm-cancel]')

      await page.click('[data-nav="campaigns"]')
      await page.locator('[data-testid="campaign-row"]').first().waitFor()
      expect(await page.evaluate(SIDEWAYS)).toBe(false)
      expect(await allOnScreen('[data-testid="edit-campaign"]')).not.toContain(false)
      await screenshot(page, `console-narrow-campaigns-${lang}`)
    })
  }
})

/** A small phone, held and tapped: 360×640 at 3x, touch (a coarse pointer). */
describe('the console on a small touch phone (360×640)', () => {
  const fx = fakeConsolePage({
    relay: { attendanceRows: 30 },
    context: {
      viewport: { width: 360, height: 640 },
      deviceScaleFactor: 3,
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
    },
  })
  const { problems } = fx
  let page: Page

  beforeAll(() => {
    page = fx.page
  })

  it('attendance: scrolled to the list, it fills the screen (not three rows in a box)', async () => {
    await page.tap('[data-nav="attendance"]')
    await page.locator('[data-testid="attendance-row"]').first().waitFor()
    // Scrolled as a thumb does, until the list's top meets the header (scroll-padding-top keeps
    // it below the header): the list is then the screen below the header, heading included,
    // whatever stands above it on the page (a notice of offline booths).
    await page.evaluate(
      `document.querySelector('.attendance .table').scrollIntoView({ block: 'start' })`,
    )
    const rows = Number(
      await page.evaluate(
        `Math.floor(document.querySelector('[data-testid="attendance-scroller"]').clientHeight / 44)`,
      ),
    )
    // 640 px less the console's header (three lines here) and the list's heading row: at
    // least nine rows of 44 px, the whole list on screen.
    expect(rows).toBeGreaterThanOrEqual(9)
    const edges = z.object({ header: z.number(), heading: z.number(), bottom: z.number() }).parse(
      await page.evaluate(`(() => ({
          header: document.querySelector('header').getBoundingClientRect().bottom,
          heading: document.querySelector('.attendance .th').getBoundingClientRect().top,
          bottom: document.querySelector('[data-testid="attendance-scroller"]').getBoundingClientRect().bottom,
        }))()`),
    )
    // The column headings are not under the header (which stays at the top), the list's end
    // not past the screen's.
    expect(edges.heading).toBeGreaterThanOrEqual(edges.header)
    expect(Math.round(edges.bottom)).toBeLessThanOrEqual(640)
    // The page itself still never scrolls sideways.
    expect(
      await page.evaluate(
        `document.documentElement.scrollWidth > document.documentElement.clientWidth`,
      ),
    ).toBe(false)
    await screenshot(page, 'console-phone-attendance-360')
    expect(problems).toEqual([])
  })

  /**
   * In-page source: each control shown whose tap target is less than 44×44 px (a fingertip),
   * named. A checkbox's or radio button's target is its label (a tap on it ticks the box).
   */
  const SMALL_CONTROLS = `[...document.querySelectorAll(
    'button, .btn, select, a[href], input:not([type="file"])'
  )].map((e) => {
    const box = e.type === 'checkbox' || e.type === 'radio'
    const target = box ? e.closest('label') || (e.id && document.querySelector('label[for="' + e.id + '"]')) || e : e
    return { e, r: target.getBoundingClientRect() }
  }).filter(({ e, r }) => {
    const shown = e.getBoundingClientRect()
    return shown.width > 0 && shown.height > 0 && (r.height < 44 || r.width < 44)
  }).map(({ e, r }) => (e.getAttribute('data-testid') || e.getAttribute('data-nav') || e.type + ':' + (e.closest('label') || e).textContent.trim()) +
    ' ' + Math.round(r.width) + '×' + Math.round(r.height))`

  for (const [where, ready] of [
    ['booths', '[data-testid="booth-row"]'],
    ['attendance', '[data-testid="attendance-row"]'],
    ['campaigns', '[data-testid="campaign-row"]'],
    [`campaigns/${EXPO.id}`, '[data-testid="campaign-form"]'],
  ] as const) {
    it(`#/${where}: every button, tab, field, link and tick box is at least 44×44 px to a finger`, async () => {
      await page.evaluate(`location.hash = '#/${where}'`)
      await page.locator(ready).first().waitFor()
      expect(await page.evaluate(SMALL_CONTROLS)).toEqual([])
      // Grown to a fingertip, nothing is pushed past the screen's edge.
      expect(
        await page.evaluate(
          `document.documentElement.scrollWidth > document.documentElement.clientWidth`,
        ),
      ).toBe(false)
      await screenshot(page, `console-phone-touch-${where.replace('/', '-')}`)
      expect(problems).toEqual([])
    })
  }
})
