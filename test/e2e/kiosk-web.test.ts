/**
 * The kiosk in a real Chromium against `kiosk web` in demo mode: read the QR code off a
 * screenshot, scan it as a phone would, and watch the greeting, the attendance, the admin
 * area and the export.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  decodeQr,
  goHash,
  greetingsSeen,
  launchChromium,
  readScreenCode,
  recordGreetings,
  screenshot,
  waitForSteadyCode,
} from './browser'
import { assertRendererBuilt, startKioskProcess, type KioskProcess } from './kiosk-process'
import { phoneScan } from './phone'

const VISITOR = 'oE2E_visitor_0001'
const DESK_GUEST = 'oE2E_guest_wang'
const GREETING_TIMEOUT = 15_000

describe('kiosk web mode in Chromium (demo)', () => {
  let dataDir: string
  let kiosk: KioskProcess
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let sandbox: string
  const pageErrors: string[] = []

  beforeAll(async () => {
    assertRendererBuilt()
    dataDir = mkdtempSync(join(tmpdir(), 'scandesk-e2e-'))
    kiosk = await startKioskProcess(['--port', '0', '--data', dataDir])
    if (!kiosk.sandboxUrl || !kiosk.relayUrl || !kiosk.adminPin) {
      throw new Error(`demo mode did not print sandbox, relay and PIN:\n${kiosk.output()}`)
    }
    sandbox = kiosk.sandboxUrl
    browser = await launchChromium()
    context = await browser.newContext({
      viewport: { width: 1280, height: 720 },
      acceptDownloads: true,
    })
    page = await context.newPage()
    page.on('pageerror', (e) => pageErrors.push(e.message))
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text())
    })
    await recordGreetings(page)
    await page.goto(kiosk.kioskUrl)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await kiosk?.stop()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  }, 30_000)

  it('shows a scannable code and keeps the secret out of the address bar', async () => {
    const url = await readScreenCode(page, 'kiosk-landscape')
    expect(url).toMatch(/^https?:\/\//)
    expect(page.url()).not.toContain('key=')
    await expect(page.locator('[data-testid="instruction"]').textContent()).resolves.toContain(
      '微信扫一扫 签到',
    )
    await expect(page.locator('[data-testid="demo-badge"]').isVisible()).resolves.toBe(true)
  }, 60_000)

  it('greets a first-time visitor, records the scan and moves on to a new code', async () => {
    const before = await readScreenCode(page, 'kiosk-before-scan')
    const answer = await phoneScan(sandbox, before, VISITOR)
    expect(answer.event).toBe('subscribe')

    const greeting = page.locator('[data-testid="greeting"]')
    await greeting.waitFor({ state: 'visible', timeout: GREETING_TIMEOUT })
    await expect(greeting.getAttribute('data-kind')).resolves.toBe('first-visit')
    await expect(page.locator('[data-testid="greeting-number"]').textContent()).resolves.toContain(
      '1',
    )
    await page.waitForTimeout(600)
    await screenshot(page, 'greeting-first-visit')

    await greeting.waitFor({ state: 'detached', timeout: GREETING_TIMEOUT })
    const after = await readScreenCode(page, 'kiosk-after-scan')
    expect(after).not.toBe(before)
  }, 60_000)

  it('welcomes the same visitor back', async () => {
    const code = await readScreenCode(page, 'kiosk-before-return')
    expect((await phoneScan(sandbox, code, VISITOR)).event).toBe('SCAN')
    const greeting = page.locator('[data-testid="greeting"]')
    await greeting.waitFor({ state: 'visible', timeout: GREETING_TIMEOUT })
    await expect(greeting.getAttribute('data-kind')).resolves.toBe('welcome-back')
    await page.waitForTimeout(600)
    await screenshot(page, 'greeting-welcome-back')
    await greeting.waitFor({ state: 'detached', timeout: GREETING_TIMEOUT })
  }, 60_000)

  it('shows a burst of scans one after another, none dropped', async () => {
    const code = await readScreenCode(page, 'kiosk-before-burst')
    const openids = ['oE2E_burst_a', 'oE2E_burst_b', 'oE2E_burst_c']
    const before = (await greetingsSeen(page)).length
    await Promise.all(openids.map((id) => phoneScan(sandbox, code, id)))
    await expect
      .poll(async () => (await greetingsSeen(page)).length - before, {
        timeout: 30_000,
        interval: 200,
      })
      .toBe(openids.length)
    await page
      .locator('[data-testid="greeting"]')
      .waitFor({ state: 'detached', timeout: GREETING_TIMEOUT })
    const seen = await greetingsSeen(page)
    expect(new Set(seen.map((g) => g.eventId)).size).toBe(seen.length)
  }, 60_000)

  it('fits a portrait screen and a 4K one, with the code still readable', async () => {
    const portrait = await context.newPage()
    await portrait.setViewportSize({ width: 720, height: 1280 })
    await portrait.goto(kiosk.kioskUrl)
    expect(await readScreenCode(portrait, 'kiosk-portrait')).toMatch(/^https?:\/\//)
    await portrait.setViewportSize({ width: 3840, height: 2160 })
    expect(await readScreenCode(portrait, 'kiosk-4k')).toMatch(/^https?:\/\//)
    await portrait.close()
  }, 60_000)

  it('opens the PIN pad on Ctrl+Shift+A and shows how many tries are left', async () => {
    await page.keyboard.press('Control+Shift+A')
    await page.locator('[data-testid="pin-pad"]').waitFor()
    const wrong = kiosk.adminPin === '000000' ? '111111' : '000000'
    await page.keyboard.type(wrong)
    await page.keyboard.press('Enter')
    await expect(page.locator('[data-testid="pin-wrong"]').textContent()).resolves.toMatch(
      /还可尝试 \d+ 次/,
    )
    await screenshot(page, 'admin-pin-wrong')

    await page.keyboard.type(kiosk.adminPin ?? '')
    await page.keyboard.press('Enter')
    await page.locator('[data-testid="admin-page-attendance"]').waitFor()
  }, 30_000)

  it('lists the scans in the attendance table', async () => {
    const rows = page.locator('[data-testid="attendance-row"]')
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(5)
    await expect(page.locator('[data-testid="attendance-total"]').textContent()).resolves.toContain(
      '5',
    )
    await expect(rows.first().textContent()).resolves.toMatch(/oE2E_/)
    await screenshot(page, 'admin-attendance')

    await page.locator('[data-testid="attendance-search"]').fill('visitor_0001')
    await expect
      .poll(() => page.locator('[data-testid="attendance-total"]').textContent())
      .toContain('2')
    await screenshot(page, 'admin-attendance-search')
  }, 30_000)

  it('has a screenshot of every admin page', async () => {
    for (const p of ['stats', 'campaign', 'setup', 'roster', 'desk', 'diagnostics', 'settings']) {
      await goHash(page, `#/admin/${p}`)
      await page.locator(`[data-testid="admin-page-${p}"]`).waitFor()
      await page.waitForTimeout(p === 'stats' || p === 'diagnostics' ? 800 : 300)
      await screenshot(page, `admin-${p}`)
    }
    await goHash(page, '#/admin/diagnostics')
    await expect(page.locator('[data-fact="kioskId"]').textContent()).resolves.toBe('demo')
  }, 60_000)

  it('imports a roster, reports the bad row, and imports the rest when asked', async () => {
    await goHash(page, '#/admin/roster')
    const csv =
      '姓名,单位,电话,编号\n王小明,示例科技,13800000000,A001\n,无名公司,13900000000,A002\n'
    await page.locator('[data-testid="roster-file"]').setInputFiles({
      name: 'guests.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv, 'utf8'),
    })
    const errors = page.locator('[data-testid="roster-errors"]')
    await errors.waitFor({ timeout: 10_000 })
    await expect(errors.locator('tbody tr').first().textContent()).resolves.toContain('3')
    await screenshot(page, 'admin-roster-errors')
    await page.getByRole('button', { name: '跳过有问题的行，导入其余行' }).click()
    await expect
      .poll(() => page.locator('[data-testid="roster-result"]').textContent())
      .toMatch(/已导入 1 行/)
  }, 30_000)

  it('desk mode: finds the guest, shows their personal code, sees them check in', async () => {
    await goHash(page, '#/admin/desk')
    await page.locator('[data-testid="desk-search"]').fill('王小明')
    const result = page.locator('[data-testid="desk-result"]').filter({ hasText: '王小明' })
    await result.waitFor({ timeout: 10_000 })
    await result.getByRole('button').click()
    const ticket = page.locator('[data-testid="desk-ticket"]')
    await ticket.waitFor()
    const url = decodeQr(await ticket.screenshot())
    await screenshot(page, 'admin-desk-ticket')
    expect(url).toMatch(/^https?:\/\//)
    await phoneScan(sandbox, url ?? '', DESK_GUEST)
    await expect.poll(() => ticket.textContent(), { timeout: 15_000 }).toContain('王小明已签到')
    await expect(result.textContent()).resolves.toContain('已签到')
    await screenshot(page, 'admin-desk-checked-in')
  }, 30_000)

  it('switches the whole kiosk to English from the admin area', async () => {
    await goHash(page, '#/admin/settings')
    await page.locator('[data-testid="admin-page-settings"] [data-locale="en"]').click()
    await expect
      .poll(() => page.locator('.nav a[data-page="attendance"]').textContent())
      .toBe('Attendance')
    await screenshot(page, 'admin-settings-en')
  }, 30_000)

  it('exports the attendance as CSV that Excel reads, with every scan in it', async () => {
    await goHash(page, '#/admin/export')
    await page.locator('[data-testid="export-csv"]').click()
    const link = page.locator('[data-testid="export-download"]')
    await link.waitFor({ timeout: 20_000 })
    await screenshot(page, 'admin-export')
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
    const path = await download.path()
    const bytes = readFileSync(path)
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const rows = parse<Record<string, string>>(bytes.subarray(3).toString('utf8'), {
      columns: true,
    })
    const cells = rows.map((r) => Object.values(r).join(' '))
    expect(rows).toHaveLength(6)
    expect(cells.some((c) => c.includes(DESK_GUEST) && c.includes('王小明'))).toBe(true)
    expect(cells.filter((c) => c.includes(VISITOR))).toHaveLength(2)
    for (const id of ['oE2E_burst_a', 'oE2E_burst_b', 'oE2E_burst_c']) {
      expect(cells.some((c) => c.includes(id))).toBe(true)
    }
  }, 60_000)

  it('greets the desk guest by name once the kiosk screen is back', async () => {
    await page.locator('[data-testid="admin-lock"]').click()
    const greeting = page.locator('[data-testid="greeting"][data-kind="named"]')
    await greeting.waitFor({ timeout: GREETING_TIMEOUT })
    await expect(greeting.textContent()).resolves.toContain('王小明')
    await page.waitForTimeout(600)
    await screenshot(page, 'greeting-named-en')
    await greeting.waitFor({ state: 'detached', timeout: GREETING_TIMEOUT })
    await expect(page.locator('[data-testid="instruction"]').textContent()).resolves.toContain(
      'Scan with WeChat to check in',
    )
    await readScreenCode(page, 'kiosk-landscape-en')
  }, 30_000)

  it('locks the admin area after repeated wrong PINs and says until when', async () => {
    await waitForSteadyCode(page)
    await page.keyboard.press('Control+Shift+A')
    await page.locator('[data-testid="pin-pad"]').waitFor()
    const wrong = kiosk.adminPin === '000000' ? '111111' : '000000'
    const locked = page.locator('[data-testid="pin-locked"]')
    for (let i = 0; i < 10 && !(await locked.isVisible()); i++) {
      await page.keyboard.type(wrong)
      await page.keyboard.press('Enter')
      await page.waitForTimeout(150)
    }
    await expect(locked.textContent()).resolves.toMatch(/Locked — try again in \d+:\d\d/)
    await expect(page.locator('[data-key="5"]').isDisabled()).resolves.toBe(true)
    await screenshot(page, 'admin-pin-locked')
  }, 30_000)

  it('raised no script errors along the way', () => {
    expect(pageErrors).toEqual([])
  })
})
