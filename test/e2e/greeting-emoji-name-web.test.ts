/**
 * A guest whose roster name carries an emoji ("王小明🎉", as WeChat names often do) checks in at
 * the desk, in real Chromium against `kiosk web` in demo mode: the greeting's name is drawn with
 * a stack that ends with the platforms' emoji fonts (Apple Color Emoji, Segoe UI Emoji, Noto
 * Color Emoji), in Chinese and in English, so the emoji is not a box where the system's fallback
 * would not find one. Screenshot: test-artifacts/screenshots/greeting-emoji-name-*.png (the
 * emoji shows in colour where fonts-noto-color-emoji is installed).
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { screenshot } from './browser'
import type { KioskProcess } from './kiosk-process'
import { callKiosk } from './kiosk-process'
import { demoKioskPage } from './demo-kiosk'
import { greetRegisteredGuest } from './desk-guest'

const NAME = '王小明🎉'
const EMOJI_FONTS = ['Apple Color Emoji', 'Segoe UI Emoji', 'Noto Color Emoji']

describe('a greeting for a name with an emoji', () => {
  const demo = demoKioskPage({
    name: 'emoji-greeting',
    context: { viewport: { width: 1366, height: 768 } },
  })
  let kiosk: KioskProcess
  let page: Page

  beforeAll(() => {
    ;({ kiosk, page } = demo)
  })

  /** The greeting name's computed font-family, as the families it lists. */
  const nameFonts = async (): Promise<string[]> =>
    (
      await page.evaluate<string>(
        `getComputedStyle(document.querySelector('[data-testid="greeting-text"]')).fontFamily`,
      )
    )
      .split(',')
      .map((f) => f.trim().replace(/^["']|["']$/g, ''))

  it('is drawn with the emoji fonts at the end of its stack, in zh-CN and English', async () => {
    await greetRegisteredGuest(page, kiosk, {
      name: NAME,
      code: 'E1',
      openid: 'o_emoji_name_guest',
    })
    expect(await page.locator('[data-testid="greeting-text"]').textContent()).toContain(NAME)
    await screenshot(page, 'greeting-emoji-name-zh')
    const zh = await nameFonts()
    expect(zh.slice(-EMOJI_FONTS.length)).toEqual(EMOJI_FONTS)
    expect(zh).toEqual(
      expect.arrayContaining(['PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC']),
    )
    expect((await callKiosk(kiosk, 'setLocale', { locale: 'en' })).status).toBe(200)
    await expect.poll(() => page.evaluate('document.documentElement.lang')).toBe('en')
    expect((await nameFonts()).slice(-EMOJI_FONTS.length)).toEqual(EMOJI_FONTS)
    await screenshot(page, 'greeting-emoji-name-en')
  }, 60_000)
})
