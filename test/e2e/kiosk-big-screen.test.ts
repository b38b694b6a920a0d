/**
 * A kiosk's big screen in real Chromium (issue 21 item 2): a `kiosk web` process in a relay
 * campaign, a visitor checks in at its code, the admin area switches the screen to the sign-in
 * wall, and the relay's wall shows in the kiosk page's iframe (through both CSPs) with that
 * check-in counted; a rotated key reaches the iframe by itself; back to the code. In Windows high
 * contrast (forced colours), Settings still shows which screen is chosen.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { consoleCampaignSchema, type ConsoleCampaign } from '../../shared/campaign'
import {
  callKiosk as callFromPage,
  expectChosenMarked,
  goHash,
  launchChromium,
  readScreenCode,
  screenshot,
  unlockAdmin,
  waitForPage,
} from './browser'
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
import { assertRendererBuilt, callKiosk } from './kiosk-process'
import { phoneScan } from './phone'

const FRAME = `document.querySelector('[data-testid="big-screen-frame"]')`

describe('a kiosk switches its screen to the relay’s sign-in wall (Chromium)', () => {
  let venue: Venue
  let api: ConsoleApi
  let campaign: ConsoleCampaign
  let browser: Browser
  let booth: BoothKiosk
  let page: Page
  const problems: string[] = []

  beforeAll(async () => {
    assertConsoleBuilt()
    assertRendererBuilt()
    venue = await startVenue({ quiet: true })
    api = await ConsoleApi.signIn(venue.relay.url, ORGANIZER_NAME, venue.password)
    campaign = await api.createCampaign(CAMPAIGN)
    booth = await venue.addKiosk('hall-a')
    await api.assign('hall-a', campaign.id)
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } })
    page.on('pageerror', (e) => problems.push(e.message))
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to (frame|display)/i.test(m.text())) {
        problems.push(m.text())
      }
    })
    await page.goto(booth.kiosk.kioskUrl)
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await venue?.close()
  }, 60_000)

  it('shows the wall in the iframe with the check-in counted, and follows a rotated key', async () => {
    const url = await readScreenCode(page, 'kiosk-big-screen-code')
    const answer = await phoneScan(venue.sandbox.url, url, 'o-big-screen-visitor-1')
    expect(answer.attempts.at(-1)?.status).toBe(200)

    expect((await callKiosk(booth.kiosk, 'unlockAdmin', { pin: ADMIN_PIN })).status).toBe(200)
    const settings = await callKiosk(booth.kiosk, 'getSettings')
    expect(settings.body).toMatchObject({ result: { bigScreenAvailable: true, bigScreen: 'qr' } })
    expect(JSON.stringify(settings.body)).not.toContain(campaign.screenKey)
    expect((await callKiosk(booth.kiosk, 'setBigScreen', { screen: 'wall' })).status).toBe(200)

    await waitForPage(page, `!!${FRAME}`, 30_000)
    const src = String(await page.evaluate(`${FRAME}.getAttribute('src')`))
    expect(src).toBe(`${venue.relay.url}/screen/${campaign.id}/wall?key=${campaign.screenKey}`)
    const wall = page.frameLocator('[data-testid="big-screen-frame"]')
    await expect
      .poll(() => wall.locator('[data-testid="wall-count"]').textContent(), { timeout: 30_000 })
      .toBe('1')

    const rotated = await api.send('POST', `/console/api/campaigns/${campaign.id}/screen-key`)
    expect(rotated.status).toBe(200)
    const newKey = consoleCampaignSchema.parse(await rotated.json()).screenKey
    await waitForPage(page, `${FRAME}?.getAttribute('src').endsWith(${JSON.stringify(newKey)})`)
    await expect
      .poll(() => wall.locator('[data-testid="wall-count"]').textContent(), { timeout: 30_000 })
      .toBe('1')

    expect((await callKiosk(booth.kiosk, 'setBigScreen', { screen: 'qr' })).status).toBe(200)
    await waitForPage(page, `!${FRAME} && !!document.querySelector('[data-testid="qr-card"]')`)
    expect(problems).toEqual([])
  }, 180_000)

  it('Windows high contrast: the screen chosen in Settings stays marked', async () => {
    // The choice was told by its filled (primary) look alone: forced colours drop the fill and
    // the code, the wall and the ranking looked alike.
    await page.emulateMedia({ forcedColors: 'active' })
    try {
      await unlockAdmin(page, ADMIN_PIN)
      await goHash(page, '#/admin/settings')
      await page.locator('[data-testid="big-screen"] [aria-checked="true"]').waitFor()
      await expectChosenMarked(page, { 'big screen': '[data-testid="big-screen"] [role="radio"]' })
      await screenshot(page, 'admin-settings-big-screen-forced-colours')
    } finally {
      await page.emulateMedia({ forcedColors: 'none' })
      expect(await callFromPage(page, 'lockAdmin')).toBe(200)
    }
  }, 60_000)
})
