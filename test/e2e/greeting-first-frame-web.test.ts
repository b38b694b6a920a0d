/**
 * The first frame a greeting is painted in shows it (issue 22 item 4): the overlay faded in from
 * opacity 0, so the frame the scan → greeting time counts to showed nothing, and the visitor saw
 * the greeting only some frames later. In real Chromium against `kiosk web` in demo mode: the
 * overlay's opacity in the first animation frame after it entered the DOM (the frame Vue's
 * enter classes are painted in) is most of the way in; with reduced motion, fully in and at
 * full size (no transition: a first frame at 0.75 and 92 % would be a visible jump).
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { readScreenCode } from './browser'
import { demoKioskPage } from './demo-kiosk'
import type { KioskProcess } from './kiosk-process'
import { phoneScan } from './phone'

/**
 * In-page source: notes (window.__firstFrameOpacity) the greeting's opacity in the first
 * animation frame after it appears.
 */
const WATCH_FIRST_FRAME = `(() => {
  window.__firstFrameOpacity = null
  window.__firstFrameCard = null
  const observer = new MutationObserver(() => {
    const el = document.querySelector('[data-testid="greeting"]')
    if (!el) return
    observer.disconnect()
    requestAnimationFrame(() => {
      window.__firstFrameCard = getComputedStyle(el.querySelector('.card')).transform
      window.__firstFrameOpacity = Number(getComputedStyle(el).opacity)
    })
  })
  observer.observe(document, { childList: true, subtree: true })
})()`

describe('a greeting in its first painted frame', () => {
  const demo = demoKioskPage({
    name: 'greeting-first-frame',
    context: { viewport: { width: 1280, height: 720 }, locale: 'zh-CN' },
  })
  let kiosk: KioskProcess
  let page: Page

  beforeAll(() => {
    ;({ kiosk, page } = demo)
  })

  it('is visible, not the start of a fade from nothing', async () => {
    const sandbox = kiosk.sandboxUrl
    expect(sandbox).toBeTruthy()
    const code = await readScreenCode(page, 'greeting-first-frame-code')
    await page.evaluate(WATCH_FIRST_FRAME)
    await phoneScan(sandbox ?? '', code, 'o_first_frame_visitor')
    const noted = z.number().nullable()
    await expect
      .poll(async () => noted.parse(await page.evaluate('window.__firstFrameOpacity')))
      .not.toBeNull()
    const first = noted.parse(await page.evaluate('window.__firstFrameOpacity'))
    expect(first).toBeGreaterThanOrEqual(0.5)
    // It still ends fully in.
    const opacityNow = `(() => {
      const el = document.querySelector('[data-testid="greeting"]')
      return el ? getComputedStyle(el).opacity : null
    })()`
    await expect
      .poll(async () =>
        z
          .string()
          .nullable()
          .parse(await page.evaluate(opacityNow)),
      )
      .toBe('1')
  }, 60_000)

  it('with reduced motion, is fully in from its first frame: no jump from 0.75 and 92 %', async () => {
    await page.emulateMedia({ reducedMotion: 'reduce' })
    await page.locator('[data-testid="greeting"]').waitFor({ state: 'detached', timeout: 30_000 })
    const code = await readScreenCode(page, 'greeting-first-frame-reduced-code')
    await page.evaluate(WATCH_FIRST_FRAME)
    await phoneScan(kiosk.sandboxUrl ?? '', code, 'o_first_frame_reduced')
    const noted = z.number().nullable()
    await expect
      .poll(async () => noted.parse(await page.evaluate('window.__firstFrameOpacity')))
      .not.toBeNull()
    expect(noted.parse(await page.evaluate('window.__firstFrameOpacity'))).toBe(1)
    expect(z.string().parse(await page.evaluate('window.__firstFrameCard'))).toBe('none')
  }, 60_000)
})
