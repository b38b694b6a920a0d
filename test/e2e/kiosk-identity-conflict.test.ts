/**
 * Two booths booted from one cloned disk image: two `kiosk web` with the same kiosk id and
 * token against one relay. The relay keeps only the newest link per id, so they keep replacing
 * each other (4409) and the scans are split between them; the kiosk screen in Chromium says
 * another kiosk is using this booth's identity, and the admin diagnostics say what to do.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay, type RelayHandle } from '../../relay/server'
import { startSandbox, type Sandbox } from '../../sandbox/server'
import { callKiosk, goHash, launchChromium, screenshot, unlockAdmin } from './browser'
import { assertRendererBuilt, startKioskProcess, type KioskProcess } from './kiosk-process'

const KIOSK_ID = 'e2e-clone'
const PIN = '2468'

describe('two kiosks with one identity (Chromium)', () => {
  let dir: string
  let sandbox: Sandbox
  let relay: RelayHandle
  const kiosks: KioskProcess[] = []
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    assertRendererBuilt()
    dir = mkdtempSync(join(tmpdir(), 'scandesk-e2e-clone-'))
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' })
    relay = await startRelay({
      port: 0,
      host: '127.0.0.1',
      data: join(dir, 'relay'),
      wechat: sandbox.credentials(),
    })
    const token = await relay.addKiosk(KIOSK_ID)
    for (const name of ['a', 'b']) {
      kiosks.push(
        await startKioskProcess(
          [
            ...['--port', '0', '--data', join(dir, name)],
            ...['--relay', relay.url, '--kiosk-id', KIOSK_ID],
            ...['--ticket-source', 'proxy'],
          ],
          { SCANDESK_KIOSK_TOKEN: token, SCANDESK_ADMIN_PIN: PIN },
        ),
      )
    }
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } })
    await page.goto(kiosks[0]?.kioskUrl ?? '')
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    for (const k of kiosks) await k.stop()
    await relay?.close()
    await sandbox?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  it('the status corner and diagnostics name the other kiosk, in zh-CN and English', async () => {
    const corner = page.locator('[data-testid="status-relay"]')
    await expect
      .poll(() => corner.textContent(), { timeout: 30_000 })
      .toBe('另一台设备在使用本签到台的身份')
    expect(await corner.getAttribute('data-level')).toBe('bad')
    // The banner says what is wrong and what to do, not "network down, scans still collected"
    // (which tells staff to wait), and stays up while the link is briefly back.
    const banner = page.locator('[data-testid="offline-banner"]')
    await expect
      .poll(() => banner.textContent(), { timeout: 15_000 })
      .toContain('另一台设备在使用本签到台的身份')
    expect(await banner.textContent()).toContain('请关掉另一台')
    expect(await banner.textContent()).not.toContain('网络连接中断')
    await screenshot(page, 'kiosk-identity-conflict')

    await unlockAdmin(page, PIN)
    await goHash(page, '#/admin/diagnostics')
    const fact = page.locator('[data-fact="relayError"]')
    await expect.poll(() => fact.textContent(), { timeout: 15_000 }).toContain('请关掉另一台')
    await callKiosk(page, 'setLocale', { locale: 'en' })
    await expect
      .poll(() => fact.textContent(), { timeout: 15_000 })
      .toContain("Another device is using this booth's identity")
    await screenshot(page, 'kiosk-identity-conflict-diagnostics-en')
    await goHash(page, '#/')
    await expect
      .poll(() => banner.textContent(), { timeout: 15_000 })
      .toContain("Another device is using this booth's identity")
    expect(await banner.textContent()).toContain('turn the other device off')
  }, 60_000)
})
