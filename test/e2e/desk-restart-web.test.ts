/**
 * The desk page in real Chromium when `kiosk web` is restarted under it (the page kept open, the
 * kiosk started again on the same port and data folder): the new kiosk has a new page key and
 * no admin session, and sends this page nothing. The desk must not go on saying "waiting" for a
 * guest: it gives way to the PIN pad saying the page's key is no longer valid, in the page's
 * language, as does the kiosk screen behind it, and the new address works with the PIN.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { Page } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { goHash, unlockAdmin } from './browser'
import { demoKioskPage } from './demo-kiosk'
import { showGuestCode } from './desk-guest'
import { startKioskProcess, type KioskProcess } from './kiosk-process'

/**
 * After the restart: the PIN pad says the page's key is no longer valid, the kiosk screen behind
 * it too, and the new address works with the PIN.
 */
async function expectStaleKeyNoticed(page: Page, again: KioskProcess, pin: string): Promise<void> {
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
  await unlockAdmin(page, pin)
  await goHash(page, '#/admin/desk')
  await page.locator('[data-testid="desk-result"]').first().waitFor()
}

/**
 * The port as `kiosk web` holds it while it starts (listenWeb): every request answered 503
 * "the kiosk is starting". Resolves `heard` once the page's event stream and its re-read of
 * the screen have both been answered so.
 */
async function holdPortStarting(
  port: number,
): Promise<{ heard: Promise<void>; close(): Promise<void> }> {
  const paths = new Set<string>()
  let heardAll = (): void => {}
  const heard = new Promise<void>((resolve) => (heardAll = resolve))
  const server: Server = createServer((req: IncomingMessage, res) => {
    paths.add(new URL(req.url ?? '/', 'http://127.0.0.1').pathname)
    res
      .writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' })
      .end('the kiosk is starting')
    if (paths.has('/api/events') && paths.has('/api/call/getScreenState')) heardAll()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  return {
    heard,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

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

    await expectStaleKeyNoticed(page, again, demo.pin)
    expect(demo.pageErrors).toEqual([])
  }, 90_000)
})

describe('the desk page when its stream reconnects while the kiosk is still starting', () => {
  const demo = demoKioskPage({
    name: 'desk-restart-starting',
    context: { viewport: { width: 1280, height: 800 } },
  })
  let again: KioskProcess | undefined

  afterAll(async () => {
    await again?.stop()
  }, 30_000)

  // The browser retries its stream every 2 s; `kiosk web` answers 503 from its listen until it
  // is set up (a second or more on a busy machine). A retry landing there is a refusal to the
  // browser, which then stops reconnecting: the page must still hear of the new key.
  it('notices the stale key once the kiosk is up, though its stream was refused meanwhile', async () => {
    const page = demo.page
    await showGuestCode(page, demo.kiosk, { name: '李小红', code: 'R2' })
    const port = Number(new URL(demo.kiosk.kioskUrl).port)
    await demo.kiosk.stop()
    const starting = await holdPortStarting(port)
    try {
      await starting.heard
    } finally {
      await starting.close()
    }
    // The page opens its stream again by itself (the browser would not), so the new kiosk's
    // 401 reaches it, rather than only the screen's re-read every 30 s.
    const retried = page.waitForRequest((r) => r.url().includes('/api/events'), {
      timeout: 20_000,
    })
    again = await startKioskProcess(['--port', String(port), '--data', demo.dataDir])
    await retried
    await expectStaleKeyNoticed(page, again, demo.pin)
    expect(demo.pageErrors).toEqual([])
  }, 90_000)
})
