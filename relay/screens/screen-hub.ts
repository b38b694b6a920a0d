/**
 * The big screens' live side: snapshots (`GET /screen/api/<id>/wall`) and server-sent events
 * (`GET /screen/api/<id>/events`, screenEventSchema). A visitor's first scan in a campaign (the
 * change feed's stored event with `firstInCampaign`, from any instance) becomes one check-in
 * {number, name, at}; check-ins are batched per campaign, at most one `checkins` message per
 * `batchMs` (the first after a quiet spell at once). A client whose socket is full keeps only the newest check-ins owed (the wall shows
 * the newest anyway) and the count, sent on 'drain'. Streams whose key no longer opens the
 * campaign (rotated, campaign gone) are ended on the change, and by a periodic re-check that
 * also covers a missed feed. A binding made after a check-in (a desk) sends that check-in again,
 * named; a visitor erased from the campaign sends an `erasure` (nothing of who), on which a screen
 * reads its snapshot again (check-ins named before it and not sent yet are not sent after it). Nothing sent carries an openid: the name is the roster name or null. Every stream also
 * gets a named `heartbeat` message (screenHeartbeatSchema) every `heartbeatMs`, none at once: it
 * keeps proxies from timing the stream out and lets a screen see its stream gone silent (a
 * connection dead without a TCP reset; EventSource hides comments, which is all it had before).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { STREAM_HEARTBEAT_MS } from '../../shared/console-api'
import {
  SCREEN_RECENT_CHECKINS,
  type ScreenCheckin,
  type ScreenDraw,
  type ScreenEvent,
  type WallSnapshot,
} from '../../shared/screen-api'
import type { CampaignDirectory } from '../campaign-directory'
import { exemptFromIdleTimeout } from '../connection-limits'
import { heartbeatMessage, sendApiError, sendEvent } from '../http-util'
import type { CampaignRecord } from '../store/campaign-types'
import type { RelayStore, StoreChange } from '../store/types'
import type { DrawFeed } from './draw-source'
import type { NameBook } from './name-book'
import { keyMatches, type ScreenAccess } from './screen-access'

export interface ScreenHubOptions {
  store: Pick<RelayStore, 'subscribe' | 'campaigns' | 'readEvents'>
  directory: Pick<CampaignDirectory, 'assignmentOf'>
  access: ScreenAccess
  /** The relay's one book of roster names (it follows the change feed itself). */
  names: Pick<NameBook, 'nameOf' | 'hold'>
  draws?: DrawFeed
  now: () => number
  /** Open streams per campaign, and in all (each holds a socket); more get 503. */
  maxClientsPerCampaign?: number
  maxClients?: number
  /** Check-ins gathered this long go out as one message. */
  batchMs?: number
  /** How often open streams' keys are checked against the store. */
  keyCheckMs?: number
  /** How often every open stream gets a named `heartbeat` message (default 15 s). */
  heartbeatMs?: number
  /** Check-ins a snapshot carries (and a full client is owed at most). */
  recentLimit?: number
  /** How long a snapshot is reused for other screens of the campaign. */
  snapshotMs?: number
}

interface Client {
  res: ServerResponse
  campaignId: string
  key: string
  name: string
  owedCheckins: ScreenCheckin[]
  owedCount: number
  owedDraw: ScreenDraw | null
  /** A visitor was erased since the last message could be written: re-read the snapshot. */
  owedErasure: boolean
}

interface Pending {
  checkins: ScreenCheckin[]
  timer: NodeJS.Timeout
}

export const SCREEN_LIMITS = {
  maxClientsPerCampaign: 20,
  maxClients: 200,
  batchMs: 100,
  keyCheckMs: 2000,
  // As many as a wall shows (console/src/screen/wall-state.ts `WALL_TILES`): never fewer.
  recentLimit: SCREEN_RECENT_CHECKINS,
  snapshotMs: 500,
}

/** Campaigns whose last erasure the hub remembers (older ones count as just now: see erasedSince). */
const ERASURES_KEPT = 1000

export class ScreenHub {
  private readonly clients = new Map<string, Set<Client>>()
  /** Per campaign with a screen open: releases its hold on the campaign's names. */
  private readonly holds = new Map<string, () => void>()
  private readonly pending = new Map<string, Pending>()
  /** The highest number seen per campaign: a batch's count never goes back. */
  private readonly counts = new Map<string, number>()
  private readonly lastFlush = new Map<string, number>()
  private readonly snapshots = new Map<string, { at: number; read: Promise<WallSnapshot> }>()
  private readonly unsubscribe: Array<() => void> = []
  private readonly timers: NodeJS.Timeout[] = []
  /** Erasures seen, numbered; per campaign, the number of its last one (the newest ERASURES_KEPT). */
  private erasureSeq = 0
  private readonly erasedAt = new Map<string, number>()
  /** The number of the newest erasure no longer in `erasedAt`. */
  private erasuresForgotten = 0
  private readonly limits: typeof SCREEN_LIMITS
  private total = 0
  private closed = false

  constructor(private readonly opts: ScreenHubOptions) {
    this.limits = {
      maxClientsPerCampaign: opts.maxClientsPerCampaign ?? SCREEN_LIMITS.maxClientsPerCampaign,
      maxClients: opts.maxClients ?? SCREEN_LIMITS.maxClients,
      batchMs: opts.batchMs ?? SCREEN_LIMITS.batchMs,
      keyCheckMs: opts.keyCheckMs ?? SCREEN_LIMITS.keyCheckMs,
      recentLimit: opts.recentLimit ?? SCREEN_LIMITS.recentLimit,
      snapshotMs: opts.snapshotMs ?? SCREEN_LIMITS.snapshotMs,
    }
    this.unsubscribe.push(opts.store.subscribe((c) => this.onChange(c)))
    if (opts.draws) this.unsubscribe.push(opts.draws.subscribe((id, d) => this.onDraw(id, d)))
    const heartbeatMs = opts.heartbeatMs ?? STREAM_HEARTBEAT_MS
    const heartbeat = setInterval(() => {
      // Named, so a page that does not know it (its listener is the unnamed one) never sees it.
      const text = heartbeatMessage(opts.now(), heartbeatMs)
      for (const set of this.clients.values()) {
        for (const c of set) if (!c.res.writableNeedDrain) sendEvent(c.res, text)
      }
    }, heartbeatMs)
    const keyCheck = setInterval(() => {
      for (const id of this.clients.keys()) {
        opts.access.forget(id)
        void this.recheck(id)
      }
    }, this.limits.keyCheckMs)
    heartbeat.unref()
    keyCheck.unref()
    this.timers.push(heartbeat, keyCheck)
  }

  get clientCount(): number {
    return this.total
  }

  /** What a screen shows when it (re)connects; shared for `snapshotMs` by a campaign's screens. */
  snapshot(record: CampaignRecord): Promise<WallSnapshot> {
    const id = record.campaign.id
    const hit = this.snapshots.get(id)
    if (hit !== undefined && this.opts.now() - hit.at < this.limits.snapshotMs) return hit.read
    // Stale ones go now: kept, every campaign ever shown would keep its snapshot for good.
    for (const [other, old] of this.snapshots) {
      if (this.opts.now() - old.at >= this.limits.snapshotMs) this.dropSnapshot(other)
    }
    const read = this.readSnapshot(record)
    const entry = { at: this.opts.now(), read }
    this.snapshots.set(id, entry)
    read.catch(() => {
      if (this.snapshots.get(id) === entry) this.dropSnapshot(id)
    })
    return read
  }

  private dropSnapshot(campaignId: string): void {
    this.snapshots.delete(campaignId)
    this.forgetIfIdle(campaignId)
  }

  /**
   * The campaign's count and last batch time go once nothing needs them: no screen open, no
   * batch waiting, no fresh snapshot (a screen that read one opens its stream next).
   */
  private forgetIfIdle(campaignId: string): void {
    if (this.clients.has(campaignId) || this.pending.has(campaignId)) return
    if (this.snapshots.has(campaignId)) return
    this.counts.delete(campaignId)
    this.lastFlush.delete(campaignId)
    this.opts.draws?.forget(campaignId)
  }

  /**
   * A read that an erasure of the campaign overtook is read again: it may carry the visitor, and
   * a screen that read it before opening its stream is never told of the erasure.
   */
  private async readSnapshot(record: CampaignRecord): Promise<WallSnapshot> {
    for (;;) {
      const seen = this.erasureSeq
      const snapshot = await this.readSnapshotOnce(record)
      if (!this.erasedSince(record.campaign.id, seen)) return snapshot
    }
  }

  private async readSnapshotOnce(record: CampaignRecord): Promise<WallSnapshot> {
    const id = record.campaign.id
    const { campaigns } = this.opts.store
    const [count, rows, draw] = await Promise.all([
      campaigns.checkinCount(id),
      campaigns.recentCheckins(id, this.limits.recentLimit),
      this.opts.draws?.latest(id) ?? Promise.resolve(null),
    ])
    const recent = await Promise.all(
      rows.map(async (r) => ({
        number: r.number,
        name: await this.opts.names.nameOf(id, r.openid),
        at: r.at,
      })),
    )
    // Kept only while something needs it (a snapshot dropped meanwhile, no screen: nothing).
    if (this.clients.has(id) || this.snapshots.has(id)) {
      this.counts.set(id, Math.max(this.counts.get(id) ?? 0, count))
    }
    return { campaign: { id, name: record.campaign.name }, count, recent, draw }
  }

  /** Opens an event stream for a screen whose key was checked (`record`). */
  handle(req: IncomingMessage, res: ServerResponse, record: CampaignRecord, key: string): void {
    const id = record.campaign.id
    const set = this.clients.get(id) ?? new Set<Client>()
    if (
      this.closed ||
      this.total >= this.limits.maxClients ||
      set.size >= this.limits.maxClientsPerCampaign
    ) {
      res.setHeader('Retry-After', '5')
      sendApiError(res, 503, 'unavailable', 'too many screens open')
      return
    }
    // Gone while the key was read: its 'close' has passed and would never drop it.
    if (res.destroyed) return
    exemptFromIdleTimeout(req.socket)
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'X-Accel-Buffering': 'no',
    })
    res.flushHeaders()
    const c: Client = {
      res,
      campaignId: id,
      key,
      name: record.campaign.name,
      owedCheckins: [],
      owedCount: 0,
      owedDraw: null,
      owedErasure: false,
    }
    // The campaign's snapshot went before its first stream opened, and with it (forgetIfIdle)
    // the draw feed's interest in it: taken up again, so a resync re-reads it for this screen.
    if (set.size === 0 && !this.snapshots.has(id)) {
      this.opts.draws?.latest(id).catch(() => undefined)
    }
    set.add(c)
    if (!this.holds.has(id)) this.holds.set(id, this.opts.names.hold(id))
    this.clients.set(id, set)
    this.total++
    res.write('retry: 3000\n\n')
    res.on('drain', () => this.payDebt(c))
    res.once('close', () => this.drop(c))
  }

  private drop(c: Client): void {
    const set = this.clients.get(c.campaignId)
    if (set?.delete(c) !== true) return
    this.total--
    if (set.size === 0) {
      this.clients.delete(c.campaignId)
      this.forgetIfIdle(c.campaignId)
      this.holds.get(c.campaignId)?.()
      this.holds.delete(c.campaignId)
    }
  }

  private onChange(change: StoreChange): void {
    switch (change.type) {
      case 'event':
        if (this.total > 0) void this.onEvent(change)
        return
      case 'campaign':
        if (change.kioskId !== undefined) return
        this.opts.access.forget(change.campaignId)
        if (change.campaignId !== null) void this.recheck(change.campaignId)
        return
      case 'binding':
        if (this.clients.has(change.campaignId))
          void this.onBinding(change.campaignId, change.openid)
        return
      case 'erasure':
        this.noteErasure(change.campaignId)
        // Shared or not (no stream open yet), the next read is a new one.
        this.dropSnapshot(change.campaignId)
        if (this.clients.has(change.campaignId)) this.onErasure(change.campaignId)
        return
      case 'resync':
        this.opts.access.forget(null)
        for (const id of this.clients.keys()) void this.recheck(id)
        return
      default:
        return
    }
  }

  private async onEvent(change: Extract<StoreChange, { type: 'event' }>): Promise<void> {
    const { kioskId, seq } = change
    const seen = this.erasureSeq
    try {
      // A polled change carries no event: read it back.
      const event = change.event ?? (await this.opts.store.readEvents(kioskId, seq - 1, 1))[0]
      if (event?.firstInCampaign !== true || event.number === undefined) return
      // The campaign the number counts in, which the booth may have left since; a polled change
      // does not say, so the booth's campaign now.
      const campaignId =
        change.campaignId ?? (await this.opts.directory.assignmentOf(kioskId)).campaignId
      if (campaignId === null || !this.clients.has(campaignId)) return
      const name = await this.opts.names.nameOf(campaignId, event.openid)
      // Named before an erasure (maybe this visitor's): the screens read a snapshot after it,
      // which has this check-in if it stays, named as it is now.
      if (this.erasedSince(campaignId, seen)) return
      this.queue(campaignId, { number: event.number, name, at: event.receivedAt })
    } catch {
      // A screen that misses a check-in gets it with its next snapshot (on reconnect).
    }
  }

  /**
   * A desk binds a visitor after their check-in (the scan of their personal code came first):
   * a tile still on the screens is sent again, named. Only the newest `recentLimit` can be:
   * numbers are taken 1, 2, 3… once each, so those are the numbers above the count less
   * `recentLimit` (the visitor's own number and the count are read, not every check-in of the
   * campaign).
   */
  private async onBinding(campaignId: string, openid: string): Promise<void> {
    const seen = this.erasureSeq
    try {
      const { campaigns } = this.opts.store
      const [row, count] = await Promise.all([
        campaigns.checkinOf(campaignId, openid),
        campaigns.checkinCount(campaignId),
      ])
      if (row === null || row.number <= count - this.limits.recentLimit) return
      if (!this.clients.has(campaignId)) return
      const name = await this.opts.names.nameOf(campaignId, openid)
      if (this.erasedSince(campaignId, seen)) return // the snapshot read after it names them
      if (name !== null) this.queue(campaignId, { number: row.number, name, at: row.at })
    } catch {
      // The next snapshot (on reconnect) carries the name.
    }
  }

  private queue(campaignId: string, checkin: ScreenCheckin): void {
    this.counts.set(campaignId, Math.max(this.counts.get(campaignId) ?? 0, checkin.number))
    const p = this.pending.get(campaignId)
    if (p !== undefined) {
      p.checkins.push(checkin)
      return
    }
    // At most one message per `batchMs`: the first after a quiet spell goes at once (with what
    // came in the same turn), the rest wait for the interval's end.
    const wait = (this.lastFlush.get(campaignId) ?? 0) + this.limits.batchMs - this.opts.now()
    const timer = setTimeout(() => this.flush(campaignId), Math.max(0, wait))
    this.pending.set(campaignId, { checkins: [checkin], timer })
  }

  private flush(campaignId: string): void {
    const p = this.pending.get(campaignId)
    this.pending.delete(campaignId)
    if (p === undefined) return
    this.lastFlush.set(campaignId, this.opts.now())
    const checkins = p.checkins.sort((a, b) => a.number - b.number)
    const count = this.counts.get(campaignId) ?? 0
    for (const c of this.clients.get(campaignId) ?? []) {
      c.owedCheckins = c.owedCheckins.concat(checkins).slice(-this.limits.recentLimit)
      c.owedCount = Math.max(c.owedCount, count)
      if (!c.res.writableNeedDrain) this.payDebt(c)
    }
    this.forgetIfIdle(campaignId)
  }

  private onDraw(campaignId: string, draw: ScreenDraw): void {
    this.dropSnapshot(campaignId)
    for (const c of this.clients.get(campaignId) ?? []) {
      c.owedDraw = draw
      if (!c.res.writableNeedDrain) this.payDebt(c)
    }
  }

  /**
   * A visitor erased from the campaign (the organizer, at their request) is in no snapshot from
   * now on, but the screens still show their tile: they are told to read a new one (which the
   * next read makes, not the one shared a moment ago). The message says nothing of who.
   * Check-ins waiting for the next batch, or owed to a full socket, were named before it (maybe
   * this visitor's, who may have no tile now): dropped, as the snapshot read after it has them.
   */
  private onErasure(campaignId: string): void {
    const p = this.pending.get(campaignId)
    if (p !== undefined) {
      clearTimeout(p.timer)
      this.pending.delete(campaignId)
    }
    for (const c of this.clients.get(campaignId) ?? []) {
      c.owedCheckins = []
      c.owedErasure = true
      if (!c.res.writableNeedDrain) this.payDebt(c)
    }
  }

  private noteErasure(campaignId: string): void {
    this.erasedAt.delete(campaignId) // re-added last: the map's order is the erasures'
    this.erasedAt.set(campaignId, ++this.erasureSeq)
    if (this.erasedAt.size <= ERASURES_KEPT) return
    const [oldest, at] = this.erasedAt.entries().next().value ?? ['', 0]
    this.erasedAt.delete(oldest)
    this.erasuresForgotten = at
  }

  /**
   * Whether the campaign had an erasure after the `seen`th (erasureSeq when the caller began);
   * one forgotten since counts as this campaign's.
   */
  private erasedSince(campaignId: string, seen: number): boolean {
    return (this.erasedAt.get(campaignId) ?? 0) > seen || this.erasuresForgotten > seen
  }

  private payDebt(c: Client): void {
    if (c.owedCheckins.length > 0) {
      const event: ScreenEvent = { type: 'checkins', count: c.owedCount, checkins: c.owedCheckins }
      c.owedCheckins = []
      this.write(c, event, String(event.count))
    }
    if (c.owedDraw !== null) {
      const event: ScreenEvent = { type: 'draw', draw: c.owedDraw }
      c.owedDraw = null
      this.write(c, event)
    }
    if (c.owedErasure) {
      c.owedErasure = false
      this.write(c, { type: 'erasure' })
    }
  }

  private write(c: Client, event: ScreenEvent, id?: string): void {
    const head = id === undefined ? '' : `id: ${id}\n`
    sendEvent(c.res, `${head}data: ${JSON.stringify(event)}\n\n`)
  }

  /** Ends the campaign's streams whose key no longer opens it; tells the others a new name. */
  private async recheck(campaignId: string): Promise<void> {
    let record: CampaignRecord | null
    try {
      record = await this.opts.access.campaign(campaignId)
    } catch {
      return // the store is down: the next check decides
    }
    this.dropSnapshot(campaignId)
    for (const c of [...(this.clients.get(campaignId) ?? [])]) {
      if (record === null || !keyMatches(c.key, record.campaign.screenKey)) {
        this.drop(c)
        c.res.end()
      } else if (record.campaign.name !== c.name) {
        c.name = record.campaign.name
        this.write(c, { type: 'campaign', campaign: { id: campaignId, name: c.name } })
      }
    }
  }

  /** Ends every stream (relay shutdown); later requests get 503. */
  close(): void {
    this.closed = true
    for (const t of this.timers) clearInterval(t)
    for (const p of this.pending.values()) clearTimeout(p.timer)
    this.pending.clear()
    for (const u of this.unsubscribe) u()
    for (const set of [...this.clients.values()]) {
      for (const c of [...set]) {
        this.drop(c)
        c.res.end()
      }
    }
  }
}
