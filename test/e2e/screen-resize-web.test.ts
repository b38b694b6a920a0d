/**
 * The kiosk window changes size under a code already on screen: the display's resolution
 * settles after start (a venue TV, a projector), or staff turn the screen from landscape to
 * portrait. In real Chromium against `kiosk web` in demo mode, the code must shrink with the
 * window: it was sized once for the larger window and then held its own stage open, so a
 * 1366×768 code stayed 656 px wide at 1024×768 and ran off the right edge, its finder pattern
 * and quiet zone cut (a phone cannot read that).
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { readScreenCode, waitForSteadyCode } from './browser'
import { demoKioskPage } from './demo-kiosk'

const boxSchema = z.object({
  card: z.object({ left: z.number(), top: z.number(), right: z.number(), bottom: z.number() }),
  viewport: z.object({ width: z.number(), height: z.number() }),
})

/** In-page source: the code's card and the window, as laid out now. */
const LAYOUT = `(() => {
  const r = document.querySelector('[data-testid="qr-card"]').getBoundingClientRect()
  return {
    card: { left: r.left, top: r.top, right: r.right, bottom: r.bottom },
    viewport: { width: innerWidth, height: innerHeight },
  }
})()`

/** In-page source: LAYOUT two animation frames from now (a resize observer's turn and a redraw). */
const LAYOUT_NEXT_FRAMES = `new Promise((done) =>
  requestAnimationFrame(() => requestAnimationFrame(() => done(${LAYOUT}))),
)`

describe('the code when the kiosk window changes size', () => {
  const demo = demoKioskPage({
    name: 'screen-resize',
    context: { viewport: { width: 1920, height: 1080 } },
  })
  let page: Page

  beforeAll(() => {
    ;({ page } = demo)
  })

  /**
   * The card's box once the layout has settled at the new size: the stage's resize observer
   * measures a frame after the resize and Vue redraws the card after that, later still on a busy
   * machine, so the box is read until it is the same two frames apart, the window at its size.
   */
  async function cardAt(width: number, height: number) {
    await page.setViewportSize({ width, height })
    await waitForSteadyCode(page)
    const deadline = Date.now() + 20_000
    let last = ''
    for (;;) {
      const box = boxSchema.parse(await page.evaluate(LAYOUT_NEXT_FRAMES))
      const now = JSON.stringify(box)
      const sized = box.viewport.width === width && box.viewport.height === height
      if (sized && now === last) return box
      if (Date.now() > deadline) throw new Error(`layout not settled at ${width}×${height}: ${now}`)
      last = now
    }
  }

  for (const [from, to] of [
    [
      [1920, 1080],
      [1366, 768],
    ],
    [
      [1366, 768],
      [1024, 768],
    ],
    [
      [1920, 1080],
      [1080, 1920],
    ],
    [
      [1080, 1920],
      [1920, 1080],
    ],
  ] as const) {
    it(`shrinks with the window from ${from.join('×')} to ${to.join('×')}, whole and readable`, async () => {
      await cardAt(from[0], from[1])
      const { card, viewport } = await cardAt(to[0], to[1])
      expect({
        left: card.left >= 0,
        top: card.top >= 0,
        right: card.right <= viewport.width,
        bottom: card.bottom <= viewport.height,
      }).toEqual({ left: true, top: true, right: true, bottom: true })
      expect(
        await readScreenCode(page, `screen-resize-${from.join('x')}-to-${to.join('x')}`),
      ).toMatch(/^https?:\/\//)
    }, 60_000)
  }
})
