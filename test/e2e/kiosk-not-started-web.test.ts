/**
 * Booth staff setting up the evening before, in real Chromium against `kiosk web` in demo mode:
 * the campaign starts in two days on the kiosk's calendar, and the status line says
 * 活动未开始（…开始） / Not started (starts …) with the date beside the relay and API states:
 * on one line, in the relay state's row (beside the demo badge, the relay and API states), not
 * cut and not past the screen, on a laptop, a tablet and a portrait screen, in Chinese and
 * English, while the code stays on screen. (English said 'Campaign not started (starts
 * December 9, 2026)', which the status corner wrapped onto a second row on portrait screens.)
 * The checks are shown to catch a note made to wrap, pushed off the screen or down a row.
 * Screenshots: test-artifacts/screenshots/kiosk-not-started-*.png.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { dayIn } from '../../shared/campaign-phase'
import { callKiosk, firstCampaign, goHash, screenshot, waitForPage } from './browser'
import { demoKioskPage } from './demo-kiosk'

const ZONE = 'Asia/Shanghai'

const fitSchema = z.object({
  text: z.string(),
  oneLine: z.boolean(),
  row: z.number(),
  inside: z.boolean(),
  code: z.boolean(),
})

/**
 * In-page: the note's words; whether they sit on one line (its text's line boxes share one top,
 * and the note is as tall as the relay state's one-line item); its row in the status corner
 * counted from the relay state's (0: beside it, same top; 1: the row under it); whether the note and its text are inside the screen and
 * every clipping box around it (nothing cut off); and whether the code is on screen.
 */
async function noteFit(page: Page): Promise<z.infer<typeof fitSchema>> {
  return fitSchema.parse(
    await page.evaluate(`(() => {
      const e = document.querySelector('[data-testid="status-not-started"]')
      const relay = document.querySelector('[data-testid="status-relay"]')
      const r = e.getBoundingClientRect()
      const rr = relay.getBoundingClientRect()
      const range = document.createRange()
      range.selectNodeContents(e)
      const words = range.getBoundingClientRect()
      const tops = new Set(
        [...range.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top)),
      )
      const within = (box, o) =>
        box.left >= o.left - 1 && box.top >= o.top - 1 && box.right <= o.right + 1 && box.bottom <= o.bottom + 1
      const screen = { left: 0, top: 0, right: innerWidth, bottom: innerHeight }
      let inside = within(r, screen) && within(words, r)
      for (let a = e.parentElement; a; a = a.parentElement) {
        if (getComputedStyle(a).overflow !== 'visible') inside = inside && within(words, a.getBoundingClientRect())
      }
      return {
        text: e.textContent.trim(),
        oneLine: tops.size === 1 && Math.abs(r.height - rr.height) <= 1,
        row: Math.abs(r.top - rr.top) <= 1 ? 0 : Math.round((r.top - rr.top) / (rr.height + parseFloat(getComputedStyle(e.parentElement).rowGap))),
        inside,
        code: document.querySelector('[data-testid="qr-card"]') !== null,
      }
    })()`),
  )
}

describe('the code screen the evening before the campaign starts', () => {
  const demo = demoKioskPage({
    name: 'not-started',
    context: { viewport: { width: 1024, height: 768 }, timezoneId: ZONE },
    admin: true,
  })

  it('says so with the date, whole, at each size and in both languages', async () => {
    const { page } = demo
    const first = await firstCampaign(page)
    // Next year's 28 November: not started whenever the test runs, and the longest the note
    // gets (a two-digit month and day), so a run on any date checks the widest case.
    const startDay = `${Number(dayIn(Date.now(), ZONE).slice(0, 4)) + 1}-11-28`
    expect(await callKiosk(page, 'saveCampaign', { ...first, startsOn: startDay })).toBe(200)
    await goHash(page, '#/')
    const note = page.locator('[data-testid="status-not-started"]')
    await note.waitFor()

    const seen: Record<string, unknown> = {}
    for (const locale of ['zh-CN', 'en'] as const) {
      expect(await callKiosk(page, 'setLocale', { locale })).toBe(200)
      await waitForPage(page, `document.documentElement.lang === '${locale}'`)
      for (const [width, height] of [
        [1024, 768],
        [768, 1024],
        [1080, 1920],
      ] as const) {
        await page.setViewportSize({ width, height })
        const fit = await noteFit(page)
        seen[`${locale} ${width}x${height}`] = fit
        await screenshot(page, `kiosk-not-started-${locale}-${width}x${height}`)
      }
    }
    const [y, m, d] = startDay.split('-').map(Number)
    const en = new Intl.DateTimeFormat('en', {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      timeZone: 'UTC',
    }).format(Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1))
    const fine = (text: string) => ({ text, oneLine: true, row: 0, inside: true, code: true })
    expect(seen).toEqual({
      'zh-CN 1024x768': fine(`活动未开始（${y}年${m}月${d}日开始）`),
      'zh-CN 768x1024': fine(`活动未开始（${y}年${m}月${d}日开始）`),
      'zh-CN 1080x1920': fine(`活动未开始（${y}年${m}月${d}日开始）`),
      'en 1024x768': fine(`Not started (starts ${en})`),
      'en 768x1024': fine(`Not started (starts ${en})`),
      'en 1080x1920': fine(`Not started (starts ${en})`),
    })

    // The checks can fail: the note made to wrap onto a second line, pushed past the screen's
    // right edge or down a row is caught (the styles are the test's own, removed after).
    const forced = async (css: string) => {
      await page.evaluate(
        `(() => { const s = document.createElement('style'); s.id = 'forced'; s.textContent = ${JSON.stringify(css)}; document.head.append(s) })()`,
      )
      const fit = await noteFit(page)
      await page.evaluate(`document.getElementById('forced').remove()`)
      return fit
    }
    const NOTE = '[data-testid="status-not-started"]'
    await page.setViewportSize({ width: 1024, height: 768 })
    expect(await forced('')).toMatchObject({ oneLine: true, row: 0, inside: true })
    expect(
      await forced(`${NOTE} { white-space: normal !important; max-width: 6em !important }`),
    ).toMatchObject({ oneLine: false, inside: true })
    expect(
      await forced(`${NOTE} { position: relative !important; left: 100vw !important }`),
    ).toMatchObject({ oneLine: true, inside: false })
    expect((await forced(`${NOTE} { margin-top: 3em !important }`)).row).not.toBe(0)
  }, 180_000)
})
