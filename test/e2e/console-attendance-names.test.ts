/**
 * The attendance list names each visitor a desk matched to the campaign's roster, against the
 * real relay (SQLite, the built out/console) in real Chromium: the 姓名 column shows the roster
 * name beside the check-in number, '—' for a visitor no desk matched, and the search box finds
 * a visitor by part of their name. At a phone's width the name's heading stays over its column.
 * Screenshots: test-artifacts/console-attendance-names{,-narrow}.png.
 */
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { addOrganizer } from '../../relay/console/organizer-admin'
import { CAMPAIGN_DEFAULTS } from '../../shared/campaign'
import { scanEvent } from '../relay/attendance-helpers'
import { waitForPage, waitForStill } from './browser'
import { realConsoleRelay } from './real-console-relay'

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts')
const NAMES = `[...document.querySelectorAll('[data-testid="attendance-row"]')].map((r) => [r.querySelector('.openid')?.textContent.trim(), r.querySelector('[data-testid="attendance-name"]')?.textContent.trim()])`
const TOTAL = `document.querySelector('[data-testid="attendance-total"]').textContent.trim()`

const bed = realConsoleRelay({ name: 'attendance-names' })
const problems: string[] = []

async function signedIn(width: number, height: number): Promise<Page> {
  const password = await addOrganizer(bed.relay.store, `org${width}`, Date.now())
  const context = await bed.browser.newContext({ viewport: { width, height }, locale: 'zh-CN' })
  const page = await context.newPage()
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    // 401: the console asks for its session before signing in.
    if (m.type() === 'error' && !/status of 401/.test(m.text()))
      problems.push(`console: ${m.text()}`)
  })
  await page.goto(`${bed.relay.url}/console/`)
  await page.fill('#sign-in-name', `org${width}`)
  await page.fill('#sign-in-password', password)
  await page.click('[data-testid="sign-in-submit"]')
  await page.locator('[data-testid="page-booths"]').waitFor()
  await page.click('[data-nav="attendance"]')
  await page.locator('[data-testid="attendance-name"]').first().waitFor()
  return page
}

it('shows the roster name of each visitor a desk matched, and finds them by name', async () => {
  const store = bed.relay.store
  await bed.relay.addKiosk('hall-a')
  await store.campaigns.createCampaign(
    { ...CAMPAIGN_DEFAULTS, name: '春季展', id: 'c-names-e2e-01', screenKey: 'k'.repeat(43) },
    Date.now(),
  )
  const entry = (id: string, name: string) => ({ id, name, company: '', phone: '', code: '' })
  await store.campaigns.replaceRoster('c-names-e2e-01', [
    entry('r1', '王小明'),
    entry('r2', 'Alexandra Montgomery-Whitfield of the Northern Exhibitors Association'),
    entry('r3', '李雷'), // on the roster, never matched at a desk
  ])
  const bind = (registrationId: string, openid: string) =>
    store.campaigns.putBinding('c-names-e2e-01', { registrationId, openid, at: Date.now() })
  await bind('r1', 'oWangXiaoming')
  await bind('r2', 'oAlexandra')
  for (const openid of ['oWangXiaoming', 'oGuestNoRoster', 'oAlexandra']) {
    await store.appendEvent('hall-a', scanEvent('hall-a', openid), 'c-names-e2e-01')
  }

  const page = await signedIn(1440, 900)
  await waitForPage(
    page,
    `document.querySelectorAll('[data-testid="attendance-name"]').length === 3`,
  )
  expect(await page.evaluate(NAMES)).toEqual([
    ['oWangXiaoming', '王小明'],
    ['oGuestNoRoster', '—'],
    ['oAlexandra', 'Alexandra Montgomery-Whitfield of the Northern Exhibitors Association'],
  ])
  expect(await page.locator('.attendance .th [role="columnheader"]').nth(4).textContent()).toBe(
    '姓名',
  )
  // A name longer than its column is cut off with an ellipsis, whole in its tooltip.
  const long = page.locator('[data-testid="attendance-name"]').nth(2)
  expect(await long.getAttribute('title')).toContain('Northern Exhibitors Association')
  const cut = `(() => { const c = document.querySelectorAll('[data-testid="attendance-name"]')[2]; return c.scrollWidth > c.clientWidth })()`
  expect(await page.evaluate(cut)).toBe(true)
  expect(await page.getAttribute('[data-testid="attendance-search"]', 'placeholder')).toBe(
    '搜索姓名、openid、签到台或场景值',
  )
  mkdirSync(ARTIFACTS, { recursive: true })
  await waitForStill(page)
  await page.screenshot({ path: resolve(ARTIFACTS, 'console-attendance-names.png') })

  await page.fill('[data-testid="attendance-search"]', '小明')
  await waitForPage(page, `${TOTAL} === '共 1 条'`)
  expect(await page.evaluate(NAMES)).toEqual([['oWangXiaoming', '王小明']])
  await page.fill('[data-testid="attendance-search"]', '李雷')
  await waitForPage(page, `${TOTAL} === '共 0 条'`)
  await page.context().close()

  // A phone: the list scrolled sideways to the names, their heading over them.
  const narrow = await signedIn(390, 844)
  const scroller = `document.querySelector('[data-testid="attendance-scroller"]')`
  await narrow.evaluate(
    `${scroller}.scrollLeft = document.querySelector('[data-testid="attendance-name"]').offsetLeft - 100`,
  )
  await waitForPage(narrow, `${scroller}.scrollLeft > 0`)
  // Scroll events are delivered with the next frame.
  await narrow.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))')
  const box = async (selector: string) => await narrow.locator(selector).first().boundingBox()
  const heading = await box('.attendance .th [role="columnheader"]:nth-child(5)')
  const name = await box('[data-testid="attendance-name"]')
  expect(Math.round(heading?.x ?? -1)).toBe(Math.round(name?.x ?? -2))
  expect((name?.x ?? -1) >= 0 && (name?.x ?? 0) + (name?.width ?? 0) <= 390).toBe(true)
  await waitForStill(narrow)
  await narrow.screenshot({ path: resolve(ARTIFACTS, 'console-attendance-names-narrow.png') })
  await narrow.context().close()
  expect(problems).toEqual([])
}, 60_000)
