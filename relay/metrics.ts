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

  render(state: ScrapeState): string {
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
    ]
    return lines.join('\n') + '\n'
  }
}

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
