/**
 * The kiosk's admin area with a roster of long names (a full Chinese name of 47 characters, a
 * ministry institute's name as the company) in real Chromium against `kiosk web` in demo mode.
 * Chinese breaks between any two characters, so a long name must wrap in its own column and
 * leave the status badge and the button beside it whole.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { decodeQr, goHash, waitForPage } from './browser'
import { demoKioskPage } from './demo-kiosk'
import { phoneScan } from './phone'

const LONG_NAME =
  '欧阳诸葛司马上官端木皇甫长孙慕容令狐公孙宇文尉迟东方西门南宫北堂百里呼延闻人夏侯轩辕钟离独孤太史申屠左丘拓跋'
const LONG_COMPANY =
  '中华人民共和国工业和信息化部电子第五研究所暨国家软件与集成电路产业促进中心长三角分中心有限责任公司'

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

describe('the admin area with long names', () => {
  const demo = demoKioskPage({
    name: 'long',
    context: { viewport: { width: 1280, height: 800 } },
    admin: true,
  })
  let page: Page

  beforeAll(async () => {
    page = demo.page
    await goHash(page, '#/admin/roster')
    await page.locator('[data-testid="roster-file"]').waitFor({ state: 'attached' })
    await page.setInputFiles('[data-testid="roster-file"]', {
      name: '名单.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`姓名,单位,编号\n${LONG_NAME},${LONG_COMPANY},A001\n张伟,公司,A002\n`),
    })
    await page.locator('[data-testid="roster-result"]').waitFor()
  }, 120_000)

  it('desk: the badge and the show-code button stay on one line beside a long name', async () => {
    await goHash(page, '#/admin/desk')
    await page.fill('[data-testid="desk-search"]', '欧阳')
    // The search answers after a short pause: until then the list is every guest.
    await waitForPage(page, `document.querySelectorAll('[data-testid="desk-result"]').length === 1`)
    const row = '[data-testid="desk-result"]'
    const cells = linesSchema.parse(await page.evaluate(lineCounts(`${row} .badge, ${row} button`)))
    expect(cells.map((c) => c.text)).toEqual(['未签到', '出示二维码'])
    for (const c of cells) expect(c, c.text).toMatchObject({ lines: 1 })
    // The name is shown whole, wrapping in its own column.
    await expect(page.locator(`${row} strong`).textContent()).resolves.toBe(LONG_NAME)
  })

  it('attendance: a long name stays on its row (whole in its tooltip), not over the next', async () => {
    const sandbox = demo.kiosk.sandboxUrl
    if (sandbox === null) throw new Error('demo mode printed no sandbox address')
    await goHash(page, '#/admin/desk')
    await page.fill('[data-testid="desk-search"]', '欧阳')
    await waitForPage(page, `document.querySelectorAll('[data-testid="desk-result"]').length === 1`)
    await page.locator('[data-testid="desk-result"] button').click()
    const ticket = page.locator('[data-testid="desk-ticket"]')
    await ticket.waitFor()
    const url = decodeQr(await ticket.screenshot())
    expect(url).toMatch(/^https?:\/\//)
    await phoneScan(sandbox, url ?? '', 'o_long_name_guest')
    await goHash(page, '#/admin/attendance')
    await waitForPage(
      page,
      `[...document.querySelectorAll('[data-testid="attendance-row"]')].filter((r) => r.textContent.includes('${LONG_NAME}')).length === 1`,
    )
    // Every cell inside its row: a name wrapping over three lines ran into the rows around it.
    const outside =
      await page.evaluate(`[...document.querySelectorAll('[data-testid="attendance-row"]')]
      .flatMap((row) => {
        const r = row.getBoundingClientRect()
        return [...row.querySelectorAll('[role="cell"]')]
          .filter((c) => { const b = c.getBoundingClientRect(); return b.top < r.top - 0.5 || b.bottom > r.bottom + 0.5 })
          .map((c) => c.textContent.trim())
      })`)
    expect(outside).toEqual([])
    const name = page.locator('[data-testid="attendance-row"] [role="cell"]', {
      hasText: LONG_NAME,
    })
    await expect(name.getAttribute('title')).resolves.toBe(LONG_NAME)
  }, 60_000)
})
