/**
 * Issue 21's draw, whole, in real Chromium against the real relay (SQLite, the built
 * out/console, the relay's own draw feed — no fake): 200 visitors check in, the organizer draws
 * 3 through the console API, and the draw screen (opened before the draw) rolls and lands on
 * exactly the winners the relay stored; a redraw of one absent winner reaches the screen too,
 * the two others kept. The screen never gets an openid.
 */
import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import type { RelayHandle } from '../../relay/server'
import type { ConsoleCampaign } from '../../shared/campaign'
import { drawRecordSchema, type DrawRecord } from '../../shared/screen-api'
import type { ConsoleClient } from '../relay/console-helpers'
import { scan, screenSetup } from '../relay/screen-helpers'
import { waitForPage } from './browser'
import { realConsoleRelay } from './real-console-relay'

const OPENID = (i: number): string => `oDrawVisitor${String(i).padStart(5, '0')}xyz`

/** The winners the screen shows, in order: [number, label]. */
async function shown(page: Page): Promise<Array<[number, string]>> {
  return page.evaluate<Array<[number, string]>>(
    `[...document.querySelectorAll('.winner')].map((e) => [Number(e.dataset.number), e.textContent.trim()])`,
  )
}

/** The record's standing winners as the screen should show them. */
function expected(d: DrawRecord): Array<[number, string]> {
  return d.winners
    .filter((w) => w.replacedAt === null)
    .map((w) => [w.number, w.name ?? `来宾 #${w.number}`])
}

describe('a draw made by the relay plays on the draw screen', () => {
  const fx = realConsoleRelay({ name: 'draw' })
  let relay: RelayHandle
  let browser: Browser
  let campaign: ConsoleCampaign
  let organizer: ConsoleClient
  const bodies: string[] = []

  beforeAll(async () => {
    ;({ relay, browser } = fx)
    ;({ campaign, console: organizer } = await screenSetup(relay, 'k1'))
    for (let i = 0; i < 200; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) => scan(relay.url, OPENID(i + j), 'k1', i + j)),
      )
    }
  }, 120_000)

  it('3 among 200: the screen lands on the stored winners, then on the redraw', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    page.on('response', (res) => {
      void res
        .text()
        .then((b) => bodies.push(b))
        .catch(() => undefined)
    })
    const url = `${relay.url}/screen/${campaign.id}/draw?key=${campaign.screenKey}`
    expect((await page.goto(url))?.status()).toBe(200)
    await waitForPage(page, `document.querySelector('main')?.dataset.state === 'live'`)
    await waitForPage(
      page,
      `document.querySelector('[data-testid="draw-stage"]')?.dataset.phase === 'idle'`,
    )

    const made = await organizer.call('POST', `/console/api/campaigns/${campaign.id}/draws`, {
      prize: '一等奖',
      count: 3,
    })
    expect(made.status, made.text).toBe(201)
    const draw = drawRecordSchema.parse(made.json)
    expect(draw.eligibleCount).toBe(200)
    await waitForPage(
      page,
      `document.querySelector('[data-testid="draw-stage"]').dataset.phase === 'done'`,
      20_000,
    )
    expect(await shown(page)).toEqual(expected(draw))
    expect(await page.locator('[data-testid="draw-prize"]').textContent()).toBe('一等奖')
    // What the relay keeps is what the screen showed.
    const listed = await organizer.call('GET', `/console/api/campaigns/${campaign.id}/draws`)
    const [stored] = drawRecordSchema.array().parse(listed.json)
    expect(stored?.id).toBe(draw.id)
    expect(expected(stored as DrawRecord)).toEqual(expected(draw))

    // The second winner did not come forward: redrawn, the others kept.
    const absent = draw.winners[1]?.openid ?? ''
    const redone = await organizer.call(
      'POST',
      `/console/api/campaigns/${campaign.id}/draws/${draw.id}/redraw`,
      { openid: absent },
    )
    expect(redone.status, redone.text).toBe(200)
    const after = drawRecordSchema.parse(redone.json)
    const now = expected(after)
    expect(now).toHaveLength(3)
    expect(now).toEqual(expect.arrayContaining([expected(draw)[0], expected(draw)[2]]))
    await waitForPage(
      page,
      `(() => { const n = [...document.querySelectorAll('.winner')].map((e) => Number(e.dataset.number)); return document.querySelector('[data-testid="draw-stage"]').dataset.phase === 'done' && n.length === 3 && ${JSON.stringify(now.map(([n]) => n))}.every((x) => n.includes(x)) })()`,
      20_000,
    )
    expect([...(await shown(page))].sort()).toEqual([...now].sort())
    await page.close()
    const openids = [...draw.winners, ...after.winners].map((w) => w.openid)
    for (const b of bodies) for (const o of openids) expect(b.includes(o)).toBe(false)
  }, 90_000)
})
