// Kiosk test plumbing: a sandbox + relay on loopback, kiosk cores on temporary data dirs, a
// TCP proxy that can cut the kiosk's network, and bounded waiting.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { startRelay, type RelayHandle } from '../../relay/server'
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/server'
import type { Campaign, ExportProgress } from '../../shared/domain'
import {
  createKioskCore,
  type KioskCore,
  type KioskCoreOptions,
} from '../../electron/core/kiosk-core'
import { defaultSettings, saveSettings, type Settings } from '../../electron/core/config/settings'
import { openCampaignStore } from '../../electron/core/campaigns/campaign-store'
import { MemoryVault, type SecretVault } from '../../electron/core/config/vault'
import { openKioskDb, type KioskDb } from '../../electron/core/db/db'
import { ExportJobs, type ExportJobsOptions } from '../../electron/core/export/export-jobs'

const cleanups: Array<() => Promise<void> | void> = []

export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn)
}

/** Runs cleanups newest first; call from afterEach. */
/**
 * `kiosk web` as a child process (from source, through tsx) with `args` as typed and the admin
 * PIN set: its stdout lines, its stderr so far, and its exit. Killed at cleanup if still running.
 */
export function runKioskWeb(args: readonly string[], env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'electron/core/cli/cli.ts', 'web', ...args],
    {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, SCANDESK_ADMIN_PIN: '4321', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
  onCleanup(async () => {
    if (child.exitCode === null) child.kill('SIGKILL')
    await exited
  })
  const out: string[] = []
  let err = ''
  createInterface({ input: child.stdout }).on('line', (l) => out.push(l))
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')))
  return { exited, out, stderr: () => err }
}

export async function cleanup(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn()
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scandesk-kiosk-'))
  onCleanup(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Polls until `check` returns a value other than undefined/false; bounded. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export interface Platform {
  sandbox: Sandbox
  relay: RelayHandle
}

/** A sandbox whose pushes go to a relay (SQLite in `relayData`, or in memory). */
export async function startPlatform(
  sandboxOpts: SandboxOptions = {},
  relayData = ':memory:',
): Promise<Platform> {
  const sandbox = await startSandbox({ port: 0, ...sandboxOpts })
  onCleanup(() => sandbox.close())
  const relay = await startRelay(
    {
      port: 0,
      data: relayData,
      wechat: sandbox.credentials(),
    },
    { shutdownGraceMs: 500 },
  )
  onCleanup(() => relay.close())
  sandbox.setPushUrl(`${relay.url}/wechat`)
  return { sandbox, relay }
}

export function testCampaign(overrides: Partial<Campaign> = {}): Campaign {
  return {
    id: 'expo',
    name: 'Expo',
    startsOn: null,
    endsOn: null,
    greetings: {
      'zh-CN': {
        firstVisit: '欢迎 第{number}位',
        welcomeBack: '欢迎回来 {number}',
        named: '{name} 您好',
      },
      en: {
        firstVisit: 'Welcome no. {number}',
        welcomeBack: 'Welcome back no. {number}',
        named: 'Hello {name}',
      },
    },
    rotationSeconds: 60,
    ticketLifetimeSeconds: 600,
    mode: 'booth',
    ...overrides,
  }
}

export const TEST_PIN = '2468'

/** Writes settings + campaign for a kiosk on `relayUrl` (proxy tickets) into `dataDir`. */
export function provisionDir(
  dataDir: string,
  vault: SecretVault,
  o: {
    relayUrl: string
    kioskId: string
    token: string
    campaign?: Campaign
    settings?: Partial<Settings>
  },
): void {
  const campaign = o.campaign ?? testCampaign()
  openCampaignStore(dataDir).save(campaign)
  vault.set('relayToken', o.token)
  saveSettings(dataDir, {
    ...defaultSettings(),
    kioskId: o.kioskId,
    relayUrl: o.relayUrl,
    ticketSource: 'proxy',
    activeCampaignId: campaign.id,
    ...o.settings,
  })
}

/**
 * Quick reconnects for tests. The heartbeat is longer than any test: the relay runs in the test's
 * own worker, and a worker stalled past a short heartbeat (a loaded CI core, a GC, the test's own
 * synchronous work) right after a ping finds no answer yet and cuts a healthy link, a reconnect
 * and replay the test did not ask for. A test of the heartbeat itself takes `heartbeatLink`.
 */
export const fastLink = {
  heartbeatMs: 600_000,
  welcomeTimeoutMs: 2000,
  backoffBaseMs: 40,
  backoffMaxMs: 250,
}

/** `fastLink` with a 300 ms heartbeat, for the tests of a link that stalls without closing. */
export const heartbeatLink = { ...fastLink, heartbeatMs: 300 }

export function startCore(
  dataDir: string,
  vault: SecretVault,
  extra: Partial<KioskCoreOptions> = {},
): KioskCore {
  const core = createKioskCore({
    dataDir,
    vault,
    tickMs: 50,
    initialPin: TEST_PIN,
    relayLink: fastLink,
    ...extra,
  })
  core.start()
  onCleanup(() => core.stop())
  return core
}

/** A provisioned kiosk against `platform` (via `relayUrl`, default the relay itself). */
export async function kioskOn(
  p: Platform,
  o: {
    kioskId?: string
    relayUrl?: string
    campaign?: Campaign
    dataDir?: string
    vault?: SecretVault
    /** More core options (a clock, the greeting window). */
    core?: Partial<KioskCoreOptions>
  } = {},
): Promise<{ core: KioskCore; dataDir: string; vault: SecretVault; token: string }> {
  const kioskId = o.kioskId ?? 'booth-1'
  const dataDir = o.dataDir ?? tempDir()
  const vault = o.vault ?? new MemoryVault()
  const token = await p.relay.addKiosk(kioskId)
  provisionDir(dataDir, vault, {
    relayUrl: o.relayUrl ?? p.relay.url,
    kioskId,
    token,
    campaign: o.campaign,
  })
  const core = startCore(dataDir, vault, o.core)
  return { core, dataDir, vault, token }
}

/** Imports `csv` as the active campaign's roster through the kiosk API (the admin unlocked). */
export async function importCsvRoster(core: KioskCore, csv: string): Promise<unknown> {
  return core.call('importRoster', {
    fileName: 'roster.csv',
    format: 'csv',
    dataBase64: Buffer.from(csv).toString('base64'),
    skipBadRows: false,
  })
}

/**
 * Listens on 127.0.0.1 port 0; at cleanup drops the connections in `open` (kept by the server's
 * handler) and closes it.
 */
export async function listenForTest(server: net.Server, open: Set<net.Socket>): Promise<void> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  onCleanup(
    () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy()
        server.close(() => r())
      }),
  )
}

/** A TCP proxy in front of the relay: `cut()` drops every connection and refuses new ones. */
export async function startCutProxy(target: string): Promise<{
  url: string
  cut(): void
  restore(): void
  /** Keeps connections open but silently drops all bytes (a dead Wi-Fi link). */
  blackhole(on: boolean): void
  /**
   * Keeps connections open and passes the relay's bytes, but drops the kiosk's (its acks): a
   * frame delivered whose ack never arrives. `restore()` ends it too.
   */
  holdUp(on: boolean): void
  /** Bytes handed on from the relay to the kiosk so far, over every connection. */
  downBytes(): number
  close(): Promise<void>
}> {
  const { hostname, port } = new URL(target)
  let down = false
  let hole = false
  let upHeld = false
  let passedDown = 0
  const pairs = new Set<[net.Socket, net.Socket]>()
  const server = net.createServer((client) => {
    if (down) return client.destroy()
    const upstream = net.connect(Number(port), hostname)
    const pair: [net.Socket, net.Socket] = [client, upstream]
    pairs.add(pair)
    client.on('data', (d) => !hole && !upHeld && upstream.write(d))
    upstream.on('data', (d: Buffer) => {
      if (hole) return
      passedDown += d.length
      client.write(d)
    })
    const end = () => {
      client.destroy()
      upstream.destroy()
      pairs.delete(pair)
    }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port: proxyPort } = server.address() as net.AddressInfo
  const closeAllPairs = () => {
    for (const [a, b] of pairs) {
      a.destroy()
      b.destroy()
    }
    pairs.clear()
  }
  const proxy = {
    url: `http://127.0.0.1:${proxyPort}`,
    cut: () => {
      down = true
      closeAllPairs()
    },
    restore: () => {
      down = false
      hole = false
      upHeld = false
    },
    blackhole: (on: boolean) => {
      hole = on
    },
    holdUp: (on: boolean) => {
      upHeld = on
    },
    downBytes: () => passedDown,
    close: async () => {
      closeAllPairs()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
  onCleanup(() => proxy.close())
  return proxy
}

export function attendanceRows(
  core: KioskCore,
): Array<{ event_id: string; openid: string; scene: string }> {
  return core.db
    .prepare<[], { event_id: string; openid: string; scene: string }>(
      'SELECT event_id, openid, scene FROM attendance ORDER BY id',
    )
    .all()
}

/**
 * A kiosk database in a temporary folder (closed by cleanup) with `rows` scans in campaign
 * `expo`, the i-th by visitor `openid(i)` (`o-<i>` unless given), for the export's tests.
 */
export function attendanceDb(rows: number, openid = (i: number) => `o-${i}`): KioskDb {
  const db = openKioskDb(join(tempDir(), 'kiosk.db'))
  onCleanup(() => {
    db.close()
  })
  const insert = db.prepare(
    `INSERT INTO attendance (event_id, campaign_id, kiosk_id, openid, scene, ticket, kind,
       create_time, received_at, first_visit, check_in_number, roster_entry_id, unknown_ticket)
     VALUES (?, 'expo', 'k1', ?, 'k1:abc', 'T', 'scan', 1700000000, 1700000000000, 1, ?, NULL, 0)`,
  )
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`ev-${i}`, openid(i), i + 1)
  })()
  return db
}

/**
 * The admin area's export jobs on a fresh kiosk database, writing into `dir` (1 May 2026, 08:00
 * UTC; Chinese unless `o` says otherwise), every progress event kept in `seen`.
 */
export function exportJobsIn(
  dir: string,
  o: Partial<Omit<ExportJobsOptions, 'db' | 'dir' | 'onProgress'>> = {},
): { jobs: ExportJobs; seen: ExportProgress[] } {
  const db = openKioskDb(join(tempDir(), 'kiosk.db'))
  onCleanup(() => {
    db.close()
  })
  const seen: ExportProgress[] = []
  const jobs = new ExportJobs({
    db,
    dir,
    now: () => Date.UTC(2026, 4, 1, 8),
    locale: () => 'zh-CN',
    onProgress: (p) => seen.push(p),
    ...o,
  })
  return { jobs, seen }
}

/** A kiosk data folder holding one check-in of campaign expo (for `kiosk export`). */
export function seededExportDir(): string {
  const dir = tempDir()
  const db = openKioskDb(join(dir, 'kiosk.db'))
  db.prepare(
    `INSERT INTO attendance (event_id, campaign_id, kiosk_id, openid, scene, ticket, kind, create_time,
       received_at, first_visit, check_in_number, roster_entry_id, unknown_ticket)
     VALUES ('e1', 'expo', 'k1', 'o_1', 'k1:abc', 'T', 'scan', 1700000000, 1700000000000, 1, 1, NULL, 0)`,
  ).run()
  db.close()
  return dir
}
