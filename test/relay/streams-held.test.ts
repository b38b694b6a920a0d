// The stream-count probe the all-day browser tests use (test/helpers/streams-held.ts): a refusal
// it waits out (a rate limit) is waited out for its Retry-After, at least a second even when the
// answer names none, and only a bounded number of times, so a probe that keeps being refused
// fails with a reason rather than asking again at once, for ever.
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  MAX_WAITS,
  WAIT_CEILING_MS,
  WAIT_FLOOR_MS,
  retryAfterMs,
  streamsHeld,
} from '../helpers/streams-held'

afterEach(() => {
  vi.useRealTimers()
})

const answer = (status: number, headers: Record<string, string> = {}): Response =>
  new Response(null, { status, headers })

describe('retryAfterMs', () => {
  it.each([
    ['5', 5000],
    ['0', WAIT_FLOOR_MS],
    [' 2 ', 2000],
    ['-3', WAIT_FLOOR_MS],
    ['1.5', WAIT_FLOOR_MS],
    ['Wed, 21 Oct 2015 07:28:00 GMT', WAIT_FLOOR_MS],
    ['99999', WAIT_CEILING_MS],
  ])('Retry-After %j waits %i ms', (header, ms) => {
    expect(retryAfterMs(answer(429, { 'retry-after': header }))).toBe(ms)
  })

  it('waits the floor when the answer has no Retry-After', () => {
    expect(retryAfterMs(answer(429))).toBe(WAIT_FLOOR_MS)
  })
})

describe('streamsHeld', () => {
  it('counts past a refusal it waits out', async () => {
    // Held by others: 2 of a cap of 5. The probe's second request is rate-limited once.
    let asked = 0
    let open = 0
    const count = await streamsHeld({
      open: (signal) => {
        asked++
        if (asked % 6 === 2) return Promise.resolve(answer(429, { 'retry-after': '0' }))
        if (open + 2 >= 5) return Promise.resolve(answer(503))
        open++
        signal.addEventListener('abort', () => open--)
        return Promise.resolve(answer(200))
      },
      cap: 5,
      refusedWith: 503,
      waitOut: (res) => res.status === 429,
    })
    expect(count).toBe(2)
    expect(open).toBe(0)
  }, 20_000)

  it('a refusal without Retry-After is waited out for a second, and a few times at most', async () => {
    vi.useFakeTimers()
    let asked = 0
    const held = streamsHeld({
      open: () => {
        asked++
        return Promise.resolve(answer(429))
      },
      cap: 3,
      refusedWith: 503,
      waitOut: (res) => res.status === 429,
    })
    const failed = expect(held).rejects.toThrow(`more than ${MAX_WAITS} times`)
    await vi.advanceTimersByTimeAsync(0)
    expect(asked).toBe(1)
    // Not asked again at once, as a 0 ms wait would.
    await vi.advanceTimersByTimeAsync(WAIT_FLOOR_MS - 1)
    expect(asked).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(asked).toBe(2)
    await vi.runAllTimersAsync()
    await failed
    expect(asked).toBe(MAX_WAITS + 1)
  })
})
