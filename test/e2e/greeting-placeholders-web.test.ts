/**
 * Greetings that would reach visitors with a gap or with braces: `{name}` in the first-visit
 * or returning greeting (only a registered guest has a name: anyone else would read
 * "欢迎 ！"), a misspelt placeholder such as `{nmae}` or a brace not paired (`{{name}}`), both
 * shown as typed. The campaign editor says so at the field and saves nothing, in the UI's
 * language.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { goHash, screenshot } from './browser'
import { demoKioskPage } from './demo-kiosk'

describe('greeting placeholders in the campaign editor', () => {
  const demo = demoKioskPage({
    name: 'greeting-placeholders',
    context: { viewport: { width: 1280, height: 900 }, locale: 'zh-CN' },
    admin: true,
  })
  let page: Page

  beforeAll(async () => {
    page = demo.page
    await goHash(page, '#/admin/campaign')
    await page.locator('[data-testid="campaign-editor"]').waitFor()
  })

  const errorAt = (id: string) => page.locator(`[data-error-for="${id}"]`)
  const save = () => page.locator('[data-testid="campaign-editor"] button[type="submit"]').click()

  it('{name} in the first-visit greeting is refused: that visitor has no name', async () => {
    await page.locator('#g-zh-CN-firstVisit').fill('欢迎 {name}！您是第 {number} 位来宾')
    await page.locator('#g-en-welcomeBack').fill('Welcome back, {name}!')
    await save()
    await expect
      .poll(() => errorAt('g-zh-CN-firstVisit').textContent())
      .toBe('只有名单来宾的欢迎语能用 {name}：其他访客没有姓名，会显示为空')
    await expect
      .poll(() => errorAt('g-en-welcomeBack').textContent())
      .toBe('只有名单来宾的欢迎语能用 {name}：其他访客没有姓名，会显示为空')
    await expect(page.locator('[data-testid="campaign-notice"]').count()).resolves.toBe(0)
    await screenshot(page, 'greeting-placeholders-name')
  }, 30_000)

  it('a misspelt placeholder or a brace not paired is refused, naming the ones that work', async () => {
    await page.locator('#g-zh-CN-firstVisit').fill('欢迎！您是第 {number} 位来宾')
    await page.locator('#g-en-welcomeBack').fill('Welcome back! Check-in no. {number}')
    await page.locator('#g-zh-CN-named').fill('{nmae}，欢迎您！')
    await save()
    await expect
      .poll(() => errorAt('g-zh-CN-named').textContent())
      .toBe('只能使用 {name} 和 {number}，其他花括号内容会原样显示给访客')
    await expect(page.locator('[data-testid="campaign-notice"]').count()).resolves.toBe(0)
    await page.locator('[data-locale="en"]').first().click()
    await expect
      .poll(() => errorAt('g-zh-CN-named').textContent())
      .toBe(
        'Only {name} and {number} are filled in; anything else in braces reaches visitors as typed',
      )
    await page.locator('[data-locale="zh-CN"]').first().click()

    // A brace not paired: no placeholder whole, so "{{name}}" showed visitors "{王芳}".
    await page.locator('#g-zh-CN-named').fill('{{name}}，欢迎您！')
    await save()
    await expect
      .poll(() => errorAt('g-zh-CN-named').textContent())
      .toBe('有括号未配对：占位符如 {name} 前后各有一个括号')
    await page.locator('[data-locale="en"]').first().click()
    await expect
      .poll(() => errorAt('g-zh-CN-named').textContent())
      .toBe('A brace is not paired: a placeholder such as {name} has one brace each side')
    await errorAt('g-zh-CN-named').scrollIntoViewIfNeeded()
    await screenshot(page, 'greeting-placeholders-braces')
    await page.locator('[data-locale="zh-CN"]').first().click()
    await expect(page.locator('[data-testid="campaign-notice"]').count()).resolves.toBe(0)

    await page.locator('#g-zh-CN-named').fill('{name}，欢迎您！')
    await save()
    await expect
      .poll(() => page.locator('[data-testid="campaign-notice"]').textContent())
      .toBe('活动已保存')
  }, 30_000)
})
