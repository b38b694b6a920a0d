/**
 * A draw made while the draw screen was cut off, in real Chromium against the real relay (SQLite,
 * the built out/console): the room is watching the screen for the roll. The screen's stream is
 * cut (every connection dropped, new ones refused), the organizer draws, the link comes back and
 * the screen reconnects: a draw made just now rolls and lands on its winners, as if its event
 * had come; one made minutes ago (a screen away for long; the room has moved on) shows its
 * winners without the roll. The relay's clock decides "just now" (its `Date`), not the screen's.
 */
import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import type { RelayHandle } from '../../relay/server'
import type { ConsoleCampaign } from '../../shared/campaign'
import type { ScreenDraw } from '../../shared/screen-api'
import { FakeDrawFeed } from '../helpers/fake-draw-feed'
import { scan, screenSetup } from '../relay/screen-helpers'
import { waitForPage } from './browser'
import { realConsoleRelay } from './real-console-relay'
import type { TcpLink } from './tcp-link'

const OPENID = (i: number): string => `oMissedDraw${String(i).padStart(4, '0')}xyz`
const STATE = `document.querySelector('main').dataset.state`
const PHASE = `document.querySelector('[data-testid="draw-stage"]').dataset.phase`

/** In-page: every phase the stage went through since, in order (reset on each call). */
const WATCH_PHASES = `(() => {
  window.__phases = [${PHASE}]
  window.__watch?.disconnect()
  window.__watch = new MutationObserver(() => {
    const phase = ${PHASE}
    if (window.__phases[window.__phases.length - 1] !== phase) window.__phases.push(phase)
  })
  window.__watch.observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-phase'] })
  return true
})()`

const winners = (page: Page): Promise<number[]> =>
  page.evaluate<number[]>(
    `[...document.querySelectorAll('.winner')].map((e) => Number(e.dataset.number))`,
  )

describe('a draw made while the draw screen was disconnected', () => {
  const feed = new FakeDrawFeed()
  const fx = realConsoleRelay({
    name: 'missed-draw',
    relay: { draws: feed, screens: { heartbeatMs: 400 } },
    link: true,
  })
  let relay: RelayHandle
  let link: TcpLink
  let browser: Browser
  let campaign: ConsoleCampaign
  const problems: string[] = []

  beforeAll(async () => {
    ;({ relay, link, browser } = fx)
    ;({ campaign } = await screenSetup(relay, 'k1'))
    for (let i = 1; i <= 8; i++) await scan(relay.url, OPENID(i), 'k1', i)
  }, 60_000)

  /** Cuts the screen off, lets `draw` be made meanwhile, brings the link back. */
  async function missed(page: Page, draw: ScreenDraw): Promise<void> {
    expect(await page.evaluate(WATCH_PHASES)).toBe(true)
    await link.cut()
    await waitForPage(page, `${STATE} === 'offline'`, 20_000)
    feed.emit(campaign.id, draw)
    await link.restore()
    await waitForPage(page, `${STATE} === 'live'`, 45_000)
    await waitForPage(
      page,
      `document.querySelector('[data-testid="draw-prize"]')?.textContent === ${JSON.stringify(draw.prize)} && ${PHASE} === 'done'`,
      20_000,
    )
  }

  it('one made just now rolls on reconnect; one made minutes ago is shown without the roll', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } })
    page.on('console', (m) => {
      if (m.type() === 'error' && !/ERR_|net::|Failed to load/.test(m.text())) {
        problems.push(m.text())
      }
    })
    page.on('pageerror', (e) => problems.push(e.message))
    const url = `http://127.0.0.1:${link.port}/screen/${campaign.id}/draw?key=${campaign.screenKey}`
    expect((await page.goto(url))?.status()).toBe(200)
    await waitForPage(page, `${STATE} === 'live' && ${PHASE} === 'idle'`)

    // Drawn five minutes before the screen came back: the winners, no roll.
    await missed(page, {
      id: 'old',
      prize: '三等奖',
      at: Date.now() - 5 * 60_000,
      eligibleCount: 8,
      winners: [{ number: 3, name: null }],
    })
    expect(await page.evaluate('window.__phases')).toEqual(['idle', 'done'])
    expect(await winners(page)).toEqual([3])

    // Drawn while the room waits: it rolls, then lands on exactly the stored winners.
    await missed(page, {
      id: 'now',
      prize: '一等奖',
      at: Date.now(),
      eligibleCount: 8,
      winners: [
        { number: 2, name: null },
        { number: 7, name: null },
      ],
    })
    expect(await page.evaluate('window.__phases')).toEqual(['done', 'rolling', 'done'])
    expect(await winners(page)).toEqual([2, 7])

    // The stream's next messages do not play it again: still done, same winners.
    await page.waitForTimeout(1500)
    expect(await page.evaluate('window.__phases')).toEqual(['done', 'rolling', 'done'])
    expect(problems).toEqual([])
    await page.close()
  }, 150_000)
})
