/**
 * The BUILT console's campaign phase badges (未开始 / 已结束) on an organizer's phone (390×844,
 * touch) and by keyboard, in real Chromium against the real relay: the explanation that a
 * mouse reads in the badge's tooltip opens as text under the badge with a tap, or with Enter
 * and closes with Space, on the campaigns list and the stats page; the open note stays on
 * the screen (nothing past its right edge) and axe finds nothing wrong with it open.
 * Screenshots: test-artifacts/screenshots/console-phase-*.png.
 */
import type { Locator, Page } from 'playwright-core'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { CAMPAIGN_DEFAULTS } from '../../shared/campaign'
import { addOrganizer } from '../../relay/console/organizer-admin'
import { axeViolations } from './axe'
import { consoleContext, signInAlice } from './console-booths-seed'
import { screenshot, waitForPage } from './browser'
import { realConsoleRelay } from './real-console-relay'

const bed = realConsoleRelay({ name: 'phase-badge' })
// Each test's context closes after it, passed or failed, so a failure leaks no pages.
afterEach(async () => {
  for (const context of bed.browser.contexts()) await context.close()
}, 30_000)
/** Far enough either way that the test never meets the day it turns. */
const AHEAD = { id: 'ahead', startsAt: '2099-06-01', endsAt: '2099-06-03' }
const OVER = { id: 'over', startsAt: '2020-01-01', endsAt: '2020-01-02' }
let password = ''

beforeAll(async () => {
  const store = bed.relay.store
  for (const c of [AHEAD, OVER]) {
    await store.campaigns.createCampaign(
      {
        ...CAMPAIGN_DEFAULTS,
        ...c,
        name: `2026 春季展会 ${c.id} · 上海国际会展中心 第一展馆 Spring Expo Hall One`,
        screenKey: 'k'.repeat(43),
      },
      Date.now(),
    )
  }
  password = await addOrganizer(store, 'alice', Date.now())
}, 60_000)

async function signedIn(touch: boolean, locale: 'zh-CN' | 'en'): Promise<Page> {
  return signInAlice(bed, await consoleContext(bed, touch, locale), password)
}

const badgeIn = (page: Page, campaign: string): Locator =>
  page.locator(`[data-campaign="${campaign}"] [data-testid="campaign-phase"]`)
/** The badge's note (by its aria-controls), and its id for in-page sources. */
const noteOf = async (badge: Locator): Promise<{ note: Locator; id: string }> => {
  const id = z.string().parse(await badge.getAttribute('aria-controls'))
  return { note: badge.page().locator(`[id="${id}"]`), id }
}

/**
 * In-page source: the note's box, its table cell's right edge and the next cell's left one
 * (-1 outside a table), and how wide the page scrolls.
 */
const BOXES = (id: string): string => `(() => {
  const note = document.getElementById(${JSON.stringify(id)})
  const cell = note.closest('td')
  const next = cell && cell.nextElementSibling
  const r = note.getBoundingClientRect()
  return {
    left: r.left,
    right: r.right,
    cell: cell ? cell.getBoundingClientRect().right : -1,
    next: next ? next.getBoundingClientRect().left : -1,
    scroll: document.documentElement.scrollWidth,
  }
})()`
const boxesSchema = z.object({
  left: z.number(),
  right: z.number(),
  cell: z.number(),
  next: z.number(),
  scroll: z.number(),
})
const boxes = async (page: Page, id: string) => boxesSchema.parse(await page.evaluate(BOXES(id)))

describe('on a phone (touch)', () => {
  for (const locale of ['zh-CN', 'en'] as const) {
    it(`the campaigns list: a tap opens what 未开始 and 已结束 mean under them (${locale})`, async () => {
      const page = await signedIn(true, locale)
      await page.click('[data-nav="campaigns"]')
      const ahead = badgeIn(page, AHEAD.id)
      await ahead.waitFor()
      // A fingertip's target, as every button on a touch screen.
      const box = z
        .object({ width: z.number(), height: z.number() })
        .parse(await ahead.boundingBox())
      expect(box.height).toBeGreaterThanOrEqual(44)
      expect(box.width).toBeGreaterThanOrEqual(44)

      const { note: aheadNote, id: aheadId } = await noteOf(ahead)
      expect(await aheadNote.isVisible()).toBe(false)
      await ahead.tap()
      await aheadNote.waitFor({ state: 'visible' })
      expect(await ahead.getAttribute('aria-expanded')).toBe('true')
      expect(await aheadNote.textContent()).toContain(
        locale === 'en' ? 'does not check the start date' : '中继不检查开始日期',
      )
      const over = badgeIn(page, OVER.id)
      await over.tap()
      const { note: overNote, id: overId } = await noteOf(over)
      await overNote.waitFor({ state: 'visible' })
      expect(await overNote.textContent()).toContain(
        locale === 'en' ? 'scans still count' : '扫码仍照常计入',
      )
      for (const id of [aheadId, overId]) {
        const b = await boxes(page, id)
        expect(b.left).toBeGreaterThanOrEqual(0)
        expect(b.right).toBeLessThanOrEqual(390)
        expect(b.scroll).toBeLessThanOrEqual(390)
      }
      await screenshot(page, `console-phase-campaigns-phone-${locale}`)
      expect(await axeViolations(page)).toEqual([])
      // Tapped again, it closes.
      await ahead.tap()
      await waitForPage(
        page,
        `document.querySelector('[data-campaign="${AHEAD.id}"] [data-testid="campaign-phase"]').getAttribute('aria-expanded') === 'false'`,
      )
      expect(await aheadNote.isVisible()).toBe(false)
    }, 90_000)
  }

  it('the stats page: the chosen campaign’s badge opens its note too', async () => {
    const page = await signedIn(true, 'zh-CN')
    await page.click('[data-nav="stats"]')
    await page.locator('[data-testid="campaign-scope"]').selectOption(OVER.id)
    const badge = page.locator('[data-testid="page-stats"] [data-testid="campaign-phase"]')
    await badge.waitFor()
    await badge.tap()
    const { note, id } = await noteOf(badge)
    await note.waitFor({ state: 'visible' })
    expect(await note.textContent()).toContain('扫码仍照常计入')
    const b = await boxes(page, id)
    expect(b.left).toBeGreaterThanOrEqual(0)
    expect(b.right).toBeLessThanOrEqual(390)
    expect(b.scroll).toBeLessThanOrEqual(390)
    await screenshot(page, 'console-phase-stats-phone')
    expect(await axeViolations(page)).toEqual([])
  }, 90_000)
})

it('by keyboard: Tab reaches the badge, Enter opens its note, Space closes it', async () => {
  const page = await signedIn(false, 'en')
  await page.click('[data-nav="campaigns"]')
  const badge = badgeIn(page, AHEAD.id)
  await badge.waitFor()
  expect(await badge.getAttribute('aria-label')).toBe('Not started: what this means')
  // Tab from the top of the page until the badge has the focus (bounded: the list is short).
  await page.locator('body').focus()
  const focused = `document.activeElement && document.activeElement.closest('[data-campaign="${AHEAD.id}"]') !== null && document.activeElement.dataset.testid === 'campaign-phase'`
  let reached = false
  for (let i = 0; i < 60 && !reached; i++) {
    await page.keyboard.press('Tab')
    reached = z.boolean().parse(await page.evaluate(focused))
  }
  expect(reached).toBe(true)
  const { note, id } = await noteOf(badge)
  await page.keyboard.press('Enter')
  await note.waitFor({ state: 'visible' })
  expect(await badge.getAttribute('aria-expanded')).toBe('true')
  // The open note stays in its table cell: it does not run over the next column's text.
  const inCell = await boxes(page, id)
  expect(inCell.right).toBeLessThanOrEqual(inCell.cell)
  expect(inCell.right).toBeLessThanOrEqual(inCell.next)
  await screenshot(page, 'console-phase-keyboard-en')
  // The open note traps nothing: Tab goes on past the badge, Shift+Tab comes back to it.
  await page.keyboard.press('Tab')
  expect(z.boolean().parse(await page.evaluate(focused))).toBe(false)
  expect(await page.evaluate('document.activeElement === document.body')).toBe(false)
  await page.keyboard.press('Shift+Tab')
  expect(z.boolean().parse(await page.evaluate(focused))).toBe(true)
  await page.keyboard.press('Space')
  await note.waitFor({ state: 'hidden' })
  expect(await badge.getAttribute('aria-expanded')).toBe('false')
}, 90_000)
