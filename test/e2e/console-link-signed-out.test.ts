/**
 * A console download link opened in WeChat's built-in browser (Chromium with WeChat's
 * User-Agent) by someone not signed in there, against the REAL relay: the link copied into a
 * chat, or WeChat's "Open in browser" from a sheet it previewed. The page says, in Chinese and
 * English, to sign in to the console first, and its link opens the console's sign-in.
 * Screenshot: test-artifacts/screenshots/console-link-signed-out.png.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay, type RelayHandle } from '../../relay/server'
import { launchChromium, screenshot } from './browser'
import { assertConsoleBuilt, CONSOLE_DIR } from './fake-console-relay'
import { WECHAT_ANDROID_UA } from '../helpers/wechat-user-agents'

describe('a download link opened signed out in WeChat (Chromium, the real relay)', () => {
  let dir: string
  let relay: RelayHandle
  let browser: Browser

  beforeAll(async () => {
    assertConsoleBuilt()
    dir = mkdtempSync(join(tmpdir(), 'scandesk-e2e-signed-out-'))
    relay = await startRelay({
      port: 0,
      host: '127.0.0.1',
      data: join(dir, 'relay'),
      wechat: { token: 'signedOutToken' },
      consoleDir: CONSOLE_DIR,
    })
    browser = await launchChromium()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await relay?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('says to sign in to the console first, both languages, and links to its sign-in', async () => {
    const context = await browser.newContext({
      userAgent: WECHAT_ANDROID_UA,
      viewport: { width: 390, height: 800 },
      isMobile: true,
      locale: 'zh-CN',
    })
    try {
      const page = await context.newPage()
      const res = await page.goto(`${relay.url}/console/api/attendance?format=xlsx&lang=zh-CN`)
      expect(res?.status()).toBe(401)
      const text = await page.locator('body').innerText()
      expect(text).toContain('请先登录控制台')
      expect(text).toContain('在浏览器打开')
      expect(text).toContain('Sign in to the console first')
      expect(text).not.toContain('"error"')
      await screenshot(page, 'console-link-signed-out')
      await page.getByRole('link', { name: '打开控制台' }).click()
      await page.locator('[data-testid="sign-in"]').waitFor()
      expect(new URL(page.url()).pathname).toBe('/console/')
    } finally {
      await context.close()
    }
  }, 60_000)
})
