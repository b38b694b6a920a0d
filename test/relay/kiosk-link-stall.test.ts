// The relay's heartbeat against a stall of its own process: Node runs due timers before it reads
// the sockets, so a relay that stood still past a ping interval (a long synchronous task, a
// starved CPU, a GC) must not end a healthy kiosk's link whose pong is already waiting unread.
// The kiosk here runs in the same worker, as in the kiosk tests: a stall holds both ends.
// A kiosk that really answers nothing is still ended. So for the deadline of a kiosk's hello.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { CampaignDirectory } from '../../relay/campaign-directory'
import { RelayCloseCode } from '../../shared/relay-protocol'
import { addKiosk } from '../../relay/kiosk-admin'
import { silentLogger } from '../../relay/log'
import { RelayMetrics } from '../../relay/metrics'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import { eventIdOf } from '../../relay/store/store-util'
import { KioskClient } from './harness'
import { serveKioskHub } from './hub-server'
import { waitFor } from '../kiosk/helpers'
import { stall } from '../helpers/stall'

const cleanups: Array<() => unknown> = []

afterEach(async () => {
  vi.restoreAllMocks()
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Every ping the relay sends is followed by a stall longer than its interval. */
function stallAfterEachPing(ms: number): void {
  const proto: { ping: (this: WebSocket, ...args: Parameters<WebSocket['ping']>) => void } =
    WebSocket.prototype
  const ping = proto.ping
  vi.spyOn(WebSocket.prototype, 'ping').mockImplementation(function (this: WebSocket, ...args) {
    ping.apply(this, args)
    stall(ms)
  })
}

/** A hub pinging every 300 ms on its own server, with one kiosk token. */
async function hub(helloTimeoutMs?: number) {
  const store = openSqliteStore({ data: ':memory:' })
  const { url, close } = await serveKioskHub({
    store,
    log: silentLogger,
    metrics: new RelayMetrics(),
    now: Date.now,
    campaigns: new CampaignDirectory(store, Date.now),
    pingIntervalMs: 300,
    helloTimeoutMs,
  })
  cleanups.push(async () => {
    await close()
    await store.close()
  })
  const token = await addKiosk(store, 'k1', {}, Date.now())
  let n = 0
  const scan = () =>
    store.appendEvent('k1', {
      id: eventIdOf(`stall-${++n}`),
      event: 'scan',
      openid: `o${n}`,
      scene: `k1:${n}`,
      ticket: 't',
      createTime: n,
      receivedAt: Date.now(),
    })
  return { url, token, scan }
}

describe('the relay’s kiosk heartbeat (300 ms) and 400 ms stalls of its process', () => {
  it('keeps a healthy link through a stall right after each ping', async () => {
    const { url, token, scan } = await hub()
    const kiosk = await KioskClient.hello(url, token, { kioskId: 'k1' })
    cleanups.push(() => kiosk.ws.terminate())
    let ended = false
    void kiosk.closed.then(() => (ended = true))
    let pings = 0
    kiosk.ws.on('ping', () => pings++)
    // A ping is followed by a stall before its pong can be read: the next heartbeat is due
    // when the process goes on, and runs before the sockets are read.
    stallAfterEachPing(400)
    for (const round of [1, 2, 3]) {
      // Longer than the interval: a heartbeat is due as the process goes on.
      stall(400)
      await scan()
      await kiosk.waitForScans(round)
      kiosk.ack(round)
    }
    await waitFor(() => pings >= 6 || ended, 'six of the relay’s pings, or the link ended')
    expect(ended).toBe(false)
    expect(kiosk.ws.readyState).toBe(WebSocket.OPEN)
    expect(kiosk.scans.map((s) => s.seq)).toEqual([1, 2, 3])
  })

  it('still ends a kiosk that answers nothing', async () => {
    const { url, token } = await hub()
    const kiosk = await KioskClient.connect(url, token, { autoPong: false })
    cleanups.push(() => kiosk.ws.terminate())
    kiosk.send({ type: 'hello', kioskId: 'k1' })
    await kiosk.waitFor((f) => f.type === 'welcome')
    let pings = 0
    kiosk.ws.on('ping', () => pings++)
    stallAfterEachPing(400)
    // Terminated, not closed: no close frame came (1006 on the kiosk's side).
    expect((await kiosk.closed).code).toBe(1006)
    expect(pings).toBeGreaterThanOrEqual(1)
  })
})

describe('the relay’s deadline for a hello (200 ms) and a 500 ms stall of its process', () => {
  it('welcomes a kiosk whose hello came in time and waited unread through the stall', async () => {
    const { url, token } = await hub(200)
    const kiosk = await KioskClient.connect(url, token)
    cleanups.push(() => kiosk.ws.terminate())
    kiosk.send({ type: 'hello', kioskId: 'k1' })
    // Past the deadline before the relay reads the hello: the timer is due as the process goes on.
    stall(500)
    await kiosk.waitFor((f) => f.type === 'welcome')
    expect(kiosk.ws.readyState).toBe(WebSocket.OPEN)
  })

  it('still ends a socket that says no hello', async () => {
    const { url, token } = await hub(200)
    const kiosk = await KioskClient.connect(url, token)
    cleanups.push(() => kiosk.ws.terminate())
    stall(500)
    expect((await kiosk.closed).code).toBe(RelayCloseCode.helloTimeout)
  })
})
