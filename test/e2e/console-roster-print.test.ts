/**
 * The door list on paper, in real Chromium against the real relay (the BUILT console): 打印签到表
 * on a campaign of 300 guests prints the whole roster (not the page of 50 on screen) alone, sorted
 * by name, phones masked as the screen shows them, a box to tick; the PDF runs to several pages
 * and each starts with the headings, no guest's row split between two. Ctrl+P on the page itself
 * prints no header, buttons or toggles. Screenshot of the print render:
 * test-artifacts/screenshots/console-roster-print.png (the button: -button.png; the attendance
 * page on paper: console-attendance-print.png).
 */
import { expect, it } from 'vitest'
import { CAMPAIGN_DEFAULTS } from '../../shared/campaign'
import { screenshot, waitForPage } from './browser'
import { consoleOrganizers } from './console-organizers'
import { pdfPageTexts } from './pdf-text'
import { realConsoleRelay } from './real-console-relay'

const bed = realConsoleRelay({ name: 'roster-print' })
const organizers = consoleOrganizers(bed)

const GUESTS = 300
/** Guest i of 300, stored in an order their names do not sort in. */
function guest(i: number) {
  const n = (i * 7919) % GUESTS
  return {
    id: `r${n}`,
    name: `Guest ${String(n).padStart(3, '0')}`,
    company: `Company ${n % 13}`,
    phone: `139${String(n).padStart(8, '0')}`,
    code: `G${n}`,
  }
}
/** What is shown of each element matching `selector` (display not none, in the layout). */
const SHOWN = (selector: string): string =>
  `[...document.querySelectorAll('${selector}')].filter((e) => e.getClientRects().length > 0).length`

it('prints the whole roster as a door list: sorted, masked, headings on every page', async () => {
  const made = await bed.relay.store.campaigns.createCampaign(
    { ...CAMPAIGN_DEFAULTS, name: '秋季展', id: 'c-roster-print', screenKey: 'k'.repeat(43) },
    Date.now(),
  )
  const id = made?.campaign.id ?? ''
  await bed.relay.store.campaigns.replaceRoster(
    id,
    Array.from({ length: GUESTS }, (_, i) => guest(i)),
  )
  const page = await organizers.signedIn('alice')
  await page.goto(`${bed.relay.url}/console/#/campaigns/${id}`)
  await page.locator('[data-testid="roster-row"]').first().waitFor()
  await page.click('[data-locale="en"]')
  await page.locator('[data-testid="roster-print"]').scrollIntoViewIfNeeded()
  await screenshot(page, 'console-roster-print-button')

  // Ctrl+P on the page itself: the roster, no header, buttons or the file picker.
  await page.emulateMedia({ media: 'print' })
  expect(await page.evaluate(SHOWN('header.header'))).toBe(0)
  expect(await page.evaluate(SHOWN('[data-testid="roster-print"]'))).toBe(0)
  expect(await page.evaluate(SHOWN('[data-testid="roster-row"]'))).toBe(50)
  await page.emulateMedia({ media: 'screen' })

  // The button: the print dialog noted, not opened (headless has none to close).
  await page.evaluate(`window.__printed = 0; window.print = () => { window.__printed++ }`)
  expect(await page.locator('[data-testid="roster-sheet"]').count()).toBe(0)
  await page.click('[data-testid="roster-print"]')
  await waitForPage(page, 'window.__printed === 1')
  // On screen the sheet is not seen.
  expect(await page.evaluate(SHOWN('[data-testid="roster-sheet"]'))).toBe(0)
  expect(await page.evaluate(SHOWN('header.header'))).toBe(1)

  await page.emulateMedia({ media: 'print' })
  // Printed alone: the sheet and nothing of the page.
  expect(await page.evaluate(SHOWN('[data-testid="roster-sheet"]'))).toBe(1)
  expect(await page.evaluate(SHOWN('main'))).toBe(0)
  expect(await page.evaluate(SHOWN('header.header'))).toBe(0)
  expect(await page.evaluate(SHOWN('[data-testid="roster-sheet-row"]'))).toBe(GUESTS)
  const names = await page.locator('[data-testid="roster-sheet-row"] .name').allTextContents()
  expect(names).toEqual(
    Array.from({ length: GUESTS }, (_, n) => `Guest ${String(n).padStart(3, '0')}`),
  )
  const phones = await page.locator('[data-testid="roster-sheet-phone"]').allTextContents()
  expect(phones[1]).toBe('139****0001')
  expect(phones.every((p) => /^139\*{4}\d{4}$/.test(p))).toBe(true)
  const meta = await page.locator('[data-testid="roster-sheet-meta"]').textContent()
  expect(meta).toContain('300 guests, the whole roster, sorted by name. Printed ')
  expect(meta).toContain('Phone numbers masked, as on screen.')
  expect(await page.locator('.door-list h1').textContent()).toBe('秋季展: door list')
  // Black on white.
  const colours = await page.evaluate(
    `(() => { const s = getComputedStyle(document.querySelector('[data-testid="roster-sheet-row"] td.name')); return [s.color, getComputedStyle(document.body).backgroundColor] })()`,
  )
  expect(colours).toEqual(['rgb(0, 0, 0)', 'rgb(255, 255, 255)'])
  await page.evaluate('window.scrollTo(0, 0)')
  await screenshot(page, 'console-roster-print')

  // On A4: several pages, each opening with the headings, every guest once and whole.
  const pdf = await page.pdf({ format: 'A4' })
  const pages = pdfPageTexts(pdf)
  expect(pages.length).toBeGreaterThan(1)
  const ROW = /Guest (\d{3})Company \d+139\*{4}(\d{4})G(\d+)/g
  const printed: string[] = []
  for (const [i, text] of pages.entries()) {
    // The headings, then a guest (the first page: the title and what the sheet holds first).
    expect(text, `page ${i + 1}`).toMatch(
      i === 0
        ? /^秋季展: door list300 guests, .*HereNameCompanyPhoneCodeGuest \d{3}/
        : /^HereNameCompanyPhoneCodeGuest \d{3}/,
    )
    // Each row whole on its page: its name, phone and code together.
    for (const [, name, phone, code] of text.matchAll(ROW)) {
      expect([phone, code], `page ${i + 1}`).toEqual([`0${name ?? ''}`, String(Number(name))])
      printed.push(`Guest ${name ?? ''}`)
    }
  }
  expect(printed).toEqual(names)

  // Full phones when the organizer shows them on screen, and only then.
  await page.emulateMedia({ media: 'screen' })
  await page.check('[data-testid="roster-show-phones"]')
  await page.click('[data-testid="roster-print"]')
  await waitForPage(page, 'window.__printed === 2')
  await waitForPage(
    page,
    `document.querySelectorAll('[data-testid="roster-sheet-phone"]')[1]?.textContent === '13900000001'`,
  )
  expect(organizers.problems).toEqual([])
}, 120_000)

it('the attendance page on paper: no header or buttons, and a note that only the screen’s rows print', async () => {
  const page = await organizers.signedIn('bob')
  await page.click('[data-nav="attendance"]')
  await page.locator('[data-testid="attendance-total"]').waitFor()
  const NOTE = SHOWN('[data-testid="attendance-print-note"]')
  expect(await page.evaluate(NOTE)).toBe(0)
  await page.emulateMedia({ media: 'print' })
  expect(await page.evaluate(NOTE)).toBe(1)
  expect(await page.evaluate(SHOWN('header.header'))).toBe(0)
  expect(await page.evaluate(SHOWN('[data-testid="download-xlsx"]'))).toBe(0)
  expect(await page.locator('[data-testid="attendance-print-note"]').textContent()).toContain(
    '只含屏幕上显示的记录',
  )
  await screenshot(page, 'console-attendance-print')
  expect(organizers.problems).toEqual([])
}, 60_000)
