/**
 * A note the admin area put up (campaign saved, a PIN refused, a file refused) follows the
 * language switch like every other word on the page: staff who switch to English right after
 * it appeared read it in English, not in the Chinese it was first worded in. And the note
 * about the campaign just saved does not stay over the blank form of a new one, nor over the
 * form typed on since.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { goHash, screenshot } from './browser'
import { demoKioskPage } from './demo-kiosk'

describe('admin notes follow the language switch', () => {
  const demo = demoKioskPage({
    name: 'notes-language',
    context: { viewport: { width: 1280, height: 720 }, locale: 'zh-CN' },
    admin: true,
  })
  let page: Page

  /** The language switch in the admin area's header. */
  const switchTo = (locale: 'zh-CN' | 'en') =>
    page.locator(`[data-locale="${locale}"]`).first().click()

  async function openPage(name: string): Promise<void> {
    await goHash(page, `#/admin/${name}`)
    await page.locator(`[data-testid="admin-page-${name}"]`).waitFor()
  }

  beforeAll(() => {
    page = demo.page
  })

  it('the campaign-saved note reads in English once switched', async () => {
    await switchTo('zh-CN')
    await openPage('campaign')
    await page.locator('[data-testid="campaign-editor"] button[type="submit"]').click()
    const note = page.locator('[data-testid="campaign-notice"]')
    await expect.poll(() => note.textContent()).toBe('活动已保存')
    await switchTo('en')
    await expect.poll(() => note.textContent()).toBe('Campaign saved')
    await screenshot(page, 'notes-language-campaign-en')
    await switchTo('zh-CN')
    await expect.poll(() => note.textContent()).toBe('活动已保存')
  }, 30_000)

  it('the campaign-saved note leaves when a new campaign is begun', async () => {
    await switchTo('zh-CN')
    await openPage('campaign')
    await page.locator('[data-testid="campaign-editor"] button[type="submit"]').click()
    const note = page.locator('[data-testid="campaign-notice"]')
    await expect.poll(() => note.textContent()).toBe('活动已保存')
    // The blank form of a new campaign: nothing of it was saved yet.
    await page.getByRole('button', { name: '+ 新建活动' }).click()
    await expect.poll(() => page.locator('#c-name').inputValue()).toBe('')
    await expect.poll(() => note.count()).toBe(0)
    await screenshot(page, 'notes-language-campaign-new')
  }, 30_000)

  it('the campaign-saved note leaves once the form is typed on again', async () => {
    await switchTo('zh-CN')
    await openPage('campaign')
    // The last test left a new campaign's blank form: named, it saves.
    await page.locator('#c-name').fill('春季博览会')
    await page.locator('[data-testid="campaign-editor"] button[type="submit"]').click()
    const note = page.locator('[data-testid="campaign-notice"]')
    await expect.poll(() => note.textContent()).toMatch(/^活动已保存/)
    // Edited since: the new text is neither saved nor on the screen.
    await page.locator('#c-name').fill('春季博览会 第二天')
    await expect.poll(() => note.count()).toBe(0)
    await page.locator('#c-name').scrollIntoViewIfNeeded()
    await screenshot(page, 'notes-language-campaign-edited')
  }, 30_000)

  it('a refused new PIN reads in English once switched', async () => {
    await switchTo('zh-CN')
    await openPage('settings')
    await page.locator('#pin-current').fill('12')
    await page.locator('#pin-new').fill('34')
    await page.locator('#pin-new').press('Enter')
    const error = page.locator('[data-error-for="pin-new"]')
    await expect.poll(() => error.textContent()).toBe('PIN 码为 4–8 位数字')
    await switchTo('en')
    await expect.poll(() => error.textContent()).toBe('The PIN is 4–8 digits')
    await screenshot(page, 'notes-language-pin-en')
    await switchTo('zh-CN')
  }, 30_000)

  it('a refused roster file reads in English once switched', async () => {
    await switchTo('zh-CN')
    await openPage('roster')
    await page.locator('[data-testid="roster-file"]').setInputFiles({
      name: 'guests.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('姓名\n张三\n'),
    })
    const problem = page.locator('[data-testid="roster-problem"]')
    await expect.poll(() => problem.textContent()).toBe('只支持 .csv 或 .xlsx 文件')
    await switchTo('en')
    await expect.poll(() => problem.textContent()).toBe('Only .csv or .xlsx files')
    await screenshot(page, 'notes-language-roster-en')
    await switchTo('zh-CN')
  }, 30_000)
})
