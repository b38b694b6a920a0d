/**
 * Another organizer gives a campaign a new big-screen key while Alice has its page open,
 * against the real relay (SQLite, the built out/console) in real Chromium: within seconds
 * Alice's links card shows the new key's links and says the key was changed elsewhere, what
 * she had typed stays in the form, and her save goes through (the rotation changed nothing her
 * form holds). An edit by someone else still refuses her stale save, as before; so does a
 * draft kept from before such an edit, even after a rotation made on the page itself.
 */
import type { Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { CAMPAIGN_DEFAULTS } from '../../shared/campaign'
import { waitForPage } from './browser'
import { consoleOrganizers } from './console-organizers'
import { realConsoleRelay } from './real-console-relay'

const NAME = '[data-testid="field-name"]'
const REPLY = '[data-testid="reply-scan"]'
const WALL = '[data-testid="screen-link-wall"]'

const bed = realConsoleRelay({ name: 'screen-key-elsewhere' })
const organizers = consoleOrganizers(bed)
const { problems, passwords } = organizers

/** A signed-in console page of its own (own cookies) on the campaign's editor. */
async function editorAs(name: string, campaignId: string): Promise<Page> {
  const page = await organizers.signedIn(name)
  await page.goto(`${bed.relay.url}/console/#/campaigns/${encodeURIComponent(campaignId)}`)
  await page.locator(NAME).waitFor()
  await waitForPage(page, `(document.querySelector('${NAME}')?.value ?? '') !== ''`)
  return page
}

/**
 * Rotates the screen key from `page` and gives the new one, once the relay has stored it and the
 * page shows it: the click only sends the request, so the store is read after the page's wall
 * link has left the old key.
 */
async function rotateOn(page: Page, id: string, before: string): Promise<string> {
  await page.click('[data-testid="rotate-key"]')
  await page.click('[data-testid="confirm-rotate"]')
  await waitForPage(page, `!document.querySelector('${WALL}')?.href.includes('key=${before}')`)
  const key = (await stored(id)).screenKey
  expect(key).not.toBe(before)
  expect(await page.getAttribute(WALL, 'href')).toContain(`key=${key}`)
  return key
}

async function stored(id: string): Promise<{ name: string; screenKey: string }> {
  const c = (await bed.relay.store.campaigns.getCampaign(id))?.campaign
  if (c === undefined) throw new Error(`no campaign ${id}`)
  return c
}

it('a key rotated elsewhere reaches the open page, and the page’s next save is not refused for it', async () => {
  const oldKey = 'k'.repeat(43)
  const made = await bed.relay.store.campaigns.createCampaign(
    { ...CAMPAIGN_DEFAULTS, name: '夏季展', id: 'c-key-elsewhere-01', screenKey: oldKey },
    Date.now(),
  )
  const id = made?.campaign.id ?? ''
  const alice = await editorAs('alice', id)
  const bob = await editorAs('bob', id)
  expect(await alice.getAttribute(WALL, 'href')).toContain(`key=${oldKey}`)

  // Alice is mid-edit when Bob gives the screens a new key.
  await alice.fill(NAME, '夏季展（Alice 改）')
  await alice.fill(REPLY, '欢迎来到夏季展')
  const newKey = await rotateOn(bob, id, oldKey)

  // Alice's card gets the new links and says why; her typing is untouched. (Her page re-reads
  // the campaign every 5 s: the next re-read's answer, however long a loaded machine takes.)
  await waitForPage(
    alice,
    `document.querySelector('${WALL}')?.href.includes('key=${newKey}') === true`,
  )
  expect(await alice.getAttribute('[data-testid="screen-link-draw"]', 'href')).toContain(
    `key=${newKey}`,
  )
  expect(await alice.textContent('[data-testid="screen-key-value"]')).toBe(newKey)
  const note = alice.locator('[data-testid="screen-key-replaced"]')
  await note.waitFor()
  expect(await note.textContent()).toContain('其他人')
  expect(await alice.inputValue(NAME)).toBe('夏季展（Alice 改）')
  expect(await alice.inputValue(REPLY)).toBe('欢迎来到夏季展')
  // Bob made the key here: his card says nothing about a key from elsewhere.
  expect(await bob.locator('[data-testid="screen-key-replaced"]').count()).toBe(0)

  // Only the key changed since she opened the page: her save goes through, keeping Bob's key.
  await alice.click('[data-testid="save-campaign"]')
  await alice.locator('[data-testid="saved"], [data-testid="changed-elsewhere"]').first().waitFor()
  expect(await alice.locator('[data-testid="changed-elsewhere"]').count()).toBe(0)
  expect(await alice.locator('[data-testid="saved"]').count()).toBe(1)
  expect(await stored(id)).toMatchObject({ name: '夏季展（Alice 改）', screenKey: newKey })

  // A real edit still conflicts: Bob's form is older than Alice's save.
  await bob.fill(NAME, '夏季展（Bob 改）')
  await bob.click('[data-testid="save-campaign"]')
  await bob.locator('[data-testid="changed-elsewhere"]').waitFor()
  expect((await stored(id)).name).toBe('夏季展（Alice 改）')
  expect(await bob.inputValue(NAME)).toBe('夏季展（Bob 改）')
  expect(problems).toEqual([])
}, 60_000)

it('a draft kept from before someone else’s save is still refused after a rotation made on the page', async () => {
  const made = await bed.relay.store.campaigns.createCampaign(
    { ...CAMPAIGN_DEFAULTS, name: '冬季展', id: 'c-key-elsewhere-02', screenKey: 'k'.repeat(43) },
    Date.now(),
  )
  const id = made?.campaign.id ?? ''
  const carol = await editorAs('carol', id)
  await carol.fill(NAME, '冬季展（Carol 改）')
  // Her session ends mid-edit; the draft is kept in the tab.
  await carol.context().clearCookies()
  await carol.click('[data-testid="save-campaign"]')
  await carol.locator('[data-testid="sign-in"]').waitFor()

  const dave = await editorAs('dave', id)
  await dave.fill(NAME, '冬季展（Dave 改）')
  await dave.click('[data-testid="save-campaign"]')
  await dave.locator('[data-testid="saved"]').waitFor()

  await carol.fill('#sign-in-name', 'carol')
  await carol.fill('#sign-in-password', passwords.get('carol') ?? '')
  await carol.click('[data-testid="sign-in-submit"]')
  await carol.locator('[data-testid="draft-offer"]').waitFor()
  await carol.click('[data-testid="draft-restore"]')
  expect(await carol.inputValue(NAME)).toBe('冬季展（Carol 改）')

  // A new key from this page: her draft is still from before Dave's save.
  await rotateOn(carol, id, (await stored(id)).screenKey)
  await carol.click('[data-testid="save-campaign"]')
  await carol.locator('[data-testid="saved"], [data-testid="changed-elsewhere"]').first().waitFor()
  expect(await carol.locator('[data-testid="saved"]').count()).toBe(0)
  expect(await carol.locator('[data-testid="changed-elsewhere"]').count()).toBe(1)
  expect((await stored(id)).name).toBe('冬季展（Dave 改）')
  expect(await carol.inputValue(NAME)).toBe('冬季展（Carol 改）')
  expect(problems).toEqual([])
}, 60_000)
