// How many event streams the relay holds for one holder (a console session, a campaign's screen
// key), seen from outside: the probe opens streams until the relay refuses one (its cap for that
// holder), then closes them. Closed streams leave the relay asynchronously, so it asks until two
// probes agree. For tests that check a page left open all day does not pile streams up.

export interface StreamCap {
  /** Opens one stream; aborting the signal closes it. */
  open: (signal: AbortSignal) => Promise<Response>
  /** The holder's cap. */
  cap: number
  /** The status the relay refuses a stream past the cap with (429 console, 503 screens). */
  refusedWith: number
  /** A status answered for another reason (a rate limit): waited out, then asked again. */
  waitOut?: (res: Response) => number | null
}

async function probe(o: StreamCap): Promise<number> {
  const opened: AbortController[] = []
  try {
    for (let i = 0; i <= o.cap; i++) {
      const controller = new AbortController()
      const res = await o.open(controller.signal)
      const wait = o.waitOut?.(res) ?? null
      if (wait !== null) {
        controller.abort()
        await new Promise((r) => setTimeout(r, wait))
        i--
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
