// The stored bindings a kiosk is sent after its roster, with a fake socket: in batches, at most
// the pacer's window unanswered by the kiosk's pongs; a pong lets the next go, an overdue one
// counts as through; each binding once, in order; a registration bound live meanwhile is not
// sent its stale stored binding after; the link closing leaves nothing sent or scheduled.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { silentLogger } from '../../relay/log'
import { ROSTER_START_BYTES } from '../../relay/roster-pacer'
import { BINDING_PONG_WAIT_MS, RosterSync } from '../../relay/roster-sync'
import type { Binding } from '../../relay/store/campaign-types'
import type { RelayFrame } from '../../shared/relay-protocol'

const N = 1000
const stored: Binding[] = Array.from({ length: N }, (_, i) => ({
  registrationId: `r${i}`,
  openid: `o_${String(i).padStart(26, 'x')}`,
  at: 1_700_000_000_000 + i,
}))

function harness(withPing = true) {
  const sent: RelayFrame[] = []
  const pings: string[] = []
  let queued = 0
  const sync = new RosterSync({
    campaigns: {
      readRoster: () => Promise.resolve({ version: 7, total: 1, entries: [] }),
      bindings: () => Promise.resolve(stored),
    },
    send: (frame) => {
      sent.push(frame)
      return Buffer.byteLength(JSON.stringify(frame))
    },
    open: () => true,
    queuedBytes: () => queued,
    ping: withPing ? (data) => pings.push(data.toString('latin1')) : undefined,
    log: silentLogger,
    kioskId: 'k1',
  })
  const bindings = () => sent.flatMap((f) => (f.type === 'binding' ? [f.registrationId] : []))
  const bytes = () =>
    sent.reduce((n, f) => n + (f.type === 'binding' ? Buffer.byteLength(JSON.stringify(f)) : 0), 0)
  return { sync, sent, pings, bindings, bytes, setQueued: (n: number) => (queued = n) }
}

/** The kiosk already holds the whole roster: the bindings start at once. */
const resumeAtEnd = { campaignId: 'c1', version: 7, offset: 1 }

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('stored bindings after the roster', () => {
  it('go out a window at a time, each pong letting more go, each binding once and in order', async () => {
    const h = harness()
    await h.sync.start('c1', resumeAtEnd)
    expect(h.bytes()).toBeGreaterThan(0)
    expect(h.bytes()).toBeLessThanOrEqual(ROSTER_START_BYTES + 1024)
    expect(h.bindings().length).toBeLessThan(N)
    for (let round = 0; h.bindings().length < N && round < 1000; round++) {
      const first = h.pings.shift()
      expect(first).toBeDefined()
      h.sync.onPong(Buffer.from(first ?? '', 'latin1'))
    }
    expect(h.bindings()).toEqual(stored.map((b) => b.registrationId))
    // A pong this side did not ask for moves nothing.
    h.sync.onPong(Buffer.from('b999999', 'latin1'))
    h.sync.onPong(Buffer.alloc(0))
    expect(h.bindings()).toHaveLength(N)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('an overdue pong counts as through; a full socket queue waits', async () => {
    const h = harness()
    await h.sync.start('c1', resumeAtEnd)
    const first = h.bindings().length
    vi.advanceTimersByTime(BINDING_PONG_WAIT_MS)
    expect(h.bindings().length).toBeGreaterThan(first)
    h.setQueued(1024 * 1024)
    const second = h.bindings().length
    vi.advanceTimersByTime(BINDING_PONG_WAIT_MS * 3)
    expect(h.bindings().length).toBe(second)
    h.setQueued(0)
    h.sync.drained()
    vi.advanceTimersByTime(BINDING_PONG_WAIT_MS * 100)
    expect(h.bindings()).toEqual(stored.map((b) => b.registrationId))
  })

  it('without pings, the socket queue alone paces them', async () => {
    const h = harness(false)
    h.setQueued(1024 * 1024)
    await h.sync.start('c1', resumeAtEnd)
    expect(h.bindings()).toHaveLength(0)
    h.setQueued(0)
    vi.advanceTimersByTime(1000)
    expect(h.bindings()).toEqual(stored.map((b) => b.registrationId))
  })

  it('a registration bound live meanwhile does not get its stored binding after', async () => {
    const h = harness()
    await h.sync.start('c1', resumeAtEnd)
    const fresh = { registrationId: `r${N - 1}`, openid: 'o_rebound', at: 1_800_000_000_000 }
    h.sync.onBinding('c1', fresh)
    vi.advanceTimersByTime(BINDING_PONG_WAIT_MS * 100)
    const last = h.sent.filter(
      (f): f is Extract<RelayFrame, { type: 'binding' }> =>
        f.type === 'binding' && f.registrationId === fresh.registrationId,
    )
    expect(last.map((f) => f.openid)).toEqual(['o_rebound'])
    expect(new Set(h.bindings()).size).toBe(N)
  })

  it('stop: nothing more is sent, and no timer is left', async () => {
    const h = harness()
    await h.sync.start('c1', resumeAtEnd)
    const before = h.sent.length
    expect(vi.getTimerCount()).toBe(1)
    h.sync.stop()
    expect(vi.getTimerCount()).toBe(0)
    h.sync.onPong(Buffer.from(h.pings[0] ?? '', 'latin1'))
    h.sync.drained()
    vi.advanceTimersByTime(BINDING_PONG_WAIT_MS * 100)
    expect(h.sent).toHaveLength(before)
  })
})
