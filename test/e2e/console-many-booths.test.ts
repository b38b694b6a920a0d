/**
 * The BUILT console in real Chromium against the real relay (SQLite) with an expo's numbers:
 * 200 booths and 30 campaigns. The campaign editor's booth choices (the campaign's booths and
 * its stamp rally) have a filter, a "chosen only" switch and a count, in a box that scrolls, so
 * the editor is not 4,300 px of checkboxes and booth 137 is a few keystrokes away; the campaigns
 * list's long names wrap into even lines, never leaving one character on a line of its own.
 * Screenshots: test-artifacts/console-many-booths-*.png.
 */
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Page } from 'playwright-core'
import { beforeAll, expect, it } from 'vitest'
import { z } from 'zod'
import type { AttendanceRow } from '../../relay/store/attendance'
import { CAMPAIGN_DEFAULTS } from '../../shared/campaign'
import { waitForPage } from './browser'
import { consoleOrganizers } from './console-organizers'
import { realConsoleRelay } from './real-console-relay'

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts')
const BOOTHS = 200
const CAMPAIGNS = 30
const booth = (i: number): string => `booth-${String(i).padStart(3, '0')}`
/** A real expo's full title, no spaces: cut at every length from 12 to 41 characters. */
const TITLE =
  '二〇二六年春季国际消费电子产品博览会暨上海国际会展中心开幕式及长三角智能制造高峰论坛签到'

const bed = realConsoleRelay({ name: 'many-booths' })
const organizers = consoleOrganizers(bed)
let page: Page

beforeAll(async () => {
  const store = bed.relay.store
  for (let i = 0; i < BOOTHS; i++) await bed.relay.addKiosk(booth(i))
  for (let c = 0; c < CAMPAIGNS; c++) {
    // Every length of the title (one of them leaves one character on its last line at any
    // width, unbalanced), one with spaces, one English.
    const name =
      c === 0
        ? '2026 春季展会 第 3 场 · 上海国际会展中心'
        : c === 1
          ? 'Spring Expo 2026 at the Shanghai International Convention and Exhibition Center'
          : TITLE.slice(0, 12 + c)
    await store.campaigns.createCampaign(
      { ...CAMPAIGN_DEFAULTS, id: `c${c}`, name, screenKey: 'k'.repeat(43) },
      Date.now(),
    )
  }
  for (let i = 0; i < BOOTHS; i++) await store.campaigns.assignKiosk(booth(i), `c${i % CAMPAIGNS}`)
  page = await organizers.signedIn('alice')
  await page.setViewportSize({ width: 1280, height: 800 })
  mkdirSync(ARTIFACTS, { recursive: true })
}, 120_000)

const PICK = '[data-testid="campaign-booths-pick"]'

it('the editor: booth 137 is found by typing, ticked from the keyboard and saved, the rest kept', async () => {
  await page.goto(`${bed.relay.url}/console/#/campaigns/c0`)
  await page.locator(`${PICK} [data-booth="${booth(199)}"]`).waitFor({ state: 'attached' })
  await waitForPage(
    page,
    `document.querySelector('${PICK} [data-booth="booth-030"]')?.checked === true`,
  )

  // The page is a page, not two walls of 200 checkboxes (it was 4,300 px tall).
  const height = await page.evaluate('document.documentElement.scrollHeight')
  expect(height).toBeLessThan(3300)
  // Each grid scrolls in its own box, within the window.
  const box = await page.locator(PICK).boundingBox()
  expect(box?.height ?? Infinity).toBeLessThan(400)

  // The filter has a visible label tied to it, in Chinese.
  const find = page.locator('[data-testid="campaign-booths-pick-find"]')
  const label = await page.evaluate(
    `document.querySelector('label[for="' + document.querySelector('[data-testid="campaign-booths-pick-find"]').id + '"]')?.textContent.trim()`,
  )
  expect(label).toBe('查找签到台')
  const count = page.locator('[data-testid="campaign-booths-pick-count"]')
  expect(await count.textContent()).toBe('已选 7 / 200')

  await find.focus()
  await page.keyboard.type('137')
  await waitForPage(page, `document.querySelectorAll('${PICK} [data-booth]').length === 1`)
  expect(await page.locator(`${PICK} [data-booth]`).getAttribute('data-booth')).toBe('booth-137')
  // Tab past "chosen only" to the one box, tick it with the space bar.
  await page.keyboard.press('Tab')
  await page.keyboard.press('Tab')
  expect(await page.evaluate('document.activeElement?.dataset.booth')).toBe('booth-137')
  await page.keyboard.press('Space')
  expect(await count.textContent()).toBe('已选 8 / 200')
  await page.screenshot({ path: resolve(ARTIFACTS, 'console-many-booths-editor.png') })

  // Chosen only: the eight, the filter cleared; what was ticked while hidden stayed ticked.
  await find.fill('')
  await page.click('[data-testid="campaign-booths-pick-only-chosen"]')
  const chosen = z
    .array(z.string())
    .parse(
      await page.evaluate(
        `[...document.querySelectorAll('${PICK} [data-booth]')].map((el) => (el.checked ? el.dataset.booth : '?'))`,
      ),
    )
  const before = Array.from({ length: 7 }, (_, i) => booth(i * CAMPAIGNS))
  expect(chosen).toEqual([...before.slice(0, 5), 'booth-137', ...before.slice(5)])

  // A name matches too: the campaign a booth runs now.
  await page.click('[data-testid="campaign-booths-pick-only-chosen"]')
  await find.fill(TITLE.slice(0, 12 + 29))
  await waitForPage(page, `document.querySelectorAll('${PICK} [data-booth]').length === 6`)

  // What goes to the relay is the booths ticked: booth-137 moved from c17, nothing else.
  await page.click('[data-testid="save-campaign"]')
  await page.locator('[data-testid="saved"]').waitFor()
  const assigned = await bed.relay.store.console.kioskCampaigns()
  expect(assigned.get('booth-137')).toBe('c0')
  for (let i = 0; i < BOOTHS; i++) {
    if (i !== 137) expect(assigned.get(booth(i)), booth(i)).toBe(`c${i % CAMPAIGNS}`)
  }
}, 120_000)

it('the rally: its booths are filtered the same way, by id or stamp name', async () => {
  const stamps = '[data-testid="stamps"]'
  await page.locator('[data-testid="stamps-find"]').fill('booth-19')
  await waitForPage(page, `document.querySelectorAll('${stamps} [data-stamp]').length === 10`)
  await page.click(`${stamps} [data-stamp="booth-190"]`)
  expect(await page.locator('[data-testid="stamps-count"]').textContent()).toBe('已选 1 / 200')
  await page.locator('[data-testid="stamp-name-booth-190"]').fill('咖啡角')
  await page.locator('[data-testid="stamps-find"]').fill('咖啡')
  await waitForPage(page, `document.querySelectorAll('${stamps} [data-stamp]').length === 1`)
  expect(await page.isChecked(`${stamps} [data-stamp="booth-190"]`)).toBe(true)
})

/** In-page source: each campaign name's lines, as [width of each line in px]. */
const NAME_LINES = `[...document.querySelectorAll('[data-testid="campaign-name"] a')].map((el) => {
  const range = document.createRange()
  range.selectNodeContents(el)
  const lines = new Map()
  for (const r of range.getClientRects()) {
    if (r.width === 0) continue
    const top = Math.round(r.top)
    lines.set(top, (lines.get(top) ?? 0) + r.width)
  }
  return { name: el.textContent.trim(), widths: [...lines.values()] }
})`
const nameLinesSchema = z.array(z.object({ name: z.string(), widths: z.array(z.number()) }))

it('the campaigns list: a long name never leaves a character or two alone on its last line', async () => {
  for (const [width, height] of [
    [1280, 800],
    [1920, 1080],
  ] as const) {
    await page.setViewportSize({ width, height })
    await page.goto(`${bed.relay.url}/console/#/campaigns`)
    await page.locator('[data-campaign="c29"]').waitFor()
    await page
      .locator('[data-campaign="c29"] [data-testid="campaign-booths"] .chip')
      .first()
      .waitFor()
    const names = nameLinesSchema.parse(await page.evaluate(NAME_LINES))
    expect(names).toHaveLength(CAMPAIGNS)
    const wrapped = names.filter((n) => n.widths.length > 1)
    expect(wrapped.length, `${width}: some names wrap`).toBeGreaterThan(0)
    for (const n of wrapped) {
      const last = n.widths.at(-1) ?? 0
      // Unbalanced, the last line of some is one character (about 15 px) under a 330 px one.
      expect(last, `${width}: ${n.name} ${JSON.stringify(n.widths)}`).toBeGreaterThan(
        Math.max(...n.widths) * 0.5,
      )
    }
    await page.screenshot({
      path: resolve(ARTIFACTS, `console-many-booths-campaigns-${width}.png`),
    })
  }
}, 60_000)

it('the campaigns list: a campaign of 120 booths shows a dozen and a link, not a wall that squeezes every name', async () => {
  // An expo's main campaign: booths 30 to 149 move into c0 (it had 0, 30 … 180).
  for (let i = 30; i < 150; i++) await bed.relay.store.campaigns.assignKiosk(booth(i), 'c0')
  await page.setViewportSize({ width: 1280, height: 800 })
  // Moved in the store, not through the console: read afresh.
  await page.goto(`${bed.relay.url}/console/#/campaigns`)
  await page.reload()
  const more = page.locator('[data-campaign="c0"] [data-testid="campaign-booths-more"]')
  await more.waitFor()
  // c0 runs 000, 030 … 149 and 150, 180: 123 booths, the first 12 shown, in number order.
  const chips = await page
    .locator('[data-campaign="c0"] [data-testid="campaign-booths"] .chip.mono')
    .allTextContents()
  expect(chips.map((c) => c.trim())).toEqual([
    'booth-000',
    ...Array.from({ length: 11 }, (_, i) => booth(30 + i)),
  ])
  expect((await more.textContent())?.trim()).toBe('另有 111 个')
  expect(await more.getAttribute('href')).toBe('#/campaigns/c0')
  // A screen reader's list of links names the campaign, not "另有 111 个" twelve times over.
  const c0Name = await page
    .locator('[data-campaign="c0"] [data-testid="campaign-name"]')
    .textContent()
  expect(await more.getAttribute('aria-label')).toBe(`${c0Name?.trim()}：全部 123 个签到台`)
  // Every other name keeps its room: none over three lines (with the wall, five each).
  const names = nameLinesSchema.parse(await page.evaluate(NAME_LINES))
  for (const n of names) expect(n.widths.length, n.name).toBeLessThanOrEqual(3)
  await page.screenshot({ path: resolve(ARTIFACTS, 'console-many-booths-big-campaign.png') })
  await more.click()
  // The picker is drawn from the booth list the page already holds, "已选 0" until the editor
  // has read the campaign (its title then shows the campaign's name, in the same render).
  await waitForPage(
    page,
    `document.querySelector('[data-testid="editor-title"]')?.textContent.trim() === ${JSON.stringify(c0Name?.trim())}`,
  )
  expect(await page.locator('[data-testid="campaign-booths-pick-count"]').textContent()).toBe(
    '已选 123 / 200',
  )
}, 60_000)

/** In-page source: booth-000's campaign menu, the chosen name's width and the room for it. */
const MENU_ROOM = `(() => {
  const select = document.querySelector('[data-kiosk="booth-000"] [data-testid="booth-campaign-select"]')
  const style = getComputedStyle(select)
  const context = document.createElement('canvas').getContext('2d')
  context.font = style.font
  const text = select.selectedOptions[0].textContent.trim()
  const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20
  return { text, title: select.title, needs: context.measureText(text).width, room }
})()`
const menuRoomSchema = z.object({
  text: z.string(),
  title: z.string(),
  needs: z.number(),
  room: z.number(),
})

it('the booths page: the campaign of a booth reads whole in its menu, the name in its tooltip', async () => {
  for (const [width, height] of [
    [1280, 800],
    [1920, 1080],
  ] as const) {
    await page.setViewportSize({ width, height })
    await page.goto(`${bed.relay.url}/console/#/booths`)
    await page.locator('[data-kiosk="booth-000"] [data-testid="booth-campaign-select"]').waitFor()
    const menu = menuRoomSchema.parse(await page.evaluate(MENU_ROOM))
    expect(menu.text).toBe('2026 春季展会 第 3 场 · 上海国际会展中心')
    expect(menu.title).toBe(menu.text)
    // At 14rem it was cut after 第 3 场 · , so every campaign of the expo read the same.
    expect(menu.needs, `${width}: ${JSON.stringify(menu)}`).toBeLessThanOrEqual(menu.room)
    // And the list still fits its page: no sideways scroll.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width)
    await page.screenshot({ path: resolve(ARTIFACTS, `console-many-booths-booths-${width}.png`) })
  }
}, 60_000)

it('the booths page: the busiest booths and those holding scans first, a click on the heading', async () => {
  const now = Date.now()
  const rows: AttendanceRow[] = []
  for (const [kioskId, n] of [
    ['booth-077', 3],
    ['booth-150', 5],
    ['booth-012', 1],
  ] as const) {
    for (let seq = 1; seq <= n; seq++) {
      rows.push({
        kioskId,
        seq,
        id: `ev_${kioskId}_${seq}`.replaceAll('-', '_'),
        event: 'scan',
        openid: `o${kioskId}${seq}`.padEnd(28, '0'),
        scene: `${kioskId}:s${seq}`,
        ticket: `gQ${kioskId}${seq}`,
        fallback: false,
        createTime: Math.floor(now / 1000),
        receivedAt: now,
        number: seq,
      })
    }
  }
  await bed.relay.store.attendance.seed(rows)
  await bed.relay.store.attendance.settled()
  await page.setViewportSize({ width: 1280, height: 800 })
  await page.goto(`${bed.relay.url}/console/#/booths`)
  await page.reload()
  await page.locator('[data-kiosk="booth-000"]').waitFor()
  const firstRows = async (): Promise<string[]> =>
    z
      .array(z.string())
      .parse(
        await page.evaluate(
          `[...document.querySelectorAll('[data-testid="booth-row"]')].slice(0, 4).map((el) => el.dataset.kiosk)`,
        ),
      )
  expect(await firstRows()).toEqual(['booth-000', 'booth-001', 'booth-002', 'booth-003'])

  const scans = page.locator('[data-testid="booths-sort-scansToday"]')
  await scans.locator('button').click()
  expect(await firstRows()).toEqual(['booth-150', 'booth-077', 'booth-012', 'booth-000'])
  expect(await scans.getAttribute('aria-sort')).toBe('descending')
  await page.screenshot({ path: resolve(ARTIFACTS, 'console-many-booths-sorted.png') })
  const queued = page.locator('[data-testid="booths-sort-queued"] button')
  await queued.click()
  expect(await firstRows()).toEqual(['booth-150', 'booth-077', 'booth-012', 'booth-000'])
  // Again: back to booth order, and the search still narrows the sorted list.
  await queued.click()
  expect(await firstRows()).toEqual(['booth-000', 'booth-001', 'booth-002', 'booth-003'])
}, 60_000)

it('no page errors', () => {
  expect(organizers.problems).toEqual([])
})
