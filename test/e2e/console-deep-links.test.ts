/**
 * The console in one tab over a day, in real Chromium against the real relay (SQLite, the BUILT
 * console): a link to one campaign's attendance opened signed out lands there after signing in,
 * a reload keeps that campaign, the nav links and the back button keep it, a link to a campaign
 * the relay does not have says so, and an address that names no page says so with the way back.
 * A campaign's editor at a link to a campaign the relay does not have says so too. Save pressed
 * after the session ended over lunch: the sign-in page says the edits are kept, not saved, and
 * signing in again offers them back on the same page to save.
 * Screenshots: test-artifacts/screenshots/console-deep-link-gone.png, console-campaign-missing.png,
 * console-page-not-found.png.
 */
import type { Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { CAMPAIGN_DEFAULTS } from '../../shared/campaign'
import { addOrganizer } from '../../relay/console/organizer-admin'
import { screenshot, waitForPage } from './browser'
import { realConsoleRelay } from './real-console-relay'

const bed = realConsoleRelay({ name: 'deep-links' })
const SCOPE = '[data-testid="campaign-scope"]'

/** The campaign chosen on the page is `id` ('' for all), its option listed (the list read). */
async function showsCampaign(page: Page, id: string): Promise<void> {
  await waitForPage(
    page,
    `document.querySelector('[data-testid="page-attendance"]') !== null &&
     document.querySelector('${SCOPE}')?.value === ${JSON.stringify(id)} &&
     document.querySelectorAll('${SCOPE} option').length > 1`,
  )
}

it('a campaign’s attendance link survives signing in, a reload and the back button', async () => {
  const problems: string[] = []
  const password = await addOrganizer(bed.relay.store, 'ana', Date.now())
  for (const [id, name] of [
    ['c-links-spring', '春季展'],
    ['c-links-autumn', '秋季展'],
  ] as const) {
    await bed.relay.store.campaigns.createCampaign(
      { ...CAMPAIGN_DEFAULTS, name, id, screenKey: 'k'.repeat(43) },
      Date.now(),
    )
  }
  const context = await bed.browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'zh-CN',
  })
  try {
    const page = await context.newPage()
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of (401|404)/.test(m.text()))
        problems.push(`console: ${m.text()}`)
    })
    const asked: string[] = []
    page.on('request', (r) => {
      const url = new URL(r.url())
      if (url.pathname === '/console/api/attendance')
        asked.push(url.searchParams.get('campaign') ?? '')
    })

    // A colleague pasted the link; this browser is not signed in.
    await page.goto(`${bed.relay.url}/console/#/attendance?campaign=c-links-autumn`)
    await page.fill('#sign-in-name', 'ana')
    await page.fill('#sign-in-password', password)
    await page.click('[data-testid="sign-in-submit"]')
    await showsCampaign(page, 'c-links-autumn')
    // Only that campaign's rows were asked for: no page of every campaign's first.
    expect(asked).toEqual(['c-links-autumn'])

    // A reload in the middle of the day keeps the campaign.
    await page.reload()
    await showsCampaign(page, 'c-links-autumn')
    expect(asked.at(-1)).toBe('c-links-autumn')

    // Another campaign chosen: the address says it (replaced, not a step back).
    await page.selectOption(SCOPE, 'c-links-spring')
    await waitForPage(page, `location.hash === '#/attendance?campaign=c-links-spring'`)
    // The nav link to the stats keeps it; back returns to the attendance as the address says.
    await page.click('[data-nav="stats"]')
    await waitForPage(
      page,
      `document.querySelector('[data-testid="page-stats"]') !== null &&
       document.querySelector('${SCOPE}')?.value === 'c-links-spring'`,
    )
    expect(new URL(page.url()).hash).toBe('#/stats?campaign=c-links-spring')
    await page.goBack()
    await showsCampaign(page, 'c-links-spring')
    await page.goForward()
    await page.locator('[data-testid="page-stats"]').waitFor()
    await page.goBack()
    await showsCampaign(page, 'c-links-spring')

    // A link to a campaign this relay does not have: said, and every campaign shown.
    await page.goto(`${bed.relay.url}/console/#/attendance?campaign=c-links-nowhere`)
    await page.locator('[data-testid="campaign-scope-gone"]').waitFor()
    await showsCampaign(page, '')
    expect(new URL(page.url()).hash).toBe('#/attendance')
    expect(asked).not.toContain('c-links-nowhere')
    await screenshot(page, 'console-deep-link-gone')

    // A campaign's editor at a link to a campaign the relay does not have: said, no empty form
    // under 新建活动, and the way back to the list.
    await page.goto(`${bed.relay.url}/console/#/campaigns/c-links-nowhere`)
    await page.locator('[data-testid="load-error"]').waitFor()
    expect(await page.locator('[data-testid="editor-title"]').innerText()).toBe('找不到这个活动')
    expect(await page.locator('[data-testid="campaign-form"]').count()).toBe(0)
    await screenshot(page, 'console-campaign-missing')
    await page.click('[data-testid="load-error-back"]')
    await page.locator('[data-testid="campaign-row"]').first().waitFor()

    // An address that names no page (a link cut short): said, with the way back.
    await page.goto(`${bed.relay.url}/console/#/atendance`)
    await page.locator('[data-testid="page-not-found"]').waitFor()
    expect(await page.title()).toContain('找不到这个页面')
    await screenshot(page, 'console-page-not-found')
    await page.click('[data-testid="page-not-found-back"]')
    await page.locator('[data-testid="page-booths"]').waitFor()
    expect(new URL(page.url()).origin).toBe(bed.relay.url)

    // A crafted "return to" after the hash never takes the tab off the console.
    await page.goto(`${bed.relay.url}/console/#//example.com/steal`)
    await page.locator('[data-testid="page-not-found"]').waitFor()
    expect(new URL(page.url()).origin).toBe(bed.relay.url)
    expect(problems).toEqual([])
  } finally {
    await context.close()
  }
}, 120_000)

it('Save pressed after the session ended over lunch: said on sign-in, and saved after it', async () => {
  const problems: string[] = []
  const password = await addOrganizer(bed.relay.store, 'bo', Date.now())
  await bed.relay.store.campaigns.createCampaign(
    { ...CAMPAIGN_DEFAULTS, name: '冬季展', id: 'c-links-winter', screenKey: 'k'.repeat(43) },
    Date.now(),
  )
  const context = await bed.browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'zh-CN',
  })
  try {
    const page = await context.newPage()
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    await page.goto(`${bed.relay.url}/console/#/campaigns/c-links-winter`)
    await page.fill('#sign-in-name', 'bo')
    await page.fill('#sign-in-password', password)
    await page.click('[data-testid="sign-in-submit"]')
    const name = '[data-testid="field-name"]'
    await waitForPage(page, `document.querySelector('${name}')?.value === '冬季展'`)
    await page.fill(name, '冬季展（下午场）')

    // Over lunch the relay ended the session (as its idle rule or a sign-out elsewhere does).
    const cookie = (await context.cookies()).find((c) => c.name === 'scandesk_session')
    const out = await fetch(`${bed.relay.url}/console/api/logout`, {
      method: 'POST',
      headers: { cookie: `scandesk_session=${cookie?.value ?? ''}`, origin: bed.relay.url },
    })
    expect(out.status).toBe(204)
    await page.click('[data-testid="save-campaign"]')
    const error = page.locator('[data-testid="sign-in-error"]')
    await error.waitFor()
    expect(await error.innerText()).toBe(
      '登录已失效。你未保存的活动修改仍保留在本页（尚未保存）：重新登录后即可恢复并保存',
    )
    expect((await bed.relay.store.campaigns.getCampaign('c-links-winter'))?.campaign.name).toBe(
      '冬季展',
    )

    // Signed in again: the same campaign's page, its edits offered back, then saved.
    await page.fill('#sign-in-name', 'bo')
    await page.fill('#sign-in-password', password)
    await page.click('[data-testid="sign-in-submit"]')
    await page.locator('[data-testid="draft-restore"]').click()
    await waitForPage(page, `document.querySelector('${name}')?.value === '冬季展（下午场）'`)
    await page.click('[data-testid="save-campaign"]')
    await page.locator('[data-testid="saved"]').waitFor()
    expect((await bed.relay.store.campaigns.getCampaign('c-links-winter'))?.campaign.name).toBe(
      '冬季展（下午场）',
    )
    expect(problems).toEqual([])
  } finally {
    await context.close()
  }
}, 120_000)
