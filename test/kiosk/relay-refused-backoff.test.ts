// A relay that refuses the booth (its token revoked or wrong: 401 to the upgrade, or 4410 on a
// live link) is not retried on the short backoff meant for a network blip: waiting does not
// cure it, and re-pairing builds a new link anyway. Each retry waits the longest backoff.
import { afterEach, describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'
import { RelayLink } from '../../electron/core/scans/relay-link'
import { RelayCloseCode } from '../../shared/relay-protocol'
import { cleanup, onCleanup, waitFor } from './helpers'
import { relayStandIn, welcomeHello } from './relay-stand-in'

afterEach(cleanup)

const CAP_MS = 30_000

/** A relay stand-in: 401 to every upgrade once `refuse` is set, else a welcome to every hello. */
async function fakeRelay(): Promise<{ url: string; sockets: WebSocket[]; refuse: () => void }> {
  const sockets: WebSocket[] = []
  let refusing = false
  const url = await relayStandIn((wss, req, socket, head) => {
    if (refusing) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    welcomeHello(wss, req, socket, head, (ws) => sockets.push(ws))
  })
  return { url, sockets, refuse: () => (refusing = true) }
}

function link(url: string): RelayLink {
  const l = new RelayLink({
    relayUrl: url,
    kioskId: 'k1',
    token: 'tok',
    cursor: { current: () => ({ epoch: null, lastSeq: 0 }), reset: () => {} },
    onScans: () => {},
    onState: () => {},
    backoffBaseMs: 1000,
    backoffMaxMs: CAP_MS,
    // The shortest wait the jitter allows.
    random: () => 0,
  })
  onCleanup(() => l.stop())
  return l
}

/** The wait the link chose for its next attempt, once one is scheduled. */
async function scheduledWait(l: RelayLink): Promise<number> {
  const s = await waitFor(() => {
    const st = l.status()
    return st.retryAt !== null && st
  }, 'a reconnect scheduled')
  return (s.retryAt ?? 0) - s.since
}

describe('relay link: a relay that refuses the booth', () => {
  it('a token refused from the start (401): the first retry already waits the longest backoff', async () => {
    const relay = await fakeRelay()
    relay.refuse()
    const l = link(relay.url)
    l.start()
    const wait = await scheduledWait(l)
    expect(l.status().lastError).toEqual({ code: 'unauthorized', params: {} })
    // Equal jitter on the cap: 15–30 s, not the 0.5 s a network blip gets.
    expect(wait).toBeGreaterThanOrEqual(CAP_MS / 2)
    expect(wait).toBeLessThanOrEqual(CAP_MS)
  })

  it('a token revoked under a live link (4410): the retry waits the longest backoff', async () => {
    const relay = await fakeRelay()
    const l = link(relay.url)
    l.start()
    await waitFor(() => l.status().state === 'connected', 'welcome')
    relay.refuse()
    relay.sockets[0]?.close(RelayCloseCode.revoked, 'token revoked')
    const wait = await scheduledWait(l)
    expect(l.status().lastError).toEqual({ code: 'revoked', params: {} })
    expect(l.status().state).toBe('reconnecting')
    expect(wait).toBeGreaterThanOrEqual(CAP_MS / 2)
  })

  it('a network failure keeps the short first wait', async () => {
    const relay = await fakeRelay()
    const l = link(relay.url)
    l.start()
    await waitFor(() => l.status().state === 'connected', 'welcome')
    relay.sockets[0]?.terminate()
    expect(await scheduledWait(l)).toBe(500)
  })
})
