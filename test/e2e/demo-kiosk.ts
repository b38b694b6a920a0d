/**
 * The set-up most browser tests of the kiosk share: `kiosk web` in demo mode on a fresh data
 * dir, and Chromium on its kiosk page with the code steady (and the admin area unlocked).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContextOptions, Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { launchChromium, unlockAdmin, waitForSteadyCode } from './browser'
import { assertRendererBuilt, startKioskProcess, type KioskProcess } from './kiosk-process'

export interface DemoKioskPage {
  readonly kiosk: KioskProcess
  readonly page: Page
  /** The PIN demo mode printed. */
  readonly pin: string
  /** The kiosk's data dir (to start it again on the same folder). */
  readonly dataDir: string
  /** Every uncaught error of the page, from before it loaded. */
  readonly pageErrors: string[]
}

export interface DemoKioskOptions {
  /** The data dir is a temp dir named scandesk-<name>-…. */
  name: string
  /** The page's viewport, locale, time zone… (a context of its own). */
  context: BrowserContextOptions
  /** Also open the admin area with the PIN (see unlockAdmin). */
  admin?: boolean
  /** The kiosk process's environment beside this one's (its TZ…). */
  env?: NodeJS.ProcessEnv
}

/**
 * Call in a describe: before its tests, the kiosk and its page as above (read them from the
 * returned object once its tests run); after them, the browser and kiosk stopped and the data
 * dir removed.
 */
export function demoKioskPage({
  name,
  context,
  admin = false,
  env = {},
}: DemoKioskOptions): DemoKioskPage {
  let dataDir: string | undefined
  let kiosk: KioskProcess | undefined
  let browser: Browser | undefined
  let page: Page | undefined
  let pin = ''
  const pageErrors: string[] = []

  beforeAll(async () => {
    assertRendererBuilt()
    dataDir = mkdtempSync(join(tmpdir(), `scandesk-${name}-`))
    kiosk = await startKioskProcess(['--port', '0', '--data', dataDir], env)
    if (!kiosk.adminPin) throw new Error(`demo mode printed no PIN:\n${kiosk.output()}`)
    pin = kiosk.adminPin
    browser = await launchChromium()
    page = await browser.newPage(context)
    page.on('pageerror', (e) => pageErrors.push(e.message))
    await page.goto(kiosk.kioskUrl)
    await waitForSteadyCode(page)
    if (admin) await unlockAdmin(page, pin)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await kiosk?.stop()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  }, 30_000)

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('demoKioskPage: read before its beforeAll ran')
    return value
  }
  return {
    get kiosk() {
      return started(kiosk)
    },
    get page() {
      return started(page)
    },
    get pin() {
      return pin
    },
    get dataDir() {
      return started(dataDir)
    },
    pageErrors,
  }
}
