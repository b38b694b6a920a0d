/**
 * The BUILT console on a phone (390×844) in real Chromium against the real relay: the booths
 * page's cards label each value with its column's name (Booth, Version, …) in the UI font; a
 * label used to take the monospace of the booth id or version it sits beside.
 * Screenshot: test-artifacts/screenshots/console-card-labels-en.png.
 */
import { beforeAll, expect, it } from 'vitest'
import { z } from 'zod'
import { addOrganizer } from '../../relay/console/organizer-admin'
import { screenshot, waitForPage } from './browser'
import { realConsoleRelay } from './real-console-relay'

const bed = realConsoleRelay({ name: 'card-labels' })
let password = ''

beforeAll(async () => {
  await bed.relay.addKiosk('booth-001')
  password = await addOrganizer(bed.relay.store, 'alice', Date.now())
}, 60_000)

it('the booths page’s card labels are in the UI font beside a booth id in monospace', async () => {
  const context = await bed.browser.newContext({ viewport: { width: 390, height: 844 } })
  const page = await context.newPage()
  await page.goto(`${bed.relay.url}/console/`)
  await page.fill('#sign-in-name', 'alice')
  await page.fill('#sign-in-password', password)
  await page.click('[data-testid="sign-in-submit"]')
  await page.locator('td.id[data-label]').first().waitFor()
  await page.click('[data-locale="en"]')
  await waitForPage(page, `document.documentElement.lang === 'en'`)
  const fonts = z.object({ label: z.string(), value: z.string() }).parse(
    await page.evaluate(`(() => {
      const cell = document.querySelector('td.id[data-label]')
      return {
        label: getComputedStyle(cell, '::before').fontFamily,
        value: getComputedStyle(cell).fontFamily,
      }
    })()`),
  )
  expect(fonts.value).toContain('monospace')
  expect(fonts.label).not.toContain('monospace')
  await screenshot(page, 'console-card-labels-en')
  await context.close()
}, 60_000)
