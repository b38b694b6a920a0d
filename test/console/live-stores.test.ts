// @vitest-environment happy-dom
// Live data: `stats` events refetch the stats (a burst coalesced into one more fetch that sees
// every scan), the stream reopens after the relay drops it while the session lives, and the
// attendance table's pages drop answers to an older search.
import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { PAGE_SIZE, useAttendanceStore } from '../../console/src/stores/attendance'
import { useKiosksStore } from '../../console/src/stores/kiosks'
import { useLiveStore } from '../../console/src/stores/live'
import { useSessionStore } from '../../console/src/stores/session'
import { useStatsStore } from '../../console/src/stores/stats'
import { boothBars, fillTimeline, SLOT_MS } from '../../console/src/stats-view'
import type { ConsoleStats } from '../../shared/console-api'
import { createFakeConsoleApi, makeKiosk, makeRow, makeStats } from './fake-console-api'
import { setupConsoleStores } from './setup-console'

afterEach(() => vi.useRealTimers())

function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

describe('live stats', () => {
  it('a burst of stats events costs one fetch in flight plus one after it, and ends on the last numbers', async () => {
    const fake = createFakeConsoleApi()
    setupConsoleStores(fake.api)
    const live = useLiveStore()
    const stats = useStatsStore()
    stats.follow()
    const first = deferred<ConsoleStats>()
    fake.api.stats.mockReturnValueOnce(first.promise)
    live.start()
    expect(fake.api.stats).toHaveBeenCalledTimes(1)
    fake.api.stats.mockResolvedValue(makeStats({ scans: 50 }))
    for (let i = 0; i < 20; i++) fake.emit({ type: 'stats', at: i })
    expect(fake.api.stats).toHaveBeenCalledTimes(1)
    first.resolve(makeStats({ scans: 10 }))
    await flushPromises()
    expect(fake.api.stats).toHaveBeenCalledTimes(2)
    expect(stats.stats?.scans).toBe(50)
    // A later event after things went quiet fetches again at once.
    fake.api.stats.mockResolvedValue(makeStats({ scans: 51 }))
    fake.emit({ type: 'stats', at: 99 })
    await flushPromises()
    expect(stats.stats?.scans).toBe(51)
  })

  it('scans refresh the booth list at most about once a second, ending on the last counts', async () => {
    vi.useFakeTimers()
    const fake = createFakeConsoleApi()
    setupConsoleStores(fake.api)
    const kiosks = useKiosksStore()
    kiosks.follow()
    useLiveStore().start()
    await flushPromises()
    vi.advanceTimersByTime(5000)
    const before = fake.api.kiosks.mock.calls.length
    // 100 scans/s for a second: the relay's coalesced `stats` events, 3 of them every 100 ms.
    for (let i = 1; i <= 30; i++) {
      fake.api.kiosks.mockResolvedValue([makeKiosk({ scansToday: i })])
      fake.emit({ type: 'stats', at: i })
      await vi.advanceTimersByTimeAsync(33)
    }
    await vi.advanceTimersByTimeAsync(1000)
    expect(fake.api.kiosks.mock.calls.length - before).toBeGreaterThanOrEqual(1)
    expect(fake.api.kiosks.mock.calls.length - before).toBeLessThanOrEqual(2)
    expect(kiosks.list[0]?.scansToday).toBe(30)
    // A booth that pairs or goes offline (a `kiosks` event) is shown at once, not a second later.
    fake.emit({ type: 'stats', at: 31 })
    fake.api.kiosks.mockResolvedValue([makeKiosk({ online: false, scansToday: 31 })])
    const calls = fake.api.kiosks.mock.calls.length
    fake.emit({ type: 'kiosks', at: 32 })
    await flushPromises()
    expect(fake.api.kiosks.mock.calls.length).toBe(calls + 1)
    expect(kiosks.list[0]?.online).toBe(false)
  })

  it('a kiosks event refreshes the booths, not the stats', async () => {
    const fake = createFakeConsoleApi()
    setupConsoleStores(fake.api)
    useStatsStore().follow()
    useKiosksStore().follow()
    useLiveStore().start()
    await flushPromises()
    const before = {
      stats: fake.api.stats.mock.calls.length,
      kiosks: fake.api.kiosks.mock.calls.length,
    }
    fake.emit({ type: 'kiosks', at: 1 })
    await flushPromises()
    expect(fake.api.kiosks.mock.calls.length).toBe(before.kiosks + 1)
    expect(fake.api.stats.mock.calls.length).toBe(before.stats)
    expect(useKiosksStore().loaded).toBe(true)
  })

  it('refreshes only what a page on screen follows', async () => {
    const fake = createFakeConsoleApi()
    setupConsoleStores(fake.api)
    const unfollow = useKiosksStore().follow()
    useLiveStore().start()
    await flushPromises()
    fake.emit({ type: 'stats', at: 1 })
    await flushPromises()
    expect(fake.api.stats).not.toHaveBeenCalled()
    expect(fake.api.kiosks).toHaveBeenCalledTimes(2)
    unfollow()
    unfollow()
    fake.emit({ type: 'stats', at: 2 })
    fake.emit({ type: 'kiosks', at: 3 })
    await flushPromises()
    expect(fake.api.kiosks).toHaveBeenCalledTimes(2)
    const stopStats = useStatsStore().follow()
    fake.emit({ type: 'stats', at: 4 })
    await flushPromises()
    expect(fake.api.stats).toHaveBeenCalledTimes(1)
    stopStats()
  })

  it('after EventSource reconnects by itself, fetches what it may have missed', async () => {
    const fake = createFakeConsoleApi()
    setupConsoleStores(fake.api)
    const live = useLiveStore()
    useStatsStore().follow()
    live.start()
    await flushPromises()
    expect(fake.api.stats).toHaveBeenCalledTimes(1)
    fake.dropStream()
    expect(live.connected).toBe(false)
    fake.api.stats.mockResolvedValue(makeStats({ scans: 9 }))
    fake.reopenStream()
    await flushPromises()
    expect(live.connected).toBe(true)
    expect(fake.api.stats).toHaveBeenCalledTimes(2)
    expect(useStatsStore().stats?.scans).toBe(9)
    // An open that follows an open (no drop between) fetches nothing more.
    fake.reopenStream()
    await flushPromises()
    expect(fake.api.stats).toHaveBeenCalledTimes(2)
  })

  it('a stream that goes silent before its first heartbeat is replaced and the stats read again', async () => {
    // A Wi-Fi switch seconds after sign-in: no heartbeat has come yet (the relay sends its
    // first after 15 s), and the page must not say 实时 with frozen numbers for good.
    vi.useFakeTimers()
    const fake = createFakeConsoleApi()
    setupConsoleStores(fake.api)
    const live = useLiveStore()
    useStatsStore().follow()
    live.start()
    fake.reopenStream()
    await flushPromises()
    const reads = fake.api.stats.mock.calls.length
    expect(fake.api.events).toHaveBeenCalledTimes(1)
    // Two of the relay's documented 15 s intervals and the slack, and nothing came.
    await vi.advanceTimersByTimeAsync(2 * 15_000 + 2000 + 2 * 1000)
    expect(fake.api.events).toHaveBeenCalledTimes(2)
    expect(fake.streams()).toBe(1)
    expect(live.connected).toBe(false)
    fake.api.stats.mockResolvedValue(makeStats({ scans: 77 }))
    fake.reopenStream()
    await flushPromises()
    expect(live.connected).toBe(true)
    expect(fake.api.stats.mock.calls.length).toBe(reads + 1)
    expect(useStatsStore().stats?.scans).toBe(77)
    // Heartbeats keep a quiet stream: it is not replaced while they come.
    for (let i = 0; i < 10; i++) {
      fake.emit({ type: 'heartbeat', at: i, everyMs: 15_000 })
      await vi.advanceTimersByTimeAsync(15_000)
    }
    expect(fake.api.events).toHaveBeenCalledTimes(2)
    live.stop()
  })

  it('reopens the stream after the relay closed it if still signed in; not after the session ended', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const fake = createFakeConsoleApi()
    setupConsoleStores(fake.api)
    const session = useSessionStore()
    await session.check()
    const live = useLiveStore()
    live.start()
    fake.closeStream()
    await flushPromises()
    expect(live.connected).toBe(false)
    expect(fake.streams()).toBe(0)
    vi.advanceTimersByTime(5000)
    expect(fake.streams()).toBe(1)
    fake.api.session.mockResolvedValue(null)
    fake.closeStream()
    await flushPromises()
    vi.advanceTimersByTime(60_000)
    expect(fake.streams()).toBe(0)
    expect(session.state).toBe('signed-out')
  })
})

describe('live stream while the relay restarts behind a proxy', () => {
  it('a stream reopened after a refusal is not shown live, nor the stats read, until it opens', async () => {
    // nginx answers 502 while the relay restarts: EventSource gives up on each stream (closed),
    // the session check cannot reach the relay either, and a new stream is tried every 3 s.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
    const fake = createFakeConsoleApi()
    setupConsoleStores(fake.api)
    const session = useSessionStore()
    await session.check()
    const live = useLiveStore()
    useStatsStore().follow()
    live.start()
    fake.reopenStream()
    await flushPromises()
    fake.api.session.mockRejectedValue(new TypeError('Failed to fetch'))
    for (let i = 0; i < 5; i++) {
      const reads = fake.api.stats.mock.calls.length
      fake.closeStream()
      await flushPromises()
      expect(session.state).toBe('signed-in')
      await vi.advanceTimersByTimeAsync(3000)
      // A new stream, still refused or opening: the header keeps saying it is reconnecting.
      expect(fake.streams()).toBe(1)
      expect(live.connected).toBe(false)
      expect(fake.api.stats.mock.calls.length).toBe(reads)
    }
    // The relay is back: the stream opens, live again, what was missed read once.
    const reads = fake.api.stats.mock.calls.length
    fake.api.stats.mockResolvedValue(makeStats({ scans: 42 }))
    fake.reopenStream()
    await flushPromises()
    expect(live.connected).toBe(true)
    expect(fake.api.stats.mock.calls.length).toBe(reads + 1)
    expect(useStatsStore().stats?.scans).toBe(42)
    live.stop()
  })

  it('signed out while the session check of a closed stream runs: no stream is opened again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const fake = createFakeConsoleApi()
    setupConsoleStores(fake.api)
    const session = useSessionStore()
    await session.check()
    const live = useLiveStore()
    live.start()
    const answer = deferred<{ name: string; expiresAt: number }>()
    fake.api.session.mockReturnValue(answer.promise)
    fake.closeStream()
    await flushPromises()
    // The organizer signs out (the app stops the stream) before the relay answers the check,
    // which still names them: their sign-out went after it.
    live.stop()
    answer.resolve({ name: 'alice', expiresAt: 0 })
    await flushPromises()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(fake.streams()).toBe(0)
    expect(live.running).toBe(false)
  })
})

describe('session checks that outlive a sign-in or sign-out', () => {
  it('a check answered after an idle sign-out does not sign the tab back in', async () => {
    const fake = createFakeConsoleApi()
    setupConsoleStores(fake.api)
    const session = useSessionStore()
    await session.check()
    expect(session.state).toBe('signed-in')
    const answer = deferred<{ name: string; expiresAt: number }>()
    fake.api.session.mockReturnValueOnce(answer.promise)
    const checking = session.check()
    // Nobody at the laptop: the console signs out; the relay cannot be reached to end it.
    fake.api.logout.mockRejectedValueOnce(new Error('unreachable'))
    await session.idleOut()
    expect(session.state).toBe('signed-out')
    // The check asked before it still names the organizer: it must not bring their console back.
    answer.resolve({ name: 'alice', expiresAt: 0 })
    await checking
    expect(session.state).toBe('signed-out')
    expect(session.info).toBeNull()
  })

  it('of two checks under way, the second one’s “nobody” is not dropped for the first one’s answer', async () => {
    const fake = createFakeConsoleApi()
    setupConsoleStores(fake.api)
    const session = useSessionStore()
    await session.check()
    const first = deferred<{ name: string; expiresAt: number } | null>()
    const second = deferred<{ name: string; expiresAt: number } | null>()
    fake.api.session.mockReturnValueOnce(first.promise).mockReturnValueOnce(second.promise)
    const checks = [session.check(), session.check()]
    first.resolve({ name: 'alice', expiresAt: 0 })
    await flushPromises()
    // The session ended on the relay between the two: the later answer says so.
    second.resolve(null)
    await Promise.all(checks)
    expect(session.state).toBe('signed-out')
    expect(session.expired).toBe(true)
  })

  it('a check answered "nobody" after a sign-in does not sign the new session out', async () => {
    const fake = createFakeConsoleApi()
    setupConsoleStores(fake.api)
    const session = useSessionStore()
    const answer = deferred<{ name: string; expiresAt: number } | null>()
    fake.api.session.mockReturnValueOnce(answer.promise)
    const checking = session.check()
    expect(await session.login('alice', 'pw')).toBe(true)
    answer.resolve(null)
    await checking
    expect(session.state).toBe('signed-in')
    expect(session.expired).toBe(false)
  })
})

describe('attendance pages', () => {
  it('fetches only the pages the list shows, and keeps none from an older search', async () => {
    const fake = createFakeConsoleApi()
    setupConsoleStores(fake.api)
    const store = useAttendanceStore()
    const total = 100_000
    fake.api.attendance.mockImplementation(({ offset, limit }) =>
      Promise.resolve({
        total,
        rows: Array.from({ length: limit }, (_, i) => makeRow(offset + i)),
      }),
    )
    await store.reset('')
    store.ensureRange(50_000, 50_030)
    await flushPromises()
    expect(store.rowAt(50_010)?.eventId).toBe('e50010')
    expect(store.pages.size).toBe(2)
    expect(fake.api.attendance.mock.calls.map((c) => c[0].offset)).toEqual([
      0,
      50_000 - (50_000 % PAGE_SIZE),
    ])

    const slow = deferred<{ total: number; rows: ReturnType<typeof makeRow>[] }>()
    fake.api.attendance.mockReturnValueOnce(slow.promise)
    const old = store.reset('old')
    fake.api.attendance.mockResolvedValueOnce({ total: 1, rows: [makeRow(7)] })
    await store.reset('new')
    slow.resolve({ total: 5, rows: [makeRow(1)] })
    await old
    expect(store.total).toBe(1)
    expect(store.rowAt(0)?.eventId).toBe('e7')
    expect(fake.api.attendance.mock.calls.at(-1)?.[0].q).toBe('new')
  })
})

describe('stats view', () => {
  it('fills quiet 10-minute slots with zeros up to now', () => {
    const start = Date.UTC(2026, 11, 2, 1, 0)
    const slots = fillTimeline(
      [
        { at: start + 3 * SLOT_MS, scans: 4 },
        { at: start, scans: 2 },
      ],
      start + 5 * SLOT_MS + 30_000,
    )
    expect(slots.map((s) => s.scans)).toEqual([2, 0, 0, 4, 0, 0])
    expect(slots[5]?.at).toBe(start + 5 * SLOT_MS)
    expect(fillTimeline([], start)).toEqual([])
  })

  it('orders booths by scans with bars relative to the busiest', () => {
    const bars = boothBars(
      makeStats({
        perKiosk: [
          { id: 'b', scans: 5, visitors: 4 },
          { id: 'a', scans: 20, visitors: 9 },
          { id: 'c', scans: 0, visitors: 0 },
        ],
      }),
    )
    expect(bars.map((b) => [b.id, b.percent])).toEqual([
      ['a', 100],
      ['b', 25],
      ['c', 0],
    ])
  })
})
