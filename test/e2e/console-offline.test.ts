/**
 * The BUILT console in real Chromium when it cannot reach the relay (the venue's Wi-Fi drops:
 * its event stream ends and every request fails): the booths it last saw online are not shown
 * as 在线 / Online any more but as unknown, with the time they were last known online, and a
 * banner says the list is as of then; once the relay answers again they are live again.
 * Screenshots: test-artifacts/screenshots/console-offline-{zh,en}.png.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { screenshot, waitForPage } from './browser'
import type { FakeConsoleRelay } from './fake-console-relay'
import { fakeConsolePage } from './fake-console-page'

const STATUS = (id: string): string =>
  `(document.querySelector('[data-kiosk="${id}"] [data-testid="booth-status"]')?.textContent.trim() ?? '')`

describe('the booths page while the relay cannot be reached', () => {
  const fx = fakeConsolePage({ relay: { attendanceRows: 10 } })
  const { problems } = fx
  let relay: FakeConsoleRelay
  let page: Page

  beforeAll(async () => {
    ;({ relay, page } = fx)
    await waitForPage(page, `${STATUS('hall-a')} === '在线'`)
  })

  it('says unknown (last known online at …), not 在线, and is live again once reconnected', async () => {
    await page.route('**/console/api/**', (route) => route.abort('internetdisconnected'))
    relay.dropEvents()
    await waitForPage(page, `${STATUS('hall-a')} !== '在线'`)
    const zh = String(await page.evaluate(STATUS('hall-a')))
    expect(zh).toMatch(/^状态未知 · 最后在线 \d{2}:\d{2}$/)
    expect(await page.locator('[data-testid="booths-stale"]').textContent()).toContain('连不上中继')
    await screenshot(page, 'console-offline-zh')

    await page.click('[data-locale="en"]')
    await waitForPage(page, `document.documentElement.lang === 'en'`)
    expect(String(await page.evaluate(STATUS('hall-b')))).toMatch(
      /^Unknown · last online \d{1,2}:\d{2}( [AP]M)?$/,
    )
    await screenshot(page, 'console-offline-en')
    await page.click('[data-locale="zh-CN"]')

    await page.unroute('**/console/api/**')
    await waitForPage(page, `${STATUS('hall-a')} === '在线'`)
    expect(await page.locator('[data-testid="booths-stale"]').count()).toBe(0)
    expect(problems).toEqual([])
  }, 60_000)

  it('a proxy answering 502 while the relay restarts does not sign the organizer out', async () => {
    const bad = { status: 502, contentType: 'text/html', body: '<h1>502 Bad Gateway</h1>' }
    await page.route('**/console/api/**', (route) => route.fulfill(bad))
    // The stream meets the 502 and gives up; the console then asks who is signed in.
    const asked = page.waitForResponse((r) => r.url().endsWith('/console/api/session'))
    relay.dropEvents()
    await asked
    await waitForPage(page, `document.querySelector('[data-testid="booths-stale"]') !== null`)
    expect(await page.locator('[data-testid="sign-in"]').count()).toBe(0)
    // The relay is back: the stream opens again and the booths are live.
    await page.unroute('**/console/api/**')
    await waitForPage(page, `${STATUS('hall-a')} === '在线'`)
    expect(await page.locator('[data-testid="page-booths"]').count()).toBe(1)
    expect(problems).toEqual([])
  }, 60_000)
})
