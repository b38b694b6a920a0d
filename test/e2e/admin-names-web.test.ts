/**
 * Grouped controls have names a screen reader can say, in real Chromium (its accessibility
 * tree, through Playwright's role queries): the date controls of the kiosk's attendance
 * filter and campaign editor and of the console's campaign editor, each a group of 年/月/日
 * fields, are named by the label beside them, so 'from' and 'to' are not two unnamed groups of
 * the same three fields; the kiosk admin's language switch is named as the console's is; and
 * the roster file pickers, a transparent input over a button, show the keyboard's focus.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { goHash } from './browser'
import { EXPO, type FakeConsoleRelay } from './fake-console-relay'
import { fakeConsolePage } from './fake-console-page'
import { demoKioskPage } from './demo-kiosk'

/**
 * In-page source: whether the visible button around a transparent file input shows that the
 * input has the keyboard's focus (an outline on it, or a box-shadow ring).
 */
const FOCUS_SHOWN = (selector: string) => `(() => {
  const input = document.querySelector(${JSON.stringify(selector)})
  const shown = input.closest('label')
  const s = getComputedStyle(shown)
  return document.activeElement === input &&
    ((s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none')
})()`

describe('named groups in the kiosk admin area', () => {
  const demo = demoKioskPage({
    name: 'names',
    context: { viewport: { width: 1280, height: 800 } },
    admin: true,
  })
  let page: Page

  beforeAll(() => {
    page = demo.page
  })

  it('attendance: the from and to dates are groups named 从 and 到', async () => {
    await goHash(page, '#/admin/attendance')
    await page.locator('[data-testid="admin-page-attendance"]').waitFor()
    await expect(page.getByRole('group', { name: '从', exact: true }).count()).resolves.toBe(1)
    await expect(page.getByRole('group', { name: '到', exact: true }).count()).resolves.toBe(1)
  })

  it('campaign: the start and end dates are named by their labels', async () => {
    await goHash(page, '#/admin/campaign')
    await page.locator('[data-testid="admin-page-campaign"]').waitFor()
    await page.locator('[data-testid="date-c-start"]').waitFor()
    await expect(page.getByRole('group', { name: '开始日期' }).count()).resolves.toBe(1)
    await expect(page.getByRole('group', { name: '结束日期' }).count()).resolves.toBe(1)
  })

  it('roster: the file picker shows the keyboard focus on its button', async () => {
    await goHash(page, '#/admin/roster')
    await page.locator('[data-testid="roster-file"]').waitFor({ state: 'attached' })
    await page.locator('[data-testid="roster-file"]').focus()
    await expect(page.evaluate(FOCUS_SHOWN('[data-testid="roster-file"]'))).resolves.toBe(true)
  })

  it('the language switch is a group named 界面语言', async () => {
    const named = page.getByRole('group', { name: '界面语言' })
    await expect(named.count()).resolves.toBe(1)
    await expect(named.getAttribute('data-testid')).resolves.toBe('language-switch')
  })
})

describe('named groups in the console', () => {
  const fx = fakeConsolePage({ relay: { attendanceRows: 10 } })
  let relay: FakeConsoleRelay
  let page: Page

  beforeAll(() => {
    ;({ relay, page } = fx)
  })

  it('campaign editor: the start and end dates are named by their labels', async () => {
    await page.goto(`${relay.origin}/console/#/campaigns/${EXPO.id}`)
    await page.locator('[data-testid="date-c-starts"]').waitFor()
    await expect(page.getByRole('group', { name: '开始日期' }).count()).resolves.toBe(1)
    await expect(page.getByRole('group', { name: '结束日期' }).count()).resolves.toBe(1)
  })

  it('roster: the upload button shows the keyboard focus of its file input', async () => {
    await page.locator('[data-testid="roster-file"]').focus()
    await expect(page.evaluate(FOCUS_SHOWN('[data-testid="roster-file"]'))).resolves.toBe(true)
  })
})
