// The per-kiosk ticket limiter on its own, with an injected clock.
import { describe, expect, it } from 'vitest'
import { TicketLimiter } from '../../relay/rate-limit'

function limiter(ratePerMinute = 30, burst = 40, concurrency = 4) {
  let t = 1_000_000
  const clock = { now: () => t, advance: (ms: number) => (t += ms) }
  return { l: new TicketLimiter({ ratePerMinute, burst, concurrency }, clock.now), clock }
}

describe('TicketLimiter', () => {
  it('grants the burst, then refills at the rate, never beyond the burst', () => {
    const { l, clock } = limiter(30, 40)
    const a = l.admit('k1', 20)
    const b = l.admit('k1', 20)
    expect([a, b].map((x) => x.granted && x.count)).toEqual([20, 20])
    if (a.granted) a.release()
    if (b.granted) b.release()
    expect(l.admit('k1', 1)).toEqual({ granted: false, reason: 'rate', retryAfterSeconds: 2 })
    clock.advance(2000) // 30 a minute: one ticket every 2 s
    expect(l.admit('k1', 5)).toMatchObject({ granted: true, count: 1 })
    clock.advance(3_600_000)
    expect(l.admit('k1', 20)).toMatchObject({ granted: true, count: 20 })
    expect(l.admit('k1', 30)).toMatchObject({ granted: true, count: 20 })
    expect(l.admit('k1', 1)).toMatchObject({ granted: false, reason: 'rate' })
  })

  it('a clock stepping back neither drains nor fills the bucket', () => {
    const { l, clock } = limiter(60, 2)
    expect(l.admit('k1', 2)).toMatchObject({ granted: true, count: 2 })
    clock.advance(-3_600_000)
    expect(l.admit('k1', 1)).toMatchObject({ granted: false, reason: 'rate' })
    clock.advance(1000)
    expect(l.admit('k1', 1)).toMatchObject({ granted: true, count: 1 })
  })

  it('caps requests in flight per kiosk; release is idempotent', () => {
    const { l } = limiter(30, 40, 2)
    const a = l.admit('k1', 1)
    const b = l.admit('k1', 1)
    expect(l.admit('k1', 1)).toEqual({
      granted: false,
      reason: 'concurrency',
      retryAfterSeconds: 1,
    })
    expect(l.admit('k2', 1)).toMatchObject({ granted: true })
    if (!a.granted || !b.granted) throw new Error('expected grants')
    a.release()
    a.release()
    const c = l.admit('k1', 1)
    expect(c).toMatchObject({ granted: true })
    expect(l.admit('k1', 1)).toMatchObject({ granted: false, reason: 'concurrency' })
  })
})
