/**
 * An organizer fixes the campaign's replies on a phone (360×740, touch) while someone else saves
 * the campaign, against the real relay and the built out/console in real Chromium: the pinned
 * notice that says so (其他人保存了对它的修改) shows below the console's header wherever she is in
 * the long form. It was pinned at a laptop header's height, under the phone's three-line header,
 * which hid it whole. On a laptop it stays pinned just under the header, as before.
 * Screenshots: test-artifacts/screenshots/console-phone-notice-*.png.
 */
import type { BrowserContextOptions } from 'playwright-core'
import { expect, it } from 'vitest'
import { z } from 'zod'
import { campaignBody } from '../relay/campaign-helpers'
import { screenshot, waitForPage } from './browser'
import { seedBooths } from './console-booths-seed'
import { realConsoleRelay } from './real-console-relay'

const bed = realConsoleRelay({ name: 'phone-notice' })
const venue = seedBooths(bed, {
  booths: 2,
  campaigns: ['2026 春季展会 · 上海国际会展中心', '2026 秋季展会'],
})

const NOTICE = '[data-testid="newer-elsewhere"]'
const edgesSchema = z.object({ header: z.number(), top: z.number(), bottom: z.number() })

for (const [device, campaignId, context] of [
  [
    'a phone (360×740)',
    'c0',
    {
      viewport: { width: 360, height: 740 },
      deviceScaleFactor: 3,
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
    },
  ],
  ['a laptop (1280×800)', 'c1', { viewport: { width: 1280, height: 800 }, locale: 'zh-CN' }],
] as const satisfies readonly (readonly [string, string, BrowserContextOptions])[]) {
  it(`${device}: saved elsewhere while she types far down the form, the notice is on screen below the header`, async () => {
    const page = await venue.signedIn(context)
    await page.evaluate(`location.hash = '#/campaigns/${campaignId}'`)
    const reply = page.locator('[data-testid="reply-scan"]')
    await reply.waitFor()
    await reply.scrollIntoViewIfNeeded()
    await reply.fill('签到成功，欢迎光临春季展！')
    await waitForPage(page, 'window.scrollY > 300')

    // Someone else saves another name (the page re-reads the campaign every few seconds).
    const stored = await bed.relay.store.campaigns.getCampaign(campaignId)
    const saved = await bed.relay.store.campaigns.updateCampaign(
      campaignId,
      campaignBody({ name: `${stored?.campaign.name ?? ''}（别人改）` }),
      Date.now(),
    )
    expect(saved).not.toBeNull()
    await page.locator(NOTICE).waitFor()
    // Still where she was typing (the notice is pinned, the page not scrolled to the top).
    expect(await page.evaluate('window.scrollY')).toBeGreaterThan(300)
    const edges = edgesSchema.parse(
      await page.evaluate(`(() => {
        const n = document.querySelector('${NOTICE}').getBoundingClientRect()
        return { header: document.querySelector('header').getBoundingClientRect().bottom, top: n.top, bottom: n.bottom }
      })()`),
    )
    // Below the header (which is drawn over what lies under it), right under it, on screen.
    expect(edges.top).toBeGreaterThanOrEqual(edges.header)
    expect(edges.top - edges.header).toBeLessThanOrEqual(16)
    expect(edges.bottom).toBeLessThanOrEqual(context.viewport.height)
    // What she typed is kept.
    expect(await reply.inputValue()).toBe('签到成功，欢迎光临春季展！')
    await screenshot(page, `console-phone-notice-${context.viewport.width}`)
    await page.context().close()
  }, 60_000)
}
