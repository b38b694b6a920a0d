/**
 * The admin PIN pad on a portrait kiosk (1080×1920, a totem at the booth) and a laptop
 * (1366×768), in real Chromium against `kiosk web` in demo mode: on the portrait screen the pad
 * sat at the top with two thirds of the screen empty below it. It is centred on both; a screen
 * too short for it (a laptop) still shows it whole from the top, scrolled as before.
 * Screenshots: test-artifacts/screenshots/pin-pad-1080x1920.png, pin-pad-1366x768.png.
 */
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { screenshot } from './browser'
import { demoKioskPage } from './demo-kiosk'

/** In-page source: the top of the pad's first line and the bottom of its last, and the viewport. */
const PAD_BOX = `(() => {
  const pad = document.querySelector('[data-testid="pin-pad"]')
  const kids = [...pad.children].map((c) => c.getBoundingClientRect())
  return {
    top: Math.min(...kids.map((r) => r.top)),
    bottom: Math.max(...kids.map((r) => r.bottom)),
    height: window.innerHeight,
    scroll: document.scrollingElement.scrollHeight,
  }
})()`
const boxSchema = z.object({
  top: z.number(),
  bottom: z.number(),
  height: z.number(),
  scroll: z.number(),
})

describe('the admin PIN pad', () => {
  const demo = demoKioskPage({
    name: 'pin-pad-centered',
    context: { viewport: { width: 1080, height: 1920 }, locale: 'zh-CN' },
  })

  it('sits in the middle of a portrait screen and a laptop screen', async () => {
    const { page } = demo
    await page.keyboard.press('Control+Shift+A')
    await page.locator('[data-testid="pin-pad"]').waitFor()
    for (const [width, height] of [
      [1080, 1920],
      [1366, 768],
    ] as const) {
      await page.setViewportSize({ width, height })
      await page.locator('[data-testid="pin-pad"] [data-key="enter"]').waitFor()
      await screenshot(page, `pin-pad-${width}x${height}`)
      const box = boxSchema.parse(await page.evaluate(PAD_BOX))
      const above = box.top
      const below = box.height - box.bottom
      if (box.bottom - box.top < box.height) {
        // The space above and below the pad differ by under a tenth of the screen.
        expect(
          Math.abs(above - below),
          `${width}x${height}: ${above} above, ${below} below`,
        ).toBeLessThan(height / 10)
      } else {
        // Taller than the screen: its top is on screen, the rest scrolls.
        expect(above).toBeGreaterThanOrEqual(0)
      }
    }
  }, 60_000)
})
