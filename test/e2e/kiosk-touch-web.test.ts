/**
 * The kiosk on a touch screen, in real Chromium (touch input through DevTools'
 * `Input.dispatchTouchEvent`, one finger or several) against `kiosk web` in demo mode: what
 * staff's fingers on the PIN pad enter.
 * Screenshot: test-artifacts/screenshots/kiosk-touch-pin-typed-1080x1920.png.
 */
import type { CDPSession, Page } from 'playwright-core'
import { beforeAll, describe, it } from 'vitest'
import { screenshot, waitForPage } from './browser'
import { demoKioskPage } from './demo-kiosk'

interface Point {
  x: number
  y: number
}

/** The middle of the first element `selector` finds. */
async function centreOf(page: Page, selector: string): Promise<Point> {
  const box = await page.locator(selector).boundingBox()
  if (box === null) throw new Error(`${selector} is not on screen`)
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 }
}

/**
 * Fingers on the screen: `down(id, at)` puts one more down (DevTools wants every finger still
 * down on a touchStart), `up(id)` lifts that one (a touchEnd lists only the fingers lifted).
 */
function fingers(cdp: CDPSession) {
  const on = new Map<number, Point>()
  return {
    down: (id: number, at: Point) => {
      on.set(id, at)
      return cdp.send('Input.dispatchTouchEvent', {
        type: 'touchStart',
        touchPoints: [...on].map(([i, p]) => ({ id: i, ...p })),
      })
    },
    up: (id: number) => {
      const at = on.get(id)
      if (at === undefined) throw new Error(`finger ${id} is not down`)
      on.delete(id)
      return cdp.send('Input.dispatchTouchEvent', {
        type: 'touchEnd',
        touchPoints: [{ id, ...at }],
      })
    },
  }
}

const FILLED = `document.querySelectorAll('[data-testid="pin-dots"] .filled').length`

describe('the PIN pad under fingers', () => {
  const demo = demoKioskPage({
    name: 'kiosk-touch',
    context: { viewport: { width: 1080, height: 1920 }, hasTouch: true, locale: 'zh-CN' },
  })
  let cdp: CDPSession

  beforeAll(async () => {
    cdp = await demo.page.context().newCDPSession(demo.page)
  })

  /** The PIN pad, empty, from wherever the test before left the page. */
  async function openPad(): Promise<void> {
    const { page } = demo
    const lock = page.locator('[data-testid="admin-lock"]')
    if (await lock.isVisible()) await lock.click()
    if (await page.locator('[data-testid="kiosk-screen"]').isVisible()) {
      await page.keyboard.press('Control+Shift+A')
    }
    await page.locator('[data-testid="pin-pad"]').waitFor()
    await page.locator('[data-key="clear"]').click()
  }
  const key = (k: string) => centreOf(demo.page, `[data-key="${k}"]`)

  it('enters one digit per tap, and every digit of two thumbs typing fast', async () => {
    const { page, pin } = demo
    await openPad()
    const touch = fingers(cdp)

    // One tap, one digit (not a second one from the click that follows it).
    await touch.down(1, await key('9'))
    await touch.up(1)
    await waitForPage(page, `${FILLED} === 1`, 5_000)
    await page.locator('[data-key="clear"]').click()
    await waitForPage(page, `${FILLED} === 0`, 5_000)

    // Rolling thumbs: each digit's finger lands before the one before it lifts. Chromium made
    // one two-finger gesture of each overlap and clicked neither key: 585750 went in as "5".
    let previous: number | null = null
    for (const [i, digit] of [...pin].entries()) {
      await touch.down(i, await key(digit))
      if (previous !== null) await touch.up(previous)
      previous = i
    }
    if (previous !== null) await touch.up(previous)
    await waitForPage(page, `${FILLED} === ${pin.length}`, 5_000)
    await screenshot(page, 'kiosk-touch-pin-typed-1080x1920')

    await touch.down(99, await key('enter'))
    await touch.up(99)
    await page.locator('[data-testid="admin-page-attendance"]').waitFor()
  }, 60_000)

  it('takes two keys pressed at the same instant as two digits', async () => {
    const { page } = demo
    await openPad()
    const [one, two] = [await key('1'), await key('2')]
    await cdp.send('Input.dispatchTouchEvent', {
      type: 'touchStart',
      touchPoints: [
        { id: 1, ...one },
        { id: 2, ...two },
      ],
    })
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] })
    await waitForPage(page, `${FILLED} === 2`, 5_000)
  }, 60_000)
})
