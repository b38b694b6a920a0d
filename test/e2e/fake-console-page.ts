/**
 * The set-up the browser tests of the BUILT console share: the fake relay, and Chromium signed
 * in to its console (the booths page up), each page error kept.
 */
import type { Browser, BrowserContextOptions, Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { launchChromium } from './browser'
import {
  assertConsoleBuilt,
  signInToFakeRelay,
  startFakeConsoleRelay,
  type FakeConsoleRelay,
} from './fake-console-relay'

export interface FakeConsolePage {
  readonly relay: FakeConsoleRelay
  readonly page: Page
  /** `pageerror: <message>` for each uncaught error of the page, from before it loaded. */
  readonly problems: string[]
}

export interface FakeConsolePageOptions {
  /** The fake relay's options (see startFakeConsoleRelay). */
  relay?: Parameters<typeof startFakeConsoleRelay>[0]
  /** The page's viewport, locale… (a context of its own; default 1280×800, zh-CN). */
  context?: BrowserContextOptions
  /** Changes the fake relay's data before the browser signs in. */
  prepare?: (relay: FakeConsoleRelay) => void
  /**
   * Once signed in, the console page to open (`#/attendance`) and a selector to wait for there
   * (default: stay on the booths page).
   */
  open?: { hash: string; ready: string }
}

/** The attendance page, once its download buttons are up. */
export const ATTENDANCE = { hash: '#/attendance', ready: '[data-testid="download-csv"]' }

/**
 * Call in a describe: before its tests, the relay and the signed-in page as above (read them
 * from the returned object once its tests run); after them, the browser and relay closed.
 */
export function fakeConsolePage(options: FakeConsolePageOptions): FakeConsolePage {
  let relay: FakeConsoleRelay | undefined
  let browser: Browser | undefined
  let page: Page | undefined
  const problems: string[] = []

  beforeAll(async () => {
    assertConsoleBuilt()
    relay = await startFakeConsoleRelay(options.relay)
    options.prepare?.(relay)
    browser = await launchChromium()
    const context = await browser.newContext(
      options.context ?? { viewport: { width: 1280, height: 800 }, locale: 'zh-CN' },
    )
    page = await context.newPage()
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    await signInToFakeRelay(page, relay)
    if (options.open !== undefined) {
      await page.goto(`${relay.origin}/console/${options.open.hash}`)
      await page.locator(options.open.ready).waitFor()
    }
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await relay?.close()
  })

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('fakeConsolePage: read before its beforeAll ran')
    return value
  }
  return {
    get relay() {
      return started(relay)
    },
    get page() {
      return started(page)
    },
    problems,
  }
}
