/**
 * The venue network between kiosk and relay drops while visitors keep scanning: the kiosk
 * keeps showing codes, tells staff scans are still being collected, and when the network
 * returns every scan made meanwhile is greeted and recorded. The relay and the WeChat
 * sandbox run in this process; the kiosk (`kiosk web`, provisioned by flags like a real
 * install) reaches the relay only through a link the test can cut.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { startRelay, type RelayHandle } from '../../relay/server'
import { startSandbox, type Sandbox } from '../../sandbox/server'
import {
  goHash,
  greetingsSeen,
  launchChromium,
  readScreenCode,
  recordGreetings,
  screenshot,
  unlockAdmin as openAdmin,
} from './browser'
import { assertRendererBuilt, startKioskProcess, type KioskProcess } from './kiosk-process'
import { phoneScan } from './phone'
import { startTcpLink, type TcpLink } from './tcp-link'

const KIOSK_ID = 'e2e-booth'
const PIN = '2468'
const OFFLINE_VISITORS = ['oE2E_offline_1', 'oE2E_offline_2', 'oE2E_offline_3']
const CAMPAIGN = '断网演练'

describe('kiosk through a relay outage (Chromium)', () => {
  let dir: string
  let sandbox: Sandbox
  let relay: RelayHandle
  let link: TcpLink
  let kiosk: KioskProcess
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    assertRendererBuilt()
    dir = mkdtempSync(join(tmpdir(), 'scandesk-e2e-outage-'))
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' })
    relay = await startRelay({
      port: 0,
      host: '127.0.0.1',
      data: join(dir, 'relay'),
      wechat: sandbox.credentials(),
    })
    const token = await relay.addKiosk(KIOSK_ID)
    sandbox.setPushUrl(`${relay.url}/wechat`)
    link = await startTcpLink(relay.port)
    kiosk = await startKioskProcess(
      [
        ...['--port', '0', '--data', join(dir, 'kiosk')],
        ...['--relay', `http://127.0.0.1:${link.port}`, '--kiosk-id', KIOSK_ID],
        ...['--ticket-source', 'proxy'],
      ],
      { SCANDESK_KIOSK_TOKEN: token, SCANDESK_ADMIN_PIN: PIN },
    )
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } })
    await recordGreetings(page)
    await page.goto(kiosk.kioskUrl)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await kiosk?.stop()
    await link?.close()
    await relay?.close()
    await sandbox?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  const unlockAdmin = () => openAdmin(page, PIN)

  /** Creates the outage drill campaign from the admin area; being the first, it becomes current. */
  async function createCampaign(): Promise<void> {
    await unlockAdmin()
    await goHash(page, '#/admin/campaign')
    // The editor shows once the page's campaigns have loaded.
    await page.locator('[data-testid="campaign-editor"]').waitFor()
    await page.getByRole('button', { name: '+ 新建活动' }).click()
    await page.locator('#c-name').fill(CAMPAIGN)
    await page
      .locator('[data-testid="campaign-editor"]')
      .getByRole('button', { name: '保存' })
      .click()
    // A provisioned kiosk starts with no campaign active: the first one saved becomes active.
    await page.getByText('活动已保存并设为当前活动').waitFor()
  }

  /** The drill campaign on screen: made here unless an earlier test already made it. */
  async function ensureCampaign(): Promise<void> {
    const title = page.locator('[data-testid="kiosk-title"]')
    if (!((await title.isVisible()) && (await title.textContent())?.includes(CAMPAIGN))) {
      await createCampaign()
      await page.locator('[data-testid="admin-lock"]').click()
    }
    await expect.poll(() => title.textContent(), { timeout: 20_000 }).toContain(CAMPAIGN)
  }

  /** Waits until the kiosk has tried (and failed) to reach the relay `n` more times. */
  async function reconnectAttempts(n: number): Promise<void> {
    const from = link.refused()
    await expect.poll(() => link.refused() - from, { timeout: 60_000 }).toBeGreaterThanOrEqual(n)
  }

  it('a freshly provisioned kiosk gets a campaign from the admin area and shows its code', async () => {
    await createCampaign()
    await screenshot(page, 'admin-campaign-created')

    await page.locator('[data-testid="admin-lock"]').click()
    expect(await readScreenCode(page, 'outage-kiosk-online')).toMatch(/^https?:\/\//)
    await expect(page.locator('[data-testid="kiosk-title"]').textContent()).resolves.toContain(
      CAMPAIGN,
    )
  }, 60_000)

  it('through an outage: a code stays up, staff are told scans are collected, and every scan is greeted once the link is back', async () => {
    await ensureCampaign()
    const greetedBefore = (await greetingsSeen(page)).length
    onTestFinished(() => link.restore())
    await link.cut()
    const banner = page.locator('[data-testid="offline-banner"]')
    await banner.waitFor({ timeout: 20_000 })
    await expect(banner.textContent()).resolves.toContain('扫码仍在后台收集')
    // Through several reconnect attempts the banner stays up (it does not blink per attempt).
    await page.evaluate(`(() => {
      window.__bannerGone = 0
      new MutationObserver(() => {
        if (!document.querySelector('[data-testid="offline-banner"]')) window.__bannerGone++
      }).observe(document, { childList: true, subtree: true })
    })()`)
    await reconnectAttempts(3)
    expect(await page.evaluate('window.__bannerGone')).toBe(0)
    expect(await banner.isVisible()).toBe(true)
    const code = await readScreenCode(page, 'kiosk-offline')

    for (const openid of OFFLINE_VISITORS) {
      expect((await phoneScan(sandbox.url, code, openid)).event).toBe('subscribe')
    }
    // Nobody can be greeted yet: the scans wait at the relay while the kiosk keeps trying.
    await reconnectAttempts(1)
    expect((await greetingsSeen(page)).length).toBe(greetedBefore)

    await link.restore()
    await expect
      .poll(async () => (await greetingsSeen(page)).length - greetedBefore, {
        timeout: 60_000,
        interval: 250,
      })
      .toBe(OFFLINE_VISITORS.length)
    await banner.waitFor({ state: 'detached', timeout: 20_000 })
    const seen = (await greetingsSeen(page)).slice(greetedBefore)
    expect(seen.every((g) => g.kind === 'first-visit')).toBe(true)
    expect(new Set(seen.map((g) => g.eventId)).size).toBe(OFFLINE_VISITORS.length)

    await unlockAdmin()
    const total = page.locator('[data-testid="attendance-total"]')
    await expect
      .poll(() => total.textContent(), { timeout: 10_000 })
      .toContain(String(OFFLINE_VISITORS.length))
    const rows = await page.locator('[data-testid="attendance-row"]').allTextContents()
    for (const openid of OFFLINE_VISITORS) {
      expect(rows.some((r) => r.includes(openid.slice(0, 6)) && r.includes(openid.slice(-4)))).toBe(
        true,
      )
    }
    await page.locator('[data-testid="admin-lock"]').click()
  }, 150_000)
})
