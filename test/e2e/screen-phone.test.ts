/**
 * The big screens' links opened on an organizer's phone (360×740 and 390×844 at 3x, touch), in
 * real Chromium against the real relay and the built out/console: the campaign's name is shown
 * whole, on as many lines as it takes. It was cut after a dozen characters under an ellipsis,
 * with a sliver of the hidden second line peeking out under the first. Nothing else on the
 * screen is cut or off it. On a TV (1920×1080) the name stays on one line, as before.
 * Screenshots: test-artifacts/screenshots/screen-phone-*.png.
 */
import type { BrowserContextOptions, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { RelayHandle } from '../../relay/server'
import type { ConsoleCampaign } from '../../shared/campaign'
import { assign, createCampaign, signIn } from '../relay/campaign-helpers'
import { screenshot, waitForPage } from './browser'
import { realConsoleRelay } from './real-console-relay'
import { SCREEN_BOX_PROBLEMS } from './screen-fit'

/** 17 characters: one line on a TV, two on a phone. */
const NAME = '2026 春季展会 · 上海国际会展中心'
/** 44 characters (the longest of the 'long' titles): three lines on a phone. */
const LONG = '2026长三角新能源汽车与智能网联技术国际博览会暨第十二届产业链高峰论坛·嘉宾'

const PHONES: readonly BrowserContextOptions[] = [
  { viewport: { width: 360, height: 740 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true },
  { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true },
]

/** In-page source: the title's lines, as drawn (each line's top), and its text. */
const TITLE = `(() => {
  const name = document.querySelector('.name')
  const range = document.createRange()
  range.selectNodeContents(name)
  const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size
  return { text: name.textContent, lines }
})()`
const titleSchema = z.object({ text: z.string(), lines: z.number() })

describe('the big screens on a phone', () => {
  const bed = realConsoleRelay({ name: 'screen-phone' })
  let relay: RelayHandle
  const campaigns: ConsoleCampaign[] = []

  beforeAll(async () => {
    relay = bed.relay
    const organizer = await signIn(relay)
    for (const [i, name] of [NAME, LONG].entries()) {
      const c = await createCampaign(organizer, { name })
      await relay.addKiosk(`phone-k${i}`)
      await assign(organizer, `phone-k${i}`, c.id)
      campaigns.push(c)
    }
  }, 60_000)

  async function open(
    context: BrowserContextOptions,
    c: ConsoleCampaign,
    kind: 'wall' | 'draw',
  ): Promise<Page> {
    const page = await bed.browser.newPage(context)
    await page.goto(`${relay.url}/screen/${c.id}/${kind}?key=${c.screenKey}`)
    await waitForPage(
      page,
      `document.querySelector('.name')?.textContent === ${JSON.stringify(c.name)}`,
    )
    return page
  }

  for (const phone of PHONES) {
    const width = phone.viewport?.width ?? 0
    for (const kind of ['wall', 'draw'] as const) {
      it(`${width} px, the ${kind}: the campaign's whole name, nothing cut or off the screen`, async () => {
        for (const c of campaigns) {
          const page = await open(phone, c, kind)
          const problems = z.array(z.string()).parse(await page.evaluate(SCREEN_BOX_PROBLEMS))
          expect(problems, c.name).toEqual([])
          const title = titleSchema.parse(await page.evaluate(TITLE))
          expect(title.text).toBe(c.name)
          // Too long for one line of a phone: on more, none hidden.
          expect(title.lines).toBeGreaterThan(1)
          await screenshot(
            page,
            `screen-phone-${kind}-${width}-${c.name === NAME ? 'name' : 'long'}`,
          )
          await page.close()
        }
      })
    }
  }

  it('on a TV (1920×1080) the name stays on one line', async () => {
    for (const kind of ['wall', 'draw'] as const) {
      const page = await open(
        { viewport: { width: 1920, height: 1080 } },
        campaigns[0] as ConsoleCampaign,
        kind,
      )
      expect(titleSchema.parse(await page.evaluate(TITLE))).toEqual({ text: NAME, lines: 1 })
      expect(await page.evaluate(SCREEN_BOX_PROBLEMS)).toEqual([])
      await page.close()
    }
  })
})
