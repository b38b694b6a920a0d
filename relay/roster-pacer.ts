/**
 * How many roster bytes a kiosk's link may hold at once, from what its `roster-ack`s show.
 *
 * Whatever the relay has written and the kiosk has not yet read sits ahead of the next scan
 * frame: in the relay's socket, the kernel, a Wi-Fi access point's queue. The relay's own
 * buffer (`bufferedAmount`) says little: the kernel and the network take hundreds of KiB at
 * once. Acks say what actually got through, so the transfer keeps in flight only the link's
 * bandwidth × (its round trip + ROSTER_QUEUE_MS), in frames of half that: at 8 KB/s about
 * 8 KiB (a scan waits a second behind it, not 4 × 64 KiB), on a fast link the former 4 × 64
 * KiB.
 *
 * Rate: the largest of the last few delivery samples (a frame's bytes over the time between
 * its ack and the later of its send and the previous ack: the time the link spent on it when
 * it was busy; an idle link gives a lower figure, the maximum looks past those). Round trip:
 * the smallest ack time less the time our own bytes ahead of the frame, and the frame itself,
 * took at that rate (so our own queue does not count as distance and grow the window).
 */
import { MAX_RELAY_FRAME_BYTES } from '../shared/relay-protocol'

/** Roster frames in flight at most. */
export const ROSTER_WINDOW = 4
/** Roster bytes in flight on a link not yet measured. */
export const ROSTER_START_BYTES = 16 * 1024
/** The window never goes below this (a frame or two of the smallest size). */
export const ROSTER_MIN_BYTES = 8 * 1024
/** Nor above the former fixed window: ROSTER_WINDOW frames of the largest size. */
export const ROSTER_MAX_BYTES = ROSTER_WINDOW * MAX_RELAY_FRAME_BYTES
/** Frames are cut to at least this (one entry is always sent, whatever its size). */
export const ROSTER_MIN_FRAME_BYTES = 4 * 1024
/** The queue the roster may keep on the link beyond its round trip, at the measured rate. */
export const ROSTER_QUEUE_MS = 250
/** Delivery samples the rate is the largest of. */
const RATE_SAMPLES = 8

export interface SentFrame {
  /** End offset of the frame in the roster. */
  end: number
  bytes: number
  sentAt: number
  /** Roster bytes in flight before it. */
  ahead: number
}

export class RosterPacer {
  private budget = ROSTER_START_BYTES
  /** Bytes per millisecond, newest last. */
  private readonly rates: number[] = []
  private rttMs = Infinity
  private lastAckAt = -Infinity

  /** Roster bytes the link may hold now. */
  get windowBytes(): number {
    return this.budget
  }

  /** The largest frame to cut now. */
  get frameBytes(): number {
    return Math.min(MAX_RELAY_FRAME_BYTES, Math.max(ROSTER_MIN_FRAME_BYTES, this.budget / 2))
  }

  /** Whether another frame may go out with `inFlight` frames of `bytes` unacked. */
  mayWrite(inFlight: number, bytes: number): boolean {
    if (inFlight >= ROSTER_WINDOW) return false
    return inFlight === 0 || bytes + this.frameBytes <= this.budget
  }

  /** The kiosk acked `frame` at `now` (milliseconds, monotonic). */
  acked(frame: SentFrame, now: number): void {
    const busyMs = now - Math.max(frame.sentAt, this.lastAckAt)
    this.lastAckAt = now
    if (busyMs > 0) {
      this.rates.push(frame.bytes / busyMs)
      if (this.rates.length > RATE_SAMPLES) this.rates.shift()
    }
    const rate = Math.max(0, ...this.rates)
    if (rate === 0) return
    const ownMs = (frame.ahead + frame.bytes) / rate
    this.rttMs = Math.min(this.rttMs, Math.max(0, now - frame.sentAt - ownMs))
    const target = rate * (this.rttMs + ROSTER_QUEUE_MS)
    // At most double per ack: one sample's jitter does not flood the link.
    const next = Math.min(target, 2 * this.budget)
    this.budget = Math.round(Math.min(ROSTER_MAX_BYTES, Math.max(ROSTER_MIN_BYTES, next)))
  }

  /** Frames in flight were given up (a rewind): the next ack's time counts from now. */
  restarted(now: number): void {
    this.lastAckAt = now
  }
}
