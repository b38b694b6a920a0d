/**
 * The kiosk on a touch screen, in real Chromium (touch input through DevTools'
 * `Input.dispatchTouchEvent`, one finger or several) against `kiosk web` in demo mode: what
 * staff's fingers on the PIN pad enter, and what a visitor's pinch or long press does.
 * Screenshots: test-artifacts/screenshots/kiosk-touch-pin-typed-1080x1920.png,
 * kiosk-touch-pinched-1080x1920.png, kiosk-touch-pinched-1280x720.png.
 */
import type { CDPSession, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { goHash, screenshot, unlockAdmin, waitForPage, waitForSteadyCode } from './browser'
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
 * Fingers on the screen: `down(id, at)` puts one more down and `move(id, to)` moves one (DevTools
 * wants every finger still down on a touchStart or touchMove), `up(id)` lifts that one (a
 * touchEnd lists only the fingers lifted).
 */
function fingers(cdp: CDPSession) {
  const on = new Map<number, Point>()
  const all = () => [...on].map(([i, p]) => ({ id: i, ...p }))
  return {
    down: (id: number, at: Point) => {
      on.set(id, at)
      return cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: all() })
    },
    move: (id: number, to: Point) => {
      on.set(id, to)
      return cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: all() })
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

/** Two fingers spread apart from `at`, 40 px to 440 px, as a visitor zooms into a photo. */
async function pinchOpen(page: Page, cdp: CDPSession, at: Point): Promise<void> {
  const touch = fingers(cdp)
  const apart = (d: number): [Point, Point] => [
    { x: at.x - d, y: at.y - d },
    { x: at.x + d, y: at.y + d },
  ]
  const [a, b] = apart(20)
  await touch.down(1, a)
  await touch.down(2, b)
  for (let d = 30; d <= 220; d += 10) {
    const [a2, b2] = apart(d)
    await touch.move(1, a2)
    await touch.move(2, b2)
    await page.waitForTimeout(16)
  }
  await touch.up(1)
  await touch.up(2)
}

/** How far the page is zoomed by pinching (1: not at all). */
const SCALE = 'visualViewport.scale'

const FILLED = `document.querySelectorAll('[data-testid="pin-dots"] .filled').length`

describe('the kiosk under fingers', () => {
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
    const kioskScreen = page.locator('[data-testid="kiosk-screen"]')
    if (await lock.isVisible()) {
      await lock.click()
      // Lock shows the pad at once (the admin area, locked) and the kiosk screen when the
      // address change arrives: the pad of that moment goes away under the test's fingers.
      await kioskScreen.waitFor()
    }
    if (await kioskScreen.isVisible()) await page.keyboard.press('Control+Shift+A')
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

  it('does not zoom when a visitor pinches the code, the PIN pad or the admin area', async () => {
    const { page } = demo
    const lock = page.locator('[data-testid="admin-lock"]')
    if (await lock.isVisible()) await lock.click()
    await goHash(page, '#/')
    await waitForSteadyCode(page)
    // A browser's kiosk (web mode) zoomed four times into the code's corner: the next visitor
    // saw no whole code, and nobody at the booth had a way back but another pinch.
    await pinchOpen(page, cdp, await centreOf(page, '[data-testid="qr-card"]'))
    await screenshot(page, 'kiosk-touch-pinched-1080x1920')
    expect(await page.evaluate(SCALE)).toBe(1)
    await pinchOpen(page, cdp, await centreOf(page, '[data-testid="kiosk-title"]'))
    expect(await page.evaluate(SCALE)).toBe(1)

    await openPad()
    await pinchOpen(page, cdp, await centreOf(page, '[data-testid="pin-pad"] h1'))
    expect(await page.evaluate(SCALE)).toBe(1)
    await unlockAdmin(page, demo.pin)
    await pinchOpen(page, cdp, await centreOf(page, 'main'))
    expect(await page.evaluate(SCALE)).toBe(1)

    await page.locator('[data-testid="admin-lock"]').click()
    await page.setViewportSize({ width: 1280, height: 720 })
    await goHash(page, '#/')
    await waitForSteadyCode(page)
    await pinchOpen(page, cdp, await centreOf(page, '[data-testid="qr-card"]'))
    await screenshot(page, 'kiosk-touch-pinched-1280x720')
    expect(await page.evaluate(SCALE)).toBe(1)
  }, 60_000)

  it('opens no browser menu on a long press anywhere a visitor can reach', async () => {
    const { page } = demo
    const lock = page.locator('[data-testid="admin-lock"]')
    if (await lock.isVisible()) await lock.click()
    await page.setViewportSize({ width: 1080, height: 1920 })
    await goHash(page, '#/')
    await waitForSteadyCode(page)
    // A browser's long-press menu (Back, Reload, Print, Save as, Inspect) was a way off the
    // kiosk page: only the title cancelled it. A right click is the same contextmenu event.
    await page.evaluate(`window.menus = []; window.addEventListener('contextmenu', (e) =>
      window.menus.push(e.defaultPrevented ? 'none' : 'browser menu on ' + e.target.tagName))`)
    const reach = [
      '[data-testid="qr-card"]',
      '[data-testid="instruction"]',
      '[data-testid="kiosk-title"]',
      '[data-testid="kiosk-screen"] footer',
    ]
    for (const target of reach) {
      const at = await centreOf(page, target)
      await page.mouse.click(at.x, at.y, { button: 'right' })
    }
    await openPad()
    for (const target of ['[data-testid="pin-pad"] h1', '[data-key="5"]']) {
      const at = await centreOf(page, target)
      await page.mouse.click(at.x, at.y, { button: 'right' })
    }
    await page.keyboard.press('Escape')
    expect(await page.evaluate('window.menus')).toEqual(Array(reach.length + 2).fill('none'))
  }, 60_000)

  it('keeps its page when a file is dropped on it, but lets the roster field take one', async () => {
    const { page } = demo
    // What the browser does with a drop the page does not take: opens the file in its place.
    // `text`: a word dragged from another field, not a file.
    const drop = (selector: string, text = false) =>
      page.evaluate(`(() => {
        const files = new DataTransfer()
        if (${text}) files.setData('text/plain', 'Ada')
        else files.items.add(new File(['name\\nAda'], 'roster.csv', { type: 'text/csv' }))
        const taken = {}
        for (const type of ['dragover', 'drop']) {
          const event = new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: files })
          document.querySelector(${JSON.stringify(selector)}).dispatchEvent(event)
          taken[type] = event.defaultPrevented
        }
        return taken
      })()`)
    const lock = page.locator('[data-testid="admin-lock"]')
    if (await lock.isVisible()) await lock.click()
    await goHash(page, '#/')
    await waitForSteadyCode(page)
    expect(await drop('[data-testid="qr-card"]')).toEqual({ dragover: true, drop: true })

    await openPad()
    await unlockAdmin(page, demo.pin)
    await goHash(page, '#/admin/roster')
    await page.locator('[data-testid="roster-file"]').waitFor({ state: 'attached' })
    expect(await drop('main')).toEqual({ dragover: true, drop: true })
    expect(await drop('[data-testid="roster-file"]')).toEqual({ dragover: false, drop: false })

    // A text field still takes text dragged into it; a file it cannot take, the page keeps.
    await goHash(page, '#/admin/attendance')
    await page.locator('[data-testid="attendance-search"]').waitFor()
    expect(await drop('[data-testid="attendance-search"]', true)).toEqual({
      dragover: false,
      drop: false,
    })
    expect(await drop('[data-testid="attendance-search"]')).toEqual({ dragover: true, drop: true })
  }, 60_000)
})
