/**
 * Two organizers, on the real relay (SQLite, the built out/console) in real Chromium: what Bob
 * does reaches Alice's open lists without her reloading. A campaign he creates or renames shows
 * in her campaigns list and in her booths page's campaign choices; a booth he adds shows in her
 * booths list. The event stream carries no campaign changes (docs/DESIGN.md "Big screens"), so
 * the lists re-read themselves while on screen, like the open campaign does.
 */
import type { Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { CAMPAIGN_DEFAULTS } from '../../shared/campaign'
import { waitForPage } from './browser'
import { consoleOrganizers } from './console-organizers'
import { realConsoleRelay } from './real-console-relay'

const NAME = '[data-testid="field-name"]'
/**
 * The lists re-read every 5 s; on a loaded machine one can come late (the page's timer, the
 * relay's answer) or come just before Bob's change and miss it: nine of them, not three, before
 * the test says a change never arrived. (The test's timeout leaves room for each wait at it.)
 */
const CATCH_UP_MS = 45_000

const bed = realConsoleRelay({ name: 'lists-elsewhere' })
const organizers = consoleOrganizers(bed)
const { problems } = organizers

const listHas = (page: Page, text: string): Promise<void> =>
  waitForPage(
    page,
    `[...document.querySelectorAll('[data-testid="campaign-name"]')].some((e) => e.textContent.trim() === ${JSON.stringify(text)})`,
    CATCH_UP_MS,
  )

it("Bob's new and renamed campaigns reach Alice's open campaigns list and booth choices", async () => {
  const alice = await organizers.signedIn('alice')
  const bob = await organizers.signedIn('bob')
  await alice.goto(`${bed.relay.url}/console/#/campaigns`)
  await alice.locator('[data-testid="page-campaigns"], .page-head h1').first().waitFor()

  // Bob creates one in his console.
  await bob.goto(`${bed.relay.url}/console/#/campaigns/new`)
  await bob.locator(NAME).waitFor()
  await bob.fill(NAME, '秋季展')
  await bob.click('[data-testid="save-campaign"]')
  await bob.locator('[data-testid="saved"]').waitFor()
  await listHas(alice, '秋季展')

  // And renames it.
  const [made] = await bed.relay.store.campaigns.listCampaigns()
  const id = made?.campaign.id ?? ''
  await bob.goto(`${bed.relay.url}/console/#/campaigns/${encodeURIComponent(id)}`)
  await bob.reload()
  await waitForPage(bob, `(document.querySelector('${NAME}')?.value ?? '') === '秋季展'`)
  await bob.fill(NAME, '秋季展（新）')
  await bob.click('[data-testid="save-campaign"]')
  await bob.locator('[data-testid="saved"]').waitFor()
  await listHas(alice, '秋季展（新）')

  // Alice on the booths page; Bob adds a booth and another campaign.
  await alice.goto(`${bed.relay.url}/console/#/booths`)
  await alice.locator('[data-testid="page-booths"]').waitFor()
  await bob.goto(`${bed.relay.url}/console/#/booths`)
  await bob.click('[data-testid="add-booth"]')
  await bob.fill('[data-testid="booth-id"]', 'hall-b')
  await bob.click('[data-testid="create-code"]')
  await waitForPage(alice, `document.querySelector('[data-kiosk="hall-b"]') !== null`, CATCH_UP_MS)
  await bed.relay.store.campaigns.createCampaign(
    { ...CAMPAIGN_DEFAULTS, name: '冬季展', id: 'c-lists-elsewhere-2', screenKey: 'k'.repeat(43) },
    Date.now(),
  )
  await waitForPage(
    alice,
    `[...document.querySelectorAll('[data-kiosk="hall-b"] [data-testid="booth-campaign-select"] option')].some((o) => o.textContent.trim() === '冬季展')`,
    CATCH_UP_MS,
  )
  expect(problems).toEqual([])
}, 240_000)
