/**
 * The big screens in English (`?lang=en`) as an organizer abroad sees them on a landscape TV
 * (1920×1080) and a portrait totem (1080×1920), in real Chromium against the real relay and the
 * built out/console. English runs longer than Chinese: a long campaign name (three lines'
 * worth), "checked in (all days)" under a six-digit count, "Guest #123456"-sized tiles, long
 * roster names with titles and hyphens, a long prize and "123,456 guests in the draw", and the
 * English notices (Offline · reconnecting, the dead link's sentence). Nothing may stick out of
 * its parent's box or the screen, and no text may be cut (an ellipsis, a line clamp, or a box
 * that hides what it cannot hold). It was checked once by hand; this keeps it so.
 * Screenshots: test-artifacts/screenshots/screen-en-*.png (or $SCREEN_SHOTS).
 */
import { resolve } from 'node:path'
import type { Page } from 'playwright-core'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { ConsoleCampaign } from '../../shared/campaign'
import type { WallSnapshot } from '../../shared/screen-api'
import { assign, createCampaign, signIn } from '../relay/campaign-helpers'
import { SCREENSHOTS, waitForPage } from './browser'
import { realConsoleRelay } from './real-console-relay'
import { SCREEN_BOX_PROBLEMS } from './screen-fit'

/** At the campaign name's limit (80 characters): the three-line size (titleLength 'longer'). */
const LONG_NAME = 'The 2026 Yangtze River Delta International New Energy Vehicle Expo: Guest Signin'
const LONG_NAMES = [
  'Maximilian Alexander von Hohenzollern-Sigmaringen',
  'Dr. Christopher Montgomery-Wellington III',
  'Anastasiya Konstantinovna Rimskaya-Korsakova',
  'Bartholomew Fitzgerald-Worthington',
  'Wolfeschlegelsteinhausenbergerdorff',
]
/**
 * A roster name at 100 characters (what a roster's name column holds): past four lines at the
 * smallest size, so cut with an ellipsis, and it must end cleanly (no sliver of a fifth line).
 */
const HUNDRED =
  'Dr. Maximilian Alexander Ferdinand Joseph von Hohenzollern-Sigmaringen-Wittelsbach und Lothringen Jr'
const COUNT = 123_456

function busySnapshot(c: ConsoleCampaign): WallSnapshot {
  const recent = Array.from({ length: 60 }, (_, i) => ({
    number: COUNT - i,
    // Every third one unnamed: the tile says "Guest #123456" (screen-text.ts does not group it).
    name: i % 3 === 2 ? null : i === 1 ? HUNDRED : (LONG_NAMES[i % LONG_NAMES.length] ?? null),
    at: Date.now() - i * 1000,
  }))
  return {
    campaign: { id: c.id, name: c.name },
    count: COUNT,
    recent,
    draw: {
      id: 'd1',
      // At the prize's limit of 60 characters.
      prize: 'Grand Prize: an Electric Vehicle with Ten Years of Charging!',
      at: Date.now() - 10 * 60_000,
      eligibleCount: COUNT,
      winners: recent.slice(0, 10).map((r) => ({ number: r.number, name: r.name })),
    },
  }
}

type Variant = 'empty' | 'busy' | 'offline' | 'forbidden'

describe('the big screens in English with a long name and long labels', () => {
  const fx = realConsoleRelay({ name: 'screen-layout-en', link: true })
  let campaign: ConsoleCampaign

  // Each screen's page closes, and the link comes back, after each test, passed or failed: a
  // failure leaks no page and leaves the next test a working link.
  afterEach(async () => {
    for (const context of fx.browser.contexts()) await context.close()
    await fx.link.restore()
  }, 30_000)

  beforeAll(async () => {
    await fx.relay.addKiosk('k1')
    const c = await signIn(fx.relay)
    campaign = await createCampaign(c, { name: LONG_NAME })
    await assign(c, 'k1', campaign.id)
  }, 60_000)

  async function open(
    size: { width: number; height: number },
    kind: 'wall' | 'draw',
    variant: Variant,
  ): Promise<Page> {
    const page = await fx.browser.newPage({ viewport: size })
    if (variant === 'busy' || variant === 'offline') {
      await page.route('**/screen/api/*/wall?*', (route) =>
        route.fulfill({
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify(busySnapshot(campaign)),
        }),
      )
    }
    // The organizer rotated the screen key: the relay refuses this screen's (stream and snapshot).
    if (variant === 'forbidden') {
      await page.route('**/screen/api/**', (route) =>
        route.fulfill({
          status: 403,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'forbidden', message: 'screen key rotated' } }),
        }),
      )
    }
    // The offline one goes through the link the test cuts.
    const base = variant === 'offline' ? `http://127.0.0.1:${fx.link.port}` : fx.relay.url
    await page.goto(`${base}/screen/${campaign.id}/${kind}?key=${campaign.screenKey}&lang=en`)
    const state = variant === 'forbidden' ? 'forbidden' : 'live'
    await waitForPage(page, `document.querySelector('main')?.dataset.state === '${state}'`)
    if (variant === 'offline') {
      // The venue's network drops with the busy wall on screen: it says it is reconnecting.
      await fx.link.cut()
      await waitForPage(page, `document.querySelector('main')?.dataset.state === 'offline'`)
    }
    // The tiles' entrance and the winners' roll are over (only endless animations still run).
    await waitForPage(
      page,
      `document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity)`,
    )
    const name = `screen-en-${kind}-${size.width}x${size.height}-${variant}`
    await page.screenshot({ path: resolve(process.env.SCREEN_SHOTS ?? SCREENSHOTS, `${name}.png`) })
    return page
  }

  for (const size of [
    { width: 1920, height: 1080 },
    { width: 1080, height: 1920 },
  ]) {
    it(`${size.width}×${size.height}: nothing outside its box or the screen, no text cut`, async () => {
      const seen: Record<string, unknown> = {}
      for (const kind of ['wall', 'draw'] as const) {
        for (const variant of ['empty', 'busy', 'offline', 'forbidden'] as const) {
          const page = await open(size, kind, variant)
          expect(await page.evaluate('document.documentElement.lang')).toBe('en')
          seen[`${kind} ${variant}`] = z
            .array(z.string())
            .parse(await page.evaluate(SCREEN_BOX_PROBLEMS))
          if (variant === 'busy' && kind === 'wall') {
            expect(await page.locator('[data-testid="wall-count"]').textContent()).toBe('123,456')
            expect(await page.locator('.counter .label').textContent()).toBe(
              'checked in (all days)',
            )
          }
          if (variant === 'busy' && kind === 'draw') {
            expect(await page.locator('.caption').textContent()).toContain(
              '123,456 guests in the draw',
            )
          }
          if (variant !== 'forbidden') {
            expect(await page.locator('.name').textContent()).toBe(LONG_NAME)
          }
          await page.close()
          if (variant === 'offline') await fx.link.restore()
        }
      }
      // The 100-character name alone is cut (clamped to four lines, the rest hidden), cleanly:
      // no ink-cut (no descender clipped, no sliver of its fifth line under the ellipsis).
      const cut = [`clipped-y who:${HUNDRED.slice(0, 24)}`, `clamped who:${HUNDRED.slice(0, 24)}`]
      expect(seen).toEqual(
        Object.fromEntries(
          Object.keys(seen).map((k) => [k, k === 'wall busy' || k === 'wall offline' ? cut : []]),
        ),
      )
    }, 180_000)
  }
})
