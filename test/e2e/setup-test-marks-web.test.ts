/**
 * 测试连接 on the setup page marks the field a failed check is down to, in real Chromium against
 * `kiosk web` in demo mode, as saving marks a bad field: the red error state, aria-invalid="true"
 * and the reason under it, in zh-CN and in English. Editing the field, or a later check that
 * passes, takes the mark away; a passing check marks nothing.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { goHash, screenshot } from './browser'
import { demoKioskPage } from './demo-kiosk'
import { callKiosk } from './kiosk-process'
import { closedPort } from '../helpers/closed-port'

describe('setup page: 测试连接 marks the field at fault', () => {
  const demo = demoKioskPage({
    name: 'setup-marks',
    context: { viewport: { width: 1024, height: 900 } },
    admin: true,
  })
  let page: Page

  beforeAll(async () => {
    page = demo.page
    await goHash(page, '#/admin/setup')
    await page.locator('[data-testid="setup-mode"]').waitFor()
  }, 120_000)

  /** The field's mark as the page shows it: its box's state, the input's aria-invalid, the words. */
  const mark = (id: string) =>
    page.evaluate(`(() => {
      const input = document.getElementById(${JSON.stringify(id)})
      const box = input && input.closest('.field')
      const error = document.querySelector('[data-error-for="${id}"]')
      return {
        // The red state: the box's border in the error text's colour.
        invalid: !!box && box.classList.contains('invalid') &&
          getComputedStyle(input).borderTopColor === getComputedStyle(error || input).color,
        aria: input ? input.getAttribute('aria-invalid') : 'no input',
        text: error ? error.textContent.trim() : null,
      }
    })()`)
  const unmarked = { invalid: false, aria: null, text: null }
  const marked = (text: unknown) => ({ invalid: true, aria: 'true', text })
  const markedCount = () =>
    page.evaluate(
      `document.querySelectorAll('[aria-invalid="true"], .field.invalid, [data-error-for]').length`,
    )

  /** Presses 测试连接 and waits for both checks' answer. */
  async function runTest(): Promise<string> {
    const before = await page.locator('[data-testid="test-connection"]').textContent()
    await page.locator('[data-testid="test-connection"]').click()
    await expect
      .poll(() => page.locator('[data-testid="test-connection"]').isEnabled(), { timeout: 20_000 })
      .toBe(true)
    await expect
      .poll(() => page.locator('[data-testid="test-connection"]').textContent())
      .toBe(before)
    return (await page.locator('[data-testid="connection-check"]').textContent()) ?? ''
  }

  it('a relay address on plain http:// to another host: marked, in Chinese and English', async () => {
    await page.locator('#relayUrl').fill('http://relay.example.com')
    const check = await runTest()
    expect(check).toContain('✗')
    await expect
      .poll(() => mark('relayUrl'))
      .toEqual(marked(expect.stringContaining('只有本机地址')))
    await screenshot(page, 'setup-marks-insecure-zh')
    expect((await callKiosk(demo.kiosk, 'setLocale', { locale: 'en' })).status).toBe(200)
    await expect
      .poll(() => mark('relayUrl'))
      .toEqual(marked(expect.stringContaining('Plain http:// is only for this computer')))
    expect((await callKiosk(demo.kiosk, 'setLocale', { locale: 'zh-CN' })).status).toBe(200)
  }, 60_000)

  it('editing the field takes the mark away; an address nothing answers at is marked', async () => {
    await page.locator('#relayUrl').fill(`http://127.0.0.1:${await closedPort()}`)
    await expect.poll(() => mark('relayUrl')).toEqual(unmarked)
    await runTest()
    await expect.poll(() => mark('relayUrl')).toEqual(marked('无法连接 — 请检查网络和地址是否正确'))
  }, 60_000)

  it('a pairing code that cannot be one is marked, without spending it', async () => {
    await page.locator('#pairingCode').fill('ACDE-FGH0')
    await runTest()
    await expect.poll(() => mark('pairingCode')).toEqual(marked(expect.stringContaining('8 位')))
    await page.locator('#pairingCode').fill('')
    await expect.poll(() => mark('pairingCode')).toEqual(unmarked)
  }, 60_000)

  it('direct codes: an AppID WeChat refuses is marked, in Chinese and English', async () => {
    const sandbox = demo.kiosk.sandboxUrl
    if (sandbox === null) throw new Error('demo mode printed no sandbox address')
    await page.locator('input[name="source"][value="direct"]').check()
    await page.locator('#apiBase').fill(sandbox)
    await page.locator('#appId').fill(`wx${'f'.repeat(16)}`)
    await page.locator('#appSecret').fill('a'.repeat(32))
    await runTest()
    await expect.poll(() => mark('appId')).toEqual(marked('AppID 或 AppSecret 不正确'))
    await screenshot(page, 'setup-marks-appid-zh')
    expect((await callKiosk(demo.kiosk, 'setLocale', { locale: 'en' })).status).toBe(200)
    await expect.poll(() => mark('appId')).toEqual(marked('AppID or AppSecret is wrong'))
    expect((await callKiosk(demo.kiosk, 'setLocale', { locale: 'zh-CN' })).status).toBe(200)
    expect(await mark('appSecret')).toEqual(unmarked)
  }, 60_000)

  it('a later check that passes takes every mark away, and marks nothing', async () => {
    const relay = demo.kiosk.relayUrl
    if (relay === null) throw new Error('demo mode printed no relay address')
    // The relay still marked from before, and the AppID.
    await runTest()
    await expect.poll(() => mark('relayUrl')).toEqual(marked('无法连接 — 请检查网络和地址是否正确'))
    await page.locator('input[name="source"][value="proxy"]').check()
    await page.locator('#relayUrl').fill(relay)
    const check = await runTest()
    expect(check).toContain('✓ 中继：正常')
    expect(await markedCount()).toBe(0)
    await screenshot(page, 'setup-marks-passed')
  }, 60_000)
})
