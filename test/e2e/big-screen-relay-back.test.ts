/**
 * A kiosk switched to the relay's sign-in wall while the relay cannot be reached (venue Wi-Fi
 * not up yet, a cut cable): the iframe's load fails into Chromium's error page (the kiosk covers
 * it with its own waiting note). That page has no script to retry, so once the link is back the
 * kiosk must load the wall again itself; before, the error page stayed up for good. Real relay and `kiosk web`, the
 * link a TCP link the test cuts. Screenshots: big-screen-relay-down.png, -back.png.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, screenshot, waitForPage } from './browser'
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
import type { TcpLink } from './tcp-link'

const FRAME = `document.querySelector('[data-testid="big-screen-frame"]')`

describe('the kiosk’s big screen loads again once the relay is back', () => {
  let venue: Venue
  let browser: Browser
  let booth: BoothKiosk
  let link: TcpLink
  let page: Page

  beforeAll(async () => {
    assertConsoleBuilt()
    assertRendererBuilt()
    venue = await startVenue({ quiet: true })
    const api = await ConsoleApi.signIn(venue.relay.url, ORGANIZER_NAME, venue.password)
    const campaign = await api.createCampaign(CAMPAIGN)
    booth = await venue.addKiosk('hall-a', true)
    if (booth.link === null) throw new Error('no link')
    link = booth.link
    await api.assign('hall-a', campaign.id)
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    await page.goto(booth.kiosk.kioskUrl)
    await waitForPage(page, `!!document.querySelector('[data-testid="qr-card"]')`, 60_000)
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await venue?.close()
  }, 60_000)

  it('the wall chosen while the relay is down shows once the link is back', async () => {
    expect((await callKiosk(booth.kiosk, 'unlockAdmin', { pin: ADMIN_PIN })).status).toBe(200)
    await link.cut()
    expect((await callKiosk(booth.kiosk, 'setBigScreen', { screen: 'wall' })).status).toBe(200)
    await waitForPage(page, `!!${FRAME}`, 30_000)
    const errorPage = () => page.frames().some((f) => f.url().startsWith('chrome-error:'))
    await expect.poll(errorPage, { timeout: 15_000 }).toBe(true)
    await screenshot(page, 'big-screen-relay-down')

    await link.restore()
    const wall = page.frameLocator('[data-testid="big-screen-frame"]')
    await expect
      .poll(() => wall.locator('[data-testid="wall-count"]').count(), { timeout: 45_000 })
      .toBe(1)
    expect(errorPage()).toBe(false)
    await screenshot(page, 'big-screen-relay-back')
  }, 120_000)
})
