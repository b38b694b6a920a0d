/**
 * The kiosk core: settings, vault, SQLite, ticket pool, relay link, attendance, exports,
 * wired together behind the contract's handlers and events. Plain Node; the Electron shell
 * and the web bridge are thin layers over this.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Campaign, KioskStatus } from '../../shared/domain'
import type { KioskEventName, KioskEventPayload, ScreenState } from '../../shared/ipc'
import { AdminAuth, hashPin, randomPin } from './config/admin-auth'
import { AttendanceStore } from './scans/attendance-store'
import { openCampaignStore, type CampaignStore } from './campaigns/campaign-store'
import { makeTicketSource, relayTarget } from './tickets/ticket-sources'
import { openKioskDb, type KioskDb } from './db/db'
import { forgetDemoData, type DemoForgotten } from './demo-exit'
import { FallbackCodes } from './tickets/fallback-code'
import { makeFallbackSource } from './tickets/fallback-source'
import { loadLockout, saveLockout } from './config/admin-lockout'
import { MetaTable } from './db/meta-table'
import { AttendanceQueries } from './scans/attendance-queries'
import { RelayCursorStore } from './scans/relay-cursor'
import { takeScans } from './scans/scan-intake'
import { ExportJobs } from './export/export-jobs'
import { createDispatcher, type KioskCall, type KioskHandlers } from './api/kiosk-api'
import { KioskEvents } from './api/kiosk-events'
import { createHandlers, type StartAtLogin } from './api/kiosk-handlers'
import { RelayLink, type RelayLinkOptions } from './scans/relay-link'
import { RosterStore } from './roster/roster-store'
import { defaultSettings, loadSettings, saveSettings, type Settings } from './config/settings'
import type { SetupDeps } from './config/setup'
import type { TicketSource } from './tickets/ticket-source'
import { TicketPool } from './tickets/ticket-pool'
import { TicketRepo } from './tickets/ticket-repo'
import type { SecretVault } from './config/vault'
import type { Logger } from '../../shared/server/log'

export interface KioskCoreOptions {
  dataDir: string
  vault: SecretVault
  now?: () => number
  version?: string
  nativeBinding?: string
  /** Milliseconds between housekeeping ticks; 0 = no timer (tests call `tick()`). */
  tickMs?: number
  /** Web mode: download link of a finished export. */
  exportDownloadUrl?: (exportId: string) => string
  /** The shell's start-at-login switch; absent where there is none (web mode). */
  startAtLogin?: StartAtLogin
  /** PIN set when none is stored yet; otherwise a random one (see `initialPin`). */
  initialPin?: string
  adminIdleMs?: number
  relayLink?: Pick<
    RelayLinkOptions,
    'heartbeatMs' | 'welcomeTimeoutMs' | 'backoffBaseMs' | 'backoffMaxMs'
  >
  /** Demo mode's sandbox and relay (electron/core/demo.ts), stopped when setup leaves demo mode. */
  demoServices?: { close(): Promise<void> } | null
  /** Replayed (not live) scans older than this get no greeting: the visitor has gone. */
  greetWindowMs?: number
  log?: Logger
}

const UNASSIGNED_CAMPAIGN = 'unassigned'

export class KioskCore {
  readonly db: KioskDb
  readonly events = new KioskEvents()
  readonly pool: TicketPool
  /** The booth's permanent code, for when the pool has nothing fresh to show. */
  readonly fallback: FallbackCodes
  readonly handlers: KioskHandlers
  readonly call: KioskCall
  /**
   * The PIN generated on this start because none was stored (and none was given); show it to
   * the operator once.
   */
  readonly initialPin: string | null = null
  readonly campaigns: CampaignStore
  readonly attendance: AttendanceStore
  readonly roster: RosterStore
  /** The `tickets` table's one owner, shared by the pool, its supply and the attendance store. */
  readonly tickets: TicketRepo
  readonly exports: ExportJobs
  readonly auth: AdminAuth
  readonly now: () => number
  private current: Settings
  private readonly meta: MetaTable
  private link: RelayLink | null = null
  private source: TicketSource | null = null
  private timer: NodeJS.Timeout | null = null
  private lastStatusJson = ''
  private running = false
  private readonly noRelaySince: number

  /** What setting the kiosk up takes (typed token or pairing code): its settings, vault, links. */
  readonly setup: SetupDeps

  constructor(private readonly o: KioskCoreOptions) {
    this.now = o.now ?? Date.now
    mkdirSync(o.dataDir, { recursive: true, mode: 0o700 })
    // Both files are validated first: a broken one stops us before anything is written.
    const loaded = loadSettings(o.dataDir)
    this.campaigns = openCampaignStore(o.dataDir)
    this.current = loaded ?? defaultSettings()
    this.db = openKioskDb(
      join(o.dataDir, 'kiosk.db'),
      o.nativeBinding ? { nativeBinding: o.nativeBinding } : {},
    )
    const pinMissing = this.current.adminPin === null
    if (pinMissing) {
      const pin = o.initialPin ?? randomPin()
      this.current = { ...this.current, adminPin: hashPin(pin) }
      // Shown only when generated: one the operator chose (SCANDESK_ADMIN_PIN) is known to
      // them, and printing it would copy it into terminals and logs.
      if (o.initialPin === undefined) this.initialPin = pin
    }
    if (loaded === null || pinMissing) saveSettings(o.dataDir, this.current)
    this.noRelaySince = this.now()
    this.meta = new MetaTable(this.db)
    this.tickets = new TicketRepo(this.db, this.meta)
    this.roster = new RosterStore(this.db)
    this.attendance = new AttendanceStore(this.db, { tickets: this.tickets, roster: this.roster })
    this.auth = new AdminAuth({
      now: this.now,
      idleMs: o.adminIdleMs,
      getPinHash: () => this.current.adminPin,
      setPinHash: (adminPin) => this.updateSettings({ adminPin }),
      loadLockout: () => loadLockout(this.meta),
      saveLockout: (s) => saveLockout(this.meta, s),
    })
    this.fallback = new FallbackCodes({
      db: this.db,
      now: this.now,
      onReady: () => this.tick(),
    })
    this.pool = new TicketPool({
      tickets: this.tickets,
      now: this.now,
      settings: () => this.current.pool,
      campaign: () => this.activeCampaign(),
      onTicket: (t) => this.events.emit('ticket', t),
      onStatus: () => this.emitStatus(),
      log: o.log,
      fallback: () => this.fallback.code(),
      onFallbackShown: (onScreen) => this.fallback.shown(onScreen),
    })
    this.exports = new ExportJobs({
      db: this.db,
      dir: join(o.dataDir, 'exports'),
      now: this.now,
      locale: () => this.current.locale,
      onProgress: (p) => this.events.emit('exportProgress', p),
      downloadUrl: o.exportDownloadUrl,
      log: o.log,
    })
    const settings = {
      get: () => this.current,
      update: (patch: Partial<Settings>) => this.updateSettings(patch),
    }
    this.setup = {
      settings,
      vault: o.vault,
      retireDemoLink: () => this.retireDemoLink(),
      reconfigure: () => this.reconfigure(),
      stopDemoServices: () => this.stopDemoServices(),
      log: o.log,
    }
    this.handlers = createHandlers({
      settings,
      vault: o.vault,
      startAtLogin: o.startAtLogin ?? null,
      version: o.version ?? '0.0.0',
      now: this.now,
      log: o.log,
      view: {
        screenState: () => this.screenState(),
        status: () => this.status(),
        activeCampaign: () => this.activeCampaign(),
        relayDiagnostics: () => this.relayDiagnostics(),
      },
      events: this.events,
      auth: this.auth,
      campaigns: this.campaigns,
      attendance: this.attendance,
      queries: new AttendanceQueries(this.db),
      roster: this.roster,
      pool: this.pool,
      exports: this.exports,
      fallback: this.fallback,
      setup: this.setup,
    })
    this.call = createDispatcher({
      handlers: this.handlers,
      isAdminUnlocked: () => this.isAdminUnlocked(),
      log: o.log,
    })
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.reconfigure()
    const tickMs = this.o.tickMs ?? 1000
    if (tickMs > 0) {
      this.timer = setInterval(() => this.tick(), tickMs)
      this.timer.unref()
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.pool.stop()
    this.fallback.stop()
    await this.link?.stop()
    this.link = null
    await Promise.all([this.pool.whenIdle(), this.exports.whenIdle(), this.fallback.whenIdle()])
    this.db.close()
  }

  tick(): void {
    if (!this.running) return
    try {
      this.fallback.ensure()
      this.pool.tick()
      this.emitStatus()
    } catch (err) {
      // A timer callback that throws would end the process; the next tick tries again.
      this.o.log?.error(`tick failed: ${err instanceof Error ? err.message : String(err)}`)
    }
  }

  /** For the Electron shell's IPC gate: is the admin area unlocked (and still active)? */
  isAdminUnlocked(): boolean {
    return this.auth.checkAndTouch()
  }

  on<E extends KioskEventName>(event: E, listener: (p: KioskEventPayload<E>) => void): () => void {
    return this.events.on(event, listener)
  }

  settings(): Settings {
    return this.current
  }

  updateSettings(patch: Partial<Settings>): Settings {
    const next = { ...this.current, ...patch }
    saveSettings(this.o.dataDir, next) // validates first: an invalid patch changes nothing
    this.current = next
    return next
  }

  activeCampaign(): Campaign | null {
    const id = this.current.activeCampaignId
    return id === null ? null : this.campaigns.get(id)
  }

  isConfigured(): boolean {
    return relayTarget(this.current, this.o.vault) !== null && this.source !== null
  }

  /**
   * Leaving demo mode, before the real settings are applied: the link to the demo relay is
   * stopped first, so no demo scan can be stored once the demo's data is gone, and nothing
   * from the real relay can be stored before it is.
   */
  async retireDemoLink(): Promise<void> {
    const old = this.link
    this.link = null
    this.emitStatus()
    await old?.stop()
    const gone = this.forgetDemoData()
    this.o.log?.info(`left demo mode: deleted ${gone.attendance} demo scans, ${gone.tickets} codes`)
  }

  /** Deletes what demo mode recorded (demo-exit.ts): scans, codes, roster check-ins. */
  forgetDemoData(): DemoForgotten {
    return forgetDemoData({
      db: this.db,
      attendance: this.attendance,
      roster: this.roster,
      tickets: this.tickets,
      campaigns: this.campaigns,
    })
  }

  /** Stops the demo's sandbox and relay; the real setup is saved whatever happens here. */
  async stopDemoServices(): Promise<void> {
    try {
      await this.o.demoServices?.close()
    } catch (err) {
      this.o.log?.error(
        `stopping the demo failed: ${err instanceof Error ? err.message : String(err)}`,
      )
    }
  }

  /** (Re)builds the ticket source and relay link from settings + vault. */
  reconfigure(): void {
    const s = this.current
    this.source = makeTicketSource(s, this.o.vault)
    // Setup or pairing fetches the fallback code (once per connection; kept in the database).
    this.fallback.setSource(makeFallbackSource(s, this.o.vault), s.connectionId)
    this.pool.setSource(this.source, s.connectionId)
    const target = relayTarget(s, this.o.vault)
    const old = this.link
    this.link = null
    if (old) void old.stop()
    if (target) {
      const cursor = new RelayCursorStore(this.db, this.meta, s.connectionId)
      this.link = new RelayLink({
        ...target,
        ...this.o.relayLink,
        version: this.o.version,
        now: this.now,
        cursor,
        onScans: (batch) =>
          takeScans(
            {
              attendance: this.attendance,
              cursor,
              campaigns: this.campaigns,
              events: this.events,
              pool: this.pool,
              now: this.now,
              context: {
                kioskId: target.kioskId,
                fallbackCampaignId: this.current.activeCampaignId ?? UNASSIGNED_CAMPAIGN,
              },
              greetWindowMs: this.o.greetWindowMs ?? 60_000,
            },
            batch,
          ),
        onState: () => this.emitStatus(),
        log: this.o.log,
      })
      this.link.start()
    }
    this.emitStatus()
    // Configured and demo are part of the screen state only: the screens learn them here.
    if (this.running) this.events.emit('screen', this.screenState())
  }

  status(): KioskStatus {
    return {
      relay: this.link?.status() ?? {
        state: 'disabled',
        since: this.noRelaySince,
        retryAt: null,
        lastEventAt: null,
      },
      api: this.pool.api(),
      pool: this.pool.status(),
    }
  }

  relayDiagnostics(): ReturnType<RelayLink['diagnostics']> | null {
    return this.link?.diagnostics() ?? null
  }

  screenState(): ScreenState {
    return {
      configured: this.isConfigured(),
      demo: this.current.demo,
      locale: this.current.locale,
      campaign: this.activeCampaign(),
      ticket: this.pool.current(),
      status: this.status(),
    }
  }

  /** Test hook and shutdown helper: waits for ticket requests and exports in flight. */
  async whenIdle(): Promise<void> {
    await Promise.all([this.pool.whenIdle(), this.exports.whenIdle(), this.fallback.whenIdle()])
  }

  emitStatus(): void {
    if (!this.running) return
    const status = this.status()
    const json = JSON.stringify(status)
    if (json === this.lastStatusJson) return
    this.lastStatusJson = json
    this.events.emit('status', status)
  }
}

export function createKioskCore(o: KioskCoreOptions): KioskCore {
  return new KioskCore(o)
}
