/**
 * The big screens (wall and draw stage, BUILT, real Chromium, real relay on SQLite) left on a
 * projector all day: the relay restarted by a deploy, the stream replaced hundreds of times (the
 * projector's laptop asleep, the venue Wi-Fi gone and back: the page's fake clock jumps past two
 * heartbeats), thousands of check-ins. Each page is live again by itself, never holds more than
 * one stream (counted in the page and at the relay, by its /metrics gauge of open screen
 * streams), and the wall's DOM stays bounded (its tiles are capped) while its count is exact.
 */
import type { Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { relayGauge } from '../helpers/prometheus'
import { scan, screenSetup } from '../relay/screen-helpers'
import { COUNT_STREAMS, STREAMS_SETTLE } from '../helpers/streams-held'
import { waitForPage } from './browser'
import { realConsoleRelay } from './real-console-relay'

const PER_CAMPAIGN = 6
const bed = realConsoleRelay({
  name: 'screen-all-day',
  relay: { screens: { maxClientsPerCampaign: PER_CAMPAIGN } },
})

const STATE = `document.querySelector('main')?.dataset.state`
const LIVE = `${STATE} === 'live'`
const MADE = `window.__streams.made`
const OPEN = `window.__streams.live()`
const NODES = `document.getElementsByTagName('*').length`
const COUNT = `document.querySelector('[data-testid="wall-count"]')?.textContent.replace(/\\D/g, '')`

async function num(page: Page, expression: string): Promise<number> {
  return Number(await page.evaluate(expression))
}

async function steady(pages: Page[]): Promise<boolean> {
  for (const page of pages) {
    if ((await page.evaluate(LIVE)) !== true || (await num(page, OPEN)) !== 1) return false
  }
  return true
}

/**
 * The screen streams the relay holds (its /metrics gauge: this test's one campaign has them
 * all), read while every page is live on one stream of its own; null while one is not (between
 * two streams, its backoff running); a page's stream is counted from the moment it opens. A
 * stream left behind at the relay would be counted whenever the pages are steady: never 2.
 *
 * Not counted by opening streams until the relay refuses one at the campaign's cap: that probe
 * took the screens' per-address rate (120 a minute, shared with the pages on 127.0.0.1) and
 * the cap's places from the pages' own reconnects, and on a loaded machine kept a page refused
 * (429, 503) and backing off for over a minute while it asked.
 */
async function relayStreams(pages: Page[]): Promise<number | null> {
  if (!(await steady(pages))) return null
  const held = await relayGauge(bed.relay.url, 'screen_streams')
  return (await steady(pages)) ? held : null
}

it('the wall and the draw stage stay live all day, one stream each, the wall bounded', async () => {
  const problems: string[] = []
  const { campaign } = await screenSetup(bed.relay, 'k1')
  const context = await bed.browser.newContext({ viewport: { width: 1280, height: 720 } })
  await context.addInitScript(COUNT_STREAMS)
  // One clock for both pages: playwright's belongs to the context (page.clock is the context's).
  // Time runs as usual until the test jumps it, and a jump is both pages' at once.
  await context.clock.install()
  const open = async (kind: 'wall' | 'draw'): Promise<Page> => {
    const page = await context.newPage()
    page.on('pageerror', (e) => problems.push(`${kind}: ${e.message}`))
    await page.goto(`${bed.relay.url}/screen/${campaign.id}/${kind}?key=${campaign.screenKey}`)
    await waitForPage(page, LIVE)
    return page
  }
  const pages = [await open('wall'), await open('draw')]
  const [wall] = pages
  if (wall === undefined) throw new Error('no wall')
  await expect.poll(() => relayStreams(pages), STREAMS_SETTLE).toBe(2)

  // A deploy restarts the relay, twice: both live again by themselves.
  for (let i = 0; i < 2; i++) {
    await bed.restart()
    for (const page of pages) {
      // Their backoff runs on the page's (fake, but flowing) clock.
      await waitForPage(page, LIVE, 60_000)
      await expect.poll(() => num(page, OPEN), { timeout: 15_000 }).toBe(1)
    }
  }

  // Silent drops again and again (the clock jumps past two heartbeats for both pages): each
  // time one new stream per page, nothing piling up. Bounded by the screens' per-address rate
  // (120 a minute): every drop costs a page three requests.
  const nodes = await Promise.all(pages.map((p) => num(p, NODES)))
  const ROUNDS = 25
  for (let i = 0; i < ROUNDS; i++) {
    const made = await Promise.all(pages.map((p) => num(p, MADE)))
    await context.clock.fastForward(40_000)
    for (const [j, page] of pages.entries()) {
      await waitForPage(page, `${MADE} > ${made[j] ?? 0} && ${LIVE}`, 90_000)
      expect(await num(page, OPEN)).toBe(1)
    }
  }
  for (const [i, page] of pages.entries()) {
    expect(await num(page, NODES)).toBeLessThanOrEqual((nodes[i] ?? 0) + 20)
  }
  await expect.poll(() => relayStreams(pages), STREAMS_SETTLE).toBe(2)

  // Thousands of check-ins: the count is exact, the wall's DOM does not grow with them.
  const SCANS = 2000
  const wallNodes = await num(wall, NODES)
  // Pushes from this address too; the WeChat push endpoint has no per-address rate.
  for (let i = 0; i < SCANS; i += 20) {
    await Promise.all(
      Array.from({ length: 20 }, (_, j) =>
        scan(bed.relay.url, `oAllDay${String(i + j).padStart(6, '0')}visitor`, 'k1', i + j),
      ),
    )
  }
  await waitForPage(wall, `${COUNT} === '${SCANS}'`, 60_000)
  // 60 tiles at most, whatever came before: a bounded page.
  expect(await num(wall, NODES)).toBeLessThanOrEqual(wallNodes + 60 * 6)
  expect(
    await num(wall, `document.querySelectorAll('[data-testid="wall-tiles"] > *').length`),
  ).toBeLessThanOrEqual(60)

  expect(problems).toEqual([])
  await context.close()
}, 600_000)
