/**
 * A big screen's connection to the relay: an EventSource on `/screen/api/<id>/events`, and on
 * every (re)open a fresh snapshot (`/screen/api/<id>/wall`), so whatever was missed while the
 * stream was down is caught up (the wall de-duplicates by number). A dropped stream is retried
 * with exponential backoff and jitter (0.5 s doubling to 30 s); a 403 (the key was rotated)
 * says so and keeps checking slowly. Every message is validated; a bad one is skipped.
 */
import {
  screenEventSchema,
  wallSnapshotSchema,
  type ScreenEvent,
  type WallSnapshot,
} from '../../../shared/screen-api'

export type FeedState = 'connecting' | 'live' | 'offline' | 'forbidden'

export interface FeedHandlers {
  snapshot(s: WallSnapshot): void
  event(e: ScreenEvent): void
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
}

export class ScreenFeed {
  private source: EventSource | null = null
  private timer: ReturnType<typeof setTimeout> | null = null
  private attempt = 0
  private stopped = false
  private generation = 0

  constructor(
    private readonly opts: FeedOptions,
    private readonly on: FeedHandlers,
  ) {}

  private url(kind: 'wall' | 'events'): string {
    const id = encodeURIComponent(this.opts.campaignId)
    const key = encodeURIComponent(this.opts.key)
    return `${this.opts.base ?? ''}/screen/api/${id}/${kind}?key=${key}`
  }

  start(): void {
    this.stopped = false
    this.connect()
  }

  stop(): void {
    this.stopped = true
    this.generation++
    this.source?.close()
    this.source = null
    if (this.timer !== null) clearTimeout(this.timer)
  }

  private connect(): void {
    if (this.stopped) return
    const gen = ++this.generation
    this.on.state(this.attempt === 0 ? 'connecting' : 'offline')
    const es = new EventSource(this.url('events'))
    this.source = es
    es.onopen = () => {
      if (gen === this.generation) void this.catchUp(gen)
    }
    es.onmessage = (m: MessageEvent<string>) => {
      if (gen !== this.generation) return
      let parsed: unknown
      try {
        parsed = JSON.parse(m.data)
      } catch {
        return
      }
      const e = screenEventSchema.safeParse(parsed)
      if (e.success) this.on.event(e.data)
    }
    es.onerror = () => {
      if (gen !== this.generation) return
      // Our own backoff, not EventSource's fixed retry: close and decide.
      es.close()
      void this.retry(gen)
    }
  }

  private async catchUp(gen: number): Promise<void> {
    try {
      const res = await fetch(this.url('wall'), { cache: 'no-store' })
      if (gen !== this.generation) return
      if (res.status === 403) return this.forbidden()
      if (!res.ok) throw new Error(`snapshot ${res.status}`)
      const s = wallSnapshotSchema.safeParse(await res.json())
      if (!s.success) throw new Error('bad snapshot')
      this.attempt = 0
      this.on.snapshot(s.data)
      this.on.state('live')
    } catch {
      if (gen !== this.generation) return
      this.source?.close()
      void this.retry(gen)
    }
  }

  private async retry(gen: number): Promise<void> {
    this.attempt++
    this.on.state('offline')
    // Was it the key? A 403 is final until the organizer hands out the new link.
    try {
      const res = await fetch(this.url('wall'), { cache: 'no-store' })
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
