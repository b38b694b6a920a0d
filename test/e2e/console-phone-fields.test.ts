/**
 * The BUILT console on an organizer's phone (360×740 at 3x, touch, Chinese) in real Chromium
 * against the real relay, walking the hall: every field they type in or pick from — signing in,
 * pairing a booth, searching campaigns, the campaign's greeting and dates, a draw's prize and
 * count, the attendance filters — has text of at least 16 px, or Safari on an iPhone zooms the
 * page into it when tapped. On a laptop (1280×800, a mouse) the fields keep the console's
 * dense 15 px.
 * Screenshots: test-artifacts/screenshots/console-phone-fields-*.png.
 */
import type { BrowserContextOptions, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { screenshot } from './browser'
import { seedBooths } from './console-booths-seed'
import { realConsoleRelay } from './real-console-relay'

const PHONE: BrowserContextOptions = {
  viewport: { width: 360, height: 740 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
}
const LAPTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 }, locale: 'zh-CN' }

const bed = realConsoleRelay({ name: 'phone-fields' })
const venue = seedBooths(bed, { booths: 3, campaigns: ['2026 春季展会 · 上海国际会展中心'] })

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
    await page.locator('[data-testid="draws-panel"]').waitFor()
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
})

describe('on a laptop (1280×800, mouse): as before', () => {
  it('the fields keep the console’s 15 px', async () => {
    const page = await venue.signedIn(LAPTOP)
    await page.evaluate(`location.hash = '#/campaigns/c0'`)
    await page.locator('[data-testid="draws-panel"]').waitFor()
    const sizes = [...(await fieldSizes(page)).values()]
    expect(sizes.every((px) => px < 16)).toBe(true)
    await page.context().close()
  }, 60_000)
})
