// The per-address limiters (pairing, screens) under an attacker holding a /48 of IPv6: 65,536
// /64s, each its own key (relay/console/request-origin.ts addressLimitKey). The limiter's work
// per request is counted, not timed: how many buckets it looked at to find ones to forget.
import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { addressLimitKey } from '../../relay/console/request-origin'
import { silentLogger } from '../../relay/log'
import {
  createPairEndpoint,
  PAIR_BURST,
  PAIR_MAX_ADDRESSES,
  PAIR_RATE_PER_MINUTE,
} from '../../relay/pairing'
import { TicketLimiter } from '../../relay/rate-limit'
import { createScreenRoutes, SCREEN_RATE } from '../../relay/screens/screen-routes'
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

const FLOOD = 60_000
const N = 200

describe('per-address limiters under a flood of distinct /64s', () => {
  it('pairing: N requests with 60,000 drained /64s on the books cost O(N) looks, not N sweeps', async () => {
    const spy = vi.spyOn(TicketLimiter.prototype, 'admit')
    const clock = { t: 1_000_000 }
    const handle = createPairEndpoint({
      config: { trustProxyHops: 1 },
      store: {} as RelayStore, // never reached: every request below is refused first
      log: silentLogger,
      now: () => clock.t,
    })
    const answer = async (from: string): Promise<number> => {
      const req = request('POST', from)
      const res = new ServerResponse(req)
      await handle(req, res)
      return res.statusCode
    }
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
    const routes = createScreenRoutes({
      config: { trustProxyHops: 1 },
      // Never read: every request below is refused before its key is looked up.
      store: { subscribe: () => () => undefined } as unknown as RelayStore,
      directory: { assignmentOf: () => Promise.resolve({ campaignId: null, version: 0 }) },
      now: () => clock.t,
      consoleDir: '/nonexistent',
    })
    const answer = async (from: string): Promise<number> => {
      const url = new URL('http://relay/screen/api/c1/wall')
      const req = request('GET', from, url.pathname)
      const res = new ServerResponse(req)
      await routes.handle(req, res, url).catch(() => undefined)
      return res.statusCode
    }
    await answer('192.0.2.1')
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
