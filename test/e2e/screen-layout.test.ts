/**
 * The big screens as an organizer sees them on a landscape TV (1920×1080) and a portrait totem
 * (1080×1920), in real Chromium against the real relay and the built out/console: a long Chinese
 * campaign name, 0 check-ins and 5,000 (the 5,000 as the relay's snapshot would give them: the
 * count, the newest 60 with long roster names, a draw of 10 among them). Nothing may stick out of
 * the screen or be cut (the name was cut after about twenty characters, long roster names after
 * four, "已签到" broke over two lines), counts are grouped (5,000, not 5000) and, with no one yet,
 * the waiting line is in the middle. A name on two lines (1280×720 and 1920×1080) keeps both
 * lines whole: neither clipped by the title's box nor overlapping the other (a line-height of 1
 * or less does both to CJK glyphs), and an English name keeps the letters that reach below
 * the line (g, y, p) whole: they were cut off by the title's box. A draw of 1, 12, 50 or 100
 * winners with long names fits at 1280×720, 1920×1080 and 4K, each name whole and no smaller
 * than 1.6% of the screen's height (one long name ran off both sides; 12 pushed the prize over
 * the campaign's name and the rest below the screen). The screenshots go to test-artifacts/screenshots (or
 * $SCREEN_SHOTS) for a person to look at.
 */
import { resolve } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { RelayHandle } from '../../relay/server'
import type { ConsoleCampaign } from '../../shared/campaign'
import type { WallSnapshot } from '../../shared/screen-api'
import { createCampaign, assign, signIn } from '../relay/campaign-helpers'
import { SCREENSHOTS, waitForPage, waitForStill } from './browser'
import { realConsoleRelay } from './real-console-relay'
import { SCREEN_BOX_PROBLEMS } from './screen-fit'

const LONG_NAME = '2026长三角新能源汽车与智能网联技术国际博览会暨第十二届产业链高峰论坛·嘉宾签到'
/** Long enough to wrap, short enough for the two-line size (titleLength 'long'). */
const TWO_LINE_NAME = '2026长三角新能源汽车与智能网联技术国际博览会暨第十二届产业链高峰论坛'
/** An English name on one line whose letters reach below the baseline (g, y, p, j, q). */
const LATIN_NAME = 'Spring Gala: Jumpy Typography'
const NAMES = [
  '欧阳娜娜',
  '司马相如',
  '诸葛孔明明',
  '爱新觉罗·溥仪',
  '王小明',
  '阿卜杜热西提·买买提',
  // Ten characters and a dot: past two lines of a landscape tile at the large size. (Nine
  // names: with a multiple of four, the unnamed every fourth tile would hide some of them.)
  '买买提江·阿卜杜热合曼',
  '阿依古丽·阿不都热合曼',
  // A WeChat-style name with an emoji: drawn with the platform's emoji font, not as a box.
  '王小明🎉',
]
/**
 * A roster name at 100 characters (what a roster's name column holds), in Chinese script: past
 * four lines of a tile at the smallest size, so cut under an ellipsis, and it must end cleanly.
 * A CJK glyph fills the em, so its top is nearer its line's than a Latin letter's: a sliver of
 * the fifth line's tops showed under the ellipsis on a portrait wall.
 */
const HUNDRED = '阿卜杜热西提·买买提·艾力江·阿不都热合曼·'.repeat(5).slice(0, 100)
/** Winners' names as long as they come: English with a title, a Uyghur name, emoji. */
const LONG_WINNERS = [
  'Maximilian Alexander von Hohenzollern-Sigmaringen',
  '阿卜杜热西提·买买提·艾力',
  'Dr. Christopher Montgomery-Wellington III',
  '🎉🎉王小明🎉🎉',
  'Anastasiya Konstantinovna Rimskaya-Korsakova',
  '欧阳娜娜',
]
/** In-page: whether the tile with the emoji name is drawn with a stack that names emoji fonts. */
const EMOJI_FONT = `(() => {
  const who = [...document.querySelectorAll('.tile .who')].find((e) => e.textContent.includes('🎉'))
  const family = who ? getComputedStyle(who).fontFamily : ''
  return ['Apple Color Emoji', 'Segoe UI Emoji', 'Noto Color Emoji'].every((f) => family.includes(f))
})()`

function busySnapshot(c: ConsoleCampaign): WallSnapshot {
  const recent = Array.from({ length: 60 }, (_, i) => ({
    number: 5000 - i,
    name: i % 4 === 3 ? null : i === 1 ? HUNDRED : `${NAMES[i % NAMES.length] ?? ''}`,
    at: Date.now() - i * 1000,
  }))
  return {
    campaign: { id: c.id, name: c.name },
    count: 5000,
    recent,
    draw: {
      id: 'd1',
      prize: '特等奖 · 新能源汽车一辆（含十年免费充电）',
      at: Date.now() - 10 * 60_000,
      eligibleCount: 5000,
      winners: recent.slice(0, 10).map((r) => ({ number: r.number, name: r.name })),
    },
  }
}

describe('the big screens with a long Chinese name, 0 and 5,000 check-ins', () => {
  const fx = realConsoleRelay({ name: 'screen-layout' })
  let relay: RelayHandle
  let browser: Browser
  let campaign: ConsoleCampaign
  let twoLine: ConsoleCampaign
  let latin: ConsoleCampaign

  beforeAll(async () => {
    ;({ relay, browser } = fx)
    await relay.addKiosk('k1')
    const c = await signIn(relay)
    campaign = await createCampaign(c, { name: LONG_NAME })
    await assign(c, 'k1', campaign.id)
    await relay.addKiosk('k2')
    twoLine = await createCampaign(c, { name: TWO_LINE_NAME })
    await assign(c, 'k2', twoLine.id)
    await relay.addKiosk('k3')
    latin = await createCampaign(c, { name: LATIN_NAME })
    await assign(c, 'k3', latin.id)
  }, 60_000)

  /** The screen at `size`, its snapshot `busy` (5,000) or a given one, or the relay's own. */
  async function open(
    size: { width: number; height: number },
    kind: 'wall' | 'draw',
    busy: boolean | { snapshot: WallSnapshot; name: string },
  ): Promise<Page> {
    const page = await browser.newPage({ viewport: size })
    if (busy !== false) {
      const snapshot = busy === true ? busySnapshot(campaign) : busy.snapshot
      await page.route('**/screen/api/*/wall?*', (route) =>
        route.fulfill({
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify(snapshot),
        }),
      )
    }
    await page.goto(`${relay.url}/screen/${campaign.id}/${kind}?key=${campaign.screenKey}`)
    await waitForPage(page, `document.querySelector('main')?.dataset.state === 'live'`)
    // The tiles' entrance is over: mid-way, the first row is drawn above its list.
    await waitForStill(page)
    const what = typeof busy === 'object' ? busy.name : busy ? '5000' : '0'
    const name = `screen-${kind}-${size.width}x${size.height}-${what}`
    await page.screenshot({ path: resolve(process.env.SCREEN_SHOTS ?? SCREENSHOTS, `${name}.png`) })
    return page
  }

  /** In-page: the prize under the title (not pushed up over it), and the smallest winner's font. */
  const DRAW_FIT = `(() => {
    const head = document.querySelector('.draw-head').getBoundingClientRect()
    const prize = document.querySelector('[data-testid="draw-prize"]').getBoundingClientRect()
    const sizes = [...document.querySelectorAll('.winner')].map((e) => parseFloat(getComputedStyle(e).fontSize))
    return { prizeUnderTitle: prize.top >= head.bottom, smallest: Math.min(...sizes), shown: sizes.length }
  })()`

  /** A draw of `n` winners named from LONG_WINNERS (the longest roster names a desk may bind). */
  function drawOf(n: number): WallSnapshot {
    const s = busySnapshot(campaign)
    const winners = Array.from({ length: n }, (_, i) => ({
      number: 5000 - i,
      name: LONG_WINNERS[i % LONG_WINNERS.length] ?? null,
    }))
    return { ...s, draw: s.draw === null ? null : { ...s.draw, winners } }
  }

  for (const size of [
    { width: 1280, height: 720 },
    { width: 1920, height: 1080 },
    { width: 3840, height: 2160 },
  ]) {
    it(`${size.width}×${size.height}: a draw of 1, 12, 50 and 100 with long names fits the screen`, async () => {
      const seen: Record<string, unknown> = {}
      for (const n of [1, 12, 50, 100]) {
        const page = await open(size, 'draw', { snapshot: drawOf(n), name: `${n}-winners` })
        const fit = z
          .object({ prizeUnderTitle: z.boolean(), smallest: z.number(), shown: z.number() })
          .parse(await page.evaluate(DRAW_FIT))
        seen[`${n}`] = {
          problems: await page.evaluate(SCREEN_BOX_PROBLEMS),
          prizeUnderTitle: fit.prizeUnderTitle,
          shown: fit.shown,
          // Readable from the back of a hall: no winner under 1.6% of the screen's height.
          readable: fit.smallest >= size.height * 0.016,
        }
        await page.close()
      }
      const fits = (shown: number): unknown => ({
        problems: [],
        prizeUnderTitle: true,
        shown,
        readable: true,
      })
      expect(seen).toEqual({ 1: fits(1), 12: fits(12), 50: fits(50), 100: fits(100) })
    }, 120_000)
  }

  for (const size of [
    { width: 1920, height: 1080 },
    { width: 1080, height: 1920 },
  ]) {
    it(`${size.width}×${size.height}: nothing cut or outside the screen, 5,000 written so`, async () => {
      const seen: Record<string, unknown> = {}
      for (const kind of ['wall', 'draw'] as const) {
        for (const busy of [false, true]) {
          const page = await open(size, kind, busy)
          seen[`${kind} ${busy ? 5000 : 0}`] = {
            problems: await page.evaluate(SCREEN_BOX_PROBLEMS),
            title: await page.locator('.name').textContent(),
            count:
              kind === 'wall'
                ? await page.locator('[data-testid="wall-count"]').textContent()
                : busy
                  ? await page.locator('.caption').textContent()
                  : null,
            // With none yet, the waiting line is in the middle of the screen, not under the title.
            waitingInMiddle:
              kind === 'wall' && !busy
                ? await page.evaluate(
                    `(() => { const r = document.querySelector('.waiting').getBoundingClientRect(); const y = (r.top + r.bottom) / 2; return y > innerHeight * 0.35 && y < innerHeight * 0.65 })()`,
                  )
                : null,
            emojiFont: kind === 'wall' && busy ? await page.evaluate(EMOJI_FONT) : null,
          }
          await page.close()
        }
      }
      const caption = '中奖名单 · 5,000 位来宾参与'
      expect(seen).toEqual({
        'wall 0': {
          problems: [],
          title: LONG_NAME,
          count: '0',
          waitingInMiddle: true,
          emojiFont: null,
        },
        // The 100-character name alone is cut (clamped to four lines, the rest hidden), cleanly:
        // no ink-cut (no sliver of its fifth line's tops under the ellipsis).
        'wall 5000': {
          problems: [
            `clipped-y who:${HUNDRED.slice(0, 24)}`,
            `clamped who:${HUNDRED.slice(0, 24)}`,
          ],
          title: LONG_NAME,
          count: '5,000',
          waitingInMiddle: null,
          emojiFont: true,
        },
        'draw 0': {
          problems: [],
          title: LONG_NAME,
          count: null,
          waitingInMiddle: null,
          emojiFont: null,
        },
        'draw 5000': {
          problems: [],
          title: LONG_NAME,
          count: caption,
          waitingInMiddle: null,
          emojiFont: null,
        },
      })
    }, 60_000)
  }

  /**
   * The title's wrapped lines, as drawn: each line's ink (the glyphs' real top and bottom, measured
   * with the title's own font on a canvas, placed on the line's baseline) against the next
   * line's and against the title's box, which clips what sticks out (overflow: hidden).
   */
  const TITLE_LINES = `(() => {
    const e = document.querySelector('.name')
    const box = e.getBoundingClientRect()
    const font = getComputedStyle(e).font
    const ctx = document.createElement('canvas').getContext('2d')
    ctx.font = font
    const text = e.firstChild
    const lines = []
    for (let i = 0; i < text.length; ) {
      const r = document.createRange()
      r.setStart(text, i)
      r.setEnd(text, i + 1)
      const top = r.getClientRects()[0].top
      const last = lines[lines.length - 1]
      if (last && Math.abs(last.top - top) < 1) last.text += text.data.slice(i, i + 1)
      else lines.push({ top, text: text.data.slice(i, i + 1) })
      i += 1
    }
    return {
      boxTop: box.top,
      boxBottom: box.bottom,
      lines: lines.map((l) => {
        const m = ctx.measureText(l.text)
        const baseline = l.top + m.fontBoundingBoxAscent
        return { text: l.text, inkTop: baseline - m.actualBoundingBoxAscent, inkBottom: baseline + m.actualBoundingBoxDescent }
      }),
    }
  })()`
  const titleLinesSchema = z.object({
    boxTop: z.number(),
    boxBottom: z.number(),
    lines: z.array(z.object({ text: z.string(), inkTop: z.number(), inkBottom: z.number() })),
  })

  for (const size of [
    { width: 1280, height: 720 },
    { width: 1920, height: 1080 },
  ]) {
    it(`${size.width}×${size.height}: a name on two lines, neither clipped nor overlapping; g, y, p whole`, async () => {
      const seen: Record<string, unknown> = {}
      for (const kind of ['wall', 'draw'] as const) {
        for (const [label, c] of [
          ['two lines', twoLine],
          ['latin', latin],
        ] as const) {
          const page = await browser.newPage({ viewport: size })
          await page.goto(`${relay.url}/screen/${c.id}/${kind}?key=${c.screenKey}`)
          await waitForPage(page, `document.querySelector('main')?.dataset.state === 'live'`)
          await page.screenshot({
            path: resolve(
              process.env.SCREEN_SHOTS ?? SCREENSHOTS,
              `screen-${kind}-${size.width}x${size.height}-${label.replace(' ', '-')}.png`,
            ),
          })
          const t = titleLinesSchema.parse(await page.evaluate(TITLE_LINES))
          seen[`${kind} ${label}`] = {
            lines: t.lines.length,
            whole: t.lines.map((l) => l.text).join(''),
            firstInBox: t.lines[0] !== undefined && t.lines[0].inkTop >= t.boxTop,
            // The descenders of the last line (g, y, p) too: the title's box clips what sticks out.
            lastInBox: t.lines.every((l) => l.inkBottom <= t.boxBottom),
            apart: t.lines.every((l, i) => (t.lines[i + 1]?.inkTop ?? Infinity) >= l.inkBottom),
            problems: await page.evaluate(SCREEN_BOX_PROBLEMS),
          }
          await page.close()
        }
      }
      const fine = {
        lines: 2,
        whole: TWO_LINE_NAME,
        firstInBox: true,
        lastInBox: true,
        apart: true,
        problems: [],
      }
      const latinFine = { ...fine, lines: 1, whole: LATIN_NAME }
      expect(seen).toEqual({
        'wall two lines': fine,
        'wall latin': latinFine,
        'draw two lines': fine,
        'draw latin': latinFine,
      })
    }, 60_000)
  }
})
