/**
 * The booth's permanent fallback code in the kiosk database: fetched once per connection (at
 * setup, or on the first start without one, retried with backoff while the relay or WeChat
 * cannot be reached), then kept. Its QR is drawn locally, so showing it needs no network.
 * The `fallback_codes` table's one owner, statements prepared once.
 */
import type { Statement } from 'better-sqlite3'
import type { FallbackCodeStatus } from '../../../shared/ipc'
import type { KioskDb } from '../db/db'
import type { FallbackSource } from './fallback-source'
import { sourceErrorBody, TicketSourceError } from './ticket-source'
import { failureBackoffMs, waitEndsWithRelay, waiting } from './ticket-supply'
import type { ErrorBody } from '../../../shared/errors'

export interface FallbackCodeRow {
  scene: string
  ticket: string
  url: string
  createdAt: number
  lastShownAt: number | null
}

export interface FallbackCodesOptions {
  db: KioskDb
  now: () => number
  random?: () => number
  /** Longest pause between failed attempts. */
  maxBackoffMs?: number
  /** The code has just been stored (the pool may put it on screen). */
  onReady: () => void
}

export class FallbackCodes {
  private source: FallbackSource | null = null
  private connectionId = ''
  /** This connection's stored code; read once per connection, then kept in step here. */
  private row: FallbackCodeRow | null = null
  private onScreen = false
  private pending: Promise<void> | null = null
  private failures = 0
  private nextAttemptAt = 0
  /** How long the backoff ending at `nextAttemptAt` was. */
  private backoffMs = 0
  private lastError: ErrorBody | null = null
  private stopped = false
  private readonly q: {
    read: Statement<[string], FallbackCodeRow>
    insert: Statement<[string, string, string, string, number]>
    shown: Statement<[number, string]>
  }

  constructor(private readonly o: FallbackCodesOptions) {
    this.q = {
      read: o.db.prepare(
        `SELECT scene, ticket, url, created_at AS createdAt, last_shown_at AS lastShownAt
         FROM fallback_codes WHERE connection_id = ?`,
      ),
      insert: o.db.prepare(
        `INSERT INTO fallback_codes (connection_id, scene, ticket, url, created_at)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (connection_id) DO NOTHING`,
      ),
      shown: o.db.prepare('UPDATE fallback_codes SET last_shown_at = ? WHERE connection_id = ?'),
    }
  }

  setSource(source: FallbackSource | null, connectionId: string): void {
    this.source = source
    this.connectionId = connectionId
    this.row = this.read(connectionId)
    this.onScreen = false
    this.failures = 0
    this.nextAttemptAt = 0
    this.lastError = null
    this.ensure()
  }

  /** The code to show when the pool is empty, or null while there is none yet. */
  code(): FallbackCodeRow | null {
    return this.source === null ? null : this.row
  }

  /** Asks for the code when this connection has none, unless a request is out or backing off. */
  ensure(): void {
    const source = this.source
    if (this.stopped || source === null || this.row !== null || this.pending !== null) return
    if (waiting(this.o.now(), this.nextAttemptAt, this.backoffMs)) return
    const connectionId = this.connectionId
    this.pending = source
      .create()
      .then(
        (code) => this.stored(connectionId, code),
        (err: unknown) => this.failed(connectionId, err),
      )
      .catch((err: unknown) => this.failed(connectionId, err))
      .finally(() => {
        this.pending = null
      })
  }

  /**
   * The relay answers this kiosk again (its link is welcomed): a backoff after failing to reach
   * it ends now, so a code still missing is asked for at the next `ensure()` instead of up to a
   * minute later. The count of failures stays, as in the ticket supply's `relayBack`.
   */
  relayBack(): void {
    if (waitEndsWithRelay(this.source, this.lastError)) this.nextAttemptAt = 0
  }

  /** The pool put the code on screen (true) or took it off (false). */
  shown(onScreen: boolean): void {
    if (this.row === null || onScreen === this.onScreen) return
    this.onScreen = onScreen
    // Stamped when it goes up and again when it comes down: "last shown" covers the whole spell.
    const at = this.o.now()
    this.q.shown.run(at, this.connectionId)
    this.row = { ...this.row, lastShownAt: at }
  }

  status(): FallbackCodeStatus {
    const r = this.code()
    return {
      state: r !== null ? 'ready' : this.source === null ? 'off' : 'pending',
      scene: r?.scene ?? null,
      url: r?.url ?? null,
      createdAt: r?.createdAt ?? null,
      lastShownAt: r?.lastShownAt ?? null,
      onScreen: r !== null && this.onScreen,
      lastError: r === null ? this.lastError : null,
    }
  }

  async whenIdle(): Promise<void> {
    await this.pending
  }

  stop(): void {
    this.stopped = true
  }

  private read(connectionId: string): FallbackCodeRow | null {
    return this.q.read.get(connectionId) ?? null
  }

  private stored(connectionId: string, code: { scene: string; ticket: string; url: string }): void {
    if (this.stopped) return
    const at = this.o.now()
    this.q.insert.run(connectionId, code.scene, code.ticket, code.url, at)
    if (connectionId !== this.connectionId) return
    this.row = this.read(connectionId)
    this.failures = 0
    this.lastError = null
    this.o.onReady()
  }

  private failed(connectionId: string, err: unknown): void {
    if (this.stopped || connectionId !== this.connectionId) return
    this.lastError = sourceErrorBody(err)
    this.failures++
    // The relay's 429 (its per-kiosk creation limit) or 503 `fallback_busy` (another instance
    // is creating it) says how long: asking sooner is refused.
    const relayWait = err instanceof TicketSourceError ? err.retryAfterMs : undefined
    this.backoffMs = failureBackoffMs(this.failures, this.o, relayWait)
    this.nextAttemptAt = this.o.now() + this.backoffMs
  }
}
