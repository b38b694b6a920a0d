/**
 * The relay's store refuses a console write or read (its disk full, its database locked), on
 * the real relay (SQLite, the built out/console) in real Chromium: the page says what the relay
 * said — the store refused it, why, and for a write that nothing was saved, so retrying now is
 * pointless — in zh-CN and in English, instead of the generic "the server failed; try again
 * shortly". A bug's 500 still gets the generic text. The refusal is injected at the store's
 * boundary (test/reliability/disk-full.test.ts fills a real disk).
 */
import type { Page } from 'playwright-core'
import { afterEach, expect, it, vi } from 'vitest'
import { CAMPAIGN_DEFAULTS } from '../../shared/campaign'
import { waitForPage } from './browser'
import { consoleOrganizers } from './console-organizers'
import { realConsoleRelay } from './real-console-relay'

const NAME = '[data-testid="field-name"]'
const SAVE_ERROR = '[data-testid="save-error"]'

const bed = realConsoleRelay({ name: 'store-refused' })
const organizers = consoleOrganizers(bed)
afterEach(() => vi.restoreAllMocks())

const sqliteError = (code: string, message: string) => Object.assign(new Error(message), { code })

async function openEditor(page: Page, id: string): Promise<void> {
  await page.goto(`${bed.relay.url}/console/#/campaigns/${encodeURIComponent(id)}`)
  await page.locator(NAME).waitFor()
  await waitForPage(page, `(document.querySelector('${NAME}')?.value ?? '') !== ''`)
}

async function saveFails(page: Page, name: string): Promise<string> {
  await page.fill(NAME, name)
  await page.click('[data-testid="save-campaign"]')
  await page.locator(SAVE_ERROR).waitFor()
  return (await page.locator(SAVE_ERROR).textContent()) ?? ''
}

it('a save on a full disk says the store is full and nothing was saved, in zh-CN and English', async () => {
  const made = await bed.relay.store.campaigns.createCampaign(
    { ...CAMPAIGN_DEFAULTS, name: '春季展', id: 'c-store-refused-01', screenKey: 'k'.repeat(43) },
    Date.now(),
  )
  const id = made?.campaign.id ?? ''
  const page = await organizers.signedIn('alice')
  await openEditor(page, id)

  const full = sqliteError('SQLITE_FULL', 'database or disk is full')
  vi.spyOn(bed.relay.store.campaigns, 'updateCampaign').mockRejectedValue(full)
  const zh = await saveFails(page, '春季展（改）')
  expect(zh).toContain('磁盘已满')
  expect(zh).toContain('没有保存')
  expect(zh).not.toContain('服务器出错')
  expect((await bed.relay.store.campaigns.getCampaign(id))?.campaign.name).toBe('春季展')

  await page.evaluate("localStorage.setItem('scandesk.console.locale', 'en')")
  await page.reload()
  await openEditor(page, id)
  const en = await saveFails(page, 'Spring expo')
  expect(en).toMatch(/database or disk is full/)
  expect(en).toMatch(/nothing was saved/i)
  expect(en).not.toMatch(/try again shortly/)

  // A bug is not the store: the generic words, as before.
  vi.spyOn(bed.relay.store.campaigns, 'updateCampaign').mockRejectedValue(new Error('boom'))
  await page.click('[data-testid="save-campaign"]')
  await waitForPage(
    page,
    `(document.querySelector('${SAVE_ERROR}')?.textContent ?? '').includes('try again shortly')`,
  )
  await page.evaluate("localStorage.removeItem('scandesk.console.locale')")
  await page.context().close()
})

it('a campaign list the store cannot read (locked) says so, without claiming anything was saved', async () => {
  const page = await organizers.signedIn('bob')
  vi.spyOn(bed.relay.store.campaigns, 'listCampaigns').mockRejectedValue(
    sqliteError('SQLITE_BUSY', 'database is locked'),
  )
  await page.goto(`${bed.relay.url}/console/#/campaigns`)
  const alert = page.locator('.error-text[role="alert"]')
  await alert.waitFor()
  const text = (await alert.textContent()) ?? ''
  expect(text).toContain('数据库被锁定')
  expect(text).not.toContain('保存')
  expect(text).not.toContain('服务器出错')
  await page.context().close()
})
