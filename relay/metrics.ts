/**
 * Prometheus text exposition (format 0.0.4) for the relay. Counters live here; gauges that
 * the store knows (unacked per kiosk) are read at scrape time and passed to `render`.
 */

import type { UnroutedReason } from './store/types'

export type PushOutcome =
  | 'stored'
  | 'duplicate'
  | 'unrouted'
  | 'ignored'
  | 'bad_signature'
  | 'stale'
  | 'malformed'
  | 'too_large'
  | 'store_error'

/** Why `POST /api/tickets` was refused before any WeChat call. */
export type TicketRefusal =
  | 'unauthorized'
  | 'forbidden'
  | 'disabled'
  | 'bad_request'
  | 'too_large'
  | 'rate'
  | 'concurrency'
  | 'budget'

/**
 * A limit that turned something away or made it wait, for the operator's "is someone hammering
 * us, or is a venue locked out" question. A fixed set: no per-kiosk or per-address label.
 * `pair_*`/`screen_*`: POST /api/pair and the big screens answered 429, by the key that refused
 * (`address`: one IPv4 address or IPv6 /64; `block`: the IPv6 /48 holding it).
 * `console_sign_in_locked`: a console sign-in answered 429 `locked_out` (name, address or device).
 * `desk_bind_paced`: a desk bind past its kiosk's allowance, made to wait (never refused);
 * `desk_bind_unacked`: one left unacknowledged with MAX_BINDS_PACED already waiting.
 */
export type LimitHit =
  | 'pair_address'
  | 'pair_block'
  | 'screen_address'
  | 'screen_block'
  | 'console_sign_in_locked'
  | 'desk_bind_paced'
  | 'desk_bind_unacked'

/** The follow-up worker's WeChat calls: tagging (and the tag's look-up) and texts. */
export type FollowUpCall = 'tag' | 'message'

/**
 * How a failed follow-up call is handled: `no_token` (no access token: the relay's address off
 * the account's IP allow-list, a changed AppSecret: the operator's to fix), `retry` (WeChat
 * busy, out of quota, unreachable: tried again later), `permanent` (given up for those
 * visitors, listed in the console's follow-up report), `maybe_sent` (a text whose answer never
 * came: not sent again).
 */
export type FollowUpFailureClass = 'no_token' | 'retry' | 'permanent' | 'maybe_sent'

/**
 * A WeChat credential that can have a previous value beside the current one while it is changed
 * (docs/DEPLOY.md): the Token (signatures) and the EncodingAESKey (decryption).
 */
export type WechatCredential = 'token' | 'encoding_aes_key'

/** Delivery lag buckets, seconds: from a push being stored to the kiosk acknowledging it. */
const LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600]

export interface ScrapeState {
  connectedKiosks: number
  /** Big-screen event streams (walls, draw stages) open here. */
  screenStreams: number
  unacked: ReadonlyArray<readonly [kioskId: string, count: number]>
  /** null when the store could not be read. */
  unrouted: number | null
  /** Stored scans not yet in the console's attendance table; null when not read. */
  attendancePending: number | null
  /** Live kiosks here whose roster transfer (roster, then every stored binding) is unfinished. */
  rosterTransfersPending?: number
  /** Unfinished visitor erasures the store finished itself (Redis; SQLite has none). */
  erasuresResumed?: number
  /**
   * Follow-ups waiting (tags, texts), as the follow-up worker last read them; null or absent:
   * no count (no worker here, another instance holds its lease, or none read lately).
   */
  followUpWaiting?: {
    tag: number
    message: number
    /** How long the first waiting tag / text has been due, ms (0: none due). */
    tagOverdueMs: number
    messageOverdueMs: number
  } | null
}

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

export class RelayMetrics {
  private readonly pushes = new Map<PushOutcome, number>()
  private readonly unroutedByReason = new Map<UnroutedReason, number>()
  private readonly lagCounts = LAG_BUCKETS.map(() => 0)
  private lagSum = 0
  private lagCount = 0
  private refusedConnections = 0
  private storeErrors = 0
  /** From the latest `/healthz` check; 1 until one says otherwise. */
  private storeHealthy = true
  private ticketsIssued = 0
  private ticketErrors = 0
  private readonly ticketRefusals = new Map<TicketRefusal, number>()
  private expireClamped = 0
  private kioskConnects = 0
  private kioskDisconnects = 0
  private readonly limitHits = new Map<LimitHit, number>()
  private readonly followUpFailures = new Map<string, number>()
  private rosterSyncFailures = 0
  /** `{credential,used}` → pushes, for each credential with a previous value set. */
  private readonly credentialUses = new Map<string, number>()

  countPush(outcome: PushOutcome): void {
    this.pushes.set(outcome, (this.pushes.get(outcome) ?? 0) + 1)
  }

  pushCount(outcome: PushOutcome): number {
    return this.pushes.get(outcome) ?? 0
  }

  /** A push kept as unrouted (the first time: WeChat's retries of it are duplicates). */
  countUnrouted(reason: UnroutedReason): void {
    this.unroutedByReason.set(reason, (this.unroutedByReason.get(reason) ?? 0) + 1)
  }

  observeDeliveryLag(seconds: number): void {
    const s = Math.max(0, seconds)
    this.lagSum += s
    this.lagCount++
    LAG_BUCKETS.forEach((b, i) => {
      if (s <= b) this.lagCounts[i] = (this.lagCounts[i] ?? 0) + 1
    })
  }

  /** A store write failed: a push's (answered 503) or a health probe's. */
  countStoreError(): void {
    this.storeErrors++
  }

  setStoreHealthy(healthy: boolean): void {
    this.storeHealthy = healthy
  }

  /** A connection closed at once because the relay was at its connection cap. */
  countRefusedConnection(): void {
    this.refusedConnections++
  }

  countTickets(issued: number, failed: boolean): void {
    this.ticketsIssued += issued
    if (failed) this.ticketErrors++
  }

  countTicketRefusal(reason: TicketRefusal): void {
    this.ticketRefusals.set(reason, (this.ticketRefusals.get(reason) ?? 0) + 1)
  }

  ticketRefusalCount(reason: TicketRefusal): number {
    return this.ticketRefusals.get(reason) ?? 0
  }

  countExpireClamped(): void {
    this.expireClamped++
  }

  /** A kiosk said hello and its link went live here. */
  countKioskConnect(): void {
    this.kioskConnects++
  }

  /** A live kiosk link here ended (for any reason: network, replaced, revoked, shutdown). */
  countKioskDisconnect(): void {
    this.kioskDisconnects++
  }

  /** Told of every limit hit as it is counted (the relay's log, once a minute each). */
  onLimitHit: (limit: LimitHit) => void = () => {}

  countLimitHit(limit: LimitHit): void {
    this.limitHits.set(limit, (this.limitHits.get(limit) ?? 0) + 1)
    this.onLimitHit(limit)
  }

  limitHitCount(limit: LimitHit): number {
    return this.limitHits.get(limit) ?? 0
  }

  countFollowUpFailure(call: FollowUpCall, failure: FollowUpFailureClass): void {
    const key = `{call="${call}",class="${failure}"}`
    this.followUpFailures.set(key, (this.followUpFailures.get(key) ?? 0) + 1)
  }

  /**
   * A previous value of `credential` is set: which value verifies each push is counted from
   * here on, both from 0 (so `increase()` sees the first). Only then: none set, none shown.
   */
  watchCredential(credential: WechatCredential): void {
    for (const used of ['current', 'previous'] as const) {
      const key = credentialKey(credential, used)
      if (!this.credentialUses.has(key)) this.credentialUses.set(key, 0)
    }
  }

  /** A push verified by the current or the previous value of a watched credential. */
  countCredentialUse(credential: WechatCredential, used: 'current' | 'previous'): void {
    const key = credentialKey(credential, used)
    const n = this.credentialUses.get(key)
    if (n !== undefined) this.credentialUses.set(key, n + 1)
  }

  credentialUseCount(credential: WechatCredential, used: 'current' | 'previous'): number {
    return this.credentialUses.get(credentialKey(credential, used)) ?? 0
  }

  /** A store read of a roster transfer failed (it is tried again while the link is up). */
  countRosterSyncFailure(): void {
    this.rosterSyncFailures++
  }

  render(state: ScrapeState): string {
    const waiting = state.followUpWaiting ?? null
    const lines = [
      ...family('pushes_total', 'counter', 'WeChat pushes received, by outcome.', [
        ...[...this.pushes].sort().map(([o, n]): Sample => [`{outcome="${o}"}`, n]),
      ]),
      ...family('delivery_lag_seconds', 'histogram', 'From storing a push to its kiosk ack.', [
        ...LAG_BUCKETS.map((b, i): Sample => [`_bucket{le="${b}"}`, this.lagCounts[i] ?? 0]),
        ['_bucket{le="+Inf"}', this.lagCount],
        ['_sum', this.lagSum],
        ['_count', this.lagCount],
      ]),
      ...family('unacked_events', 'gauge', 'Stored events a kiosk has not acknowledged.', [
        ...state.unacked.map(([k, n]): Sample => [`{kiosk="${label(k)}"}`, n]),
      ]),
      ...family('connected_kiosks', 'gauge', 'Kiosks with a live websocket here.', [
        ['', state.connectedKiosks],
      ]),
      ...family('screen_streams', 'gauge', 'Big-screen event streams open here.', [
        ['', state.screenStreams],
      ]),
      ...family('unrouted_events', 'gauge', 'Stored events no kiosk owns.', [
        ...(state.unrouted === null ? [] : [['', state.unrouted] satisfies Sample]),
      ]),
      ...family(
        'attendance_pending_rows',
        'gauge',
        "Stored scans not yet in the console's attendance (SQLite builds them after the push).",
        [
          ...(state.attendancePending === null
            ? []
            : [['', state.attendancePending] satisfies Sample]),
        ],
      ),
      ...family('unrouted_total', 'counter', 'Pushes kept as unrouted here, by reason.', [
        ...[...this.unroutedByReason].sort().map(([r, n]): Sample => [`{reason="${r}"}`, n]),
      ]),
      ...family('store_errors_total', 'counter', 'Failed store writes: pushes, probes.', [
        ['', this.storeErrors],
      ]),
      ...family(
        'store_healthy',
        'gauge',
        'Whether the store takes writes: the last /healthz, or a push write since.',
        [['', this.storeHealthy ? 1 : 0]],
      ),
      ...family('connections_refused_total', 'counter', 'Connections refused at the cap.', [
        ['', this.refusedConnections],
      ]),
      ...family('tickets_issued_total', 'counter', 'Tickets created through the proxy.', [
        ['', this.ticketsIssued],
      ]),
      ...family('ticket_errors_total', 'counter', 'Ticket proxy requests that failed.', [
        ['', this.ticketErrors],
      ]),
      ...family('ticket_refusals_total', 'counter', 'Ticket proxy requests refused, by reason.', [
        ...[...this.ticketRefusals].sort().map(([r, n]): Sample => [`{reason="${r}"}`, n]),
      ]),
      ...family(
        'ticket_expire_clamped_total',
        'counter',
        'Ticket requests whose expireSeconds was cut to maxTicketExpireSeconds.',
        [['', this.expireClamped]],
      ),
      ...family('kiosk_connects_total', 'counter', 'Kiosk links gone live here (hello).', [
        ['', this.kioskConnects],
      ]),
      ...family('kiosk_disconnects_total', 'counter', 'Live kiosk links ended here.', [
        ['', this.kioskDisconnects],
      ]),
      ...family(
        'limit_hits_total',
        'counter',
        'Requests a limit turned away or made wait, by limit.',
        [...[...this.limitHits].sort().map(([l, n]): Sample => [`{limit="${l}"}`, n])],
      ),
      ...family(
        'follow_up_failures_total',
        'counter',
        "Follow-up WeChat calls that failed, by call and how they're handled.",
        [...[...this.followUpFailures].sort()],
      ),
      ...family(
        'follow_up_waiting',
        'gauge',
        'Visitors waiting for their tag or follow-up text, on the instance doing that work.',
        waiting === null
          ? []
          : [
              ['{what="message"}', waiting.message],
              ['{what="tag"}', waiting.tag],
            ],
      ),
      ...family(
        'follow_up_overdue_seconds',
        'gauge',
        'How long the first waiting tag or follow-up text has been due (0: none due), on the instance doing that work.',
        waiting === null
          ? []
          : [
              ['{what="message"}', waiting.messageOverdueMs / 1000],
              ['{what="tag"}', waiting.tagOverdueMs / 1000],
            ],
      ),
      ...family(
        'roster_transfers_pending',
        'gauge',
        'Live kiosks here whose roster transfer has not finished.',
        [['', state.rosterTransfersPending ?? 0]],
      ),
      ...family(
        'erasures_resumed_total',
        'counter',
        'Unfinished visitor erasures the store finished itself (Redis).',
        [['', state.erasuresResumed ?? 0]],
      ),
      ...family(
        'push_credentials_total',
        'counter',
        'Verified pushes by WeChat credential and which value verified them, while a previous one is set.',
        [...[...this.credentialUses].sort()],
      ),
      ...family(
        'roster_sync_failures_total',
        'counter',
        'Failed store reads of roster transfers (retried while the link is up).',
        [['', this.rosterSyncFailures]],
      ),
    ]
    return lines.join('\n') + '\n'
  }
}

const credentialKey = (credential: WechatCredential, used: 'current' | 'previous'): string =>
  `{credential="${credential}",used="${used}"}`

/** A name suffix and/or labels, and the value. */
type Sample = [suffix: string, value: number]

function family(name: string, type: string, help: string, samples: Sample[]): string[] {
  const full = `scandesk_relay_${name}`
  return [
    `# HELP ${full} ${help}`,
    `# TYPE ${full} ${type}`,
    ...samples.map(([suffix, value]) => `${full}${suffix} ${value}`),
  ]
}
