/**
 * Issue 19's "Done when" in real Chromium against the real relay (SQLite, built console) and two
 * `kiosk web` processes in one campaign: the greeting edited on the console page reaches both
 * kiosk screens — a scan after the edit paints the new text on both — and
 * (item 5) a kiosk whose relay link drops keeps its code and its campaign on screen with the
 * offline notice, and applies an edit made meanwhile exactly once when the link returns.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConsoleCampaign } from '../../shared/campaign'
import { launchChromium, readScreenCode, waitForPage } from './browser'
import {
  CAMPAIGN,
  ConsoleApi,
  ORGANIZER_NAME,
  startVenue,
  type BoothKiosk,
  type Venue,
} from './campaign-booths'
import { assertConsoleBuilt } from './fake-console-relay'
import { assertRendererBuilt } from './kiosk-process'
import { phoneScan } from './phone'

/**
 * How long a screen may take to show an edit before the test fails. Issue 19's 5 s is a timing,
 * measured by `npm run bench` (`campaign.web.edit-to-screen-painted`), not asserted here: on a
 * loaded two-core CI a page's redraw can lag seconds behind its relay.
 */
const REACH_MS = 30_000
const TITLE = `document.querySelector('[data-testid="kiosk-title"]')?.textContent.trim()`
const GREETING = `document.querySelector('[data-testid="greeting-text"]')?.textContent.trim()`
const OFFLINE = `!!document.querySelector('[data-testid="offline-banner"]')`

/** The kiosk's event stream (what its screen is sent), read from Node. */
function eventStream(kioskUrl: string): {
  events: Array<{ name: string; data: string }>
  /** Resolves once the kiosk answered (its events from then on are in `events`). */
  opened: Promise<void>
  stop: () => void
} {
  const url = new URL(kioskUrl)
  const events: Array<{ name: string; data: string }> = []
  const abort = new AbortController()
  const response = fetch(`${url.origin}/api/events`, {
    headers: { authorization: `Bearer ${url.searchParams.get('key') ?? ''}` },
    signal: abort.signal,
  })
  void (async () => {
    const res = await response
    const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader()
    let buffer = ''
    for (;;) {
      const chunk = await reader?.read()
      if (!chunk || chunk.done) return
      buffer += chunk.value
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const name = /^event: (.*)$/m.exec(block)?.[1]
        const data = /^data: (.*)$/m.exec(block)?.[1]
        if (name !== undefined && data !== undefined) events.push({ name, data })
      }
    }
  })().catch(() => {})
  const opened = response.then((res) => {
    if (!res.ok) throw new Error(`the kiosk's event stream answered ${res.status}`)
  })
  return { events, opened, stop: () => abort.abort() }
}

describe('a relay campaign on two kiosk screens (Chromium)', () => {
  let venue: Venue
  let api: ConsoleApi
  let campaign: ConsoleCampaign
  let browser: Browser
  let consolePage: Page
  const booths: Array<{ booth: BoothKiosk; page: Page }> = []
  const problems: string[] = []
  let visitors = 0

  beforeAll(async () => {
    assertConsoleBuilt()
    assertRendererBuilt()
    venue = await startVenue()
    api = await ConsoleApi.signIn(venue.relay.url, ORGANIZER_NAME, venue.password)
    campaign = await api.createCampaign(CAMPAIGN)
    browser = await launchChromium()
    for (const [id, viaLink] of [
      ['hall-a', false],
      ['hall-b', true],
    ] as const) {
      const booth = await venue.addKiosk(id, viaLink)
      await api.assign(id, campaign.id)
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } })
      page.on('pageerror', (e) => problems.push(`${id}: ${e.message}`))
      await page.goto(booth.kiosk.kioskUrl)
      booths.push({ booth, page })
    }
    consolePage = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    consolePage.on('pageerror', (e) => problems.push(`console: ${e.message}`))
    await consolePage.goto(`${venue.relay.url}/console/`)
    await consolePage.fill('#sign-in-name', ORGANIZER_NAME)
    await consolePage.fill('#sign-in-password', venue.password)
    await consolePage.click('[data-testid="sign-in-submit"]')
    await consolePage.locator('[data-testid="page-booths"]').waitFor()
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await venue?.close()
  }, 60_000)

  /** Opens the campaign in the console's editor and types new texts over the given fields. */
  async function editInConsole(fields: Record<string, string>): Promise<void> {
    await consolePage.click('[data-nav="campaigns"]')
    await consolePage.click(`[data-campaign="${campaign.id}"] [data-testid="edit-campaign"]`)
    await consolePage.locator('[data-testid="campaign-form"]').waitFor()
    await waitForPage(
      consolePage,
      `document.querySelector('[data-testid="field-name"]')?.value !== ''`,
    )
    for (const [testId, value] of Object.entries(fields)) {
      await consolePage.fill(`[data-testid="${testId}"]`, value)
    }
  }

  async function saveInConsole(): Promise<void> {
    await consolePage.click('[data-testid="save-campaign"]')
    await consolePage.locator('[data-testid="saved"]').waitFor()
  }

  /** Of a greeting's texts, the one `page` shows (its language). */
  async function inPageLanguage(page: Page, texts: { 'zh-CN': string; en: string }) {
    const lang = String(await page.evaluate('document.documentElement.lang'))
    return lang === 'en' ? texts.en : texts['zh-CN']
  }

  async function scanAt(page: Page, name: string): Promise<void> {
    const url = await readScreenCode(page, name)
    const answer = await phoneScan(venue.sandbox.url, url, `o-web-visitor-${++visitors}`)
    expect(answer.attempts.at(-1)?.status).toBe(200)
  }

  it('both screens run the console’s campaign', async () => {
    for (const { page } of booths) {
      await waitForPage(page, `${TITLE} === ${JSON.stringify(CAMPAIGN.name)}`, 60_000)
    }
  }, 120_000)

  it('a greeting edited on the console page is on both screens', async () => {
    const first = { 'zh-CN': '春季新品 第{number}位', en: 'Spring launch, no. {number}' }
    await editInConsole({
      'greeting-zh-CN-first': first['zh-CN'],
      'greeting-en-first': first.en,
    })
    // Codes read beforehand: the scans after the save are the edit's test, not a camera's.
    const urls = await Promise.all(booths.map(({ page, booth }) => readScreenCode(page, booth.id)))
    await saveInConsole()
    await Promise.all(
      booths.map(async ({ page }, i) => {
        const n = ++visitors
        const answer = await phoneScan(venue.sandbox.url, urls[i] ?? '', `o-web-visitor-${n}`)
        expect(answer.attempts.at(-1)?.status).toBe(200)
        // Campaign-wide numbers: the two scans are 1 and 2, in whichever order they landed.
        const template = await inPageLanguage(page, first)
        const want = [1, 2].map((k) => template.replace('{number}', String(k)))
        await waitForPage(page, `${JSON.stringify(want)}.includes(${GREETING})`, REACH_MS)
      }),
    )
  }, 120_000)

  it('a kiosk cut off keeps its code and campaign, says so, and applies an edit made meanwhile once', async () => {
    const [a, b] = booths
    if (!a || !b?.booth.link) throw new Error('two booths, B behind a link')
    const { page: pageB, booth } = b
    const link = booth.link
    if (!link) throw new Error('B has no link')
    await link.cut()
    await waitForPage(pageB, OFFLINE, 30_000)
    // Still its code (a phone can read it) and its campaign.
    expect(await readScreenCode(pageB, 'campaign-offline-hall-b')).toMatch(/^https?:\/\//)
    expect(await pageB.evaluate(TITLE)).toBe(CAMPAIGN.name)

    const renamed = 'Spring Expo · day 2'
    const first = { 'zh-CN': '第二天 第{number}位', en: 'Day two, no. {number}' }
    await editInConsole({
      'field-name': renamed,
      'greeting-zh-CN-first': first['zh-CN'],
      'greeting-en-first': first.en,
    })
    await saveInConsole()
    // A (online) follows; B keeps what it had while the link is down.
    await waitForPage(a.page, `${TITLE} === ${JSON.stringify(renamed)}`, REACH_MS)
    expect(await pageB.evaluate(TITLE)).toBe(CAMPAIGN.name)
    expect(await pageB.evaluate(OFFLINE)).toBe(true)

    // A visitor scans B's code while B is cut off: the relay keeps the scan for B.
    await scanAt(pageB, 'campaign-offline-scan-hall-b')

    const stream = eventStream(booth.kiosk.kioskUrl)
    try {
      await stream.opened
      expect(await pageB.evaluate(OFFLINE)).toBe(true)
      await link.restore()
      // The replayed scan is greeted with the edit: the campaign came before it.
      const template = await inPageLanguage(pageB, first)
      const want = template.replace('{number}', '3') // two visitors scanned in the test before
      await waitForPage(pageB, `${GREETING} === ${JSON.stringify(want)}`, 60_000)
      expect(await pageB.evaluate(TITLE)).toBe(renamed)
      await waitForPage(pageB, `!${OFFLINE}`, 30_000)
      // That greeting came after any campaign frame on the new link: the edit was applied once,
      // however many times it may have been offered.
      const campaigns = stream.events
        .filter((e) => e.name === 'campaign')
        .map((e) => (JSON.parse(e.data) as { name?: string } | null)?.name ?? null)
      expect(campaigns).toEqual([renamed])
    } finally {
      stream.stop()
    }
  }, 180_000)

  it('the pages logged no error', () => {
    expect(problems).toEqual([])
  })
})
