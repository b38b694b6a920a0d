/**
 * Where a kiosk with no active campaign sends its staff, in real Chromium. A `kiosk web` whose
 * relay has said it serves campaigns (contract v2: it ran the booth in one, then the organizer
 * took the booth out of it): the kiosk screen's hint and the campaign page's note name the
 * relay's event console (where the organizer assigns the booth), besides the kiosk's own
 * editor. A kiosk whose relay never said so (here: none answers) keeps the hint to its own
 * admin area.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closedPort } from '../helpers/closed-port'
import { launchChromium, readScreenCode, screenshot, waitForPage } from './browser'
import {
  ADMIN_PIN,
  CAMPAIGN,
  ConsoleApi,
  ORGANIZER_NAME,
  startVenue,
  type BoothKiosk,
  type Venue,
} from './campaign-booths'
import { assertConsoleBuilt } from './fake-console-relay'
import { assertRendererBuilt, startKioskProcess, type KioskProcess } from './kiosk-process'

const HINT = `document.querySelector('[data-testid="no-campaign"]')?.textContent ?? ''`
const NOTE = `document.querySelector('[data-testid="no-active-campaign"]')?.textContent ?? ''`

async function unlock(page: Page): Promise<void> {
  await page.keyboard.press('Control+Shift+A')
  await page.locator('[data-testid="pin-pad"]').waitFor()
  await page.keyboard.type(ADMIN_PIN)
  await page.keyboard.press('Enter')
  await page.locator('main.content[data-testid^="admin-page-"]').waitFor()
}

async function text(page: Page, expression: string): Promise<string> {
  return String(await page.evaluate(expression))
}

describe('the no-campaign hint names the event console for a relay that serves campaigns (Chromium)', () => {
  let venue: Venue
  let api: ConsoleApi
  let booth: BoothKiosk
  let standalone: KioskProcess
  let browser: Browser
  const pageErrors: string[] = []

  async function open(url: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } })
    page.on('pageerror', (e) => pageErrors.push(e.message))
    await page.goto(url)
    return page
  }

  beforeAll(async () => {
    assertConsoleBuilt()
    assertRendererBuilt()
    venue = await startVenue({ quiet: true })
    api = await ConsoleApi.signIn(venue.relay.url, ORGANIZER_NAME, venue.password)
    booth = await venue.addKiosk('hall-c')
    standalone = await startKioskProcess(
      [
        ...['--port', '0', '--data', `${venue.dir}/alone`, '--kiosk-id', 'alone'],
        ...['--relay', `http://127.0.0.1:${await closedPort()}`, '--ticket-source', 'proxy'],
      ],
      { SCANDESK_KIOSK_TOKEN: 'a-token-no-relay-will-check', SCANDESK_ADMIN_PIN: ADMIN_PIN },
    )
    browser = await launchChromium()
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await standalone?.stop()
    await venue?.close()
  }, 60_000)

  it('in a relay campaign, the booth shows its code', async () => {
    const campaign = await api.createCampaign(CAMPAIGN)
    await api.assign('hall-c', campaign.id)
    const page = await open(booth.kiosk.kioskUrl)
    await readScreenCode(page, 'no-campaign-hint-assigned')
    await page.close()
  }, 90_000)

  it('a booth paired with no campaign yet: the corner asks for one, not "status unknown"', async () => {
    const fresh = await venue.addKiosk('hall-d')
    const page = await open(fresh.kiosk.kioskUrl)
    await page.locator('[data-testid="no-campaign"]').waitFor({ timeout: 30_000 })
    const corner = `document.querySelector('[data-testid="status-api"]')?.textContent ?? ''`
    await waitForPage(page, `(${corner}).trim() === '中继代理待用：指定活动后开始取码'`, 30_000)
    await screenshot(page, 'no-campaign-hint-corner')
    await page.close()
  }, 90_000)

  it('taken out of it: the screen and the campaign page name the console', async () => {
    await api.assign('hall-c', null)
    const page = await open(booth.kiosk.kioskUrl)
    await waitForPage(page, `(${HINT}).includes('活动控制台')`, 30_000)
    // The kiosk's own editor is still offered: the relay leaves an unassigned booth its own.
    expect(await text(page, HINT)).toContain('管理界面')
    await screenshot(page, 'no-campaign-hint-console')

    await unlock(page)
    await page.evaluate('window.location.hash = "#/admin/campaign"')
    await page.locator('[data-testid="no-active-campaign"]').waitFor()
    expect(await text(page, NOTE)).toContain('活动控制台')
    await page.click('[data-testid="language-switch"] [data-locale="en"]')
    await waitForPage(page, `(${NOTE}).includes('event console')`)
    await page.close()
  }, 90_000)

  it('a kiosk whose relay never said it serves campaigns keeps its own hint', async () => {
    const page = await open(standalone.kioskUrl)
    await page.locator('[data-testid="no-campaign"]').waitFor({ timeout: 30_000 })
    expect(await text(page, HINT)).toBe(
      '尚未设置活动请工作人员在管理界面创建或选择活动，随后这里会显示签到二维码',
    )
    await unlock(page)
    await page.evaluate('window.location.hash = "#/admin/campaign"')
    await page.locator('[data-testid="no-active-campaign"]').waitFor()
    expect(await text(page, NOTE)).not.toContain('控制台')
    await page.close()
  }, 90_000)

  it('raised no script errors', () => {
    expect(pageErrors).toEqual([])
  })
})
