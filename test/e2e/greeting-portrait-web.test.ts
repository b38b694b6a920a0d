/**
 * A first visitor's greeting and the campaign's name on a portrait kiosk (1080×1920, a totem at
 * the booth), in real Chromium against `kiosk web` in demo mode: "欢迎！您是第 1 位来宾" broke
 * after 来, leaving 宾 alone on the second line, and a two-line campaign name filled the first
 * line and left a short tail ("…上海新国" / "际博览中心 N3 馆"), which read as a broken screen.
 * Lines that wrap are balanced, so none is left with a tail.
 * Screenshots: test-artifacts/screenshots/greeting-portrait-1080x1920.png, title-portrait-1080x1920.png.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  GREETING_IN,
  goHash,
  noted,
  noteWhen,
  readScreenCode,
  screenshot,
  unlockAdmin,
} from './browser'
import { demoKioskPage, type DemoKioskPage } from './demo-kiosk'
import type { KioskProcess } from './kiosk-process'
import { phoneScan } from './phone'

/**
 * In-page source: the visible characters of the element `testid`, counted per rendered line,
 * over every text node in it (a greeting's name is a `<bdi>` of its own, and Vue's fragments
 * leave empty text nodes first).
 */
const charsPerLine = (testid: string): string => `(() => {
  const el = document.querySelector('[data-testid="${testid}"]')
  if (!el) return []
  const lines = new Map()
  const range = document.createRange()
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT)
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent || ''
    for (let i = 0; i < text.length; i++) {
      if (/\\s/.test(text[i])) continue
      range.setStart(node, i)
      range.setEnd(node, i + 1)
      const top = Math.round(range.getBoundingClientRect().top)
      lines.set(top, (lines.get(top) || 0) + 1)
    }
  }
  return [...lines.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1])
})()`

describe('a greeting on a portrait kiosk', () => {
  const demo = demoKioskPage({
    name: 'greeting-portrait',
    context: { viewport: { width: 1080, height: 1920 }, locale: 'zh-CN' },
  })
  let kiosk: KioskProcess
  let page: Page

  beforeAll(() => {
    ;({ kiosk, page } = demo)
  })

  /** The campaign's name on the screen, as staff type it in the admin area. */
  async function nameCampaign(d: DemoKioskPage, name: string): Promise<void> {
    await unlockAdmin(page, d.pin)
    await goHash(page, '#/admin/campaign')
    await page.locator('.list .link').first().click()
    await page.locator('#c-name').fill(name)
    await page.locator('[data-testid="campaign-editor"] button[type="submit"]').click()
    await page.locator('[data-testid="campaign-notice"]').waitFor()
    await page.locator('[data-testid="admin-lock"]').click()
  }

  it('shows a two-line campaign name as two even lines', async () => {
    const name = '2026 春季国际消费电子博览会 · 上海新国际博览中心 N3 馆'
    await nameCampaign(demo, name)
    const title = page.locator('[data-testid="kiosk-title"]')
    await expect.poll(() => title.textContent()).toBe(name)
    await screenshot(page, 'title-portrait-1080x1920')
    const lines = z.array(z.number()).parse(await page.evaluate(charsPerLine('kiosk-title')))
    expect(lines.length).toBe(2)
    expect(Math.min(...lines) * 2, `characters per line: ${lines.join(', ')}`).toBeGreaterThan(
      Math.max(...lines),
    )
  }, 60_000)

  it('wraps into balanced lines, none a single character', async () => {
    const sandbox = kiosk.sandboxUrl
    expect(sandbox).toBeTruthy()
    const code = await readScreenCode(page, 'greeting-portrait-code')
    // Read the moment it is in: it leaves by itself, sooner than a screenshot on a loaded machine.
    await noteWhen(
      page,
      GREETING_IN,
      `({ text: document.querySelector('[data-testid="greeting-text"]').textContent, lines: ${charsPerLine('greeting-text')} })`,
    )
    await phoneScan(sandbox ?? '', code, 'o_portrait_first_visitor')
    const { text, lines } = z
      .object({ text: z.string(), lines: z.array(z.number()) })
      .parse(await noted(page))
    await screenshot(page, 'greeting-portrait-1080x1920')
    expect(text).toContain('位来宾')
    expect(lines.length).toBeGreaterThanOrEqual(1)
    expect(Math.min(...lines), `characters per line: ${lines.join(', ')}`).toBeGreaterThan(1)
  }, 60_000)
})
