/**
 * `GET /console/api/events`: server-sent events for the console (consoleEventSchema). A stored
 * scan (on any instance: the store's change feed) becomes a `stats` message within a second,
 * coalesced to at most one per `minIntervalMs` per client; a kiosk connecting, disconnecting,
 * pairing or being revoked becomes a `kiosks` message. Messages only say "read again": a client
 * that misses one loses nothing, so a client whose socket is full simply gets the next. A stream
 * lives no longer than the organizer's session it was opened with, and one session holds at most
 * `maxClientsPerSession` of the relay's `maxClients`. Every stream also gets a named
 * `heartbeat` message every `heartbeatMs` (none at once: the first message a client reads after
 * opening stays a change): it keeps proxies from timing the
 * stream out, and lets the console see a stream gone silent (EventSource hides comments).
 * The first heartbeat tick of a new local day (the relay's midnight) also sends `stats`: the
 * pages' "today" figures (scans today, the day's timeline) are read again only on a message,
 * and a console left open overnight would show the last day's as today's until the first scan.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { STREAM_HEARTBEAT_MS, type ConsoleEvent } from '../../shared/console-api'
import { exemptFromIdleTimeout } from '../connection-limits'
import { heartbeatMessage, sendApiError, sendEvent } from '../http-util'
import { localDay } from '../store/attendance'
import type { SessionRecord } from '../store/console-types'
import type { RelayStore, StoreChange } from '../store/types'

export interface LiveEventsOptions {
  store: Pick<RelayStore, 'subscribe'>
  now: () => number
  /**
   * Whether the session a stream was opened with (its stored id hash) still holds
   * (relay/console/sessions.ts `sessionIsLive`). Asked per session every `sessionCheckMs`,
   * never per message.
   */
  sessionLive: (idHash: string) => Promise<boolean>
  /** How often each open stream's session is looked up (default 10 s). */
  sessionCheckMs?: number
  /** Open event streams at most (each holds a socket); more get 503. */
  maxClients?: number
  /**
   * Open event streams one session may hold (its tabs); more get 429. Without it one session
   * (an organizer's script, a stolen cookie) could hold every stream the relay allows and leave
   * every other organizer's console without live updates.
   */
  maxClientsPerSession?: number
  heartbeatMs?: number
  /**
   * Least time between two messages of one type to one client (10 per second): a scan's
   * counter is on screen within this plus one stats read (the goal: 250 ms at p99).
   */
  minIntervalMs?: number
}

/** The kinds that say "read again" (the heartbeat is no change). */
type Kind = Exclude<ConsoleEvent['type'], 'heartbeat'>

interface Client {
  res: ServerResponse
  /** The stored id hash of the session the stream was opened with. */
  session: string
  last: Record<Kind, number>
  timers: Partial<Record<Kind, NodeJS.Timeout>>
  /** Kinds owed to a client whose socket buffer was full: sent on 'drain'. */
  owed: Set<Kind>
}

const STREAM_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Accel-Buffering': 'no',
  'X-Content-Type-Options': 'nosniff',
}

export const DEFAULT_MAX_EVENT_CLIENTS = 100
/** A console holds one stream per tab: ten tabs of one session, a tenth of the relay's. */
export const DEFAULT_MAX_EVENT_CLIENTS_PER_SESSION = 10
/** How long a stream may outlive a session ended where this instance does not hear of it. */
export const DEFAULT_SESSION_CHECK_MS = 10_000

export class LiveEvents {
  private readonly clients = new Set<Client>()
  private readonly unsubscribe: () => void
  private readonly heartbeat: NodeJS.Timeout
  private readonly sessionCheck: NodeJS.Timeout
  private checking = false
  private readonly maxClients: number
  private readonly maxPerSession: number
  private readonly minIntervalMs: number
  private readonly heartbeatMs: number
  /** The relay's local day (its first slot) at the last heartbeat tick. */
  private day: number
  private closed = false

  constructor(private readonly opts: LiveEventsOptions) {
    this.maxClients = opts.maxClients ?? DEFAULT_MAX_EVENT_CLIENTS
    this.maxPerSession = opts.maxClientsPerSession ?? DEFAULT_MAX_EVENT_CLIENTS_PER_SESSION
    this.minIntervalMs = opts.minIntervalMs ?? 100
    this.unsubscribe = opts.store.subscribe((c) => this.onChange(c))
    // Keeps proxies from timing the stream out, and tells the console the stream is alive.
    this.heartbeatMs = opts.heartbeatMs ?? STREAM_HEARTBEAT_MS
    this.day = localDay(opts.now()).start
    this.heartbeat = setInterval(() => {
      const now = opts.now()
      const text = heartbeatMessage(now, this.heartbeatMs)
      for (const c of this.clients) if (!c.res.writableNeedDrain) sendEvent(c.res, text)
      const day = localDay(now).start
      if (day !== this.day) {
        this.day = day
        this.publish('stats')
      }
    }, this.heartbeatMs)
    this.heartbeat.unref()
    // A logout here ends the session's streams at once (endSession). A session can also end
    // where this instance does not hear of it: idle or absolute expiry, a logout on another
    // instance, `relay organizer remove` (another process). So every open stream's session is
    // looked up again every `sessionCheckMs`: a stream outlives its session by at most that
    // (10 s by default) plus one store read, for one read per session per check.
    this.sessionCheck = setInterval(
      () => void this.checkSessions(),
      opts.sessionCheckMs ?? DEFAULT_SESSION_CHECK_MS,
    )
    this.sessionCheck.unref()
  }

  get clientCount(): number {
    return this.clients.size
  }

  private onChange(change: StoreChange): void {
    if (change.type === 'event') this.publish('stats')
    else if (change.type === 'resync') {
      this.publish('stats')
      this.publish('kiosks')
    } else this.publish('kiosks')
  }

  /** A kiosk connected or went away on this instance (the hub calls this). */
  kiosksChanged(): void {
    this.publish('kiosks')
  }

  publish(kind: Kind): void {
    for (const c of this.clients) this.schedule(c, kind)
  }

  private schedule(c: Client, kind: Kind): void {
    if (c.timers[kind] !== undefined) return // already due: this change rides along
    const wait = c.last[kind] + this.minIntervalMs - this.opts.now()
    if (wait <= 0) {
      this.send(c, kind)
      return
    }
    c.timers[kind] = setTimeout(() => {
      delete c.timers[kind]
      this.send(c, kind)
    }, wait)
  }

  private send(c: Client, kind: Kind): void {
    if (c.res.writableNeedDrain) {
      c.owed.add(kind)
      return
    }
    const at = this.opts.now()
    c.last[kind] = at
    const event: ConsoleEvent = { type: kind, at }
    sendEvent(c.res, `data: ${JSON.stringify(event)}\n\n`)
  }

  /** Opens a stream for a request the console's guard let through with `session`. */
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    session: Pick<SessionRecord, 'idHash'>,
  ): Promise<void> {
    if (this.closed || this.clients.size >= this.maxClients) {
      res.setHeader('Retry-After', '5')
      sendApiError(res, 503, 'unavailable', 'too many event streams')
      return Promise.resolve()
    }
    if (this.streamsOf(session.idHash) >= this.maxPerSession) {
      res.setHeader('Retry-After', '5')
      sendApiError(res, 429, 'rate_limited', 'too many event streams for this session')
      return Promise.resolve()
    }
    // Gone while the guard read the session: its 'close' has passed and would never drop it.
    if (res.destroyed) return Promise.resolve()
    // HEAD (the guard answers it for every GET): the stream's headers, and the answer ends. Kept
    // as a stream it was never ended: nothing written, so a vanished client went unnoticed, and
    // the next request on that connection waited behind it for good.
    if (req.method === 'HEAD') {
      res.writeHead(200, STREAM_HEADERS).end()
      return Promise.resolve()
    }
    exemptFromIdleTimeout(req.socket)
    res.writeHead(200, STREAM_HEADERS)
    res.flushHeaders()
    const c: Client = {
      res,
      session: session.idHash,
      last: { stats: 0, kiosks: 0 },
      timers: {},
      owed: new Set(),
    }
    this.clients.add(c)
    // The browser's EventSource reconnects after this long should the stream drop.
    res.write('retry: 3000\n\n')
    res.on('drain', () => {
      const owed = [...c.owed]
      c.owed.clear()
      for (const kind of owed) this.schedule(c, kind)
    })
    res.once('close', () => this.drop(c))
    // Answered now: the stream lives on without holding up the relay's in-flight requests.
    return Promise.resolve()
  }

  private streamsOf(idHash: string): number {
    let n = 0
    for (const c of this.clients) if (c.session === idHash) n++
    return n
  }

  private drop(c: Client): void {
    for (const t of Object.values(c.timers)) clearTimeout(t)
    this.clients.delete(c)
  }

  /** Ends the streams opened with the session `idHash` (it ended: a logout on this instance). */
  endSession(idHash: string): void {
    for (const c of [...this.clients]) {
      if (c.session !== idHash) continue
      this.drop(c)
      c.res.end()
    }
  }

  /** Ends the streams whose session no longer holds; the store down, the next check decides. */
  private async checkSessions(): Promise<void> {
    if (this.checking || this.clients.size === 0) return
    this.checking = true
    try {
      const sessions = new Set([...this.clients].map((c) => c.session))
      await Promise.all(
        [...sessions].map(async (idHash) => {
          const live = await this.opts.sessionLive(idHash).catch(() => true)
          if (!live) this.endSession(idHash)
        }),
      )
    } finally {
      this.checking = false
    }
  }

  /** Ends every stream (relay shutdown); later requests get 503. */
  close(): void {
    this.closed = true
    clearInterval(this.heartbeat)
    clearInterval(this.sessionCheck)
    this.unsubscribe()
    for (const c of [...this.clients]) {
      this.drop(c)
      c.res.end()
    }
  }
}
