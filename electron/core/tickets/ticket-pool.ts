// Folder tickets/: the QR codes the screen shows. ticket-pool.ts (here) decides what is on screen
// and how many tickets are needed; ticket-supply.ts creates them through a ticket source
// (ticket-source.ts the interface; -direct to WeChat, -proxy through the relay; ticket-sources.ts
// builds the one settings ask for); ticket-repo.ts keeps them in SQLite; fallback-code.ts and
// fallback-source.ts hold the booth's permanent code for when no ticket can be had.
/**
 * The ticket pool: temporary QR_STR_SCENE tickets created ahead of need and kept in SQLite, so
 * a fresh code is on screen the moment the previous one is scanned, and the screen keeps
 * working through API outages and a spent daily quota. When even that runs out, the booth's
 * permanent fallback code goes up instead of a spinner. This module decides what is on screen
 * and how many tickets are needed; `TicketSupply` gets them. Time comes from `now`; `tick()`
 * is driven by the core's timer (or by tests).
 */
import type { Campaign, KioskStatus, ScreenTicket } from '../../../shared/domain'
import type { ConnectionCheck } from '../../../shared/ipc'
import type { FallbackCodeRow } from './fallback-code'
import { KioskError } from '../api/kiosk-error'
import { madeByLimit, type TicketRepo, type TicketRow } from './ticket-repo'
import type { TicketSource } from './ticket-source'
import { TicketSupply } from './ticket-supply'
import type { Logger } from '../../../shared/server/log'

export interface PoolSettings {
  target: number
  marginSeconds: number
  maxInFlight: number
}

export interface TicketPoolOptions {
  /** The tickets' table, shared with the attendance store (one owner, built by the core). */
  tickets: TicketRepo
  now: () => number
  random?: () => number
  settings: () => PoolSettings
  campaign: () => Campaign | null
  onTicket: (ticket: ScreenTicket | null) => void
  onStatus: () => void
  /** Longest pause between failed attempts. */
  maxBackoffMs?: number
  log?: Logger
  /** The booth's permanent code, shown in booth mode when no temporary code can be. */
  fallback?: () => FallbackCodeRow | null
  /** The fallback code went on screen (true) or came off it (false). */
  onFallbackShown?: (onScreen: boolean) => void
}

interface Shown {
  row: TicketRow
  rotateAt: number
  rosterEntry: { id: string; name: string } | null
}

type ApiStatus = KioskStatus['api']
type PoolStatus = KioskStatus['pool']

const WEEK_MS = 7 * 86_400_000
/**
 * Before any request has failed, a fresh code is likely moments away (first start, a burst of
 * scans): wait this long before the fallback code goes up instead.
 */
export const FALLBACK_GRACE_MS = 3000

/**
 * A relay rate-limit pause at least this long is told to staff (diagnostics); shorter ones are
 * the routine pacing of a burst of scans.
 */
export const NOTABLE_PAUSE_MS = 60_000

export class TicketPool {
  private readonly repo: TicketRepo
  private readonly supply: TicketSupply
  private hasSource = false
  private connectionId = ''
  private shown: Shown | null = null
  /** The fallback code is on screen (only ever while `shown` is null). */
  private fallbackOn: FallbackCodeRow | null = null
  /** Since when booth mode has had nothing to show (for FALLBACK_GRACE_MS). */
  private blankSince: number | null = null
  private lastPurge = 0
  private stopped = false

  constructor(private readonly o: TicketPoolOptions) {
    this.repo = o.tickets
    this.supply = new TicketSupply({
      tickets: o.tickets,
      now: o.now,
      random: o.random,
      maxBackoffMs: o.maxBackoffMs,
      onCreated: () => this.tick(),
      onStatus: o.onStatus,
      log: o.log,
    })
  }

  /** A new account or relay: forget the screen's code and use only tickets from this connection. */
  setSource(source: TicketSource | null, connectionId: string): void {
    this.supply.setSource(source, connectionId)
    this.hasSource = source !== null
    this.connectionId = connectionId
    this.blankSince = null
    this.show(null)
    this.tick()
  }

  current(): ScreenTicket | null {
    const s = this.shown
    const f = this.fallbackOn
    if (!s) {
      // Permanent: it never expires and never rotates; fresh codes replace it as they come.
      return f
        ? {
            id: `fallback-${f.createdAt}`,
            url: f.url,
            scene: f.scene,
            issuedAt: f.createdAt,
            expiresAt: Number.MAX_SAFE_INTEGER,
            rotateAt: Number.MAX_SAFE_INTEGER,
            rosterEntry: null,
            fallback: true,
          }
        : null
    }
    return {
      id: String(s.row.id),
      url: s.row.url,
      scene: s.row.scene,
      issuedAt: s.row.createdAt,
      expiresAt: s.row.expiresAt,
      rotateAt: s.rotateAt,
      rosterEntry: s.rosterEntry,
    }
  }

  /** Rotates on the timer, retires codes near expiry, tops the pool up. */
  tick(): void {
    if (this.stopped) return
    const now = this.o.now()
    const campaign = this.o.campaign()
    if (!campaign || !this.hasSource) {
      this.show(null)
      return
    }
    // A code made before the clock was set back has an expiry (and a rotation time) too late.
    if (this.shown && (now >= this.shown.rotateAt || this.shown.row.createdAt > madeByLimit(now)))
      this.rotate(campaign)
    else if (!this.shown && campaign.mode === 'booth') this.rotate(campaign)
    this.refill(campaign)
    if (now - this.lastPurge > 3_600_000) {
      this.lastPurge = now
      this.repo.purgeExpiredBefore(now - WEEK_MS)
    }
  }

  /** After a scan was committed: if it was the code on screen, the next visitor gets a new one. */
  scanned(scene: string): void {
    const campaign = this.o.campaign()
    if (!this.shown || this.shown.row.scene !== scene) return
    if (!campaign) this.show(null)
    else this.rotate(campaign)
    this.tick()
  }

  /** The active campaign changed (or its mode/timing did): move on to a fresh code now. */
  campaignChanged(): void {
    const campaign = this.o.campaign()
    if (campaign) this.rotate(campaign)
    else this.show(null)
    this.tick()
  }

  /**
   * The relay link was welcomed again: tickets held back by a failure to reach it are asked for
   * at the next `tick()`.
   */
  relayBack(): void {
    this.supply.relayBack()
  }

  /** Desk mode: a personal code for one registered visitor, taken from the pool. */
  showDesk(entry: { id: string; name: string }): ScreenTicket {
    const campaign = this.o.campaign()
    if (!campaign || !this.hasSource)
      throw new KioskError('no_ticket_source', 'no active campaign or ticket source')
    const w = this.window(campaign)
    const now = this.o.now()
    const row = this.repo.nextReady(
      this.connectionId,
      now + w.marginMs + w.minDisplayMs,
      madeByLimit(now),
    )
    if (!row) {
      this.tick()
      throw new KioskError('no_fresh_code', 'no fresh code available yet; try again in a moment')
    }
    this.present(row, campaign, entry)
    this.tick()
    const t = this.current()
    if (!t) throw new KioskError('internal', 'desk code vanished')
    return t
  }

  status(): PoolStatus {
    const campaign = this.o.campaign()
    const now = this.o.now()
    const w = campaign ? this.window(campaign) : { marginMs: 0, minDisplayMs: 0 }
    return {
      available: this.connectionId
        ? this.repo.countReady(
            this.connectionId,
            now + w.marginMs + w.minDisplayMs,
            madeByLimit(now),
          )
        : 0,
      target: this.o.settings().target,
      quotaExhausted: this.supply.quotaExhausted(now),
      createdToday: this.supply.createdToday(now),
    }
  }

  api(): ApiStatus {
    const source = this.supply.kind ?? 'proxy'
    const now = this.o.now()
    // The relay holding new codes back (not a fault, so the state stays): staff are told why.
    const pauseMs = this.supply.pauseLeftMs(now)
    const paused: ApiStatus['lastError'] = this.supply.budgetSpent(now)
      ? { code: 'ticket_budget', params: {} }
      : pauseMs >= NOTABLE_PAUSE_MS
        ? { code: 'rate_limited', params: { seconds: Math.ceil(pauseMs / 1000) } }
        : null
    const lastError = this.supply.lastError ? { ...this.supply.lastError } : paused
    if (this.supply.outcome === 'none') return { state: 'unknown', source, lastError }
    if (this.supply.outcome === 'ok' && !this.supply.quotaExhausted(now)) {
      return { state: 'ok', source, lastError: paused }
    }
    const serving = this.status().available > 0 || this.shown !== null || this.fallbackOn !== null
    return { state: serving ? 'degraded' : 'down', source, lastError }
  }

  /** Creates one ticket now (it joins the pool) and reports how that went. */
  probe(): Promise<ConnectionCheck> {
    return this.supply.probe(this.o.campaign()?.ticketLifetimeSeconds ?? 600)
  }

  /** Resolves when no ticket request is in flight (tests, shutdown). */
  whenIdle(): Promise<void> {
    return this.supply.whenIdle()
  }

  stop(): void {
    this.stopped = true
    this.supply.stop()
  }

  private window(campaign: Campaign): {
    marginMs: number
    minDisplayMs: number
    rotationMs: number
  } {
    const lifetimeMs = campaign.ticketLifetimeSeconds * 1000
    const rotationMs = campaign.rotationSeconds * 1000
    return {
      // Short-lived codes get a proportionally smaller margin, or none would ever qualify.
      marginMs: Math.min(this.o.settings().marginSeconds * 1000, lifetimeMs / 4),
      minDisplayMs: Math.min(rotationMs, 10_000),
      rotationMs,
    }
  }

  private rotate(campaign: Campaign): void {
    if (campaign.mode === 'desk') {
      this.show(null)
      return
    }
    const now = this.o.now()
    const w = this.window(campaign)
    const minExpiresAt = now + w.marginMs + w.minDisplayMs
    const fresh = this.repo.nextReady(this.connectionId, minExpiresAt, madeByLimit(now))
    if (fresh) return this.present(fresh, campaign, null)
    // Nothing fresh (outage, quota): keep a code up rather than go blank. A reused code still
    // records every scan; only the per-visitor uniqueness of the scene is lost meanwhile.
    const keep =
      this.shown && !this.shown.rosterEntry && this.trusted(this.shown.row, now, minExpiresAt)
        ? this.shown.row
        : this.repo.longestLivedUsed(this.connectionId, minExpiresAt, madeByLimit(now))
    if (keep) this.present(keep, campaign, null)
    else this.show(null, this.fallbackDue(now))
  }

  /** A code that lives until `minExpiresAt`, by an expiry stamped with the clock as it is now. */
  private trusted(row: TicketRow, now: number, minExpiresAt: number): boolean {
    return row.expiresAt >= minExpiresAt && row.createdAt <= madeByLimit(now)
  }

  /** The fallback code, once the pool cannot be expected to put up a fresh one soon. */
  private fallbackDue(now: number): FallbackCodeRow | null {
    const code = this.o.fallback?.() ?? null
    if (!code || this.fallbackOn) return code
    this.blankSince ??= now
    // Until an attempt fails (or the quota or budget is spent), fresh codes are on their way.
    const coming =
      this.supply.outcome !== 'error' &&
      !this.supply.quotaExhausted(now) &&
      !this.supply.budgetSpent(now)
    return !coming || now - this.blankSince >= FALLBACK_GRACE_MS ? code : null
  }

  private present(row: TicketRow, campaign: Campaign, rosterEntry: Shown['rosterEntry']): void {
    const now = this.o.now()
    const w = this.window(campaign)
    this.repo.markShown(row.id, now, campaign.id, rosterEntry?.id ?? null)
    this.show({
      row: { ...row, campaignId: campaign.id, rosterEntryId: rosterEntry?.id ?? null },
      rotateAt: Math.min(now + w.rotationMs, row.expiresAt - w.marginMs),
      rosterEntry,
    })
  }

  /** `fallback` is what goes up when `next` is null (booth mode with nothing else to show). */
  private show(next: Shown | null, fallback: FallbackCodeRow | null = null): void {
    const before = this.current()
    const wasFallback = this.fallbackOn !== null
    this.shown = next
    this.fallbackOn = next === null ? fallback : null
    if (next !== null) this.blankSince = null
    const after = this.current()
    if (before?.id !== after?.id || before?.rotateAt !== after?.rotateAt) {
      this.o.onTicket(after)
      this.o.onStatus()
    }
    if (wasFallback !== (this.fallbackOn !== null)) this.o.onFallbackShown?.(!wasFallback)
  }

  private refill(campaign: Campaign): void {
    const now = this.o.now()
    const { target, maxInFlight } = this.o.settings()
    const w = this.window(campaign)
    const ready = this.repo.countReady(
      this.connectionId,
      now + w.marginMs + w.minDisplayMs,
      madeByLimit(now),
    )
    const need = target - ready - this.supply.inFlightTickets
    if (need <= 0) return
    // A blank screen with nothing coming (first start, a drained pool): a request for one code
    // alone comes back soonest, so the screen does not wait for the whole batch.
    if (
      !this.shown &&
      ready === 0 &&
      this.supply.inFlightTickets === 0 &&
      campaign.mode === 'booth'
    )
      this.supply.request(1, campaign.ticketLifetimeSeconds, maxInFlight)
    this.supply.request(need, campaign.ticketLifetimeSeconds, maxInFlight)
  }
}
