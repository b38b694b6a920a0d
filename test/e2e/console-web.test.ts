/**
 * The BUILT console (out/console) in real Chromium, served with the relay's strict CSP by a fake
 * relay that speaks the console API's contract: sign in (a wrong password first), booths, add a
 * booth (the code and a QR a phone can read), live stats moving on an SSE `stats` without a
 * reload, attendance scrolled to row 90,000 of 100,000 and the CSV download. Any CSP violation
 * (an inline script or style the build needs) fails it. Screenshots: test-artifacts/console-*.png.
 */
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeQr, launchChromium, waitForPage, waitForStill } from './browser'
import {
  assertConsoleBuilt,
  attendanceRow,
  CONSOLE_DIR,
  ORGANIZER,
  startFakeConsoleRelay,
  type FakeConsoleRelay,
} from './fake-console-relay'
import { readFileSync } from 'node:fs'

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts')

/** Records CSP violations in the page (an init script runs outside the page's CSP). */
const WATCH_CSP = `window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sample || '') + ' at ' + e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber)
})`

describe('the organizer console in Chromium', () => {
  let relay: FakeConsoleRelay
  let browser: Browser
  let context: BrowserContext
  let page: Page
  const problems: string[] = []

  async function shot(name: string): Promise<Buffer> {
    await waitForStill(page)
    mkdirSync(ARTIFACTS, { recursive: true })
    return page.screenshot({ path: resolve(ARTIFACTS, `console-${name}.png`) })
  }
  const text = async (selector: string) =>
    (await page.locator(selector).first().textContent()) ?? ''

  beforeAll(async () => {
    assertConsoleBuilt()
    relay = await startFakeConsoleRelay()
    browser = await launchChromium()
    context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      locale: 'en-US',
      acceptDownloads: true,
    })
    page = await context.newPage()
    await page.addInitScript({ content: WATCH_CSP })
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 40[19]/.test(m.text()))
        problems.push(`console: ${m.text()}`)
    })
  })

  afterAll(async () => {
    await browser?.close()
    await relay?.close()
  })

  it('the built page has no inline script or style for the CSP to refuse', () => {
    const html = readFileSync(resolve(CONSOLE_DIR, 'index.html'), 'utf8')
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    expect(html).not.toMatch(/<style|\sstyle=/)
    expect(html).toContain('src="/console/assets/')
  })

  it('signs in: a wrong password is said in Chinese, the right one opens the booths', async () => {
    await page.goto(`${relay.origin}/console/`)
    await page.locator('[data-testid="sign-in"]').waitFor()
    await page.fill('#sign-in-name', ORGANIZER.name)
    await page.fill('#sign-in-password', 'wrong')
    await page.click('[data-testid="sign-in-submit"]')
    await page.locator('[data-testid="sign-in-error"]').waitFor()
    expect(await text('[data-testid="sign-in-error"]')).toBe('账号或密码不正确')
    await shot('signin')
    await page.fill('#sign-in-password', ORGANIZER.password)
    await page.click('[data-testid="sign-in-submit"]')
    await page.locator('[data-testid="page-booths"]').waitFor()
    expect(await text('[data-testid="organizer-name"]')).toContain('alice')
    await waitForPage(page, `document.querySelectorAll('[data-testid="booth-row"]').length === 3`)
    expect(await text('[data-kiosk="gate-east"] [data-testid="booth-status"]')).toMatch(
      /^离线，自 \d\d:\d\d$/,
    )
  })

  it('adds a booth: the code in large type and a QR that reads as <relay>/pair/<code>', async () => {
    await page.click('[data-testid="add-booth"]')
    await page.fill('[data-testid="booth-id"]', 'stage-left')
    await page.click('[data-testid="create-code"]')
    await page.locator('[data-testid="pairing-code"]').waitFor()
    const shown = await text('[data-testid="pairing-code"]')
    expect(shown.trim()).toMatch(/^[34679ACDEFGHJKMNPQRTUVWXY]{4} [34679ACDEFGHJKMNPQRTUVWXY]{4}$/)
    const code = shown.replace(/\s/g, '')
    const fontSize = Number.parseFloat(
      String(
        await page.evaluate(
          `getComputedStyle(document.querySelector('[data-testid="pairing-code"]')).fontSize`,
        ),
      ),
    )
    expect(fontSize).toBeGreaterThanOrEqual(40)
    expect(await text('[data-testid="pairing-expiry"]')).toMatch(/^1[45]:\d\d 后失效$/)
    const qr = decodeQr(await page.locator('[data-testid="pairing-qr"]').screenshot())
    expect(qr).toBe(`${relay.origin}/pair/${code}`)
    // The kiosks event the relay sent brought the new booth into the list.
    await waitForPage(page, `!!document.querySelector('[data-kiosk="stage-left"]')`)
    expect(await text('[data-kiosk="stage-left"] [data-testid="booth-status"]')).toBe('等待配对')
    await shot('booths')
  })

  it('live stats move on a stats event without a reload', async () => {
    await page.click('[data-nav="stats"]')
    await page.locator('[data-stat="scans"]').waitFor()
    const scans = '[data-stat="scans"] [data-testid="stat-value"]'
    expect(await text(scans)).toBe('775')
    await waitForPage(page, `document.querySelectorAll('[data-testid="booth-bar"]').length === 4`)
    await page.evaluate('window.__marker = 1')
    relay.scan('hall-a')
    await waitForPage(page, `document.querySelector('${scans}').textContent.trim() === '776'`)
    for (let i = 0; i < 5; i++) relay.scan('hall-b')
    await waitForPage(page, `document.querySelector('${scans}').textContent.trim() === '781'`)
    expect(await text('[data-booth="hall-b"] .count')).toBe('273')
    // The stream drops (a relay restart); scans stored meanwhile send no event to this page.
    // EventSource reconnects by itself and the console fetches what it missed.
    relay.dropEvents()
    relay.scan('gate-east')
    await waitForPage(page, `document.querySelector('${scans}').textContent.trim() === '782'`)
    expect(relay.eventStreams()).toBe(1)
    // Same page all along: no reload happened.
    expect(await page.evaluate('window.__marker')).toBe(1)
    await shot('stats')
  })

  it('attendance: 100,000 rows, scrolled to row 90,001 with only a screenful in the page', async () => {
    await page.click('[data-nav="attendance"]')
    await page.locator('[data-testid="attendance-row"]').first().waitFor()
    expect(await text('[data-testid="attendance-total"]')).toBe('共 100,000 条')
    await waitForPage(page, `!!document.querySelector('[data-index="0"] .openid')`)
    await shot('attendance')
    const target = 90_000
    await page.evaluate(
      `document.querySelector('[data-testid="attendance-scroller"]').scrollTop = ${target * 44}`,
    )
    await waitForPage(page, `!!document.querySelector('[data-index="${target}"] .openid')`)
    expect(await text(`[data-index="${target}"] .openid`)).toBe(attendanceRow(target).openid)
    const rendered = Number(
      await page.evaluate(`document.querySelectorAll('[data-testid="attendance-row"]').length`),
    )
    expect(rendered).toBeLessThan(80)
    // And the very last row.
    await page.evaluate(
      `(() => { const s = document.querySelector('[data-testid="attendance-scroller"]'); s.scrollTop = s.scrollHeight })()`,
    )
    await waitForPage(page, `!!document.querySelector('[data-index="99999"] .openid')`)
    expect(await text('[data-index="99999"] .openid')).toBe(attendanceRow(99_999).openid)
    const pages = relay.requests.filter((r) =>
      r.startsWith('GET /console/api/attendance?format=json'),
    )
    expect(pages.length).toBeLessThan(10)

    await page.fill('[data-testid="attendance-search"]', 'gate-east')
    await waitForPage(
      page,
      `document.querySelector('[data-testid="attendance-total"]').textContent.includes('33,333')`,
    )
    expect(await text('[data-index="0"] .strong')).toBe('gate-east')
    await page.fill('[data-testid="attendance-search"]', '')
    await waitForPage(
      page,
      `document.querySelector('[data-testid="attendance-total"]').textContent.includes('100,000')`,
    )
  })

  it('the CSV button downloads the sheet the relay streams', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="download-csv"]'),
    ])
    expect(download.suggestedFilename()).toMatch(/^scandesk-attendance-\d{8}-\d{4}\.csv$/)
    const path = await download.path()
    expect(readFileSync(path, 'utf8')).toContain(attendanceRow(1).openid)
  })

  it('switches to English and signs out', async () => {
    await page.click('[data-locale="en"]')
    expect(await text('[data-testid="attendance-total"]')).toBe('100,000 rows')
    await page.click('[data-nav="booths"]')
    await page.locator('[data-testid="page-booths"]').waitFor()
    await shot('booths-en')
    // A tablet held upright: the same pages, narrower.
    await page.setViewportSize({ width: 820, height: 1180 })
    await shot('booths-tablet')
    await page.click('[data-nav="stats"]')
    await page.locator('[data-stat="scans"]').waitFor()
    await shot('stats-tablet')
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.click('[data-testid="sign-out"]')
    await page.locator('[data-testid="sign-in"]').waitFor()
    expect(await text('[data-testid="sign-in-submit"]')).toBe('Sign in')
    expect(relay.requests).toContain('POST /console/api/logout')
  })

  it('nothing broke the CSP and the page logged no error', async () => {
    expect(await page.evaluate('window.__csp')).toEqual([])
    expect(problems).toEqual([])
  })
})
