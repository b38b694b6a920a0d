/**
 * An organizer's first hour, in real Chromium against the real relay (SQLite, the built
 * out/console): signed in to a relay with no campaign, no booth and no scan, each page says what
 * it is for and what to do next, with the button to do it; the stats page's first step leads to
 * a new campaign, its roster offers a template, and the booths page gives the first pairing
 * code. Screenshots: test-artifacts/screenshots/console-first-hour-*.png.
 */
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { expect, it } from 'vitest'
import { addOrganizer } from '../../relay/console/organizer-admin'
import { realConsoleRelay } from './real-console-relay'
import { axeViolations } from './axe'
import { waitForPage } from './browser'

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts/screenshots')
const bed = realConsoleRelay({ name: 'first-hour' })

it('from an empty console to the first pairing code, each empty page says what comes next', async () => {
  const password = await addOrganizer(bed.relay.store, 'alice', Date.now())
  const context = await bed.browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'zh-CN',
  })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  mkdirSync(ARTIFACTS, { recursive: true })
  /** Each page's screenshot, and what axe-core (WCAG 2.1 A/AA) finds on it. */
  const found: Record<string, string[]> = {}
  // From the top (a page opened after a long one keeps its scroll; the header is sticky).
  const shot = async (name: string): Promise<void> => {
    found[name] = await axeViolations(page)
    await page.evaluate('window.scrollTo(0, 0)')
    await page.screenshot({
      path: resolve(ARTIFACTS, `console-first-hour-${name}.png`),
      fullPage: true,
    })
  }

  await page.goto(`${bed.relay.url}/console/`)
  await page.fill('#sign-in-name', 'alice')
  await page.fill('#sign-in-password', password)
  await page.click('[data-testid="sign-in-submit"]')
  await page.locator('[data-testid="page-booths"] .empty').waitFor()
  expect(await page.locator('[data-testid="page-booths"] .empty').innerText()).toContain('配对码')
  await shot('booths')

  await page.click('[data-nav="campaigns"]')
  await page.locator('[data-testid="page-campaigns"] .empty').waitFor()
  await shot('campaigns')

  // The stats of a relay with nothing: zeros, and above them the first step.
  await page.click('[data-nav="stats"]')
  const first = page.locator('[data-testid="stats-first"]')
  await first.waitFor()
  expect(await first.innerText()).toContain('先新建一个活动')
  await shot('stats')

  await page.click('[data-nav="attendance"]')
  const none = page.locator('[data-testid="attendance-no-scans"]')
  await none.waitFor()
  expect(await none.innerText()).toContain('还没有扫码记录')
  await shot('attendance')

  // The first step, from the stats page: a new campaign, saved.
  await page.click('[data-nav="stats"]')
  await page.click('[data-testid="stats-first-action"]')
  await page.locator('[data-testid="campaign-form"]').waitFor()
  await page.fill('#c-name', '春季展')
  await page.click('[data-testid="save-campaign"]')
  await page.locator('[data-testid="saved"]').waitFor()
  // No booth to pick for it yet: said, with the way to add one.
  expect(await page.locator('[data-testid="campaign-no-booths-link"]').getAttribute('href')).toBe(
    '#/booths',
  )
  const template = page.locator('[data-testid="roster-template"]')
  await template.waitFor()
  const download = page.waitForEvent('download')
  await template.click()
  expect((await download).suggestedFilename()).toBe('来宾名单模板.csv')
  await shot('campaign')

  // With a campaign, the stats' next step is the booths (this step's line, not the last one's).
  await page.click('[data-nav="stats"]')
  await waitForPage(
    page,
    `document.querySelector('[data-testid="stats-first-action"]')?.getAttribute('href') === '#/booths'`,
  )
  await shot('stats-campaign')
  await page.click('[data-testid="stats-first-action"]')
  await page.click('[data-testid="add-booth"]')
  await page.fill('[data-testid="booth-id"]', 'hall-a')
  await page.click('[data-testid="create-code"]')
  const code = page.locator('[data-testid="pairing-code"]')
  await code.waitFor()
  expect((await code.innerText()).replace(/\W/g, '')).toMatch(/^[A-Z0-9]{8}$/)
  await shot('pairing')
  expect(problems).toEqual([])
  expect(Object.entries(found).filter(([, v]) => v.length > 0)).toEqual([])
  await context.close()
}, 120_000)

it('in English, the empty stats and attendance say what comes next too', async () => {
  const password = await addOrganizer(bed.relay.store, 'ben', Date.now())
  const context = await bed.browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
  })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  // Still no scan (the first test, when it ran, left a campaign and a booth: the booths next).
  await page.goto(`${bed.relay.url}/console/#/stats`)
  await page.fill('#sign-in-name', 'ben')
  await page.fill('#sign-in-password', password)
  await page.click('[data-testid="sign-in-submit"]')
  await page.locator('button[data-locale="en"]').first().click()
  const first = page.locator('[data-testid="stats-first"]')
  await waitForPage(
    page,
    `document.querySelector('[data-testid="stats-first"]')?.textContent?.includes('No scans yet') === true`,
  )
  expect(['Go to booths', 'New campaign']).toContain(
    await first.locator('[data-testid="stats-first-action"]').innerText(),
  )
  await page.screenshot({
    path: resolve(ARTIFACTS, 'console-first-hour-stats-en.png'),
    fullPage: true,
  })
  await page.click('[data-nav="attendance"]')
  await page.locator('[data-testid="attendance-no-scans"]').waitFor()
  expect(await page.locator('[data-testid="attendance-no-scans"]').innerText()).toContain(
    'No scans yet',
  )
  await page.screenshot({
    path: resolve(ARTIFACTS, 'console-first-hour-attendance-en.png'),
    fullPage: true,
  })
  expect(problems).toEqual([])
  await context.close()
}, 120_000)
