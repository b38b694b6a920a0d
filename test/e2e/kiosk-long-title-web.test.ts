/**
 * The longest texts the code screen may be given, on the screens booths use, in real Chromium
 * against `kiosk web` in demo mode: a campaign named with all 80 characters a name may have (a
 * Chinese expo's full name with its English one), typed into the admin area, and a registered
 * guest's roster name of all 100 characters (a name with its company and title) shown from the
 * desk page. The whole text shows, and it takes neither the status line from staff nor size
 * from the code: at 1024×768 and 1280×1024 either ran down the left column past the bottom of
 * the screen and pushed the status line (relay, API, codes left, the demo badge) and the
 * countdown off it; on a 768×1024 tablet either took five or six lines and the code shrank from
 * 656 to 410 px, too small to scan from a metre away.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { goHash, readScreenCode, screenshot, unlockAdmin, waitForSteadyCode } from './browser'
import { demoKioskPage, type DemoKioskPage } from './demo-kiosk'
import { longRotation, showGuestCode } from './desk-guest'

const LONG_NAME =
  '第二十三届中国国际数字化办公与智能会展技术博览会暨开发者大会签到 International Digital Office Expo Check-in Desk'
const LONG_GUEST = '欧阳'.padEnd(100, '娜')

/** Each long text: how staff put it on screen, and where it shows. */
const CASES = [
  {
    what: 'an 80-character campaign name',
    name: 'long-title',
    async show(page: Page, demo: DemoKioskPage): Promise<void> {
      await unlockAdmin(page, demo.pin)
      await goHash(page, '#/admin/campaign')
      await page.locator('.list .link').first().click()
      await page.locator('#c-name').fill(LONG_NAME)
      await page.locator('[data-testid="campaign-editor"] button[type="submit"]').click()
      await page.locator('[data-testid="campaign-notice"]').waitFor()
    },
    shown: (l: Layout) => l.title.text === LONG_NAME,
  },
  {
    what: 'a guest’s 100-character roster name',
    name: 'long-guest',
    async show(page: Page, demo: DemoKioskPage): Promise<void> {
      // Kept up through every size, not one rotation (30 s) of them.
      await longRotation(demo.kiosk)
      await showGuestCode(page, demo.kiosk, { name: LONG_GUEST, code: 'L100' })
    },
    shown: (l: Layout) => l.instruction.text.includes(LONG_GUEST),
  },
]

const SIZES = [
  [1920, 1080],
  [1366, 768],
  [1280, 1024],
  [1024, 768],
  [1080, 1920],
  [768, 1024],
  [3840, 2160],
] as const

const box = z.object({ left: z.number(), top: z.number(), right: z.number(), bottom: z.number() })
const layoutSchema = z.object({
  title: box.extend({ text: z.string(), cut: z.boolean() }),
  card: box,
  instruction: box.extend({ text: z.string() }),
  ring: box,
  status: box,
  viewport: z.object({ width: z.number(), height: z.number() }),
})
type Box = z.infer<typeof box>
type Layout = z.infer<typeof layoutSchema>

/** In-page source: the screen's parts as laid out now, and whether the title's text is cut. */
const LAYOUT = `(() => {
  const at = (id) => {
    const r = document.querySelector('[data-testid="' + id + '"]').getBoundingClientRect()
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom }
  }
  const title = document.querySelector('[data-testid="kiosk-title"]')
  const style = getComputedStyle(title)
  // The text's own extent (its lines), not the heading's box.
  const range = document.createRange()
  range.selectNodeContents(title)
  const r = range.getBoundingClientRect()
  return {
    title: {
      left: r.left, top: r.top, right: r.right, bottom: r.bottom,
      text: title.textContent.trim(),
      // Nothing of the name hidden: no clamp to a number of lines, nothing clipped.
      cut: style.webkitLineClamp !== 'none' || style.overflow !== 'visible',
    },
    card: at('qr-card'),
    instruction: { ...at('instruction'), text: document.querySelector('[data-testid="instruction"]').textContent },
    ring: (({ left, top, right, bottom }) => ({ left, top, right, bottom }))(document.querySelector('.ring-slot').getBoundingClientRect()),
    status: at('status-corner'),
    viewport: { width: innerWidth, height: innerHeight },
  }
})()`

const onScreen = (b: Box, v: { width: number; height: number }) =>
  b.left >= 0 && b.top >= 0 && b.right <= v.width && b.bottom <= v.height
const overlap = (a: Box, b: Box) =>
  a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom

for (const c of CASES) {
  describe(`the code screen with ${c.what}`, () => {
    const demo = demoKioskPage({
      name: c.name,
      context: { viewport: { width: 1920, height: 1080 } },
    })
    let page: Page
    /** The code's side at each size with the demo's short texts. */
    const shortNameCard = new Map<string, number>()

    beforeAll(() => {
      ;({ page } = demo)
    })

    async function layoutAt(width: number, height: number) {
      await page.setViewportSize({ width, height })
      await waitForSteadyCode(page)
      // The code is sized by a resize observer a frame after the window: read it once it holds.
      let last = ''
      for (let look = 0; look < 50; look++) {
        const now = JSON.stringify(await page.evaluate(LAYOUT))
        if (now === last) return layoutSchema.parse(JSON.parse(now))
        last = now
        await page.waitForTimeout(100)
      }
      throw new Error(`the layout at ${width}×${height} did not settle: ${last}`)
    }

    it('measures the code with the demo’s short texts first', async () => {
      for (const [width, height] of SIZES) {
        const { card } = await layoutAt(width, height)
        shortNameCard.set(`${width}x${height}`, card.right - card.left)
      }
    }, 120_000)

    it('shows it whole beside the code, with the status line, the countdown and the code kept', async () => {
      await page.setViewportSize({ width: 1920, height: 1080 })
      await c.show(page, demo)
      await page.locator('[data-testid="admin-lock"]').click()

      for (const [width, height] of SIZES) {
        const size = `${width}x${height}`
        const layout = await layoutAt(width, height)
        const { title, card, instruction, ring, status, viewport } = layout
        expect(c.shown(layout), size).toBe(true)
        expect(
          {
            titleWhole: !title.cut,
            titleOnScreen: onScreen(title, viewport),
            titleClearOfCode: !overlap(title, card),
            instructionOnScreen: onScreen(instruction, viewport),
            instructionClearOfCode: !overlap(instruction, card),
            countdownOnScreen: onScreen(ring, viewport),
            statusOnScreen: onScreen(status, viewport),
            codeOnScreen: onScreen(card, viewport),
          },
          size,
        ).toEqual({
          titleWhole: true,
          titleOnScreen: true,
          titleClearOfCode: true,
          instructionOnScreen: true,
          instructionClearOfCode: true,
          countdownOnScreen: true,
          statusOnScreen: true,
          codeOnScreen: true,
        })
        const before = shortNameCard.get(size) ?? Infinity
        expect(card.right - card.left, `${size}: the code's side`).toBeGreaterThanOrEqual(
          0.9 * before,
        )
        expect(await readScreenCode(page, `kiosk-${c.name}-${size}`)).toMatch(/^https?:\/\//)
      }
    }, 180_000)
  })
}

/**
 * Where a campaign's name breaks on the code screen. Balanced lines broke the demo's name
 * "ScanDesk 演示 Demo" as "ScanDesk 演" / "示 Demo" at 1280×800: a two-character Chinese word cut
 * in half, though there are spaces to break at. A name with spaces breaks only at them; a
 * Chinese name with none still wraps, within the title's column, into lines of even length.
 * Screenshots: test-artifacts/screenshots/title-break-<name>-<size>.png.
 */
const DEMO_NAME = 'ScanDesk 演示 Demo'
const BREAK_NAMES = [
  { key: 'demo', name: DEMO_NAME },
  { key: 'cjk30', name: '第二十三届中国国际数字化办公与智能会展技术博览会暨开发者大会' },
  { key: 'expo', name: '2026 上海国际车展 签到' },
] as const
const BREAK_SIZES = [
  [1280, 800],
  [1024, 768],
  [1080, 1920],
] as const

const titleLines = z.object({
  lines: z.array(z.object({ start: z.number(), end: z.number(), text: z.string() })),
  text: z.string(),
  overflows: z.boolean(),
})

/**
 * In-page source: the title's rendered lines (by each character's box: its line is its top),
 * with where each starts and ends in the text, and whether any line runs out of the title's box.
 */
const TITLE_LINES = `(() => {
  const el = document.querySelector('[data-testid="kiosk-title"]')
  const node = [...el.childNodes].find((n) => n.nodeType === 3 && n.textContent.trim() !== '')
  const text = node.textContent
  const box = el.getBoundingClientRect()
  const range = document.createRange()
  const lines = []
  let overflows = false
  for (let i = 0; i < text.length; i++) {
    if (/\\s/.test(text[i])) continue
    range.setStart(node, i)
    range.setEnd(node, i + 1)
    const r = range.getBoundingClientRect()
    if (r.left < box.left - 0.5 || r.right > box.right + 0.5) overflows = true
    const last = lines[lines.length - 1]
    if (last && Math.abs(last.top - r.top) < r.height / 2) last.end = i + 1
    else lines.push({ top: r.top, start: i, end: i + 1 })
  }
  return {
    text,
    overflows,
    lines: lines.map((l) => ({ start: l.start, end: l.end, text: text.slice(l.start, l.end) })),
  }
})()`

describe('where the code screen breaks a campaign’s name', () => {
  const demo = demoKioskPage({
    name: 'title-break',
    context: { viewport: { width: 1280, height: 800 }, locale: 'zh-CN' },
  })
  let page: Page

  beforeAll(() => {
    ;({ page } = demo)
  })

  async function linesAt(name: string, width: number, height: number) {
    await page.setViewportSize({ width, height })
    await waitForSteadyCode(page)
    // Read once the layout holds (the code is sized by a resize observer a frame later).
    let last = ''
    for (let look = 0; look < 50; look++) {
      const now = JSON.stringify(await page.evaluate(TITLE_LINES))
      if (now === last) {
        const seen = titleLines.parse(JSON.parse(now))
        expect(seen.text.trim()).toBe(name)
        return seen
      }
      last = now
      await page.waitForTimeout(100)
    }
    throw new Error(`the title at ${width}×${height} did not settle: ${last}`)
  }

  it('breaks a name with spaces only at its spaces, and wraps a Chinese one without any evenly', async () => {
    let named = DEMO_NAME
    for (const { key, name } of BREAK_NAMES) {
      if (name !== named) {
        await unlockAdmin(page, demo.pin)
        await goHash(page, '#/admin/campaign')
        await page.locator('.list .link').first().click()
        await page.locator('#c-name').fill(name)
        await page.locator('[data-testid="campaign-editor"] button[type="submit"]').click()
        await page.locator('[data-testid="campaign-notice"]').waitFor()
        await page.locator('[data-testid="admin-lock"]').click()
        named = name
      }
      for (const [width, height] of BREAK_SIZES) {
        const at = `${key} at ${width}x${height}`
        const seen = await linesAt(name, width, height)
        await screenshot(page, `title-break-${key}-${width}x${height}`)
        const texts = seen.lines.map((l) => l.text)
        expect(seen.overflows, `${at}: ${texts.join(' / ')}`).toBe(false)
        if (name.includes(' ')) {
          // Each line ends before a space: no word, Chinese or English, is cut.
          for (const line of seen.lines.slice(0, -1)) {
            expect(/\s/.test(seen.text[line.end] ?? ''), `${at}: ${texts.join(' / ')}`).toBe(true)
          }
        } else if (texts.length > 1) {
          // Balanced: no line is less than half the longest (no full line over a short tail).
          const lengths = texts.map((t) => t.length)
          expect(Math.min(...lengths) * 2, `${at}: ${texts.join(' / ')}`).toBeGreaterThan(
            Math.max(...lengths),
          )
        }
        console.log(`${at}: ${texts.join(' / ')}`)
      }
    }
  }, 180_000)
})
