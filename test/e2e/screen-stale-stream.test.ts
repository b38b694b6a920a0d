/**
 * The big screens in real Chromium against the real relay (SQLite, the built out/console) when
 * their connection dies without a word: a venue Wi-Fi switch, a proxy's idle cut, a laptop
 * asleep (the TCP link between page and relay stalls: no FIN, no reset, so EventSource stays
 * "open" for good). The relay's named heartbeat (every 400 ms here) keeps a quiet stream live;
 * once nothing came for about two intervals, the wall (Chinese) and the draw stage (English) show
 * their discreet reconnecting badge, open a new stream and read the snapshot again: check-ins
 * made meanwhile appear once, the count is right, the draw made meanwhile lands on its winners. A
 * key rotated while the link was stalled: on reconnect both say the link no longer works, in
 * Chinese and English (their own language first), and stop asking.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RelayHandle } from '../../relay/server'
import type { ConsoleCampaign } from '../../shared/campaign'
import type { ScreenDraw } from '../../shared/screen-api'
import { FakeDrawFeed } from '../helpers/fake-draw-feed'
import { signIn } from '../relay/campaign-helpers'
import { scan, screenSetup } from '../relay/screen-helpers'
import { screenshot, waitForPage } from './browser'
import { realConsoleRelay } from './real-console-relay'
import type { TcpLink } from './tcp-link'

const OPENID = (i: number): string => `oStaleVisitor${String(i).padStart(4, '0')}xyz`

/** In-page: every state the screen was in, in order, and what its badge said while offline. */
const WATCH = `(() => {
  window.__states = [document.querySelector('main').dataset.state]
  window.__badges = []
  new MutationObserver(() => {
    const main = document.querySelector('main')
    const state = main.dataset.state
    if (window.__states[window.__states.length - 1] !== state) window.__states.push(state)
    const badge = document.querySelector('[data-testid="screen-offline"]')
    if (state === 'offline' && badge) window.__badges.push(badge.textContent.trim())
  }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true })
  return true
})()`

const STATE = `document.querySelector('main').dataset.state`

describe('the big screens when their stream goes silent', () => {
  const feed = new FakeDrawFeed()
  const fx = realConsoleRelay({
    name: 'screen-stale',
    relay: { draws: feed, screens: { heartbeatMs: 400 } },
    link: true,
  })
  let relay: RelayHandle
  let link: TcpLink
  let context: BrowserContext
  let campaign: ConsoleCampaign
  const problems: string[] = []

  async function openScreen(path: string): Promise<Page> {
    const page = await context.newPage()
    page.on('console', (m) => {
      if (m.type() === 'error' && !/ERR_|net::|Failed to load|403/.test(m.text())) {
        problems.push(`${path}: ${m.text()}`)
      }
    })
    page.on('pageerror', (e) => problems.push(`${path}: ${e.message}`))
    const res = await page.goto(`http://127.0.0.1:${link.port}${path}`)
    expect(res?.status()).toBe(200)
    await waitForPage(page, `${STATE} === 'live'`)
    expect(await page.evaluate(WATCH)).toBe(true)
    return page
  }

  beforeAll(async () => {
    ;({ relay, link } = fx)
    ;({ campaign } = await screenSetup(relay, 'k1'))
    context = await fx.browser.newContext({ viewport: { width: 1280, height: 720 } })
  }, 60_000)

  afterAll(() => context?.close())

  it('reconnects on silence and shows what it missed; a key rotated meanwhile says so', async () => {
    const q = `key=${campaign.screenKey}`
    const wall = await openScreen(`/screen/${campaign.id}/wall?${q}`)
    const draw = await openScreen(`/screen/${campaign.id}/draw?${q}&lang=en`)
    for (let i = 1; i <= 3; i++) await scan(relay.url, OPENID(i), 'k1', i)
    const count = `document.querySelector('[data-testid="wall-count"]').textContent`
    await waitForPage(wall, `${count} === '3'`)

    // Quiet but alive: heartbeats alone keep both live for well over two intervals. Judged on
    // a stretch where this process (the relay sending them) never stalled for long: a stall
    // past the silence the screens allow (two intervals and 2 s) is one they must take for a
    // dead stream; such a stretch is looked at again once both are live.
    // (A stall is recorded when it ends, whole: one that began before a stretch counts in it.)
    const loop = monitorEventLoopDelay({ resolution: 20 })
    loop.enable()
    for (const deadline = Date.now() + 40_000; ;) {
      const seen = (page: Page): Promise<string[]> => page.evaluate<string[]>('window.__states')
      const before = await Promise.all([wall, draw].map(async (page) => (await seen(page)).length))
      loop.reset()
      await wall.waitForTimeout(3500)
      const stalledMs = loop.max / 1e6
      if (stalledMs < 1500) {
        for (const [i, page] of [wall, draw].entries()) {
          expect((await seen(page)).slice((before[i] ?? 1) - 1)).toEqual(['live'])
        }
        break
      }
      if (Date.now() > deadline) throw new Error(`this process kept stalling (${stalledMs} ms)`)
      for (const page of [wall, draw]) await waitForPage(page, `${STATE} === 'live'`, 45_000)
    }
    loop.disable()

    // The venue's network switches: the open connections die without a word. Four visitors
    // check in and the organizer draws meanwhile; nothing of it reaches the screens' streams.
    await link.stall()
    for (let i = 4; i <= 7; i++) await scan(relay.url, OPENID(i), 'k1', i)
    const missed: ScreenDraw = {
      id: 'd1',
      prize: 'Grand prize',
      at: Date.now(),
      eligibleCount: 7,
      winners: [
        { number: 2, name: null },
        { number: 6, name: null },
      ],
    }
    feed.emit(campaign.id, missed)

    await waitForPage(wall, `${count} === '7'`, 45_000)
    await waitForPage(wall, `${STATE} === 'live'`, 45_000)
    const tiles = await wall.evaluate<number[]>(
      `[...document.querySelectorAll('.tile')].map((e) => Number(e.dataset.number))`,
    )
    expect(tiles).toEqual([7, 6, 5, 4, 3, 2, 1])
    // Made just now, so it rolls on reconnect (screen-missed-draw.test.ts): read its winners
    // once it has landed.
    await waitForPage(
      draw,
      `document.querySelector('[data-testid="draw-prize"]')?.textContent === 'Grand prize' && document.querySelector('[data-testid="draw-stage"]').dataset.phase === 'done'`,
      45_000,
    )
    await waitForPage(draw, `${STATE} === 'live'`, 45_000)
    const winners = await draw.evaluate<number[]>(
      `[...document.querySelectorAll('.winner')].map((e) => Number(e.dataset.number))`,
    )
    expect(winners).toEqual([2, 6])
    // On the way: the discreet badge in the page's language, not an error.
    for (const [page, text] of [
      [wall, '离线 · 正在重连'],
      [draw, 'Offline · reconnecting'],
    ] as const) {
      const states = await page.evaluate<string[]>('window.__states')
      expect(states).toContain('offline')
      expect(states).not.toContain('forbidden')
      expect(states[states.length - 1]).toBe('live')
      const badges = await page.evaluate<string[]>('window.__badges')
      expect(badges.length).toBeGreaterThan(0)
      for (const b of badges) expect(b).toBe(text)
    }

    // Stalled again, and the key rotated meanwhile (the relay ends the old streams, but the
    // screens never hear of it): once they notice the silence, both say the link is stale.
    await link.stall()
    const organizer = await signIn(relay, 'bob')
    const rotated = await organizer.call('POST', `/console/api/campaigns/${campaign.id}/screen-key`)
    expect(rotated.status, rotated.text).toBe(200)
    // In the screen's language first, then the other: whoever is at the projector reads it.
    const notice = `JSON.stringify([...document.querySelectorAll('[data-testid="screen-forbidden"] p')].map((p) => [p.lang, p.textContent.trim()]))`
    const zh = ['zh-CN', '大屏链接已失效，请在控制台复制新的链接。']
    const en = ['en', 'This screen link no longer works: copy the new one from the console.']
    await waitForPage(wall, `${notice} === '${JSON.stringify([zh, en])}'`, 45_000)
    await waitForPage(draw, `${notice} === '${JSON.stringify([en, zh])}'`, 45_000)
    await screenshot(wall, 'screen-wall-1280-key-rotated')
    // Not a blank wall or endless retries: the notice stays, and nothing more is asked.
    const asked = link.accepted()
    await wall.waitForTimeout(3000)
    expect(link.accepted()).toBe(asked)
    for (const page of [wall, draw]) {
      expect(await page.evaluate(STATE)).toBe('forbidden')
      expect(await page.locator('[data-testid="wall-tiles"], .stage').count()).toBe(0)
    }
    expect(problems).toEqual([])
  }, 150_000)
})
