/**
 * A booth run as `kiosk web` on one machine and shown in Chromium on a laptop set to another
 * time zone: whether the campaign has started or ended goes by the kiosk core's calendar (the
 * booth's, as the Electron kiosk judges it), not the laptop's. The core runs at UTC+14
 * (Pacific/Kiritimati), the browser at UTC−10 (Pacific/Honolulu): 24 hours apart, so at any
 * moment the core's day is the browser's next day. A campaign starting on the core's today is
 * running (the browser's calendar said not started); one that ended on the core's yesterday
 * has ended (the browser's calendar said running). Before, the page judged in the browser's
 * zone. Screenshots: test-artifacts/screenshots/kiosk-zone-*.png.
 */
import { describe, expect, it } from 'vitest'
import { dayIn } from '../../shared/campaign-phase'
import { callKiosk, goHash, firstCampaign, screenshot, unlockAdmin, waitForPage } from './browser'
import { demoKioskPage } from './demo-kiosk'

const KIOSK_ZONE = 'Pacific/Kiritimati'
const BROWSER_ZONE = 'Pacific/Honolulu'

describe('a kiosk web page in another time zone than the kiosk core', () => {
  const demo = demoKioskPage({
    name: 'kiosk-zone',
    context: { viewport: { width: 1024, height: 768 }, timezoneId: BROWSER_ZONE },
    admin: true,
    env: { TZ: KIOSK_ZONE },
  })

  it('judges the campaign’s first and last day on the kiosk core’s calendar', async () => {
    const { page } = demo
    // The browser's zone is the one the context was given (the check is not vacuous).
    expect(await page.evaluate('Intl.DateTimeFormat().resolvedOptions().timeZone')).toBe(
      BROWSER_ZONE,
    )
    const first = await firstCampaign(page)
    const kioskToday = dayIn(Date.now(), KIOSK_ZONE)
    const kioskYesterday = dayIn(Date.now() - 86_400_000, KIOSK_ZONE)
    // 24 hours apart: the browser's today is the kiosk's yesterday.
    expect(dayIn(Date.now(), BROWSER_ZONE)).toBe(kioskYesterday)
    const note = `!!document.querySelector('[data-testid="status-not-started"]')`
    const ended = `!!document.querySelector('[data-testid="status-ended"]')`
    const seen: Record<string, unknown> = {}

    // Ended on the kiosk's yesterday (the browser's today): ended. (Saved from the admin area,
    // which locks when the kiosk screen is shown: unlocked again for the next save.)
    const endedYesterday = { ...first, startsOn: null, endsOn: kioskYesterday }
    expect(await callKiosk(page, 'saveCampaign', endedYesterday)).toBe(200)
    await goHash(page, '#/')
    await waitForPage(page, ended)
    seen['ended yesterday'] = { notStarted: await page.evaluate(note), ended: true }
    await screenshot(page, 'kiosk-zone-ended-yesterday')

    // Starts on the kiosk's today (the browser's tomorrow): running, no note (read once the
    // ended note has gone: the screen has the new dates).
    await unlockAdmin(page, demo.pin)
    const startsToday = { ...first, startsOn: kioskToday, endsOn: null }
    expect(await callKiosk(page, 'saveCampaign', startsToday)).toBe(200)
    await goHash(page, '#/admin/campaign')
    await waitForPage(page, `!!document.querySelector('[data-testid="campaign-dates"]')`)
    seen['starts today, admin'] = await page.evaluate(
      `!!document.querySelector('[data-testid="active-campaign-not-started"], [data-testid="campaign-not-started-badge"]')`,
    )
    await screenshot(page, 'kiosk-zone-starts-today-admin')
    await goHash(page, '#/')
    await waitForPage(
      page,
      `document.querySelector('[data-testid="status-relay"]') !== null && !${ended}`,
    )
    seen['starts today'] = { notStarted: await page.evaluate(note), ended: false }
    await screenshot(page, 'kiosk-zone-starts-today')

    expect(seen).toEqual({
      'ended yesterday': { notStarted: false, ended: true },
      'starts today': { notStarted: false, ended: false },
      'starts today, admin': false,
    })
  }, 180_000)
})
