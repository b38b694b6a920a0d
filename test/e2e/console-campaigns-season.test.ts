/**
 * The BUILT console's campaigns list after a season, in real Chromium against the real relay:
 * 300 campaigns (280 ended, 10 running, 10 ahead). The list opens with the running ones on top;
 * a search typed with full-width digits and a space finds one name; the 状态 / Status filter
 * narrows to the ended ones; a reload keeps the filter and the search (they live in the hash);
 * no match says so and 清除筛选 clears it; into a campaign's editor and back by "← 全部活动" keeps
 * them too. The list is read as its summary (`?view=summary`), never in full. On a phone (390×844, touch) nothing sticks out past
 * the screen's edge, the controls are 44 px targets, and axe finds nothing wrong with the list
 * (filtered or empty). The stats page's campaign choice is grouped and its search narrows it.
 * Screenshots: test-artifacts/screenshots/console-season-*.png.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { CAMPAIGN_DEFAULTS } from '../../shared/campaign'
import { addOrganizer } from '../../relay/console/organizer-admin'
import { UNDER_LOAD } from '../helpers/wait'
import { axeViolations } from './axe'
import { consoleContext, signInAlice } from './console-booths-seed'
import { screenshot } from './browser'
import { realConsoleRelay } from './real-console-relay'

const bed = realConsoleRelay({ name: 'campaigns-season' })
let password = ''
const pad = (n: number): string => String(n).padStart(3, '0')

/** Campaign i: running when i % 30 === 7, ahead when 11, ended else (dates far from today). */
function seasonCampaign(i: number): { id: string; name: string; startsAt: string; endsAt: string } {
  const id = `s${pad(i)}`
  if (i % 30 === 7)
    return {
      id,
      name: `进行中 年会 ${i}`,
      startsAt: '2000-01-01',
      endsAt: `2099-0${1 + (i % 9)}-01`,
    }
  if (i % 30 === 11)
    return { id, name: `明年展 ${i}`, startsAt: `2099-1${i % 3}-01`, endsAt: '2099-12-31' }
  const month = String(1 + (i % 12)).padStart(2, '0')
  return {
    id,
    name: `2025 旧展 ${i} Expo`,
    startsAt: `2025-${month}-01`,
    endsAt: `2025-${month}-20`,
  }
}

beforeAll(async () => {
  const store = bed.relay.store
  for (let i = 0; i < 300; i++) {
    await store.campaigns.createCampaign(
      { ...CAMPAIGN_DEFAULTS, ...seasonCampaign(i), screenKey: 'k'.repeat(43) },
      Date.now(),
    )
  }
  password = await addOrganizer(store, 'alice', Date.now())
}, 120_000)

async function signedIn(phone: boolean, locale: 'zh-CN' | 'en' = 'zh-CN'): Promise<Page> {
  return signInAlice(bed, await consoleContext(bed, phone, locale), password)
}

const rowIds = async (page: Page): Promise<string[]> =>
  z
    .array(z.string())
    .parse(
      await page.evaluate(
        `[...document.querySelectorAll('[data-testid="campaign-row"]')].map((r) => r.getAttribute('data-campaign'))`,
      ),
    )
const count = (page: Page): Promise<string> =>
  page.locator('[data-testid="campaign-count"]').innerText()
const idNumber = (id: string): number => Number(id.slice(1))

describe('300 campaigns on the campaigns list', () => {
  it('running first; search, filter, reload and the editor’s way back keep both; no match clears (desktop)', async () => {
    const page = await signedIn(false)
    const listReads: string[] = []
    page.on('request', (r) => {
      const url = new URL(r.url())
      if (url.pathname === '/console/api/campaigns') listReads.push(url.search)
    })
    await page.goto(`${bed.relay.url}/console/#/campaigns`)
    await page.locator('[data-testid="campaign-row"]').first().waitFor()
    await expect.poll(() => count(page), UNDER_LOAD).toBe('显示 300 / 300')
    const ids = await rowIds(page)
    expect(ids.slice(0, 10).every((id) => idNumber(id) % 30 === 7)).toBe(true)
    expect(ids.slice(10, 20).every((id) => idNumber(id) % 30 === 11)).toBe(true)
    await screenshot(page, 'console-season-desktop')

    // By keyboard: the search box has a name and takes full-width digits.
    await page.getByRole('searchbox', { name: '搜索活动名称' }).fill('旧展 １２ expo')
    await expect.poll(() => rowIds(page), UNDER_LOAD).toEqual(['s012'])
    expect(await count(page)).toBe('显示 1 / 300')
    await page.getByRole('searchbox', { name: '搜索活动名称' }).fill('旧展')
    await page.getByLabel('状态').selectOption('ended')
    await expect.poll(() => count(page), UNDER_LOAD).toBe('显示 280 / 300')
    expect(await page.evaluate('location.hash')).toBe(
      `#/campaigns?phase=ended&q=${encodeURIComponent('旧展')}`,
    )
    await page.reload()
    await expect.poll(() => count(page), UNDER_LOAD).toBe('显示 280 / 300')
    expect(await page.getByLabel('状态').inputValue()).toBe('ended')
    expect(await page.getByRole('searchbox', { name: '搜索活动名称' }).inputValue()).toBe('旧展')
    expect(await axeViolations(page)).toEqual([])

    // Into a campaign's editor (it reads the whole campaign) and back by "← 全部活动".
    const listed = await page.evaluate('location.hash')
    const first = (await rowIds(page))[0] ?? ''
    await page.locator(`[data-campaign="${first}"] [data-testid="campaign-name"] a`).click()
    // Its name, once read: until then the title says 新建活动, which would pass a wait for "any".
    await expect
      .poll(() => page.locator('[data-testid="editor-title"]').innerText(), UNDER_LOAD)
      .toBe(seasonCampaign(idNumber(first)).name)
    await page.getByRole('link', { name: /全部活动/ }).click()
    await expect.poll(() => count(page), UNDER_LOAD).toBe('显示 280 / 300')
    expect(await page.evaluate('location.hash')).toBe(listed)
    expect(await page.getByLabel('状态').inputValue()).toBe('ended')
    expect(await page.getByRole('searchbox', { name: '搜索活动名称' }).inputValue()).toBe('旧展')
    // Every read of the list was its summary: 300 campaigns' texts never crossed the Wi-Fi.
    expect(listReads.length).toBeGreaterThan(0)
    expect(new Set(listReads)).toEqual(new Set(['?view=summary']))

    await page.getByLabel('状态').selectOption('running')
    await expect.poll(() => count(page), UNDER_LOAD).toBe('显示 0 / 300')
    await page.locator('[data-testid="campaign-none"]').waitFor()
    expect(await axeViolations(page)).toEqual([])
    await page.getByRole('button', { name: '清除筛选' }).click()
    await expect.poll(() => count(page), UNDER_LOAD).toBe('显示 300 / 300')
    expect(await page.evaluate('location.hash')).toBe('#/campaigns')
  }, 90_000)

  it('on a phone: inside the screen, 44 px controls, axe clean (English)', async () => {
    const page = await signedIn(true, 'en')
    await page.goto(`${bed.relay.url}/console/#/campaigns?phase=not-started`)
    await expect.poll(() => count(page), UNDER_LOAD).toBe('Showing 10 of 300')
    const sizes = z
      .object({ scroll: z.number(), width: z.number(), controls: z.array(z.number()) })
      .parse(
        await page.evaluate(`({
          scroll: document.documentElement.scrollWidth,
          width: window.innerWidth,
          controls: ['campaign-search', 'campaign-phase-filter'].map(
            (id) => document.querySelector('[data-testid="' + id + '"]').getBoundingClientRect().height,
          ),
        })`),
      )
    expect(sizes.scroll).toBeLessThanOrEqual(sizes.width)
    for (const h of sizes.controls) expect(h).toBeGreaterThanOrEqual(44)
    await screenshot(page, 'console-season-phone-en')
    expect(await axeViolations(page)).toEqual([])
  }, 90_000)

  it('the stats page: the choice is grouped, running first, and its search narrows it', async () => {
    const page = await signedIn(false)
    await page.goto(`${bed.relay.url}/console/#/stats`)
    const select = page.locator('[data-testid="campaign-scope"]')
    const groupLabels = async (): Promise<string[]> =>
      z
        .array(z.string())
        .parse(
          await page.evaluate(
            `[...document.querySelectorAll('[data-testid="campaign-scope"] optgroup')].map((g) => g.label)`,
          ),
        )
    await expect.poll(groupLabels, UNDER_LOAD).toEqual(['进行中', '未开始', '已结束'])
    await page.getByRole('searchbox', { name: '按名称搜索活动列表' }).fill('明年展 41')
    await expect.poll(() => select.locator('option').count(), UNDER_LOAD).toBe(2)
    await select.focus()
    await page.keyboard.press('ArrowDown')
    await expect.poll(() => select.inputValue(), UNDER_LOAD).toBe('s041')
    expect(await axeViolations(page)).toEqual([])
  }, 90_000)
})
