/**
 * Issue 15's roster done-when, in real Chromium set to en-US: a roster with an empty name, a
 * bad phone, a stray quote in an unquoted field and a duplicate. With the UI in zh-CN every
 * problem reads in Chinese at the row the spreadsheet shows (header = row 1) and the good
 * rows, the stray-quote one among them, are imported; with the UI in English, English.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ROSTER_IMPORT_TIMEOUT, goHash, screenshot } from './browser'
import { callKiosk } from './kiosk-process'
import { demoKioskPage } from './demo-kiosk'
import { encryptedXlsx, oldXls } from '../helpers/office-files'
import { rosterFileMessages } from '../../shared/ui/roster-messages'

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

const ROSTER = [
  '姓名,单位,电话,编号', // row 1
  '王小明,示例科技,13800000000,R001', // row 2: fine
  ',无名公司,13900000000,R002', // row 3: empty name
  '李四,腾讯,call me,R003', // row 4: bad phone
  '王"大"锤,锤子科技,１３７ ００００ ００００,R004', // row 5: stray quote, full-width phone: fine
  '赵六,阿里,13600000000,R001', // row 6: same code as row 2
].join('\r\n')

describe('roster problems in the UI language, in an en-US Chromium', () => {
  const demo = demoKioskPage({
    name: 'roster-i18n',
    context: {
      viewport: { width: 1280, height: 900 },
      locale: 'en-US',
      timezoneId: 'America/New_York',
    },
  })
  const { pageErrors } = demo
  let page: Page

  /** Calls the kiosk API as the page does; the call must succeed, and its result is returned. */
  async function call(name: string, input?: unknown): Promise<unknown> {
    const { status, body } = await callKiosk(demo.kiosk, name, input)
    expect(status).toBe(200)
    return z.object({ result: z.unknown() }).parse(body).result
  }

  function importRoster(): Promise<void> {
    return page.locator('[data-testid="roster-file"]').setInputFiles({
      name: 'guests.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(ROSTER, 'utf8'),
    })
  }

  /** The problem table as the person reads it: row, column, problem. */
  async function problemTable(): Promise<string[][]> {
    const errors = page.locator('[data-testid="roster-errors"]')
    await errors.waitFor({ timeout: ROSTER_IMPORT_TIMEOUT })
    const rows = errors.locator('tbody tr')
    const table: string[][] = []
    for (let i = 0; i < (await rows.count()); i++)
      table.push(await rows.nth(i).locator('td').allTextContents())
    return table
  }

  beforeAll(async () => {
    page = demo.page
    expect(await page.evaluate('navigator.language')).toBe('en-US')
    await page.keyboard.press('Control+Shift+A')
    await page.locator('[data-testid="pin-pad"]').waitFor()
    await page.keyboard.type(demo.pin)
    await page.keyboard.press('Enter')
    await page.locator('[data-testid="admin-page-attendance"]').waitFor()
  }, 120_000)

  it('zh-CN: every problem in Chinese at its spreadsheet row; the good rows imported', async () => {
    await call('setLocale', { locale: 'zh-CN' })
    await goHash(page, '#/admin/roster')
    await expect
      .poll(() => page.locator('h2').first().textContent(), { timeout: 10_000 })
      .toBe('名单导入')
    await importRoster()
    expect(await problemTable()).toEqual([
      ['3', '姓名', '姓名为空（或只有看不见的字符）或是公式错误值（如 #N/A）'],
      [
        '4',
        '电话',
        '电话号码含有无效字符（只能有数字、空格、-、括号，+ 只能在开头）；若为科学计数法（如 1.38E+10），请把该列设为文本后重新导出',
      ],
      ['6', '编号', '与第 2 行重复'],
    ])
    await expect(page.locator('[data-testid="roster-errors"]').textContent()).resolves.not.toMatch(
      /[A-Za-z]{3,}/,
    )
    // Nothing is imported until the organizer chooses to skip the bad rows; the page says so.
    await expect(page.locator('[data-testid="roster-result"]').textContent()).resolves.toBe(
      '尚未导入：3 行有问题。请修改文件后重新选择，或跳过这些行导入其余行',
    )
    await screenshot(page, 'roster-zh-problems')
    await page.getByRole('button', { name: '跳过有问题的行，导入其余行' }).click()
    await expect
      .poll(() => page.locator('[data-testid="roster-result"]').textContent(), {
        timeout: 10_000,
      })
      .toBe('已导入 2 行，跳过 3 行')
    await screenshot(page, 'roster-zh-imported')
    const found = z
      .array(z.object({ name: z.string(), phone: z.string(), code: z.string() }))
      .parse(await call('searchRoster', { query: '', limit: 200 }))
      .filter((r) => r.code.startsWith('R00'))
    expect(found.map((r) => [r.name, r.phone, r.code]).sort()).toEqual([
      ['王"大"锤', '137 0000 0000', 'R004'],
      ['王小明', '13800000000', 'R001'],
    ])
  }, 60_000)

  it('en: the same file reads in English', async () => {
    await call('setLocale', { locale: 'en' })
    await goHash(page, '#/admin/roster')
    await expect
      .poll(() => page.locator('h2').first().textContent(), { timeout: 10_000 })
      .toBe('Roster')
    const result = () => page.locator('[data-testid="roster-result"]').textContent()
    await importRoster()
    // The file's own report (nothing imported yet), whatever an earlier import said.
    await expect
      .poll(result, { timeout: 10_000 })
      .toBe(
        'Nothing imported yet: 3 rows have problems. Fix the file and choose it again, or skip those rows and import the rest',
      )
    expect(await problemTable()).toEqual([
      [
        '3',
        'Name',
        'The name is empty (or only characters that do not show) or a formula error (such as #N/A)',
      ],
      [
        '4',
        'Phone',
        'The phone number has characters a phone number cannot have (only digits, spaces, - and brackets, and + at the start); if it is in scientific notation (such as 1.38E+10): in Excel, format the column as Text and export again',
      ],
      ['6', 'Code', 'Same guest as row 2'],
    ])
    await screenshot(page, 'roster-en-problems')
    await page.getByRole('button', { name: 'Skip the bad rows and import the rest' }).click()
    await expect.poll(result, { timeout: 10_000 }).toBe('Imported 2 rows, skipped 3')
  }, 60_000)

  it('a password-protected workbook and an old .xls: the staff member reads what to do', async () => {
    await call('setLocale', { locale: 'zh-CN' })
    await goHash(page, '#/admin/roster')
    const file = page.locator('[data-testid="roster-file"]')
    // Named .xlsx, held in an OLE2 container: the core sniffs what it is.
    await file.setInputFiles({ name: '名单.xlsx', mimeType: XLSX, buffer: encryptedXlsx() })
    await expect
      .poll(problemTable, { timeout: 10_000 })
      .toEqual([['1', '—', rosterFileMessages['zh-CN'].encrypted]])
    expect(rosterFileMessages['zh-CN'].encrypted).toMatch(/^这是加密的 Excel 文件：.*取消密码/)
    await screenshot(page, 'roster-zh-encrypted')
    // An .xls by its name, before it is sent; one renamed .xlsx by its bytes.
    await file.setInputFiles({
      name: '旧名单.xls',
      mimeType: 'application/vnd.ms-excel',
      buffer: oldXls(),
    })
    await expect
      .poll(() => page.locator('[data-testid="roster-problem"]').textContent(), { timeout: 10_000 })
      .toBe(rosterFileMessages['zh-CN'].xls)
    await file.setInputFiles({ name: '旧名单.xlsx', mimeType: XLSX, buffer: oldXls() })
    await expect
      .poll(async () => (await problemTable())[0]?.[2], { timeout: 10_000 })
      .toBe(rosterFileMessages['zh-CN'].xls)
    await call('setLocale', { locale: 'en' })
    await expect
      .poll(async () => (await problemTable())[0]?.[2], { timeout: 10_000 })
      .toBe(rosterFileMessages.en.xls)
  }, 60_000)

  it('raised no script errors along the way', () => {
    expect(pageErrors).toEqual([])
  })
})
