/**
 * The BUILT console on an organizer's phone (360×740 at 3x, touch, Chinese) in real Chromium
 * against the real relay, walking the hall: every field they type in or pick from — signing in,
 * pairing a booth, searching campaigns, the campaign's greeting and dates, a draw's prize and
 * count, the attendance filters — has text of at least 16 px, or Safari on an iPhone zooms the
 * page into it when tapped. After a draw, each winner's 重抽 button keeps its words on one line
 * (it moves under the name rather than being squeezed beside it). On a laptop (1280×800, a
 * mouse) both stay as they were: 15 px fields and one line per winner.
 * Screenshots: test-artifacts/screenshots/console-phone-fields-*.png.
 */
import type { BrowserContextOptions, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { PNG } from 'pngjs'
import { z } from 'zod'
import { checkIn, visitors } from '../relay/draws-helpers'
import { screenshot, waitForPage } from './browser'
import { seedBooths } from './console-booths-seed'
import { realConsoleRelay } from './real-console-relay'

const PHONE: BrowserContextOptions = {
  viewport: { width: 360, height: 740 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
}
const LAPTOP: BrowserContextOptions = {
  viewport: { width: 1280, height: 800 },
  locale: 'zh-CN',
}

const bed = realConsoleRelay({ name: 'phone-fields' })
const venue = seedBooths(bed, {
  booths: 3,
  campaigns: ['2026 春季展会 · 上海国际会展中心'],
})

beforeAll(async () => {
  await checkIn(bed.relay.store, 'c0', visitors(30, 'oGuest'), 'booth-000')
})

/** In-page source: each field shown (not a tick box or file picker), named, with its text size. */
const FIELD_SIZES = `[...document.querySelectorAll('input, select, textarea')]
  .filter((e) => !['checkbox', 'radio', 'file', 'hidden'].includes(e.type) && e.getBoundingClientRect().height > 0)
  .map((e) => (e.getAttribute('data-testid') || e.id || e.className || e.tagName) + ' ' + getComputedStyle(e).fontSize)`

const fieldSizes = async (page: Page): Promise<Map<string, number>> => {
  const shown = z.array(z.string()).parse(await page.evaluate(FIELD_SIZES))
  expect(shown.length).toBeGreaterThan(0)
  return new Map(shown.map((s) => [s, Number.parseFloat(s.slice(s.lastIndexOf(' ') + 1))]))
}
/** The fields whose text is under 16 px (Safari zooms into them). */
const zooming = async (page: Page): Promise<string[]> =>
  [...(await fieldSizes(page))].filter(([, px]) => px < 16).map(([name]) => name)

/** In-page source: for each 重抽 button, how many lines its label takes. */
const REDRAW_LINES = `[...document.querySelectorAll('[data-testid="draw-redraw"]')].map((b) => {
  const range = document.createRange()
  range.selectNodeContents(b)
  return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size
})`

/** Opens campaign c0 and draws 2 winners of a prize named `prize`; waits for THAT draw. */
async function drawTwo(page: Page, prize: string): Promise<void> {
  await page.evaluate(`location.hash = '#/campaigns/c0'`)
  await page.locator('[data-testid="draws-panel"]').waitFor()
  await page.fill('[data-testid="draw-prize"]', prize)
  await page.fill('[data-testid="draw-count"]', '2')
  await page.click('[data-testid="draw-start"]')
  await waitForPage(
    page,
    `[...document.querySelectorAll('[data-testid="draw"]')].some((d) =>
      d.querySelector('[data-testid="draw-prize-name"]')?.textContent === ${JSON.stringify(prize)} &&
      d.querySelectorAll('[data-testid="draw-redraw"]').length === 2)`,
  )
}

/**
 * In-page source: the search boxes shown, each with where its hint's last letter should end
 * (border, padding and the hint's width, in px from the box's left edge).
 */
const SEARCH_HINTS = `[...document.querySelectorAll('input[type="search"][placeholder]')]
  .filter((e) => e.getBoundingClientRect().width > 0)
  .map((e) => {
    const style = getComputedStyle(e)
    const ctx = document.createElement('canvas').getContext('2d')
    ctx.font = style.font
    const text = ctx.measureText(e.placeholder).width
    return { testid: e.getAttribute('data-testid'), end: parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft) + text }
  })`
const hintsSchema = z.array(z.object({ testid: z.string(), end: z.number() }))

/** The rightmost column of a box's picture (1 px per CSS px) with ink darker than its field. */
function inkRight(png: Buffer): number {
  const image = PNG.sync.read(png)
  let right = -1
  // Rows of the middle third (the text), columns left of the border's last few pixels.
  for (let y = Math.floor(image.height / 3); y < Math.ceil((image.height * 2) / 3); y++) {
    for (let x = 0; x < image.width - 4; x++) {
      const i = (y * image.width + x) * 4
      const light = Math.min(image.data[i] ?? 0, image.data[i + 1] ?? 0, image.data[i + 2] ?? 0)
      if (light < 200 && x > right) right = x
    }
  }
  return right
}

describe('on a phone (360×740, touch)', () => {
  it('signing in: the name and password fields are 16 px or more', async () => {
    const context = await bed.browser.newContext(PHONE)
    const page = await context.newPage()
    await page.goto(`${bed.relay.url}/console/`)
    await page.locator('#sign-in-name').waitFor()
    expect(await zooming(page)).toEqual([])
    await context.close()
  })

  it('every field of every page is 16 px or more: none zooms the page when tapped', async () => {
    const page = await venue.signedIn(PHONE)
    await page.tap('[data-testid="add-booth"]')
    await page.locator('[data-testid="booth-id"]').waitFor()
    expect(await zooming(page), 'booths').toEqual([])

    await page.tap('[data-nav="campaigns"]')
    await page.locator('[data-testid="campaign-row"]').first().waitFor()
    expect(await zooming(page), 'campaigns').toEqual([])

    await page.evaluate(`location.hash = '#/campaigns/c0'`)
    // The draw's form comes with the panel's list of draws, after the panel itself.
    await page.locator('[data-testid="draw-prize"]').waitFor()
    await page.locator('[data-testid="greeting-zh-CN-first"]').waitFor()
    // The greeting, the dates (year, month, day), the replies and the draw's prize and count.
    const editor = await fieldSizes(page)
    expect([...editor.keys()].some((k) => k.startsWith('greeting-zh-CN-first'))).toBe(true)
    expect([...editor.keys()].some((k) => k.startsWith('draw-prize'))).toBe(true)
    expect(await zooming(page), 'campaign editor').toEqual([])
    await page.locator('[data-testid="draw-prize"]').scrollIntoViewIfNeeded()
    await screenshot(page, 'console-phone-fields-draw-form')

    await page.tap('[data-nav="attendance"]')
    await page.locator('[data-testid="attendance-search"]').waitFor()
    expect(await zooming(page), 'attendance').toEqual([])

    // Bigger text pushes nothing past the screen's edge.
    expect(
      await page.evaluate(
        'document.documentElement.scrollWidth > document.documentElement.clientWidth',
      ),
    ).toBe(false)
    await page.context().close()
  }, 60_000)

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`${lang}: each search box shows its whole hint (none cut by its clear button's room)`, async () => {
      const page = await venue.signedIn(PHONE)
      await page.tap(`[data-locale="${lang}"]`)
      await waitForPage(page, `document.documentElement.lang === '${lang}'`)
      const seen: string[] = []
      for (const [where, ready] of [
        ['campaigns', 'campaign-search'],
        ['attendance', 'attendance-search'],
      ] as const) {
        await page.evaluate(`location.hash = '#/${where}'`)
        await page.locator(`[data-testid="${ready}"]`).waitFor()
        for (const hint of hintsSchema.parse(await page.evaluate(SEARCH_HINTS))) {
          const box = page.locator(`[data-testid="${hint.testid}"]`)
          const ink = inkRight(await box.screenshot({ scale: 'css' }))
          seen.push(hint.testid)
          // A letter's ink ends a pixel or two short of its advance; a cut one several short.
          expect(ink, `${lang} ${hint.testid}`).toBeGreaterThanOrEqual(Math.floor(hint.end) - 4)
        }
      }
      expect(seen).toEqual(['campaign-search', 'attendance-search'])
      await page.context().close()
    }, 60_000)
  }

  it('after a draw, each winner’s 重抽 keeps its words on one line, on screen', async () => {
    const page = await venue.signedIn(PHONE)
    await drawTwo(page, '手机一等奖')
    const lines = z.array(z.number()).parse(await page.evaluate(REDRAW_LINES))
    expect(lines.length).toBeGreaterThanOrEqual(2)
    expect(lines.every((n) => n === 1)).toBe(true)
    for (const button of await page.locator('[data-testid="draw-redraw"]').all()) {
      const box = z
        .object({ x: z.number(), width: z.number(), height: z.number() })
        .parse(await button.boundingBox())
      expect(box.x + box.width).toBeLessThanOrEqual(360)
      expect(box.height).toBeGreaterThanOrEqual(44)
      expect(box.width).toBeGreaterThanOrEqual(44)
    }
    await page.locator('[data-testid="draw-winner"]').first().scrollIntoViewIfNeeded()
    await screenshot(page, 'console-phone-fields-winners')
    await page.context().close()
  }, 60_000)
})

describe('on a laptop (1280×800, mouse): as before', () => {
  it('the fields keep the console’s 15 px and each winner stays on one line', async () => {
    const page = await venue.signedIn(LAPTOP)
    await drawTwo(page, '电脑一等奖')
    const sizes = [...(await fieldSizes(page)).values()]
    expect(sizes.every((px) => px < 16)).toBe(true)
    // Name, OpenID and 重抽 side by side: one row each.
    const wrapped = z.array(z.boolean()).parse(
      await page.evaluate(`[...document.querySelectorAll('[data-testid="draw-winner"]')].map((li) => {
        const name = li.querySelector('[data-testid="draw-winner-name"]').getBoundingClientRect()
        return [...li.children].some((c) => c.getBoundingClientRect().top >= name.bottom)
      })`),
    )
    expect(wrapped.length).toBeGreaterThanOrEqual(2)
    expect(wrapped).not.toContain(true)
    await page.locator('[data-testid="draw-winner"]').first().scrollIntoViewIfNeeded()
    await screenshot(page, 'console-phone-fields-laptop-winners')
    await page.context().close()
  }, 60_000)
})
