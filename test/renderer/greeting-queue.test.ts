// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { watch } from 'vue'
import {
  GREETING_BUSY_MS,
  GREETING_MS,
  GREETING_STALE_MS,
  GREETING_VISIBLE_WAIT_MS,
  useGreetingStore,
} from '../../renderer/src/stores/greetings'
import { createFakeKioskApi, makeGreeting, type FakeKioskApi } from './fake-kiosk-api'
import { setupStores } from './setup-app'

describe('greeting queue', () => {
  let fake: FakeKioskApi

  beforeEach(() => {
    vi.useFakeTimers()
    fake = createFakeKioskApi()
    setupStores(fake.api)
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  /**
   * The store as the kiosk screen uses it, the screen painting each greeting fully in at once
   * (the screen says so with `visible`, as at the end of its fade-in).
   */
  function onScreen(): ReturnType<typeof useGreetingStore> {
    const store = useGreetingStore()
    watch(
      () => store.current,
      (g) => {
        if (g) store.visible(g.eventId)
      },
      { flush: 'sync' },
    )
    return store
  }

  /** Lets each greeting run its course in 100 ms steps, recording every one put on show. */
  function drain(store: ReturnType<typeof useGreetingStore>, maxSteps = 2_000): string[] {
    const shown: string[] = []
    for (let step = 0; step < maxSteps && store.current; step++) {
      if (shown[shown.length - 1] !== store.current.eventId) shown.push(store.current.eventId)
      vi.advanceTimersByTime(100)
    }
    return shown
  }

  it('shows greetings that arrive together one after another, in order, none dropped', () => {
    const store = onScreen()
    store.listen()
    store.resume()
    for (let n = 1; n <= 7; n++) fake.emit('greeting', makeGreeting(n))

    expect(store.current?.eventId).toBe('ev-1')
    expect(store.pending).toBe(6)
    const shown = drain(store)
    expect(shown).toEqual(['ev-1', 'ev-2', 'ev-3', 'ev-4', 'ev-5', 'ev-6', 'ev-7'])
    expect(store.current).toBeNull()
    expect(fake.api.greetingShown.mock.calls.map(([i]) => i.eventId)).toEqual(shown)
  })

  it('keeps each greeting up for a while and reports it shown only afterwards', () => {
    const store = onScreen()
    store.resume()
    store.enqueue(makeGreeting(1))
    vi.advanceTimersByTime(GREETING_MS - 100)
    expect(store.current?.eventId).toBe('ev-1')
    expect(fake.api.greetingShown).not.toHaveBeenCalled()
    vi.advanceTimersByTime(100)
    expect(store.current).toBeNull()
    expect(fake.api.greetingShown).toHaveBeenCalledWith({ eventId: 'ev-1' })
  })

  it('moves faster through a backlog but still shows every one', () => {
    const store = onScreen()
    store.resume()
    store.enqueue(makeGreeting(1))
    store.enqueue(makeGreeting(2))
    vi.advanceTimersByTime(GREETING_BUSY_MS)
    expect(store.current?.eventId).toBe('ev-2')
  })

  it("counts a greeting's time from when the screen has it fully in, not from when it went up", () => {
    // A slow booth PC: the greeting's fade-in ends 1.5 s after it was put up.
    const store = useGreetingStore()
    store.resume()
    store.enqueue(makeGreeting(1))
    store.enqueue(makeGreeting(2))
    vi.advanceTimersByTime(1_500)
    store.visible('ev-2') // not the one on show: changes nothing
    store.visible('ev-1')
    vi.advanceTimersByTime(GREETING_BUSY_MS - 1)
    expect(store.current?.eventId).toBe('ev-1')
    store.visible('ev-1') // said twice: its time does not start again
    vi.advanceTimersByTime(1)
    expect(store.current?.eventId).toBe('ev-2')
    expect(fake.api.greetingShown).toHaveBeenCalledWith({ eventId: 'ev-1' })
  })

  it('a greeting alone, hurried by one arriving before it is fully in, gets the busy time from then', () => {
    const store = useGreetingStore()
    store.resume()
    store.enqueue(makeGreeting(1))
    vi.advanceTimersByTime(500)
    store.enqueue(makeGreeting(2))
    vi.advanceTimersByTime(500)
    store.visible('ev-1')
    vi.advanceTimersByTime(GREETING_BUSY_MS - 1)
    expect(store.current?.eventId).toBe('ev-1')
    vi.advanceTimersByTime(1)
    expect(store.current?.eventId).toBe('ev-2')
  })

  it('counts anyway when the screen never says the greeting is in (a hidden page paints nothing)', () => {
    const store = useGreetingStore()
    store.resume()
    store.enqueue(makeGreeting(1))
    vi.advanceTimersByTime(GREETING_VISIBLE_WAIT_MS + GREETING_MS - 1)
    expect(store.current?.eventId).toBe('ev-1')
    vi.advanceTimersByTime(1)
    expect(store.current).toBeNull()
    expect(fake.api.greetingShown).toHaveBeenCalledWith({ eventId: 'ev-1' })
  })

  it('ignores the same event delivered twice', () => {
    const store = onScreen()
    store.resume()
    store.enqueue(makeGreeting(1))
    store.enqueue(makeGreeting(2))
    store.enqueue(makeGreeting(1))
    expect(drain(store)).toEqual(['ev-1', 'ev-2'])
    expect(fake.api.greetingShown).toHaveBeenCalledTimes(2)
  })

  it('holds greetings while the kiosk screen is hidden and shows them all afterwards', () => {
    const store = onScreen()
    store.resume()
    store.enqueue(makeGreeting(1))
    store.pause()
    store.enqueue(makeGreeting(2))
    vi.advanceTimersByTime(30_000)
    expect(store.current).toBeNull()
    expect(fake.api.greetingShown).not.toHaveBeenCalled()

    store.resume()
    expect(drain(store)).toEqual(['ev-1', 'ev-2'])
  })

  it('drops greetings held longer than a minute unshown, and shows the ones still fresh', () => {
    const store = onScreen()
    store.resume()
    store.enqueue(makeGreeting(1))
    // The admin area opens mid-greeting: ev-1 goes back to the queue, ev-2 and ev-3 wait.
    store.pause()
    store.enqueue(makeGreeting(2))
    vi.advanceTimersByTime(30_000)
    store.enqueue(makeGreeting(3))
    vi.advanceTimersByTime(GREETING_STALE_MS - 30_000 + 1)

    store.resume()
    expect(drain(store)).toEqual(['ev-3'])
    expect(fake.api.greetingShown).toHaveBeenCalledTimes(1)
    expect(fake.api.greetingShown).toHaveBeenCalledWith({ eventId: 'ev-3' })
    expect(store.pending).toBe(0)
  })

  it('back online: greetings of scans made while offline age from the scan, and the visitor here now is not kept waiting', () => {
    const store = onScreen()
    store.listen()
    store.resume()
    // The link returns: twenty visitors scanned the fallback code in the last minute (50 s ago
    // and after), then one scans now.
    const now = Date.now()
    for (let n = 1; n <= 20; n++) fake.emit('greeting', makeGreeting(n, { at: now - 50_000 + n }))
    fake.emit('greeting', makeGreeting(21, { at: now }))
    const shown: string[] = []
    let liveAfterMs: number | null = null
    for (let step = 0; step < 2_000 && store.current; step++) {
      const id = store.current.eventId
      if (shown.at(-1) !== id) shown.push(id)
      if (id === 'ev-21' && liveAfterMs === null) liveAfterMs = Date.now() - now
      vi.advanceTimersByTime(100)
    }
    // None put on show more than a minute after its scan; the visitor at the booth greeted.
    expect(shown.at(-1)).toBe('ev-21')
    expect(shown.length).toBeLessThanOrEqual(1 + Math.ceil(10_000 / GREETING_BUSY_MS) + 1)
    expect(liveAfterMs).not.toBeNull()
    expect(liveAfterMs ?? Infinity).toBeLessThanOrEqual(10_000 + GREETING_BUSY_MS)
  })

  it('holds at most a minute of greetings while hidden, however long the admin area stays open', () => {
    // A desk spends the day on the admin area's desk page: a greeting per check-in, none shown.
    const store = onScreen()
    store.listen()
    store.resume()
    store.pause()
    const perMinute = GREETING_STALE_MS / 1000
    for (let n = 1; n <= 10 * perMinute; n++) {
      fake.emit('greeting', makeGreeting(n))
      vi.advanceTimersByTime(1000)
    }
    // Those more than a minute old could never be shown: they are not kept.
    expect(store.pending).toBeLessThanOrEqual(perMinute + 1)
    expect(store.pending).toBeGreaterThan(0)

    store.resume()
    const shown = drain(store)
    expect(shown[0]).toBe(`ev-${9 * perMinute + 1}`)
    expect(store.pending).toBe(0)
  })

  it('a greeting on screen when the lid closed is gone within a second of waking, its queue too', () => {
    // Timers stand still while the computer sleeps: the greeting's own timer would keep it up
    // for the rest of its time after waking, for a visitor long gone. The wall clock says so.
    const store = onScreen()
    store.resume()
    const now = Date.now()
    store.enqueue(makeGreeting(1, { at: now }))
    store.enqueue(makeGreeting(2, { at: now }))
    vi.advanceTimersByTime(500)
    expect(store.current?.eventId).toBe('ev-1')
    vi.setSystemTime(now + 30 * 60_000) // the lid was closed for half an hour
    vi.advanceTimersByTime(1_000)
    expect(store.current).toBeNull()
    expect(store.pending).toBe(0)
    expect(fake.api.greetingShown.mock.calls.map(([i]) => i.eventId)).toEqual(['ev-1'])
  })

  it('a clock set back leaves the greeting its full time, by its timer', () => {
    const store = onScreen()
    store.resume()
    store.enqueue(makeGreeting(1))
    vi.setSystemTime(Date.now() - 3_600_000)
    vi.advanceTimersByTime(GREETING_MS - 100)
    expect(store.current?.eventId).toBe('ev-1')
    vi.advanceTimersByTime(100)
    expect(store.current).toBeNull()
    expect(fake.api.greetingShown).toHaveBeenCalledWith({ eventId: 'ev-1' })
  })

  it('a clock set back under a greeting on show: the next visitor still gets the screen in the busy time', () => {
    // NTP sets a booth clock 40 min fast right while a greeting is up, and another visitor
    // scans: the one on show is cut down to the busy length, by a timer worked out from the
    // clock. It was set for the 40 min the clock went back as well, the next visitor waiting.
    const store = onScreen()
    store.resume()
    store.enqueue(makeGreeting(1))
    vi.advanceTimersByTime(1_000)
    vi.setSystemTime(Date.now() - 40 * 60_000)
    store.enqueue(makeGreeting(2))
    vi.advanceTimersByTime(GREETING_BUSY_MS)
    expect(store.current?.eventId).toBe('ev-2')
    expect(fake.api.greetingShown).toHaveBeenCalledWith({ eventId: 'ev-1' })
  })

  it('a greeting put up but not yet painted in when the lid closed is gone within a second of waking', () => {
    // The screen never said it was fully in (asleep mid-fade): its time starts
    // GREETING_VISIBLE_WAIT_MS after it went up, by the wall clock too.
    const store = useGreetingStore()
    store.resume()
    const now = Date.now()
    store.enqueue(makeGreeting(1, { at: now }))
    expect(store.current?.eventId).toBe('ev-1')
    vi.setSystemTime(now + 30 * 60_000)
    vi.advanceTimersByTime(1_000)
    expect(store.current).toBeNull()
    expect(fake.api.greetingShown.mock.calls.map(([i]) => i.eventId)).toEqual(['ev-1'])
  })

  it('a greeting tapped away early is still reported and the next one follows', () => {
    const store = onScreen()
    store.resume()
    store.enqueue(makeGreeting(1))
    store.enqueue(makeGreeting(2))
    store.dismiss()
    expect(fake.api.greetingShown).toHaveBeenCalledWith({ eventId: 'ev-1' })
    expect(store.current?.eventId).toBe('ev-2')
  })

  it('keeps going when the core cannot be told a greeting was shown', async () => {
    fake.api.greetingShown.mockRejectedValue(new Error('offline'))
    const store = onScreen()
    store.resume()
    store.enqueue(makeGreeting(1))
    store.enqueue(makeGreeting(2))
    vi.advanceTimersByTime(GREETING_BUSY_MS)
    await Promise.resolve()
    expect(store.current?.eventId).toBe('ev-2')
  })
})
