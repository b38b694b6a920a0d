/**
 * The BUILT console in real Chromium when its event stream dies without a word (a proxy's idle
 * cut, a laptop asleep, a Wi-Fi switch: no TCP reset reaches the browser, so EventSource stays
 * "open" for good). The relay sends a named heartbeat; once neither it nor any message came for
 * about two intervals, the header no longer says 实时 / Live but 正在重新连接…, the console opens
 * a new stream and reads the booths again, and it is live once that stream talks.
 */
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { UNDER_LOAD } from '../helpers/wait'
import { waitForPage } from './browser'
import type { FakeConsoleRelay } from './fake-console-relay'
import { fakeConsolePage } from './fake-console-page'

const INDICATOR = `(document.querySelector('[data-testid="live-indicator"]')?.textContent.trim() ?? '')`

describe('the console when its event stream goes silent', () => {
  const fx = fakeConsolePage({ relay: { attendanceRows: 10, heartbeatMs: 400 } })
  const { problems } = fx
  let relay: FakeConsoleRelay
  let page: Page

  beforeAll(async () => {
    ;({ relay, page } = fx)
    await waitForPage(page, `${INDICATOR} === '实时'`)
  })

  it('shows 正在重新连接…, opens a new stream, reads the booths again, and is live again', async () => {
    // Heartbeats alone keep it live: with nothing else on the stream, the page opens no other
    // one while the relay sends more heartbeats than the silence it allows spans (two intervals
    // and 2 s of slack, 2.8 s at 400 ms; 8 intervals, counted, not timed: setInterval never
    // fires early). Were heartbeats not heard, it would have dropped the stream for a new one by
    // then. Judged on a stretch where this process (the relay) never stalled for long: a gap of
    // 2.8 s between beats is a silence the page must take for a dead stream; one after such a
    // gap is looked at again.
    const streams = (): string[] => relay.requests.filter((r) => r === 'GET /console/api/events')
    const MAX_GAP_MS = 1500
    for (const deadline = Date.now() + 40_000; ;) {
      const open = streams().length
      const from = relay.heartbeatsSent()
      await vi.waitFor(
        () => expect(relay.heartbeatsSent()).toBeGreaterThanOrEqual(from + 9),
        UNDER_LOAD,
      )
      const times = relay.heartbeatTimes().slice(from - 1)
      const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t))
      if (from > 0 && Math.max(...gaps) < MAX_GAP_MS) {
        expect(streams()).toHaveLength(open)
        break
      }
      if (Date.now() > deadline) throw new Error(`the relay kept stalling: gaps ${String(gaps)}`)
      await waitForPage(page, `${INDICATOR} === '实时'`)
    }
    expect(await page.evaluate(INDICATOR)).toBe('实时')

    // New streams are held unanswered until released, so the page's reconnecting state lasts
    // until then (a new stream that answers at once ends it within milliseconds).
    const opened = streams().length
    relay.silenceEvents({ holdNew: true })
    await waitForPage(page, `${INDICATOR} === '正在重新连接…'`, 15_000)
    await vi.waitFor(() => expect(streams().length).toBeGreaterThan(opened), UNDER_LOAD)
    const reopenedAt = relay.requests.lastIndexOf('GET /console/api/events')
    relay.releaseEvents()
    await waitForPage(page, `${INDICATOR} === '实时'`, 15_000)
    // What the page shows was read again after the new stream opened (events may be missed).
    await vi.waitFor(
      () => expect(relay.requests.slice(reopenedAt)).toContain('GET /console/api/kiosks'),
      UNDER_LOAD,
    )
    expect(problems).toEqual([])
  }, 90_000)
})
