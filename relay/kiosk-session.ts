/**
 * One kiosk's websocket session: hello → welcome → replay and live delivery → cumulative
 * acks. Events are read from the store on demand, so memory per kiosk is bounded by the
 * in-flight window whatever the backlog, and a slow socket (bufferedAmount above the high
 * water mark) stops reads until it drains.
 */
import { randomUUID } from 'node:crypto'
import {
  RelayCloseCode,
  kioskFrameSchema,
  type AckFrame,
  type BindFrame,
  type HelloFrame,
  type RelayFrame,
} from '../shared/relay-protocol'
import type { KioskCampaignView } from './campaign-directory'
import { RosterSync } from './roster-sync'
import { visitorTombstone } from '../shared/server/visitor-tombstone'
import { errorMessage, SEE_HEALTHZ, type Logger, type LogLimiter } from './log'
import type { RelayMetrics } from './metrics'
import { TicketLimiter } from './rate-limit'
import type { RelayStore, StoredEvent } from './store/types'

/** The part of a `ws` WebSocket a session needs (a fake one in unit tests). */
export interface FrameSocket {
  readonly bufferedAmount: number
  /** `cb` as Node's sockets call it: with an error, or with null (ws passes it on). */
  send(data: string, cb: (err?: Error | null) => void): void
  close(code: number, reason: string): void
  /** A websocket ping carrying `data` (the kiosk's websocket library answers it in order). */
  ping?(data: Buffer): void
}

export interface DeliveryLimits {
  /** Most events sent and not yet acknowledged. */
  window: number
  /** Stop reading from the store while this many bytes wait in the socket. */
  highWaterBytes: number
  /** Events read from the store at once. */
  batch: number
}

export interface SessionContext {
  store: RelayStore
  log: Logger
  metrics: RelayMetrics
  now: () => number
  limits: DeliveryLimits
  /** Called once the hello is accepted; the welcome waits for it. */
  onHello(session: KioskSession): Promise<void>
  /** Called when the session ends, however it ends. */
  onClosed(session: KioskSession): void
  /**
   * The kiosk closed an earlier link at v2's frames (kiosk-hub.ts): a plain hello from it gets
   * v1's frames alone. Absent: never.
   */
  v1FramesOnly?(kioskId: string): boolean
  /**
   * The kiosk's current campaign (contract v2) and its version; `fresh`: read from the store,
   * past any cache.
   */
  campaignOf(kioskId: string, fresh?: boolean): Promise<KioskCampaignView>
  /**
   * Lines a kiosk can repeat at will (a bind for another campaign, each frame), keyed by kiosk,
   * and store failures every booth repeats, keyed by line: the hub's one limiter, so a kiosk
   * that reconnects does not start its minute over.
   */
  repeatedLines: LogLimiter
  /** The hub's one record of binds stored ahead of the clock (BindStamps). */
  bindStamps: BindStamps
  /**
   * Whether the registration is in the campaign's current roster (the relay's NameBook): a bind
   * for any other is acknowledged and dropped (onBind).
   */
  rosterHas(campaignId: string, registrationId: string): Promise<boolean>
  /**
   * Binds each kiosk may have looked at, keyed by kiosk (BIND_LIMITS): the hub's one, so a kiosk
   * that reconnects does not start its allowance over. Absent: the session's own.
   */
  bindLimiter?: TicketLimiter
}

type Phase = 'awaiting-hello' | 'welcoming' | 'live' | 'closed'

/**
 * Binds a kiosk's link takes at once and then a second, sustained. Each bind is store reads
 * and, if it changes the binding, a write and a `binding` frame to every booth of the campaign:
 * a stolen token rebinding one registration back and forth as fast as its socket goes would
 * be that many writes and that many frames times the booths. A desk binds at human speed (one
 * visitor every few seconds); after an offline spell the kiosk sends its whole outbox at the
 * welcome, which the burst takes at once and the rate within seconds more. A bind past them is
 * never refused: it waits in the session (BindPacer) and is looked at as the allowance refills.
 */
export const BIND_LIMITS = { ratePerMinute: 1_200, burst: 2_000, concurrency: Infinity }
/**
 * Binds waiting for the allowance on one link; past that one is left unacknowledged (not lost:
 * the kiosk keeps it in its outbox and sends it again, on this link or the next).
 */
export const MAX_BINDS_PACED = 20_000

const STORE_RETRY_MS = 1000
/** Failed binds kept for a retry on the link; past that, the kiosk's resend at reconnect. */
const MAX_BINDS_TO_RETRY = 1000
/**
 * Binds for a campaign the booth is not in, waiting for their look-up on one link (one runs at
 * a time); past that, one is tried again after STORE_RETRY_MS, as a failed store write is.
 */
const MAX_CAMPAIGN_CHECKS = 100
/**
 * How far a bind's `at` may run ahead of the relay's clock and still be stored as sent: the
 * kiosk puts it on the relay's clock from the whole-second `Date` of its link's upgrade (and
 * keeps its own when they differ by less than a second), so a second or two ahead is honest.
 * Further ahead is stored as the relay's now (docs/DESIGN.md "Campaign and roster frames").
 */
export const BIND_AHEAD_MS = 5_000
/** Binds stamped ahead of the clock remembered by the hub (the oldest forgotten past this). */
const MAX_BIND_STAMPS = 10_000

/**
 * The at each bind sent ahead of the clock was stored at, by the frame as the kiosk sent it. A
 * booth sends a bind again until its ack comes (a link that dropped first, a relay that could
 * not store it yet), and the same frame must be the same binding: stamped with each arrival's
 * now it would be a newer one every time, sent again to every booth, and would take back a
 * registration that a desk checked in since. Kept by the hub, so a booth's next link on this
 * instance finds it; a link to another instance of a Redis relay stamps it anew.
 */
export class BindStamps {
  private readonly stamps = new Map<string, number>()

  constructor(private readonly max = MAX_BIND_STAMPS) {}

  /** The at to store `bind` from `kioskId` with, the relay's clock reading `now`. */
  stampOf(kioskId: string, bind: BindFrame, now: number): number {
    const key = stampKey(kioskId, bind)
    const kept = this.stamps.get(key)
    if (kept !== undefined) return kept
    if (bind.at <= now + BIND_AHEAD_MS) return bind.at
    if (this.stamps.size >= this.max) {
      const oldest = this.stamps.keys().next()
      if (oldest.done !== true) this.stamps.delete(oldest.value)
    }
    this.stamps.set(key, now)
    return now
  }

  /**
   * What stampOf would answer, remembering nothing: for a bind that may yet be dropped (a
   * dropped bind stamped ahead must not push a stored one's stamp out of the bounded record).
   */
  peek(kioskId: string, bind: BindFrame, now: number): number {
    const kept = this.stamps.get(stampKey(kioskId, bind))
    if (kept !== undefined) return kept
    return bind.at <= now + BIND_AHEAD_MS ? bind.at : now
  }
}

function stampKey(kioskId: string, bind: BindFrame): string {
  const { campaignId, registrationId, openid, at } = bind
  return JSON.stringify([kioskId, campaignId, registrationId, openid, at])
}

// What each store failure means for the booth, and what to do, for the log.
const HELLO_NOT_ANSWERED = `the booth's link was closed and it reconnects by itself; its scans wait in the store; ${SEE_HEALTHZ}`
const ACK_NOT_STORED = `the booth has its scans; those not acknowledged in the store are sent again after it reconnects (it drops repeats); ${SEE_HEALTHZ}`
const EVENTS_NOT_READ = `scans for the booth wait in the store and are sent once it can be read (tried again every second); ${SEE_HEALTHZ}`
const CAMPAIGN_NOT_READ = `the booth keeps the campaign it has until the store can be read (tried again every second); ${SEE_HEALTHZ}`
const BIND_NOT_STORED = `the desk check-in was not acknowledged: tried again every second while the booth is linked, and the booth sends it again when it reconnects; ${SEE_HEALTHZ}`

export class KioskSession {
  readonly id = randomUUID()
  /** Set at hello: a session with a lower generation than another of its kiosk must yield. */
  generation: number | null = null
  /** What the kiosk's hello said it runs, if anything. */
  version: string | null = null
  /**
   * The hello carried v1's fields alone: a kiosk from before contract v2 (or a v2 kiosk whose
   * earlier relay refused its v2 hello: it reads v2's frames all the same).
   */
  plainHello = false
  /**
   * Only v1's frames go (welcome, scans without v2's fields): the kiosk closed a link at v2's
   * frames before, and a v1 kiosk closes every link at the first frame it cannot read.
   */
  private v1Frames = false
  /** A frame only v2 kiosks read went on this link (campaign, screens, scan-campaign, a numbered scan). */
  private sentV2 = false
  private phase: Phase = 'awaiting-hello'
  private sentSeq = 0
  private ackedSeq = 0
  /**
   * The store's acknowledged seq at the hello: events up to it were delivered before (a kiosk
   * that says hello below it, or replays from the oldest kept event after a new epoch, acks
   * them again), so their delivery lag is not counted twice.
   */
  private ackedAtHello = 0
  /** seq → receivedAt of events sent and not yet acknowledged (at most `window`). */
  private readonly inFlight = new Map<number, number>()
  private pumping = false
  private dirty = false
  /**
   * The last read found nothing after what was sent, and every event stored since came by
   * `notify` and went out: an ack then has nothing to release, so it reads nothing.
   */
  private caughtUp = false
  private waitingDrain = false
  private retryTimer: NodeJS.Timeout | null = null
  /** An ack write is with the store; later acks wait in `ackToStore` (the highest only). */
  private ackWriting = false
  private ackToStore: { seq: number; at: number } | null = null
  /** The version of the campaign view the kiosk holds: an older read is never sent. */
  private campaignVersion = 0
  /** A campaign change arrived before the session went live: read again once it is. */
  private campaignStale = false
  /**
   * A campaign read that failed, tried again: the change feed will not repeat the change, so
   * without it the kiosk would keep its old campaign until it reconnects.
   */
  private campaignRetry: NodeJS.Timeout | null = null
  /**
   * Binds the store failed to take, stored again while the link is up: the kiosk sends its
   * unacknowledged binds again only after a welcome or with its next bind (hours, maybe).
   */
  private readonly bindsToRetry = new Map<string, BindFrame>()
  private bindRetry: NodeJS.Timeout | null = null
  /** Binds past the kiosk's allowance (BIND_LIMITS), oldest first, by their outbox key. */
  private readonly bindsPaced = new Map<string, BindFrame>()
  private bindPace: NodeJS.Timeout | null = null
  private readonly bindLimiter: TicketLimiter
  /** Look-ups of binds for a campaign the kiosk is not in, waiting or running (`scannedIn`). */
  private campaignChecks = 0
  /** The last of them: the next one starts after it. */
  private campaignCheckChain: Promise<unknown> = Promise.resolve()
  /** The roster of the kiosk's campaign, in frames the kiosk acks (contract v2). */
  readonly roster: RosterSync

  constructor(
    private readonly socket: FrameSocket,
    readonly kioskId: string,
    readonly tokenHash: string,
    private readonly ctx: SessionContext,
  ) {
    this.bindLimiter = ctx.bindLimiter ?? new TicketLimiter(BIND_LIMITS, ctx.now)
    this.roster = new RosterSync({
      campaigns: ctx.store.campaigns,
      erasures: ctx.store.erasures,
      send: (frame) => this.send(frame),
      open: () =>
        this.phase === 'live' && this.socket.bufferedAmount <= this.ctx.limits.highWaterBytes,
      queuedBytes: () => this.socket.bufferedAmount,
      ping: socket.ping === undefined ? undefined : (data) => socket.ping?.(data),
      log: ctx.log,
      kioskId,
      onFailure: () => ctx.metrics.countRosterSyncFailure(),
    })
  }

  get isLive(): boolean {
    return this.phase === 'live'
  }

  get awaitingHello(): boolean {
    return this.phase === 'awaiting-hello'
  }

  /** Said hello and not closed: a kiosk's link, not a socket still to identify itself. */
  get hasSaidHello(): boolean {
    return this.phase === 'welcoming' || this.phase === 'live'
  }

  get unackedInFlight(): number {
    return this.inFlight.size
  }

  close(code: number, reason: string): void {
    if (!this.end()) return
    this.socket.close(code, reason)
    this.ctx.onClosed(this)
  }

  /**
   * The kiosk closed this link as a bad frame (4400) after a plain hello and v2's frames: a
   * kiosk from before contract v2, which cannot read them.
   */
  refusedV2(code: number): boolean {
    return code === RelayCloseCode.badFrame && this.plainHello && this.sentV2
  }

  /**
   * The socket closed under us (network, kiosk, terminate), with the close code heard. A live
   * link's end is logged as the booth going offline: once a minute per booth, as its connects,
   * so a booth reconnecting every second writes two lines a minute, not two a second.
   */
  closed(code?: number): void {
    const wasLive = this.phase === 'live'
    if (!this.end()) return
    if (wasLive) {
      this.ctx.repeatedLines.log(
        this.ctx.log,
        'info',
        'kiosk disconnected',
        { event: 'kiosk_disconnected', kioskId: this.kioskId, code },
        `disconnected: ${this.kioskId}`,
      )
    }
    this.ctx.onClosed(this)
  }

  /** Marks the session closed and stops its retries; false if it already was. */
  private end(): boolean {
    if (this.phase === 'closed') return false
    if (this.phase === 'live') this.ctx.metrics.countKioskDisconnect()
    this.phase = 'closed'
    if (this.retryTimer !== null) clearTimeout(this.retryTimer)
    if (this.campaignRetry !== null) clearTimeout(this.campaignRetry)
    if (this.bindRetry !== null) clearTimeout(this.bindRetry)
    this.bindsToRetry.clear()
    if (this.bindPace !== null) clearTimeout(this.bindPace)
    this.bindsPaced.clear()
    this.roster.stop()
    return true
  }

  onMessage(data: string | null): void {
    if (this.phase === 'closed') return
    let json: unknown
    try {
      json = data === null ? undefined : JSON.parse(data)
    } catch {
      json = undefined
    }
    const frame = kioskFrameSchema.safeParse(json)
    if (!frame.success) {
      this.ctx.log.info('kiosk sent a bad frame', { kioskId: this.kioskId })
      this.close(RelayCloseCode.badFrame, 'bad frame')
      return
    }
    const f = frame.data
    if (f.type === 'hello') void this.onHello(f)
    else if (this.phase !== 'live')
      this.close(RelayCloseCode.protocolError, `${f.type} before welcome`)
    else if (f.type === 'ack') this.onAck(f)
    else if (f.type === 'roster-ack') this.roster.onAck(f)
    else this.pace(f)
  }

  /**
   * A bind within the kiosk's allowance (BIND_LIMITS) is looked at now; past it, or while
   * earlier ones wait, it waits its turn (the same bind sent again waits once), so a long
   * outbox is stored in the order sent, never refused. Past MAX_BINDS_PACED waiting it is left
   * unacknowledged: the kiosk sends it again.
   */
  private pace(bind: BindFrame): void {
    const wait = this.bindsPaced.size === 0 ? this.takeBindAllowance() : 1
    if (wait === 0) {
      void this.onBind(bind)
      return
    }
    const key = JSON.stringify([bind.campaignId, bind.registrationId, bind.openid, bind.at])
    const fresh = !this.bindsPaced.has(key)
    if (fresh && this.bindsPaced.size >= MAX_BINDS_PACED) {
      this.ctx.metrics.countLimitHit('desk_bind_unacked')
      this.ctx.repeatedLines.log(
        this.ctx.log,
        'warn',
        'binds past the allowance left unacknowledged',
        { kioskId: this.kioskId, waiting: this.bindsPaced.size },
        `binds paced: ${this.kioskId}`,
      )
      return
    }
    if (fresh) this.ctx.metrics.countLimitHit('desk_bind_paced')
    this.bindsPaced.set(key, bind)
    this.paceLater(wait)
  }

  /** 0 when a bind may be looked at now (and counted), else the seconds to wait. */
  private takeBindAllowance(): number {
    const admitted = this.bindLimiter.admit(this.kioskId, 1)
    if (!admitted.granted) return admitted.retryAfterSeconds
    admitted.release()
    return 0
  }

  /** Looks at the waiting binds as far as the allowance goes, then waits for it to refill. */
  private paceLater(waitSeconds: number): void {
    if (this.bindPace !== null || this.bindsPaced.size === 0) return
    this.bindPace = setTimeout(() => {
      this.bindPace = null
      if (this.phase !== 'live') return
      let wait = 0
      for (const [key, bind] of this.bindsPaced) {
        wait = this.takeBindAllowance()
        if (wait > 0) break
        this.bindsPaced.delete(key)
        void this.onBind(bind)
      }
      this.paceLater(Math.max(1, wait))
    }, waitSeconds * 1000)
    this.bindPace.unref()
  }

  /**
   * A desk at this kiosk bound a visitor: stored if the kiosk is in that campaign, or if it
   * left it and a scan of that visitor here counted in it (the bind was in flight, or in the
   * kiosk's outbox, as the organizer moved the booth: the desk check-in stays in the campaign
   * of the scan), then acknowledged. Any other bind for a campaign the kiosk is not in is
   * acknowledged and dropped (it would be sent again forever otherwise): a booth cannot bind
   * in a campaign it never scanned that visitor in. A store failure is not acknowledged, and
   * is tried again after STORE_RETRY_MS while the link is up (the kiosk also sends it again
   * when it reconnects); so is a bind for another campaign when MAX_CAMPAIGN_CHECKS already
   * wait for their look-up.
   * An `at` more than BIND_AHEAD_MS ahead of the relay's clock is stored as its now (the same
   * frame sent again, at the same now: BindStamps): the latest
   * `at` wins, so a booth whose clock ran a day ahead would hold the registration against every
   * later desk check-in for that day. The ack names the bind as sent (the kiosk's outbox key).
   * A bind for a registration not in the campaign's current roster is acknowledged and dropped
   * as well (rosterHas), and so is one of a visitor erased at or after its time (erasedSince),
   * whether or not the kiosk is still in that campaign.
   */
  private async onBind(bind: BindFrame): Promise<void> {
    const { campaignId, registrationId, openid, at } = bind
    try {
      const now = this.ctx.now()
      const view = await this.ctx.campaignOf(this.kioskId)
      const inCampaign = view.campaign?.id === campaignId
      let keep = inCampaign
      if (!keep) {
        const scanned = await this.scannedIn(campaignId, openid)
        if (scanned === null) {
          this.retryBind(bind)
          return
        }
        keep = scanned
      }
      // The time the binding would be stored with (a far-ahead kiosk clock capped): an
      // erasure at or after it drops the bind. Only a bind stored is remembered (stampOf).
      const wouldStamp = this.ctx.bindStamps.peek(this.kioskId, bind, now)
      // A booth that has left the campaign is asked too: the erasure pseudonymised the
      // visitor's scans here, so scannedIn found none, and the bind is dropped either way, but
      // the log must not call it a bind for another campaign.
      if (await this.erasedSince(campaignId, openid, wouldStamp)) {
        // Made before the visitor was erased (a desk offline then, its outbox sent at the
        // welcome, before the kiosk reads the erasure frame): it would bind them again.
        this.ctx.log.info('bind of an erased visitor dropped', {
          kioskId: this.kioskId,
          campaignId,
          ...(!inCampaign && { kioskCampaignId: view.campaign?.id ?? null }),
        })
      } else if (keep && !(await this.ctx.rosterHas(campaignId, registrationId))) {
        // A kiosk binds only registrations its roster frames gave it: a made-up one (a stolen
        // token's flood) would be a row kept for the season and a binding frame to every
        // booth of the campaign. One the organizer's newer upload left out has no name either.
        this.ctx.repeatedLines.log(
          this.ctx.log,
          'warn',
          'bind for a registration not in the roster dropped',
          { kioskId: this.kioskId, campaignId },
          `bind not in the roster: ${this.kioskId}`,
        )
      } else if (keep) {
        const stamped = this.ctx.bindStamps.stampOf(this.kioskId, bind, now)
        if (stamped !== at) {
          this.ctx.repeatedLines.log(
            this.ctx.log,
            'warn',
            "bind stamped ahead of the relay's clock stored as now",
            { kioskId: this.kioskId, campaignId, aheadMs: at - now },
            `bind ahead of the clock: ${this.kioskId}`,
          )
        }
        await this.ctx.store.campaigns.putBinding(campaignId, {
          registrationId,
          openid,
          at: stamped,
        })
      } else {
        // A kiosk can send these without end (a stolen token's flood): once a minute a kiosk.
        this.ctx.repeatedLines.log(
          this.ctx.log,
          'warn',
          'bind for another campaign dropped',
          { kioskId: this.kioskId, campaignId },
          `bind for another campaign: ${this.kioskId}`,
        )
      }
      if (this.phase === 'live')
        this.send({ type: 'bind-ack', campaignId, registrationId, openid, at })
    } catch (err) {
      this.storeTrouble('storing binding failed', err, BIND_NOT_STORED)
      this.retryBind(bind)
    }
  }

  /**
   * Whether the visitor was erased from the campaign at or after `at` (a bind's stored time):
   * the visitor's own latest erasure, looked up by their tombstone (never every tombstone of
   * the campaign: a booth's backlog of binds at its welcome asks once a bind).
   */
  private async erasedSince(campaignId: string, openid: string, at: number): Promise<boolean> {
    const erased = await this.ctx.store.erasures.erasedAt(
      campaignId,
      visitorTombstone(campaignId, openid),
    )
    return erased !== null && erased >= at
  }

  /** A bind not acknowledged, stored again after STORE_RETRY_MS while the link is up. */
  private retryBind(bind: BindFrame): void {
    if (this.phase !== 'live' || this.bindsToRetry.size >= MAX_BINDS_TO_RETRY) return
    const { campaignId, registrationId, openid, at } = bind
    this.bindsToRetry.set(JSON.stringify([campaignId, registrationId, openid, at]), bind)
    this.bindRetry ??= setTimeout(() => {
      this.bindRetry = null
      const binds = [...this.bindsToRetry.values()]
      this.bindsToRetry.clear()
      for (const b of binds) void this.onBind(b)
    }, STORE_RETRY_MS)
    this.bindRetry.unref()
  }

  /**
   * Whether a scan of `openid` at this kiosk counted in `campaignId`: one exact look-up of the
   * store's (never the console's search, which matches openid prefixes, scenes and the kiosk
   * id: the kiosk chooses the openid). One at a time on a link, and at most
   * MAX_CAMPAIGN_CHECKS waiting: null when that many already wait, or the link closed while
   * this one did.
   */
  private scannedIn(campaignId: string, openid: string): Promise<boolean | null> {
    if (this.campaignChecks >= MAX_CAMPAIGN_CHECKS) return Promise.resolve(null)
    this.campaignChecks++
    const check = this.campaignCheckChain
      .then(() =>
        this.phase === 'closed'
          ? null
          : this.ctx.store.attendance.hasScan(this.kioskId, openid, campaignId),
      )
      .finally(() => {
        this.campaignChecks--
      })
    this.campaignCheckChain = check.catch(() => {})
    return check
  }

  private async onHello(hello: HelloFrame): Promise<void> {
    if (this.phase !== 'awaiting-hello') {
      this.close(RelayCloseCode.protocolError, 'second hello')
      return
    }
    if (hello.kioskId !== this.kioskId) {
      this.close(RelayCloseCode.forbidden, 'token is for another kiosk')
      return
    }
    this.phase = 'welcoming'
    this.version = hello.version ?? null
    this.plainHello =
      hello.version === undefined &&
      hello.campaignVersion === undefined &&
      hello.roster === undefined
    this.v1Frames = this.plainHello && (this.ctx.v1FramesOnly?.(this.kioskId) ?? false)
    try {
      await this.ctx.onHello(this)
      if (this.phase !== 'welcoming') return
      const state = await this.ctx.store.queueState(this.kioskId)
      if (this.phase !== 'welcoming') return
      if (state === null) {
        this.close(RelayCloseCode.revoked, 'kiosk removed')
        return
      }
      let { epoch } = state
      let start = 0
      this.ackedAtHello = state.ackedSeq
      // Read before the welcome so nothing comes between it and the campaign frame: a kiosk
      // back after hours has its current campaign before any replayed scan is greeted.
      let view = await this.ctx.campaignOf(this.kioskId)
      if (this.phase !== 'welcoming') return
      const held = hello.campaignVersion
      const sameStore = hello.epoch === epoch
      if (sameStore && held !== undefined && held > view.version) {
        view = await this.ctx.campaignOf(this.kioskId, true)
        if (this.phase !== 'welcoming') return
      }
      // The kiosk has seen seqs, or a campaign version, this store never issued (restored from
      // an old backup): those numbers will be issued again for other events and edits, so the
      // kiosk's position must be voided (it replays by event id, and takes the campaign frame
      // by the new epoch instead of dropping every one below the version it holds).
      const aheadSeq = hello.lastSeq !== undefined && hello.lastSeq > state.headSeq
      const aheadVersion = held !== undefined && held > view.version
      // Roster versions come from the same clock and only grow for a campaign.
      const resume = hello.roster
      const aheadRoster =
        sameStore &&
        resume !== undefined &&
        resume.campaignId === view.campaign?.id &&
        resume.version >
          (await this.ctx.store.campaigns.readRoster(resume.campaignId, 0, 0)).version
      if (this.phase !== 'welcoming') return
      if (sameStore && (aheadSeq || aheadVersion || aheadRoster)) {
        epoch = await this.ctx.store.rotateEpoch(this.kioskId)
        this.ctx.log.warn('kiosk is ahead of the store; new epoch', {
          kioskId: this.kioskId,
          ...(aheadSeq ? { lastSeq: hello.lastSeq, headSeq: state.headSeq } : {}),
          ...(aheadVersion ? { campaignVersion: held, storeVersion: view.version } : {}),
          ...(aheadRoster ? { rosterVersion: resume.version } : {}),
        })
      } else if (sameStore && hello.lastSeq !== undefined) {
        start = hello.lastSeq
        // The kiosk has committed everything up to lastSeq: that is an acknowledgement.
        await this.ctx.store.ack(this.kioskId, start, this.ctx.now())
      }
      if (this.phase !== 'welcoming') return
      this.sentSeq = start
      this.ackedSeq = start
      this.send({ type: 'welcome', epoch, headSeq: state.headSeq })
      // A kiosk in no campaign hears nothing (a v1 kiosk knows no campaign frame), unless it
      // holds another view: an older one, or one from a store since replaced (its versions
      // count from scratch: the kiosk takes the frame by the welcome's new epoch). Then it
      // learns it has none now.
      if (view.campaign !== null || (held !== undefined && held !== view.version)) {
        this.sendCampaign(view)
      }
      this.campaignVersion = view.version
      this.phase = 'live'
      this.ctx.metrics.countKioskConnect()
      if (!this.v1Frames) void this.roster.start(view.campaign?.id ?? null, hello.roster)
      if (this.campaignStale) void this.refreshCampaign()
      this.ctx.repeatedLines.log(
        this.ctx.log,
        'info',
        'kiosk connected',
        { event: 'kiosk_connected', kioskId: this.kioskId, fromSeq: start },
        `connected: ${this.kioskId}`,
      )
      void this.pump()
    } catch (err) {
      this.storeTrouble('hello failed', err, HELLO_NOT_ANSWERED)
      this.close(RelayCloseCode.internalError, 'store unavailable')
    }
  }

  /**
   * The kiosk's campaign or its assignment may have changed: read it (through the relay's
   * cache) and send it unless the kiosk has it already.
   */
  async refreshCampaign(): Promise<void> {
    if (this.phase !== 'live') {
      if (this.phase !== 'closed') this.campaignStale = true
      return
    }
    this.campaignStale = false
    try {
      const view = await this.ctx.campaignOf(this.kioskId)
      if (this.phase !== 'live' || view.version <= this.campaignVersion) return
      this.sendCampaign(view)
      const id = view.campaign?.id ?? null
      if (id !== this.roster.campaign) void this.roster.start(id)
    } catch (err) {
      this.storeTrouble('reading campaign failed', err, CAMPAIGN_NOT_READ)
      if (this.campaignRetry !== null || this.phase !== 'live') return
      this.campaignRetry = setTimeout(() => {
        this.campaignRetry = null
        void this.refreshCampaign()
      }, STORE_RETRY_MS)
      this.campaignRetry.unref()
    }
  }

  /**
   * An organizer cleared the kiosk's admin PIN lockout (the hub checked this session's token
   * first). Only a live session sends it: one still saying hello never hears it.
   */
  sendAdminUnlock(): boolean {
    if (this.phase !== 'live') return false
    this.send({ type: 'admin-unlock' })
    return true
  }

  private sendCampaign(view: KioskCampaignView): void {
    this.campaignVersion = view.version
    if (this.v1Frames) return
    this.sentV2 = true
    this.send({ type: 'campaign', campaign: view.campaign, version: view.version })
    if (view.campaign !== null && view.screens !== undefined) {
      this.send({
        type: 'screens',
        campaignId: view.campaign.id,
        version: view.version,
        screens: view.screens,
      })
    }
  }

  private onAck(ack: AckFrame): void {
    if (ack.seq > this.sentSeq) {
      this.close(RelayCloseCode.protocolError, 'ack beyond what was sent')
      return
    }
    if (ack.seq <= this.ackedSeq) return
    this.ackedSeq = ack.seq
    const now = this.ctx.now()
    for (const [seq, receivedAt] of this.inFlight) {
      if (seq > ack.seq) continue
      if (seq > this.ackedAtHello) this.ctx.metrics.observeDeliveryLag((now - receivedAt) / 1000)
      this.inFlight.delete(seq)
    }
    this.storeAck(ack.seq, now)
    if (!this.caughtUp) void this.pump()
  }

  /**
   * One ack write per kiosk at a time; acks that arrive meanwhile collapse into the highest
   * (acks are cumulative). A kiosk acks every event, so this turns a thousand ack writes a
   * second into a few. Continues after the socket closes, so the last ack is stored too; an
   * ack lost to a crash only means the kiosk is sent those events again (it de-duplicates).
   */
  private storeAck(seq: number, at: number): void {
    if (this.ackWriting) {
      this.ackToStore = { seq, at }
      return
    }
    this.ackWriting = true
    this.ctx.store
      .ack(this.kioskId, seq, at)
      .catch((err: unknown) => {
        this.storeTrouble('storing ack failed', err, ACK_NOT_STORED)
      })
      .finally(() => {
        this.ackWriting = false
        const next = this.ackToStore
        this.ackToStore = null
        if (next !== null) this.storeAck(next.seq, next.at)
      })
  }

  /**
   * A new event may be stored for this kiosk. When the store says which, and it is the very
   * next one and there is room, it goes out at once; anything else (a gap, a read under way,
   * a full window) falls back to reading the store, which keeps delivery in order.
   */
  notify(stored?: StoredEvent): void {
    if (
      stored !== undefined &&
      this.phase === 'live' &&
      !this.pumping &&
      stored.seq === this.sentSeq + 1 &&
      this.inFlight.size < this.ctx.limits.window &&
      this.socket.bufferedAmount <= this.ctx.limits.highWaterBytes
    ) {
      this.deliver(stored)
      return
    }
    void this.pump()
  }

  /**
   * A scan with a number goes right after the campaign it counts in (`scan-campaign`, same seq):
   * the booth may have moved since, and a kiosk that was offline then would otherwise file it
   * under the code's campaign or the one it holds now. Kiosks without that frame skip it.
   */
  private deliver(e: StoredEvent): void {
    const { campaignId, ...scan } = e
    if (this.v1Frames) {
      // v1's scan frame: a v1 kiosk refuses one with a field it does not know.
      const { number: _number, firstInCampaign: _first, ...v1 } = scan
      this.send({ type: 'scan', ...v1 })
    } else {
      if (campaignId !== undefined || scan.number !== undefined) this.sentV2 = true
      if (campaignId !== undefined) this.send({ type: 'scan-campaign', seq: e.seq, campaignId })
      this.send({ type: 'scan', ...scan })
    }
    this.sentSeq = e.seq
    this.inFlight.set(e.seq, e.receivedAt)
  }

  /** Writes `frame`; returns its size in bytes. */
  private send(frame: RelayFrame): number {
    const data = JSON.stringify(frame)
    this.socket.send(data, (err) => {
      // Node calls a socket's write callback with null on success, not undefined.
      if (err != null) return
      const low = this.ctx.limits.highWaterBytes / 2
      if (this.socket.bufferedAmount > low) return
      if (this.waitingDrain) {
        this.waitingDrain = false
        void this.pump()
      }
      // The roster transfer pauses on a full socket too; with no frame awaiting an ack,
      // nothing else restarts it.
      this.roster.drained()
    })
    return Buffer.byteLength(data)
  }

  /** Sends stored events after `sentSeq` while the window and the socket have room. */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.dirty = true
      return
    }
    this.pumping = true
    this.caughtUp = false
    const { window, highWaterBytes, batch } = this.ctx.limits
    try {
      // Bounded: each round either sends events (at most `window` before an ack is needed)
      // or ends; a notification during a read earns one more round.
      for (let round = 0; round <= window + 1; round++) {
        this.dirty = false
        if (this.phase !== 'live') return
        const room = window - this.inFlight.size
        if (room <= 0) return
        if (this.socket.bufferedAmount > highWaterBytes) {
          this.waitingDrain = true
          return
        }
        const asked = Math.min(room, batch)
        const events = await this.ctx.store.readEvents(this.kioskId, this.sentSeq, asked)
        if (this.phase !== 'live') return
        for (const e of events) this.deliver(e)
        // Fewer than asked: that was all there is; a later one comes with a notification.
        if (events.length < asked && !this.dirty) {
          this.caughtUp = true
          return
        }
      }
      this.dirty = true
    } catch (err) {
      this.storeTrouble('reading events failed', err, EVENTS_NOT_READ)
      this.scheduleRetry()
    } finally {
      this.pumping = false
      // A notification that arrived during the last read may not have been seen yet.
      if (this.dirty) void this.pump()
    }
  }

  /**
   * A store failure every booth repeats while the store is away (each ack, read, bind, hello):
   * one line a minute for each kind across all booths, through the hub's limiter.
   */
  private storeTrouble(msg: string, err: unknown, action: string): void {
    this.ctx.repeatedLines.log(this.ctx.log, 'error', msg, {
      event: 'store_failed',
      kioskId: this.kioskId,
      error: errorMessage(err),
      action,
    })
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== null || this.phase !== 'live') return
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      void this.pump()
    }, STORE_RETRY_MS)
    this.retryTimer.unref()
  }
}
