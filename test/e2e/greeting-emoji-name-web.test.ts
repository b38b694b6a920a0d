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
import { z } from 'zod'
import { GREETING_IN, noted, noteWhen, screenshot } from './browser'
import type { KioskProcess } from './kiosk-process'
import { callKiosk } from './kiosk-process'
import { demoKioskPage } from './demo-kiosk'
import { greetRegisteredGuest } from './desk-guest'

const NAME = '王小明🎉'
const NAME_EN = 'Ming Wang🎉'
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

  /** In-page source: the greeting's name line, its text and its computed font-family. */
  const GREETING_LOOK = `(() => {
    const el = document.querySelector('[data-testid="greeting-text"]')
    return { text: el.textContent, fonts: getComputedStyle(el).fontFamily }
  })()`
  /** What GREETING_LOOK noted, the font-family as the families it lists. */
  const look = async (): Promise<{ text: string; fonts: string[] }> => {
    const { text, fonts } = z
      .object({ text: z.string(), fonts: z.string() })
      .parse(await noted(page))
    return { text, fonts: fonts.split(',').map((f) => f.trim().replace(/^["']|["']$/g, '')) }
  }

  it('is drawn with the emoji fonts at the end of its stack, in zh-CN and English', async () => {
    // Each read the moment its greeting is in: a greeting leaves by itself, sooner than a
    // screenshot and a language switch take on a loaded machine.
    await noteWhen(page, GREETING_IN, GREETING_LOOK)
    await greetRegisteredGuest(page, kiosk, {
      name: NAME,
      code: 'E1',
      openid: 'o_emoji_name_guest',
    })
    const zh = await look()
    await screenshot(page, 'greeting-emoji-name-zh')
    expect(zh.text).toContain(NAME)
    expect(zh.fonts.slice(-EMOJI_FONTS.length)).toEqual(EMOJI_FONTS)
    expect(zh.fonts).toEqual(
      expect.arrayContaining(['PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC']),
    )
    expect((await callKiosk(kiosk, 'setLocale', { locale: 'en' })).status).toBe(200)
    await expect.poll(() => page.evaluate('document.documentElement.lang')).toBe('en')
    // In English: the first greeting if it is still up once the page is, else another guest's.
    await noteWhen(page, `${GREETING_IN} && document.documentElement.lang === 'en'`, GREETING_LOOK)
    await greetRegisteredGuest(page, kiosk, {
      name: NAME_EN,
      code: 'E2',
      openid: 'o_emoji_name_guest_en',
    })
    const en = await look()
    await screenshot(page, 'greeting-emoji-name-en')
    expect(en.text).toMatch(new RegExp(`${NAME}|${NAME_EN}`))
    expect(en.fonts.slice(-EMOJI_FONTS.length)).toEqual(EMOJI_FONTS)
  }, 120_000)
})
