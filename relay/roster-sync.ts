/**
 * One kiosk's roster transfer (contract v2): the campaign's roster in `roster` frames cut by
 * `rosterChunkEnd`, as many bytes ahead of the kiosk's `roster-ack`s as its link carries in a
 * round trip and a quarter second (`RosterPacer`: a scan frame never queues behind more than a
 * small frame or two of roster on a slow link), resumed where the hello
 * says the kiosk is (its offset in that roster version); then every stored binding, so a kiosk
 * that was away when a desk bound a visitor still learns it. The kiosk acks every roster frame
 * in order, with its real position: an ack short of the frame's end means it did not take it
 * (it holds less than this side thought), and the transfer rewinds there; one past what was
 * sent means it already held those rows, and the transfer goes on from there (a slice being read
 * when such an ack comes is dropped and read again from there). A store read that
 * fails (Redis reconnecting, SQLite locked elsewhere) is tried again after ROSTER_RETRY_MS while
 * the link is up: nothing else would restart the transfer short of the kiosk reconnecting.
 *
 * The stored bindings have no ack in the contract, and thousands of them (~150 bytes each) sent
 * at once held a visitor's scan back for many seconds on a slow link. They go out in batches
 * of the pacer's frame size, each followed by a websocket ping: the kiosk's pong (sent by its
 * websocket library as it reads the ping, so after everything before it) says the batch got
 * through, and no more than the pacer's window is unanswered (a scan queues behind that
 * much at most). A far end that does not answer pings gets a batch per BINDING_PONG_WAIT_MS.
 * The socket's own queue must also be under BINDING_QUEUE_BYTES (a link with no ping at all).
 *
 * Visitor erasure (docs/DESIGN.md "Visitor erasure (added after v2)"): once per link and campaign,
 * the campaign's tombstones go out in `erasure` frames of MAX_TOMBSTONES_PER_FRAME, and each
 * erasure made since live (`onErasure`), so the kiosk erases its own copies of the visitor. A kiosk
 * that does not know the frame ignores it.
 */
import { MAX_ROSTER_ENTRIES_PER_FRAME, type RelayRosterEntry } from '../shared/campaign'
import {
  MAX_TOMBSTONES_PER_FRAME,
  rosterChunkEnd,
  type HelloFrame,
  type RelayFrame,
  type RosterAckFrame,
} from '../shared/relay-protocol'
import { visitorTombstone } from '../shared/server/visitor-tombstone'
import { errorMessage, type Logger } from './log'
import { RosterPacer, type SentFrame } from './roster-pacer'
import type { Binding, CampaignStore } from './store/campaign-types'
import type { ErasureStore, Tombstone } from './store/erasure-types'

/** How long after a failed store read the transfer tries again. */
export const ROSTER_RETRY_MS = 1000
/** Stored bindings go out only while the socket's own write queue holds less than this. */
export const BINDING_QUEUE_BYTES = 16 * 1024
/** A full socket queue is looked at again after this, if no write completion came first. */
export const BINDING_QUEUE_RECHECK_MS = 100
/** A batch whose pong has not come after this counts as through (a far end without pongs). */
export const BINDING_PONG_WAIT_MS = 5000
/** Pong payloads this side sent: `b` and the batch number. */
const BATCH_PING = /^b([0-9]{1,15})$/

export interface RosterSyncContext {
  campaigns: Pick<CampaignStore, 'readRoster' | 'bindings'>
  /** The campaign's tombstones (absent: the kiosk is told of no erasure). */
  erasures?: Pick<ErasureStore, 'tombstones'>
  /** Writes the frame; returns its size in bytes. */
  send(frame: RelayFrame): number
  /** Whether the socket can take more now. */
  open(): boolean
  /** Bytes written and still in the socket's own queue (ws `bufferedAmount`: the net socket's too). */
  queuedBytes(): number
  /** Sends a websocket ping carrying `data`; the kiosk's pong comes to `onPong`. */
  ping?: (data: Buffer) => void
  log: Logger
  kioskId: string
  /** Each failed store read (counted in /metrics; the log says one in 60). */
  onFailure?: () => void
}

export class RosterSync {
  private campaignId: string | null = null
  private version = 0
  private total = 0
  /** Next offset to send. */
  private sent = 0
  /** The frames sent and not yet acked, oldest first. */
  private inFlight: SentFrame[] = []
  /** Their bytes. */
  private inFlightBytes = 0
  /** The link's pace, kept across restarts (it is the link's, not the roster's). */
  private readonly pacer = new RosterPacer()
  /** Acks still due for frames sent before a rewind: they move nothing. */
  private staleAcks = 0
  private openids = new Map<string, string>()
  /** The bindings went out after the whole roster (once per transfer). */
  private complete = false
  /**
   * The roster is acknowledged and the stored bindings read (or there is no roster); they may
   * still be going out (`pending` says so).
   */
  private transferred = false
  /** An empty roster is one empty final frame, sent once. */
  private emptySent = false
  private pumping = false
  private dirty = false
  /** The last pump stopped on a full socket with frames left to send: `drained` resumes it. */
  private waitingDrain = false
  /** Bumped on every (re)start: an older pump's reads are dropped. */
  private run = 0
  /** A failed store read's retry, for the run that failed. */
  private retryTimer: NodeJS.Timeout | null = null
  /** Store reads failed in a row: the log says the first and then every 60th. */
  private failures = 0
  /** The stored bindings being sent, in the store's order, and the next one to send. */
  private bindingQueue: Binding[] = []
  private bindingNext = 0
  /** Registrations bound live since the stored bindings were read: their stored one is stale. */
  private readonly boundLive = new Set<string>()
  /** Binding batches sent and not yet answered by a pong, oldest first. */
  private batches: Array<{ id: number; bytes: number }> = []
  private batchId = 0
  /** Resumes the bindings: a pong overdue, or a full socket queue looked at again. */
  private bindingTimer: NodeJS.Timeout | null = null
  /** The timer waits on a pong, not on the socket's queue: a write completion does not resume. */
  private waitingPong = false
  /** The campaign whose tombstones this link has been sent (once per link and campaign). */
  private tombstonesOf: string | null = null
  /** Bumped on every (re)start and stop: an older tombstone read sends nothing. */
  private tombstoneRun = 0
  /** A failed tombstone read's retry. */
  private tombstoneTimer: NodeJS.Timeout | null = null

  constructor(private readonly ctx: RosterSyncContext) {}

  get campaign(): string | null {
    return this.campaignId
  }

  /**
   * The campaign's roster not yet all acknowledged by the kiosk, or its stored bindings not yet
   * read (a failed read waits for its retry) or not all written (they go a window at a time as
   * the kiosk's pongs come back: thousands take a while on a slow link, and a kiosk that has
   * not had them cannot name visitors a desk bound while it was away): what /metrics counts as
   * a transfer pending.
   */
  get pending(): boolean {
    return (
      this.campaignId !== null && (!this.transferred || this.bindingNext < this.bindingQueue.length)
    )
  }

  /** Starts (or restarts) the transfer of `campaignId`'s roster; null: the kiosk has none. */
  async start(campaignId: string | null, resume?: HelloFrame['roster']): Promise<void> {
    const run = ++this.run
    this.clearRetry()
    this.dropBindings()
    this.campaignId = campaignId
    this.inFlight = []
    this.inFlightBytes = 0
    this.staleAcks = 0
    this.complete = false
    this.transferred = false
    this.emptySent = false
    if (campaignId !== this.tombstonesOf) {
      // Another campaign (or none): its erasures were not heard meanwhile; back here, all again.
      this.tombstonesOf = null
      if (campaignId !== null) this.sendTombstones(campaignId)
    }
    if (campaignId === null) return
    try {
      const [head, bindings] = await Promise.all([
        this.ctx.campaigns.readRoster(campaignId, 0, 0),
        this.ctx.campaigns.bindings(campaignId),
      ])
      if (run !== this.run) return
      this.failures = 0
      this.openids = new Map(bindings.map((b) => [b.registrationId, b.openid]))
      this.version = head.version
      this.total = head.total
      const same = resume?.campaignId === campaignId && resume.version === head.version
      this.sent = same ? Math.min(resume.offset, head.total) : 0
      // No roster uploaded yet: nothing to send, bindings included (they name registrations).
      if (head.version === 0) {
        this.transferred = true
        return
      }
      if (same && this.sent === head.total) {
        this.finish(bindings)
        return
      }
      void this.pump()
    } catch (err) {
      this.failed('reading roster failed', err)
      this.retryLater(run, () => void this.start(campaignId, resume))
    }
  }

  /** The link closed: nothing more is sent or retried. */
  stop(): void {
    this.run++
    this.clearRetry()
    this.dropBindings()
    this.tombstoneRun++
    this.clearTombstoneRetry()
  }

  /**
   * A visitor of `campaignId` was erased: the kiosk hears it now if it is in that campaign.
   * No `visitor` (a change from an instance that does not say it, or changes missed): every
   * tombstone of the campaign is read and sent again.
   */
  onErasure(campaignId: string, visitor?: Tombstone): void {
    if (campaignId !== this.campaignId) return
    if (visitor === undefined) {
      this.sendTombstones(campaignId)
      return
    }
    this.forgetErased(campaignId, [visitor])
    this.ctx.send({ type: 'erasure', campaignId, visitors: [visitor] })
  }

  /** Roster frames still to send name no erased visitor (the store's binding is gone too). */
  private forgetErased(campaignId: string, tombstones: readonly Tombstone[]): void {
    if (this.openids.size === 0 || tombstones.length === 0) return
    const erased = new Set(tombstones.map((t) => t.visitor))
    for (const [registrationId, openid] of this.openids) {
      if (erased.has(visitorTombstone(campaignId, openid))) this.openids.delete(registrationId)
    }
  }

  /** Reads the campaign's tombstones and sends them all; tried again while the link is up. */
  private sendTombstones(campaignId: string): void {
    const erasures = this.ctx.erasures
    if (erasures === undefined) return
    const run = ++this.tombstoneRun
    this.clearTombstoneRetry()
    erasures.tombstones(campaignId).then(
      (tombstones) => {
        if (run !== this.tombstoneRun || campaignId !== this.campaignId) return
        this.forgetErased(campaignId, tombstones)
        for (let i = 0; i < tombstones.length; i += MAX_TOMBSTONES_PER_FRAME) {
          const visitors = tombstones
            .slice(i, i + MAX_TOMBSTONES_PER_FRAME)
            .map(({ visitor, at }) => ({ visitor, at }))
          this.ctx.send({ type: 'erasure', campaignId, visitors })
        }
        this.tombstonesOf = campaignId
      },
      (err: unknown) => {
        if (run !== this.tombstoneRun) return
        this.failed('reading erasures failed', err)
        this.tombstoneTimer = setTimeout(() => {
          this.tombstoneTimer = null
          if (run === this.tombstoneRun && campaignId === this.campaignId) {
            this.sendTombstones(campaignId)
          }
        }, ROSTER_RETRY_MS)
        this.tombstoneTimer.unref()
      },
    )
  }

  private clearTombstoneRetry(): void {
    if (this.tombstoneTimer === null) return
    clearTimeout(this.tombstoneTimer)
    this.tombstoneTimer = null
  }

  /** A pong from the kiosk: the binding batches up to the one it names got through. */
  onPong(data: Buffer): void {
    const m = data.length <= 16 ? BATCH_PING.exec(data.toString('latin1')) : null
    if (m === null) return
    const id = Number(m[1])
    const at = this.batches.findIndex((b) => b.id === id)
    if (at === -1) return
    this.batches.splice(0, at + 1)
    this.clearBindingTimer()
    this.sendStoredBindings()
  }

  onAck(ack: RosterAckFrame): void {
    if (ack.campaignId !== this.campaignId || ack.rosterVersion !== this.version) return
    if (this.staleAcks > 0) {
      // For a frame sent before the rewind: the frames in flight now come after it.
      this.staleAcks--
      return
    }
    const frame = this.inFlight.shift()
    if (frame === undefined) return
    this.inFlightBytes -= frame.bytes
    const { end } = frame
    if (ack.offset < end) {
      // The kiosk did not take that frame; the ones after it will not fit either.
      this.staleAcks = this.inFlight.length
      this.inFlight = []
      this.inFlightBytes = 0
      this.sent = ack.offset
      this.pacer.restarted(performance.now())
    } else {
      this.pacer.acked(frame, performance.now())
      // The kiosk holds more than was sent: a transfer started again without its resume point
      // (a roster notice for the version being sent, the booth moved away and back). It skips
      // the rows it has; the transfer goes on from where it is instead of sending them again.
      if (ack.offset > this.sent) this.sent = Math.min(ack.offset, this.total)
    }
    if (ack.offset === this.total && this.inFlight.length === 0 && this.sent === this.total) {
      void this.sendBindings()
      return
    }
    void this.pump()
  }

  /**
   * The socket has room again. Acks restart a transfer paused with frames in flight; one
   * paused with none (at start, after a rewind or the last ack) waits for this.
   */
  drained(): void {
    if (this.bindingTimer !== null && !this.waitingPong) {
      this.clearBindingTimer()
      this.sendStoredBindings()
    }
    if (!this.waitingDrain) return
    this.waitingDrain = false
    void this.pump()
  }

  /** A desk bound a visitor somewhere: later frames carry it, and the kiosk hears it now. */
  onBinding(campaignId: string, b: Binding): void {
    if (campaignId !== this.campaignId) return
    this.openids.set(b.registrationId, b.openid)
    if (this.bindingNext < this.bindingQueue.length) this.boundLive.add(b.registrationId)
    this.ctx.send({ type: 'binding', campaignId, ...b })
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.dirty = true
      return
    }
    this.pumping = true
    const run = this.run
    try {
      do {
        this.dirty = false
        while (
          run === this.run &&
          this.campaignId !== null &&
          this.pacer.mayWrite(this.inFlight.length, this.inFlightBytes) &&
          (this.sent < this.total || (this.total === 0 && !this.emptySent))
        ) {
          if (!this.ctx.open()) {
            this.waitingDrain = true
            break
          }
          const campaignId = this.campaignId
          const offset = this.sent
          const slice = await this.ctx.campaigns.readRoster(
            campaignId,
            offset,
            MAX_ROSTER_ENTRIES_PER_FRAME,
          )
          if (run !== this.run) return
          this.failures = 0
          if (slice.version !== this.version) {
            // Replaced meanwhile: the roster change restarts the transfer.
            return
          }
          if (this.sent !== offset) {
            // An ack moved the transfer while this slice was read (the kiosk holds more, or
            // did not take a frame): the slice is stale, and sending it would also send the
            // rows after it again until the next ack. It is read again from where it is now.
            continue
          }
          const entries: RelayRosterEntry[] = slice.entries.map((e) => ({
            ...e,
            openid: this.openids.get(e.id) ?? null,
          }))
          const n = rosterChunkEnd(entries, 0, this.pacer.frameBytes)
          const end = offset + n
          const ahead = this.inFlightBytes
          const bytes = this.ctx.send({
            type: 'roster',
            campaignId,
            rosterVersion: this.version,
            offset,
            total: this.total,
            entries: entries.slice(0, n),
            final: end === this.total,
          })
          this.sent = end
          this.inFlight.push({ end, bytes, sentAt: performance.now(), ahead })
          this.inFlightBytes += bytes
          if (this.total === 0) this.emptySent = true
        }
      } while (this.dirty && run === this.run)
    } catch (err) {
      this.failed('sending roster failed', err)
      this.retryLater(run, () => void this.pump())
    } finally {
      this.pumping = false
    }
  }

  private async sendBindings(): Promise<void> {
    const campaignId = this.campaignId
    if (campaignId === null || this.complete) return
    this.complete = true
    const run = this.run
    try {
      const bindings = await this.ctx.campaigns.bindings(campaignId)
      if (run === this.run) this.finish(bindings)
    } catch (err) {
      this.complete = false
      this.failed('reading bindings failed', err)
      this.retryLater(run, () => void this.sendBindings())
    }
  }

  private failed(msg: string, err: unknown): void {
    this.ctx.onFailure?.()
    if (this.failures++ % 60 !== 0) return
    this.ctx.log.error(msg, { kioskId: this.ctx.kioskId, error: errorMessage(err) })
  }

  private retryLater(run: number, again: () => void): void {
    if (run !== this.run || this.retryTimer !== null) return
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      if (run === this.run) again()
    }, ROSTER_RETRY_MS)
    this.retryTimer.unref()
  }

  private clearRetry(): void {
    if (this.retryTimer === null) return
    clearTimeout(this.retryTimer)
    this.retryTimer = null
  }

  private finish(bindings: Binding[]): void {
    const campaignId = this.campaignId
    if (campaignId === null) return
    this.complete = true
    this.transferred = true
    this.dropBindings()
    this.bindingQueue = bindings
    this.sendStoredBindings()
  }

  /**
   * Sends stored bindings while the socket's queue is short and the pongs keep up, a batch at
   * a time; waits for a pong, a write completion (`drained`) or its timer otherwise.
   */
  private sendStoredBindings(): void {
    const campaignId = this.campaignId
    if (campaignId === null || this.bindingTimer !== null) return
    while (this.bindingNext < this.bindingQueue.length) {
      if (!this.ctx.open() || this.ctx.queuedBytes() > BINDING_QUEUE_BYTES) {
        this.waitBindings(BINDING_QUEUE_RECHECK_MS, false)
        return
      }
      const limit = this.pacer.frameBytes
      const unanswered = this.batches.reduce((sum, b) => sum + b.bytes, 0)
      if (this.batches.length > 0 && unanswered + limit > this.pacer.windowBytes) {
        this.waitBindings(BINDING_PONG_WAIT_MS, true)
        return
      }
      let bytes = 0
      while (bytes < limit && this.bindingNext < this.bindingQueue.length) {
        const b = this.bindingQueue[this.bindingNext++] as Binding
        if (this.boundLive.has(b.registrationId)) continue
        bytes += this.ctx.send({ type: 'binding', campaignId, ...b })
      }
      if (this.ctx.ping !== undefined && bytes > 0) {
        const id = ++this.batchId
        this.batches.push({ id, bytes })
        this.ctx.ping(Buffer.from(`b${id}`, 'latin1'))
      }
    }
    this.bindingQueue = []
    this.bindingNext = 0
    this.boundLive.clear()
  }

  /** Resumes the bindings after `ms`; `overdue`: the oldest batch's pong is given up on. */
  private waitBindings(ms: number, overdue: boolean): void {
    const run = this.run
    this.waitingPong = overdue
    this.bindingTimer = setTimeout(() => {
      this.bindingTimer = null
      this.waitingPong = false
      if (run !== this.run) return
      if (overdue) {
        this.batches.shift()
      }
      this.sendStoredBindings()
    }, ms)
    this.bindingTimer.unref()
  }

  private clearBindingTimer(): void {
    if (this.bindingTimer === null) return
    clearTimeout(this.bindingTimer)
    this.bindingTimer = null
    this.waitingPong = false
  }

  /** Forgets the stored bindings being sent (the link closed, or the transfer restarts). */
  private dropBindings(): void {
    this.clearBindingTimer()
    this.bindingQueue = []
    this.bindingNext = 0
    this.boundLive.clear()
    this.batches = []
  }
}
