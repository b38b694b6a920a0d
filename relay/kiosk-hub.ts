/**
 * The `/kiosk` websocket endpoint. The bearer token is checked before the upgrade completes
 * (so an unauthenticated client never becomes a WebSocket), then each socket gets a
 * KioskSession. One live session per kiosk across all relay instances: a newer hello
 * replaces the older session (4409); a revoked or rotated token ends it (4410).
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { MAX_FRAME_BYTES, RelayCloseCode, type RelayApiError } from '../shared/relay-protocol'
import { afterSocketReads } from '../shared/server/socket-reads'
import { exemptFromIdleTimeout } from './connection-limits'
import {
  BIND_LIMITS,
  BindStamps,
  KioskSession,
  type DeliveryLimits,
  type FrameSocket,
} from './kiosk-session'
import { TicketLimiter } from './rate-limit'
import {
  KIOSK_TOKEN_CHALLENGE,
  bearerToken,
  claimedKioskId,
  verifyKioskToken,
  type KioskCredential,
} from './kiosk-tokens'
import { errorMessage, LogLimiter, SEE_HEALTHZ, type LogFields, type Logger } from './log'
import type { RelayMetrics } from './metrics'
import type { CampaignDirectory } from './campaign-directory'
import { NameBook } from './screens/name-book'
import type { RelayStore, StoreChange, StoredEvent } from './store/types'

export interface KioskHubOptions {
  store: RelayStore
  log: Logger
  metrics: RelayMetrics
  now: () => number
  pingIntervalMs?: number
  helloTimeoutMs?: number
  limits?: Partial<DeliveryLimits>
  /** The kiosks' campaigns (cached), for the campaign frame. */
  campaigns: CampaignDirectory
  /**
   * The relay's one book of roster names (closed by whoever made it), which says whether a
   * desk's bind names a registration of the roster. Absent: one of the hub's own, closed with it.
   */
  names?: NameBook
}

/**
 * The session's view of its WebSocket, with every frame sent in one turn of the event loop
 * leaving in one write: the socket is corked at the turn's first frame and uncorked on the
 * next tick. A group commit delivers its whole batch in one turn (a scan frame each), which
 * was one `writev` per frame (docs/BENCHMARKS.md "Session of 2026-12-03: a quiet machine,
 * kiosk frames coalesced").
 */
export function coalescedFrames(ws: WebSocket, socket: Duplex): FrameSocket {
  let corked = false
  const uncork = () => {
    corked = false
    socket.uncork()
  }
  return {
    get bufferedAmount() {
      return ws.bufferedAmount
    },
    send(data, cb) {
      if (!corked && !socket.destroyed) {
        corked = true
        socket.cork()
        process.nextTick(uncork)
      }
      ws.send(data, cb)
    },
    close: (code, reason) => ws.close(code, reason),
    ping: (data) => ws.ping(data),
  }
}

const DEFAULT_LIMITS: DeliveryLimits = { window: 100, highWaterBytes: 256 * 1024, batch: 50 }
/**
 * Every connected kiosk is pinged this often, and a socket not heard from since the previous
 * ping (no frame, no pong, none of the kiosk's own pings) is ended: a link gone half-open (venue
 * Wi-Fi dropped without a TCP close) is noticed in 15–30 s, close to when the kiosk notices it
 * (its own heartbeat, 10 s: 10–20 s), so the console shows the booth offline soon after the
 * booth does. The kiosk's pings, every 10 s, put at least one in each of these intervals on a
 * live link, even one whose pong to our ping is stuck behind roster bytes. At 10,000 booths
 * on one instance: about 670 pings and 670 pongs a second (a 2-byte frame out, a 6-byte masked
 * one back, each in its own TCP segment: roughly 40 KB/s each way with headers), the kiosks'
 * 1,000 pings a second answered besides, and half as many safety-net reads of unsent events
 * (SAFETY_READ_EVERY_PINGS).
 */
export const PING_INTERVAL_MS = 15_000
/**
 * The safety-net read of a kiosk's unsent events (an event whose change notification was
 * missed, e.g. over a Redis reconnect) runs on every this many pings: every 30 s at 15 s, the
 * rate it had when the ping was every 30 s (333/s at 10,000 booths, not 670/s). The kiosks
 * take turns (every other one reads on a given ping), so the reads are spread over the pings.
 */
export const SAFETY_READ_EVERY_PINGS = 2
/**
 * A connected kiosk's "last seen" is written at most this often (the console counts another
 * instance's kiosk as online for 90 s after, should that instance die without saying so): one
 * small write per kiosk per 30 s, whatever the ping interval (every other ping at 15 s).
 */
const SEEN_WRITE_EVERY_MS = 30_000
/** What to do when a booth's token is refused (revoked, or cut off by a newer pairing). */
const KIOSK_TOKEN_REFUSED_ACTION =
  'the booth it names stays offline with this token: if it should be running, issue it a new pairing code in the console and pair it again'
const STORE_DOWN_ACTION = `the store did not answer the token check: the booth was answered 503 and retries by itself; ${SEE_HEALTHZ}`
/** Refused upgrades' errors: the words /api/tickets and the other endpoints answer with. */
const BAD_TOKEN = { code: 'unauthorized', message: 'bad or missing kiosk token' }
const SHUTTING_DOWN = { code: 'shutting_down', message: 'relay shutting down' }
const STORE_DOWN = { code: 'store_error', message: 'store unavailable' }
/** A failed token check is tried again after this long, while the kiosk is connected. */
const RECHECK_RETRY_MS = 1000
/**
 * A failed read of a kiosk's newest connection (after the change feed came back) is tried
 * again after 1 s, then 2, 4 … up to this, while the kiosk is connected here.
 */
const GENERATION_RETRY_MAX_MS = 30_000
/**
 * A kiosk's live link replaced this many times within the window (on any instance) is two
 * devices with one identity taking turns: the kiosk itself says so after as many 4409s.
 */
export const CONFLICT_REPLACEMENTS = 3
export const CONFLICT_WINDOW_MS = 120_000

interface Peer {
  ws: WebSocket
  session: KioskSession
  alive: boolean
  /** When the kiosk was last heard from on this socket: the upgrade, a frame, a pong, a ping. */
  heardAt: number
  /** Pings sent, offset by the peer's turn: the safety-net read runs when it divides evenly. */
  pings: number
}

export class KioskHub {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  })
  private readonly peers = new Set<Peer>()
  /** The session that said hello last on this instance, per kiosk. */
  private readonly live = new Map<string, KioskSession>()
  /** The highest connection generation seen for each kiosk, from any instance. */
  private readonly newestGeneration = new Map<string, number>()
  private readonly limits: DeliveryLimits
  private readonly pingTimer: NodeJS.Timeout
  private readonly unsubscribe: () => void
  private readonly presenceListeners = new Set<(kioskId: string) => void>()
  private accepting = true
  /** Sockets accepted so far: gives each its turn for the safety-net read. */
  private accepted = 0
  /** When each connected kiosk's last-seen time was last written. */
  private readonly seenWritten = new Map<string, number>()
  /**
   * Credential changes heard so far (a revocation, a new token, a resync). An upgrade whose
   * token was read before one and whose socket opened after the hub looked for sockets to
   * close is checked again, or it would live on with a revoked token.
   */
  private credentialChanges = 0
  /** The latest replacements of each kiosk's live link (at most CONFLICT_REPLACEMENTS). */
  private readonly replacedAt = new Map<string, number[]>()
  /** Tells the console's booth list when a kiosk's conflict is over. */
  private readonly conflictTimers = new Map<string, NodeJS.Timeout>()
  /**
   * Token checks that failed (the store away), tried again: the change that asked for one is
   * not repeated, and a revoked kiosk would otherwise keep its socket, and the scans.
   */
  private readonly recheckTimers = new Map<string, NodeJS.Timeout>()
  /**
   * Reads of a kiosk's newest connection that failed after a resync, tried again: the 'connected' change a hello elsewhere made while the feed was away is
   * never repeated, and a stale session here would otherwise keep the link, and the scans.
   */
  private readonly generationRetries = new Map<string, NodeJS.Timeout>()
  /** Lines a kiosk's frames can repeat at will: once a minute for each kiosk (SessionContext). */
  private readonly repeatedLines: LogLimiter
  /** Binds stored ahead of the clock, for every session here (kiosk-session.ts BindStamps). */
  private readonly bindStamps = new BindStamps()
  /** Each kiosk's bind allowance, kept across its reconnects (BIND_LIMITS). */
  private readonly bindLimiter: TicketLimiter
  private readonly names: NameBook
  /**
   * Kiosks that closed a link at v2's frames after a plain hello (KioskSession.refusedV2): apps
   * from before contract v2. Their plain hellos get v1's frames alone, so they take their scans
   * instead of reconnecting forever at the campaign frame; a hello with v2's fields (the booth
   * updated) takes the kiosk out. At most one entry per kiosk with a token.
   */
  private readonly v1Kiosks = new Set<string>()

  constructor(private readonly opts: KioskHubOptions) {
    this.names = opts.names ?? new NameBook(opts.store)
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits }
    this.repeatedLines = new LogLimiter(opts.now)
    this.bindLimiter = new TicketLimiter(BIND_LIMITS, opts.now)
    this.pingTimer = setInterval(() => this.heartbeat(), opts.pingIntervalMs ?? PING_INTERVAL_MS)
    this.pingTimer.unref()
    // The relay's clock on the 101, as on any other answer: what the kiosk judges a replayed
    // scan's age by, as receivedAt is stamped with this clock (docs/DESIGN.md "The kiosk").
    this.wss.on('headers', (headers: string[]) => {
      headers.push(`Date: ${new Date(this.opts.now()).toUTCString()}`)
    })
    this.unsubscribe = opts.store.subscribe((c) => this.onStoreChange(c))
  }

  /**
   * Told when a kiosk's session on this instance says hello or closes (the console's live
   * booth list; hellos on other instances arrive through the store's 'connected' change).
   */
  onPresence(listener: (kioskId: string) => void): () => void {
    this.presenceListeners.add(listener)
    return () => this.presenceListeners.delete(listener)
  }

  private presenceChanged(kioskId: string): void {
    for (const l of this.presenceListeners) l(kioskId)
  }

  get connectedKiosks(): number {
    return [...this.live.values()].filter((s) => s.isLive).length
  }

  /** Live kiosks here whose roster transfer has not finished (RosterSync `pending`). */
  get rosterTransfersPending(): number {
    return [...this.live.values()].filter((s) => s.isLive && s.roster.pending).length
  }

  /** Whether the kiosk holds a live session on this instance. */
  isOnline(kioskId: string): boolean {
    return this.live.get(kioskId)?.isLive ?? false
  }

  /**
   * Whether the kiosk's live links keep replacing each other (CONFLICT_REPLACEMENTS within
   * CONFLICT_WINDOW_MS, counted on every instance): two devices with one identity.
   */
  identityConflict(kioskId: string): boolean {
    const times = this.replacedAt.get(kioskId) ?? []
    const oldest = times[0]
    return (
      times.length >= CONFLICT_REPLACEMENTS &&
      oldest !== undefined &&
      this.opts.now() - oldest < CONFLICT_WINDOW_MS
    )
  }

  /**
   * Closes a kiosk's link a newer one replaced. One that had said hello counts, everywhere, once
   * its device answers the close: a link left half-open by bad Wi-Fi (the kiosk reconnected, the
   * old socket never heard of it) ends without an answer (1006, after ws's close timeout), and
   * three such reconnects are one booth on a poor network, not two devices.
   */
  private replace(session: KioskSession): void {
    const counts = session.hasSaidHello
    const ws = [...this.peers].find((p) => p.session === session)?.ws
    session.close(RelayCloseCode.replaced, 'replaced by a newer connection')
    if (!counts || ws === undefined) return
    ws.once('close', (code: number) => {
      if (code === 1006) return
      void this.countReplaced(session.kioskId)
    })
  }

  /**
   * Keeps the replacement in the store (the console's flag, read there by every instance, one
   * started since included), then tells the instances running now (their booth lists' live
   * updates). A failed write still announces: the instances running now flag it as before.
   */
  private async countReplaced(kioskId: string): Promise<void> {
    const { store } = this.opts
    try {
      await store.console.noteKioskReplaced(kioskId, this.opts.now(), CONFLICT_WINDOW_MS)
    } catch (err) {
      this.storeTrouble('warn', 'recording a replaced connection failed', {
        kioskId,
        error: errorMessage(err),
        action:
          "this replacement is not counted in the console's warning that two devices share this booth's identity; scans are not affected",
      })
    }
    const change: StoreChange = { type: 'replaced', kioskId }
    await store.announce(change).catch((err: unknown) => {
      this.storeTrouble('warn', 'announcing a replaced connection failed', {
        kioskId,
        error: errorMessage(err),
        action:
          "other relay instances do not hear of this replacement (their console's live booth list, their warning of two devices on one identity); scans are not affected",
      })
    })
  }

  /** A link of `kioskId` was replaced (here or on another instance). */
  private noteReplaced(kioskId: string): void {
    const before = this.identityConflict(kioskId)
    const now = this.opts.now()
    // Replacements a window old flag nothing any more, nor will with any later one: forgotten,
    // or every kiosk ever replaced (on any instance, revoked since) would stay here for good.
    for (const [id, times] of this.replacedAt) {
      if (now - (times[times.length - 1] ?? now) >= CONFLICT_WINDOW_MS) this.replacedAt.delete(id)
    }
    const times = [...(this.replacedAt.get(kioskId) ?? []), now].slice(-CONFLICT_REPLACEMENTS)
    this.replacedAt.set(kioskId, times)
    const conflict = this.identityConflict(kioskId)
    if (conflict && !before) {
      this.opts.log.warn(
        'two devices use one kiosk identity: their links keep replacing each other',
        {
          kioskId,
        },
      )
    }
    // The booth list is told when the flag comes up, and again when it goes down.
    const pending = this.conflictTimers.get(kioskId)
    if (pending) clearTimeout(pending)
    this.conflictTimers.delete(kioskId)
    if (conflict) {
      const timer = setTimeout(
        () => {
          this.conflictTimers.delete(kioskId)
          this.presenceChanged(kioskId)
        },
        (times[0] ?? now) + CONFLICT_WINDOW_MS - now,
      )
      timer.unref()
      this.conflictTimers.set(kioskId, timer)
    }
    if (conflict !== before) this.presenceChanged(kioskId)
  }

  /**
   * For the console: when the kiosk was last heard from (`heardAt`), and whether it is
   * connected. A disconnect, once written, is announced: the booth lists of every instance read
   * it again.
   */
  private noteSeen(
    kioskId: string,
    heardAt: number,
    connected: boolean,
    version?: string | null,
  ): void {
    const { store } = this.opts
    if (connected) this.seenWritten.set(kioskId, this.opts.now())
    else this.seenWritten.delete(kioskId)
    const state = version === undefined ? { connected } : { connected, version }
    store.console
      .noteKioskSeen(kioskId, heardAt, state)
      .then(
        () => {
          if (connected) return
          const change: StoreChange = { type: 'disconnected', kioskId }
          return store.announce(change)
        },
        (err: unknown) => {
          this.storeTrouble('warn', 'recording kiosk last seen failed', {
            kioskId,
            error: errorMessage(err),
            action: 'the console may show this booth online or offline wrongly until it is written',
          })
        },
      )
      .catch((err: unknown) => {
        this.storeTrouble('warn', 'announcing a disconnect failed', {
          kioskId,
          error: errorMessage(err),
        })
      })
  }

  /**
   * A store failure every booth (or anyone's upgrade) repeats while the store is away: 10,000
   * booths reconnecting every few seconds would be hundreds of lines a second, past journald's
   * 10,000 in 30 s (dropping the line that says what is wrong). Once a minute for each kind of
   * line, with how many went unlogged since; the kioskId is the first one's.
   */
  private storeTrouble(level: 'warn' | 'error', msg: string, fields: LogFields): void {
    this.repeatedLines.log(this.opts.log, level, msg, { event: 'store_failed', ...fields })
  }

  /** For `server.on('upgrade')` on the `/kiosk` path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy())
    if (!this.accepting) {
      refuseUpgrade(socket, 503, 'Service Unavailable', SHUTTING_DOWN)
      return
    }
    const changesBefore = this.credentialChanges
    const token = bearerToken(req.headers.authorization)
    verifyKioskToken(this.opts.store, token).then(
      (cred) => {
        if (cred === null) {
          // Anyone can retry a wrong token without end (a booth left with a revoked one, a
          // scanner): one line a minute, saying how many it left out, which booth its token
          // claims to be (a booth cut off by a new pairing, unverified), and which others the
          // ones it left out claimed (the first 20).
          const claimed = claimedKioskId(token)
          const msg = 'kiosk socket refused: bad token'
          this.repeatedLines.log(
            this.opts.log,
            'info',
            msg,
            {
              event: 'kiosk_token_refused',
              ...(claimed !== null && { claimedKioskId: claimed }),
              action: KIOSK_TOKEN_REFUSED_ACTION,
            },
            `line: ${msg}`,
            { field: 'unloggedClaimedKioskIds', name: claimed },
          )
          refuseUpgrade(socket, 401, 'Unauthorized', BAD_TOKEN, {
            'WWW-Authenticate': KIOSK_TOKEN_CHALLENGE,
          })
          return
        }
        if (!this.accepting || socket.destroyed) {
          refuseUpgrade(socket, 503, 'Service Unavailable', SHUTTING_DOWN)
          return
        }
        this.wss.handleUpgrade(req, socket, head, (ws) => {
          // A kiosk's socket lives as long as its ping/pong says, not the HTTP idle timeout.
          exemptFromIdleTimeout(socket)
          this.accept(ws, socket, cred)
          if (this.credentialChanges !== changesBefore) void this.recheckCredentials(cred.kioskId)
        })
      },
      (err: unknown) => {
        this.storeTrouble('error', 'kiosk auth failed', {
          error: errorMessage(err),
          action: STORE_DOWN_ACTION,
        })
        refuseUpgrade(socket, 503, 'Service Unavailable', STORE_DOWN)
      },
    )
  }

  private accept(ws: WebSocket, socket: Duplex, cred: KioskCredential): void {
    const session = new KioskSession(coalescedFrames(ws, socket), cred.kioskId, cred.tokenHash, {
      store: this.opts.store,
      log: this.opts.log,
      metrics: this.opts.metrics,
      now: this.opts.now,
      limits: this.limits,
      onHello: (s) => this.onHello(s),
      v1FramesOnly: (kioskId) => this.v1Kiosks.has(kioskId),
      campaignOf: (kioskId, fresh) => this.opts.campaigns.viewOf(kioskId, fresh),
      repeatedLines: this.repeatedLines,
      bindStamps: this.bindStamps,
      bindLimiter: this.bindLimiter,
      rosterHas: (campaignId, registrationId) =>
        this.names.hasRegistration(campaignId, registrationId),
      onClosed: (s) => {
        if (this.live.get(s.kioskId) !== s) return
        this.live.delete(s.kioskId)
        // A session a newer hello replaced (here or elsewhere) leaves the state to that one.
        const newest = this.newestGeneration.get(s.kioskId) ?? 0
        // Last seen is the kiosk's last word: a link ended for a missed pong (or gone without
        // a close frame, 1006) was last heard from 15–30 s before it ended.
        if (s.generation !== null && s.generation >= newest) {
          this.noteSeen(s.kioskId, peer.heardAt, false)
        }
        this.presenceChanged(s.kioskId)
      },
    })
    const peer: Peer = {
      ws,
      session,
      alive: true,
      heardAt: this.opts.now(),
      pings: this.accepted++ % SAFETY_READ_EVERY_PINGS,
    }
    this.peers.add(peer)
    // Judged once the sockets have been read, as the heartbeat is: after this process stood
    // still past the deadline (a starved CPU, a GC) the timer runs before the kiosk's hello,
    // already waiting unread, and a kiosk that said hello in time was ended for saying none.
    const helloTimer = setTimeout(() => {
      afterSocketReads(() => {
        if (session.awaitingHello) session.close(RelayCloseCode.helloTimeout, 'no hello')
      })
    }, this.opts.helloTimeoutMs ?? 10_000)
    helloTimer.unref()

    const heard = (): void => {
      peer.alive = true
      peer.heardAt = this.opts.now()
    }
    ws.on('message', (data, isBinary) => {
      heard()
      session.onMessage(isBinary ? null : Buffer.isBuffer(data) ? data.toString('utf8') : null)
    })
    ws.on('pong', (data) => {
      heard()
      session.roster.onPong(data)
    })
    // The kiosk's own ping (ws answers it) is a sign of life too. On a slow link the relay's
    // ping waits behind the roster bytes already written, so the pong comes late; the kiosk's
    // pings come the other way, more often than ours (docs/RELIABILITY.md "Kiosk heartbeat").
    ws.on('ping', heard)
    ws.on('error', () => ws.terminate())
    ws.on('close', (code: number) => {
      // The kiosk's close frame is a word from it too (without one, ws says 1006).
      if (code !== 1006) peer.heardAt = this.opts.now()
      clearTimeout(helloTimer)
      this.peers.delete(peer)
      if (session.refusedV2(code) && !this.v1Kiosks.has(session.kioskId)) {
        this.v1Kiosks.add(session.kioskId)
        this.opts.log.warn('kiosk cannot read contract v2 frames; sending it scans alone', {
          kioskId: session.kioskId,
          action:
            'the booth runs an app from before contract v2: it gets its scans, without the ' +
            "campaign's numbers, greetings or roster, until it is updated (docs/DEPLOY.md " +
            '"9. Upgrading")',
        })
      }
      session.closed(code)
      // Its last link here gone, the kiosk's state here goes too (a kiosk revoked or moved to
      // another instance would keep it for good): a later link reads a newer generation anyway.
      if (!this.hasLink(session.kioskId)) {
        this.newestGeneration.delete(session.kioskId)
        this.seenWritten.delete(session.kioskId)
      }
    })
  }

  private async onHello(session: KioskSession): Promise<void> {
    if (!session.plainHello) this.v1Kiosks.delete(session.kioskId)
    const previous = this.live.get(session.kioskId)
    this.live.set(session.kioskId, session)
    if (previous) this.replace(previous)
    this.presenceChanged(session.kioskId)
    const generation = await this.opts.store.nextConnectionGeneration(session.kioskId)
    session.generation = generation
    this.noteGeneration(session.kioskId, generation)
    this.noteSeen(session.kioskId, this.opts.now(), true, session.version)
    const change: StoreChange = {
      type: 'connected',
      kioskId: session.kioskId,
      connectionId: session.id,
      generation,
    }
    this.opts.store.announce(change).catch((err: unknown) => {
      this.storeTrouble('warn', 'announcing connection failed', {
        kioskId: session.kioskId,
        error: errorMessage(err),
        action:
          'other relay instances close an older link of this booth at their next check of it, not at once; scans are not affected',
      })
    })
  }

  /** Whether `kioskId` has a socket on this instance (said hello or not). */
  private hasLink(kioskId: string): boolean {
    for (const p of this.peers) if (p.session.kioskId === kioskId) return true
    return false
  }

  /**
   * Closes this instance's sessions of `kioskId` that a later hello (anywhere) superseded. Kept
   * only for a kiosk with a socket here: any later socket's hello reads a newer generation.
   */
  private noteGeneration(kioskId: string, generation: number): void {
    if (!this.hasLink(kioskId)) {
      this.newestGeneration.delete(kioskId)
      return
    }
    const newest = Math.max(this.newestGeneration.get(kioskId) ?? 0, generation)
    this.newestGeneration.set(kioskId, newest)
    for (const { session } of this.peers) {
      if (session.kioskId !== kioskId || session.generation === null) continue
      if (session.generation < newest) this.replace(session)
    }
  }

  private onStoreChange(change: StoreChange): void {
    if (change.type === 'event') this.live.get(change.kioskId)?.notify(withCampaign(change))
    else if (change.type === 'connected') this.noteGeneration(change.kioskId, change.generation)
    else if (change.type === 'replaced') this.noteReplaced(change.kioskId)
    else if (change.type === 'resync') this.resync()
    else if (change.type === 'campaign') this.campaignChanged(change)
    else if (change.type === 'roster') this.rosterChanged(change.campaignId)
    else if (change.type === 'binding') {
      const { campaignId, registrationId, openid, at } = change
      for (const { session } of this.peers) {
        if (session.isLive) session.roster.onBinding(campaignId, { registrationId, openid, at })
      }
    } else if (change.type === 'erasure') {
      for (const { session } of this.peers) {
        if (!session.isLive) continue
        const { campaignId, visitor, at } = change
        const tombstone = visitor !== undefined && at !== undefined ? { visitor, at } : undefined
        session.roster.onErasure(campaignId, tombstone)
      }
    } else if (change.type === 'kiosk') {
      this.credentialChanges++
      void this.recheckCredentials(change.kioskId)
    } else if (change.type === 'admin-unlock') void this.adminUnlock(change.kioskId)
  }

  /**
   * The console cleared the kiosk's admin PIN lockout: its live session here gets the frame,
   * once the store confirms the session's token is still the kiosk's (a link kept open on a
   * token revoked or rotated a moment ago must not be the one that hears it).
   */
  private async adminUnlock(kioskId: string): Promise<void> {
    const sessions = [...this.peers]
      .map((p) => p.session)
      .filter((s) => s.kioskId === kioskId && s.isLive)
    if (sessions.length === 0) return
    try {
      const kiosk = await this.opts.store.getKiosk(kioskId)
      for (const s of sessions) {
        if (kiosk === null || kiosk.revokedAt !== null || kiosk.tokenHash !== s.tokenHash) continue
        if (this.live.get(kioskId) !== s) continue
        if (s.sendAdminUnlock())
          this.opts.log.info('admin lockout cleared: frame sent', { kioskId })
      }
    } catch (err) {
      this.opts.log.error('sending admin-unlock failed', { kioskId, error: errorMessage(err) })
    }
  }

  /** A roster replaced: the campaign's kiosks start the new version's transfer. */
  private rosterChanged(campaignId: string): void {
    for (const { session } of this.peers) {
      if (session.isLive && session.roster.campaign === campaignId) {
        void session.roster.start(campaignId)
      }
    }
  }

  /** A campaign edited or a kiosk (re)assigned: the kiosks concerned get the campaign frame. */
  private campaignChanged(change: Extract<StoreChange, { type: 'campaign' }>): void {
    this.opts.campaigns.forget(change)
    for (const { session } of this.peers) {
      // An edit may concern any kiosk; each reads through the cache and sends only what is new.
      if (change.kioskId === undefined || session.kioskId === change.kioskId) {
        void session.refreshCampaign()
      }
    }
  }

  /**
   * The store's feed may have missed changes: every session reads what it has not sent, and
   * every kiosk's credential and newest connection are checked again (a revocation, or a
   * hello on another instance, must not wait for the next change).
   */
  private resync(): void {
    this.credentialChanges++
    const kiosks = new Set<string>()
    this.opts.campaigns.forget({ type: 'resync' })
    for (const { session } of this.peers) {
      kiosks.add(session.kioskId)
      session.notify()
      void session.refreshCampaign()
      // An erasure missed meanwhile: the kiosk gets the campaign's tombstones again.
      const campaignId = session.roster.campaign
      if (session.isLive && campaignId !== null) session.roster.onErasure(campaignId)
    }
    for (const kioskId of kiosks) {
      void this.recheckCredentials(kioskId)
      void this.rereadGeneration(kioskId, 0)
    }
  }

  /**
   * Reads the kiosk's newest connection (any instance) and closes this instance's older
   * sessions of it; a failed read is tried again, backing off, while one is connected here.
   */
  private async rereadGeneration(kioskId: string, failures: number): Promise<void> {
    if (!this.hasLink(kioskId)) return
    try {
      this.noteGeneration(kioskId, await this.opts.store.connectionGeneration(kioskId))
    } catch (err) {
      this.storeTrouble('error', 'reading connection generation failed', {
        kioskId,
        error: errorMessage(err),
        action: `an older link of this booth here stays open until the read succeeds (tried again, backing off); ${SEE_HEALTHZ}`,
      })
      const delay = Math.min(GENERATION_RETRY_MAX_MS, RECHECK_RETRY_MS * 2 ** failures)
      this.retryLater(this.generationRetries, kioskId, delay, () => {
        void this.rereadGeneration(kioskId, failures + 1)
      })
    }
  }

  /** `again` after `delayMs`, once per kiosk in `timers`, while the hub takes kiosks. */
  private retryLater(
    timers: Map<string, NodeJS.Timeout>,
    kioskId: string,
    delayMs: number,
    again: () => void,
  ): void {
    if (!this.accepting || timers.has(kioskId)) return
    const timer = setTimeout(() => {
      timers.delete(kioskId)
      again()
    }, delayMs)
    timer.unref()
    timers.set(kioskId, timer)
  }

  /** A token was revoked or replaced: sessions holding the old one end at once. */
  private async recheckCredentials(kioskId: string): Promise<void> {
    const sessions = [...this.peers].map((p) => p.session).filter((s) => s.kioskId === kioskId)
    if (sessions.length === 0) return
    try {
      const kiosk = await this.opts.store.getKiosk(kioskId)
      for (const s of sessions) {
        if (kiosk === null || kiosk.revokedAt !== null || kiosk.tokenHash !== s.tokenHash) {
          this.opts.log.info('kiosk token no longer valid; closing', { kioskId })
          s.close(RelayCloseCode.revoked, 'token revoked')
        }
      }
    } catch (err) {
      this.storeTrouble('error', 'checking kiosk token failed', {
        kioskId,
        error: errorMessage(err),
        action: `the booth keeps its link; a revoked token closes it once the check succeeds (tried again every second); ${SEE_HEALTHZ}`,
      })
      this.retryLater(this.recheckTimers, kioskId, RECHECK_RETRY_MS, () => {
        void this.recheckCredentials(kioskId)
      })
    }
  }

  /**
   * ws README: ping every interval, terminate sockets not heard from (a frame, a pong, the
   * kiosk's own ping) since the previous one. A socket that looks silent gets its verdict once
   * the sockets have been read: timers run first, so after this process stood still past an
   * interval (a long synchronous task, a starved CPU, a GC) the kiosk's answer may be waiting
   * unread, and cutting at once would end a healthy link (docs/RELIABILITY.md "Kiosk heartbeat").
   */
  private heartbeat(): void {
    for (const peer of this.peers) {
      if (peer.alive) {
        this.checkPeer(peer)
        continue
      }
      // Dropped if the link ended meanwhile, or if a later tick found it alive and pinged again
      // (a stall between the two turns): that ping's answer is not due yet.
      const pings = peer.pings
      afterSocketReads(() => {
        if (this.peers.has(peer) && peer.pings === pings) this.checkPeer(peer)
      })
    }
  }

  /** One heartbeat for one socket: ends it if nothing came since the last ping, else pings. */
  private checkPeer(peer: Peer): void {
    if (!peer.alive) {
      peer.ws.terminate()
      return
    }
    peer.alive = false
    peer.ws.ping()
    const { kioskId } = peer.session
    const written = this.seenWritten.get(kioskId) ?? -Infinity
    if (peer.session.isLive && this.opts.now() - written >= SEEN_WRITE_EVERY_MS) {
      this.noteSeen(kioskId, peer.heardAt, true)
    }
    // Also a safety net for a missed change notification (e.g. a Redis reconnect), on every
    // SAFETY_READ_EVERY_PINGS-th ping: an event it catches reaches the kiosk within that many.
    peer.pings++
    if (peer.pings % SAFETY_READ_EVERY_PINGS === 0) peer.session.notify()
  }

  /** Stops accepting, closes every socket with `code`, waits (bounded) for them to go. */
  async close(code: number = RelayCloseCode.goingAway, waitMs = 2000): Promise<void> {
    this.accepting = false
    clearInterval(this.pingTimer)
    for (const t of this.conflictTimers.values()) clearTimeout(t)
    this.conflictTimers.clear()
    for (const t of this.recheckTimers.values()) clearTimeout(t)
    this.recheckTimers.clear()
    for (const t of this.generationRetries.values()) clearTimeout(t)
    this.generationRetries.clear()
    this.unsubscribe()
    if (this.names !== this.opts.names) this.names.close()
    const gone = [...this.peers].map(
      (p) => new Promise<void>((resolve) => p.ws.once('close', () => resolve())),
    )
    for (const p of this.peers) p.session.close(code, 'relay shutting down')
    const timer = new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref())
    await Promise.race([Promise.all(gone), timer])
    for (const p of this.peers) p.ws.terminate()
    this.wss.close()
  }
}

/**
 * Answers an upgrade request with a plain HTTP error in the relay's error shape
 * (`{"error":{"code","message"}}`, as every answer but /wechat's); the socket never becomes a
 * WebSocket. Closed once the answer is written, as ws does with the handshakes it refuses:
 * `end` alone half-closes it, and a client that never closes its own half kept the descriptor
 * (and a place under the connection cap) for good, token or not.
 */
export function refuseUpgrade(
  socket: Duplex,
  status: number,
  text: string,
  error: { code: string; message: string },
  headers: Readonly<Record<string, string>> = {},
  /** false for an answer to HEAD: its Content-Length says what GET's body would be, no body. */
  withBody = true,
): void {
  if (socket.destroyed) return
  socket.once('finish', () => socket.destroy())
  const body: RelayApiError = { error }
  const json = JSON.stringify(body)
  const extra = Object.entries({
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': String(Buffer.byteLength(json)),
  })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\n${extra}Connection: close\r\n\r\n${withBody ? json : ''}`,
  )
}

/**
 * The stored event a change carries, with the campaign its number counts in: a store whose
 * change message says the campaign beside the event (Redis) rather than in it.
 */
function withCampaign(change: {
  event?: StoredEvent
  campaignId?: string
}): StoredEvent | undefined {
  const e = change.event
  if (e === undefined || e.number === undefined || e.campaignId !== undefined) return e
  return change.campaignId === undefined ? e : { ...e, campaignId: change.campaignId }
}
