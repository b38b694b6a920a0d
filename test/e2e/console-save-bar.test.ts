/**
 * The BUILT console in real Chromium against the real relay, a campaign running 200 booths:
 * on a phone (390×844) the editor is several screens long and its header's save button is at
 * the top, so while something is unsaved a save bar sits at the foot of the screen. From the
 * foot of the form it saves; a save refused for the name at the top brings the name into view
 * and focus. Screenshots: test-artifacts/screenshots/console-save-bar-*.png.
 */
import type { Locator, Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { z } from 'zod'
import { screenshot, waitForPage } from './browser'
import { seedBooths } from './console-booths-seed'
import { realConsoleRelay } from './real-console-relay'

const bed = realConsoleRelay({ name: 'save-bar' })
const venue = seedBooths(bed, { booths: 200, campaigns: ['2026 春季展会 · 上海国际会展中心'] })

const open = (width: number, height: number, locale: 'zh-CN' | 'en'): Promise<Page> =>
  venue.signedIn({ viewport: { width, height }, locale })

const boxSchema = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() })

/** The element is wholly inside the viewport. */
async function onScreen(locator: Locator, page: Page): Promise<void> {
  const box = boxSchema.parse(await locator.boundingBox())
  const size = z.object({ width: z.number(), height: z.number() }).parse(page.viewportSize())
  expect(box.x).toBeGreaterThanOrEqual(0)
  expect(box.y).toBeGreaterThanOrEqual(0)
  expect(box.x + box.width).toBeLessThanOrEqual(size.width)
  expect(box.y + box.height).toBeLessThanOrEqual(size.height)
}

it('on a phone: the save bar is on screen at the foot of the form, and saves from there', async () => {
  const page = await open(390, 844, 'zh-CN')
  await page.goto(`${bed.relay.url}/console/#/campaigns/c0`)
  await waitForPage(page, `document.querySelector('#c-name')?.value.startsWith('2026')`)
  const height = z.number().parse(await page.evaluate('document.documentElement.scrollHeight'))
  // The measured problem: several screens of form.
  expect(height).toBeGreaterThan(3 * 844)
  expect(await page.locator('[data-testid="save-bar"]').count()).toBe(0)

  // The foot of the form: the follow-up text, far under the header's button.
  await page.fill('#c-follow', '谢谢光临，展位见')
  const bar = page.locator('[data-testid="save-bar"]')
  await bar.waitFor()
  await onScreen(bar, page)
  expect(await page.locator('[data-testid="save-campaign"]').isVisible()).toBe(true)
  expect(
    await page.evaluate(
      `document.querySelector('[data-testid="save-campaign"]').getBoundingClientRect().bottom < 0`,
    ),
  ).toBe(true)
  await screenshot(page, 'console-save-bar-phone')

  // The name at the top emptied meanwhile: the save is refused and the name brought to view.
  await page.evaluate(`(() => {
    const name = document.querySelector('#c-name')
    name.value = ''
    name.dispatchEvent(new Event('input', { bubbles: true }))
    window.scrollTo(0, document.documentElement.scrollHeight)
  })()`)
  await page.click('[data-testid="save-bar-button"]')
  await waitForPage(page, `document.activeElement?.id === 'c-name'`)
  await onScreen(page.locator('#c-name'), page)
  expect(await page.locator('[data-testid="save-bar-text"]').textContent()).toContain(
    '已跳到第一处',
  )
  await screenshot(page, 'console-save-bar-phone-refused')

  await page.fill('#c-name', '2026 春季展会 · 第二天')
  await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)')
  await onScreen(bar, page)
  await page.click('[data-testid="save-bar-button"]')
  await page.locator('[data-testid="saved"]').waitFor()
  expect(await bar.count()).toBe(0)
  const saved = await bed.relay.store.campaigns.getCampaign('c0')
  expect(saved?.campaign.name).toBe('2026 春季展会 · 第二天')
  expect(saved?.campaign.followUp).toBe('谢谢光临，展位见')
  await page.context().close()
}, 120_000)

it('on a laptop: the bar sits at the foot of the window too', async () => {
  const page = await open(1280, 800, 'en')
  await page.goto(`${bed.relay.url}/console/#/campaigns/c0`)
  await waitForPage(page, `document.querySelector('#c-name')?.value.startsWith('2026')`)
  await page.fill('#c-tag', 'spring-expo')
  const bar = page.locator('[data-testid="save-bar"]')
  await bar.waitFor()
  await onScreen(bar, page)
  await screenshot(page, 'console-save-bar-laptop')
  await page.context().close()
}, 120_000)

it('on a phone: a field reached by Tab at the foot of the form is scrolled clear of the bar', async () => {
  const page = await open(390, 844, 'zh-CN')
  await page.goto(`${bed.relay.url}/console/#/campaigns/c0`)
  await waitForPage(page, `document.querySelector('#c-name')?.value.startsWith('2026')`)
  await page.fill('#c-tag', 'spring-expo')
  const bar = page.locator('[data-testid="save-bar"]')
  await bar.waitFor()
  // The form's last field (outside the booth list's own scroller) and the one before it; the
  // page scrolled so the last one sits at the foot of the window, under the bar, and the one
  // before it focused where it is: Tab then moves to the last.
  await page.evaluate(`(() => {
    const form = document.querySelector('#campaign-form')
    const inScroller = (el) => {
      for (let p = el.parentElement; p && p !== form; p = p.parentElement) {
        if (['auto', 'scroll'].includes(getComputedStyle(p).overflowY)) return true
      }
      return false
    }
    const fields = [...form.querySelectorAll('input, textarea, select, button')].filter(
      (el) => !el.disabled && el.getClientRects().length > 0 && !inScroller(el),
    )
    const last = fields[fields.length - 1]
    const before = fields[fields.length - 2]
    last.setAttribute('data-last-field', '')
    const box = last.getBoundingClientRect()
    window.scrollBy(0, box.bottom - (window.innerHeight - 8))
    before.focus({ preventScroll: true })
  })()`)
  await page.keyboard.press('Tab')
  await waitForPage(page, `document.activeElement?.hasAttribute('data-last-field') === true`)
  const field = boxSchema.parse(await page.locator('[data-last-field]').boundingBox())
  const barBox = boxSchema.parse(await bar.boundingBox())
  // Not under the bar: the field ends above the bar's top.
  expect(field.y + field.height).toBeLessThanOrEqual(barBox.y)
  await onScreen(page.locator('[data-last-field]'), page)
  await page.context().close()
}, 120_000)
