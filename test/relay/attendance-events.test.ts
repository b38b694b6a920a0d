// `/console/api/events`: a push stored on the relay (either store) reaches an open event stream
// as `stats`, a kiosk's hello as `kiosks`; bursts are coalesced; streams are bounded, kept
// alive, ended on shutdown and with their session (console-auth.test.ts: on a real relay).
import {
  createServer,
  get,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { consoleEventSchema, consoleStatsSchema, type ConsoleEvent } from '../../shared/console-api'
import { LiveEvents } from '../../relay/attendance/live-events'
import { createAttendanceRoutes } from '../../relay/attendance/routes'
import { silentLogger } from '../../relay/log'
import type { RelayHandle } from '../../relay/server'
import type { SessionRecord } from '../../relay/store/console-types'
import { ChangeFeed } from '../../relay/store/store-util'
import { startRedis, type TestRedis } from '../helpers/redis'
import { UNDER_LOAD } from '../helpers/wait'
import {
  KioskClient,
  postPush,
  scanXml,
  signedQuery,
  startTestRelay,
  TOKEN,
  type Backend,
} from './harness'

let redis: TestRedis
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.stop()
})

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A server for one handler: `GET /events` → `handle`. */
async function serveEvents(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
  const server: Server = createServer((req, res) => void handle(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** An open event stream: its messages (validated), comments, and whether it ended. */
class Stream {
  readonly events: ConsoleEvent[] = []
  /** The `event:` name of each message that had one, in order. */
  readonly names: string[] = []
  comments = 0
  ended = false
  private buf = ''
  private wakers: (() => void)[] = []
  constructor(readonly res: IncomingMessage) {
    res.setEncoding('utf8')
    res.on('data', (chunk: string) => {
      this.buf += chunk
      let at: number
      while ((at = this.buf.indexOf('\n\n')) >= 0) {
        const block = this.buf.slice(0, at)
        this.buf = this.buf.slice(at + 2)
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) this.names.push(line.slice(7))
          else if (line.startsWith('data: '))
            this.events.push(consoleEventSchema.parse(JSON.parse(line.slice(6))))
          else if (line.startsWith(':')) this.comments++
        }
      }
      this.wake()
    })
    res.on('end', () => {
      this.ended = true
      this.wake()
    })
  }
  private wake() {
    for (const w of this.wakers.splice(0)) w()
  }
  static open(url: string): Promise<Stream> {
    return new Promise((resolve, reject) => {
      const req = get(url, (res) => resolve(new Stream(res)))
      req.once('error', reject)
      cleanups.push(() => void req.destroy())
    })
  }
  async until(pred: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!pred()) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out; events ${JSON.stringify(this.events)}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.wakers.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }
  count(type: ConsoleEvent['type']): number {
    return this.events.filter((e) => e.type === type).length
  }
}

/** The session the console's guard would hand the routes (these tests have no guard). */
const SESSION: SessionRecord = {
  idHash: 'a'.repeat(64),
  name: 'alice',
  generation: '0'.repeat(32),
  createdAt: 0,
  lastSeenAt: 0,
  expiresAt: Number.MAX_SAFE_INTEGER,
}

describe.each<Backend>(['sqlite', 'redis'])('console events on %s', (backend) => {
  it('a stored push brings `stats`, a kiosk hello brings `kiosks`', async () => {
    const relay: RelayHandle = await startTestRelay(backend, redis.url)
    cleanups.push(() => relay.close())
    const routes = createAttendanceRoutes({
      store: relay.store,
      now: Date.now,
      log: silentLogger,
      sessionLive: () => Promise.resolve(true),
    })
    cleanups.push(() => routes.close())
    const route = (path: string) => routes.routes.find((r) => r.path === path)!
    const url = await serveEvents((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x')
      return route(u.pathname).handler(req, res, u, SESSION)
    })
    const token = await relay.addKiosk('k1')
    const stream = await Stream.open(`${url}/console/api/events`)
    const res = await postPush(relay.url, scanXml('oVisitor', 'k1:abc'), signedQuery(TOKEN))
    expect(res.status).toBe(200)
    await stream.until(() => stream.count('stats') >= 1)
    const stats = consoleStatsSchema.parse(await (await fetch(`${url}/console/api/stats`)).json())
    expect(stats).toMatchObject({ scans: 1, visitors: 1 })

    const before = stream.count('kiosks')
    const kiosk = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
    cleanups.push(() => void kiosk.close())
    await stream.until(() => stream.count('kiosks') > before)
  })
})

describe('LiveEvents', () => {
  function setup(
    opts: {
      maxClients?: number
      heartbeatMs?: number
      sessionLive?: (idHash: string) => Promise<boolean>
      sessionCheckMs?: number
      now?: () => number
    } = {},
  ) {
    const feed = new ChangeFeed()
    const live = new LiveEvents({
      store: { subscribe: (l) => feed.on(l) },
      now: Date.now,
      sessionLive: () => Promise.resolve(true),
      minIntervalMs: 300,
      ...opts,
    })
    cleanups.push(() => live.close())
    return { feed, live }
  }

  it('coalesces a burst of stored scans into one message now and one after the interval', async () => {
    const { feed, live } = setup()
    const url = await serveEvents((req, res) => live.handle(req, res, SESSION))
    const stream = await Stream.open(url)
    await stream.until(() => live.clientCount === 1)
    for (let seq = 1; seq <= 100; seq++) feed.emit({ type: 'event', kioskId: 'k1', seq })
    await stream.until(() => stream.count('stats') === 2)
    // Nothing else is owed: a further change brings exactly one more.
    feed.emit({ type: 'event', kioskId: 'k1', seq: 101 })
    await stream.until(() => stream.count('stats') === 3)
    expect(stream.count('kiosks')).toBe(0)
    live.kiosksChanged()
    feed.emit({ type: 'kiosk', kioskId: 'k1' })
    await stream.until(() => stream.count('kiosks') >= 1)
  })

  it('refuses streams past the bound, sends heartbeats, and ends every stream on close', async () => {
    const { live } = setup({ maxClients: 2, heartbeatMs: 50 })
    const url = await serveEvents((req, res) => live.handle(req, res, SESSION))
    const a = await Stream.open(url)
    const b = await Stream.open(url)
    await a.until(() => live.clientCount === 2)
    const third = await fetch(url)
    expect(third.status).toBe(503)
    expect(third.headers.get('retry-after')).toBe('5')
    // A named heartbeat (a comment never reaches the page's script), every heartbeatMs, saying how
    // often the next ones come, so the console can tell a stream gone silent from a quiet one.
    await a.until(() => a.count('heartbeat') >= 3)
    expect(a.names.filter((n) => n === 'heartbeat')).toHaveLength(a.count('heartbeat'))
    expect(a.events.find((e) => e.type === 'heartbeat')).toMatchObject({ everyMs: 50 })
    expect(a.res.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    live.close()
    await a.until(() => a.ended)
    await b.until(() => b.ended)
    expect(live.clientCount).toBe(0)
    expect((await fetch(url)).status).toBe(503)
  })

  it('keeps no stream for a client gone before it opened (during the session read)', async () => {
    const { live } = setup()
    let handled = false
    let reading: () => void = () => {}
    const guardReading = new Promise<void>((resolve) => (reading = resolve))
    const url = await serveEvents(async (req, res) => {
      reading()
      // The guard's store read, which the client outlives no longer.
      await new Promise((resolve) => res.once('close', resolve))
      await live.handle(req, res, SESSION)
      handled = true
    })
    const req = request(url)
    req.on('error', () => {})
    req.end()
    // Gone once its request is in, not after a fixed 50 ms: a test process starved that long
    // before its socket connected destroyed a request never sent, which no handler ever saw.
    await guardReading
    req.destroy()
    await vi.waitFor(() => expect(handled).toBe(true), UNDER_LOAD)
    expect(live.clientCount).toBe(0)
  })

  it('brings `stats` once when the relay\'s local day turns, so open pages drop yesterday\'s "today"', async () => {
    // The booths page's 今日扫码 and the stats page's 今日 timeline are read again only on a
    // message: a console left open overnight (a three-day expo) showed the last day's figures as
    // today's until the first scan of the morning.
    let clock = new Date(2026, 11, 5, 23, 59, 0).getTime()
    const { live } = setup({ heartbeatMs: 30, now: () => clock })
    const url = await serveEvents((req, res) => live.handle(req, res, SESSION))
    const stream = await Stream.open(url)
    await stream.until(() => stream.count('heartbeat') >= 3)
    expect(stream.count('stats')).toBe(0)
    clock = new Date(2026, 11, 6, 0, 0, 20).getTime()
    await stream.until(() => stream.count('stats') === 1)
    const beats = stream.count('heartbeat')
    await stream.until(() => stream.count('heartbeat') >= beats + 3)
    // Once a day: the same day's heartbeats bring no more.
    expect(stream.count('stats')).toBe(1)
  })

  it("ends a session's streams when it ends here, and at the next check when it ended elsewhere", async () => {
    const ended = new Set<string>()
    let storeDown = false
    const { live } = setup({
      sessionCheckMs: 50,
      sessionLive: (idHash) =>
        storeDown ? Promise.reject(new Error('down')) : Promise.resolve(!ended.has(idHash)),
    })
    const sessionOf = new Map([
      ['/a', 'a'.repeat(64)],
      ['/b', 'b'.repeat(64)],
      ['/c', 'c'.repeat(64)],
    ])
    const url = await serveEvents((req, res) =>
      live.handle(req, res, { idHash: sessionOf.get(req.url ?? '') ?? '' }),
    )
    const a1 = await Stream.open(`${url}/a`)
    const a2 = await Stream.open(`${url}/a`)
    const b = await Stream.open(`${url}/b`)
    const c = await Stream.open(`${url}/c`)
    await a1.until(() => live.clientCount === 4)
    // Signed out here: both of its streams end at once, the others stay.
    live.endSession('a'.repeat(64))
    await a1.until(() => a1.ended)
    await a2.until(() => a2.ended)
    expect(live.clientCount).toBe(2)
    // The store down: the check keeps what it cannot decide.
    storeDown = true
    ended.add('b'.repeat(64))
    await new Promise((r) => setTimeout(r, 200))
    expect(b.ended).toBe(false)
    // Ended elsewhere (expiry, another instance, the CLI): the next check ends its stream.
    storeDown = false
    await b.until(() => b.ended)
    expect(c.ended).toBe(false)
    expect(live.clientCount).toBe(1)
  })
})
