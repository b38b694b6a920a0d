/**
 * An organizer clears a booth's admin PIN lockout from the booth list, against the real relay
 * (SQLite, the built out/console) in real Chromium: the online booth has the button (an offline
 * one has none), a click says it was sent, in zh-CN, and the booth's live link gets the
 * `admin-unlock` frame. Screenshot: test-artifacts/console-admin-unlock.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { addOrganizer } from '../../relay/console/organizer-admin'
import { startRelay, type RelayHandle } from '../../relay/server'
import { KioskClient } from '../relay/harness'
import { launchChromium, waitForStill } from './browser'
import { assertConsoleBuilt, CONSOLE_DIR } from './fake-console-relay'

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts')

let dir: string
let relay: RelayHandle
let browser: Browser
let kiosk: KioskClient | null = null
const problems: string[] = []

beforeAll(async () => {
  assertConsoleBuilt()
  dir = mkdtempSync(join(tmpdir(), 'scandesk-e2e-admin-unlock-'))
  relay = await startRelay({
    port: 0,
    host: '127.0.0.1',
    data: join(dir, 'relay'),
    wechat: { token: 'adminUnlockE2eToken' },
    consoleDir: CONSOLE_DIR,
  })
  browser = await launchChromium()
}, 60_000)

afterAll(async () => {
  await kiosk?.close()
  await browser?.close()
  await relay?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

it('clears an online booth’s PIN lockout from the booth list', async () => {
  const token = await relay.addKiosk('hall-a')
  await relay.addKiosk('hall-b')
  kiosk = await KioskClient.hello(relay.url, token, { kioskId: 'hall-a' })

  const password = await addOrganizer(relay.store, 'alice', Date.now())
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'zh-CN',
  })
  const page = await context.newPage()
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(m.text())
  })
  await page.goto(`${relay.url}/console/`)
  await page.fill('#sign-in-name', 'alice')
  await page.fill('#sign-in-password', password)
  await page.click('[data-testid="sign-in-submit"]')
  await page.locator('[data-testid="page-booths"]').waitFor()

  const button = page.locator('[data-kiosk="hall-a"] [data-testid="admin-unlock"]')
  await button.waitFor()
  expect(await page.locator('[data-kiosk="hall-b"] [data-testid="admin-unlock"]').count()).toBe(0)
  expect(await button.textContent()).toContain('解除 PIN 锁定')
  await button.click()
  const sent = page.locator('[data-testid="admin-unlock-sent"]')
  await sent.waitFor()
  expect(await sent.textContent()).toContain('已通知“hall-a”解除管理区 PIN 锁定')
  await kiosk.waitFor((f) => f.type === 'admin-unlock')

  mkdirSync(ARTIFACTS, { recursive: true })
  await waitForStill(page)
  await page.screenshot({ path: resolve(ARTIFACTS, 'console-admin-unlock.png') })
  await context.close()
  expect(problems).toEqual([])
}, 60_000)
