/**
 * A registered guest with a long name (60 characters: English, with a title and an emoji) is
 * shown their code from the desk page of `kiosk web` in demo mode, in real Chromium. The line
 * under the code on a portrait screen ("<name>, please scan to check in") wrapped over the
 * screen's width with its text centred and the WeChat scan mark left behind at the screen's
 * left edge, a hand's width from the words it marks. The mark must stay right before the
 * text's first line (beside it, a space's width from it), at every screen size, and the line
 * whole on screen and clear of the code.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { screenshot, waitForSteadyCode } from './browser'
import { demoKioskPage } from './demo-kiosk'
import { longRotation, showGuestCode } from './desk-guest'
import type { KioskProcess } from './kiosk-process'

const GUEST = 'Maximilian Alexander von Hohenzollern-Sigmaringen 🎉 Director'

const box = z.object({ left: z.number(), top: z.number(), right: z.number(), bottom: z.number() })
const lineSchema = z.object({
  mark: box,
  firstLine: box,
  lines: box,
  card: box,
  text: z.string(),
  fontSize: z.number(),
  viewport: z.object({ width: z.number(), height: z.number() }),
})

/** In-page source: the scan mark, the instruction's text (its first line, all of it), the code. */
const LINE = `(() => {
  const plain = (r) => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom })
  const line = document.querySelector('[data-testid="instruction"]')
  const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT)
  let node = walker.nextNode()
  while (node && !node.textContent.trim()) node = walker.nextNode()
  const range = document.createRange()
  range.selectNodeContents(node)
  return {
    mark: plain(line.querySelector('svg').getBoundingClientRect()),
    firstLine: plain(range.getClientRects()[0]),
    lines: plain(range.getBoundingClientRect()),
    card: plain(document.querySelector('[data-testid="qr-card"]').getBoundingClientRect()),
    text: node.textContent.trim(),
    fontSize: parseFloat(getComputedStyle(node.parentElement).fontSize),
    viewport: { width: innerWidth, height: innerHeight },
  }
})()`

describe('the line under a registered guest’s code, with a long name', () => {
  const demo = demoKioskPage({
    name: 'guest-name-line',
    context: { viewport: { width: 1920, height: 1080 } },
  })
  let kiosk: KioskProcess
  let page: Page

  beforeAll(() => {
    ;({ kiosk, page } = demo)
  })

  it('keeps the scan mark right before the name at every screen size', async () => {
    // Kept up through every size, not one rotation (30 s) of them.
    await longRotation(kiosk)
    await showGuestCode(page, kiosk, { name: GUEST, code: 'L60' })
    await page.locator('[data-testid="admin-lock"]').click()
    for (const [width, height] of [
      [768, 1024],
      [1080, 1920],
      [1024, 768],
      [1920, 1080],
    ] as const) {
      const size = `${width}x${height}`
      await page.setViewportSize({ width, height })
      await waitForSteadyCode(page)
      await screenshot(page, `kiosk-guest-name-${size}`)
      const l = lineSchema.parse(await page.evaluate(LINE))
      expect(l.text, size).toContain(GUEST)
      // Before the first line, no more than a space's width or so from its first letter.
      expect(l.mark.right, `${size}: mark after the text starts`).toBeLessThanOrEqual(
        l.firstLine.left + 1,
      )
      expect(l.firstLine.left - l.mark.right, `${size}: mark far from the text`).toBeLessThan(
        l.fontSize,
      )
      // Beside the first line, not alone on a line of its own above it.
      const markMiddle = (l.mark.top + l.mark.bottom) / 2
      expect(
        markMiddle > l.firstLine.top && markMiddle < l.firstLine.bottom,
        `${size}: mark beside the first line`,
      ).toBe(true)
      expect(
        {
          onScreen:
            l.lines.left >= 0 &&
            l.lines.right <= l.viewport.width &&
            l.mark.left >= 0 &&
            l.lines.bottom <= l.viewport.height,
          clearOfCode: l.lines.top >= l.card.bottom || l.lines.right <= l.card.left,
        },
        size,
      ).toEqual({ onScreen: true, clearOfCode: true })
    }
  }, 120_000)
})
