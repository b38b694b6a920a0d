/**
 * The kiosk core: settings, vault, SQLite, ticket pool, relay link, attendance, exports,
 * wired together behind the contract's handlers and events. Plain Node; the Electron shell
 * and the web bridge are thin layers over this.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Campaign, Greeting, KioskStatus } from '../../shared/domain'
import type { KioskEventName, KioskEventPayload, ScreenState } from '../../shared/ipc'
import { AdminAuth, hashPin, randomPin } from './config/admin-auth'
import { checkFolderHome, folderIdentity, machineCards } from './config/folder-home'
import { AttendanceStore } from './scans/attendance-store'
import { openCampaignStore, type CampaignStore } from './campaigns/campaign-store'
import { campaignView } from './campaigns/campaign-view'
import { activeCampaignId, RelayCampaignStore } from './campaigns/relay-campaign'
import { RelayErasures } from './campaigns/relay-erasures'
import { RelayRosterSync, type RosterArriving } from './campaigns/relay-roster'
import { makeTicketSource, relayTarget } from './tickets/ticket-sources'
import { openKioskDb, type KioskDb } from './db/db'
import { forgetDemoData, type DemoForgotten } from './demo-exit'
import { FallbackCodes } from './tickets/fallback-code'
import { makeFallbackSource } from './tickets/fallback-source'
import { loadLockout, pinUnseen, saveLockout, setPinUnseen } from './config/admin-lockout'
import { MetaTable } from './db/meta-table'
import { AttendanceQueries } from './scans/attendance-queries'
import { RelayCursorStore } from './scans/relay-cursor'
import { GreetingBacklog } from './scans/greeting-backlog'
import { takeScans } from './scans/scan-intake'
import { ExportJobs } from './export/export-jobs'
import { createDispatcher, type KioskCall, type KioskHandlers } from './api/kiosk-api'
import { KioskEvents } from './api/kiosk-events'
import { createHandlers, type BoothClearing, type StartAtLogin } from './api/kiosk-handlers'
import { boothDataAtRisk } from './clear-booth'
import { KioskError } from './api/kiosk-error'
import { RelayLink, type RelayLinkOptions, type RelaySyncHandler } from './scans/relay-link'
import { RosterStore } from './roster/roster-store'
import { defaultSettings, loadSettings, saveSettings, type Settings } from './config/settings'
import { removeStaleJsonTemporaries } from './config/json-file'
import type { SetupDeps } from './config/setup'
import type { TicketSource } from './tickets/ticket-source'
import { TicketPool } from './tickets/ticket-pool'
import { TicketRepo } from './tickets/ticket-repo'
import type { SecretVault } from './config/vault'
import type { Logger } from '../../shared/server/log'
import { screenUrl, type ScreenPaths } from '../../shared/screen-paths'

export interface KioskCoreOptions {
  dataDir: string
  vault: SecretVault
  now?: () => number
  /**
   * A clock that only moves forward (for how long the relay link has been up, so `now` set
   * right mid-event is noticed). Default: `now` when given (a test's fake clock), else
   * performance.now.
   */
  monotonic?: () => number
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
    | 'heartbeatMs'
    | 'wakeCheckMs'
    | 'welcomeTimeoutMs'
    | 'backoffBaseMs'
    | 'backoffMaxMs'
    | 'stableMs'
    | 'conflictWindowMs'
    | 'bindResendMs'
    | 'bindResendMaxMs'
  >
  /** Demo mode's sandbox and relay (electron/core/demo.ts), stopped when setup leaves demo mode. */
  demoServices?: { close(): Promise<void> } | null
  /** Replayed (not live) scans older than this get no greeting: the visitor has gone. */
  greetWindowMs?: number
  /**
   * The admin area's "clear this booth": stops this core, clears its folder and starts a new one
   * (kiosk-runtime.ts, which holds the folder's lock). Absent: the call answers `unavailable`.
   */
  clearBooth?: BoothClearing['clear']
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
   * The PIN generated on this start because none was stored (and none was given), or because
   * the one a start made before was never shown; show it to the operator once, then call
   * `initialPinShown()`.
   */
  readonly initialPin: string | null = null
  /** The organizer's own campaigns (campaigns.json). */
  readonly campaigns: CampaignStore
  /** Those and the relay's campaign (contract v2), read-only, as the admin area sees them. */
  readonly allCampaigns: CampaignStore
  readonly relayCampaigns: RelayCampaignStore
  readonly relayRoster: RelayRosterSync
  /** The relay's erasures of visitors, applied to this kiosk's copies. */
  readonly relayErasures: RelayErasures
  readonly attendance: AttendanceStore
  /** The recent greetings not yet shown, for a page that starts listening (unshownGreetings). */
  readonly greetings: GreetingBacklog
  private readonly greetWindowMs: number
  readonly roster: RosterStore
  /** The `tickets` table's one owner, shared by the pool, its supply and the attendance store. */
  readonly tickets: TicketRepo
  readonly exports: ExportJobs
  readonly auth: AdminAuth
  readonly now: () => number
  private current: Settings
  private readonly meta: MetaTable
  private link: RelayLink | null = null
  /** The relay link's state when it last changed (for noticing it come back). */
  private relayState: KioskStatus['relay']['state'] | null = null
  private source: TicketSource | null = null
  private timer: NodeJS.Timeout | null = null
  private lastStatusJson = ''
  /**
   * The relay campaign's roster still arriving, as the status last told it (it moves at whole
   * percents, not per slice); undefined: not read yet for this connection.
   */
  private rosterTold: { conn: string; arriving: RosterArriving | null } | undefined
  private running = false
  private readonly noRelaySince: number

  /** What setting the kiosk up takes (typed token or pairing code): its settings, vault, links. */
  readonly setup: SetupDeps

  constructor(private readonly o: KioskCoreOptions) {
    this.now = o.now ?? Date.now
    this.greetWindowMs = o.greetWindowMs ?? 60_000
    this.greetings = new GreetingBacklog({ now: this.now, windowMs: this.greetWindowMs })
    mkdirSync(o.dataDir, { recursive: true, mode: 0o700 })
    // Saves a kill or a power cut cut short (the folder is this process's: the runtime locked it).
    removeStaleJsonTemporaries(o.dataDir)
    // Both files are validated first: a broken one stops us before anything is written.
    const loaded = loadSettings(o.dataDir)
    this.campaigns = openCampaignStore(o.dataDir)
    this.current = loaded ?? defaultSettings()
    this.db = openKioskDb(join(o.dataDir, 'kiosk.db'), {
      ...(o.nativeBinding && { nativeBinding: o.nativeBinding }),
      warn: (message, fields) => o.log?.warn(message, fields),
    })
    this.meta = new MetaTable(this.db)
    // None stored, or the one stored was made by a start killed before any shell showed it
    // (`pinUnseen`): a PIN no one knows would lock the admin area for good.
    const pinMissing = this.current.adminPin === null || pinUnseen(this.meta)
    if (pinMissing) {
      const pin = o.initialPin ?? randomPin()
      this.current = { ...this.current, adminPin: hashPin(pin) }
      // Shown only when generated: one the operator chose (SCANDESK_ADMIN_PIN) is known to
      // them, and printing it would copy it into terminals and logs. Marked unseen before its
      // hash is stored, so a kill between the two still makes a new one next time.
      if (o.initialPin === undefined) this.initialPin = pin
      setPinUnseen(this.meta, o.initialPin === undefined)
    }
    if (loaded === null || pinMissing) saveSettings(o.dataDir, this.current)
    this.noRelaySince = this.now()
    this.tickets = new TicketRepo(this.db, this.meta)
    const here = { folder: folderIdentity(o.dataDir), cards: machineCards() }
    if (checkFolderHome(this.meta, here)) {
      const retired = this.tickets.retireCopied()
      o.log?.warn(
        `this data folder was copied from another booth (or moved, or its disk imaged): the ${retired} codes it brought are never shown here, as the other booth shows them; this one makes its own. Two booths on one pairing still take turns on the relay link: pair each booth with its own code`,
      )
    }
    this.roster = new RosterStore(this.db)
    this.relayCampaigns = new RelayCampaignStore(this.db)
    this.relayRoster = new RelayRosterSync(this.db, this.roster)
    this.relayErasures = new RelayErasures(this.db)
    this.allCampaigns = campaignView(
      this.campaigns,
      () => this.relayCampaign(),
      () => this.relayCampaigns.known(this.current.connectionId),
    )
    const roster = this.roster
    this.attendance = new AttendanceStore(this.db, {
      tickets: this.tickets,
      roster: {
        byId: (id) => roster.byId(id),
        byOpenid: (c, openid) => roster.byOpenid(c, openid),
        markCheckedIn: (id, now) => roster.markCheckedIn(id, now),
        // A desk binding of a relay registration goes to the relay too (in the same transaction),
        // also when the booth has moved on since its code was shown: the scan counted in the
        // code's campaign at the relay, which keeps the bind there (relay/kiosk-session.ts).
        bind: (entry, openid, now) => {
          roster.bind(entry, openid)
          const registrationId = roster.registrationIdOf(entry.id)
          if (registrationId !== null) {
            const b = { campaignId: entry.campaignId, registrationId, openid, at: now }
            this.relayRoster.queueBind(this.current.connectionId, b)
          }
        },
      },
    })
    this.auth = new AdminAuth({
      now: this.now,
      idleMs: o.adminIdleMs,
      getPinHash: () => this.current.adminPin,
      setPinHash: (adminPin) => {
        this.updateSettings({ adminPin })
        setPinUnseen(this.meta, false) // the PIN now stored is the one staff just typed
      },
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
      campaignName: (id) => this.allCampaigns.get(id)?.name ?? null,
      onProgress: (p) => this.events.emit('exportProgress', p),
      downloadUrl: o.exportDownloadUrl,
      log: o.log,
    })
    const settings = {
      get: () => this.current,
      update: (patch: Partial<Settings>) => this.updateSettings(patch),
    }
    // The handlers see the relay's campaign as the active one while the relay runs one.
    const handlerSettings = {
      get: () => ({
        ...this.current,
        activeCampaignId: activeCampaignId(this.relayCampaigns, this.current),
      }),
      update: settings.update,
    }
    this.setup = {
      dataDir: o.dataDir,
      settings,
      vault: o.vault,
      retireDemoLink: () => this.retireDemoLink(),
      reconfigure: () => this.reconfigure(),
      stopDemoServices: () => this.stopDemoServices(),
      log: o.log,
    }
    this.handlers = createHandlers({
      settings: handlerSettings,
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
        bigScreenAvailable: () => this.relayScreens() !== null,
      },
      events: this.events,
      auth: this.auth,
      campaigns: this.allCampaigns,
      attendance: this.attendance,
      greetings: this.greetings,
      queries: new AttendanceQueries(this.db),
      roster: this.roster,
      pool: this.pool,
      exports: this.exports,
      fallback: this.fallback,
      setup: this.setup,
      booth: {
        atRisk: () => boothDataAtRisk(o.dataDir, o.nativeBinding),
        clear:
          o.clearBooth ??
          (() => {
            throw new KioskError('unavailable', 'this kiosk cannot clear its booth from here')
          }),
      },
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

  /**
   * The computer woke from a sleep (the shell's powerMonitor 'resume'): the code on screen is
   * replaced now if it expired meanwhile, and the relay link is checked at once.
   */
  wake(): void {
    if (!this.running) return
    try {
      this.link?.wake()
    } catch (err) {
      // Thrown from the shell's power event it would reach the crash guard; the heartbeat
      // notices a dead link all the same, a little later.
      this.o.log?.error(`checking the relay link on waking failed: ${(err as Error).message}`)
    }
    this.tick()
  }

  /** For the Electron shell's IPC gate: is the admin area unlocked (and still active)? */
  isAdminUnlocked(): boolean {
    return this.auth.checkAndTouch()
  }

  /**
   * Whether the admin area is unlocked, without extending its session: the bridges ask it
   * before sending an admin event (adminEventNames), which is not staff using the admin area.
   */
  adminSessionOpen(): boolean {
    return this.auth.isUnlocked()
  }

  on<E extends KioskEventName>(event: E, listener: (p: KioskEventPayload<E>) => void): () => void {
    return this.events.on(event, listener)
  }

  settings(): Settings {
    return this.current
  }

  /**
   * The shell showed `initialPin` (the app's box was closed, the terminal took the line): the
   * next start keeps it. Until then every start makes a new one to show.
   */
  initialPinShown(): void {
    // Stopped meanwhile (the box closed as the app quit): the next start shows a new one.
    if (this.initialPin !== null && this.db.open) setPinUnseen(this.meta, false)
  }

  updateSettings(patch: Partial<Settings>): Settings {
    const next = { ...this.current, ...patch }
    saveSettings(this.o.dataDir, next) // validates first: an invalid patch changes nothing
    this.current = next
    return next
  }

  /** The relay's campaign wins over the local choice while the relay runs this kiosk in one. */
  activeCampaign(): Campaign | null {
    const id = activeCampaignId(this.relayCampaigns, this.current)
    return id === null ? null : this.allCampaigns.get(id)
  }

  /** The campaign the relay last sent for this connection (kept offline), if any. */
  relayCampaign(): Campaign | null {
    return this.relayCampaigns.campaign(this.current.connectionId)
  }

  /** The relay campaign's big-screen paths (kept with the campaign), if any. */
  relayScreens(): ScreenPaths | null {
    return this.relayCampaigns.screens(this.current.connectionId)
  }

  /** The relay page the screen shows instead of the code, if chosen and available. */
  private bigScreen(): ScreenState['bigScreen'] {
    const kind = this.current.bigScreen
    const screens = this.relayScreens()
    const relayUrl = this.current.relayUrl
    if (kind === 'qr' || screens === null || relayUrl === null) return null
    const url = screenUrl(relayUrl, screens[kind])
    return url === null ? null : { kind, url }
  }

  /** Contract v2 frames, stored through their owners (electron/core/campaigns/). */
  private syncHandler(cursor: RelayCursorStore): RelaySyncHandler {
    const conn = this.current.connectionId
    return {
      hello: () => ({
        campaignVersion: this.relayCampaigns.held(conn)?.version,
        roster: this.relayRoster.held(conn),
      }),
      onCampaign: (frame) => {
        const before = this.activeCampaign()
        // The cursor holds the welcome's epoch by now (frames come after the welcome).
        const epoch = cursor.current().epoch
        if (!this.relayCampaigns.apply(conn, frame, epoch, this.now())) return
        this.o.log?.info(
          `relay campaign ${frame.campaign?.id ?? 'none'} (version ${frame.version})`,
        )
        // Greetings follow at once (they read the campaign per scan); the screen moves to a code
        // of the new campaign when what a code depends on changed.
        const after = this.activeCampaign()
        this.rosterMoved(conn)
        this.events.emit('campaign', after)
        if (codeChanged(before, after)) this.pool.campaignChanged()
        if (this.running) this.events.emit('screen', this.screenState())
      },
      onScreens: (frame) => {
        if (!this.relayCampaigns.applyScreens(conn, frame, cursor.current().epoch)) return
        if (this.running) this.events.emit('screen', this.screenState())
      },
      onRoster: (frame) => {
        const { ack, swapped } = this.relayRoster.applySlice(conn, frame, this.now())
        this.rosterMoved(conn)
        if (swapped) this.events.emit('roster', { campaignId: frame.campaignId })
        return ack
      },
      onBinding: (frame, relayAheadMs) => {
        this.relayRoster.applyBinding(frame, relayAheadMs)
      },
      onBindAck: (frame) => this.relayRoster.bindAcked(conn, frame),
      pendingBinds: () => this.relayRoster.pendingBinds(conn),
      onErasure: (frame, relayAheadMs) => {
        const done = this.relayErasures.apply(frame, relayAheadMs)
        if (done.visitors === 0) return
        // Counts only: the log says nothing of whom.
        this.o.log?.info(
          `relay erasure: ${done.visitors} visitor(s) of ${frame.campaignId} erased here ` +
            `(${done.rows} scans, ${done.unbound} roster bindings, ${done.binds} unsent bindings)`,
        )
        // The desk reads its roster again (the visitor's entry is no longer checked in).
        if (done.unbound > 0) this.events.emit('roster', { campaignId: frame.campaignId })
        // The attendance page and the stats read their rows again, as after a new scan (the
        // event's row, pseudonymised, has no roster entry: the desk marks nobody for it).
        const row = done.latestRow === null ? null : this.attendance.byRowId(done.latestRow)
        if (row) this.events.emit('attendance', row)
      },
    }
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
    this.greetings.clear()
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
      // A new relay epoch (another store, or one restored from a backup) also voids where the
      // roster transfer was: its versions count again from what that store holds.
      const cursor = new RelayCursorStore(this.db, this.meta, s.connectionId, () =>
        this.relayRoster.forgetProgress(s.connectionId),
      )
      this.link = new RelayLink({
        ...target,
        ...this.o.relayLink,
        version: this.o.version,
        now: this.now,
        monotonic: this.o.monotonic ?? this.o.now ?? (() => performance.now()),
        cursor,
        onScans: (batch) => {
          const announce = takeScans(
            {
              attendance: this.attendance,
              cursor,
              campaigns: this.allCampaigns,
              events: this.events,
              pool: this.pool,
              now: this.now,
              context: {
                kioskId: target.kioskId,
                fallbackCampaignId: this.activeCampaign()?.id ?? UNASSIGNED_CAMPAIGN,
              },
              relayCampaignId: this.relayCampaign()?.id ?? null,
              greetWindowMs: this.greetWindowMs,
              backlog: this.greetings,
              log: this.o.log,
            },
            batch,
          )
          return () => {
            announce()
            // Desk bindings these scans made, for the relay (kept until it acks them).
            this.link?.sendBinds()
          }
        },
        onState: () => this.relayStateChanged(),
        log: this.o.log,
        sync: this.syncHandler(cursor),
        onAdminUnlock: () => this.adminUnlockFromRelay(),
      })
      this.link.start()
    }
    this.emitStatus()
    // Configured and demo are part of the screen state only: the screens learn them here.
    if (this.running) this.events.emit('screen', this.screenState())
  }

  /**
   * The relay's console cleared the admin lockout (an organizer's request, delivered on this
   * kiosk's own authenticated link): the PIN pad takes a PIN again at once; the PIN is kept.
   */
  private adminUnlockFromRelay(): void {
    const was = this.auth.clearLockout()
    this.o.log?.info(
      `admin lockout cleared by the relay's console (was: ${was.failures} wrong PINs, ` +
        `locked until ${was.lockedUntil === null ? 'not locked' : new Date(was.lockedUntil).toISOString()})`,
    )
    this.events.emit('adminLockout', { lockedUntil: null })
  }

  status(): KioskStatus {
    const link = this.link?.status()
    const roster = link ? this.rosterArriving() : null
    return {
      relay: link
        ? { ...link, ...(roster && { roster: { ...roster } }) }
        : {
            state: 'disabled',
            since: this.noRelaySince,
            retryAt: null,
            lastEventAt: null,
            lastError: null,
          },
      api: this.pool.api(),
      pool: this.pool.status(),
    }
  }

  /** The relay campaign's roster still arriving on this connection, as last told. */
  private rosterArriving(): RosterArriving | null {
    const conn = this.current.connectionId
    if (this.rosterTold?.conn !== conn)
      this.rosterTold = { conn, arriving: this.readArriving(conn) }
    return this.rosterTold.arriving
  }

  private readArriving(conn: string): RosterArriving | null {
    const campaignId = this.relayCampaigns.held(conn)?.campaign?.id
    return campaignId === undefined ? null : this.relayRoster.arriving(conn, campaignId)
  }

  /**
   * A roster slice or a campaign frame was stored: the status is told when the share of the
   * roster in moved a whole percent, or the transfer began or ended (not for every slice: a
   * 50,000-row roster is hundreds of them).
   */
  private rosterMoved(conn: string): void {
    if (conn !== this.current.connectionId) return
    const told = this.rosterArriving()
    const next = this.readArriving(conn)
    const percent = (r: RosterArriving | null) =>
      r === null ? -1 : Math.floor((r.received * 100) / r.total)
    if (percent(next) === percent(told) && next?.total === told?.total) return
    this.rosterTold = { conn, arriving: next }
    this.emitStatus()
  }

  relayDiagnostics(): ReturnType<RelayLink['diagnostics']> | null {
    return this.link?.diagnostics() ?? null
  }

  /**
   * The recent greetings the screen has not shown yet, oldest first: what a page that starts
   * listening (web mode's event stream opening, the Electron page loading) may have missed.
   */
  unshownGreetings(): Greeting[] {
    return this.greetings.recent()
  }

  /**
   * The relay serves campaigns: it sent this connection a campaign frame (naming one or none),
   * or this kiosk was paired with a code, which only a contract v2 relay hands out. A relay
   * sends no frame to a booth in no campaign (a v1 kiosk knows none), such as one just paired.
   */
  private campaignsFromRelay(): boolean {
    const s = this.current
    if (this.relayCampaigns.held(s.connectionId) !== null) return true
    return !s.demo && s.pairedCodeHash !== null && relayTarget(s, this.o.vault) !== null
  }

  screenState(): ScreenState {
    return {
      configured: this.isConfigured(),
      demo: this.current.demo,
      locale: this.current.locale,
      campaign: this.activeCampaign(),
      ticket: this.pool.current(),
      status: this.status(),
      bigScreen: this.bigScreen(),
      campaignsFromRelay: this.campaignsFromRelay(),
      timeZone: kioskTimeZone(),
    }
  }

  /** Test hook and shutdown helper: waits for ticket requests and exports in flight. */
  async whenIdle(): Promise<void> {
    await Promise.all([this.pool.whenIdle(), this.exports.whenIdle(), this.fallback.whenIdle()])
  }

  /**
   * The relay link changed state. Welcomed again after being away, the relay is reachable once
   * more, so the ticket pool and the fallback code stop waiting out their backoff (the ticket
   * proxy and the fallback code endpoint are the same relay).
   */
  private relayStateChanged(): void {
    const state = this.link?.status().state ?? null
    const back = state === 'connected' && this.relayState !== 'connected'
    this.relayState = state
    if (!back) return this.emitStatus()
    this.pool.relayBack()
    this.fallback.relayBack()
    this.tick()
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

/** Whether the code on screen must change: another campaign, mode, rotation or lifetime. */
function codeChanged(a: Campaign | null, b: Campaign | null): boolean {
  return (
    a?.id !== b?.id ||
    a?.mode !== b?.mode ||
    a?.rotationSeconds !== b?.rotationSeconds ||
    a?.ticketLifetimeSeconds !== b?.ticketLifetimeSeconds
  )
}

export function createKioskCore(o: KioskCoreOptions): KioskCore {
  return new KioskCore(o)
}

/**
 * This machine's time zone, the booth's calendar (the TZ variable, else the system's): an IANA
 * name, or null where the engine names none (a browser showing the kiosk web judges in its own).
 * Node names none for a TZ it does not know (`TZ=Foo/Bar`: undefined, whatever its typings say),
 * and ScreenState takes 64 characters at the most.
 */
export function kioskTimeZone(): string | null {
  const zone: unknown = new Intl.DateTimeFormat().resolvedOptions().timeZone
  return typeof zone === 'string' && zone !== '' && zone.length <= 64 ? zone : null
}
