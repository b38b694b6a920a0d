// Venue Wi-Fi between a real relay (SQLite, and Redis) and a kiosk core, through a TCP proxy the
// test controls. A half-dead link: both directions stall with the connections kept and every
// byte held, then delivered when the link heals, a close included (as TCP retransmits them), so
// the relay also gets the old link's late acks and its close after the kiosk's new hello. The
// kiosk notices within two heartbeats, the relay's console shows the booth offline, and once
// healed every push answered 200 is in attendance once, the kiosk connected and the console
// online. Also: short stalls over and over, links dropped in the middle of a frame, a roster
// transfer cut midway (the kiosk keeps its previous complete roster until the new one is whole),
// and a link slowed to a trickle while roster frames cross it (kept: bytes arriving are life at
// the kiosk, the kiosk's pings at the relay, whose own ping waits behind the roster bytes).
import net from 'node:net'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { consoleKioskListSchema } from '../../shared/console-api'
import { MemoryVault } from '../../electron/core/config/vault'
import type { KioskCore } from '../../electron/core/kiosk-core'
import { startRelay, type RelayHandle } from '../../relay/server'
import { startSandbox, type Sandbox } from '../../sandbox/server'
import {
  attendanceRows,
  cleanup,
  onCleanup,
  provisionDir,
  startCore,
  tempDir,
  waitFor,
} from '../kiosk/helpers'
import { assign, createCampaign, guestRosterCsv, signIn } from '../relay/campaign-helpers'
import type { ConsoleClient } from '../relay/console-helpers'
import type { Backend } from '../relay/harness'
import { startRedis, type TestRedis } from '../helpers/redis'

afterEach(cleanup)

/** One direction of one proxied connection: bytes not yet handed on, and whether it closed. */
interface Way {
  to: net.Socket
  dir: 'up' | 'down'
  queue: Buffer[]
  closed: boolean
  /** Trickling: the next slice of the queue goes when this fires. */
  drip: NodeJS.Timeout | null
}

/** A trickling link hands on a slice of its queue this often. */
const DRIP_MS = 25

/** Websocket ping frames (opcode 9) among the whole frames at the start of `d`. */
function pings(d: Buffer): number {
  let n = 0
  let at = 0
  while (at + 2 <= d.length) {
    const b0 = d[at] ?? 0
    const b1 = d[at + 1] ?? 0
    let len = b1 & 0x7f
    let head = 2
    if (len === 126) {
      if (at + 4 > d.length) break
      len = d.readUInt16BE(at + 2)
      head = 4
    } else if (len === 127) {
      if (at + 10 > d.length) break
      len = Number(d.readBigUInt64BE(at + 2))
      head = 10
    }
    if ((b1 & 0x80) !== 0) head += 4
    if ((b0 & 0x0f) === 0x9) n++
    at += head + len
  }
  return n
}

/**
 * The venue network: `stall()` holds every byte (and close) until `heal()`; `trickle()` slows
 * the relay-to-kiosk direction to a few KB/s.
 */
class FaultLink {
  url = ''
  /** The kiosk's websocket links opened through this link (its other HTTP requests not counted). */
  links = 0
  /**
   * Of those, the ones the relay's side ended first (its socket closed while the kiosk's was
   * still open): seen here even while the old link's buffered bytes still trickle to the kiosk.
   */
  relayEnded = 0
  /**
   * Websocket pings the kiosk sent on its open links since the last `stall()`, held with
   * everything else: its heartbeat, counted without a clock.
   */
  stalledPings = 0
  private stalled = false
  /** Bytes a second relay to kiosk; null: as fast as they come. */
  private downRate: number | null = null
  private refusing = false
  private dropNext: 'up' | 'down' | null = null
  private readonly ways = new Set<Way>()
  private readonly sockets = new Set<net.Socket>()
  private readonly server = net.createServer((client) => this.accept(client))

  constructor(private readonly targetPort: number) {}

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r))
    const address = this.server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    this.url = `http://127.0.0.1:${address.port}`
  }

  stall(): void {
    this.stalled = true
    this.stalledPings = 0
  }

  heal(): void {
    this.stalled = false
    this.refusing = false
    for (const w of [...this.ways]) this.flush(w)
  }

  /** Relay to kiosk at `bytesPerSecond` from now on (null: full speed again). */
  trickle(bytesPerSecond: number | null): void {
    this.downRate = bytesPerSecond
    for (const w of [...this.ways]) this.flush(w)
  }

  /** The next chunk going `dir` is cut in half: its first half passes, then every link drops. */
  dropMidFrame(dir: 'up' | 'down'): void {
    this.dropNext = dir
  }

  /** Every connection dropped at once, new ones refused until `heal()`. */
  cut(): void {
    this.refusing = true
    this.dropAll()
  }

  async close(): Promise<void> {
    this.dropAll()
    await new Promise<void>((r) => this.server.close(() => r()))
  }

  private accept(client: net.Socket): void {
    client.on('error', () => client.destroy())
    if (this.refusing) return void client.destroy()
    const upstream = net.connect(this.targetPort, '127.0.0.1')
    upstream.on('error', () => upstream.destroy())
    for (const s of [client, upstream]) {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    }
    const conn = { kiosk: false }
    upstream.on('close', () => {
      if (conn.kiosk && !client.destroyed) this.relayEnded++
    })
    this.forward(client, upstream, 'up', conn)
    this.forward(upstream, client, 'down', conn)
  }

  private forward(
    from: net.Socket,
    to: net.Socket,
    dir: 'up' | 'down',
    conn: { kiosk: boolean },
  ): void {
    const w: Way = { to, dir, queue: [], closed: false, drip: null }
    this.ways.add(w)
    let first = true
    from.on('data', (d: Buffer) => {
      if (dir === 'up' && first && d.subarray(0, 11).toString('latin1') === 'GET /kiosk ') {
        this.links++
        conn.kiosk = true
      }
      // After the upgrade request, the kiosk's side sends websocket frames; while stalled
      // nothing reaches it, so it sends nothing but its heartbeat's pings (one write each).
      if (dir === 'up' && conn.kiosk && !first && this.stalled) this.stalledPings += pings(d)
      first = false
      if (this.dropNext === dir && d.length >= 2) {
        this.dropNext = null
        to.write(d.subarray(0, d.length >> 1))
        this.dropAll()
        return
      }
      w.queue.push(d)
      this.flush(w)
    })
    from.on('close', () => {
      w.closed = true
      this.flush(w)
    })
  }

  private flush(w: Way): void {
    if (this.stalled || w.drip !== null) return
    const rate = w.dir === 'down' ? this.downRate : null
    if (rate === null) {
      for (const d of w.queue.splice(0)) if (!w.to.destroyed) w.to.write(d)
    } else if (w.queue.length > 0) {
      // One slice now, the next after DRIP_MS: the rate holds whatever arrives meanwhile.
      let room = Math.max(1, Math.round((rate * DRIP_MS) / 1000))
      while (room > 0 && w.queue.length > 0) {
        const d = w.queue.shift() ?? Buffer.alloc(0)
        if (d.length > room) w.queue.unshift(d.subarray(room))
        if (!w.to.destroyed) w.to.write(d.subarray(0, room))
        room -= Math.min(room, d.length)
      }
      w.drip = setTimeout(() => {
        w.drip = null
        this.flush(w)
      }, DRIP_MS)
      return
    }
    if (!w.closed) return
    w.to.end()
    this.ways.delete(w)
  }

  private dropAll(): void {
    for (const w of this.ways) if (w.drip !== null) clearTimeout(w.drip)
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
    this.ways.clear()
  }
}

/**
 * The kiosk's heartbeat and the relay's ping (unless a test says otherwise), both: a half-dead
 * link is noticed in 1–2 of them.
 */
const HEARTBEAT_MS = 300

let redis: TestRedis | null = null
afterAll(async () => {
  await redis?.stop()
})

interface Bed {
  sandbox: Sandbox
  relay: RelayHandle
  link: FaultLink
  console: ConsoleClient
  core: KioskCore
  /** The url of the code on the kiosk's screen, for the sandbox's phone. */
  code: string
}

async function bed(
  backend: Backend,
  relayPingMs = HEARTBEAT_MS,
  kioskHeartbeatMs = HEARTBEAT_MS,
): Promise<Bed> {
  if (backend === 'redis' && redis === null) redis = await startRedis()
  const sandbox = await startSandbox({ port: 0, host: '127.0.0.1' })
  onCleanup(() => sandbox.close())
  const relay = await startRelay(
    {
      port: 0,
      data: tempDir(),
      redis: backend === 'redis' ? (redis?.url ?? null) : null,
      wechat: sandbox.credentials(),
    },
    {
      shutdownGraceMs: 500,
      pingIntervalMs: relayPingMs,
      storePollMs: 50,
      redisPrefix: `wifi-${Date.now()}-${Math.random()}:`,
    },
  )
  onCleanup(() => relay.close())
  sandbox.setPushUrl(`${relay.url}/wechat`)
  const link = new FaultLink(relay.port)
  await link.listen()
  onCleanup(() => link.close())
  const consoleClient = await signIn(relay)
  const token = await relay.addKiosk('booth-1')
  const dataDir = tempDir()
  const vault = new MemoryVault()
  provisionDir(dataDir, vault, { relayUrl: link.url, kioskId: 'booth-1', token })
  const core = startCore(dataDir, vault, {
    relayLink: {
      heartbeatMs: kioskHeartbeatMs,
      welcomeTimeoutMs: 1000,
      backoffBaseMs: 40,
      backoffMaxMs: 250,
    },
  })
  await waitFor(() => core.status().relay.state === 'connected', 'link')
  const shown = await waitFor(() => core.pool.current() ?? undefined, 'code')
  return { sandbox, relay, link, console: consoleClient, core, code: shown.url }
}

/** The relay's view of the booth, as the organizer's console lists it. */
async function online(c: ConsoleClient): Promise<boolean> {
  const a = await c.call('GET', '/console/api/kiosks')
  expect(a.status).toBe(200)
  return consoleKioskListSchema.parse(a.json).find((k) => k.id === 'booth-1')?.online === true
}

/** `n` visitors scanning `pauseMs` apart; the openids whose push was answered 200. */
async function scanMany(b: Bed, prefix: string, n: number, pauseMs: number): Promise<string[]> {
  const answered: string[] = []
  for (let i = 0; i < n; i++) {
    await new Promise((r) => setTimeout(r, pauseMs))
    const r = await b.sandbox.scan(b.code, `${prefix}_${i}`)
    if (r.attempts.some((a) => a.status === 200)) answered.push(`${prefix}_${i}`)
  }
  return answered
}

/** Healed: every answered push in attendance once, the kiosk connected, the console online. */
async function settledOnce(b: Bed, answered: string[]): Promise<void> {
  await waitFor(() => attendanceRows(b.core).length >= answered.length, 'every scan', 15_000)
  await waitFor(() => b.core.status().relay.state === 'connected', 'kiosk connected', 10_000)
  await waitFor(() => online(b.console), 'console shows the booth online', 10_000)
  await waitFor(
    async () => {
      const k = await b.relay.store.getKiosk('booth-1')
      return k !== null && k.ackedSeq === k.headSeq
    },
    'every scan acknowledged',
    10_000,
  )
  const rows = attendanceRows(b.core)
  expect(rows.map((r) => r.openid).sort()).toEqual([...answered].sort())
  expect(new Set(rows.map((r) => r.event_id)).size).toBe(rows.length)
  expect(b.core.status().relay.state).toBe('connected')
  expect(await online(b.console)).toBe(true)
}

/** Uploads a roster of `rows` guests to the campaign, as the organizer's console does. */
async function uploadRoster(b: Bed, campaignId: string, rows: number): Promise<void> {
  const res = await fetch(`${b.relay.url}/console/api/campaigns/${campaignId}/roster`, {
    method: 'POST',
    headers: { origin: b.relay.url, cookie: b.console.cookie ?? '', 'content-type': 'text/csv' },
    body: guestRosterCsv(rows),
  })
  expect(res.status).toBe(200)
}

/** The campaign's roster entries the kiosk holds (a complete version). */
function kioskRosterRows(b: Bed, campaignId: string): number {
  const row = b.core.db
    .prepare('SELECT count(*) AS n FROM roster_entries WHERE campaign_id = ?')
    .get(campaignId) as { n: number }
  return row.n
}

describe.each<Backend>(['sqlite', 'redis'])('venue Wi-Fi faults (%s)', (backend) => {
  it('a half-dead link (2 s, bytes held) is noticed within two heartbeats; healed, nothing lost or doubled', async () => {
    const b = await bed(backend)
    expect(await online(b.console)).toBe(true)
    const before = await scanMany(b, 'o_pre', 5, 10)
    await waitFor(() => attendanceRows(b.core).length === 5, 'scans before the stall')

    b.link.stall()
    const stalledAt = Date.now()
    const during = scanMany(b, 'o_stall', 20, 50)
    await waitFor(() => b.core.status().relay.state !== 'connected', 'stall noticed')
    // Two heartbeats at most (no wait for a TCP timeout): the first ping after the stall finds
    // the link alive (bytes came before it), the second none since; counted in pings, not in
    // wall-clock time, which a loaded machine stretches by whole heartbeats.
    const pingsBeforeNoticed = b.link.stalledPings
    expect(pingsBeforeNoticed).toBeLessThanOrEqual(2)
    await waitFor(async () => !(await online(b.console)), 'console shows it offline')
    const answered = [...before, ...(await during)]
    expect(answered).toHaveLength(25)
    // Nothing got through meanwhile: the 20 wait in the relay's queue.
    expect(attendanceRows(b.core)).toHaveLength(5)
    await new Promise((r) => setTimeout(r, Math.max(0, 2000 - (Date.now() - stalledAt))))
    b.link.heal()

    await settledOnce(b, answered)
  })

  it('stalls of 150–700 ms over and over, old links’ bytes arriving late: every scan once', async () => {
    const b = await bed(backend)
    let running = true
    let stalls = 0
    const flutter = (async () => {
      while (running) {
        b.link.stall()
        stalls++
        await new Promise((r) => setTimeout(r, 150 + ((stalls * 211) % 550)))
        b.link.heal()
        await new Promise((r) => setTimeout(r, 100 + ((stalls * 137) % 300)))
      }
    })()
    const answered = await scanMany(b, 'o_flutter', 50, 40)
    running = false
    await flutter
    b.link.heal()
    expect(stalls).toBeGreaterThanOrEqual(3)
    expect(answered).toHaveLength(50)
    await settledOnce(b, answered)
  })
})

describe('venue Wi-Fi faults (sqlite)', () => {
  it('links dropped in the middle of a frame, either way, during scans: every scan once', async () => {
    const b = await bed('sqlite')
    const answered: string[] = []
    for (let round = 0; round < 4; round++) {
      b.link.heal()
      b.link.dropMidFrame(round % 2 === 0 ? 'down' : 'up')
      answered.push(...(await scanMany(b, `o_drop${round}`, 8, 10)))
    }
    b.link.heal()
    expect(answered).toHaveLength(32)
    await settledOnce(b, answered)
  })

  it('a roster transfer cut midway leaves the previous complete roster, and finishes later', async () => {
    const b = await bed('sqlite')
    const made = await createCampaign(b.console)
    const upload = (rows: number): Promise<void> => uploadRoster(b, made.id, rows)
    const rosterRows = (): number => kioskRosterRows(b, made.id)
    await upload(300)
    await assign(b.console, 'booth-1', made.id)
    await waitFor(() => rosterRows() === 300, 'first roster', 20_000)

    // A bigger version; the link is cut as soon as part of it is staged.
    await upload(4000)
    await waitFor(() => b.core.relayRoster.stagedCount() > 0, 'part of the new roster', 20_000)
    b.link.cut()
    const staged = b.core.relayRoster.stagedCount()
    expect(staged).toBeLessThan(4000)
    expect(rosterRows()).toBe(300)
    await waitFor(() => b.core.status().relay.state !== 'connected', 'cut noticed')
    expect(rosterRows()).toBe(300)
    // The kiosk stays in the campaign, on the roster it holds whole.
    expect(b.core.activeCampaign()?.id).toBe(made.id)

    b.link.heal()
    await waitFor(() => rosterRows() === 4000, 'new roster', 30_000)
    expect(b.core.relayRoster.stagedCount()).toBe(0)
    expect(b.core.relayRoster.held(b.core.settings().connectionId)?.offset).toBe(4000)
    await waitFor(() => online(b.console), 'console shows the booth online', 10_000)
  })

  it('a slow link (4 KB/s) still delivering a roster frame after several heartbeats is kept', async () => {
    // The kiosk's heartbeat is under test: the relay pings rarely here. (Its own ping waits
    // behind the roster bytes it has written; the case below has it rely on the kiosk's pings.)
    const b = await bed('sqlite', 60_000)
    const made = await createCampaign(b.console)
    // ~10 KB of roster: the first frames (8 KiB at most on a link not yet measured) take one to
    // two seconds each to trickle in, while the kiosk asks for a sign of life every 300 ms.
    await uploadRoster(b, made.id, 120)
    b.link.trickle(4000)
    const startedAt = Date.now()
    await assign(b.console, 'booth-1', made.id)
    const rows = (): number => kioskRosterRows(b, made.id)
    await waitFor(() => rows() === 120 || b.link.links > 1, 'roster or a reconnect', 15_000)
    // Many heartbeats went by while it trickled in; none of them dropped the link.
    expect(b.link.links).toBe(1)
    expect(rows()).toBe(120)
    expect(Date.now() - startedAt).toBeGreaterThan(8 * HEARTBEAT_MS)
    // Still the same working link both ways: a scan comes through on it.
    b.link.trickle(null)
    const answered = await scanMany(b, 'o_slow', 1, 0)
    await waitFor(() => attendanceRows(b.core).length === 1, 'a scan after the roster')
    expect(attendanceRows(b.core).map((r) => r.openid)).toEqual(answered)
    expect(b.link.links).toBe(1)
    expect(b.core.status().relay.state).toBe('connected')
  })

  it("a slow link (4 KB/s) with the relay's ping stuck behind roster bytes is kept: the kiosk's pings are life", async () => {
    // The relay pings every 500 ms, and its ping (and so the kiosk's pong) waits behind the
    // roster bytes already written to the slow direction; the kiosk pings every 200 ms over the
    // fast one (docs/RELIABILITY.md "Kiosk heartbeat").
    const relayPingMs = 500
    const b = await bed('sqlite', relayPingMs, 200)
    const made = await createCampaign(b.console)
    await uploadRoster(b, made.id, 120)
    b.link.trickle(4000)
    const startedAt = Date.now()
    await assign(b.console, 'booth-1', made.id)
    const rows = (): number => kioskRosterRows(b, made.id)
    await waitFor(
      () => rows() === 120 || b.link.links > 1 || b.link.relayEnded > 0,
      'roster, a reconnect or the relay ending the link',
      15_000,
    )
    // Several relay intervals went by while it trickled in; the relay ended nothing.
    expect(b.link.relayEnded).toBe(0)
    expect(b.link.links).toBe(1)
    expect(rows()).toBe(120)
    expect(Date.now() - startedAt).toBeGreaterThan(4 * relayPingMs)
    b.link.trickle(null)
    const answered = await scanMany(b, 'o_slow', 1, 0)
    await waitFor(() => attendanceRows(b.core).length === 1, 'a scan after the roster')
    expect(attendanceRows(b.core).map((r) => r.openid)).toEqual(answered)
    expect(b.link.relayEnded).toBe(0)
    expect(b.link.links).toBe(1)
    expect(await online(b.console)).toBe(true)
  })
})
