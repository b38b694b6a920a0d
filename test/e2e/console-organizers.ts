/**
 * Several organizers in one console test, each in a browser context of its own (own cookies),
 * against a realConsoleRelay: the two-organizers-at-once tests (edit conflicts, a screen key or
 * a save made elsewhere) share it.
 */
import type { Page } from 'playwright-core'
import { addOrganizer } from '../../relay/console/organizer-admin'
import type { RealConsoleRelay } from './real-console-relay'

export interface ConsoleOrganizers {
  /** Page errors and console errors (bar the expected 401/412 answers) of every page opened. */
  readonly problems: string[]
  /** Each organizer's password, by name, for signing in again. */
  readonly passwords: Map<string, string>
  /**
   * Adds organizer `name` and signs them in on a new page, on the booths page; `initScript` runs
   * in each of the context's pages before their own scripts (an older browser's gaps…).
   */
  signedIn(name: string, initScript?: string): Promise<Page>
}

export function consoleOrganizers(bed: RealConsoleRelay): ConsoleOrganizers {
  const problems: string[] = []
  const passwords = new Map<string, string>()
  return {
    problems,
    passwords,
    async signedIn(name, initScript) {
      const password = await addOrganizer(bed.relay.store, name, Date.now())
      passwords.set(name, password)
      const context = await bed.browser.newContext({
        viewport: { width: 1280, height: 900 },
        locale: 'zh-CN',
      })
      if (initScript !== undefined) await context.addInitScript(initScript)
      const page = await context.newPage()
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
      page.on('console', (m) => {
        if (m.type() === 'error' && !/status of (401|412)/.test(m.text()))
          problems.push(`console: ${m.text()}`)
      })
      await page.goto(`${bed.relay.url}/console/`)
      await page.fill('#sign-in-name', name)
      await page.fill('#sign-in-password', password)
      await page.click('[data-testid="sign-in-submit"]')
      await page.locator('[data-testid="page-booths"]').waitFor()
      return page
    },
  }
}
