// The relay's ping/pong with the kiosks, as the console sees it: a booth whose link goes
// half-open (venue Wi-Fi gone without a TCP close) is shown offline once the relay's heartbeat
// ends it, on the instance holding it and on another one (Redis), list and live stream; a
// healthy booth stays online across many intervals, and so does one whose pongs are held up
// while its own pings arrive; and the default interval notices a half-open link in 15–30 s,
// soon after the kiosk does (10–20 s), not 30–60 s later. The last seen kept is
// the kiosk's last word, and the safety-net read of unsent events runs on every other ping.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { consoleKioskListSchema } from '../../shared/console-api'
import { CampaignDirectory } from '../../relay/campaign-directory'
import { addKiosk } from '../../relay/kiosk-admin'
import { DEFAULT_HEARTBEAT_MS } from '../../electron/core/scans/relay-link'
import { PING_INTERVAL_MS } from '../../relay/kiosk-hub'
import { silentLogger } from '../../relay/log'
import { RelayMetrics } from '../../relay/metrics'
import type { RelayHandle, StartRelayOptions } from '../../relay/server'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import { eventIdOf } from '../../relay/store/store-util'
import type { RelayStore, StoreChange } from '../../relay/store/types'
import {
  ConsoleClient,
  ConsoleEvents,
  collectSecrets,
  consoleTestBed,
  organizer,
  secrets,
  startOn,
} from './console-helpers'
import { KioskClient, settle, type Backend } from './harness'
import { serveKioskHub } from './hub-server'
import { waitFor } from '../kiosk/helpers'

const bed = consoleTestBed()
const cleanups = bed.cleanups

async function kiosks(c: ConsoleClient) {
  const a = await c.call('GET', '/console/api/kiosks')
  expect(a.status).toBe(200)
  return consoleKioskListSchema.parse(a.json)
}

async function k1(c: ConsoleClient) {
  const [k] = await kiosks(c)
  if (k?.id !== 'k1') throw new Error(`expected k1, got ${JSON.stringify(k)}`)
  return k
}

/**
 * A kiosk that says hello and answers pings (stop it with `ws.pause()`: a half-open link).
 * `onPing`, with `autoPong: false`: the test answers them, from before the hello, since the
 * relay may ping while the hello is still being read (a ping left unanswered ends the link).
 */
async function booth(
  relay: RelayHandle,
  token: string,
  opts: { autoPong?: boolean; onPing?: (c: KioskClient, data: Buffer) => void } = {},
) {
  const c = await KioskClient.connect(relay.url, token, { autoPong: opts.autoPong ?? true })
  cleanups.push(() => c.ws.terminate())
  const { onPing } = opts
  if (onPing) c.ws.on('ping', (data) => onPing(c, data))
  c.send({ type: 'hello', kioskId: 'k1' })
  await c.waitFor((f) => f.type === 'welcome')
  return c
}

describe.each<Backend>(['sqlite', 'redis'])('kiosk heartbeat on %s', (backend) => {
  async function signedIn(opts: StartRelayOptions) {
    const relay = await bed.relay(bed.place(backend), opts)
    const c = await bed.signedIn(relay)
    const token = await relay.addKiosk('k1')
    secrets.add(token)
    return { relay, c, token }
  }

  it('a booth that stops answering pings goes offline, its last seen kept', async () => {
    // Intervals long enough that a busy machine's stall does not end a healthy link.
    const { relay, c, token } = await signedIn({ pingIntervalMs: 250 })
    const kiosk = await booth(relay, token)
    const events = await ConsoleEvents.open(c)
    cleanups.push(() => events.close())
    await waitFor(() => events.status === 200, 'the live stream open')
    await settle(750) // several intervals: still there
    expect((await k1(c)).online).toBe(true)
    const before = events.count('kiosks')
    // The link goes half-open: the kiosk reads nothing more, so answers no ping.
    kiosk.ws.pause()
    await waitFor(() => events.count('kiosks') > before, 'a kiosks event on the live stream')
    const k = await waitFor(async () => {
      const k = await k1(c)
      return !k.online && k
    }, 'k1 offline')
    expect(k.lastSeenAt).not.toBeNull()
    // Terminated, not closed: no close frame came (1006 on the kiosk's side).
    kiosk.ws.resume()
    expect((await kiosk.closed).code).toBe(1006)
  })

  it('a booth that stops answering pings keeps, as last seen, its last pong, not when the relay gave up', async () => {
    // The relay's clock, moved a minute on once the kiosk has gone quiet: the relay gives up on
    // the link after that, and the booth's last seen must still be the kiosk's last word.
    let ahead = 0
    const clock = () => Date.now() + ahead
    const { relay, c, token } = await signedIn({ pingIntervalMs: 250, now: clock })
    let answering = true
    let pongs = 0
    let lastPongSentAt = 0
    const kiosk = await booth(relay, token, {
      autoPong: false,
      onPing: (client, data) => {
        if (!answering) return
        lastPongSentAt = clock()
        client.ws.pong(data)
        pongs++
      },
    })
    await waitFor(() => pongs >= 3, 'three pings answered')
    answering = false
    // The relay answers the kiosk's own ping after reading everything the kiosk sent before it
    // (one socket, in order): its last pong has been heard. Nothing else comes from the kiosk.
    const read = new Promise<void>((resolve) => kiosk.ws.once('pong', () => resolve()))
    kiosk.ws.ping()
    await read
    const quietSince = clock()
    ahead = 60_000
    const k = await waitFor(async () => {
      const k = await k1(c)
      return !k.online && k
    }, 'k1 offline')
    expect(k.lastSeenAt).not.toBeNull()
    expect(k.lastSeenAt).toBeGreaterThanOrEqual(lastPongSentAt)
    expect(k.lastSeenAt).toBeLessThanOrEqual(quietSince)
    expect((await kiosk.closed).code).toBe(1006)
  })

  it('a booth whose pongs are held up but whose own pings arrive stays online; silent, it is ended', async () => {
    // A slow link: the relay's ping (and so the pong) waits behind bytes already written to the
    // kiosk, while the kiosk's own pings come the other way every 100 ms.
    const { relay, c, token } = await signedIn({ pingIntervalMs: 250 })
    const kiosk = await booth(relay, token, { autoPong: false, onPing: () => {} })
    const pinging = setInterval(() => kiosk.ws.ping(), 100)
    cleanups.push(() => clearInterval(pinging))
    let relayPings = 0
    kiosk.ws.on('ping', () => relayPings++)
    let ended = false
    void kiosk.closed.then(() => (ended = true))
    await waitFor(() => relayPings >= 6 || ended, 'six of the relay’s pings, or the link ended')
    expect(kiosk.ws.readyState).toBe(kiosk.ws.OPEN)
    expect((await k1(c)).online).toBe(true)
    // Its pings stop too: nothing arrives at the relay, which ends the link as before.
    clearInterval(pinging)
    const k = await waitFor(async () => {
      const k = await k1(c)
      return !k.online && k
    }, 'k1 offline')
    expect(k.lastSeenAt).not.toBeNull()
    expect((await kiosk.closed).code).toBe(1006)
  })

  it('a healthy booth stays online across many ping intervals', async () => {
    const { relay, c, token } = await signedIn({ pingIntervalMs: 250 })
    const kiosk = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
    cleanups.push(() => kiosk.ws.terminate())
    let pings = 0
    kiosk.ws.on('ping', () => pings++)
    await waitFor(() => pings >= 6, 'six pings answered')
    expect(kiosk.ws.readyState).toBe(kiosk.ws.OPEN)
    expect((await k1(c)).online).toBe(true)
  })
})

describe('kiosk heartbeat across instances (redis store)', () => {
  it("a half-open booth on one instance goes offline in another's list and live stream", async () => {
    const p = bed.place('redis')
    const a = await startOn(p, { pingIntervalMs: 250 })
    const b = await startOn(p, { pingIntervalMs: 250 })
    const c = new ConsoleClient(b.url)
    cleanups.push(async () => {
      await collectSecrets(b, c)
      await a.close()
      await b.close()
    })
    const token = await a.addKiosk('k1')
    secrets.add(token)
    expect((await c.login('alice', await organizer(b, 'alice'))).status).toBe(200)
    const kiosk = await booth(a, token)
    await waitFor(async () => (await k1(c)).online, 'k1 online on b')
    const events = await ConsoleEvents.open(c)
    cleanups.push(() => events.close())
    await waitFor(() => events.status === 200, 'the live stream open on b')
    await settle(750)
    const before = events.count('kiosks')
    kiosk.ws.pause()
    // b's console hears of it (nothing else happens: no scan, no other booth) and reads it.
    await waitFor(() => events.count('kiosks') > before, "a kiosks event on b's live stream")
    const k = await k1(c)
    expect(k.online).toBe(false)
    expect(k.lastSeenAt).not.toBeNull()
    kiosk.ws.resume()
    expect((await kiosk.closed).code).toBe(1006)
  })
})

describe('kiosk heartbeat default (sqlite store)', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('the kiosk pings more often than the relay: each of the relay’s intervals holds one of its pings', () => {
    // A kiosk ping in every interval keeps a live link whose pong is late (see above); a
    // dead link is still noticed within two of either side's intervals.
    expect(DEFAULT_HEARTBEAT_MS).toBeLessThan(PING_INTERVAL_MS)
  })

  it('ends a half-open link within 30 s, soon after the kiosk notices it (its heartbeat: 10 s)', async () => {
    // Only intervals are the test's: the relay's ping timer is advanced by hand.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const relay = await bed.relay(bed.place('sqlite'))
    const token = await relay.addKiosk('k1')
    secrets.add(token)
    const kiosk = await booth(relay, token, { autoPong: false })
    let pings = 0
    kiosk.ws.on('ping', () => pings++)
    vi.advanceTimersByTime(15_000)
    await waitFor(() => pings >= 1, 'the first ping')
    vi.advanceTimersByTime(15_000)
    // 30 s after the last word from the kiosk, the relay has ended the link.
    const closed = await Promise.race([kiosk.closed, settle(2000).then(() => null)])
    expect(closed?.code).toBe(1006)
    await relay.close()
  })
})

/**
 * The store as the hub sees it when the change feed drops every new event's notification (a
 * Redis subscriber reconnecting, say), counting the hub's reads of unsent events.
 */
function feedMissingEvents(store: RelayStore): { store: RelayStore; reads: () => number } {
  let reads = 0
  const seen = new Proxy(store, {
    get(target, key) {
      if (key === 'subscribe') {
        return (listener: (c: StoreChange) => void) =>
          target.subscribe((c) => {
            if (c.type !== 'event') listener(c)
          })
      }
      if (key === 'readEvents') {
        return (...args: Parameters<RelayStore['readEvents']>) => {
          reads++
          return target.readEvents(...args)
        }
      }
      const value: unknown = Reflect.get(target, key, target)
      if (typeof value !== 'function') return value
      const method = value as (this: RelayStore, ...args: unknown[]) => unknown
      return method.bind(target)
    },
  })
  return { store: seen, reads: () => reads }
}

describe('kiosk heartbeat safety-net read (sqlite store, default interval)', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  /** A hub on its own server whose store feed misses event notifications; pings by hand. */
  async function hubMissingEvents() {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const store = openSqliteStore({ data: ':memory:' })
    const feed = feedMissingEvents(store)
    const { url, close } = await serveKioskHub({
      store: feed.store,
      log: silentLogger,
      metrics: new RelayMetrics(),
      now: Date.now,
      campaigns: new CampaignDirectory(feed.store, Date.now),
    })
    cleanups.push(async () => {
      await close()
      await store.close()
    })
    const token = await addKiosk(store, 'k1', {}, Date.now())
    secrets.add(token)
    const kiosk = await KioskClient.hello(url, token, { kioskId: 'k1' })
    cleanups.push(() => kiosk.ws.terminate())
    let n = 0
    const scan = () =>
      store.appendEvent('k1', {
        id: eventIdOf(`missed-${++n}`),
        event: 'scan',
        openid: `o${n}`,
        scene: `k1:${n}`,
        ticket: 't',
        createTime: n,
        receivedAt: Date.now(),
      })
    /**
     * One ping interval passes: the hub pings, the kiosk answers, and pings back; the hub's
     * answer to that comes after it read the kiosk's pong (one socket, in order), so the next
     * interval finds the link alive.
     */
    const ping = async () => {
      const answered = new Promise<void>((resolve) => {
        kiosk.ws.once('ping', () => {
          kiosk.ws.once('pong', () => resolve())
          kiosk.ws.ping()
        })
      })
      vi.advanceTimersByTime(15_000)
      await answered
    }
    return { kiosk, scan, ping, reads: feed.reads }
  }

  it('an event whose change notification was missed reaches the kiosk within two pings', async () => {
    const { kiosk, scan, ping } = await hubMissingEvents()
    for (const round of [1, 2, 3]) {
      await scan()
      await ping()
      await ping()
      await kiosk.waitForScans(round)
      kiosk.ack(round)
    }
    expect(kiosk.scans.map((s) => s.seq)).toEqual([1, 2, 3])
  })

  it('reads the unsent events on every other ping, as often as the 30 s interval did', async () => {
    const { kiosk, ping, reads } = await hubMissingEvents()
    await ping()
    const before = reads()
    for (let i = 0; i < 6; i++) await ping()
    expect(reads() - before).toBe(3)
    expect(kiosk.ws.readyState).toBe(kiosk.ws.OPEN)
  })
})
