/**
 * The desk page in real Chromium when `kiosk web` is restarted under it (the page kept open, the
 * kiosk started again on the same port and data folder): the new kiosk has a new page key and
 * no admin session, and sends this page nothing. The desk must not go on saying "waiting" for a
 * guest: it gives way to the PIN pad saying the page's key is no longer valid, in the page's
 * language, as does the kiosk screen behind it, and the new address works with the PIN.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { goHash, unlockAdmin } from './browser'
import { demoKioskPage } from './demo-kiosk'
import { showGuestCode } from './desk-guest'
import { startKioskProcess, type KioskProcess } from './kiosk-process'

describe('the desk page when the kiosk restarts under it', () => {
  const demo = demoKioskPage({
    name: 'desk-restart',
    context: { viewport: { width: 1280, height: 800 } },
  })
  let again: KioskProcess | undefined

  afterAll(async () => {
    await again?.stop()
  }, 30_000)

  it('shows the PIN pad naming the stale key instead of a desk that never updates', async () => {
    const page = demo.page
    await showGuestCode(page, demo.kiosk, { name: '王小明', code: 'R1' })
    const port = new URL(demo.kiosk.kioskUrl).port
    await demo.kiosk.stop()
    again = await startKioskProcess(['--port', port, '--data', demo.dataDir])

    // The browser's reconnection to the new kiosk is refused (401): the page re-reads at once,
    // hears the key refused, and does not wait for the screen's periodic re-read (30 s). The
    // limit is a safety net, well under that and well over the stream's 2 s retry.
    const pad = page.locator('[data-testid="pin-pad"]')
    await pad.waitFor({ timeout: 15_000 })
    expect(await page.locator('[data-testid="desk-ticket"]').count()).toBe(0)
    expect(await pad.textContent()).toContain('页面密钥已失效')

    // The kiosk screen behind it says the same instead of a code that no longer moves on.
    await goHash(page, '#/')
    const notice = page.locator('[data-testid="page-key-rejected"]')
    await notice.waitFor({ timeout: 10_000 })
    expect(await notice.textContent()).toContain('请打开终端中显示的新地址')

    await page.goto(again.kioskUrl)
    expect(await notice.count()).toBe(0)
    await unlockAdmin(page, demo.pin)
    await goHash(page, '#/admin/desk')
    await page.locator('[data-testid="desk-result"]').first().waitFor()
    expect(demo.pageErrors).toEqual([])
  }, 90_000)
})
