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
import { scanEvent } from '../relay/attendance-helpers'
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
  // Printed (the PDF, as a print dialog closing, ends the print): the sheet is let go.
  await waitForPage(page, `document.querySelector('[data-testid="roster-sheet"]') === null`)
  expect(await page.evaluate(`document.documentElement.classList.contains('printing-sheet')`)).toBe(
    false,
  )

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

it('prints every check-in the attendance filter holds, the filter said, headings on every page', async () => {
  const store = bed.relay.store
  const made = await store.campaigns.createCampaign(
    { ...CAMPAIGN_DEFAULTS, name: '冬季展', id: 'c-attend-print', screenKey: 'k'.repeat(43) },
    Date.now(),
  )
  const id = made?.campaign.id ?? ''
  await store.campaigns.replaceRoster(id, [
    { id: 'w1', name: '王小明', company: '', phone: '', code: '' },
  ])
  await store.campaigns.putBinding(id, { registrationId: 'w1', openid: 'oWang', at: Date.now() })
  await bed.relay.addKiosk('hall-a')
  await bed.relay.addKiosk('hall-b')
  for (let i = 0; i < 100; i++)
    await store.appendEvent('hall-a', scanEvent('hall-a', i === 0 ? 'oWang' : `oA${i}`), id)
  for (let i = 0; i < 20; i++) await store.appendEvent('hall-b', scanEvent('hall-b', `oB${i}`), id)

  const page = await organizers.signedIn('carol')
  await page.click('[data-nav="attendance"]')
  await waitForPage(
    page,
    `document.querySelector('[data-testid="attendance-total"]')?.textContent.trim() === '共 120 条'`,
  )
  await page.evaluate(`window.__printed = 0; window.print = () => { window.__printed++ }`)
  await page.click('[data-testid="attendance-print"]')
  await waitForPage(page, 'window.__printed === 1')
  expect(await page.evaluate(SHOWN('[data-testid="attendance-sheet"]'))).toBe(0)
  await page.emulateMedia({ media: 'print' })
  expect(await page.evaluate(SHOWN('[data-testid="attendance-sheet-row"]'))).toBe(120)
  expect(await page.evaluate(SHOWN('main'))).toBe(0)
  expect(await page.locator('[data-testid="attendance-sheet"] h1').textContent()).toBe(
    '全部活动 签到记录',
  )
  const firstRow = await page
    .locator('[data-testid="attendance-sheet-row"]')
    .first()
    .locator('td')
    .allTextContents()
  expect([firstRow[0], firstRow[2], firstRow[3], firstRow[4], firstRow[5]]).toEqual([
    '1',
    'hall-a',
    '1',
    '王小明',
    '扫码',
  ])
  // No OpenID on paper.
  expect(await page.locator('[data-testid="attendance-sheet"]').textContent()).not.toContain('oA1')
  await page.evaluate('window.scrollTo(0, 0)')
  await screenshot(page, 'console-attendance-sheet')
  // (The PDF's afterprint ends the sheet's print: as a real print dialog closing does.)
  const pdf = pdfPageTexts(await page.pdf({ format: 'A4' }))
  expect(pdf.length).toBeGreaterThan(1)
  // Each row: its #, then its time (2023/11/14 22:13:21), then its booth.
  const ROW = /(\d+)2023\/\d\d\/\d\d \d\d:\d\d:\d\dhall-[ab]/g
  const printed: number[] = []
  for (const [i, text] of pdf.entries()) {
    expect(text, `page ${i + 1}`).toMatch(
      i === 0
        ? /^全部活动 签到记录共 120 条签到记录。日期：全部日期。.*未按关键词筛选。.*#扫码时间签到台签到号姓名事件12023\/\d\d\/\d\d [\d:]{8}hall-a1王小明扫码/
        : /^#扫码时间签到台签到号姓名事件\d+2023\//,
    )
    for (const [, n] of text.matchAll(ROW)) printed.push(Number(n))
  }
  expect(printed).toEqual(Array.from({ length: 120 }, (_, i) => i + 1))
  await waitForPage(page, `document.querySelector('[data-testid="attendance-sheet"]') === null`)

  // A search: only its rows, and the sheet says which search.
  await page.emulateMedia({ media: 'screen' })
  await page.fill('[data-testid="attendance-search"]', 'hall-b')
  await waitForPage(
    page,
    `document.querySelector('[data-testid="attendance-total"]')?.textContent.trim() === '共 20 条'`,
  )
  await page.click('[data-testid="attendance-print"]')
  await waitForPage(page, 'window.__printed === 2')
  await page.emulateMedia({ media: 'print' })
  const booths = await page
    .locator('[data-testid="attendance-sheet-row"] td:nth-child(3)')
    .allTextContents()
  expect(booths).toEqual(Array.from({ length: 20 }, () => 'hall-b'))
  expect(await page.locator('[data-testid="attendance-sheet-meta"]').textContent()).toContain(
    '筛选关键词：“hall-b”。',
  )
  expect(organizers.problems).toEqual([])
}, 120_000)
