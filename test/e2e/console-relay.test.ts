/**
 * Issue 18's "Done when", end to end against the REAL relay (SQLite, the built out/console) and
 * the WeChat sandbox, in real Chromium: an organizer signs in, adds a booth, a kiosk process
 * pairs with the code read off the page, the booth shows online, a phone scan of the kiosk's
 * code is counted on the live stats page without a reload, a second booth is paired and
 * scanned, and the CSV the console downloads holds each scan exactly once (and the XLSX
 * link gives a workbook). Also against the real relay: re-pairing and the sign-in lockout.
 * Screenshots: test-artifacts/console-real-*.png (1440×900).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parse } from 'csv-parse/sync'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addOrganizer } from '../../relay/console/organizer-admin'
import { startRelay, type RelayHandle } from '../../relay/server'
import { startSandbox, type Sandbox } from '../../sandbox/server'
import { openCampaignStore } from '../../electron/core/campaigns/campaign-store'
import { defaultSettings, saveSettings } from '../../electron/core/config/settings'
import { launchChromium, readScreenCode, waitForPage, waitForStill } from './browser'
import { assertConsoleBuilt, CONSOLE_DIR } from './fake-console-relay'
import { assertRendererBuilt, startKioskProcess, type KioskProcess } from './kiosk-process'
import { phoneScan } from './phone'

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts')
const PIN = '2468'
const CAMPAIGN = {
  id: 'console-e2e',
  name: '控制台演练',
  startsOn: null,
  endsOn: null,
  greetings: {
    'zh-CN': { firstVisit: '欢迎 第{number}位', welcomeBack: '欢迎回来', named: '{name} 您好' },
    en: { firstVisit: 'Welcome no. {number}', welcomeBack: 'Welcome back', named: 'Hello {name}' },
  },
  rotationSeconds: 30,
  ticketLifetimeSeconds: 600,
  mode: 'booth' as const,
}
const SCANS = '[data-stat="scans"] [data-testid="stat-value"]'

describe('the console against the real relay (Chromium)', () => {
  let dir: string
  let sandbox: Sandbox
  let relay: RelayHandle
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let password: string
  const stops: Array<() => Promise<void>> = []
  const problems: string[] = []
  /** openid → booth, for every scan made. */
  const scanned = new Map<string, string>()
  /** What hall-b's kiosk screen showed (a code valid for ten minutes). */
  let hallBCode = ''

  async function shot(name: string): Promise<void> {
    await waitForStill(page)
    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: resolve(ARTIFACTS, `console-real-${name}.png`) })
  }
  const text = async (selector: string) =>
    ((await page.locator(selector).first().textContent()) ?? '').trim()

  beforeAll(async () => {
    assertConsoleBuilt()
    assertRendererBuilt()
    dir = mkdtempSync(join(tmpdir(), 'scandesk-e2e-console-'))
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' })
    relay = await startRelay({
      port: 0,
      host: '127.0.0.1',
      data: join(dir, 'relay'),
      wechat: sandbox.credentials(),
      consoleDir: CONSOLE_DIR,
    })
    sandbox.setPushUrl(`${relay.url}/wechat`)
    password = await addOrganizer(relay.store, 'alice', Date.now())
    browser = await launchChromium()
    context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      locale: 'zh-CN',
      acceptDownloads: true,
    })
    page = await context.newPage()
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 401/.test(m.text()))
        problems.push(`console: ${m.text()}`)
    })
  }, 120_000)

  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop()
    await browser?.close()
    await relay?.close()
    await sandbox?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  }, 60_000)

  /** Adds a booth in the console and returns the pairing code the page shows. */
  async function addBooth(id: string, screenshotName?: string): Promise<string> {
    await page.click('[data-nav="booths"]')
    await page.locator('[data-testid="page-booths"]').waitFor()
    await page.click('[data-testid="add-booth"]')
    await page.fill('[data-testid="booth-id"]', id)
    await page.click('[data-testid="create-code"]')
    // The card of this booth (the last booth's card may still be up, saying it was paired).
    const shown = `[data-testid="pairing"][data-booth="${id}"] [data-testid="pairing-code"]`
    await page.locator(shown).waitFor()
    const code = (await text(shown)).replace(/\s/g, '')
    expect(code).toMatch(/^[34679ACDEFGHJKMNPQRTUVWXY]{8}$/)
    await waitForPage(page, `!!document.querySelector('[data-kiosk="${id}"]')`)
    expect(await text(`[data-kiosk="${id}"] [data-testid="booth-status"]`)).toBe('等待配对')
    if (screenshotName) await shot(screenshotName)
    return code
  }

  /** A kiosk process paired with `code` (its data dir holds a campaign, as a set-up booth's does). */
  async function pairKiosk(id: string, code: string): Promise<KioskProcess> {
    const dataDir = join(dir, id)
    mkdirSync(dataDir, { mode: 0o700 })
    openCampaignStore(dataDir).save(CAMPAIGN)
    saveSettings(dataDir, {
      ...defaultSettings(),
      activeCampaignId: CAMPAIGN.id,
      pool: { target: 2, marginSeconds: 30, maxInFlight: 1 },
    })
    const kiosk = await startKioskProcess(
      ['--port', '0', '--data', dataDir, '--relay', relay.url, '--pairing-code', code],
      { SCANDESK_ADMIN_PIN: PIN },
    )
    stops.push(() => kiosk.stop())
    return kiosk
  }

  /** The kiosk's screen in its own tab, and what its QR code says. */
  async function kioskCode(kiosk: KioskProcess, name: string): Promise<string> {
    const screen = await browser.newPage({ viewport: { width: 1280, height: 720 } })
    stops.push(() => screen.close())
    await screen.goto(kiosk.kioskUrl)
    return readScreenCode(screen, name)
  }

  async function scan(url: string, openid: string, booth: string): Promise<void> {
    const answer = await phoneScan(sandbox.url, url, openid)
    expect(answer.attempts.at(-1)?.status).toBe(200)
    scanned.set(openid, booth)
  }

  it('signs in with the password `organizer add` printed', async () => {
    await page.goto(`${relay.url}/console/`)
    await page.locator('[data-testid="sign-in"]').waitFor()
    await shot('signin')
    await page.fill('#sign-in-name', 'alice')
    await page.fill('#sign-in-password', 'not-the-password')
    await page.click('[data-testid="sign-in-submit"]')
    await page.locator('[data-testid="sign-in-error"]').waitFor()
    expect(await text('[data-testid="sign-in-error"]')).toBe('账号或密码不正确')
    await page.fill('#sign-in-password', password)
    await page.click('[data-testid="sign-in-submit"]')
    await page.locator('[data-testid="page-booths"]').waitFor()
    expect(await text('[data-testid="organizer-name"]')).toContain('alice')
  })

  it('adds a booth, pairs a kiosk with the code on the page, sees it online', async () => {
    const code = await addBooth('hall-a', 'booths')
    const kiosk = await pairKiosk('hall-a', code)
    await waitForPage(
      page,
      `document.querySelector('[data-kiosk="hall-a"] [data-testid="booth-status"]')?.textContent.trim() === '在线'`,
      60_000,
    )
    // The card put the used code away.
    expect(
      await text('[data-testid="pairing"][data-booth="hall-a"] [data-testid="pairing-used"]'),
    ).toBe('签到设备已使用此配对码，配对码已作废。')
    expect(await page.locator('[data-testid="pairing-code"]').count()).toBe(0)
    await shot('booths-paired')
    // The kiosk said its version in its hello.
    expect(await text('[data-kiosk="hall-a"] [data-testid="booth-version"]')).toMatch(
      /^\d+\.\d+\.\d+/,
    )
    // The code was used up: the relay refuses it a second time.
    const again = await fetch(`${relay.url}/api/pair`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    })
    expect(again.status).toBeGreaterThanOrEqual(400)
    const url = await kioskCode(kiosk, 'console-real-kiosk-hall-a')
    await page.click('[data-nav="stats"]')
    await page.locator('[data-stat="scans"]').waitFor()
    await waitForPage(page, `document.querySelector('${SCANS}')?.textContent.trim() === '0'`)
    await page.evaluate('window.__marker = 1')
    await scan(url, 'o-visitor-hall-a-1', 'hall-a')
    await waitForPage(page, `document.querySelector('${SCANS}').textContent.trim() === '1'`)
    // Counted on the page that was already open: no reload.
    expect(await page.evaluate('window.__marker')).toBe(1)
  }, 180_000)

  it('a second booth paired the same way is counted beside the first', async () => {
    const code = await addBooth('hall-b')
    const kiosk = await pairKiosk('hall-b', code)
    await waitForPage(
      page,
      `document.querySelector('[data-kiosk="hall-b"] [data-testid="booth-status"]')?.textContent.trim() === '在线'`,
      60_000,
    )
    await shot('booths-online')
    const url = await kioskCode(kiosk, 'console-real-kiosk-hall-b')
    hallBCode = url
    await page.click('[data-nav="stats"]')
    await page.locator('[data-stat="scans"]').waitFor()
    await scan(url, 'o-visitor-hall-b-1', 'hall-b')
    await scan(url, 'o-visitor-hall-b-2', 'hall-b')
    await waitForPage(page, `document.querySelector('${SCANS}').textContent.trim() === '3'`)
    await waitForPage(page, `document.querySelectorAll('[data-testid="booth-bar"]').length === 2`)
    expect(await text('[data-booth="hall-a"] .count')).toBe('1')
    expect(await text('[data-booth="hall-b"] .count')).toBe('2')
    await shot('stats')
  }, 180_000)

  it('attendance lists every scan and the CSV holds each exactly once', async () => {
    await page.click('[data-nav="attendance"]')
    await page.locator('[data-testid="attendance-row"]').first().waitFor()
    await waitForPage(
      page,
      `document.querySelectorAll('[data-testid="attendance-row"]').length === ${scanned.size}`,
    )
    await shot('attendance')
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="download-csv"]'),
    ])
    expect(download.suggestedFilename()).toMatch(/^scandesk-attendance-\d{8}-\d{4}\.csv$/)
    const csv = readFileSync(await download.path(), 'utf8')
    const rows: string[][] = parse(csv.replace(/^\uFEFF/, ''), { skip_empty_lines: true })
    const [header, ...body] = rows
    expect(header).toBeDefined()
    const boothCol = 0
    const openidCol = (header ?? []).findIndex((h) => /openid/i.test(h))
    expect(openidCol).toBeGreaterThan(0)
    const seen = body.map((r) => `${r[boothCol]}|${r[openidCol]}`).sort()
    const want = [...scanned].map(([openid, booth]) => `${booth}|${openid}`).sort()
    expect(seen).toEqual(want)
    expect(new Set(body.map((r) => r[boothCol]))).toEqual(new Set(['hall-a', 'hall-b']))
    // The Excel link streams a workbook (a zip) of the same sheet.
    const [xlsx] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="download-xlsx"]'),
    ])
    expect(xlsx.suggestedFilename()).toMatch(/^scandesk-attendance-\d{8}-\d{4}\.xlsx$/)
    expect(
      readFileSync(await xlsx.path())
        .subarray(0, 2)
        .toString('latin1'),
    ).toBe('PK')
  })

  it('one campaign chosen: the stats, the list and the CSV hold only the scans that counted in it', async () => {
    // A campaign made and given to hall-b through the console API, as the campaign page does.
    const made = await page.evaluate<{ id: string; assigned: number }>(`(async () => {
      const post = await fetch('/console/api/campaigns', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: '春季展' }),
      })
      const campaign = await post.json()
      const put = await fetch('/console/api/kiosks/hall-b', {
        method: 'PUT', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ campaignId: campaign.id }),
      })
      return { id: campaign.id, assigned: put.status }
    })()`)
    expect(made.assigned).toBe(200)
    await scan(hallBCode, 'o-spring-1', 'hall-b')
    // Away and back: the page lists the campaigns as they are when it opens.
    await page.click('[data-nav="stats"]')
    await page.click('[data-nav="attendance"]')
    await page.locator('[data-testid="campaign-scope"]').waitFor()
    await waitForPage(
      page,
      `!!document.querySelector('[data-testid="campaign-scope"] option[value="${made.id}"]')`,
    )
    await page.selectOption('[data-testid="campaign-scope"]', made.id)
    await waitForPage(
      page,
      `document.querySelector('[data-testid="attendance-total"]').textContent.trim() === '共 1 条'`,
    )
    await shot('attendance-campaign')
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="download-csv"]'),
    ])
    const rows: string[][] = parse(
      readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, ''),
      { skip_empty_lines: true },
    )
    const [header = [], ...body] = rows
    const openidCol = header.findIndex((h) => /openid/i.test(h))
    // 活动: the campaign's name as the organizer typed it, not its generated id.
    expect(body.map((r) => [r[0], r[openidCol], r[header.indexOf('活动')]])).toEqual([
      ['hall-b', 'o-spring-1', '春季展'],
    ])
    // The stats page is about the same campaign; all campaigns again counts every scan.
    await page.click('[data-nav="stats"]')
    await waitForPage(page, `document.querySelector('${SCANS}')?.textContent.trim() === '1'`)
    await page.selectOption('[data-testid="campaign-scope"]', '')
    await waitForPage(
      page,
      `document.querySelector('${SCANS}')?.textContent.trim() === '${scanned.size}'`,
    )
  }, 180_000)

  it('gives a paired booth a new code on request (re-pairing is explicit)', async () => {
    await page.click('[data-nav="booths"]')
    await page.locator('[data-testid="page-booths"]').waitFor()
    await page.click('[data-kiosk="hall-a"] [data-testid="new-code"]')
    await waitForPage(
      page,
      `document.querySelector('[data-testid="pairing"]')?.textContent.includes('hall-a')`,
    )
    const code = (await text('[data-testid="pairing-code"]')).replace(/\s/g, '')
    expect(code).toMatch(/^[34679ACDEFGHJKMNPQRTUVWXY]{8}$/)
    // Until the new code is used, the booth keeps its token and stays online.
    expect(await text('[data-kiosk="hall-a"] [data-testid="booth-status"]')).toBe('在线')
  })

  it('a guessed name is locked out: 429 with Retry-After, and the page says how long', async () => {
    const guesser = await browser.newContext({ viewport: { width: 1440, height: 900 } })
    stops.push(() => guesser.close())
    const other = await guesser.newPage()
    await other.goto(`${relay.url}/console/`)
    await other.locator('[data-testid="sign-in"]').waitFor()
    await other.fill('#sign-in-name', 'mallory')
    await other.fill('#sign-in-password', 'guess')
    let locked: { retryAfter: string | null } | null = null
    // Five free tries, then growing delays: a 429 comes within a few more.
    for (let attempt = 0; attempt < 12 && locked === null; attempt++) {
      await other.locator('[data-testid="sign-in-submit"]:not([disabled])').waitFor()
      const [res] = await Promise.all([
        other.waitForResponse((r) => r.url().endsWith('/console/api/login')),
        other.click('[data-testid="sign-in-submit"]'),
      ])
      if (res.status() === 429) locked = { retryAfter: await res.headerValue('retry-after') }
      else expect(res.status()).toBe(401)
    }
    expect(locked?.retryAfter).toMatch(/^[1-9]\d*$/)
    await waitForPage(
      other,
      `/请在 \\d+ 秒后再试/.test(document.querySelector('[data-testid="sign-in-error"]')?.textContent ?? '')`,
    )
  }, 120_000)

  it('the page logged no error', () => {
    expect(problems).toEqual([])
  })
})
