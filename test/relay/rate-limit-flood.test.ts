// The per-address limiters (pairing, screens) under an attacker holding a /48 of IPv6: 65,536
// /64s, each its own key (relay/console/request-origin.ts addressLimitKey). The limiter's work
// per request is counted, not timed: how many buckets it looked at to find ones to forget.
import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { addressGroupKey, addressLimitKey } from '../../relay/console/request-origin'
import { silentLogger } from '../../relay/log'
import {
  createPairEndpoint,
  PAIR_BURST,
  PAIR_MAX_ADDRESSES,
  PAIR_RATE_PER_MINUTE,
} from '../../relay/pairing'
import {
  ADDRESS_GROUP_SHARE,
  AddressLimiter,
  TicketLimiter,
  type AddressKeys,
  type TicketLimits,
} from '../../relay/rate-limit'
import {
  createScreenRoutes,
  SCREEN_MAX_ADDRESSES,
  SCREEN_RATE,
} from '../../relay/screens/screen-routes'
import type { RelayStore } from '../../relay/store/types'

/** An address in the i-th /64 of 2001:db8:ab00::/48. */
const address = (i: number): string => `2001:db8:ab00:${i.toString(16)}::1`

function request(method: string, from: string, url = '/'): IncomingMessage {
  const req = new IncomingMessage(new Socket())
  req.method = method
  req.url = url
  req.headers = { 'x-forwarded-for': from }
  req.push(null) // no body
  return req
}

/** The limiter a route built, found as `this` of its first admit. */
function limiterOf(spy: { mock: { contexts: unknown[] } }): TicketLimiter {
  const l = spy.mock.contexts[0]
  if (!(l instanceof TicketLimiter)) throw new Error('no limiter seen')
  return l
}

/** Spends the whole bucket of each of the first `count` /64s, at one instant. */
function drain(l: TicketLimiter, burst: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const key = addressLimitKey(address(i))
    for (let k = 0; k < burst; k++) {
      const a = l.admit(key, 1)
      if (a.granted) a.release()
    }
  }
}

afterEach(() => vi.restoreAllMocks())

/**
 * What the pairing endpoint on `clock` answers an empty POST from an address. Its store is never
 * reached: each request here is refused, or is 400 for its empty body, before any lookup.
 */
function pairingOn(clock: { t: number }): (from: string) => Promise<number> {
  const handle = createPairEndpoint({
    config: { trustProxyHops: 1 },
    store: {} as RelayStore,
    log: silentLogger,
    now: () => clock.t,
  })
  return async (from) => {
    const req = request('POST', from)
    const res = new ServerResponse(req)
    await handle(req, res)
    return res.statusCode
  }
}

/**
 * The screen routes on `clock`, and what they answer a GET of `path` from an address. Their
 * store is never read: each request here is answered before a key is looked up, or not at all.
 */
function screensOn(clock: { t: number }, path: string) {
  const routes = createScreenRoutes({
    config: { trustProxyHops: 1 },
    store: { subscribe: () => () => undefined } as unknown as RelayStore,
    directory: { assignmentOf: () => Promise.resolve({ campaignId: null, version: 0 }) },
    now: () => clock.t,
    consoleDir: '/nonexistent',
  })
  const answer = async (from: string): Promise<number> => {
    const url = new URL(`http://relay${path}`)
    const req = request('GET', from, url.pathname)
    const res = new ServerResponse(req)
    await routes.handle(req, res, url)
    return res.statusCode
  }
  return { routes, answer }
}

const FLOOD = 60_000
const N = 200

describe('per-address limiters under a flood of distinct /64s', () => {
  it('pairing: N requests with 60,000 drained /64s on the books cost O(N) looks, not N sweeps', async () => {
    const spy = vi.spyOn(TicketLimiter.prototype, 'admit')
    const clock = { t: 1_000_000 }
    const answer = pairingOn(clock)
    expect(await answer('192.0.2.1')).not.toBe(429) // builds the limiter
    const l = limiterOf(spy)
    spy.mockRestore()
    drain(l, PAIR_BURST, FLOOD)
    expect(l.size).toBeGreaterThanOrEqual(FLOOD)
    const before = l.examined
    for (let i = 0; i < N; i++) expect(await answer(address((i * 7919) % FLOOD))).toBe(429)
    // Every one of them used to look at all 60,000 buckets (12,000,000 looks).
    expect(l.examined - before).toBeLessThanOrEqual(4 * N)
    // A /48 cannot fill the book: an address from elsewhere still gets its tries.
    expect(await answer('198.51.100.7')).toBe(400)
  })

  it('screens: the same flood costs O(N) looks', async () => {
    const spy = vi.spyOn(TicketLimiter.prototype, 'admit')
    const clock = { t: 1_000_000 }
    const { routes, answer } = screensOn(clock, '/screen/api/c1/wall')
    expect(await answer('192.0.2.1')).toBe(403) // no key; builds the limiter
    const l = limiterOf(spy)
    spy.mockRestore()
    drain(l, SCREEN_RATE.burst, FLOOD / 3) // past the old 10,000 sweep mark; a bigger bucket
    const before = l.examined
    for (let i = 0; i < N; i++) expect(await answer(address((i * 7919) % (FLOOD / 3)))).toBe(429)
    expect(l.examined - before).toBeLessThanOrEqual(4 * N)
    routes.close()
  })
})

describe('a full book of addresses', () => {
  const limits = { ratePerMinute: PAIR_RATE_PER_MINUTE, burst: PAIR_BURST, concurrency: 4 }
  const fullRefillMs = (PAIR_BURST / PAIR_RATE_PER_MINUTE) * 60_000

  it('refuses new addresses rather than forget a drained bucket, and never resets one', () => {
    let t = 1_000_000
    const l = new TicketLimiter(limits, () => t, { maxKeys: 1_000 })
    const victim = addressLimitKey('203.0.113.9') // the attacker's own, drained
    for (let k = 0; k < PAIR_BURST; k++) {
      const a = l.admit(victim, 1)
      if (a.granted) a.release()
    }
    expect(l.admit(victim, 1)).toMatchObject({ granted: false, reason: 'rate' })
    let refused = 0
    for (let i = 0; i < 5_000; i++) {
      const a = l.admit(addressLimitKey(address(i)), 1)
      if (a.granted) a.release()
      else refused++
      t += 1 // 5 s of flood: less than a drained bucket's refill
    }
    expect(l.size).toBe(1_000)
    expect(refused).toBe(4_001)
    // The drained bucket was kept: no fresh allowance from the flood.
    expect(l.admit(victim, 1)).toMatchObject({ granted: false, reason: 'rate' })
    const full = l.admit('198.51.100.7', 1)
    expect(full).toMatchObject({ granted: false, reason: 'rate' })
    expect(full.granted || full.retryAfterSeconds).toBeGreaterThanOrEqual(1)
    // Once the old buckets have refilled, new addresses get in again, a few forgotten a time.
    t += fullRefillMs
    expect(l.admit('198.51.100.7', 1)).toMatchObject({ granted: true })
    expect(l.size).toBeLessThanOrEqual(1_000)
  })

  it('forgets refilled idle buckets as requests come, keeps ones with requests in flight', () => {
    let t = 1_000_000
    const l = new TicketLimiter(limits, () => t, { maxKeys: PAIR_MAX_ADDRESSES })
    const busy = addressLimitKey('203.0.113.10')
    const held = Array.from({ length: 4 }, () => l.admit(busy, 1))
    expect(l.admit(busy, 1)).toMatchObject({ granted: false, reason: 'concurrency' })
    for (let i = 0; i < 20_000; i++) {
      const a = l.admit(addressLimitKey(address(i)), 1)
      if (a.granted) a.release()
    }
    expect(l.size).toBe(20_001)
    t += fullRefillMs
    const before = l.examined
    for (let i = 0; i < 20_000; i++) {
      const a = l.admit('198.51.100.8', 1)
      if (a.granted) a.release()
    }
    // Two looks a request at most, and the 20,000 refilled ones are gone.
    expect(l.examined - before).toBeLessThanOrEqual(40_000)
    expect(l.size).toBe(2)
    // The busy address kept its requests in flight.
    expect(l.admit(busy, 1)).toMatchObject({ granted: false, reason: 'concurrency' })
    for (const a of held) if (a.granted) a.release()
    expect(l.admit(busy, 1)).toMatchObject({ granted: true })
  })
})

/** The /64 (or IPv4 address) and /48 an address counts under. */
const keysOf = (a: string): AddressKeys => ({ key: addressLimitKey(a), group: addressGroupKey(a) })

/** The address limiter a route built, found as `this` of its first admit. */
function addressLimiterOf(spy: { mock: { contexts: unknown[] } }): AddressLimiter {
  const l = spy.mock.contexts[0]
  if (!(l instanceof AddressLimiter)) throw new Error('no address limiter seen')
  return l
}

/** An address in the j-th /64 of 2001:db8:ab00::/44, whose 16 /48s take the /64s in turn. */
const fromSlash44 = (j: number): string =>
  `2001:db8:${(0xab00 + (j % 16)).toString(16)}:${Math.floor(j / 16).toString(16)}::1`

/**
 * 3,000 requests a second for `seconds` from a /44, each from a /64 not seen before but for the
 * first `burst` of each second, which drain one /64: a drained bucket at the front of the book
 * (the oldest asked) stops it forgetting the refilled ones behind, so every /64 asked within a
 * drained bucket's refill time stays on the books. Without the /48 counts that filled 100,000
 * entries in about 34 s (pairing: a minute's refill, screens: 30 s at 3,000 a second).
 */
function floodFromSlash44(
  l: AddressLimiter,
  burst: number,
  seconds: number,
  clock: { t: number },
): void {
  const perSecond = 3_000
  let j = 0
  for (let s = 0; s < seconds; s++) {
    for (let r = 0; r < perSecond; r++) {
      if (r >= burst) j++
      const a = l.admit(keysOf(fromSlash44(j)))
      if (a.granted) a.release()
      clock.t += 1000 / perSecond
    }
    j++
  }
}

/** /64 buckets a /48 can make in `seconds`: its burst and what it refills meanwhile. */
const perGroupBound = (limits: TicketLimits, seconds: number): number =>
  ADDRESS_GROUP_SHARE * (limits.burst + (limits.ratePerMinute * seconds) / 60)

describe('a flood from many /64s of a /44 (16 /48s)', () => {
  const SECONDS = 40

  it('pairing: is limited per /48, so the book never fills and others still get their tries', async () => {
    const spy = vi.spyOn(AddressLimiter.prototype, 'admit')
    const clock = { t: 1_000_000 }
    const answer = pairingOn(clock)
    expect(await answer('192.0.2.1')).toBe(400) // builds the limiter
    const l = addressLimiterOf(spy)
    spy.mockRestore()
    floodFromSlash44(l, PAIR_BURST, SECONDS, clock)
    const limits = { ratePerMinute: PAIR_RATE_PER_MINUTE, burst: PAIR_BURST }
    // 120,000 requests from 120,000-odd /64s: 16 /48s' worth of buckets, not 100,000.
    expect(l.keys.size).toBeLessThanOrEqual(
      16 * perGroupBound({ ...limits, concurrency: 4 }, SECONDS) + 1,
    )
    expect(l.keys.size).toBeLessThan(PAIR_MAX_ADDRESSES / 10)
    expect(l.groups.size).toBeLessThanOrEqual(16)
    // Someone new, IPv6 elsewhere or IPv4, still gets their tries; the flood's next /64 does not.
    expect(await answer('2001:db8:cd00:1::1')).toBe(400)
    expect(await answer('198.51.100.7')).toBe(400)
    expect(await answer(fromSlash44(999_999))).toBe(429)
  })

  it('screens: the same', async () => {
    const spy = vi.spyOn(AddressLimiter.prototype, 'admit')
    const clock = { t: 1_000_000 }
    const { routes, answer } = screensOn(clock, '/screen/c1/wall')
    expect(await answer('192.0.2.1')).toBe(403) // no key
    const l = addressLimiterOf(spy)
    spy.mockRestore()
    floodFromSlash44(l, SCREEN_RATE.burst, SECONDS, clock)
    expect(l.keys.size).toBeLessThanOrEqual(16 * perGroupBound(SCREEN_RATE, SECONDS) + 1)
    expect(l.keys.size).toBeLessThan(SCREEN_MAX_ADDRESSES / 4)
    expect(await answer('2001:db8:cd00:1::1')).toBe(403)
    expect(await answer('198.51.100.7')).toBe(403)
    expect(await answer(fromSlash44(999_999))).toBe(429)
    routes.close()
  })
})

describe('the /48 count', () => {
  const limits = { ratePerMinute: PAIR_RATE_PER_MINUTE, burst: PAIR_BURST, concurrency: 4 }
  const spend = (l: AddressLimiter, from: string, n: number): number => {
    let granted = 0
    for (let i = 0; i < n; i++) {
      const a = l.admit(keysOf(from))
      if (a.granted) {
        granted++
        a.release()
      }
    }
    return granted
  }

  it('is not drained by one /64 at its limit: its refused requests cost the /48 nothing', () => {
    let t = 1_000_000
    const l = new AddressLimiter(limits, () => t, { maxKeys: 1_000, groupShare: 8 })
    expect(spend(l, '2001:db8:5:1::1', 10_000)).toBe(PAIR_BURST)
    t += 60_000
    expect(spend(l, '2001:db8:5:1::1', 10_000)).toBe(PAIR_BURST)
    // Its neighbours in the /48, all seven others at full rate, have their whole allowance.
    for (let n = 2; n <= 8; n++) expect(spend(l, `2001:db8:5:${n}::1`, 50)).toBe(PAIR_BURST)
  })

  it('refuses the /48 once eight /64s have spent their all, making no bucket for the next', () => {
    let t = 1_000_000
    const l = new AddressLimiter(limits, () => t, { maxKeys: 1_000, groupShare: 8 })
    for (let n = 1; n <= 8; n++) expect(spend(l, `2001:db8:5:${n}::1`, PAIR_BURST)).toBe(10)
    const keys = l.keys.size
    const next = l.admit(keysOf('2001:db8:5:9::1'))
    expect(next).toMatchObject({ granted: false, reason: 'rate' })
    expect(next.granted || next.retryAfterSeconds).toBeGreaterThanOrEqual(1)
    expect(l.keys.size).toBe(keys)
    // Another /48, and IPv4, are someone else.
    expect(spend(l, '2001:db8:6:1::1', 1)).toBe(1)
    expect(spend(l, '203.0.113.5', 1)).toBe(1)
    // The /48 refills at eight /64s' rate: a tenth of its minute gives 8 tries back.
    t += 6_000
    expect(spend(l, '2001:db8:5:9::1', PAIR_BURST)).toBe(8)
  })

  it('counts requests in flight for the /48 too, and a release frees both places', () => {
    const l = new AddressLimiter(limits, () => 1_000_000, { maxKeys: 1_000, groupShare: 8 })
    const held = []
    for (let n = 1; n <= 8; n++) {
      for (let k = 0; k < 4; k++) held.push(l.admit(keysOf(`2001:db8:5:${n}::1`)))
    }
    expect(held.every((a) => a.granted)).toBe(true)
    expect(l.admit(keysOf('2001:db8:5:9::1'))).toMatchObject({
      granted: false,
      reason: 'concurrency',
    })
    const first = held[0]
    if (first?.granted !== true) throw new Error('expected a grant')
    first.release()
    first.release() // once only: no second place freed
    expect(l.admit(keysOf('2001:db8:5:9::1'))).toMatchObject({ granted: true })
    expect(l.admit(keysOf('2001:db8:5:9::1'))).toMatchObject({ granted: false })
    // The /64's place was freed with the /48's: given the /48's back, it has one again.
    const second = held[1]
    if (second?.granted !== true) throw new Error('expected a grant')
    second.release()
    expect(l.admit(keysOf('2001:db8:5:1::2'))).toMatchObject({ granted: true })
    expect(l.admit(keysOf('2001:db8:5:1::3'))).toMatchObject({ granted: false })
  })
})
