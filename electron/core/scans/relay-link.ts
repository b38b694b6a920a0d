/**
 * The websocket link to the relay (contract v1): hello with epoch + lastSeq, replay then live
 * scans, a cumulative ack sent only after the scan is committed, reconnect with capped
 * exponential backoff and jitter, and a heartbeat that notices a dead connection (venue Wi-Fi
 * often drops without a FIN).
 *
 * Scan frames that arrive together (one socket read, or several in the same event-loop turn)
 * are stored together: one `onScans` call, one transaction and one fsync for the lot, then
 * one ack for the highest seq. At 1,000 scans/s a commit per frame was the kiosk's bottleneck.
 */
import type { Socket } from 'node:net'
import WebSocket from 'ws'
import {
  MAX_RELAY_FRAME_BYTES,
  RelayCloseCode,
  helloFrameSchema,
  relayFrameSchema,
  type BindAckFrame,
  type ErasureFrame,
  type BindFrame,
  type BindingFrame,
  type CampaignFrame,
  type ScreensFrame,
  type HelloFrame,
  type KioskFrame,
  type RosterAckFrame,
  type RosterFrame,
  type ScanFrame,
} from '../../../shared/relay-protocol'
import type { KioskStatus } from '../../../shared/domain'
import { errorBody, type ErrorBody } from '../../../shared/errors'
import type { RelayCursorView } from './relay-cursor'
import type { Logger } from '../../../shared/server/log'
import { afterSocketReads } from '../../../shared/server/socket-reads'
import { openRelaySocket } from './relay-socket'

/** A scan frame and whether it is live (sent after the welcome) or replayed. */
export interface ScanDelivery {
  frame: ScanFrame
  live: boolean
  /**
   * The campaign the relay counted the scan in, from the `scan-campaign` frame just before it;
   * absent from a relay that does not send it (then the code's campaign, or for a live scan
   * the one the kiosk holds).
   */
  countedIn?: string
  /**
   * How far the relay's clock (which stamped `receivedAt`) is ahead of the kiosk's as the scan
   * arrives: the relay's Date on the upgrade carried on by the monotonic clock; 0 when it sent
   * none.
   */
  relayAheadMs?: number
}

/** Runs once the batch is committed and acknowledged: greetings, screen updates. */
export type AfterCommit = () => void

interface BatchScanHandler {
  /**
   * Commits every scan of the batch (in order) and the cursor (its highest seq) in one
   * transaction before returning (RelayCursorStore.commit); throwing means "none stored", so no
   * ack is sent. What the returned function does (announcing the scans) happens after the ack.
   */
  onScans(batch: readonly ScanDelivery[]): AfterCommit | void
}

export type RelayLinkOptions = RelayLinkBaseOptions & BatchScanHandler

/**
 * Contract v2: the campaign, its roster and desk bindings (electron/core/campaigns/). Each
 * handler stores what it gets before returning; throwing drops the connection (the relay sends
 * the campaign again after the next welcome, and resumes the roster where the kiosk is).
 */
export interface RelaySyncHandler {
  /** What the kiosk holds, told in `hello`. */
  hello(): Pick<HelloFrame, 'campaignVersion' | 'roster'>
  onCampaign(frame: CampaignFrame): void
  /** The campaign's big-screen paths (absent: this handler keeps none). */
  onScreens?(frame: ScreensFrame): void
  /** Returns the ack to send (the kiosk's resume point). */
  onRoster(frame: RosterFrame): RosterAckFrame
  /** `relayAheadMs`: the relay's clock less this kiosk's (`inStepMs`), for the frame's `at`. */
  onBinding(frame: BindingFrame, relayAheadMs: number): void
  onBindAck(frame: BindAckFrame): void
  /**
   * Bindings made here and not yet acknowledged: sent after each welcome, when one is made,
   * and again on the live link while any stays unacknowledged (`bindResendMs`).
   */
  pendingBinds(): BindFrame[]
  /**
   * Erased visitors of a campaign (absent: this handler keeps no copies to erase);
   * `relayAheadMs` as for `onBinding`.
   */
  onErasure?(frame: ErasureFrame, relayAheadMs: number): void
}

/**
 * Contract v2 frames that fail their check are ignored, not fatal: the relay sends the same
 * campaign after every welcome, so closing the link for it would cut this booth's scans off
 * for as long as the relay holds that campaign. What the kiosk held stays (the last good
 * campaign, the roster where it was). A bad `welcome` or `scan` still closes the link: a scan
 * skipped here would be acked by the next one's cumulative ack and lost.
 */
const SYNC_FRAMES = new Set([
  'campaign',
  'screens',
  'roster',
  'binding',
  'bind-ack',
  'admin-unlock',
  'erasure',
])

/**
 * Frame types this kiosk reads; any other type from a newer relay is ignored. A bad
 * `scan-campaign` is ignored too: the scan after it is still stored, under the code's campaign.
 */
const KNOWN_FRAMES = new Set(['welcome', 'scan', 'scan-campaign', ...SYNC_FRAMES])
const IGNORED_WHEN_BAD = new Set(['scan-campaign', ...SYNC_FRAMES])

/**
 * A contract v1 hello's fields. A relay from before v2 checks the hello strictly and closes one
 * with any other field as a bad frame (4400) without a welcome: the kiosk then says hello with
 * these alone. See docs/DESIGN.md "Relay websocket".
 */
const V1_HELLO_FIELDS = new Set(['type', 'kioskId', 'epoch', 'lastSeq'])

export interface RelayLinkBaseOptions {
  relayUrl: string
  kioskId: string
  token: string
  /** Where the link is in the relay's stream; `onScans` moves it, the link only reads it. */
  cursor: RelayCursorView
  /** The kiosk's version, said in the hello so the organizer's console shows it (contract v2). */
  version?: string
  onState(): void
  now?: () => number
  /**
   * A clock that only moves forward (performance.now), for how long the link has been up: the
   * relay's time is carried on by it, so `now` set right mid-link (NTP, a hand-set clock) does
   * not leave the relay's lead as it was measured at the upgrade. Default: `now` when that is
   * given (a test's fake clock moves both), else performance.now.
   */
  monotonic?: () => number
  random?: () => number
  heartbeatMs?: number
  /** After `wake()`, how long the relay has to answer its ping (default `WAKE_CHECK_MS`). */
  wakeCheckMs?: number
  welcomeTimeoutMs?: number
  backoffBaseMs?: number
  backoffMaxMs?: number
  /**
   * The backoff starts over once a welcomed link has stayed up this long (default 2 s), not at
   * the welcome: a network that kills each connection moments after it opens (a middlebox that
   * drops upgraded sockets) must not have the kiosk reconnect, and the relay resend its
   * campaign, roster position and bindings, every second. Longer would cost a network that
   * flaps every few seconds its uptime (up 3 s, down 0.5 s: connected 79 % of the time with 2 s,
   * 20 % with 10 s), and that link is worth coming back to at once.
   */
  stableMs?: number
  /**
   * Replaced-by-a-newer-connection closes (4409) this close together mean another kiosk holds
   * this identity; the link says so until it has stayed up this long (default 2 min).
   */
  conflictWindowMs?: number
  /**
   * Desk binds still unacknowledged this long after they were sent go again on the same link
   * (default 5 s), the wait doubling up to `bindResendMaxMs` (default 1 min): a bind lost on a
   * live link (the relay restarted before acking it and the socket has not noticed yet, or its
   * store refused it) must not wait for a reconnect, maybe hours at a quiet desk.
   */
  bindResendMs?: number
  bindResendMaxMs?: number
  log?: Logger
  /** Contract v2 frames; without it they are ignored. */
  sync?: RelaySyncHandler
  /**
   * The relay's `admin-unlock` frame (an organizer cleared the admin PIN lockout from the
   * console), taken only on this link once welcomed; without it the frame is ignored.
   */
  onAdminUnlock?(): void
}

type LinkState = KioskStatus['relay']

/** The relay refusing this booth: retried at the longest backoff (`scheduleReconnect`). */
const REFUSALS = new Set(['unauthorized', 'revoked', 'forbidden'])

/** This many 4409 closes within `conflictWindowMs`: two kiosks share one identity. */
const CONFLICT_REPLACEMENTS = 3
/** Unacknowledged desk binds go again after 5 s on the live link, backing off to a minute. */
const BIND_RESEND_MS = 5000
const BIND_RESEND_MAX_MS = 60_000
/**
 * While catching up, the count of scans left is told this often at most (it changes with every
 * stored batch, dozens a second): a few updates a second read as a countdown.
 */
const BACKLOG_NOTICE_MS = 250
/**
 * The kiosk's clock this far from the relay's is told in the status (the corner warns): the
 * booth's days, campaign dates and stats are on its own clock. The relay's Date is whole seconds
 * and its path a few more; a few minutes off changes no day.
 */
const CLOCK_OFF_MS = 5 * 60_000
/** A link up this long has proved itself: its next drop reconnects after the shortest wait. */
const STABLE_MS = 2_000
/**
 * The link is checked, and the relay pinged, this often: nothing from the relay in a whole
 * interval ends it (a dead link noticed within two, 10–20 s). Shorter than the relay's own ping
 * (15 s) so that every one of its intervals holds one of these pings, which it counts as life
 * when its ping's pong is stuck behind roster bytes on a slow link
 * (docs/RELIABILITY.md "Kiosk heartbeat").
 */
export const DEFAULT_HEARTBEAT_MS = 10_000

/**
 * After the computer wakes, the relay has this long to answer a ping before the link is taken
 * for dead: long enough for a round trip on slow venue Wi-Fi, short enough that visitors who
 * scan as the booth opens again are greeted within seconds.
 */
export const WAKE_CHECK_MS = 5_000
/**
 * A heartbeat that finds the kiosk's clock gone on this much further than the monotonic one
 * since the last (a sleep, or the clock set forward) keeps the lead from before it for
 * `SLEEP_HOLD_MS`: timers stand still in a sleep too, so the first beat after one may come before
 * the shell's 'resume' does, and `wake()` is to keep the lead last seen awake, not that beat's.
 */
const CLOCK_JUMP_MS = 1_000
const SLEEP_HOLD_MS = 30_000

interface PendingBatch {
  ws: WebSocket
  items: ScanDelivery[]
  timer: NodeJS.Immediate
}

export class RelayLink {
  private ws: WebSocket | null = null
  private state: LinkState
  private attempt = 0
  private everConnected = false
  private stopped = true
  private retryTimer: NodeJS.Timeout | null = null
  private heartbeat: NodeJS.Timeout | null = null
  private welcomeTimer: NodeJS.Timeout | null = null
  /** Clears `identity_conflict` once a link stays up a whole window. */
  private conflictTimer: NodeJS.Timeout | null = null
  /** Sends the unacknowledged desk binds again on the live link. */
  private bindTimer: NodeJS.Timeout | null = null
  /** Starts the backoff over once the welcomed link has stayed up `stableMs`. */
  private stableTimer: NodeJS.Timeout | null = null
  /** Tells the screen the backlog left, `BACKLOG_NOTICE_MS` after a batch changed it. */
  private backlogTimer: NodeJS.Timeout | null = null
  /** The wait before the next resend of the binds; back to `bindResendMs` once all are acked. */
  private bindResendDelay: number
  /** The unacknowledged binds already sent on this link (their JSON keys). */
  private bindsSent = new Set<string>()
  /** When the relay closed this kiosk's link for a newer one with its identity (4409). */
  private replacedAt: number[] = []
  private alive = false
  /** Heartbeat pings sent (the interval's and the wake's): a waiting verdict is for one of them. */
  private pings = 0
  private welcomed = false
  /**
   * An older relay (contract v1) refused a hello carrying v2 fields: later hellos on this link
   * carry only v1's (kioskId, epoch, lastSeq). A relay of either version takes those; a v2 relay
   * then simply sends the whole campaign and roster again.
   */
  private v1Hello = false
  private headSeq = 0
  private lagMs: number | null = null
  /**
   * The relay's clock less the monotonic one, read from this link's upgrade answer (null: it
   * sent no Date). `relayAhead()` turns it into the lead over the kiosk's clock as it is now.
   */
  private relayLessMonotonic: number | null = null
  /**
   * The relay's lead at the last heartbeat: a computer asleep stops the monotonic clock (Linux,
   * macOS) while its wall clock runs on, so after `wake()` the lead is taken from before.
   */
  private leadAtBeat: number | null = null
  /** Both clocks at the last heartbeat (or the upgrade), and when one saw them part (monotonic). */
  private lastBeat: { wall: number; mono: number; jumpAt: number | null } | null = null
  /** Scans received and not yet stored; stored on the next turn of the event loop. */
  private pending: PendingBatch | null = null
  /** The last `scan-campaign` frame, for the scan frame right after it on the same socket. */
  private counted: { ws: WebSocket; seq: number; campaignId: string } | null = null
  private readonly now: () => number
  private readonly monotonic: () => number

  constructor(private readonly o: RelayLinkOptions) {
    this.now = o.now ?? Date.now
    this.monotonic = o.monotonic ?? o.now ?? (() => performance.now())
    this.bindResendDelay = o.bindResendMs ?? BIND_RESEND_MS
    this.state = {
      state: 'connecting',
      since: this.now(),
      retryAt: null,
      lastEventAt: null,
      lastError: null,
    }
  }

  /**
   * How far the relay's clock is ahead of the kiosk's now (0 unknown): the relay's time at the
   * upgrade carried on by the monotonic clock, less `now`, so a kiosk clock set right (or
   * wrong) while the link stays up is seen at once, not at the next reconnect.
   */
  private relayAhead(): number {
    const lead = this.relayLessMonotonic
    // Whole milliseconds, as every time it moves is stored (STRICT INTEGER columns: a roster
    // entry's check-in, a desk bind's outbox): performance.now has fractions.
    return lead === null ? 0 : Math.round(lead + this.monotonic() - this.now())
  }

  /** Why the link last failed, as a status code the UI words; told to the screen at once. */
  private get lastError(): ErrorBody | null {
    return this.state.lastError
  }

  private set lastError(error: ErrorBody | null) {
    if (JSON.stringify(error) === JSON.stringify(this.state.lastError)) return
    this.state = { ...this.state, lastError: error }
    this.o.onState()
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.connect()
  }

  async stop(): Promise<void> {
    this.stopped = true
    // Not stored, so not acked: the relay sends them again next time.
    this.dropPending()
    this.clearTimers()
    const ws = this.ws
    this.ws = null
    if (!ws || ws.readyState === WebSocket.CLOSED) return
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve())
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate()
      else ws.close(RelayCloseCode.normal, 'kiosk stopping')
      setTimeout(() => {
        ws.terminate()
        resolve()
      }, 2000).unref()
    })
  }

  status(): LinkState {
    const status = { ...this.state, lastError: this.state.lastError && { ...this.state.lastError } }
    const backlog = this.backlog()
    const relayAheadMinutes = this.relayAheadMinutes()
    return {
      ...status,
      ...(backlog > 0 && { backlog }),
      ...(relayAheadMinutes !== null && { relayAheadMinutes }),
    }
  }

  /**
   * While connected to a relay that sent its Date: how many whole minutes its clock is ahead of
   * the kiosk's (negative: behind), when that is `CLOCK_OFF_MS` or more; else null.
   */
  private relayAheadMinutes(): number | null {
    if (this.state.state !== 'connected' || this.relayLessMonotonic === null) return null
    const ahead = this.relayAhead()
    return Math.abs(ahead) < CLOCK_OFF_MS ? null : Math.round(ahead / 60_000)
  }

  /**
   * The scans the relay held when it welcomed this link that are not stored yet (its seqs for
   * this kiosk are consecutive); 0 while not connected. After a new epoch the relay may have
   * dropped its oldest, so the count can start high; the first stored batch corrects it.
   */
  private backlog(): number {
    if (this.state.state !== 'connected' || !this.welcomed) return 0
    return Math.max(0, this.headSeq - this.o.cursor.current().lastSeq)
  }

  /**
   * A batch was stored while catching up: tell the screen the count left, at most every
   * `BACKLOG_NOTICE_MS`, and at once when it is down to none.
   */
  private backlogChanged(): void {
    if (this.backlog() === 0) {
      if (this.backlogTimer) clearTimeout(this.backlogTimer)
      this.backlogTimer = null
      return this.o.onState()
    }
    if (this.backlogTimer) return
    this.backlogTimer = setTimeout(() => {
      this.backlogTimer = null
      if (!this.stopped) this.o.onState()
    }, BACKLOG_NOTICE_MS)
  }

  diagnostics(): {
    epoch: string | null
    lastAckedSeq: number
    lagMs: number | null
    lastError: ErrorBody | null
  } {
    const cursor = this.o.cursor.current()
    return {
      epoch: cursor.epoch,
      lastAckedSeq: cursor.lastSeq,
      lagMs: this.lagMs,
      lastError: this.lastError,
    }
  }

  /** `at`: when the state began (a reconnect's `retryAt` is counted from the same instant). */
  private setState(
    state: LinkState['state'],
    retryAt: number | null = null,
    at = this.now(),
  ): void {
    if (this.state.state === state && this.state.retryAt === retryAt) return
    this.state = { ...this.state, state, since: at, retryAt }
    this.o.onState()
  }

  private connect(): void {
    this.setState(this.everConnected ? 'reconnecting' : 'connecting')
    this.dropPending()
    const cursor = this.o.cursor.current()
    this.welcomed = false
    const opening = openRelaySocket(this.o.relayUrl, this.o.token, {
      maxPayload: MAX_RELAY_FRAME_BYTES,
      handshakeTimeout: this.o.welcomeTimeoutMs ?? 10_000,
    })
    if (opening.ws === undefined) {
      // The request could not even be made: thrown from here (a reconnect's timer) it would end
      // the kiosk's process. Tried again on the backoff, as any failure (a new token may be set).
      this.o.log?.error(`relay link: the request could not be made: ${opening.message}`)
      this.lastError = opening.refused
      this.ws = null
      return this.scheduleReconnect()
    }
    const ws = opening.ws
    this.ws = ws
    let socket: Socket | null = null
    /** This connection's hello carried more than v1's fields. */
    let extendedHello = false
    this.relayLessMonotonic = null
    this.leadAtBeat = null
    this.lastBeat = null
    ws.on('upgrade', (res) => {
      socket = res.socket
      const relayNow = relayDateMs(res.headers.date)
      this.relayLessMonotonic = relayNow === null ? null : relayNow - this.monotonic()
      this.leadAtBeat = relayNow === null ? null : this.relayAhead()
      this.lastBeat = { wall: this.now(), mono: this.monotonic(), jumpAt: null }
    })
    ws.on('open', () => {
      this.alive = true
      // Any byte from the relay is a sign of life, not only a whole frame or a pong: on a slow
      // link one large roster frame (and the pong queued behind it) can take several heartbeats
      // to arrive while its bytes keep coming.
      // See docs/RELIABILITY.md "Kiosk heartbeat".
      // Added after ws's own 'data' listener, this one only watches: the socket already flows
      // (adding it resumes nothing), and while ws pauses the socket (its parser is behind) this
      // one hears nothing either. Over TLS a 'data' is one decrypted record (16 KiB at most).
      socket?.on('data', () => {
        if (this.ws === ws) this.alive = true
      })
      const hello: HelloFrame = { type: 'hello', kioskId: this.o.kioskId }
      // Only a version the relay's hello schema takes: a bad one would refuse the hello.
      const version = this.o.version
      if (
        !this.v1Hello &&
        version !== undefined &&
        helloFrameSchema.shape.version.safeParse(version).success
      ) {
        hello.version = version
      }
      if (cursor.epoch !== null) {
        hello.epoch = cursor.epoch
        hello.lastSeq = cursor.lastSeq
      }
      try {
        if (this.o.sync && !this.v1Hello) Object.assign(hello, this.o.sync.hello())
      } catch (err) {
        // What the kiosk holds could not be read: try again on the next connection.
        this.o.log?.error(`reading what the kiosk holds failed: ${(err as Error).message}`)
        this.lastError = errorBody('store_failed')
        return ws.terminate()
      }
      extendedHello = Object.keys(hello).some((k) => !V1_HELLO_FIELDS.has(k))
      this.send(ws, hello)
      // Judged once the sockets have been read, as the heartbeat is: after this process stood
      // still past the deadline the timer ran before a welcome already waiting unread.
      this.welcomeTimer = setTimeout(() => {
        afterSocketReads(() => {
          if (this.welcomed || this.ws !== ws) return
          this.lastError = errorBody('timeout')
          ws.terminate()
        })
      }, this.o.welcomeTimeoutMs ?? 10_000)
      this.startHeartbeat(ws)
    })
    // Frames, pings and pongs are bytes too: the socket's 'data' listener above marks the link
    // alive for all of them.
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(RelayCloseCode.badFrame, 'binary frame')
      this.onFrame(ws, rawText(data))
    })
    ws.on('error', (err) => {
      // An HTTP answer in place of the websocket, or a certificate not the relay's, says why
      // (relay-socket.ts); no answer at all is the network.
      const failure = opening.failure(err) ?? errorBody('unreachable')
      this.lastError = failure
      // No answer (or a certificate refused): the network's own words; an HTTP answer: as worded.
      const said =
        failure.code === 'unreachable' || failure.code === 'tls_untrusted'
          ? err.message
          : JSON.stringify(failure)
      this.o.log?.warn(`relay link error: ${said}`)
    })
    ws.on('close', (code) => {
      const v1Relay = code === RelayCloseCode.badFrame && extendedHello && !this.welcomed
      if (v1Relay && !this.v1Hello) {
        this.v1Hello = true
        this.o.log?.warn('relay link: the relay refused the v2 hello; using a v1 hello')
      }
      if (code === RelayCloseCode.forbidden) this.lastError = errorBody('forbidden')
      else if (code === RelayCloseCode.revoked) this.lastError = errorBody('revoked')
      else if (code === RelayCloseCode.replaced) this.noteReplaced()
      if (this.ws === ws) {
        this.ws = null
        this.dropPending()
      }
      this.clearTimers()
      if (this.stopped) return
      // A relay draining for a restart: nothing is wrong, come back soon (jittered, so a
      // venue's kiosks do not all arrive in the same millisecond); later tries back off as usual.
      this.scheduleReconnect(code === RelayCloseCode.serviceRestart || v1Relay)
    })
  }

  private onFrame(ws: WebSocket, text: string): void {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      return ws.close(RelayCloseCode.badFrame, 'not JSON')
    }
    const type =
      typeof json === 'object' && json !== null && 'type' in json && typeof json.type === 'string'
        ? json.type
        : null
    if (type !== null && !KNOWN_FRAMES.has(type)) return
    const parsed = relayFrameSchema.safeParse(json)
    if (!parsed.success) {
      if (type !== null && IGNORED_WHEN_BAD.has(type) && this.welcomed) {
        this.o.log?.warn(`relay link: ignored a ${type} frame that fails its check`)
        return
      }
      return ws.close(RelayCloseCode.badFrame, 'unexpected frame')
    }
    const frame = parsed.data
    if (frame.type === 'welcome') {
      if (this.welcomed) return ws.close(RelayCloseCode.protocolError, 'second welcome')
      this.welcomed = true
      if (this.welcomeTimer) clearTimeout(this.welcomeTimer)
      if (frame.epoch !== this.o.cursor.current().epoch) {
        // A new relay store: its seqs start over, and it replays from its oldest kept event.
        try {
          this.o.cursor.reset(frame.epoch)
        } catch (err) {
          // Not recorded (a full disk): thrown from here it would end the kiosk's process. Drop
          // the link instead; the next welcome tries again, after a growing backoff.
          this.o.log?.error(`storing the relay's new epoch failed: ${(err as Error).message}`)
          this.lastError = errorBody('store_failed')
          return ws.terminate()
        }
        this.storedOk()
      }
      this.headSeq = frame.headSeq
      // A store that keeps failing, or another kiosk that keeps taking this one's place, must
      // not turn into a fast reconnect loop.
      const code = this.lastError?.code
      if (code === 'identity_conflict') this.awaitConflictEnd()
      else if (code !== 'store_failed') {
        this.lastError = null
        this.awaitStable(ws)
      }
      this.everConnected = true
      this.setState('connected')
      this.bindResendDelay = this.o.bindResendMs ?? BIND_RESEND_MS
      this.sendPendingBinds(true)
      return
    }
    if (!this.welcomed) return ws.close(RelayCloseCode.protocolError, 'scan before welcome')
    if (frame.type === 'admin-unlock') return this.onAdminUnlock(ws)
    if (frame.type === 'scan-campaign') {
      this.counted = { ws, seq: frame.seq, campaignId: frame.campaignId }
      return
    }
    if (frame.type !== 'scan') return this.onSyncFrame(ws, frame)
    const counted = this.counted
    this.counted = null
    const queued = this.pending?.ws === ws ? this.pending.items : null
    const lastSeq = queued?.at(-1)?.frame.seq ?? this.o.cursor.current().lastSeq
    if (frame.seq <= lastSeq) return // already stored (and acked), or already queued
    const delivery: ScanDelivery = {
      frame,
      live: frame.seq > this.headSeq,
      relayAheadMs: this.relayAhead(),
      ...(counted?.ws === ws && counted.seq === frame.seq && { countedIn: counted.campaignId }),
    }
    if (queued) queued.push(delivery)
    else this.pending = { ws, items: [delivery], timer: setImmediate(() => this.flush(ws)) }
  }

  /**
   * Only the link this kiosk holds now, welcomed by the relay it is configured for with its own
   * token, clears the lockout (a socket being replaced says nothing). Replays change nothing.
   */
  private onAdminUnlock(ws: WebSocket): void {
    if (this.ws !== ws || this.stopped) return
    try {
      this.o.onAdminUnlock?.()
    } catch (err) {
      // Not cleared (a full disk): the lockout stays; the organizer can send it again.
      this.o.log?.error(`clearing the admin lockout failed: ${(err as Error).message}`)
    }
  }

  /**
   * Campaign, roster and binding frames, in order with the scans: scans received before one
   * are stored (and greeted) first, so a campaign frame applies to the scans after it only.
   */
  private onSyncFrame(
    ws: WebSocket,
    frame: CampaignFrame | ScreensFrame | RosterFrame | BindingFrame | BindAckFrame | ErasureFrame,
  ): void {
    if (this.pending?.ws === ws) {
      clearImmediate(this.pending.timer)
      this.flush(ws)
      if (this.ws !== ws) return
    }
    const sync = this.o.sync
    if (!sync) return
    try {
      if (frame.type === 'campaign') sync.onCampaign(frame)
      else if (frame.type === 'screens') sync.onScreens?.(frame)
      else if (frame.type === 'roster') this.send(ws, sync.onRoster(frame))
      else if (frame.type === 'binding') sync.onBinding(frame, inStepMs(this.relayAhead()))
      else if (frame.type === 'erasure') sync.onErasure?.(frame, inStepMs(this.relayAhead()))
      else sync.onBindAck(frame)
      this.storedOk()
    } catch (err) {
      // Not stored: drop the link; the relay sends it again (campaign after welcome, roster
      // from the kiosk's resume point, bindings until acked).
      this.o.log?.error(`storing a ${frame.type} frame failed: ${(err as Error).message}`)
      this.lastError = errorBody('store_failed')
      ws.terminate()
    }
  }

  /**
   * Sends the desk bindings made since the last send on this link (after a batch of scans made
   * some): the ones sent already wait for their ack, or for the resend timer. A replay after
   * hours offline stores thousands of scans in dozens of batches; sending every unacknowledged
   * bind again after each one sent 500 binds 30 times over, each a store write at the relay.
   */
  sendBinds(): void {
    this.sendPendingBinds(false)
  }

  /**
   * Sends the desk bindings not yet acknowledged (`all`: after welcome, and again while some
   * stay unacknowledged on this link; else only those not yet sent on it). The relay takes the
   * same bind twice as one binding and acks it again (docs/DESIGN.md "Campaign and roster
   * frames").
   */
  private sendPendingBinds(all: boolean): void {
    const ws = this.ws
    if (!ws || !this.welcomed || !this.o.sync) return
    let pending = true
    try {
      const binds = this.o.sync.pendingBinds()
      const sent = new Set<string>()
      for (const b of binds) {
        const key = JSON.stringify([b.campaignId, b.registrationId, b.openid, b.at])
        sent.add(key)
        if (all || !this.bindsSent.has(key)) this.send(ws, b)
      }
      // Only the unacknowledged ones are kept: bounded by the outbox.
      this.bindsSent = sent
      pending = binds.length > 0
    } catch (err) {
      // Kept in the outbox: read again at the next resend, or after the next welcome.
      this.o.log?.error(`reading the desk bindings to send failed: ${(err as Error).message}`)
    }
    this.scheduleBindResend(ws, pending)
  }

  /**
   * While binds sent on `ws` wait for their ack, one timer sends them all again, each wait
   * twice the last (up to `bindResendMaxMs`); an empty outbox stops it and resets the wait.
   */
  private scheduleBindResend(ws: WebSocket, pending: boolean): void {
    if (!pending) {
      if (this.bindTimer) clearTimeout(this.bindTimer)
      this.bindTimer = null
      this.bindResendDelay = this.o.bindResendMs ?? BIND_RESEND_MS
      return
    }
    if (this.bindTimer) return
    const delay = this.bindResendDelay
    this.bindTimer = setTimeout(() => {
      this.bindTimer = null
      if (this.stopped || this.ws !== ws) return
      this.bindResendDelay = Math.min(this.o.bindResendMaxMs ?? BIND_RESEND_MAX_MS, delay * 2)
      this.sendPendingBinds(true)
    }, delay)
  }

  private dropPending(): void {
    if (this.pending) clearImmediate(this.pending.timer)
    this.pending = null
  }

  /** Stores the scans received on `ws` since the last flush, acks the highest, announces them. */
  private flush(ws: WebSocket): void {
    const batch = this.pending
    if (batch?.ws !== ws) return
    this.pending = null
    if (this.stopped || this.ws !== ws) return
    const catchingUp = this.backlog() > 0
    const { stored, after, error } = this.store(batch.items)
    if (stored !== null) {
      const now = this.now()
      if (stored.live) {
        // On the kiosk's clock.
        this.lagMs = Math.max(0, now - (stored.frame.receivedAt - inStepMs(this.relayAhead())))
      }
      this.state = { ...this.state, lastEventAt: now }
      this.send(ws, { type: 'ack', seq: stored.frame.seq })
      if (catchingUp) this.backlogChanged()
    }
    for (const fn of after) {
      try {
        fn()
      } catch (err) {
        this.o.log?.error(`after storing scans: ${(err as Error).message}`)
      }
    }
    if (error !== null) {
      // Not stored, so not acked: drop the connection and let the relay replay it.
      this.o.log?.error(`storing scan ${error.seq} failed: ${error.message}`)
      this.lastError = errorBody('store_failed')
      ws.terminate()
    } else {
      this.storedOk()
    }
  }

  /** Something from the relay was stored: a store failure before is over. */
  private storedOk(): void {
    if (this.lastError?.code !== 'store_failed') return
    this.lastError = null
    this.attempt = 0
  }

  /**
   * The whole batch in one transaction; if that fails, one scan at a time, so the scans before
   * a failing one are still stored and acked (as they were before batching).
   */
  private store(items: ScanDelivery[]): {
    stored: ScanDelivery | null
    after: AfterCommit[]
    error: { seq: number; message: string } | null
  } {
    const after: AfterCommit[] = []
    const o = this.o
    const attempt = (batch: ScanDelivery[]): void => {
      const fn = o.onScans(batch)
      if (fn) after.push(fn)
    }
    if (items.length > 1) {
      try {
        attempt(items)
        return { stored: items.at(-1) ?? null, after, error: null }
      } catch {
        // Rolled back as a whole: find the failing scan below.
      }
    }
    let stored: ScanDelivery | null = null
    for (const d of items) {
      try {
        attempt([d])
        stored = d
      } catch (err) {
        return { stored, after, error: { seq: d.frame.seq, message: (err as Error).message } }
      }
    }
    return { stored, after, error: null }
  }

  private send(ws: WebSocket, frame: KioskFrame): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame))
  }

  /**
   * Capped exponential backoff; `restart` (1012) starts over with a shorter first wait. The
   * relay refusing this booth (a revoked or wrong token, a refused booth id) waits the longest
   * at once: waiting does not cure it, and re-pairing builds a new link (kiosk-core reconfigure),
   * so this one only looks now and then whether the relay takes the booth back.
   */
  private scheduleReconnect(restart = false): void {
    if (restart) this.attempt = 0
    const cap = this.o.backoffMaxMs ?? 30_000
    const refused = !restart && REFUSALS.has(this.lastError?.code ?? '')
    const base = refused ? cap : Math.min(cap, (this.o.backoffBaseMs ?? 1000) * 2 ** this.attempt)
    const random = (this.o.random ?? Math.random)()
    // Equal jitter: kiosks that lost the venue Wi-Fi together don't all come back in the same ms.
    // A restart waits 10–50 % of the base: soon, and still spread out.
    const delay = restart ? base * (0.1 + 0.4 * random) : base / 2 + (random * base) / 2
    this.attempt = Math.min(this.attempt + 1, 30)
    const at = this.now()
    this.setState(this.everConnected ? 'reconnecting' : 'connecting', at + Math.round(delay), at)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      if (!this.stopped) this.connect()
    }, delay)
  }

  /** Pings the relay every `heartbeatMs`; nothing from it in a whole interval ends the link. */
  private startHeartbeat(ws: WebSocket): void {
    if (this.heartbeat) clearInterval(this.heartbeat)
    const check = (): void => {
      if (this.ws !== ws) return
      // Not a byte since the last ping: the connection is dead even if TCP hasn't noticed.
      if (!this.alive) return ws.terminate()
      this.alive = false
      this.pings++
      ws.ping()
    }
    this.heartbeat = setInterval(() => {
      this.noteLead()
      if (this.alive) return check()
      // Timers run before the sockets are read: after this process stood still (a long
      // synchronous task, a starved CPU) the relay's answer may be waiting unread. A ping sent
      // meanwhile (a wake, or a later tick that found the link alive) is not answered yet: the
      // verdict was for the one before it, and is dropped.
      const pings = this.pings
      afterSocketReads(() => {
        if (this.pings === pings) check()
      })
    }, this.o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS)
  }

  /**
   * At a heartbeat: notes the relay's lead for `wake()`, unless the kiosk's clock has gone on
   * past the monotonic one since the last beat (`CLOCK_JUMP_MS`) or did within `SLEEP_HOLD_MS`:
   * that may be a sleep whose 'resume' is still to come, and the lead from before it is kept.
   * The lead the link reads (`relayAhead`) is not held: a clock set forward is seen at once.
   */
  private noteLead(): void {
    const last = this.lastBeat
    if (this.relayLessMonotonic === null || !last) return
    const wall = this.now()
    const mono = this.monotonic()
    const jumped = wall - last.wall - (mono - last.mono) >= CLOCK_JUMP_MS
    const jumpAt = jumped ? mono : last.jumpAt
    const holding = jumpAt !== null && mono - jumpAt < SLEEP_HOLD_MS
    if (!holding) this.leadAtBeat = this.relayAhead()
    this.lastBeat = { wall, mono, jumpAt: holding ? jumpAt : null }
  }

  /**
   * The computer woke from a sleep (Electron's powerMonitor 'resume'). Timers stood still while
   * it slept, and a link open before it is likely dead without a FIN (the relay gave up on it,
   * or the booth woke on another Wi-Fi): it is pinged now and ended if nothing comes back within
   * `wakeCheckMs`, not one or two heartbeats later; the heartbeat then goes on as before. A
   * reconnect waiting out its backoff tries at once (docs/RELIABILITY.md "Kiosk heartbeat").
   */
  wake(): void {
    if (this.stopped) return
    if (this.retryTimer) {
      clearTimeout(this.retryTimer)
      this.retryTimer = null
      return this.connect()
    }
    const ws = this.ws
    if (!ws || ws.readyState !== WebSocket.OPEN || !this.heartbeat) return
    // The monotonic clock may have stood still through the sleep, the wall clock not: the
    // relay's lead is the one last seen awake, not the sleep's length less.
    if (this.relayLessMonotonic !== null && this.leadAtBeat !== null)
      this.relayLessMonotonic = this.leadAtBeat + this.now() - this.monotonic()
    this.lastBeat = { wall: this.now(), mono: this.monotonic(), jumpAt: null }
    clearInterval(this.heartbeat)
    this.alive = false
    this.pings++
    ws.ping()
    this.heartbeat = setTimeout(() => {
      if (this.ws !== ws) return
      if (!this.alive) return ws.terminate()
      this.startHeartbeat(ws)
    }, this.o.wakeCheckMs ?? WAKE_CHECK_MS)
  }

  private clearTimers(): void {
    const timers = [this.retryTimer, this.welcomeTimer, this.conflictTimer, this.bindTimer]
    for (const t of [...timers, this.stableTimer, this.backlogTimer]) {
      if (t) clearTimeout(t)
    }
    if (this.heartbeat) clearInterval(this.heartbeat)
    this.retryTimer = this.welcomeTimer = this.conflictTimer = this.heartbeat = null
    this.bindTimer = this.stableTimer = this.backlogTimer = null
  }

  /** Welcomed on `ws`: the backoff starts over if it is still this link after `stableMs`. */
  private awaitStable(ws: WebSocket): void {
    if (this.stableTimer) clearTimeout(this.stableTimer)
    this.stableTimer = setTimeout(() => {
      this.stableTimer = null
      if (this.stopped || this.ws !== ws || this.lastError?.code === 'store_failed') return
      this.attempt = 0
    }, this.o.stableMs ?? STABLE_MS)
  }

  /**
   * A 4409: a newer connection with this kiosk's id took the link. Once, it can be this kiosk
   * restarted; several within the window, another kiosk with the same id and token (a cloned
   * disk, two kiosks on one data folder) and the two keep replacing each other.
   */
  private noteReplaced(): void {
    const now = this.now()
    const window = this.o.conflictWindowMs ?? 120_000
    this.replacedAt = [...this.replacedAt.filter((t) => now - t < window), now]
    if (this.replacedAt.length >= CONFLICT_REPLACEMENTS) {
      if (this.lastError?.code !== 'identity_conflict') {
        this.o.log?.warn(
          `relay link: replaced ${this.replacedAt.length} times in ${window} ms; another kiosk uses the id ${this.o.kioskId}`,
        )
      }
      this.lastError = errorBody('identity_conflict')
    }
  }

  /** Connected while in conflict: the conflict is over if this link stays a whole window. */
  private awaitConflictEnd(): void {
    if (this.conflictTimer) clearTimeout(this.conflictTimer)
    this.conflictTimer = setTimeout(() => {
      this.conflictTimer = null
      if (this.lastError?.code !== 'identity_conflict') return
      this.replacedAt = []
      this.attempt = 0
      this.lastError = null
    }, this.o.conflictWindowMs ?? 120_000)
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8')
  return data.toString('utf8')
}

/**
 * `relayAheadMs` with clocks within a second of each other taken as in step (0): the relay's
 * Date is whole seconds, so the usual few-ms lag is not blurred by ±500 ms.
 */
export function inStepMs(relayAheadMs: number): number {
  return Math.abs(relayAheadMs) > 1_000 ? relayAheadMs : 0
}

/**
 * The relay's clock from an HTTP Date (whole seconds, so its middle is taken); null when there
 * is none or it does not parse.
 */
export function relayDateMs(date: string | undefined): number | null {
  if (date === undefined) return null
  const at = Date.parse(date)
  return Number.isFinite(at) ? at + 500 : null
}
