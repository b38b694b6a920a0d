/**
 * Leaving demo mode in a real Chromium: `kiosk web` starts in demo mode, the organizer saves a
 * real relay (one this test runs, with its own WeChat sandbox) on the setup page, and without
 * a reload the demo badge and banner go, the admin area moves on to the campaign page, the
 * kiosk screen asks for a campaign instead of showing a code, and once one is created a scan
 * through the real relay is greeted and recorded under it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay, type RelayHandle } from '../../relay/server'
import { startSandbox, type Sandbox } from '../../sandbox/server'
import { launchChromium, readScreenCode, screenshot } from './browser'
import { assertRendererBuilt, startKioskProcess, type KioskProcess } from './kiosk-process'
import { phoneScan } from './phone'

const PIN = '1357'
const KIOSK_ID = 'hall-b'
const VISITOR = 'oE2E_real_visitor'

async function unlock(page: Page): Promise<void> {
  await page.keyboard.press('Control+Shift+A')
  await page.locator('[data-testid="pin-pad"]').waitFor()
  await page.keyboard.type(PIN)
  await page.keyboard.press('Enter')
}

/** Whether nothing answers at the url any more. */
async function gone(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(5000) })
    return false
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause
    return cause?.code === 'ECONNREFUSED'
  }
}

describe('leaving demo mode (Chromium)', () => {
  let dir: string
  let sandbox: Sandbox
  let relay: RelayHandle
  let token: string
  let kiosk: KioskProcess
  let browser: Browser
  let page: Page
  const pageErrors: string[] = []

  beforeAll(async () => {
    assertRendererBuilt()
    dir = mkdtempSync(join(tmpdir(), 'scandesk-e2e-leave-demo-'))
    kiosk = await startKioskProcess(['--port', '0', '--data', join(dir, 'kiosk')], {
      SCANDESK_ADMIN_PIN: PIN,
    })
    if (!kiosk.relayUrl || !kiosk.sandboxUrl) {
      throw new Error(`demo mode did not start:\n${kiosk.output()}`)
    }
    // The "real" platform the organizer connects to.
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' })
    relay = await startRelay({
      port: 0,
      host: '127.0.0.1',
      data: ':memory:',
      wechat: sandbox.credentials(),
    })
    token = await relay.addKiosk(KIOSK_ID)
    sandbox.setPushUrl(`${relay.url}/wechat`)
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } })
    page.on('pageerror', (e) => pageErrors.push(e.message))
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text())
    })
    await page.goto(kiosk.kioskUrl)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await kiosk?.stop()
    await relay?.close()
    await sandbox?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  it('starts in demo mode with its badge and a code', async () => {
    await readScreenCode(page, 'leave-demo-before')
    await expect(page.locator('[data-testid="demo-badge"]').isVisible()).resolves.toBe(true)
  }, 60_000)

  it('saving a real relay drops the demo at once and lands on the campaign page', async () => {
    // Marks this page load: a reload would lose it.
    await page.evaluate('window.__sameLoad = true')
    await unlock(page)
    await page.locator('[data-testid="admin-page-attendance"]').waitFor()
    await page.evaluate('window.location.hash = "#/admin/setup"')
    await page.locator('[data-testid="admin-page-setup"]').waitFor()
    await expect(page.locator('[data-testid="admin-demo"]').isVisible()).resolves.toBe(true)
    await expect(page.locator('.demo-note').isVisible()).resolves.toBe(true)

    // A kiosk without a token opens on pairing: this one is set up with a typed token.
    await page.locator('input[name="mode"][value="token"]').check()
    await page.locator('#relayUrl').fill(relay.url)
    await page.locator('#kioskId').fill(KIOSK_ID)
    await page.locator('#relayToken').fill(token)
    await page.locator('[data-testid="admin-page-setup"] button[type="submit"]').click()

    await page.locator('[data-testid="admin-page-campaign"]').waitFor({ timeout: 20_000 })
    expect(await page.evaluate('window.location.hash')).toBe('#/admin/campaign')
    await page.locator('[data-testid="no-active-campaign"]').waitFor()
    expect(await page.locator('[data-testid="admin-demo"]').count()).toBe(0)
    expect(await page.locator('.demo-note').count()).toBe(0)
    expect(await page.evaluate('window.__sameLoad === true')).toBe(true)
    await screenshot(page, 'leave-demo-campaign-page')

    // The demo's own relay and sandbox are stopped.
    expect(await gone(`${kiosk.relayUrl ?? ''}/healthz`)).toBe(true)
    expect(await gone(kiosk.sandboxUrl ?? '')).toBe(true)
  }, 60_000)

  it('the kiosk screen asks for a campaign instead of showing a code', async () => {
    await page.locator('[data-testid="admin-lock"]').click()
    await page.locator('[data-testid="no-campaign"]').waitFor()
    expect(await page.locator('[data-testid="demo-badge"]').count()).toBe(0)
    expect(await page.locator('[data-testid="qr-card"]').count()).toBe(0)
    expect(await page.locator('[data-testid="instruction"]').count()).toBe(0)
    await screenshot(page, 'leave-demo-kiosk-no-campaign')
  }, 30_000)

  it('a campaign created next brings a real code; its scan is recorded under it', async () => {
    await unlock(page)
    await page.locator('[data-testid="admin-page-campaign"]').waitFor() // still none active
    await page.locator('#c-name').fill('Expo 2026')
    await page
      .locator('[data-testid="campaign-editor"]')
      .getByRole('button', { name: '保存' })
      .click()
    await page.getByText('活动已保存并设为当前活动').waitFor()
    expect(await page.locator('[data-testid="no-active-campaign"]').count()).toBe(0)
    await page.evaluate('document.querySelector(".admin").scrollTo(0, 0)')
    await screenshot(page, 'leave-demo-campaign-created')

    await page.locator('[data-testid="admin-lock"]').click()
    const code = await readScreenCode(page, 'leave-demo-real-code')
    await expect(page.locator('[data-testid="kiosk-title"]').textContent()).resolves.toBe(
      'Expo 2026',
    )
    expect((await phoneScan(sandbox.url, code, VISITOR)).event).toBe('subscribe')
    const greeting = page.locator('[data-testid="greeting"]')
    await greeting.waitFor({ timeout: 15_000 })
    await expect(page.locator('[data-testid="greeting-text"]').textContent()).resolves.toContain(
      '1',
    )
    expect(await page.locator('[data-testid="greeting-number"]').count()).toBe(0)
    await greeting.waitFor({ state: 'detached', timeout: 15_000 })

    await unlock(page)
    await page.locator('[data-testid="admin-page-attendance"]').waitFor()
    const total = page.locator('[data-testid="attendance-total"]')
    await expect.poll(() => total.textContent(), { timeout: 10_000 }).toContain('1')
    const rows = await page.locator('[data-testid="attendance-row"]').allTextContents()
    expect(rows).toHaveLength(1)
  }, 90_000)

  it('raised no script errors along the way', () => {
    expect(pageErrors).toEqual([])
  })
})
