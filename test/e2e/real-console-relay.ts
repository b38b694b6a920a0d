/**
 * The set-up the big-screen and console browser tests share: a real relay serving the BUILT console (and so the
 * screen pages) on a fresh SQLite data dir, optionally behind a TCP link a test can cut, and
 * Chromium.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { startRelay, type RelayHandle, type StartRelayOptions } from '../../relay/server'
import { TOKEN } from '../relay/harness'
import { launchChromium } from './browser'
import { assertConsoleBuilt, CONSOLE_DIR } from './fake-console-relay'
import { startTcpLink, type TcpLink } from './tcp-link'

export interface RealConsoleRelay {
  readonly relay: RelayHandle
  /** Only with `link: true`. */
  readonly link: TcpLink
  readonly browser: Browser
  /**
   * Stops the relay and starts it again on the same data dir and port (a restart after an
   * update or a crash); `relay` is the new one from then on.
   */
  restart(): Promise<void>
}

export interface RealConsoleRelayOptions {
  /** The data dir is a temp dir named scandesk-e2e-<name>-…. */
  name: string
  /** startRelay's options (a draw feed, the screens' heartbeat…). */
  relay?: StartRelayOptions
  /** Also a TCP link to the relay (screens opened through it can be cut off). */
  link?: boolean
  /**
   * The relay's `trustProxyHops`: with 1, a page whose context sends `X-Forwarded-For` is that
   * client to the relay's per-address limits (several TVs behind a proxy, not one address).
   */
  trustProxyHops?: number
}

/**
 * Call in a describe: before its tests, the relay, link and browser as above (read them from
 * the returned object once its tests run); after them, all closed and the data dir removed.
 */
export function realConsoleRelay(options: RealConsoleRelayOptions): RealConsoleRelay {
  let dir: string | undefined
  let relay: RelayHandle | undefined
  let link: TcpLink | undefined
  let browser: Browser | undefined

  const start = (data: string, port: number): Promise<RelayHandle> =>
    startRelay(
      {
        port,
        host: '127.0.0.1',
        data,
        wechat: { token: TOKEN },
        consoleDir: CONSOLE_DIR,
        trustProxyHops: options.trustProxyHops ?? 0,
      },
      options.relay,
    )

  beforeAll(async () => {
    assertConsoleBuilt()
    dir = mkdtempSync(join(tmpdir(), `scandesk-e2e-${options.name}-`))
    relay = await start(dir, 0)
    if (options.link === true) link = await startTcpLink(relay.port)
    browser = await launchChromium()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await link?.close()
    await relay?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`realConsoleRelay: no ${what} (yet)`)
    return value
  }
  return {
    get relay() {
      return started(relay, 'relay')
    },
    get link() {
      return started(link, 'link')
    },
    get browser() {
      return started(browser, 'browser')
    },
    async restart() {
      const old = started(relay, 'relay')
      relay = undefined
      await old.close()
      relay = await start(started(dir, 'data dir'), old.port)
    },
  }
}
