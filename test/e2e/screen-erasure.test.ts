/**
 * A guest sees their name on the sign-in wall and asks the organizer to take it off (to erase
 * their data, PIPL, GDPR). The organizer erases them on the attendance page: the open wall kept
 * their named tile for the rest of the day (until 60 newer check-ins pushed it off), and the
 * stream never said a word. Now it goes at once, without a reload, the wall staying live (no
 * offline badge) and its count as it was. Real Chromium, the real relay, the built out/console.
 * Screenshot: test-artifacts/screenshots/screen-wall-erased.png.
 */
import { resolve } from 'node:path'
import { expect, it } from 'vitest'
import { scan, screenSetup } from '../relay/screen-helpers'
import { SCREENSHOTS, waitForPage } from './browser'
import { realConsoleRelay } from './real-console-relay'

const bed = realConsoleRelay({ name: 'screen-erasure' })

const TILES = `[...document.querySelectorAll('.tile')].map((e) => e.textContent.trim())`
const LIVE = `document.querySelector('main')?.dataset.state === 'live'`

it("an erased guest's tile leaves the open wall at once; the wall stays live, its count kept", async () => {
  const { console: c, campaign } = await screenSetup(bed.relay, 'k1')
  await bed.relay.store.campaigns.replaceRoster(campaign.id, [
    { id: 'r1', name: '王小明', company: 'ACME', phone: '13800000000', code: 'C1' },
    { id: 'r2', name: '李雷', company: 'ACME', phone: '13800000001', code: 'C2' },
  ])
  const guests = ['oErasedWallGuest0000000a', 'oErasedWallGuest0000000b']
  for (const [i, openid] of guests.entries()) {
    await bed.relay.store.campaigns.putBinding(campaign.id, {
      registrationId: `r${i + 1}`,
      openid,
      at: Date.now(),
    })
    await scan(bed.relay.url, openid, 'k1', i)
  }
  await scan(bed.relay.url, 'oErasedWallGuest0000000c', 'k1', 2)
  const page = await bed.browser.newPage({ viewport: { width: 1920, height: 1080 } })
  await page.goto(`${bed.relay.url}/screen/${campaign.id}/wall?key=${campaign.screenKey}`)
  await waitForPage(page, `${LIVE} && ${TILES}.length === 3`)
  expect(await page.evaluate(TILES)).toEqual(['来宾 #3', '李雷#2', '王小明#1'])

  const erased = await c.call('POST', `/console/api/campaigns/${campaign.id}/erasures`, {
    openid: guests[0],
  })
  expect(erased.status, erased.text).toBe(200)
  await waitForPage(page, `${TILES}.length === 2`)
  await page.screenshot({
    path: resolve(process.env.SCREEN_SHOTS ?? SCREENSHOTS, 'screen-wall-erased.png'),
  })
  expect(await page.evaluate(TILES)).toEqual(['来宾 #3', '李雷#2'])
  expect(await page.evaluate(LIVE)).toBe(true)
  // Every visitor keeps their number: the count is the campaign's last one.
  expect(await page.locator('[data-testid="wall-count"]').textContent()).toBe('3')
  await page.close()
}, 120_000)
