// A relay draining for a restart closes kiosk sockets with 1012 (service restart): the link
// comes back after a short jittered wait, not the usual backoff, and says hello again.
import { afterEach, describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'
import { RelayCloseCode } from '../../shared/relay-protocol'
import { RelayLink } from '../../electron/core/scans/relay-link'
import { cleanup, onCleanup, waitFor } from './helpers'
import { relayStandIn, welcomeHello } from './relay-stand-in'

afterEach(cleanup)

/** A bare relay stand-in: welcomes every hello and keeps the sockets for the test to close. */
async function fakeRelay(): Promise<{ url: string; sockets: WebSocket[] }> {
  const sockets: WebSocket[] = []
  const url = await relayStandIn((wss, req, socket, head) =>
    welcomeHello(wss, req, socket, head, (ws) => sockets.push(ws)),
  )
  return { url, sockets }
}

/** Connects, has the relay close with `code`, and returns the wait the link then chose. */
async function waitAfterClose(code: number): Promise<{ delayMs: number; link: RelayLink }> {
  const relay = await fakeRelay()
  const link = new RelayLink({
    relayUrl: relay.url,
    kioskId: 'k1',
    token: 'tok',
    cursor: { current: () => ({ epoch: null, lastSeq: 0 }), reset: () => {} },
    onScans: () => {},
    onState: () => {},
    backoffBaseMs: 1000,
    // The longest wait the jitter allows.
    random: () => 1,
  })
  onCleanup(() => link.stop())
  link.start()
  await waitFor(() => link.status().state === 'connected', 'welcome')
  relay.sockets[0]?.close(code, 'test')
  const s = await waitFor(() => {
    const st = link.status()
    return st.retryAt !== null && st
  }, 'a reconnect scheduled')
  if (code === RelayCloseCode.serviceRestart) {
    await waitFor(() => relay.sockets.length === 2, 'hello again after the restart')
  }
  return { delayMs: (s.retryAt ?? 0) - s.since, link }
}

describe('relay link and a restarting relay', () => {
  it('reconnects within half the backoff base after 1012, and says hello again', async () => {
    const { delayMs, link } = await waitAfterClose(RelayCloseCode.serviceRestart)
    expect(delayMs).toBeLessThanOrEqual(500)
    expect(delayMs).toBeGreaterThanOrEqual(100)
    await waitFor(() => link.status().state === 'connected', 'connected again')
  })

  it('keeps the usual backoff for other closes', async () => {
    const { delayMs } = await waitAfterClose(1011)
    expect(delayMs).toBe(1000)
  })
})
