// The roster pacer against a simulated link (a bottleneck of so many bytes per millisecond, a
// fixed round trip, a deep queue; simulated clock): on a slow booth link it keeps a small frame
// or two in flight, on a fast one, near or far, it opens to the former 4 × 64 KiB.
import { describe, expect, it } from 'vitest'
import {
  ROSTER_MAX_BYTES,
  ROSTER_MIN_BYTES,
  ROSTER_MIN_FRAME_BYTES,
  RosterPacer,
  type SentFrame,
} from '../../relay/roster-pacer'

interface Run {
  /** The window after the transfer. */
  window: number
  /** The most roster bytes queued on the link (written, not yet through) at any send. */
  mostQueued: number
  /** Simulated milliseconds to send `total` bytes. */
  ms: number
}

/** Sends `total` bytes through a link of `bytesPerMs`, `rttMs` round trip, frames as the pacer cuts them. */
function simulate(bytesPerMs: number, rttMs: number, total: number): Run {
  const pacer = new RosterPacer()
  const inFlight: Array<SentFrame & { through: number; ackAt: number }> = []
  let inFlightBytes = 0
  let sent = 0
  let now = 0
  let linkFreeAt = 0
  let mostQueued = 0
  for (let steps = 0; steps < 1_000_000; steps++) {
    while (sent < total && pacer.mayWrite(inFlight.length, inFlightBytes)) {
      const bytes = Math.min(pacer.frameBytes, total - sent)
      const queued = inFlight
        .filter((f) => f.through > now)
        .reduce((n, f) => n + Math.min(f.bytes, (f.through - now) * bytesPerMs), 0)
      mostQueued = Math.max(mostQueued, queued)
      const through = Math.max(now, linkFreeAt) + bytes / bytesPerMs
      linkFreeAt = through
      inFlight.push({
        end: sent + bytes,
        bytes,
        sentAt: now,
        ahead: inFlightBytes,
        through,
        ackAt: through + rttMs,
      })
      inFlightBytes += bytes
      sent += bytes
    }
    const next = inFlight.shift()
    if (next === undefined) break
    now = next.ackAt
    inFlightBytes -= next.bytes
    pacer.acked(next, now)
  }
  return { window: pacer.windowBytes, mostQueued, ms: now }
}

describe('RosterPacer', () => {
  it('keeps a small frame or two on a slow link (8 KB/s, 20 KB/s; near and far)', () => {
    for (const [rate, rtt] of [
      [8, 50],
      [8, 300],
      [5, 50],
      [20, 50],
    ] as const) {
      const run = simulate(rate, rtt, 500_000)
      // Queue ahead of a scan: under a second and a half of the link, never 4 × 64 KiB.
      expect(run.mostQueued, `${rate} KB/s ${rtt} ms`).toBeLessThanOrEqual(
        Math.max(2 * ROSTER_MIN_BYTES, rate * 1500),
      )
      expect(run.window).toBeLessThanOrEqual(Math.max(ROSTER_MIN_BYTES, rate * (rtt + 500)))
      // And the link is kept busy: within 10 % of its rate.
      expect(run.ms).toBeLessThan((500_000 / rate) * 1.1 + 2 * rtt)
    }
  })

  it('opens to the former 4 × 64 KiB on a fast link, near (loopback) or far (300 ms)', () => {
    for (const [rate, rtt] of [
      [100_000, 1],
      [10_000, 300],
    ] as const) {
      const run = simulate(rate, rtt, 20_000_000)
      expect(run.window, `${rate} B/ms ${rtt} ms`).toBe(ROSTER_MAX_BYTES)
    }
  })

  it('never cuts frames below the smallest size nor above 64 KiB', () => {
    const p = new RosterPacer()
    expect(p.frameBytes).toBeGreaterThanOrEqual(ROSTER_MIN_FRAME_BYTES)
    for (let i = 0; i < 20; i++) p.acked({ end: 0, bytes: 64 * 1024, sentAt: i, ahead: 0 }, i + 0.1)
    expect(p.frameBytes).toBe(64 * 1024)
    expect(p.mayWrite(4, 0)).toBe(false)
    expect(p.mayWrite(0, 10 * ROSTER_MAX_BYTES)).toBe(true)
  })
})
