/**
 * The BUILT console's greeting preview opens in the console's language: the English console
 * shows the English greeting first (not 中文, which its reader would have to switch away from
 * each time), the Chinese console the Chinese one, and switching the console's language while
 * the editor is open switches the preview with it.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { goHash, waitForPage } from './browser'
import { fakeConsolePage } from './fake-console-page'

const previewLang = (page: Page): Promise<string | null> =>
  page.getAttribute('[data-testid="greeting-preview"]', 'lang')
const pressed = (page: Page, locale: string): Promise<string | null> =>
  page.getAttribute(`[data-preview-locale="${locale}"]`, 'aria-pressed')

describe('the greeting preview starts in the console’s language', () => {
  const fx = fakeConsolePage({})

  it('English console: EN first; Chinese console: 中文 first; a switch follows', async () => {
    const { page, problems } = fx
    await page.click('[data-locale="en"]')
    await waitForPage(page, `document.documentElement.lang === 'en'`)
    await goHash(page, '#/campaigns/new')
    await page.locator('[data-testid="greeting-preview"]').waitFor()
    expect(await previewLang(page)).toBe('en')
    expect(await pressed(page, 'en')).toBe('true')
    expect(await pressed(page, 'zh-CN')).toBe('false')

    await page.click('[data-locale="zh-CN"]')
    await waitForPage(page, `document.documentElement.lang === 'zh-CN'`)
    expect(await previewLang(page)).toBe('zh-CN')

    // Opened afresh in the Chinese console.
    await goHash(page, '#/campaigns')
    await goHash(page, '#/campaigns/new')
    await page.locator('[data-testid="greeting-preview"]').waitFor()
    expect(await previewLang(page)).toBe('zh-CN')
    expect(await pressed(page, 'zh-CN')).toBe('true')
    expect(problems).toEqual([])
  }, 60_000)
})
