/**
 * The screen never goes blank: when the pool's codes have run out and no new ones can be made
 * (the kiosk cut off from the relay, or the day's ticket quota spent), the booth shows its
 * permanent fallback code, drawn locally from the url kept in its database. Visitors scan it
 * as usual; WeChat pushes to the relay whatever the kiosk's network, and the scans reach the
 * kiosk's attendance once each, flagged as fallback. Real Chromium, the built `kiosk web`.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startRelay, type RelayHandle } from '../../relay/server'
import { startSandbox, type Sandbox } from '../../sandbox/server'
import { openCampaignStore } from '../../electron/core/campaigns/campaign-store'
import { defaultSettings, saveSettings } from '../../electron/core/config/settings'
import { launchChromium, readScreenCode, screenshot } from './browser'
import { assertRendererBuilt, startKioskProcess, type KioskProcess } from './kiosk-process'
import { phoneScan } from './phone'
import { startTcpLink, type TcpLink } from './tcp-link'

const PIN = '2468'
/** Tickets live 60 s (WeChat's shortest useful lifetime here): the pool runs dry in about 35 s. */
const CAMPAIGN = {
  id: 'fallback-drill',
  name: '备用码演练',
  startsOn: null,
  endsOn: null,
  greetings: {
    'zh-CN': { firstVisit: '欢迎 第{number}位', welcomeBack: '欢迎回来', named: '{name} 您好' },
    en: { firstVisit: 'Welcome no. {number}', welcomeBack: 'Welcome back', named: 'Hello {name}' },
  },
  rotationSeconds: 10,
  ticketLifetimeSeconds: 60,
  mode: 'booth' as const,
}
const DRY_POOL_MS = 90_000

interface Booth {
  kiosk: KioskProcess
  link: TcpLink
  page: Page
  dataDir: string
}

describe('the booth fallback code (Chromium)', () => {
  let dir: string
  let sandbox: Sandbox
  let relay: RelayHandle
  let browser: Browser
  const stops: Array<() => Promise<void>> = []

  beforeAll(async () => {
    assertRendererBuilt()
    dir = mkdtempSync(join(tmpdir(), 'scandesk-e2e-fallback-'))
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' })
    relay = await startRelay({
      port: 0,
      host: '127.0.0.1',
      data: join(dir, 'relay'),
      wechat: sandbox.credentials(),
    })
    sandbox.setPushUrl(`${relay.url}/wechat`)
    browser = await launchChromium()
  }, 120_000)

  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop()
    sandbox?.setFaults({ quotaAfter: null })
  }, 30_000)

  afterAll(async () => {
    await browser?.close()
    await relay?.close()
    await sandbox?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  /** A kiosk provisioned by flags (like a real install) that reaches the relay through `link`. */
  async function startBooth(kioskId: string): Promise<Booth> {
    const dataDir = join(dir, kioskId)
    mkdirSync(dataDir, { mode: 0o700 })
    openCampaignStore(dataDir).save(CAMPAIGN)
    saveSettings(dataDir, {
      ...defaultSettings(),
      activeCampaignId: CAMPAIGN.id,
      pool: { target: 2, marginSeconds: 30, maxInFlight: 1 },
    })
    const token = await relay.addKiosk(kioskId)
    const link = await startTcpLink(relay.port)
    stops.push(() => link.close())
    const kiosk = await startKioskProcess(
      [
        ...['--port', '0', '--data', dataDir],
        ...['--relay', `http://127.0.0.1:${link.port}`, '--kiosk-id', kioskId],
        ...['--ticket-source', 'proxy'],
      ],
      { SCANDESK_KIOSK_TOKEN: token, SCANDESK_ADMIN_PIN: PIN },
    )
    stops.push(() => kiosk.stop())
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } })
    stops.push(() => page.close())
    await page.goto(kiosk.kioskUrl)
    return { kiosk, link, page, dataDir }
  }

  /** Reads the kiosk's own database (read-only, beside the running kiosk). */
  function query<T>(booth: Booth, sql: string): T[] {
    const db = new Database(join(booth.dataDir, 'kiosk.db'), {
      readonly: true,
      fileMustExist: true,
    })
    try {
      return db.prepare<[], T>(sql).all()
    } finally {
      db.close()
    }
  }

  async function storedFallbackUrl(booth: Booth, kioskId: string): Promise<string> {
    const deadline = Date.now() + 20_000
    for (;;) {
      const [row] = query<{ url: string; scene: string }>(
        booth,
        'SELECT url, scene FROM fallback_codes',
      )
      if (row) {
        expect(row.scene).toBe(`${kioskId}:fallback`)
        // The relay made it and keeps the same one.
        expect((await relay.store.fallbackCode(kioskId))?.url).toBe(row.url)
        return row.url
      }
      if (Date.now() > deadline) throw new Error('the kiosk never stored its fallback code')
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  async function fallbackOnScreen(page: Page, shot: string): Promise<string> {
    await page.locator('[data-testid="fallback-tag"]').waitFor({ timeout: DRY_POOL_MS })
    return readScreenCode(page, shot)
  }

  function fallbackScans(booth: Booth) {
    return query<{ openid: string; fallback: number; n: number }>(
      booth,
      `SELECT openid, max(fallback) AS fallback, count(*) AS n FROM attendance
         WHERE scene LIKE '%:fallback' GROUP BY openid ORDER BY openid`,
    )
  }

  it('cut off from the relay with the pool expired: the fallback code is up, and its scans arrive once the link is back', async () => {
    const kioskId = 'e2e-fb-cut'
    const booth = await startBooth(kioskId)
    const first = await readScreenCode(booth.page, 'fallback-before-cut')
    const url = await storedFallbackUrl(booth, kioskId)
    expect(first).not.toBe(url)
    expect(await booth.page.locator('[data-testid="fallback-tag"]').count()).toBe(0)

    await booth.link.cut()
    expect(await fallbackOnScreen(booth.page, 'fallback-code-on-screen')).toBe(url)
    await expect(booth.page.locator('[data-testid="fallback-tag"]').textContent()).resolves.toBe(
      '◆ 备用码',
    )

    const visitors = ['oFB_cut_1', 'oFB_cut_2', 'oFB_cut_3']
    for (const openid of visitors) {
      expect((await phoneScan(sandbox.url, url, openid)).event).toBe('subscribe')
    }
    // Still cut off: nothing has reached the kiosk yet.
    expect(fallbackScans(booth)).toEqual([])

    await booth.link.restore()
    await expect
      .poll(() => fallbackScans(booth).length, { timeout: 60_000, interval: 250 })
      .toBe(visitors.length)
    expect(fallbackScans(booth)).toEqual(visitors.map((openid) => ({ openid, fallback: 1, n: 1 })))
    // Back online: per-visitor codes return as soon as the pool refills.
    await booth.page
      .locator('[data-testid="fallback-tag"]')
      .waitFor({ state: 'detached', timeout: 60_000 })
    expect(await readScreenCode(booth.page, 'fallback-after-cut')).not.toBe(url)
  }, 240_000)

  it('with the day’s ticket quota spent: the fallback code is up and its scans are recorded, flagged', async () => {
    const kioskId = 'e2e-fb-quota'
    const booth = await startBooth(kioskId)
    await readScreenCode(booth.page, 'fallback-before-quota')
    const url = await storedFallbackUrl(booth, kioskId)

    sandbox.setFaults({ quotaAfter: 0 })
    expect(await fallbackOnScreen(booth.page, 'fallback-code-quota')).toBe(url)

    const visitors = ['oFB_quota_1', 'oFB_quota_2', 'oFB_quota_3']
    for (const openid of visitors) {
      expect((await phoneScan(sandbox.url, url, openid)).event).toBe('subscribe')
    }
    await expect
      .poll(() => fallbackScans(booth).length, { timeout: 60_000, interval: 250 })
      .toBe(visitors.length)
    expect(fallbackScans(booth)).toEqual(visitors.map((openid) => ({ openid, fallback: 1, n: 1 })))
    // No fresh code can be made today: the fallback stays up.
    await screenshot(booth.page, 'fallback-quota-after-scans')
    expect(await booth.page.locator('[data-testid="fallback-tag"]').count()).toBe(1)
  }, 240_000)
})
