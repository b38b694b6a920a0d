/**
 * The venue the phone and save-bar console tests share: a realConsoleRelay seeded with many
 * booths (booth-000, booth-001…) spread over one or more campaigns (c0, c1…, booth i in
 * c<i mod campaigns>) and organizer alice, and pages signed in as her on the booths page;
 * and the sign-in the other console tests share (signInAlice, consoleContext).
 */
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core'
import { beforeAll } from 'vitest'
import { CAMPAIGN_DEFAULTS } from '../../shared/campaign'
import { addOrganizer } from '../../relay/console/organizer-admin'
import type { RealConsoleRelay } from './real-console-relay'

export interface BoothsSeed {
  /** A new browser context signed in as alice, on the booths page. */
  signedIn(context: BrowserContextOptions): Promise<Page>
}

/**
 * Call in a describe after realConsoleRelay: before its tests, `booths` booths and one campaign
 * per name in `campaigns` (c0, c1… in that order), the booths assigned in turn.
 */
export function seedBooths(
  bed: RealConsoleRelay,
  seed: { booths: number; campaigns: readonly string[] },
): BoothsSeed {
  let password = ''
  beforeAll(async () => {
    const store = bed.relay.store
    const booth = (i: number): string => `booth-${String(i).padStart(3, '0')}`
    for (let i = 0; i < seed.booths; i++) await bed.relay.addKiosk(booth(i))
    for (const [c, name] of seed.campaigns.entries()) {
      await store.campaigns.createCampaign(
        { ...CAMPAIGN_DEFAULTS, id: `c${c}`, name, screenKey: 'k'.repeat(43) },
        Date.now(),
      )
    }
    for (let i = 0; i < seed.booths; i++) {
      await store.campaigns.assignKiosk(booth(i), `c${i % seed.campaigns.length}`)
    }
    password = await addOrganizer(store, 'alice', Date.now())
  }, 120_000)

  return {
    async signedIn(context) {
      return signInAlice(bed, await bed.browser.newContext(context), password)
    },
  }
}

/** A new page in `context` signed in to the console as alice with `password`, on the booths page. */
export async function signInAlice(
  bed: RealConsoleRelay,
  context: BrowserContext,
  password: string,
): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${bed.relay.url}/console/`)
  await page.fill('#sign-in-name', 'alice')
  await page.fill('#sign-in-password', password)
  await page.click('[data-testid="sign-in-submit"]')
  await page.locator('[data-testid="page-booths"]').waitFor()
  return page
}

/**
 * A new browser context on a phone (390×844, touch) or a desktop (1280×800), with the console's
 * language set to `locale` before its first page loads.
 */
export async function consoleContext(
  bed: RealConsoleRelay,
  phone: boolean,
  locale: 'zh-CN' | 'en',
): Promise<BrowserContext> {
  const context = await bed.browser.newContext({
    viewport: phone ? { width: 390, height: 844 } : { width: 1280, height: 800 },
    isMobile: phone,
    hasTouch: phone,
  })
  await context.addInitScript({
    content: `localStorage.setItem('scandesk.console.locale', ${JSON.stringify(locale)})`,
  })
  return context
}
