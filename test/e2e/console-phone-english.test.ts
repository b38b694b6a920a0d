/**
 * The BUILT console in English on a small phone (360×740 at 3x, touch) against the real relay in
 * real Chromium, with a campaign of a long name and a day of scans: on the live stats and the
 * attendance pages the campaign picker ("Campaign" and the long name) fits the screen, and the
 * page never scrolls sideways; the stats' table by day (Day, Scans, Visitors, New followers)
 * shows all four columns without scrolling. Both ran 17 px past the screen's edge.
 * Screenshots: test-artifacts/screenshots/console-phone-english-*.png.
 */
import { expect, it } from 'vitest'
import { z } from 'zod'
import { checkIn, visitors } from '../relay/draws-helpers'
import { screenshot, waitForPage } from './browser'
import { seedBooths } from './console-booths-seed'
import { realConsoleRelay } from './real-console-relay'

const bed = realConsoleRelay({ name: 'phone-english' })
const venue = seedBooths(bed, {
  booths: 2,
  campaigns: ['2026 Spring Expo · Shanghai International Convention Center'],
})

const SIDEWAYS = 'document.documentElement.scrollWidth > document.documentElement.clientWidth'
/** In-page source: the right edge of the campaign picker (its label and select). */
const SCOPE_RIGHT = `Math.max(...[...document.querySelectorAll('.scope, [data-testid="campaign-scope"]')]
  .map((e) => e.getBoundingClientRect().right))`

it('stats and attendance: the campaign picker and the table by day fit a 360 px phone', async () => {
  await checkIn(bed.relay.store, 'c0', visitors(12, 'oEnglish'), 'booth-000')
  const page = await venue.signedIn({
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 3,
    isMobile: true,
    hasTouch: true,
    locale: 'en',
  })
  await page.tap('[data-locale="en"]')
  await waitForPage(page, `document.documentElement.lang === 'en'`)

  await page.tap('[data-nav="stats"]')
  // THIS page's table: the day's row with the 12 scans.
  await waitForPage(
    page,
    `[...document.querySelectorAll('[data-testid="stats-day"] td')].some((td) => td.textContent.trim() === '12')`,
  )
  expect(z.number().parse(await page.evaluate(SCOPE_RIGHT))).toBeLessThanOrEqual(360)
  expect(await page.evaluate(SIDEWAYS)).toBe(false)
  const table = z.object({ scroll: z.number(), client: z.number(), right: z.number() }).parse(
    await page.evaluate(`(() => {
        const s = document.querySelector('[data-testid="stats-days-scroller"]')
        return { scroll: s.scrollWidth, client: s.clientWidth, right: s.querySelector('table').getBoundingClientRect().right }
      })()`),
  )
  expect(table.scroll).toBeLessThanOrEqual(table.client)
  expect(table.right).toBeLessThanOrEqual(360)
  await page.locator('[data-testid="stats-by-day"]').scrollIntoViewIfNeeded()
  await screenshot(page, 'console-phone-english-stats')

  await page.tap('[data-nav="attendance"]')
  await page.locator('[data-testid="attendance-row"]').first().waitFor()
  expect(z.number().parse(await page.evaluate(SCOPE_RIGHT))).toBeLessThanOrEqual(360)
  expect(await page.evaluate(SIDEWAYS)).toBe(false)
  await screenshot(page, 'console-phone-english-attendance')
  await page.context().close()
}, 60_000)
