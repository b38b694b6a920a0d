/**
 * Idle and slow connections, and the connection cap, over real sockets: a socket that sends
 * nothing or trickles its headers is closed near the configured deadline (not Node's 30 s
 * check), the cap refuses new connections without touching the kiosk sockets already open.
 */
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { connectionCap, openFileLimit, RESERVED_FDS } from '../../relay/connection-limits'
import type { RelayConfigInput } from '../../relay/config'
import type { RelayHandle, StartRelayOptions } from '../../relay/server'
import { createCampaign, guestRosterCsv, signIn } from './campaign-helpers'
import { KioskClient, postPush, scanXml, signedQuery, startTestRelay, TOKEN } from './harness'

const cleanups: Array<() => Promise<unknown> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function start(config: RelayConfigInput, opts: StartRelayOptions = {}) {
  const r = await startTestRelay('sqlite', null, config, opts)
  cleanups.push(() => r.close())
  return r
}

/** A deadline for a wait, far below Node's 30 s default check: a hang fails, not a slow box. */
const BOUND_MS = 8000

interface Raw {
  socket: Socket
  /** Everything the relay sent. */
  received: () => string
  closed: Promise<void>
}

function rawSocket(r: RelayHandle): Promise<Raw> {
  const socket = connect(r.port, '127.0.0.1')
  socket.on('error', () => {})
  let text = ''
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')))
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  cleanups.push(() => void socket.destroy())
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve({ socket, received: () => text, closed }))
    socket.once('error', reject)
  })
}

/** A websocket upgrade that reads its refusal and never closes its own half of the socket. */
function halfOpenUpgrade(r: RelayHandle, path: string, token: string): Promise<{ status: number }> {
  const socket = connect({ port: r.port, host: '127.0.0.1', allowHalfOpen: true })
  socket.on('error', () => {})
  cleanups.push(() => void socket.destroy())
  let text = ''
  return new Promise((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1')
      if (text.includes('\r\n\r\n')) resolve({ status: Number(text.split(' ')[1]) })
    })
    socket.once('error', reject)
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
        (token === '' ? '' : `Authorization: Bearer ${token}\r\n`) +
        '\r\n',
    )
  })
}

/** Posts a push until one is answered 200 (a place under the cap freed), 100 tries at most. */
async function pushUntilAnswered(r: RelayHandle): Promise<number> {
  let status = 0
  for (let tries = 0; status !== 200 && tries < 100; tries++) {
    status = await postPush(r.url, scanXml('v', 'k1:1')).then(
      (res) => res.status,
      () => 0,
    )
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return status
}

/** Everything the relay sent, once a whole head is in (BOUND_MS at most). */
async function answered(raw: Raw): Promise<string> {
  for (let i = 0; i < BOUND_MS / 20 && !raw.received().includes('\r\n\r\n'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return raw.received()
}

async function closedWithin(raw: Raw, ms = BOUND_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  const result = await Promise.race([raw.closed.then(() => true as const), timedOut])
  clearTimeout(timer)
  return result
}

const SHORT = { headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 300 }

describe('idle and slow connections', () => {
  it('closes a connection that sends nothing near headersTimeoutMs', async () => {
    const r = await start(SHORT)
    const raw = await rawSocket(r)
    expect(await closedWithin(raw)).toBe(true)
  })

  it('closes a slowloris request whose headers never end', async () => {
    const r = await start(SHORT)
    const raw = await rawSocket(r)
    raw.socket.write('POST /wechat HTTP/1.1\r\nHost: relay\r\n')
    const trickle = setInterval(() => raw.socket.write('X-Slow: 1\r\n'), 50)
    cleanups.push(() => clearInterval(trickle))
    expect(await closedWithin(raw)).toBe(true)
    clearInterval(trickle)
    expect(raw.received()).toMatch(/^HTTP\/1\.1 408/)
  })

  it('closes a kept-alive connection after keepAliveTimeoutMs without a request', async () => {
    const r = await start({ ...SHORT, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 })
    const raw = await rawSocket(r)
    raw.socket.write('GET /healthz HTTP/1.1\r\nHost: relay\r\n\r\n')
    expect(await closedWithin(raw)).toBe(true)
    expect(raw.received()).toMatch(/^HTTP\/1\.1 200/)
  })

  it('leaves an idle kiosk websocket open: its ping/pong decides, not the HTTP timeouts', async () => {
    const r = await start({ ...SHORT, idleTimeoutMs: 300 }, { pingIntervalMs: 60_000 })
    const token = await r.addKiosk('k1')
    const kiosk = await KioskClient.hello(r.url, token, { kioskId: 'k1' })
    cleanups.push(() => kiosk.close())
    // Two idle sockets in a row closed by the relay: the kiosk has been idle longer than
    // every HTTP deadline.
    for (let i = 0; i < 2; i++) expect(await closedWithin(await rawSocket(r))).toBe(true)
    expect(kiosk.ws.readyState).toBe(kiosk.ws.OPEN)
    expect((await postPush(r.url, scanXml('v', 'k1:1'))).status).toBe(200)
    await kiosk.waitForScans(1)
  })
})

/**
 * Sends `body` on `raw` as a request with these head lines, `chunk` bytes every `everyMs`, and
 * stops after `stopAfter` bytes (a link that stalls) or waits `pause.ms` once `pause.after` are
 * sent (a link that stalls and comes back). Returns when all that was sent or the
 * relay closed the connection.
 */
async function sendPaced(
  raw: Raw,
  head: string,
  body: Buffer,
  pace: {
    chunk: number
    everyMs: number
    stopAfter?: number
    pause?: { after: number; ms: number }
  },
): Promise<number> {
  raw.socket.write(`${head}Content-Length: ${body.length}\r\n\r\n`)
  const end = Math.min(body.length, pace.stopAfter ?? body.length)
  let sent = 0
  let closed = false
  void raw.closed.then(() => (closed = true))
  while (sent < end && !closed) {
    const next = Math.min(end, sent + pace.chunk)
    raw.socket.write(body.subarray(sent, next))
    const paused = pace.pause !== undefined && sent < pace.pause.after && next >= pace.pause.after
    sent = next
    const waitMs = paused ? (pace.pause?.ms ?? 0) : pace.everyMs
    if (sent < end) await new Promise((resolve) => setTimeout(resolve, waitMs))
  }
  return sent
}

/** The head of a roster upload to `campaignId` by the signed-in `cookie`. */
function rosterHead(r: RelayHandle, campaignId: string, cookie: string): string {
  return (
    `POST /console/api/campaigns/${campaignId}/roster HTTP/1.1\r\nHost: 127.0.0.1:${r.port}\r\n` +
    `Origin: ${r.url}\r\nCookie: ${cookie}\r\nContent-Type: text/csv\r\n`
  )
}

describe('request bodies on a slow link', () => {
  // Deadlines lowered a hundredfold: the whole-request deadline is 600 ms, a file upload may
  // go 600 ms without a byte.
  const SLOW = { ...SHORT, uploadIdleTimeoutMs: 600 }

  async function rosterRelay(config: RelayConfigInput = {}) {
    const r = await start({ ...SLOW, ...config })
    const c = await signIn(r)
    const campaign = await createCampaign(c)
    return { r, cookie: c.cookie ?? '', id: campaign.id }
  }

  it('takes a roster upload that keeps coming for far longer than requestTimeoutMs', async () => {
    const { r, cookie, id } = await rosterRelay()
    const csv = Buffer.from(guestRosterCsv(5500))
    expect(csv.length).toBeGreaterThan(200 * 1024)
    const raw = await rawSocket(r)
    // About 16 KiB every 150 ms: some 2 s for the file, over three times requestTimeoutMs.
    const sent = await sendPaced(raw, rosterHead(r, id, cookie), csv, {
      chunk: 16 * 1024,
      everyMs: 150,
    })
    expect(sent).toBe(csv.length)
    expect(await answered(raw)).toMatch(/^HTTP\/1\.1 200/)
    expect((await r.store.campaigns.readRoster(id, 0, 0)).total).toBe(5500)
  })

  // The defaults: idleTimeoutMs 30 s, uploadIdleTimeoutMs 60 s. The connection's idle timeout
  // cut a 45 s gap silently (no answer: the console said network error, not too slow).
  // Above a sign-in's scrypt on a busy box, which the idle timeout also covers.
  const IDLE_UNDER_UPLOAD_IDLE = { idleTimeoutMs: 1500, uploadIdleTimeoutMs: 3000 }

  it('takes a roster upload that pauses longer than idleTimeoutMs, under uploadIdleTimeoutMs', async () => {
    const { r, cookie, id } = await rosterRelay(IDLE_UNDER_UPLOAD_IDLE)
    const csv = Buffer.from(guestRosterCsv(2000))
    const raw = await rawSocket(r)
    const sent = await sendPaced(raw, rosterHead(r, id, cookie), csv, {
      chunk: 8 * 1024,
      everyMs: 20,
      pause: { after: 16 * 1024, ms: 2000 },
    })
    expect(sent).toBe(csv.length)
    expect(await answered(raw)).toMatch(/^HTTP\/1\.1 200/)
    expect((await r.store.campaigns.readRoster(id, 0, 0)).total).toBe(2000)
  })

  it.each([
    ['with 408, and stores nothing', undefined, 100, 24 * 1024],
    // The connection's own idle timeout is shorter than the gap an upload may have.
    [
      'with 408 even when idleTimeoutMs is shorter than its gap',
      IDLE_UNDER_UPLOAD_IDLE,
      20,
      16 * 1024,
    ],
  ] as const)(
    'cuts a roster upload that stops arriving, %s',
    async (_, opts, everyMs, stopAfter) => {
      const { r, cookie, id } = await rosterRelay(opts)
      const csv = Buffer.from(guestRosterCsv(2000))
      const raw = await rawSocket(r)
      await sendPaced(raw, rosterHead(r, id, cookie), csv, { chunk: 8 * 1024, everyMs, stopAfter })
      expect(await closedWithin(raw)).toBe(true)
      expect(raw.received()).toMatch(/^HTTP\/1\.1 408/)
      expect(raw.received()).toMatch(/\r\nConnection: close\r\n/i)
      expect((await r.store.campaigns.readRoster(id, 0, 0)).total).toBe(0)
    },
  )

  it('answers a stalled roster upload 408 when the relay was slower than idleTimeoutMs to look up its campaign', async () => {
    // A relay slow to answer its store (load): the file stopped arriving while the route
    // awaited the campaign, under the connection's own idle timeout, which cut it silently.
    const { r, cookie, id } = await rosterRelay(IDLE_UNDER_UPLOAD_IDLE)
    const getCampaign = r.store.campaigns.getCampaign.bind(r.store.campaigns)
    r.store.campaigns.getCampaign = async (...args: Parameters<typeof getCampaign>) => {
      await new Promise((resolve) =>
        setTimeout(resolve, IDLE_UNDER_UPLOAD_IDLE.idleTimeoutMs + 500),
      )
      return getCampaign(...args)
    }
    const csv = Buffer.from(guestRosterCsv(2000))
    const raw = await rawSocket(r)
    await sendPaced(raw, rosterHead(r, id, cookie), csv, {
      chunk: 8 * 1024,
      everyMs: 20,
      stopAfter: 16 * 1024,
    })
    expect(await closedWithin(raw)).toBe(true)
    expect(raw.received()).toMatch(/^HTTP\/1\.1 408/)
    expect((await r.store.campaigns.readRoster(id, 0, 0)).total).toBe(0)
  })

  it('answers a roster upload whose storing outlasts idleTimeoutMs and the upload gap', async () => {
    // A relay slow to parse and store a 10 MiB roster (load): the client has sent everything
    // and waits; the connection's idle timeout, put back when the body was in, cut the answer.
    const { r, cookie, id } = await rosterRelay(IDLE_UNDER_UPLOAD_IDLE)
    const replaceRoster = r.store.campaigns.replaceRoster.bind(r.store.campaigns)
    let stored: () => void = () => {}
    const storedDone = new Promise<void>((resolve) => (stored = resolve))
    r.store.campaigns.replaceRoster = async (...args: Parameters<typeof replaceRoster>) => {
      await new Promise((resolve) =>
        setTimeout(resolve, IDLE_UNDER_UPLOAD_IDLE.uploadIdleTimeoutMs + 1500),
      )
      const state = await replaceRoster(...args)
      stored()
      return state
    }
    const csv = Buffer.from(guestRosterCsv(500))
    const raw = await rawSocket(r)
    await sendPaced(raw, rosterHead(r, id, cookie), csv, { chunk: 8 * 1024, everyMs: 20 })
    await storedDone
    expect(await answered(raw)).toMatch(/^HTTP\/1\.1 200/)
    expect((await r.store.campaigns.readRoster(id, 0, 0)).total).toBe(500)
    // Not held open after: the kept-alive connection still closes with no next request.
    expect(await closedWithin(raw)).toBe(true)
  })

  it('closes a roster upload whose storing never ends once uploadTimeoutMs passes in silence', async () => {
    // Held past idleTimeoutMs while the relay stores the file, but not forever: a store call
    // that never returns must not keep the socket open with no timeout at all.
    const config = { idleTimeoutMs: 1500, uploadTimeoutMs: 3000 }
    const { r, cookie, id } = await rosterRelay(config)
    let release: () => void = () => {}
    const hung = new Promise<void>((resolve) => (release = resolve))
    cleanups.push(() => release())
    let storing: () => void = () => {}
    const storingStarted = new Promise<void>((resolve) => (storing = resolve))
    const replaceRoster = r.store.campaigns.replaceRoster.bind(r.store.campaigns)
    r.store.campaigns.replaceRoster = async (...args: Parameters<typeof replaceRoster>) => {
      storing()
      await hung
      return replaceRoster(...args)
    }
    const raw = await rawSocket(r)
    const csv = Buffer.from(guestRosterCsv(50))
    await sendPaced(raw, rosterHead(r, id, cookie), csv, { chunk: 8 * 1024, everyMs: 20 })
    await storingStarted
    expect(await closedWithin(raw, config.uploadTimeoutMs + BOUND_MS)).toBe(true)
    expect(raw.received()).toBe('')
  })

  it('cuts a roster upload that trickles below the floor rate, though never idle long', async () => {
    const { r, cookie, id } = await rosterRelay()
    const csv = Buffer.from(guestRosterCsv(2000))
    const raw = await rawSocket(r)
    // 100 bytes every 200 ms: 500 B/s, a byte well within every idle deadline, under 4 KiB/s.
    void sendPaced(raw, rosterHead(r, id, cookie), csv, { chunk: 100, everyMs: 200 })
    expect(await closedWithin(raw)).toBe(true)
    expect(raw.received()).toMatch(/^HTTP\/1\.1 408/)
    expect((await r.store.campaigns.readRoster(id, 0, 0)).total).toBe(0)
  })

  it('still cuts a push whose body keeps coming past requestTimeoutMs (WeChat waits 5 s)', async () => {
    const r = await start(SLOW)
    const raw = await rawSocket(r)
    const xml = Buffer.from(scanXml('v', 'k1:1').padEnd(4000, ' '))
    const head =
      `POST /wechat?${signedQuery(TOKEN).toString()} HTTP/1.1\r\nHost: relay\r\n` +
      'Content-Type: text/xml\r\n'
    void sendPaced(raw, head, xml, { chunk: 100, everyMs: 50 })
    expect(await closedWithin(raw)).toBe(true)
    expect(raw.received()).toMatch(/^HTTP\/1\.1 408/)
  })
})

describe('answers given without reading the body', () => {
  /** Sends a head declaring a 100 MB body and a few bytes of it; returns what was answered. */
  async function refused(r: RelayHandle, head: string): Promise<string> {
    const raw = await rawSocket(r)
    raw.socket.write(`${head}Content-Length: 100000000\r\n\r\n${'x'.repeat(1000)}`)
    expect(await closedWithin(raw)).toBe(true)
    return raw.received()
  }

  it('closes the connection instead of waiting for the rest of the body', async () => {
    const r = await start({ headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 })
    const c = await signIn(r)
    const signedIn = `Host: 127.0.0.1:${r.port}\r\nOrigin: ${r.url}\r\nCookie: ${c.cookie ?? ''}\r\n`
    const wrongType = await refused(
      r,
      `POST /console/api/campaigns HTTP/1.1\r\n${signedIn}Content-Type: text/plain\r\n`,
    )
    expect(wrongType).toMatch(/^HTTP\/1\.1 415/)
    expect(wrongType).toMatch(/\r\nConnection: close\r\n/i)
    const signedOut = await refused(
      r,
      `POST /console/api/campaigns HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n`,
    )
    expect(signedOut).toMatch(/^HTTP\/1\.1 401/)
    expect(signedOut).toMatch(/\r\nConnection: close\r\n/i)
    const nowhere = await refused(r, 'POST /nowhere HTTP/1.1\r\nHost: relay\r\n')
    expect(nowhere).toMatch(/^HTTP\/1\.1 404/)
  })

  it('closes it after a fixed page too (a signed-out console link, a pairing link)', async () => {
    const r = await start({ headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 })
    // The signed-out page a browser's navigation gets instead of the JSON 401: the JSON answer
    // closed such a connection, the page must as well, or Node reads the 100 MB to drop it.
    const page = 'Host: relay\r\nSec-Fetch-Dest: document\r\nAccept: text/html\r\n'
    const signedOut = await refused(r, `GET /console/api/attendance HTTP/1.1\r\n${page}`)
    expect(signedOut).toMatch(/^HTTP\/1\.1 401/)
    expect(signedOut).toMatch(/\r\nContent-Type: text\/html/i)
    expect(signedOut).toMatch(/\r\nConnection: close\r\n/i)
    const pairing = await refused(r, `GET /pair/${'A'.repeat(8)} HTTP/1.1\r\n${page}`)
    expect(pairing).toMatch(/^HTTP\/1\.1 200/)
    expect(pairing).toMatch(/\r\nConnection: close\r\n/i)
  })

  // A small body mostly comes in the headers' packet: a client refused (401, 404) keeps its
  // connection rather than reconnecting (a TLS handshake on venue Wi-Fi); Node drops the body.
  it('keeps a connection alive after refusing a small body, and answers the next request', async () => {
    const r = await start({ headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 })
    const raw = await rawSocket(r)
    const body = JSON.stringify({ id: 'hall-a' })
    raw.socket.write(
      'POST /console/api/kiosks HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
    raw.socket.write('GET /healthz HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n')
    expect(await closedWithin(raw)).toBe(true)
    expect(raw.received()).toMatch(
      /^HTTP\/1\.1 401[^]*\r\nConnection: keep-alive\r\n[^]*HTTP\/1\.1 200/,
    )
  })

  it('keeps a connection alive after an answer to a request without a body', async () => {
    const r = await start({ headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 })
    const raw = await rawSocket(r)
    raw.socket.write('GET /nowhere HTTP/1.1\r\nHost: relay\r\n\r\n')
    raw.socket.write('GET /healthz HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n')
    expect(await closedWithin(raw)).toBe(true)
    expect(raw.received()).toMatch(
      /^HTTP\/1\.1 404[^]*\r\nConnection: keep-alive\r\n[^]*HTTP\/1\.1 200/,
    )
  })
})

describe('connection cap', () => {
  it('refuses connections past maxConnections; the kiosk keeps working, a push gets in once one frees', async () => {
    const long = { headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 }
    const r = await start({ ...long, maxConnections: 4 })
    const token = await r.addKiosk('k1')
    const kiosk = await KioskClient.hello(r.url, token, { kioskId: 'k1' })
    cleanups.push(() => kiosk.close())
    const idle = [await rawSocket(r), await rawSocket(r), await rawSocket(r)]

    const refused = await rawSocket(r)
    expect(await closedWithin(refused)).toBe(true)
    expect(refused.received()).toBe('')
    const pong = new Promise<void>((resolve) => kiosk.ws.once('pong', () => resolve()))
    kiosk.ws.ping()
    await pong

    idle[0]?.socket.destroy()
    expect(await pushUntilAnswered(r)).toBe(200)
    await kiosk.waitForScans(1)
    expect(
      r.metrics.render({
        connectedKiosks: 0,
        screenStreams: 0,
        unacked: [],
        unrouted: 0,
        attendancePending: 0,
      }),
    ).toMatch(/scandesk_relay_connections_refused_total [1-9]/)
  })

  it('frees a refused websocket upgrade at once, from a client that never closes its half', async () => {
    const r = await start({ headersTimeoutMs: 60_000, requestTimeoutMs: 60_000, maxConnections: 4 })
    await r.addKiosk('k1')
    // Read the refusal and keep the socket half open, as an attacker filling the cap would.
    const refused = await Promise.all([
      halfOpenUpgrade(r, '/kiosk', 'k1.not-the-token'),
      halfOpenUpgrade(r, '/kiosk', 'k1.not-the-token'),
      halfOpenUpgrade(r, '/kiosk', ''),
      halfOpenUpgrade(r, '/elsewhere', ''),
    ])
    expect(refused.map((h) => h.status)).toEqual([401, 401, 401, 404])
    // The relay closes them: there is room for a push again.
    expect(await pushUntilAnswered(r)).toBe(200)
  })

  it('keeps answering /healthz with many idle sockets open within the cap', async () => {
    const r = await start({ headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 })
    await Promise.all(Array.from({ length: 200 }, () => rawSocket(r)))
    const res = await fetch(`${r.url}/healthz`)
    expect(res.status).toBe(200)
  })

  it('is lowered to leave the store its descriptors under a low open-file limit', () => {
    expect(connectionCap(10_000, 400)).toBe(400 - RESERVED_FDS)
    expect(connectionCap(10_000, 1_048_576)).toBe(10_000)
    expect(connectionCap(10_000, null)).toBe(10_000)
    const limits = 'Limit  Soft Limit  Hard Limit  Units\nMax open files  400  4096  files\n'
    expect(openFileLimit(() => limits)).toBe(400)
    expect(openFileLimit(() => 'nothing')).toBeNull()
  })
})

describe('request targets that are not a URL', () => {
  // `//[` is a request target Node's parser lets through, but no URL: with a base, it names
  // an authority `[` that cannot be parsed.
  const BAD_TARGETS = ['//[', '//relay:99999/kiosk']

  it('refuses such a websocket upgrade with 400 and keeps serving', async () => {
    const r = await start({ headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 })
    for (const target of BAD_TARGETS) {
      expect((await halfOpenUpgrade(r, target, '')).status).toBe(400)
    }
    expect((await fetch(`${r.url}/healthz`)).status).toBe(200)
  })

  it('answers such a request 400, not an internal error', async () => {
    const r = await start({ headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 })
    for (const target of BAD_TARGETS) {
      const raw = await rawSocket(r)
      raw.socket.write(`GET ${target} HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n`)
      expect(await closedWithin(raw)).toBe(true)
      expect(raw.received()).toMatch(/^HTTP\/1\.1 400/)
    }
  })
})

describe('request targets a proxy in front reads as another path', () => {
  // deploy/Caddyfile and deploy/nginx.conf keep /metrics (per-kiosk ids) off the internet by
  // its path. Neither takes `\` for `/`, nginx merges `//a` into `/a`, and these are passed on
  // as the client wrote them: a relay that reads each as `/metrics` serves it to anyone.
  const DISGUISED = [
    '/x\\..\\metrics',
    '/x/..\\metrics',
    '//a/metrics',
    'http://a/metrics',
    '/x/%2e%2e/metrics',
    '/x/.%2E/metrics',
    '/./metrics',
    '/metrics#x',
  ]

  async function firstLine(r: RelayHandle, target: string): Promise<string> {
    const raw = await rawSocket(r)
    raw.socket.write(`GET ${target} HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n`)
    expect(await closedWithin(raw)).toBe(true)
    return raw.received().split('\r\n')[0] ?? ''
  }

  it('answers each 400, never what the path it resolves to would answer', async () => {
    const r = await start({ headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 })
    expect(await firstLine(r, '/metrics')).toMatch(/^HTTP\/1\.1 200/)
    for (const target of DISGUISED) {
      expect({ target, line: await firstLine(r, target) }).toEqual({
        target,
        line: expect.stringMatching(/^HTTP\/1\.1 400/) as unknown,
      })
    }
    // Ordinary targets, percent-encoding and queries included, are served as before.
    expect(await firstLine(r, '/healthz?probe=1&x=%2e%2e')).toMatch(/^HTTP\/1\.1 200/)
    expect(await firstLine(r, '/screen/api/%41bc/wall?key=k')).toMatch(/^HTTP\/1\.1 403/)
  })

  it('says what is wrong with an absolute URL or `OPTIONS *`, not that it has dot segments', async () => {
    const r = await start({ headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 })
    async function refusal(method: string, target: string): Promise<string> {
      const raw = await rawSocket(r)
      raw.socket.write(`${method} ${target} HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n`)
      expect(await closedWithin(raw)).toBe(true)
      const [head = '', body = ''] = raw.received().split('\r\n\r\n')
      expect(head).toMatch(/^HTTP\/1\.1 400/)
      const parsed = JSON.parse(body) as { error: { code: string; message: string } }
      expect(parsed.error.code).toBe('bad_request')
      return parsed.error.message
    }
    // Absolute-form (RFC 9112 3.2.2), as a client configured to use the relay as a proxy sends.
    for (const target of ['http://a/metrics', 'https://relay.example/healthz', 'HTTP://a/']) {
      const message = await refusal('GET', target)
      expect({ target, message }).toEqual({
        target,
        message: expect.stringMatching(/absolute URL.*Host header/) as unknown,
      })
    }
    expect(await refusal('OPTIONS', '*')).toMatch(/"\*".*OPTIONS of a path/)
    // The other disguises keep the message naming them.
    expect(await refusal('GET', '/x\\..\\metrics')).toMatch(/dot segments/)
    expect(await refusal('GET', '//a/metrics')).toMatch(/host/)
  })

  it('refuses such a websocket upgrade with 400', async () => {
    const r = await start({ headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 })
    for (const target of ['/x/..\\kiosk', '//a/kiosk', '/x/%2e%2e/kiosk']) {
      expect({ target, status: (await halfOpenUpgrade(r, target, '')).status }).toEqual({
        target,
        status: 400,
      })
    }
    expect((await halfOpenUpgrade(r, '/kiosk', '')).status).toBe(401)
  })
})
