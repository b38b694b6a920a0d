/**
 * The BUILT console left open all day in real Chromium against a real relay (SQLite): the relay
 * restarted by a deploy, the stream replaced hundreds of times (a laptop asleep, Wi-Fi gone and
 * back: the page's fake clock jumps past two heartbeats), the session ended on the relay, a
 * sign-out. The page recovers by itself each time without a reload, never holds more than one
 * event stream (counted in the page and at the relay, which refuses a session's streams past its
 * per-session cap), its DOM stays the same size, an ended session shows sign-in with a clear
 * message and signing in again lands on the tab and campaign the organizer had open, and a
 * signed-out page opens no stream again however long it stays.
 */
import type { BrowserContext, Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { addOrganizer } from '../../relay/console/organizer-admin'
import { DEFAULT_MAX_EVENT_CLIENTS_PER_SESSION } from '../../relay/attendance/live-events'
import { COUNT_STREAMS, STREAMS_SETTLE, streamsHeld } from '../helpers/streams-held'
import { waitForPage } from './browser'
import { CAMPAIGN, ConsoleApi } from './campaign-booths'
import { realConsoleRelay } from './real-console-relay'

// A stream outlives its session by at most this on the relay (the test's revocation is a
// logout, which ends the streams at once anyway).
const bed = realConsoleRelay({ name: 'all-day', relay: { sessionCheckMs: 500 } })

const INDICATOR = `(document.querySelector('[data-testid="live-indicator"]')?.textContent.trim() ?? '')`
const LIVE = `${INDICATOR} === '实时'`
const MADE = `window.__streams.made`
const OPEN = `window.__streams.live()`
const NODES = `document.getElementsByTagName('*').length`

async function num(page: Page, expression: string): Promise<number> {
  return Number(await page.evaluate(expression))
}

async function sessionCookie(context: BrowserContext): Promise<string> {
  const cookie = (await context.cookies()).find((c) => c.name === 'scandesk_session')
  if (cookie === undefined) throw new Error('no session cookie')
  return `scandesk_session=${cookie.value}`
}

/** How many event streams the session holds at the relay (see streamsHeld). */
function relayStreams(cookie: string): Promise<number> {
  return streamsHeld({
    open: (signal) =>
      fetch(`${bed.relay.url}/console/api/events`, {
        headers: { cookie, origin: bed.relay.url },
        signal,
      }),
    cap: DEFAULT_MAX_EVENT_CLIENTS_PER_SESSION,
    refusedWith: 429,
  })
}

async function signIn(page: Page, name: string, password: string): Promise<void> {
  await page.fill('#sign-in-name', name)
  await page.fill('#sign-in-password', password)
  await page.click('[data-testid="sign-in-submit"]')
  await page.locator('[data-testid="sign-in"]').waitFor({ state: 'detached' })
}

it('recovers from restarts, silent drops and an ended session, one stream at a time', async () => {
  const problems: string[] = []
  const setup = await addOrganizer(bed.relay.store, 'setup', Date.now())
  const api = await ConsoleApi.signIn(bed.relay.url, 'setup', setup)
  const campaign = await api.createCampaign(CAMPAIGN)
  const password = await addOrganizer(bed.relay.store, 'ana', Date.now())

  const context = await bed.browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'zh-CN',
  })
  await context.addInitScript(COUNT_STREAMS)
  const page = await context.newPage()
  // Time runs as usual until the test jumps it (a laptop waking after a sleep).
  await page.clock.install()
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  const statsReads: number[] = []
  let requests = 0
  page.on('request', (r) => {
    requests++
    if (new URL(r.url()).pathname === '/console/api/stats') statsReads.push(requests)
  })
  await page.goto(`${bed.relay.url}/console/#/stats`)
  await signIn(page, 'ana', password)
  await page.locator('[data-testid="page-stats"]').waitFor()
  await page.locator(`[data-testid="campaign-scope"] option[value="${campaign.id}"]`).waitFor({
    state: 'attached',
  })
  await page.selectOption('[data-testid="campaign-scope"]', campaign.id)
  await waitForPage(page, LIVE)
  expect(await num(page, OPEN)).toBe(1)

  // A deploy restarts the relay, three times: live again by itself, the stats read again.
  for (let i = 0; i < 3; i++) {
    await bed.restart()
    const before = requests
    await waitForPage(page, LIVE, 30_000)
    await expect.poll(() => statsReads.some((at) => at > before), { timeout: 15_000 }).toBe(true)
    await expect.poll(() => num(page, OPEN), { timeout: 15_000 }).toBe(1)
  }

  // The stream goes silent again and again (the clock jumps past two heartbeats): each time one
  // new stream replaces the old, and nothing piles up.
  const nodes = await num(page, NODES)
  const madeBefore = await num(page, MADE)
  const ROUNDS = 200
  for (let i = 0; i < ROUNDS; i++) {
    const made = await num(page, MADE)
    await page.clock.fastForward(40_000)
    // Someone at the laptop now and then: not signed out for being idle.
    if (i % 20 === 0) await page.keyboard.press('Shift')
    // Generous: 2 cores shared with other suites; a stuck page fails it all the same.
    await waitForPage(page, `${MADE} > ${made} && ${LIVE}`, 45_000)
    expect(await num(page, OPEN)).toBe(1)
  }
  expect(await num(page, MADE)).toBeGreaterThanOrEqual(madeBefore + ROUNDS)
  expect(await num(page, NODES)).toBeLessThanOrEqual(nodes + 20)
  await expect.poll(async () => relayStreams(await sessionCookie(context)), STREAMS_SETTLE).toBe(1)

  // The session ends on the relay (here: ended with the page's own cookie, elsewhere): the
  // sign-in form says so, and signing in again lands where the organizer was.
  const ended = await fetch(`${bed.relay.url}/console/api/logout`, {
    method: 'POST',
    headers: { cookie: await sessionCookie(context), origin: bed.relay.url },
  })
  expect(ended.status).toBeLessThan(300)
  const error = page.locator('[data-testid="sign-in-error"]')
  await error.waitFor({ timeout: 30_000 })
  expect(await error.textContent()).toContain('登录已失效，请重新登录')
  await expect.poll(() => num(page, OPEN), { timeout: 15_000 }).toBe(0)
  await signIn(page, 'ana', password)
  await page.locator('[data-testid="page-stats"]').waitFor()
  expect(await page.inputValue('[data-testid="campaign-scope"]')).toBe(campaign.id)
  await waitForPage(page, LIVE, 15_000)
  expect(await num(page, OPEN)).toBe(1)
  await expect.poll(async () => relayStreams(await sessionCookie(context)), STREAMS_SETTLE).toBe(1)

  // Signed out: no stream, and none opened again however long the page stays.
  await page.click('[data-testid="sign-out"]')
  await page.locator('[data-testid="sign-in"]').waitFor()
  await expect.poll(() => num(page, OPEN), { timeout: 15_000 }).toBe(0)
  const madeAtSignOut = await num(page, MADE)
  for (let i = 0; i < 10; i++) await page.clock.fastForward(60_000)
  expect(await num(page, MADE)).toBe(madeAtSignOut)

  expect(problems).toEqual([])
  await context.close()
}, 600_000)
