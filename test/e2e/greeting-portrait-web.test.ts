/**
 * A first visitor's greeting on a portrait kiosk (1080×1920, a totem at the booth), in real
 * Chromium against `kiosk web` in demo mode: "欢迎！您是第 1 位来宾" broke after 来, leaving 宾
 * alone on the second line, which reads as a broken screen. The lines of a greeting that wraps
 * are balanced, so no line is left with a single character.
 * Screenshot: test-artifacts/screenshots/greeting-portrait-1080x1920.png.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { readScreenCode, screenshot } from './browser'
import { demoKioskPage } from './demo-kiosk'
import type { KioskProcess } from './kiosk-process'
import { phoneScan } from './phone'

/** In-page source: the greeting's visible characters, counted per rendered line. */
const CHARS_PER_LINE = `(() => {
  const el = document.querySelector('[data-testid="greeting-text"]')
  const node = el && el.firstChild
  if (!node || !node.textContent) return []
  const lines = new Map()
  const range = document.createRange()
  for (let i = 0; i < node.textContent.length; i++) {
    if (/\\s/.test(node.textContent[i])) continue
    range.setStart(node, i)
    range.setEnd(node, i + 1)
    const top = Math.round(range.getBoundingClientRect().top)
    lines.set(top, (lines.get(top) || 0) + 1)
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

  it('wraps into balanced lines, none a single character', async () => {
    const sandbox = kiosk.sandboxUrl
    expect(sandbox).toBeTruthy()
    const code = await readScreenCode(page, 'greeting-portrait-code')
    await phoneScan(sandbox ?? '', code, 'o_portrait_first_visitor')
    const text = page.locator('[data-testid="greeting-text"]')
    await text.waitFor()
    expect(await text.textContent()).toContain('位来宾')
    await screenshot(page, 'greeting-portrait-1080x1920')
    const lines = z.array(z.number()).parse(await page.evaluate(CHARS_PER_LINE))
    expect(lines.length).toBeGreaterThanOrEqual(1)
    expect(Math.min(...lines), `characters per line: ${lines.join(', ')}`).toBeGreaterThan(1)
  }, 60_000)
})
