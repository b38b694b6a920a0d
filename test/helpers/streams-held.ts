// How many event streams the relay holds for one holder (a console session, a campaign's screen
// key), seen from outside: the probe opens streams until the relay refuses one (its cap for that
// holder), then closes them. Closed streams leave the relay asynchronously, so it asks until two
// probes agree. For tests that check a page left open all day does not pile streams up. The
// probe's streams take places under the cap the page's own reconnects need (and any rate the
// page shares with it): where the relay counts the streams itself (the big screens: /metrics
// scandesk_relay_screen_streams), read that instead.

export interface StreamCap {
  /** Opens one stream; aborting the signal closes it. */
  open: (signal: AbortSignal) => Promise<Response>
  /** The holder's cap. */
  cap: number
  /** The status the relay refuses a stream past the cap with (429 console, 503 screens). */
  refusedWith: number
  /**
   * Whether an answer is a refusal for another reason (a rate limit): waited out (its
   * Retry-After, see retryAfterMs), then asked again, MAX_WAITS times at most in one probe.
   */
  waitOut?: (res: Response) => boolean
}

/** The least and most a probe waits after a refusal it waits out. */
export const WAIT_FLOOR_MS = 1000
export const WAIT_CEILING_MS = 30_000
/** Refusals waited out in one probe before it gives up (it then competes with what it counts). */
export const MAX_WAITS = 10

/**
 * How long to wait after `res`: its Retry-After in whole seconds, between the floor and the
 * ceiling. Without one (or with one that is no number of seconds, such as a date) the floor: a
 * 0 ms wait would ask again at once, as fast as the refusals come back.
 */
export function retryAfterMs(res: Response): number {
  const header = res.headers.get('retry-after')?.trim() ?? ''
  const seconds = /^\d+$/.test(header) ? Number(header) : 0
  return Math.min(WAIT_CEILING_MS, Math.max(WAIT_FLOOR_MS, seconds * 1000))
}

async function probe(o: StreamCap): Promise<number> {
  const opened: AbortController[] = []
  let waits = 0
  try {
    while (opened.length <= o.cap) {
      const controller = new AbortController()
      const res = await o.open(controller.signal)
      if (o.waitOut?.(res) === true) {
        controller.abort()
        if (++waits > MAX_WAITS) {
          throw new Error(
            `events answered ${res.status} more than ${MAX_WAITS} times in one probe: the probe competes with what it counts`,
          )
        }
        await new Promise((r) => setTimeout(r, retryAfterMs(res)))
        continue
      }
      if (res.status === o.refusedWith) {
        controller.abort()
        return o.cap - opened.length
      }
      if (res.status !== 200) throw new Error(`events answered ${res.status}`)
      opened.push(controller)
    }
    throw new Error('the relay never refused a stream')
  } finally {
    for (const c of opened) c.abort()
  }
}

/**
 * For `expect.poll(() => streamsHeld(…), STREAMS_SETTLE)`: under load a page may be between two
 * streams (a late heartbeat read as silence, its backoff running) when it is probed, so the
 * count is asked until it is right; a stream piled up would never go.
 */
export const STREAMS_SETTLE = { timeout: 60_000, interval: 1000 }

export async function streamsHeld(o: StreamCap): Promise<number> {
  let last = await probe(o)
  for (let tries = 0; tries < 50; tries++) {
    await new Promise((r) => setTimeout(r, 200))
    const now = await probe(o)
    if (now === last) return now
    last = now
  }
  throw new Error('the relay’s stream count never settled')
}

/**
 * An init script for a page (playwright's addInitScript) that counts its EventSources: made, and
 * not yet closed (by the page or the browser), in `window.__streams`.
 */
export const COUNT_STREAMS = `(() => {
  const Native = window.EventSource
  const all = new Set()
  window.__streams = {
    made: 0,
    live: () => [...all].filter((s) => s.readyState !== Native.CLOSED).length,
  }
  window.EventSource = class extends Native {
    constructor(url, init) {
      super(url, init)
      window.__streams.made++
      all.add(this)
    }
    close() {
      super.close()
      all.delete(this)
    }
  }
})()`
