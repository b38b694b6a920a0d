/**
 * Booth staff setting up the evening before, in real Chromium against `kiosk web` in demo mode:
 * the campaign starts in two days on the kiosk's calendar, and the status line says
 * 活动未开始（…开始） / Campaign not started (starts …) with the date beside the relay and API
 * states, whole (not cut, not past the screen) on a laptop, a tablet and a portrait screen, in
 * Chinese and English, while the code stays on screen.
 * Screenshots: test-artifacts/screenshots/kiosk-not-started-*.png.
 */
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { dayIn } from '../../shared/campaign-phase'
import { campaignSchema } from '../../shared/domain'
import { CALL, callKiosk, goHash, SESSION_KEY, screenshot, waitForPage } from './browser'
import { demoKioskPage } from './demo-kiosk'

const ZONE = 'Asia/Shanghai'

describe('the code screen the evening before the campaign starts', () => {
  const demo = demoKioskPage({
    name: 'not-started',
    context: { viewport: { width: 1024, height: 768 }, timezoneId: ZONE },
    admin: true,
  })

  it('says so with the date, whole, at each size and in both languages', async () => {
    const { page } = demo
    const listed = z
      .object({ status: z.literal(200), body: z.string() })
      .parse(await page.evaluate(`(${CALL})('listCampaigns', undefined, ${SESSION_KEY})`))
    const campaigns = z
      .object({ result: z.array(campaignSchema) })
      .parse(JSON.parse(listed.body)).result
    const first = campaigns[0]
    if (!first) throw new Error('the demo has no campaign')
    // Two days ahead: a run across midnight still finds it not started.
    const startDay = dayIn(Date.now() + 2 * 86_400_000, ZONE)
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
        // In-page: the note's box against the screen, and whether its one line is cut.
        const fit = z
          .object({ text: z.string(), inside: z.boolean(), cut: z.boolean(), code: z.boolean() })
          .parse(
            await page.evaluate(`(() => {
              const e = document.querySelector('[data-testid="status-not-started"]')
              const r = e.getBoundingClientRect()
              return {
                text: e.textContent.trim(),
                inside: r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight,
                cut: e.scrollWidth > e.clientWidth + 1,
                code: document.querySelector('[data-testid="qr-card"]') !== null,
              }
            })()`),
          )
        seen[`${locale} ${width}x${height}`] = fit
        await screenshot(page, `kiosk-not-started-${locale}-${width}x${height}`)
      }
    }
    const [y, m, d] = startDay.split('-').map(Number)
    const en = new Intl.DateTimeFormat('en', {
      year: 'numeric',
      month: 'long',
      day: 'numeric',
      timeZone: 'UTC',
    }).format(Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1))
    const fine = (text: string) => ({ text, inside: true, cut: false, code: true })
    expect(seen).toEqual({
      'zh-CN 1024x768': fine(`活动未开始（${y}年${m}月${d}日开始）`),
      'zh-CN 768x1024': fine(`活动未开始（${y}年${m}月${d}日开始）`),
      'zh-CN 1080x1920': fine(`活动未开始（${y}年${m}月${d}日开始）`),
      'en 1024x768': fine(`Campaign not started (starts ${en})`),
      'en 768x1024': fine(`Campaign not started (starts ${en})`),
      'en 1080x1920': fine(`Campaign not started (starts ${en})`),
    })
  }, 180_000)
})
