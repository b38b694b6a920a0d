/**
 * Token buckets per key: per kiosk (ticket creation, fallback codes, admin-unlock clears), so
 * one kiosk (or a leaked kiosk token) cannot spend the account's daily QR quota, and per
 * client address (pairing, screens): a bucket counted in tokens, and a cap on requests in
 * flight. State is per relay process (several instances behind one address each allow the
 * full rate).
 *
 * A bucket that is full again with nothing in flight holds nothing a fresh one would not, so it
 * is forgotten; one that is not is never forgotten, or its key would get a fresh allowance for
 * the asking. Buckets are kept in the order their keys last asked, and each request looks at
 * the oldest two at most: forgotten if refilled and idle, moved to the back if busy, and the
 * look stops at the first still refilling (anything behind it asked later, so it refills at
 * most one whole bucket's time later). The work per request is constant however many keys an
 * attacker holds (a /48 of IPv6 is 65,536 /64 keys); `maxKeys` bounds the memory: past it a
 * new key is refused (429) until old ones refill, never let in by forgetting a drained one.
 * Per address, AddressLimiter also counts each IPv6 /48 as one, so that one /48's many /64s
 * cannot fill the book.
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

export type Refusal = { granted: false; reason: RefusalReason; retryAfterSeconds: number }

export type Admission = { granted: true; count: number; release: () => void } | Refusal

/** A TicketLimiter's: its grant can also be given back (AddressLimiter's /48 does so). */
export type RefundableAdmission =
  | {
      granted: true
      count: number
      release: () => void
      /** Releases and gives the tokens back: for a request another limit then refused. */
      refund: () => void
    }
  | Refusal

export interface LimiterOptions {
  /** Keys held at most (default: no bound, for keys that are as few as the kiosks). */
  maxKeys?: number
}

/** Buckets looked at per request: more than the one a request may add. */
const RECLAIM_STEPS = 2

interface Bucket {
  key: string
  tokens: number
  updatedAt: number
  inFlight: number
  /** Neighbours in the order keys last asked: `older` toward the oldest. */
  older: Bucket | null
  newer: Bucket | null
}

export class TicketLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly perMs: number
  private readonly maxKeys: number
  private oldest: Bucket | null = null
  private newest: Bucket | null = null
  private looks = 0

  constructor(
    private readonly limits: TicketLimits,
    private readonly now: () => number,
    options: LimiterOptions = {},
  ) {
    this.perMs = limits.ratePerMinute / 60_000
    this.maxKeys = options.maxKeys ?? Infinity
  }

  /**
   * Admits a request for `want` tickets: as many as the bucket holds (at least one), or a
   * refusal saying how long to wait. A granted request must call `release` when done.
   */
  admit(kioskId: string, want: number): RefundableAdmission {
    const now = this.now()
    this.reclaim(now)
    const b = this.bucket(kioskId, now)
    if (b === null) return { granted: false, reason: 'rate', retryAfterSeconds: this.fullFor(now) }
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
    const release = (): boolean => {
      if (released) return false
      released = true
      b.inFlight--
      return true
    }
    return {
      granted: true,
      count,
      release: () => void release(),
      // The bucket is still held (its request was in flight), so the tokens go back to it.
      refund: () => {
        if (release()) b.tokens = Math.min(this.limits.burst, b.tokens + count)
      },
    }
  }

  /** Buckets looked at to find ones to forget, since the start (a test's measure of work). */
  get examined(): number {
    return this.looks
  }

  get size(): number {
    return this.buckets.size
  }

  private bucket(kioskId: string, now: number): Bucket | null {
    let b = this.buckets.get(kioskId)
    if (!b) {
      if (this.buckets.size >= this.maxKeys) return null
      b = {
        key: kioskId,
        tokens: this.limits.burst,
        updatedAt: now,
        inFlight: 0,
        older: null,
        newer: null,
      }
      this.buckets.set(kioskId, b)
      this.append(b)
      return b
    }
    // A clock that steps back must not drain the bucket.
    b.tokens = this.refilled(b, now)
    b.updatedAt = now
    this.unlink(b)
    this.append(b)
    return b
  }

  private refilled(b: Bucket, now: number): number {
    return Math.min(this.limits.burst, b.tokens + Math.max(0, now - b.updatedAt) * this.perMs)
  }

  /** Forgets the oldest buckets that are full again and idle; moves busy ones to the back. */
  private reclaim(now: number): void {
    for (let step = 0; step < RECLAIM_STEPS; step++) {
      const b = this.oldest
      if (b === null) return
      this.looks++
      if (b.inFlight > 0) {
        if (b === this.newest) return
        this.unlink(b)
        this.append(b)
      } else if (this.refilled(b, now) >= this.limits.burst) {
        this.unlink(b)
        this.buckets.delete(b.key)
      } else return
    }
  }

  /** Seconds until the oldest bucket may be forgotten: when a full map has room again. */
  private fullFor(now: number): number {
    const b = this.oldest
    if (b === null || b.inFlight > 0) return 1
    const waitMs = (this.limits.burst - this.refilled(b, now)) / this.perMs
    return Math.max(1, Math.ceil(waitMs / 1000))
  }

  private append(b: Bucket): void {
    b.older = this.newest
    b.newer = null
    if (this.newest !== null) this.newest.newer = b
    else this.oldest = b
    this.newest = b
  }

  private unlink(b: Bucket): void {
    if (b.older !== null) b.older.newer = b.newer
    else this.oldest = b.newer
    if (b.newer !== null) b.newer.older = b.older
    else this.newest = b.older
    b.older = null
    b.newer = null
  }
}

/** A client's limit keys: its address (an IPv6 /64) and, for IPv6, the /48 that holds it. */
export interface AddressKeys {
  key: string
  group: string | null
}

/**
 * The pairing and screen limits' `groupShare`: a /48 may spend what eight of its /64s at their
 * full rate would. A venue's screens or a kiosk pairing spend a few requests a minute.
 */
export const ADDRESS_GROUP_SHARE = 8

export interface AddressLimiterOptions {
  /** Keys held at most, and groups held at most (each its own book). */
  maxKeys: number
  /** What one group may spend together, in keys' worth: its rate, burst and "at once". */
  groupShare: number
  /**
   * Each refusal, by the key that refused: `address` (an IPv4 address or IPv6 /64) or `block`
   * (the IPv6 /48), for /metrics.
   */
  onRefused?: (by: AddressRefusal) => void
}

export type AddressRefusal = 'address' | 'block'

/**
 * Per client address, twice over: each key (an IPv6 /64, an IPv4 address) has its bucket, and
 * every /64 of one /48 also spends from the /48's, `groupShare` times as big. One /48 holds
 * 65,536 /64s, so without it a flood rotating through them got a fresh allowance per /64 and,
 * keeping each bucket from refilling, could fill the book (`maxKeys`) so that new addresses
 * everywhere were refused; now it is limited as one client with `groupShare` times the room.
 * A request the /48 refuses makes no /64 bucket. One /64 at its own limit never drains the
 * /48: a request its /64 refuses gives the /48's token back, so it takes `groupShare` /64s at
 * full rate (clearly a flood, not a venue) before its neighbours are refused.
 */
export class AddressLimiter {
  readonly keys: TicketLimiter
  readonly groups: TicketLimiter
  private readonly onRefused: AddressLimiterOptions['onRefused']

  constructor(limits: TicketLimits, now: () => number, options: AddressLimiterOptions) {
    const share = options.groupShare
    this.onRefused = options.onRefused
    this.keys = new TicketLimiter(limits, now, { maxKeys: options.maxKeys })
    this.groups = new TicketLimiter(
      {
        ratePerMinute: limits.ratePerMinute * share,
        burst: limits.burst * share,
        concurrency: limits.concurrency * share,
      },
      now,
      { maxKeys: options.maxKeys },
    )
  }

  /** Admits one request from `from`, or says how long to wait; granted, call `release`. */
  admit(from: AddressKeys): Admission {
    if (from.group === null) {
      const alone = this.keys.admit(from.key, 1)
      if (!alone.granted) this.onRefused?.('address')
      return alone
    }
    const group = this.groups.admit(from.group, 1)
    if (!group.granted) {
      this.onRefused?.('block')
      return group
    }
    const own = this.keys.admit(from.key, 1)
    if (!own.granted) {
      group.refund()
      this.onRefused?.('address')
      return own
    }
    return {
      granted: true,
      count: 1,
      release: () => {
        own.release()
        group.release()
      },
    }
  }
}
