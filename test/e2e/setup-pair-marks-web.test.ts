/**
 * 配对 (Pair) on the setup page marks the field a failed pairing is down to, in real Chromium
 * against `kiosk web` in demo mode, as 测试连接 does: an address nothing answers at, or that is
 * no pairing relay, marks the relay address; a code the relay does not know marks the code. The
 * mark is the red error state, aria-invalid="true", the reason under the field (read by a screen
 * reader as the field's description), and the focus on it, in zh-CN and in English. Editing the field, or the next attempt, takes the mark away.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { focusedAsHeard, goHash, screenshot } from './browser'
import { demoKioskPage } from './demo-kiosk'
import { callKiosk } from './kiosk-process'
import { closedPort } from '../helpers/closed-port'

describe('setup page: a failed pairing marks the field at fault', () => {
  const demo = demoKioskPage({
    name: 'setup-pair-marks',
    context: { viewport: { width: 1024, height: 900 } },
    admin: true,
  })
  let page: Page

  beforeAll(async () => {
    page = demo.page
    await goHash(page, '#/admin/setup')
    await page.locator('#pairingCode').waitFor()
  }, 120_000)

  /** The field's mark as the page shows it: its box's state, aria-invalid, the words, the focus. */
  interface Mark {
    invalid: boolean
    aria: string | null
    text: string | null
    focused: boolean
  }
  const mark = (id: string) =>
    page.evaluate<Mark>(`(() => {
      const input = document.getElementById(${JSON.stringify(id)})
      const box = input && input.closest('.field')
      const error = document.querySelector('[data-error-for="${id}"]')
      return {
        invalid: !!box && box.classList.contains('invalid') &&
          getComputedStyle(input).borderTopColor === getComputedStyle(error || input).color,
        aria: input ? input.getAttribute('aria-invalid') : 'no input',
        text: error ? error.textContent.trim() : null,
        focused: document.activeElement === input,
      }
    })()`)
  const unmarked = { invalid: false, aria: null, text: null, focused: false }
  const marked = (text: unknown) => ({ invalid: true, aria: 'true', text, focused: true })
  const markedCount = () =>
    page.evaluate(
      `document.querySelectorAll('[aria-invalid="true"], .field.invalid, [data-error-for]').length`,
    )

  /** Presses 配对 and waits for the answer. */
  async function pair(relayUrl: string, code: string): Promise<void> {
    await page.locator('#relayUrl').fill(relayUrl)
    await page.locator('#pairingCode').fill(code)
    await page.locator('[data-testid="setup-submit"]').click()
    await expect
      .poll(() => page.locator('[data-testid="setup-submit"]').isEnabled(), { timeout: 20_000 })
      .toBe(true)
  }

  it('an address nothing answers at: the address is marked and focused, not the code', async () => {
    await pair(`http://127.0.0.1:${await closedPort()}`, 'ACDE-FGHJ')
    await expect.poll(() => mark('relayUrl')).toEqual(marked('无法连接中继 — 请检查地址和网络'))
    expect({ ...(await mark('pairingCode')), focused: false }).toEqual(unmarked)
    expect(await markedCount()).toBe(3)
    // What a screen reader on the focused address hears: invalid, and the message as its description.
    expect(await focusedAsHeard(page)).toMatchObject({
      invalid: 'true',
      description: '无法连接中继 — 请检查地址和网络',
    })
    await screenshot(page, 'setup-pair-unreachable-zh')
    expect((await callKiosk(demo.kiosk, 'setLocale', { locale: 'en' })).status).toBe(200)
    await expect
      .poll(() => mark('relayUrl'))
      .toEqual(marked('Cannot reach the relay — check the address and the network'))
    expect(await focusedAsHeard(page)).toMatchObject({
      description: 'Cannot reach the relay — check the address and the network',
    })
    expect((await callKiosk(demo.kiosk, 'setLocale', { locale: 'zh-CN' })).status).toBe(200)
    // Editing the address takes the mark away.
    await page.locator('#relayUrl').fill('http://127.0.0.1:1')
    await expect.poll(() => mark('relayUrl')).toEqual({ ...unmarked, focused: true })
  }, 60_000)

  it('an address that answers but is no pairing relay marks the address', async () => {
    const sandbox = demo.kiosk.sandboxUrl
    if (sandbox === null) throw new Error('demo mode printed no sandbox address')
    await pair(sandbox, 'ACDE-FGHJ')
    await expect
      .poll(() => mark('relayUrl'))
      .toEqual(marked(expect.stringContaining('不是支持配对的 ScanDesk 中继')))
    expect(await markedCount()).toBe(3)
  }, 60_000)

  it('a code the relay does not know marks the code, and the address mark goes', async () => {
    const relay = demo.kiosk.relayUrl
    if (relay === null) throw new Error('demo mode printed no relay address')
    await pair(relay, 'ACDE-FGHJ')
    await expect
      .poll(() => mark('pairingCode'))
      .toEqual(marked(expect.stringContaining('中继不认识这个配对码')))
    expect({ ...(await mark('relayUrl')), focused: false }).toEqual(unmarked)
    expect(await markedCount()).toBe(3)
    await screenshot(page, 'setup-pair-code-unknown-zh')
    expect((await callKiosk(demo.kiosk, 'setLocale', { locale: 'en' })).status).toBe(200)
    await expect
      .poll(() => mark('pairingCode'))
      .toEqual(marked(expect.stringContaining('has expired (codes last 15 minutes)')))
    expect((await callKiosk(demo.kiosk, 'setLocale', { locale: 'zh-CN' })).status).toBe(200)
    await page.locator('#pairingCode').fill('')
    await expect.poll(() => markedCount()).toBe(0)
  }, 60_000)
})
