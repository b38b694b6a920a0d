/**
 * A guest sees their name on the sign-in wall and asks the organizer to take it off (to erase
 * their data, PIPL, GDPR). The organizer erases them on the attendance page: the open wall kept
 * their named tile for the rest of the day (until 60 newer check-ins pushed it off), and the
 * draw stage their name among a draw's winners until the next draw; the stream never said a
 * word. Now both go at once, without a reload: the tile leaves the wall, the draw's place reads
 * "来宾 #1" (the draw not played again), both pages stay live (no offline badge) and the count is
 * as it was. Real Chromium, the real relay, the built out/console.
 * Screenshots: test-artifacts/screenshots/screen-wall-erased.png, screen-draw-erased.png.
 */
import { resolve } from 'node:path'
import { expect, it } from 'vitest'
import { drawAnswerSchema } from '../../shared/screen-api'
import { scan, screenSetup } from '../relay/screen-helpers'
import { SCREENSHOTS, waitForPage } from './browser'
import { realConsoleRelay } from './real-console-relay'

const bed = realConsoleRelay({ name: 'screen-erasure' })

const TILES = `[...document.querySelectorAll('.tile')].map((e) => e.textContent.trim())`
const LIVE = `document.querySelector('main')?.dataset.state === 'live'`
const WINNERS = `[...document.querySelectorAll('.winner')].map((e) => e.textContent.trim())`
const PLAYED = `document.querySelector('[data-testid="draw-stage"]')?.dataset.phase`
const shot = (name: string): string => resolve(process.env.SCREEN_SHOTS ?? SCREENSHOTS, name)

it("an erased guest leaves the open wall and the draw stage's winners at once, both staying live", async () => {
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
  // Every guest wins: the draw stage names 王小明 among them.
  const made = await c.call('POST', `/console/api/campaigns/${campaign.id}/draws`, {
    prize: '一等奖',
    count: 3,
  })
  expect(made.status, made.text).toBe(201)
  expect(drawAnswerSchema.parse(made.json).winners).toHaveLength(3)
  const page = await bed.browser.newPage({ viewport: { width: 1920, height: 1080 } })
  await page.goto(`${bed.relay.url}/screen/${campaign.id}/wall?key=${campaign.screenKey}`)
  await waitForPage(page, `${LIVE} && ${TILES}.length === 3`)
  expect(await page.evaluate(TILES)).toEqual(['来宾 #3', '李雷#2', '王小明#1'])
  const draw = await bed.browser.newPage({ viewport: { width: 1920, height: 1080 } })
  await draw.goto(`${bed.relay.url}/screen/${campaign.id}/draw?key=${campaign.screenKey}`)
  await waitForPage(draw, `${LIVE} && ${WINNERS}.includes('王小明')`)
  await draw.evaluate(`(() => {
    window.__phases = []
    const stage = document.querySelector('[data-testid="draw-stage"]')
    new MutationObserver(() => window.__phases.push(stage.dataset.phase))
      .observe(stage, { attributes: true, attributeFilter: ['data-phase'] })
  })()`)

  const erased = await c.call('POST', `/console/api/campaigns/${campaign.id}/erasures`, {
    openid: guests[0],
  })
  expect(erased.status, erased.text).toBe(200)
  await waitForPage(page, `${TILES}.length === 2`)
  await page.screenshot({ path: shot('screen-wall-erased.png') })
  expect(await page.evaluate(TILES)).toEqual(['来宾 #3', '李雷#2'])
  expect(await page.evaluate(LIVE)).toBe(true)
  // Every visitor keeps their number: the count is the campaign's last one.
  expect(await page.locator('[data-testid="wall-count"]').textContent()).toBe('3')

  await waitForPage(draw, `${WINNERS}.includes('来宾 #1')`)
  await draw.screenshot({ path: shot('screen-draw-erased.png') })
  expect(await draw.evaluate(WINNERS)).not.toContain('王小明')
  expect(await draw.evaluate(WINNERS)).toHaveLength(3)
  // Shown, not played again: the stage never rolled.
  expect(await draw.evaluate(PLAYED)).toBe('done')
  expect(await draw.evaluate('window.__phases')).toEqual([])
  expect(await draw.evaluate(LIVE)).toBe(true)
  await page.close()
  await draw.close()
}, 120_000)
