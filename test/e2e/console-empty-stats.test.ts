/**
 * The stats page of a relay with nothing yet, then with one scan, in real Chromium against the
 * real relay (SQLite, the built out/console), the relay's clock in Asia/Shanghai and the
 * browser's in America/New_York: the 10-minute chart says 暂无数据 like the other charts while
 * the day has no scan, and its slots are then labelled in the relay's zone (whose day "today"
 * is), not the laptop's; the table by day, 还没有扫码 before, lists the day after the scan
 * without a reload. Screenshots: test-artifacts/console-empty-stats*.png.
 */
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { expect, it } from 'vitest'
import { postPush, scanXml } from '../relay/harness'
import { waitForPage } from './browser'
import { addOrganizer } from '../../relay/console/organizer-admin'
import { realConsoleRelay } from './real-console-relay'

// The relay's zone: Node reads TZ when it next formats a date, before the relay starts.
process.env.TZ = 'Asia/Shanghai'

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts')
const bed = realConsoleRelay({ name: 'empty-stats' })

it('an empty day says 暂无数据 in the 10-minute chart; a scan draws it in the relay’s time zone', async () => {
  await bed.relay.addKiosk('hall-a')
  const password = await addOrganizer(bed.relay.store, 'alice', Date.now())
  const context = await bed.browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'America/New_York',
  })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  await page.goto(`${bed.relay.url}/console/`)
  await page.fill('#sign-in-name', 'alice')
  await page.fill('#sign-in-password', password)
  await page.click('[data-testid="sign-in-submit"]')
  await page.locator('[data-testid="page-booths"]').waitFor()
  await page.emulateMedia({ reducedMotion: 'reduce' })
  await page.click('[data-nav="stats"]')
  await page.locator('[data-stat="scans"]').waitFor()
  const panel = page.locator('.timeline')
  await panel.locator('.empty').waitFor()
  expect((await panel.locator('.empty').textContent())?.trim()).toBe('暂无数据')
  expect(await panel.locator('canvas').count()).toBe(0)
  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: resolve(ARTIFACTS, 'console-empty-stats.png'), fullPage: true })

  const byDay = page.locator('[data-testid="stats-by-day"]')
  expect((await byDay.locator('.empty').textContent())?.trim()).toBe('还没有扫码')

  const r = await postPush(bed.relay.url, scanXml('o-visitor-1', 'hall-a:n1'))
  expect(r.status, r.body).toBe(200)
  await waitForPage(page, `document.querySelector('.timeline canvas') !== null`)
  // The table by day follows the live scan too, without a reload or its refresh button.
  await waitForPage(page, `document.querySelector('[data-testid="stats-day"]') !== null`)
  expect(await byDay.locator('.empty').count()).toBe(0)
  expect(await byDay.locator('[data-testid="stats-day"] td').first().textContent()).toBe('1')
  const label = (await panel.locator('canvas').getAttribute('aria-label')) ?? ''
  const slot = Math.floor(Date.now() / 600_000) * 600_000
  const shanghai = new Intl.DateTimeFormat('zh-CN', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: 'Asia/Shanghai',
  })
  // The scan's slot (or the one before, if the clock crossed a slot meanwhile), Shanghai time.
  expect([shanghai.format(slot), shanghai.format(slot - 600_000)]).toContain(
    /（(\d{2}:\d{2}) 起）/.exec(label)?.[1],
  )
  await page.screenshot({
    path: resolve(ARTIFACTS, 'console-empty-stats-scan.png'),
    fullPage: true,
  })
  expect(problems).toEqual([])
}, 120_000)
