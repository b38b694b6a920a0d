/**
 * An organizer clears a booth's admin PIN lockout from the booth list, against the real relay
 * (SQLite, the built out/console) in real Chromium: the online booth has the button (an offline
 * one has none), a click says it was sent, in zh-CN, and the booth's live link gets the
 * `admin-unlock` frame. Screenshot: test-artifacts/console-admin-unlock.png.
 */
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { addOrganizer } from '../../relay/console/organizer-admin'
import { KioskClient } from '../relay/harness'
import { waitForStill } from './browser'
import { realConsoleRelay } from './real-console-relay'

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts')

const bed = realConsoleRelay({ name: 'admin-unlock' })
let kiosk: KioskClient | null = null
afterAll(async () => {
  await kiosk?.close()
})
const problems: string[] = []

it('clears an online booth’s PIN lockout from the booth list', async () => {
  const token = await bed.relay.addKiosk('hall-a')
  await bed.relay.addKiosk('hall-b')
  kiosk = await KioskClient.hello(bed.relay.url, token, { kioskId: 'hall-a' })

  const password = await addOrganizer(bed.relay.store, 'alice', Date.now())
  const context = await bed.browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'zh-CN',
  })
  const page = await context.newPage()
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(m.text())
  })
  await page.goto(`${bed.relay.url}/console/`)
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
