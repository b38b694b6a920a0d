/**
 * The BUILT console's live stats under Windows high contrast with a dark theme (forced colours,
 * dark scheme: white text on black), in real Chromium against the fake relay. The charts are
 * drawn on canvas, which the system does not recolour: their axis labels and legend kept the
 * page's slate grey (#475569) on the theme's black, about 2.6:1, nearly invisible. They take the
 * theme's text colour (CanvasText), again when the theme is switched to a light one (forced
 * colours stay on: only the colour scheme changes); without forced colours they keep the page's
 * own. Screenshots: test-artifacts/screenshots/console-stats-high-contrast-{dark,light}.png.
 */
import type { Page } from 'playwright-core'
import { PNG } from 'pngjs'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { UNDER_LOAD } from '../helpers/wait'
import { screenshot, waitForPage, waitForStill } from './browser'
import { fakeConsolePage } from './fake-console-page'

/**
 * A strip of a chart's canvas where only its text is drawn (the bar chart's y-axis labels at its
 * left, the doughnut's legend at its bottom): its brightest grey (the lowest channel of each
 * pixel, 0–255: a legend's coloured boxes have a low one) and its darkest (the highest channel).
 * On black, the brightest is the text's colour as it shows; on white, the darkest.
 */
async function textStrip(
  page: Page,
  nth: number,
  strip: 'left' | 'bottom',
): Promise<{ brightest: number; darkest: number }> {
  const box = await page.locator('.chart canvas').nth(nth).boundingBox()
  if (box === null) throw new Error(`chart ${nth} is not on screen`)
  const clip =
    strip === 'left'
      ? { x: box.x, y: box.y, width: 16, height: box.height }
      : { x: box.x, y: box.y + box.height - 24, width: box.width, height: 24 }
  const image = PNG.sync.read(await page.screenshot({ clip }))
  let brightest = 0
  let darkest = 255
  for (let i = 0; i < image.data.length; i += 4) {
    const rgb = [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!]
    brightest = Math.max(brightest, Math.min(...rgb))
    darkest = Math.min(darkest, Math.max(...rgb))
  }
  return { brightest, darkest }
}

describe('the live stats’ charts in Windows high contrast', () => {
  const fx = fakeConsolePage({
    relay: {},
    context: { viewport: { width: 1280, height: 800 }, locale: 'zh-CN', colorScheme: 'dark' },
  })
  let page: Page

  beforeAll(() => {
    page = fx.page
  })

  it('a dark theme: axis labels and legend in the theme’s text colour, not grey on black', async () => {
    await page.emulateMedia({ forcedColors: 'active', colorScheme: 'dark' })
    await page.click('[data-nav="stats"]')
    await waitForPage(page, `document.querySelectorAll('.chart canvas').length === 2`)
    await waitForStill(page)
    await screenshot(page, 'console-stats-high-contrast-dark')
    // White text (255) on the theme's black; the page's grey was 71 at its brightest.
    expect((await textStrip(page, 0, 'left')).brightest).toBeGreaterThan(200)
    expect((await textStrip(page, 1, 'bottom')).brightest).toBeGreaterThan(200)
  })

  it('switched to a light high-contrast theme: the theme’s dark text, not the dark theme’s white', async () => {
    // Forced colours stay on from one high-contrast theme to the other: only the scheme changes.
    await page.emulateMedia({ forcedColors: 'active', colorScheme: 'light' })
    await waitForPage(page, `matchMedia('(prefers-color-scheme: light)').matches`)
    // Black text (0) on the theme's white, once the charts are drawn again; the dark theme's
    // white text, kept, would be invisible (255 at its darkest).
    await vi.waitFor(async () => {
      expect((await textStrip(page, 0, 'left')).darkest).toBeLessThan(80)
      expect((await textStrip(page, 1, 'bottom')).darkest).toBeLessThan(80)
    }, UNDER_LOAD)
    await waitForStill(page)
    await screenshot(page, 'console-stats-high-contrast-light')
  })

  it('without forced colours, the page’s own grey', async () => {
    await page.emulateMedia({ forcedColors: 'none', colorScheme: 'light' })
    await waitForPage(page, `!matchMedia('(forced-colors: active)').matches`)
    await waitForStill(page)
    // The slate grey (#475569: 105 at its highest channel) on white.
    expect((await textStrip(page, 0, 'left')).darkest).toBeLessThan(130)
    expect((await textStrip(page, 1, 'bottom')).darkest).toBeLessThan(130)
    expect(fx.problems).toEqual([])
  })
})
