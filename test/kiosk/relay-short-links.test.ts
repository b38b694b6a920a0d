// A venue network that lets each connection through and kills it moments after the welcome (a
// middlebox that drops upgraded sockets, an access point flapping every second): the link's
// backoff keeps growing across those short-lived connections instead of starting over at every
// welcome, and starts over once a link has stayed up.
import { afterEach, describe, expect, it } from 'vitest'
import { RelayLink } from '../../electron/core/scans/relay-link'
import { cleanup, onCleanup, waitFor } from './helpers'
import { relayStandIn, welcomeHello } from './relay-stand-in'

afterEach(cleanup)

/** Welcomes every hello; `hold` says how long a welcomed socket lives before it is killed. */
async function killingRelay(hold: () => number): Promise<{ url: string; welcomes: () => number }> {
  let welcomes = 0
  const url = await relayStandIn((wss, req, socket, head) =>
    welcomeHello(wss, req, socket, head, (ws) => {
      welcomes++
      setTimeout(() => ws.terminate(), hold())
    }),
  )
  return { url, welcomes: () => welcomes }
}

function linkTo(url: string): { link: RelayLink; waits: number[] } {
  const waits: number[] = []
  let last: number | null = null
  const link: RelayLink = new RelayLink({
    relayUrl: url,
    kioskId: 'k1',
    token: 'tok',
    cursor: { current: () => ({ epoch: null, lastSeq: 0 }), reset: () => {} },
    onScans: () => {},
    onState: () => {
      const s = link.status()
      // Each scheduled reconnect once: the wait the link chose after a close.
      if (s.retryAt !== null && s.retryAt !== last) waits.push(s.retryAt - s.since)
      last = s.retryAt
    },
    backoffBaseMs: 20,
    backoffMaxMs: 5000,
    stableMs: 400,
    heartbeatMs: 60_000,
    // The longest wait the jitter allows: each wait is the backoff's base.
    random: () => 1,
  })
  onCleanup(() => link.stop())
  return { link, waits }
}

describe('relay link on a network that kills each connection after the welcome', () => {
  it('backs off across short-lived connections, and starts over after one that stayed up', async () => {
    let holdMs = 0
    const relay = await killingRelay(() => holdMs)
    const { link, waits } = linkTo(relay.url)
    link.start()
    await waitFor(() => waits.length >= 5, 'five short-lived connections')
    // Every connection was welcomed, and still each wait doubled: 20, 40, 80, 160, 320 ms.
    expect(relay.welcomes()).toBeGreaterThanOrEqual(5)
    expect(waits.slice(0, 5)).toEqual([20, 40, 80, 160, 320])

    // The network heals: the next link stays up past `stableMs`, then drops once.
    holdMs = 1200
    const before = waits.length
    await waitFor(() => waits.length > before, 'the long-lived link dropped', 10_000)
    expect(waits.at(-1)).toBe(20)
  })
})
