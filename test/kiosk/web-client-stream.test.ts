// The browser kiosk client's event stream over a page's life: pages come and go (the admin area
// opened and left, the desk closed), the kiosk refuses the stream while it restarts. No stream
// stays open and no retry timer keeps reopening one once nobody listens.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createWebKioskApi,
  kioskStreamSignals,
  type EventSourceFactory,
  type EventSourceLike,
} from '../../renderer/src/bridge/web-client'

interface FakeSource extends EventSourceLike {
  readyState: number
  closed: boolean
  fire(type: string, data?: string): void
  listening(type: string): number
}

function fakeStreams(): { factory: EventSourceFactory; opened: FakeSource[] } {
  const opened: FakeSource[] = []
  const factory: EventSourceFactory = () => {
    const listeners = new Map<string, Set<(e: { data: string }) => void>>()
    const es: FakeSource = {
      readyState: 0,
      closed: false,
      addEventListener(type, l) {
        if (!listeners.has(type)) listeners.set(type, new Set())
        listeners.get(type)?.add(l)
      },
      removeEventListener(type, l) {
        listeners.get(type)?.delete(l)
      },
      close() {
        es.closed = true
        es.readyState = 2
      },
      fire(type, data = '') {
        for (const l of [...(listeners.get(type) ?? [])]) l({ data })
      },
      listening(type) {
        return listeners.get(type)?.size ?? 0
      },
    }
    opened.push(es)
    return es
  }
  return { factory, opened }
}

/** A kiosk that never answers a call (none is made by these streams without a screen listener). */
const noFetch: typeof fetch = () => Promise.reject(new Error('no call expected'))

/** The browser gives up on a stream (a 401 or 503 answer): CLOSED, then `error`. */
function refuse(es: FakeSource): void {
  es.readyState = 2
  es.fire('error')
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('web client event stream', () => {
  it('a refused stream is opened again after the retry delay, once', () => {
    const { factory, opened } = fakeStreams()
    const api = createWebKioskApi('http://127.0.0.1:1', 'key', {
      eventSource: factory,
      fetch: noFetch,
      streamRetryMs: 2000,
    })
    const locales: string[] = []
    api.on('locale', (l) => locales.push(l))
    expect(opened).toHaveLength(1)
    refuse(opened[0]!)
    vi.advanceTimersByTime(1999)
    expect(opened).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(opened).toHaveLength(2)
    expect(opened[0]?.closed).toBe(true)
    opened[1]?.fire('locale', '"en"')
    expect(locales).toEqual(['en'])
    vi.advanceTimersByTime(60_000)
    expect(opened).toHaveLength(2)
  })

  it('the retry of a refused stream is dropped when the last listener goes', () => {
    const { factory, opened } = fakeStreams()
    const api = createWebKioskApi('http://127.0.0.1:1', 'key', {
      eventSource: factory,
      fetch: noFetch,
      streamRetryMs: 2000,
    })
    const offLocale = api.on('locale', () => undefined)
    const offStatus = api.on('status', () => undefined)
    refuse(opened[0]!)
    offLocale()
    offStatus()
    vi.advanceTimersByTime(60_000)
    // Nobody listens: no stream was opened again for nobody, and no timer waits.
    expect(opened).toHaveLength(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('the stream closes when the last listener goes, and a new listener opens a new one', () => {
    const { factory, opened } = fakeStreams()
    const api = createWebKioskApi('http://127.0.0.1:1', 'key', {
      eventSource: factory,
      fetch: noFetch,
    })
    // A page opened and left many times (the admin area all day): one stream at a time.
    for (let i = 0; i < 200; i++) {
      const off = api.on('attendance', () => undefined)
      expect(opened.filter((es) => !es.closed)).toHaveLength(1)
      off()
      expect(opened.filter((es) => !es.closed)).toHaveLength(0)
    }
    const locales: string[] = []
    api.on('locale', (l) => locales.push(l))
    const live = opened.filter((es) => !es.closed)
    expect(live).toHaveLength(1)
    expect(live[0]?.listening('locale')).toBe(1)
    live[0]?.fire('locale', '"zh-CN"')
    expect(locales).toEqual(['zh-CN'])
  })

  it('a listener that stays keeps the stream while others come and go', () => {
    const { factory, opened } = fakeStreams()
    const api = createWebKioskApi('http://127.0.0.1:1', 'key', {
      eventSource: factory,
      fetch: noFetch,
    })
    api.on('adminLockout', () => undefined)
    for (let i = 0; i < 50; i++) api.on('attendance', () => undefined)()
    expect(opened).toHaveLength(1)
    expect(opened[0]?.closed).toBe(false)
    // Every listener removed was removed from the stream too: none pile up.
    expect(opened[0]?.listening('attendance')).toBe(0)
    expect(opened[0]?.listening('adminLockout')).toBe(1)
  })

  it('a stream opened for a new page after every listener went is a first opening, not a reopening', () => {
    // The desk page left (its stream closed with it) and opened again later: the new page reads
    // its results as it mounts, and was told the stream "came back" on top, so it searched twice
    // (and a page acting on a reopening, as for a drop, did so when nothing was missed).
    const { factory, opened } = fakeStreams()
    const api = createWebKioskApi('http://127.0.0.1:1', 'key', {
      eventSource: factory,
      fetch: noFetch,
    })
    const signals = kioskStreamSignals(api)
    expect(signals).not.toBeNull()
    let reopened = 0
    const offReopen = signals?.onReopen(() => reopened++)
    const off = api.on('attendance', () => undefined)
    opened[0]?.fire('open')
    expect(reopened).toBe(0)
    // A drop the browser reconnected from, with the page still there: that is a reopening.
    opened[0]?.fire('open')
    expect(reopened).toBe(1)
    off()
    offReopen?.()

    signals?.onReopen(() => reopened++)
    api.on('attendance', () => undefined)
    expect(opened).toHaveLength(2)
    opened[1]?.fire('open')
    expect(reopened).toBe(1)
    opened[1]?.fire('open')
    expect(reopened).toBe(2)
  })
})
