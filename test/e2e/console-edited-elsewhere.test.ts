/**
 * Another organizer saves a campaign while Alice is typing in its form, against the real relay
 * (SQLite, the built out/console) in real Chromium: within seconds, before she presses Save, her
 * page says someone else saved changes since she opened it, and what she typed stays. Its
 * choices are the refused save's: load their version (hers one click away) or keep hers (the
 * next save replaces theirs knowingly); without choosing, her save is refused as before.
 * Screenshot: test-artifacts/console-edited-elsewhere.png.
 */
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { CAMPAIGN_DEFAULTS } from '../../shared/campaign'
import { waitForPage, waitForStill } from './browser'
import { consoleOrganizers } from './console-organizers'
import { realConsoleRelay } from './real-console-relay'

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts')
const NAME = '[data-testid="field-name"]'
const REPLY = '[data-testid="reply-scan"]'
const NOTICE = '[data-testid="newer-elsewhere"]'

const bed = realConsoleRelay({ name: 'edited-elsewhere' })
const organizers = consoleOrganizers(bed)
const { problems } = organizers

/** A signed-in console page of its own (own cookies) on the campaign's editor. */
async function editorAs(name: string, campaignId: string): Promise<Page> {
  const page = await organizers.signedIn(name)
  await openEditor(page, campaignId)
  return page
}

async function openEditor(page: Page, campaignId: string): Promise<void> {
  await page.goto(`${bed.relay.url}/console/#/campaigns/${encodeURIComponent(campaignId)}`)
  await page.reload()
  await page.locator(NAME).waitFor()
  await waitForPage(page, `(document.querySelector('${NAME}')?.value ?? '') !== ''`)
}

async function storedName(id: string): Promise<string | undefined> {
  return (await bed.relay.store.campaigns.getCampaign(id))?.campaign.name
}

/** `page` saves the campaign with `name` (from a freshly read form). */
async function saveAs(page: Page, id: string, name: string): Promise<void> {
  await openEditor(page, id)
  await page.fill(NAME, name)
  await page.click('[data-testid="save-campaign"]')
  await page.locator('[data-testid="saved"]').waitFor()
  expect(await storedName(id)).toBe(name)
}

it('says early that someone else saved, keeps the typing, and its choices work', async () => {
  const made = await bed.relay.store.campaigns.createCampaign(
    {
      ...CAMPAIGN_DEFAULTS,
      name: '春季展',
      id: 'c-edited-elsewhere-01',
      screenKey: 'k'.repeat(43),
    },
    Date.now(),
  )
  const id = made?.campaign.id ?? ''
  const alice = await editorAs('alice', id)
  const bob = await editorAs('bob', id)
  expect(await alice.locator(NOTICE).count()).toBe(0)

  // Alice is typing when Bob saves a new name.
  await alice.fill(NAME, '春季展（Alice 改）')
  await alice.fill(REPLY, '欢迎来到春季展')
  await saveAs(bob, id, '春季展（Bob 改）')

  // Before any save of hers, her page says so; her form is untouched. (It re-reads the campaign
  // every 5 s: the next re-read's answer, however long a loaded machine takes to give it.)
  await waitForPage(alice, `document.querySelector('${NOTICE}') !== null`)
  const notice = alice.locator(NOTICE)
  expect(await notice.textContent()).toContain('其他人保存了对它的修改')
  expect(await notice.textContent()).toContain('本页于')
  expect(await alice.locator('[data-testid="changed-elsewhere"]').count()).toBe(0)
  // She is down at the reply texts: the notice is on screen there too, not only at the top.
  expect(await alice.evaluate('window.scrollY')).toBeGreaterThan(0)
  const box = await notice.boundingBox()
  expect(box?.y).toBeGreaterThanOrEqual(0)
  expect((box?.y ?? 900) + (box?.height ?? 0)).toBeLessThanOrEqual(900)
  expect(await alice.inputValue(NAME)).toBe('春季展（Alice 改）')
  expect(await alice.inputValue(REPLY)).toBe('欢迎来到春季展')
  // It stays up, and still touches nothing, over further checks.
  await alice.waitForTimeout(5500)
  expect(await notice.count()).toBe(1)
  expect(await alice.inputValue(NAME)).toBe('春季展（Alice 改）')
  mkdirSync(ARTIFACTS, { recursive: true })
  await waitForStill(alice)
  await alice.screenshot({ path: resolve(ARTIFACTS, 'console-edited-elsewhere.png') })

  // Load theirs: Bob's version in the form, hers one click away; then saved from Bob's version.
  await notice.locator('[data-testid="load-theirs"]').click()
  await alice.locator('[data-testid="edits-kept"]').waitFor()
  expect(await notice.count()).toBe(0)
  expect(await alice.inputValue(NAME)).toBe('春季展（Bob 改）')
  await alice.click('[data-testid="restore-mine"]')
  expect(await alice.inputValue(NAME)).toBe('春季展（Alice 改）')
  expect(await alice.inputValue(REPLY)).toBe('欢迎来到春季展')
  await alice.click('[data-testid="save-campaign"]')
  await alice.locator('[data-testid="saved"]').waitFor()
  expect(await storedName(id)).toBe('春季展（Alice 改）')

  // Keep mine: the form stays as typed and her next save replaces Bob's knowingly.
  await alice.fill(NAME, '春季展（Alice 再改）')
  await saveAs(bob, id, '春季展（Bob 再改）')
  await waitForPage(alice, `document.querySelector('${NOTICE}') !== null`)
  await notice.locator('[data-testid="keep-mine"]').click()
  await notice.waitFor({ state: 'detached' })
  expect(await alice.inputValue(NAME)).toBe('春季展（Alice 再改）')
  await alice.click('[data-testid="save-campaign"]')
  await alice.locator('[data-testid="saved"]').waitFor()
  expect(await storedName(id)).toBe('春季展（Alice 再改）')

  // No choice made: the save is refused as before, and the refusal's banner takes over.
  await alice.fill(NAME, '春季展（Alice 三改）')
  await saveAs(bob, id, '春季展（Bob 三改）')
  await waitForPage(alice, `document.querySelector('${NOTICE}') !== null`)
  await alice.click('[data-testid="save-campaign"]')
  await alice.locator('[data-testid="changed-elsewhere"]').waitFor()
  expect(await notice.count()).toBe(0)
  expect(await storedName(id)).toBe('春季展（Bob 三改）')
  expect(await alice.inputValue(NAME)).toBe('春季展（Alice 三改）')
  expect(problems).toEqual([])
}, 90_000)
