// A big screen's connection (console/src/screen/screen-feed.ts) against a fake EventSource and
// fetch: a stream that goes silent after the relay's heartbeat is replaced and the snapshot read
// again, one cut before its first heartbeat too (after the relay's documented interval); a
// rotated key leaves the screen saying so while it checks again, without showing the stale wall
// in between.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ScreenFeed, type FeedState } from '../../console/src/screen/screen-feed'
import type { ScreenEvent, WallSnapshot } from '../../shared/screen-api'
import { UNDER_LOAD } from '../helpers/wait'

type Listener = (m: MessageEvent<string>) => void

class FakeEventSource {
  static made: FakeEventSource[] = []
  /** What a new stream does: open, or fail (a 403 on the events path). */
  static behaviour: 'open' | 'fail' = 'open'
  onopen: (() => void) | null = null
  onmessage: Listener | null = null
  onerror: (() => void) | null = null
  closed = false
  private readonly named = new Map<string, Listener>()

  constructor(readonly url: string) {
    FakeEventSource.made.push(this)
    setTimeout(() => {
      if (this.closed) return
      if (FakeEventSource.behaviour === 'open') this.onopen?.()
      else this.onerror?.()
    }, 0)
  }
  addEventListener(name: string, l: Listener): void {
    this.named.set(name, l)
  }
  emit(name: string, data: unknown): void {
    this.emitRaw(name, JSON.stringify(data))
  }
  /** A message whose data is `data` as it came, JSON or not. */
  emitRaw(name: string, data: string): void {
    const m = { data } as MessageEvent<string>
    if (name === 'message') this.onmessage?.(m)
    else this.named.get(name)?.(m)
  }
  close(): void {
    this.closed = true
  }
}

const snapshot: WallSnapshot = {
  campaign: { id: 'c1', name: 'C1' },
  count: 0,
  recent: [],
  draw: null,
}

function setup(status: () => number, heartbeatMs?: number) {
  FakeEventSource.made = []
  FakeEventSource.behaviour = 'open'
  vi.stubGlobal('EventSource', FakeEventSource)
  const fetches: string[] = []
  vi.stubGlobal('fetch', (url: string) => {
    fetches.push(url)
    const code = status()
    return Promise.resolve(
      new Response(code === 200 ? JSON.stringify(snapshot) : '{}', { status: code }),
    )
  })
  const states: FeedState[] = []
  const events: ScreenEvent[] = []
  let snapshots = 0
  const feed = new ScreenFeed(
    {
      campaignId: 'c1',
      key: 'k',
      minBackoffMs: 1,
      maxBackoffMs: 2,
      forbiddenRetryMs: 20,
      silenceSlackMs: 50,
      watchMs: 10,
      ...(heartbeatMs !== undefined && { heartbeatMs }),
    },
    {
      snapshot: () => snapshots++,
      event: (e) => events.push(e),
      state: (s) => {
        if (states[states.length - 1] !== s) states.push(s)
      },
    },
  )
  return { feed, fetches, states, events, snapshots: () => snapshots }
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (const end = Date.now() + UNDER_LOAD.timeout; !check();) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('ScreenFeed', () => {
  // On the fake clock: with the real one, the new stream (its interval 20 ms too) was itself
  // given up 90 ms after it opened, before a loaded machine let the test look at it.
  it('a stream silent past two heartbeats is closed, a new one opened, the snapshot read again', async () => {
    vi.useFakeTimers()
    const { feed, states, snapshots } = setup(() => 200)
    feed.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(states).toEqual(['connecting', 'live'])
    const first = FakeEventSource.made[0]
    first?.emit('heartbeat', { type: 'heartbeat', at: 1, everyMs: 20 })
    // Silent from here: past 2 × 20 + 50 ms, at the watch's next look (every 10 ms), it is given
    // up; the new stream (backoff 1-2 ms) opens and the snapshot is read again, all well before
    // that one has been quiet for 90 ms.
    await vi.advanceTimersByTimeAsync(150)
    expect(first?.closed).toBe(true)
    expect(FakeEventSource.made).toHaveLength(2)
    expect(snapshots()).toBe(2)
    expect(states).toEqual(['connecting', 'live', 'offline', 'live'])
    feed.stop()
  })

  it('a snapshot asked by a stream given up for silence and answered late is not shown', async () => {
    // The link died while the screen read its snapshot: the answer (or its failure) comes
    // after the stream was given up, while the screen is offline and checking the relay.
    vi.useFakeTimers()
    const { feed, states, snapshots } = setup(() => 200)
    const answers: ((res: Response) => void)[] = []
    vi.stubGlobal('fetch', () => new Promise<Response>((resolve) => answers.push(resolve)))
    feed.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(answers).toHaveLength(1)
    FakeEventSource.made[0]?.emit('heartbeat', { type: 'heartbeat', at: 1, everyMs: 20 })
    await vi.advanceTimersByTimeAsync(150)
    // Given up; the relay is being checked (that answer pending too).
    expect(FakeEventSource.made[0]?.closed).toBe(true)
    expect(answers).toHaveLength(2)
    expect(states).toEqual(['connecting', 'offline'])
    answers[0]?.(new Response(JSON.stringify(snapshot), { status: 200 }))
    await vi.advanceTimersByTimeAsync(0)
    // The dead stream's snapshot says nothing: still offline, no stream, nothing shown.
    expect(snapshots()).toBe(0)
    expect(states).toEqual(['connecting', 'offline'])
    feed.stop()
  })

  it("a stream cut before its first heartbeat is given up after the relay's documented interval", async () => {
    vi.useFakeTimers()
    // The relay's interval (15 s in the page) as 20 ms here: no heartbeat has come yet.
    const { feed, states, snapshots } = setup(() => 200, 20)
    feed.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(states).toEqual(['connecting', 'live'])
    const first = FakeEventSource.made[0]
    first?.emit('message', { type: 'campaign', campaign: { id: 'c1', name: 'X' } })
    await vi.advanceTimersByTimeAsync(150)
    expect(first?.closed).toBe(true)
    expect(FakeEventSource.made).toHaveLength(2)
    expect(snapshots()).toBe(2)
    expect(states).toEqual(['connecting', 'live', 'offline', 'live'])
    feed.stop()
  })

  it("a quiet stream within the relay's heartbeat interval is kept", async () => {
    const { feed, states } = setup(() => 200)
    feed.start()
    await until(() => states.includes('live'), 'live')
    FakeEventSource.made[0]?.emit('message', {
      type: 'campaign',
      campaign: { id: 'c1', name: 'X' },
    })
    await new Promise((r) => setTimeout(r, 300))
    expect(FakeEventSource.made).toHaveLength(1)
    expect(FakeEventSource.made[0]?.closed).toBe(false)
    feed.stop()
  })

  it('a message or heartbeat that is not JSON or not of its shape is skipped; the next one counts', async () => {
    const { feed, states, events } = setup(() => 200)
    feed.start()
    await until(() => states.includes('live'), 'live')
    const es = FakeEventSource.made[0]
    es?.emitRaw('message', '{"type":"campaign",')
    es?.emit('message', { type: 'campaign', campaign: { id: 'c1' } })
    es?.emit('message', { type: 'campaign', campaign: { id: 'c1', name: 'X' } })
    expect(events).toEqual([{ type: 'campaign', campaign: { id: 'c1', name: 'X' } }])
    // Neither heartbeat is taken: the quiet stream stays trusted (with everyMs 20 it would be
    // given up within 2 × 20 + 50 ms, as above).
    es?.emitRaw('heartbeat', 'everyMs=20')
    es?.emit('heartbeat', { type: 'heartbeat', at: 1, everyMs: 5 })
    await new Promise((r) => setTimeout(r, 300))
    expect(FakeEventSource.made).toHaveLength(1)
    expect(es?.closed).toBe(false)
    feed.stop()
  })

  it("a visitor's erasure: the snapshot is read again on the same stream, the screen stays live", async () => {
    vi.useFakeTimers()
    const { feed, states, events, fetches, snapshots } = setup(() => 200)
    feed.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(states).toEqual(['connecting', 'live'])
    expect(snapshots()).toBe(1)
    FakeEventSource.made[0]?.emit('message', { type: 'erasure' })
    await vi.advanceTimersByTimeAsync(0)
    expect(snapshots()).toBe(2)
    expect(fetches.filter((u) => u.includes('/wall?'))).toHaveLength(2)
    // Nothing handed on as an event, no new stream, never offline.
    expect(events).toEqual([])
    expect(FakeEventSource.made).toHaveLength(1)
    expect(FakeEventSource.made[0]?.closed).toBe(false)
    expect(states).toEqual(['connecting', 'live'])
    feed.stop()
  })

  // Two erasures in a row (the organizer erasing two guests): two reads of the snapshot at once,
  // whose answers may come back in either order. The older one (still naming the second guest)
  // landing last put that guest's tile back on the wall for good.
  it('snapshots read at once: an older answer landing after a newer one is not shown', async () => {
    vi.useFakeTimers()
    FakeEventSource.made = []
    FakeEventSource.behaviour = 'open'
    vi.stubGlobal('EventSource', FakeEventSource)
    const guest = { number: 2, name: '李雷', at: 0 }
    const answers: Array<(s: WallSnapshot) => void> = []
    vi.stubGlobal(
      'fetch',
      () =>
        new Promise<Response>((resolve) =>
          answers.push((s) => resolve(new Response(JSON.stringify(s), { status: 200 }))),
        ),
    )
    const shown: WallSnapshot[] = []
    const feed = new ScreenFeed(
      { campaignId: 'c1', key: 'k', watchMs: 10 },
      { snapshot: (s) => shown.push(s), event: () => {}, state: () => {} },
    )
    feed.start()
    await vi.advanceTimersByTimeAsync(0)
    answers.shift()?.({ ...snapshot, count: 2, recent: [guest] })
    await vi.advanceTimersByTimeAsync(0)
    expect(shown.map((s) => s.recent.length)).toEqual([1])
    FakeEventSource.made[0]?.emit('message', { type: 'erasure' })
    FakeEventSource.made[0]?.emit('message', { type: 'erasure' })
    await vi.advanceTimersByTimeAsync(0)
    expect(answers).toHaveLength(2)
    const [older, newer] = answers
    newer?.({ ...snapshot, count: 2, recent: [] })
    await vi.advanceTimersByTimeAsync(0)
    older?.({ ...snapshot, count: 2, recent: [guest] })
    await vi.advanceTimersByTimeAsync(0)
    expect(shown.map((s) => s.recent.length)).toEqual([1, 0])
    feed.stop()
  })

  it('a rotated key: the screen keeps saying so while it checks again, never the stale wall', async () => {
    let status = 200
    const { feed, fetches, states } = setup(() => status)
    feed.start()
    await until(() => states.includes('live'), 'live')
    // The key is rotated: the relay ends the stream and refuses the old key from now on.
    status = 403
    FakeEventSource.behaviour = 'fail'
    FakeEventSource.made[0]?.onerror?.()
    await until(() => states.includes('forbidden'), 'forbidden')
    const checked = fetches.length
    // It checks again (slowly: forbiddenRetryMs), and stays forbidden through each check.
    await until(() => fetches.length >= checked + 3, 'three more checks')
    feed.stop()
    expect(states.slice(states.indexOf('forbidden'))).toEqual(['forbidden'])
  })
})
