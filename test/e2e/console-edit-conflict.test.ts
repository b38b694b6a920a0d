/**
 * Two organizers edit one campaign at once, against the real relay (SQLite, the built
 * out/console) in real Chromium: Bob saves first; Alice's save from the form she opened before
 * is refused (If-Match), the page says so in zh-CN and keeps what she typed; she can load Bob's
 * version and put hers back, or keep hers and save it over his knowingly.
 * Screenshot: test-artifacts/console-edit-conflict.png.
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

const bed = realConsoleRelay({ name: 'conflict' })
const organizers = consoleOrganizers(bed)
const { problems, passwords } = organizers

/** A signed-in console page of its own (own cookies) on the campaign's editor. */
async function editorAs(name: string, campaignId: string): Promise<Page> {
  const page = await organizers.signedIn(name)
  await page.goto(`${bed.relay.url}/console/#/campaigns/${encodeURIComponent(campaignId)}`)
  await page.locator(`${NAME}`).waitFor()
  await waitForPage(page, `(document.querySelector('${NAME}')?.value ?? '') !== ''`)
  return page
}

async function storedName(id: string): Promise<string | undefined> {
  return (await bed.relay.store.campaigns.getCampaign(id))?.campaign.name
}

it('a save from a form opened before someone else saved is refused, and the draft stays', async () => {
  const made = await bed.relay.store.campaigns.createCampaign(
    { ...CAMPAIGN_DEFAULTS, name: '春季展', id: 'c-conflict-e2e-01', screenKey: 'k'.repeat(43) },
    Date.now(),
  )
  const id = made?.campaign.id ?? ''
  const alice = await editorAs('alice', id)
  const bob = await editorAs('bob', id)

  await bob.fill(NAME, '春季展（Bob 改）')
  await bob.click('[data-testid="save-campaign"]')
  await bob.locator('[data-testid="saved"]').waitFor()
  expect(await storedName(id)).toBe('春季展（Bob 改）')

  // Alice's form was loaded before Bob's save.
  await alice.fill(NAME, '春季展（Alice 改）')
  await alice.click('[data-testid="save-campaign"]')
  const banner = alice.locator('[data-testid="changed-elsewhere"]')
  await banner.waitFor()
  expect(await banner.textContent()).toContain('其他人保存了修改')
  expect(await storedName(id)).toBe('春季展（Bob 改）')
  expect(await alice.inputValue(NAME)).toBe('春季展（Alice 改）')
  mkdirSync(ARTIFACTS, { recursive: true })
  await waitForStill(alice)
  await alice.screenshot({ path: resolve(ARTIFACTS, 'console-edit-conflict.png') })

  // Bob's version into the form; hers one click away.
  await alice.click('[data-testid="load-theirs"]')
  await alice.locator('[data-testid="edits-kept"]').waitFor()
  expect(await alice.inputValue(NAME)).toBe('春季展（Bob 改）')
  await alice.click('[data-testid="restore-mine"]')
  expect(await alice.inputValue(NAME)).toBe('春季展（Alice 改）')

  // Now from the version she has seen, her save goes through.
  await alice.click('[data-testid="save-campaign"]')
  await alice.locator('[data-testid="saved"]').waitFor()
  expect(await storedName(id)).toBe('春季展（Alice 改）')

  // Bob's form is stale now: "keep mine" lets him save over hers knowingly.
  await bob.fill(NAME, '春季展（Bob 再改）')
  await bob.click('[data-testid="save-campaign"]')
  await bob.locator('[data-testid="changed-elsewhere"]').waitFor()
  await bob.click('[data-testid="keep-mine"]')
  await bob.locator('[data-testid="changed-elsewhere"]').waitFor({ state: 'detached' })
  expect(await bob.inputValue(NAME)).toBe('春季展（Bob 再改）')
  await bob.click('[data-testid="save-campaign"]')
  await bob.locator('[data-testid="saved"]').waitFor()
  expect(await storedName(id)).toBe('春季展（Bob 再改）')
  expect(problems).toEqual([])
}, 60_000)

it('the session expires mid-edit: after signing in again the draft is offered back, and a newer save is not overwritten', async () => {
  const made = await bed.relay.store.campaigns.createCampaign(
    { ...CAMPAIGN_DEFAULTS, name: '秋季展', id: 'c-expiry-e2e-01', screenKey: 'k'.repeat(43) },
    Date.now(),
  )
  const id = made?.campaign.id ?? ''
  const carol = await editorAs('carol', id)
  const password = passwords.get('carol') ?? ''
  await carol.fill(NAME, '秋季展（Carol 改）')
  await carol.fill('[data-testid="reply-scan"]', '欢迎来到秋季展')
  // The session ends on the bed.relay (expired): the save meets a 401 and the console signs out.
  await carol.context().clearCookies()
  await carol.click('[data-testid="save-campaign"]')
  await carol.locator('[data-testid="sign-in"]').waitFor()
  expect(await storedName(id)).toBe('秋季展')

  // Meanwhile Dave saves the campaign.
  const dave = await editorAs('dave', id)
  await dave.fill(NAME, '秋季展（Dave 改）')
  await dave.click('[data-testid="save-campaign"]')
  await dave.locator('[data-testid="saved"]').waitFor()

  await carol.fill('#sign-in-name', 'carol')
  await carol.fill('#sign-in-password', password)
  await carol.click('[data-testid="sign-in-submit"]')
  const offer = carol.locator('[data-testid="draft-offer"]')
  await offer.waitFor()
  expect(await offer.textContent()).toContain('未保存的修改')
  // Nothing is put in the form until asked: it shows the stored version.
  await waitForPage(carol, `document.querySelector('${NAME}')?.value === '秋季展（Dave 改）'`)
  mkdirSync(ARTIFACTS, { recursive: true })
  await waitForStill(carol)
  await carol.screenshot({ path: resolve(ARTIFACTS, 'console-draft-offer.png') })
  await carol.click('[data-testid="draft-restore"]')
  expect(await carol.inputValue(NAME)).toBe('秋季展（Carol 改）')
  expect(await carol.inputValue('[data-testid="reply-scan"]')).toBe('欢迎来到秋季展')

  // Her draft was made from the version before Dave's: its save is refused, not silently over his.
  await carol.click('[data-testid="save-campaign"]')
  await carol.locator('[data-testid="changed-elsewhere"]').waitFor()
  expect(await storedName(id)).toBe('秋季展（Dave 改）')
  await carol.click('[data-testid="keep-mine"]')
  await carol.locator('[data-testid="changed-elsewhere"]').waitFor({ state: 'detached' })
  await carol.click('[data-testid="save-campaign"]')
  await carol.locator('[data-testid="saved"]').waitFor()
  expect(await storedName(id)).toBe('秋季展（Carol 改）')

  // Saved: the draft is gone, nothing is offered on the next visit.
  await carol.reload()
  await waitForPage(carol, `document.querySelector('${NAME}')?.value === '秋季展（Carol 改）'`)
  expect(await carol.locator('[data-testid="draft-offer"]').count()).toBe(0)
  expect(problems).toEqual([])
}, 60_000)
