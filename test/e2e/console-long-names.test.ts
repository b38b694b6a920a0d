/**
 * The BUILT console in real Chromium against the fake relay with a campaign whose name is 44
 * Chinese characters (a real conference's full title), long guest names and 24-character booth
 * ids. Chinese breaks between any two
 * characters, so a long name must take its room from its own column, not squeeze the short
 * cells beside it into one character a line.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { EXPO, type FakeConsoleRelay } from './fake-console-relay'
import { fakeConsolePage } from './fake-console-page'

const LONG_NAME =
  '第十二届中国国际数字经济博览会暨二〇二六年长三角智能制造与工业互联网创新发展高峰论坛签到'
const LONG_ID = 'summit-2026'
/** Booth ids as long as they may be (24), alike but for their last characters. */
const LONG_BOOTHS = ['exhibition-hall-north-01', 'exhibition-hall-north-02']

/** In-page source: the attendance cells (booth, time) whose text is cut off with an ellipsis. */
const CUT_CELLS = `[...document.querySelectorAll('[data-testid="attendance-row"]')].flatMap((row) => {
  const cells = row.querySelectorAll(':scope > [role="cell"]')
  return [cells[1], cells[2]].filter((c) => c && c.scrollWidth > c.clientWidth).map((c) => c.textContent)
})`

/** In-page source: the attendance column headings whose text is cut off with an ellipsis. */
const CUT_HEADS = `[...document.querySelectorAll('.attendance .th [role="columnheader"]')]
  .filter((h) => h.scrollWidth > h.clientWidth)
  .map((h) => h.textContent)`

/** In-page source: how many lines the text of each matched element takes. */
const lineCounts = (
  selector: string,
) => `[...document.querySelectorAll(${JSON.stringify(selector)})]
  .map((el) => {
    const range = document.createRange()
    range.selectNodeContents(el)
    const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)))
    return { text: el.textContent.trim(), lines: tops.size }
  })`
const linesSchema = z.array(z.object({ text: z.string(), lines: z.number() }))

describe('the console with long names', () => {
  const fx = fakeConsolePage({
    relay: { attendanceRows: 10, boothIds: LONG_BOOTHS },
    prepare: (relay) =>
      relay.campaigns.set(LONG_ID, {
        ...structuredClone(EXPO),
        id: LONG_ID,
        name: LONG_NAME,
        startsAt: null,
        endsAt: null,
      }),
  })
  let relay: FakeConsoleRelay
  let page: Page

  beforeAll(() => {
    ;({ relay, page } = fx)
  })

  it('campaigns list: dates, mode and the edit button stay on one line each', async () => {
    await page.click('[data-nav="campaigns"]')
    await page.locator(`[data-campaign="${LONG_ID}"]`).waitFor()
    const row = `[data-campaign="${LONG_ID}"]`
    const short = linesSchema.parse(
      await page.evaluate(
        lineCounts(`${row} td:nth-child(2), ${row} td:nth-child(3), ${row} .btn`),
      ),
    )
    expect(short.map((c) => c.text)).toEqual(['不限', '展位', '编辑'])
    for (const cell of short) expect(cell, cell.text).toMatchObject({ lines: 1 })
    // The name itself may wrap, and is shown whole.
    const name = linesSchema.parse(
      await page.evaluate(lineCounts(`${row} [data-testid="campaign-name"]`)),
    )
    expect(name[0]?.text).toBe(LONG_NAME)
  })

  it('roster table: long names and companies leave the headings, phone, code and badge whole', async () => {
    await page.goto(`${relay.origin}/console/#/campaigns/${LONG_ID}`)
    await page.locator('[data-testid="roster-file"]').waitFor({ state: 'attached' })
    const lines = ['姓名,单位,电话,编号']
    for (let i = 1; i <= 3; i++) {
      lines.push(
        `欧阳诸葛司马上官端木皇甫长孙慕容令狐公孙宇文尉迟东方西门南宫北堂百里呼延闻人夏侯轩辕钟离独孤太史申屠${i},中华人民共和国工业和信息化部电子第五研究所暨国家软件与集成电路产业促进中心长三角分中心有限责任公司,1380013800${i},REG-2026-000${i}`,
      )
    }
    await page.setInputFiles('[data-testid="roster-file"]', {
      name: '名单.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(lines.join('\r\n'), 'utf8'),
    })
    await page.locator('[data-testid="roster-row"]').first().waitFor()
    const table = '[data-testid="roster-table"]'
    const cells = linesSchema.parse(
      await page.evaluate(
        lineCounts(
          `${table} th, ${table} td:nth-child(3), ${table} td:nth-child(4), ${table} .badge`,
        ),
      ),
    )
    expect(cells.map((c) => c.text)).toContain('已绑定')
    expect(cells.map((c) => c.text)).toContain('REG-2026-0001')
    for (const cell of cells) expect(cell, cell.text).toMatchObject({ lines: 1 })
  })

  it('attendance: a booth id of 24 characters, the scan time and every heading are shown whole', async () => {
    for (const [width, locale] of [
      [1280, 'zh-CN'],
      [1280, 'en'],
      [390, 'en'],
      [390, 'zh-CN'],
    ] as const) {
      await page.setViewportSize({ width, height: 800 })
      await page.goto(`${relay.origin}/console/#/attendance`)
      await page.click(`[data-locale="${locale}"]`)
      await page.locator('[data-testid="attendance-row"] [role="cell"]').first().waitFor()
      const booths = await page
        .locator('[data-testid="attendance-row"] [role="cell"]:nth-child(3)')
        .allTextContents()
      expect(booths).toContain(LONG_BOOTHS[1])
      expect(await page.evaluate(CUT_CELLS), `${width} ${locale}`).toEqual([])
      // The headings too: "Check-in no." in English was cut to "Check-in…".
      expect(await page.evaluate(CUT_HEADS), `${width} ${locale} headings`).toEqual([])
    }
  })
})
