/**
 * A wall that has not read the campaign yet (its stream cannot open: the relay restarting under a
 * TV that just loaded the page, a venue proxy, the screens' per-address limit) must not tell the
 * hall that no one has checked in: it showed "0 累计签到" and "等待第一位来宾签到…" while 3 had,
 * for as long as the stream stayed shut. Real Chromium, the real relay, the built out/console.
 */
import { resolve } from 'node:path'
import { expect, it } from 'vitest'
import { scan, screenSetup } from '../relay/screen-helpers'
import { SCREENSHOTS, waitForPage } from './browser'
import { realConsoleRelay } from './real-console-relay'

const bed = realConsoleRelay({ name: 'screen-not-read-yet' })

it('a wall whose stream cannot open says it is connecting, not 0 and waiting for the first guest', async () => {
  const { campaign } = await screenSetup(bed.relay, 'k1')
  for (let i = 0; i < 3; i++) await scan(bed.relay.url, `oNotReadYet${i}visitor000000`, 'k1', i)
  const page = await bed.browser.newPage({ viewport: { width: 1920, height: 1080 } })
  await page.route('**/screen/api/*/events?*', (route) => route.abort('connectionreset'))
  await page.goto(`${bed.relay.url}/screen/${campaign.id}/wall?key=${campaign.screenKey}`)
  await waitForPage(page, `document.querySelector('main')?.dataset.state === 'offline'`)
  await page.screenshot({
    path: resolve(process.env.SCREEN_SHOTS ?? SCREENSHOTS, 'screen-wall-not-read-yet.png'),
  })
  const shown = await page.evaluate(`({
    count: document.querySelector('[data-testid="wall-count"]')?.textContent.trim(),
    middle: document.querySelector('.waiting')?.textContent.trim(),
  })`)
  expect(shown).toEqual({ count: '–', middle: '正在连接…' })
  // Once the stream opens, the wall is the campaign's.
  await page.unroute('**/screen/api/*/events?*')
  await waitForPage(page, `document.querySelector('main')?.dataset.state === 'live'`, 60_000)
  expect(await page.locator('[data-testid="wall-count"]').textContent()).toBe('3')
  await page.close()
}, 120_000)
