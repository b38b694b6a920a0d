/**
 * Per-kiosk limits on ticket creation, so one kiosk (or a leaked kiosk token) cannot spend the
 * account's daily QR quota: a token bucket counted in tickets, and a cap on requests in flight.
 * State is per relay process (several instances behind one address each allow the full rate).
 * Entries are keyed by kiosk ids that presented a valid token, so the map stays as small as the
 * kiosk list.
 */

export interface TicketLimits {
  /** Tickets a kiosk may create per minute, sustained. */
  ratePerMinute: number
  /** Tickets a kiosk may create at once after a quiet spell (the bucket's size). */
  burst: number
  /** Ticket requests one kiosk may have in flight at once. */
  concurrency: number
}

export type RefusalReason = 'rate' | 'concurrency'

export type Admission =
  | { granted: true; count: number; release: () => void }
  | { granted: false; reason: RefusalReason; retryAfterSeconds: number }

interface Bucket {
  tokens: number
  updatedAt: number
  inFlight: number
}

export class TicketLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly perMs: number

  constructor(
    private readonly limits: TicketLimits,
    private readonly now: () => number,
  ) {
    this.perMs = limits.ratePerMinute / 60_000
  }

  /**
   * Admits a request for `want` tickets: as many as the bucket holds (at least one), or a
   * refusal saying how long to wait. A granted request must call `release` when done.
   */
  admit(kioskId: string, want: number): Admission {
    const b = this.bucket(kioskId)
    if (b.inFlight >= this.limits.concurrency) {
      return { granted: false, reason: 'concurrency', retryAfterSeconds: 1 }
    }
    const count = Math.min(want, Math.floor(b.tokens))
    if (count < 1) {
      const waitMs = (1 - b.tokens) / this.perMs
      return {
        granted: false,
        reason: 'rate',
        retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
      }
    }
    b.tokens -= count
    b.inFlight++
    let released = false
    return {
      granted: true,
      count,
      release: () => {
        if (released) return
        released = true
        b.inFlight--
      },
    }
  }

  /**
   * Forgets buckets that are full again and have nothing in flight: they hold no state a
   * fresh bucket would not. For limiters keyed by something unbounded (client addresses).
   */
  sweep(): void {
    const now = this.now()
    for (const [key, b] of this.buckets) {
      const refilled = b.tokens + Math.max(0, now - b.updatedAt) * this.perMs
      if (b.inFlight === 0 && refilled >= this.limits.burst) this.buckets.delete(key)
    }
  }

  get size(): number {
    return this.buckets.size
  }

  private bucket(kioskId: string): Bucket {
    const now = this.now()
    let b = this.buckets.get(kioskId)
    if (!b) {
      b = { tokens: this.limits.burst, updatedAt: now, inFlight: 0 }
      this.buckets.set(kioskId, b)
      return b
    }
    // A clock that steps back must not drain the bucket.
    const elapsed = Math.max(0, now - b.updatedAt)
    b.tokens = Math.min(this.limits.burst, b.tokens + elapsed * this.perMs)
    b.updatedAt = now
    return b
  }
}
