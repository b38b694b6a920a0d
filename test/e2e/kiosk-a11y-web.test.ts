/**
 * The kiosk's own pages as a screen-reader or keyboard user meets them, in real Chromium against
 * `kiosk web` in demo mode: axe-core's WCAG 2.1 A/AA rules (text contrast 4.5:1, every control
 * named, ARIA used as allowed, images and the QR named) on the check-in screen, the PIN pad
 * (empty, some digits typed, a wrong PIN) and every admin page, in zh-CN and in English, with
 * `lang` following the language. The PIN pad's dots say how many digits are in; the PIN pad is
 * the page's main landmark. In Windows high contrast (forced colours), the admin page shown and
 * the language in use stay marked, and the PIN pad's dots still count the digits. At 320 CSS px
 * (a 640 px window at 200 % zoom) no admin page scrolls sideways nor has a field past its card's
 * edge, and the attendance page's date filters wrap as whole groups.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { ADMIN_PAGES } from '../../renderer/src/admin/admin-pages'
import { axeViolations } from './axe'
import {
  callKiosk,
  expectChosenMarked,
  fillsSeen,
  goHash,
  readScreenCode,
  screenshot,
  unlockAdmin,
  waitForPage,
  waitForSteadyCode,
} from './browser'
import { demoKioskPage } from './demo-kiosk'
import { phoneScan } from './phone'

/**
 * In-page source: where the attendance page's 从/到 date filters break badly, as `label: why`.
 * Each filter is a label, a date (its fields, each with the 年/日/, after it) and a time (时:分).
 * A word after a field stays on its field's line; the label starts the date's first line or
 * stands on a line of its own above; the time is whole on its line, and shares no line with a
 * date broken over two (a date is broken only when it has a line to itself and still does not
 * fit: it then starts its line).
 */
const DATE_BREAKS = `(() => {
  const out = []
  for (const label of document.querySelectorAll('.filters label')) {
    const group = document.getElementById(label.htmlFor).closest('[role="group"]')
    const box = (e) => e.getBoundingClientRect()
    const fields = [...group.querySelectorAll('input, select')]
    const time = fields.filter((f) => /-(hour|minute)$/.test(f.id))
    const date = fields.filter((f) => !time.includes(f))
    const lineOf = (e) => Math.round(box(e).top + box(e).height / 2)
    // On b's line: a's middle is within b's height.
    const sameLine = (a, b) => Math.abs(lineOf(a) - box(b).top - box(b).height / 2) <= box(b).height / 2
    const why = (text) => out.push(label.textContent.trim() + ': ' + text)
    for (const sep of group.querySelectorAll('.sep')) {
      const field = sep.previousElementSibling
      if (field && !sameLine(sep, field)) why('"' + sep.textContent + '" apart from its field')
    }
    const first = date[0]
    if (!(sameLine(label, first) && box(label).right <= box(first).left) &&
        !(box(label).bottom <= box(first).top)) why('label beside neither its date nor above it')
    const dateLines = new Set(date.map(lineOf))
    if (time.length > 0) {
      if (new Set(time.map(lineOf)).size > 1) why('time broken')
      if (dateLines.size > 1 && date.some((f) => sameLine(f, time[0]))) why('time beside a broken date')
    }
    if (dateLines.size > 1 && fields.some((f) => !date.includes(f) && sameLine(f, first)) ||
        dateLines.size > 1 && sameLine(label, first)) why('date broken with more on its line')
  }
  return out
})()`

/**
 * In-page source: what sticks out past the right edge of admin page `name`'s box or of its own
 * parent (a field past its card), not inside a scroller of its own (as the attendance rows are),
 * as `tag.class right>parent's right`. The admin area's scroll width cannot tell: a field 50 px
 * past its card at 320 px still ends inside the window.
 */
const STICKING_OUT = (name: string) => `(() => {
  const root = document.querySelector('[data-testid="admin-page-${name}"]')
  const edge = root.getBoundingClientRect().right
  const scrolls = (e) => {
    for (let a = e.parentElement; a && a !== root; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return true
    }
    return false
  }
  return [...root.querySelectorAll('*')]
    .filter((e) => {
      const r = e.getBoundingClientRect().right
      return e.getBoundingClientRect().width > 0 && !scrolls(e) &&
        (r > edge + 1 || r > e.parentElement.getBoundingClientRect().right + 1)
    })
    .map((e) => e.tagName.toLowerCase() + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + '>' + Math.round(e.parentElement.getBoundingClientRect().right))
    .slice(0, 3)
})()`

describe('kiosk pages: WCAG 2.1 A/AA (axe-core, Chromium)', () => {
  const demo = demoKioskPage({
    name: 'kiosk-a11y',
    context: { viewport: { width: 1280, height: 800 } },
  })

  const dotsName = (page: Page) =>
    page.evaluate(`(() => {
      const dots = document.querySelector('[data-testid="pin-dots"]')
      return dots.getAttribute('role') + ' ' + dots.getAttribute('aria-label')
    })()`)

  for (const [locale, names] of [
    ['zh-CN', ['img 请输入管理 PIN 码，已输入 0 位', 'img 请输入管理 PIN 码，已输入 2 位']],
    ['en', ['img Enter the admin PIN, no digits yet', 'img Enter the admin PIN, 2 digits entered']],
  ] as const) {
    it(`check-in screen, PIN pad and every admin page in ${locale}`, async () => {
      const page = demo.page
      const found: Record<string, string[]> = {}
      const check = async (name: string, still = true): Promise<void> => {
        found[name] = await axeViolations(page, { still })
      }
      expect(await callKiosk(page, 'setLocale', { locale })).toBe(200)
      await goHash(page, '#/')
      await waitForPage(page, `document.documentElement.lang === ${JSON.stringify(locale)}`)
      await waitForSteadyCode(page)
      await check('check-in screen', false)

      await page.keyboard.press('Control+Shift+A')
      await page.locator('[data-testid="pin-pad"]').waitFor()
      // The PIN pad is the page's main landmark (a screen reader's "jump to main" lands on it).
      expect(await page.locator('main[data-testid="pin-pad"]').count()).toBe(1)
      expect(await dotsName(page)).toBe(names[0])
      await check('PIN pad')
      await page.keyboard.type('12')
      expect(await dotsName(page)).toBe(names[1])
      await page.keyboard.type('98')
      await page.keyboard.press('Enter')
      await page.locator('[data-testid="pin-wrong"]').waitFor()
      await check('PIN pad, wrong PIN')
      await page.keyboard.press('Backspace')
      await page.keyboard.type(demo.pin)
      await page.keyboard.press('Enter')
      await page
        .locator('[data-testid="admin-page-attendance"], [data-testid="admin-page-campaign"]')
        .waitFor()
      for (const name of ADMIN_PAGES) {
        await goHash(page, `#/admin/${name}`)
        await page.locator(`[data-testid="admin-page-${name}"]`).waitFor()
        await check(`admin ${name}`)
      }
      expect(await callKiosk(page, 'lockAdmin')).toBe(200)
      expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])))
    }, 180_000)
  }

  it('Windows high contrast: the admin page shown and the language in use stay marked', async () => {
    const page = demo.page
    await page.emulateMedia({ forcedColors: 'active' })
    try {
      await goHash(page, '#/')
      await unlockAdmin(page, demo.pin)
      await goHash(page, '#/admin/stats')
      await page.locator('[data-testid="admin-page-stats"]').waitFor()
      await expectChosenMarked(page, {
        'admin pages': 'nav [data-page]',
        language: '[data-testid="language-switch"] [data-locale]',
      })
    } finally {
      await page.emulateMedia({ forcedColors: 'none' })
      expect(await callKiosk(page, 'lockAdmin')).toBe(200)
    }
  }, 60_000)

  /** `look` on the PIN pad in forced colours (Windows high contrast); then colours back. */
  async function onPinPadInForcedColours(look: (page: Page) => Promise<void>): Promise<void> {
    const page = demo.page
    await page.emulateMedia({ forcedColors: 'active' })
    try {
      await goHash(page, '#/')
      await page.keyboard.press('Control+Shift+A')
      await page.locator('[data-testid="pin-pad"]').waitFor()
      await look(page)
    } finally {
      await page.emulateMedia({ forcedColors: 'none' })
      await goHash(page, '#/')
    }
  }

  it(
    'Windows high contrast: the PIN pad still shows how many digits are in',
    () =>
      onPinPadInForcedColours(async (page) => {
        await page.keyboard.type('12')
        // Each dot's fill as it shows: forced colours drop a background-only fill.
        const fills = await fillsSeen(page, '[data-testid="pin-dots"] > *')
        expect(fills).toHaveLength(6)
        expect(fills[0]).toBe(fills[1])
        expect(new Set(fills.slice(2)).size).toBe(1)
        expect(fills[2], 'a filled dot looks like an empty one').not.toBe(fills[0])
      }),
    60_000,
  )

  it(
    'Windows high contrast: the PIN pad confirm key is drawn as a key, not a bare word',
    () =>
      onPinPadInForcedColours(async (page) => {
        // Each key's outline: forced colours drop the confirm key's green fill, so only an
        // outline like the digits' tells it is a key.
        const outlines = await page.evaluate<Record<string, string>>(`Object.fromEntries(
        [...document.querySelectorAll('[data-key]')].map((e) => {
          const s = getComputedStyle(e)
          return [e.dataset.key, s.borderTopStyle === 'none' ? 'none' : s.borderTopColor]
        }))`)
        expect(outlines['1']).not.toBe('none')
        expect(outlines['enter']).toBe(outlines['1'])
      }),
    60_000,
  )

  it('at 320 CSS px wide (a 640 px window at 200 % zoom) no admin page scrolls sideways, and the date filters wrap whole', async () => {
    const page = demo.page
    await page.setViewportSize({ width: 320, height: 640 })
    try {
      await goHash(page, '#/')
      await unlockAdmin(page, demo.pin)
      const wide: Record<string, string> = {}
      const broken: Record<string, string[]> = {}
      for (const locale of ['zh-CN', 'en'] as const) {
        expect(await callKiosk(page, 'setLocale', { locale })).toBe(200)
        for (const name of ADMIN_PAGES) {
          await goHash(page, `#/admin/${name}`)
          await page.locator(`[data-testid="admin-page-${name}"]`).waitFor()
          await waitForPage(page, `document.documentElement.lang === ${JSON.stringify(locale)}`)
          // The page and the admin area's own scroller: wider content than that is read by
          // scrolling both ways, line by line.
          const widths = await page.evaluate<string[]>(`
            [document.documentElement, document.querySelector('.admin')]
              .filter((e) => e.scrollWidth > e.clientWidth)
              .map((e) => e.tagName + ' ' + e.scrollWidth + '>' + e.clientWidth)`)
          if (widths.length > 0) wide[`${locale} ${name}`] = widths.join(', ')
          const out = await page.evaluate<string[]>(STICKING_OUT(name))
          if (out.length > 0) wide[`${locale} ${name} past its edge`] = out.join(', ')
          if (name === 'attendance') broken[locale] = await page.evaluate<string[]>(DATE_BREAKS)
        }
      }
      expect(wide).toEqual({})
      expect(broken).toEqual({ 'zh-CN': [], en: [] })
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 })
      expect(await callKiosk(page, 'setLocale', { locale: 'zh-CN' })).toBe(200)
      expect(await callKiosk(page, 'lockAdmin')).toBe(200)
    }
  }, 120_000)

  it('at 320 CSS px wide the attendance headings follow the rows when they scroll sideways', async () => {
    const page = demo.page
    const sandbox = demo.kiosk.sandboxUrl
    if (sandbox === null) throw new Error('demo mode printed no sandbox address')
    await goHash(page, '#/')
    await phoneScan(sandbox, await readScreenCode(page, 'a11y-attendance-code'), 'o_a11y_sideways')
    await page.setViewportSize({ width: 320, height: 640 })
    try {
      await unlockAdmin(page, demo.pin)
      await goHash(page, '#/admin/attendance')
      await page.locator('[data-testid="attendance-row"]').first().waitFor()
      await page.evaluate(`(() => {
        const rows = document.querySelector('[data-testid="attendance-scroller"]')
        rows.scrollTo({ left: rows.scrollWidth })
        rows.scrollIntoView({ block: 'end' })
      })()`)
      // Each heading over its column: the last (booth) heading's left edge is its cell's.
      await waitForPage(
        page,
        `(() => {
          const heads = document.querySelectorAll('[role="columnheader"]')
          const cells = document.querySelectorAll('[data-testid="attendance-row"] [role="cell"]')
          const last = (list) => list[list.length - 1].getBoundingClientRect()
          return cells.length > 0 && Math.abs(last(heads).left - last(cells).left) < 2 &&
            last(heads).right <= innerWidth
        })()`,
        5_000,
      )
      await screenshot(page, 'admin-attendance-320-sideways')
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 })
      expect(await callKiosk(page, 'lockAdmin')).toBe(200)
    }
  }, 60_000)
})
