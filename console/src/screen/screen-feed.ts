/**
 * A big screen's connection to the relay: an EventSource on `/screen/api/<id>/events`, and on
 * every (re)open a fresh snapshot (`/screen/api/<id>/wall`), so whatever was missed while the
 * stream was down is caught up (the wall de-duplicates by number). A dropped stream is retried
 * with exponential backoff and jitter (0.5 s doubling to 30 s); a 403 (the key was rotated)
 * says so and keeps checking slowly. Every message is validated; a bad one is skipped.
 *
 * A stream can also die without a word (a venue Wi-Fi switch, a proxy's idle cut, a laptop
 * asleep: no TCP reset, so EventSource never errors and the wall would stay frozen for good).
 * The relay sends the named `heartbeat` and says how often (`everyMs`; until the first one, its
 * documented 15 s, kept across streams): a stream (or a stream still opening) that brings
 * nothing for two intervals and a bit is taken as dropped: closed and retried as above, so the
 * snapshot is read again (or the 403 seen). That holds from the stream's first second: one cut
 * before its first heartbeat (a Wi-Fi switch right after the page loaded) would otherwise be
 * trusted for good while the wall stays frozen. Every request gives up after
 * `requestTimeoutMs`: on a dead connection the browser may wait for an answer for minutes.
 *
 * An `erasure` message (a visitor erased from the campaign) is the feed's own: it reads the
 * snapshot again, which no longer has them (the wall takes their tile off), and passes nothing on.
 */
import {
  screenEventSchema,
  screenHeartbeatSchema,
  wallSnapshotSchema,
  type ScreenEvent,
  type WallSnapshot,
} from '../../../shared/screen-api'
import type { z } from 'zod'
import { STREAM_HEARTBEAT_MS } from '../../../shared/console-api'

/** A stream message's data as JSON of `schema`'s shape, or null (not JSON, or another shape). */
function parseMessage<T>(schema: z.ZodType<T>, data: string): T | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(data)
  } catch {
    return null
  }
  const r = schema.safeParse(parsed)
  return r.success ? r.data : null
}

export type FeedState = 'connecting' | 'live' | 'offline' | 'forbidden'

/** What came with a snapshot besides its body. */
export interface SnapshotInfo {
  /** The relay's clock when it answered (its `Date`), or the screen's if it sent none. */
  relayNow: number
  /** The feed's first snapshot since `start()`: a page load, not a reconnect. */
  first: boolean
}

/** The stream's messages a screen is handed (an `erasure` becomes a snapshot read again). */
export type WallEvent = Exclude<ScreenEvent, { type: 'erasure' }>

export interface FeedHandlers {
  snapshot(s: WallSnapshot, info: SnapshotInfo): void
  event(e: WallEvent): void
  state(s: FeedState): void
}

export interface FeedOptions {
  campaignId: string
  key: string
  /** Where the relay is (the page's origin). */
  base?: string
  minBackoffMs?: number
  maxBackoffMs?: number
  forbiddenRetryMs?: number
  /** The relay's heartbeat interval until one of its heartbeats says (default 15 s). */
  heartbeatMs?: number
  /** Silence past two heartbeat intervals and this much means the stream is dead. */
  silenceSlackMs?: number
  /** How often the silence is looked at. */
  watchMs?: number
  /** How long a snapshot request may take. */
  requestTimeoutMs?: number
}

/**
 * A signal that aborts after `ms`, as `AbortSignal.timeout` would: that one is Chrome 103 /
 * Safari 16, above the pages' floor (docs/DEPLOY.md "11. Browsers for the console and the big
 * screens"), and without it every snapshot request threw and the wall stayed offline for good.
 */
function timeoutSignal(ms: number): AbortSignal {
  const controller = new AbortController()
  setTimeout(() => controller.abort(), ms)
  return controller.signal
}

export class ScreenFeed {
  private source: EventSource | null = null
  private timer: ReturnType<typeof setTimeout> | null = null
  private attempt = 0
  private stopped = false
  private generation = 0
  /** The relay's heartbeat interval, as its last heartbeat said (kept across streams). */
  private heartbeatEveryMs: number
  /** When the current stream last brought anything (or was opened). */
  private heardAt = 0
  private watch: ReturnType<typeof setInterval> | null = null
  /**
   * The relay refused the key (403): the screen says so until a snapshot is read again, also
   * while it checks (a new stream, a snapshot request), so the stale wall never flashes up.
   */
  private refused = false
  /** Whether a snapshot was handed on since `start()`. */
  private delivered = false
  /**
   * Snapshot reads asked for: only the newest one's answer is shown. Two erasures in a row ask
   * twice at once, and the older answer, landing last, would put an erased tile back.
   */
  private reads = 0

  constructor(
    private readonly opts: FeedOptions,
    private readonly on: FeedHandlers,
  ) {
    this.heartbeatEveryMs = opts.heartbeatMs ?? STREAM_HEARTBEAT_MS
  }

  private url(kind: 'wall' | 'events'): string {
    const id = encodeURIComponent(this.opts.campaignId)
    const key = encodeURIComponent(this.opts.key)
    return `${this.opts.base ?? ''}/screen/api/${id}/${kind}?key=${key}`
  }

  start(): void {
    this.stopped = false
    this.delivered = false
    this.connect()
    if (this.watch === null) {
      this.watch = setInterval(() => this.checkSilence(), this.opts.watchMs ?? 1000)
    }
  }

  stop(): void {
    this.stopped = true
    this.generation++
    this.source?.close()
    this.source = null
    if (this.timer !== null) clearTimeout(this.timer)
    if (this.watch !== null) clearInterval(this.watch)
    this.watch = null
  }

  /** A stream silent past two heartbeats is dead: close it and retry (a snapshot follows). */
  private checkSilence(): void {
    const every = this.heartbeatEveryMs
    if (this.stopped || this.source === null) return
    // Date.now, not a monotonic clock: a laptop's sleep counts as the silence it is.
    if (Date.now() - this.heardAt <= 2 * every + (this.opts.silenceSlackMs ?? 2000)) return
    this.source.close()
    this.source = null
    // A new generation: the given-up stream's snapshot still on its way (the link died while it
    // was read) must not say live, or be shown, while the screen has no stream.
    void this.retry(++this.generation)
  }

  private get(kind: 'wall'): Promise<Response> {
    return fetch(this.url(kind), {
      cache: 'no-store',
      signal: timeoutSignal(this.opts.requestTimeoutMs ?? 10_000),
    })
  }

  private connect(): void {
    if (this.stopped) return
    const gen = ++this.generation
    if (!this.refused) this.on.state(this.attempt === 0 ? 'connecting' : 'offline')
    const es = new EventSource(this.url('events'))
    this.source = es
    this.heardAt = Date.now()
    es.onopen = () => {
      if (gen !== this.generation) return
      this.heardAt = Date.now()
      void this.catchUp(gen)
    }
    // Named: a page that does not listen for it (older) never sees it.
    es.addEventListener('heartbeat', (m: MessageEvent<string>) => {
      if (gen !== this.generation) return
      this.heardAt = Date.now()
      const beat = parseMessage(screenHeartbeatSchema, m.data)
      if (beat !== null) this.heartbeatEveryMs = beat.everyMs
    })
    es.onmessage = (m: MessageEvent<string>) => {
      if (gen !== this.generation) return
      this.heardAt = Date.now()
      const e = parseMessage(screenEventSchema, m.data)
      if (e === null) return
      if (e.type === 'erasure') void this.catchUp(gen)
      else this.on.event(e)
    }
    es.onerror = () => {
      if (gen !== this.generation) return
      // Our own backoff, not EventSource's fixed retry: close and decide.
      es.close()
      this.source = null
      void this.retry(gen)
    }
  }

  private async catchUp(gen: number): Promise<void> {
    const read = ++this.reads
    try {
      const res = await this.get('wall')
      if (gen !== this.generation) return
      if (res.status === 403) return this.forbidden()
      if (!res.ok) throw new Error(`snapshot ${res.status}`)
      const s = wallSnapshotSchema.safeParse(await res.json())
      if (!s.success) throw new Error('bad snapshot')
      // A newer read is on its way: this answer may be from before an erasure it follows.
      if (read !== this.reads) return
      this.attempt = 0
      this.refused = false
      const first = !this.delivered
      this.delivered = true
      this.on.snapshot(s.data, { relayNow: relayClock(res), first })
      this.on.state('live')
    } catch {
      // A newer read answers for the stream (and retries itself if it fails).
      if (gen !== this.generation || read !== this.reads) return
      this.source?.close()
      this.source = null
      void this.retry(gen)
    }
  }

  private async retry(gen: number): Promise<void> {
    this.attempt++
    if (!this.refused) this.on.state('offline')
    // Was it the key? A 403 is final until the organizer hands out the new link.
    try {
      const res = await this.get('wall')
      if (gen !== this.generation) return
      if (res.status === 403) return this.forbidden()
    } catch {
      // The network is down: keep trying.
    }
    if (gen !== this.generation) return
    const min = this.opts.minBackoffMs ?? 500
    const max = this.opts.maxBackoffMs ?? 30_000
    const wait = Math.min(max, min * 2 ** Math.min(this.attempt - 1, 16))
    this.schedule(wait / 2 + Math.random() * (wait / 2))
  }

  private forbidden(): void {
    this.source?.close()
    this.source = null
    this.refused = true
    this.on.state('forbidden')
    this.schedule(this.opts.forbiddenRetryMs ?? 60_000)
  }

  private schedule(ms: number): void {
    if (this.stopped) return
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = null
      this.connect()
    }, ms)
  }
}

/** The relay's clock from an answer's `Date` (whole seconds), or the screen's without one. */
function relayClock(res: Response): number {
  const date = Date.parse(res.headers.get('date') ?? '')
  return Number.isFinite(date) ? date : Date.now()
}
