/**
 * Booth staff's view when the kiosk gets no new per-visitor codes for the rest of the day: the
 * relay's daily ticket budget for this kiosk spent (its 429 until midnight Beijing time), or the
 * WeChat account's daily quota (the relay's 502 wechat_quota). The visitor screen shows the
 * fallback code calmly; the admin area's diagnostics page opens with what happened, which of the
 * two limits it is, that check-in still works and when codes come back, in zh-CN and English.
 * Real Chromium, the built `kiosk web` against a relay on the WeChat sandbox.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startRelay, type RelayHandle } from '../../relay/server'
import { startSandbox, type Sandbox } from '../../sandbox/server'
import { openCampaignStore } from '../../electron/core/campaigns/campaign-store'
import { defaultSettings, saveSettings } from '../../electron/core/config/settings'
import { callKiosk, goHash, launchChromium, screenshot, unlockAdmin } from './browser'
import { assertRendererBuilt, startKioskProcess } from './kiosk-process'

const PIN = '2468'
const CAMPAIGN = {
  id: 'supply-notice',
  name: '限额演练',
  startsOn: null,
  endsOn: null,
  greetings: {
    'zh-CN': { firstVisit: '欢迎 第{number}位', welcomeBack: '欢迎回来', named: '{name} 您好' },
    en: { firstVisit: 'Welcome no. {number}', welcomeBack: 'Welcome back', named: 'Hello {name}' },
  },
  rotationSeconds: 10,
  ticketLifetimeSeconds: 600,
  mode: 'booth' as const,
}

describe('diagnostics when per-visitor codes are used up for the day (Chromium)', () => {
  let dir: string
  let sandbox: Sandbox
  let browser: Browser
  const stops: Array<() => Promise<void>> = []

  beforeAll(async () => {
    assertRendererBuilt()
    dir = mkdtempSync(join(tmpdir(), 'scandesk-e2e-supply-'))
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' })
    browser = await launchChromium()
  }, 120_000)

  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop()
    sandbox?.setFaults({ quotaAfter: null })
  }, 30_000)

  afterAll(async () => {
    await browser?.close()
    await sandbox?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  async function startRelayWith(name: string, ticketDailyBudget: number): Promise<RelayHandle> {
    const relay = await startRelay({
      port: 0,
      host: '127.0.0.1',
      data: join(dir, name),
      wechat: sandbox.credentials(),
      ticketDailyBudget,
    })
    stops.push(() => relay.close())
    sandbox.setPushUrl(`${relay.url}/wechat`)
    return relay
  }

  async function startBooth(relay: RelayHandle, kioskId: string): Promise<Page> {
    const dataDir = join(dir, kioskId)
    mkdirSync(dataDir, { mode: 0o700 })
    openCampaignStore(dataDir).save(CAMPAIGN)
    saveSettings(dataDir, {
      ...defaultSettings(),
      activeCampaignId: CAMPAIGN.id,
      pool: { target: 2, marginSeconds: 30, maxInFlight: 1 },
    })
    const token = await relay.addKiosk(kioskId)
    const kiosk = await startKioskProcess(
      [
        ...['--port', '0', '--data', dataDir],
        ...['--relay', relay.url, '--kiosk-id', kioskId],
        ...['--ticket-source', 'proxy'],
      ],
      { SCANDESK_KIOSK_TOKEN: token, SCANDESK_ADMIN_PIN: PIN },
    )
    stops.push(() => kiosk.stop())
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } })
    stops.push(() => page.close())
    await page.goto(kiosk.kioskUrl)
    return page
  }

  /** The diagnostics page's notice, in zh-CN and then English (back to zh-CN after). */
  async function notices(page: Page, shot: string): Promise<{ zh: string; en: string }> {
    await unlockAdmin(page, PIN)
    await goHash(page, '#/admin/diagnostics')
    const notice = page.locator('[data-testid="supply-notice"]')
    // The page re-reads diagnostics every 5 s: the notice comes once the kiosk has been refused.
    // The visitor screen stays calm meanwhile: a code (or the fallback code), no error.
    await notice.waitFor({ timeout: 60_000 })
    await expect.poll(() => notice.textContent(), { timeout: 30_000 }).toContain('北京时间')
    const zh = (await notice.textContent()) ?? ''
    await screenshot(page, `${shot}-zh`)
    expect(await callKiosk(page, 'setLocale', { locale: 'en' })).toBe(200)
    await expect.poll(() => notice.textContent()).toContain('Per-visitor')
    const en = (await notice.textContent()) ?? ''
    await screenshot(page, `${shot}-en`)
    expect(await callKiosk(page, 'setLocale', { locale: 'zh-CN' })).toBe(200)
    return { zh: zh.trim(), en: en.trim() }
  }

  it("this kiosk's daily budget at the relay: the notice names the booth's limit", async () => {
    // One ticket a day: the first answer fills one, the next request is refused until midnight.
    const relay = await startRelayWith('relay-budget', 1)
    const page = await startBooth(relay, 'e2e-budget')
    const { zh, en } = await notices(page, 'supply-notice-budget')
    expect(zh).toContain('每人专属二维码今日已用完')
    expect(zh).toContain('本签到台的每日限额')
    expect(zh).toContain('北京时间 0 点后自动恢复')
    expect(zh).not.toContain('公众号')
    expect(en).toContain('Per-visitor codes are used up for today')
    expect(en).toContain("this booth's daily limit")
    expect(en).toContain('check-in still works')
    expect(en).toContain('Back after midnight Beijing time')
    expect(en).not.toContain('WeChat account')
  }, 240_000)

  it("the account's WeChat quota: the notice says every booth is affected", async () => {
    const relay = await startRelayWith('relay-quota', 0)
    const page = await startBooth(relay, 'e2e-quota')
    // The booth's fallback code exists before the quota runs out.
    await expect
      .poll(async () => (await relay.store.fallbackCode('e2e-quota'))?.url ?? null, {
        timeout: 30_000,
      })
      .not.toBeNull()
    sandbox.setFaults({ quotaAfter: 0 })
    const { zh, en } = await notices(page, 'supply-notice-quota')
    expect(zh).toContain('每人专属二维码今日已用完')
    expect(zh).toContain('公众号的微信每日额度')
    expect(zh).toContain('北京时间 0 点后自动恢复')
    expect(en).toContain("the WeChat account's daily quota")
    expect(en).toContain('Back after midnight Beijing time')
    expect(en).not.toContain("this booth's daily limit")
  }, 240_000)
})
