import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { toRelayCampaign } from '../../shared/campaign'
import { relayFrameSchema, type RelayFrame, type RosterFrame } from '../../shared/relay-protocol'
import type { KioskCampaignView } from '../../relay/campaign-directory'
import {
  BindStamps,
  KioskSession,
  type FrameSocket,
  type SessionContext,
} from '../../relay/kiosk-session'
import { jsonLogger, LogLimiter, silentLogger } from '../../relay/log'
import { NameBook } from '../../relay/screens/name-book'
import { RelayMetrics } from '../../relay/metrics'
import { TicketLimiter } from '../../relay/rate-limit'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import { eventIdOf } from '../../relay/store/store-util'
import type { RelayStore } from '../../relay/store/types'
import { campaignBody } from './campaign-helpers'
import { seqOf } from '../helpers/stored-seq'
import { UNDER_LOAD } from '../helpers/wait'

/** A socket whose send buffer only drains when the test says so. */
class SlowSocket implements FrameSocket {
  bufferedAmount = 0
  readonly sent: RelayFrame[] = []
  private pending: Array<{ size: number; cb: (err?: Error | null) => void }> = []
  closedWith: number | null = null

  send(data: string, cb: (err?: Error | null) => void): void {
    this.sent.push(relayFrameSchema.parse(JSON.parse(data)))
    this.bufferedAmount += data.length
    this.pending.push({ size: data.length, cb })
  }

  close(code: number): void {
    this.closedWith = code
  }

  /**
   * The kernel took everything: run the write callbacks as ws does, with Node's null for
   * success (test/relay/kiosk-frames.test.ts sees it on a real socket).
   */
  drain(): void {
    const pending = this.pending
    this.pending = []
    for (const p of pending) {
      this.bufferedAmount -= p.size
      p.cb(null)
    }
  }

  get scanSeqs(): number[] {
    return this.sent.flatMap((f) => (f.type === 'scan' ? [f.seq] : []))
  }

  get rosterFrames(): RosterFrame[] {
    return this.sent.flatMap((f) => (f.type === 'roster' ? [f] : []))
  }
}

const ticks = () => new Promise((r) => setTimeout(r, 30))

describe('KioskSession backpressure', () => {
  let store: RelayStore
  beforeEach(async () => {
    store = openSqliteStore({ data: ':memory:' })
    await store.putKiosk({
      kioskId: 'k1',
      tokenHash: 'h',
      ticketProxy: true,
      sceneRanges: [],
      now: 0,
    })
    for (let i = 0; i < 10; i++) {
      await store.appendEvent('k1', {
        id: eventIdOf(`e${i}`),
        event: 'scan',
        openid: `o${i}`,
        scene: `k1:${i}`,
        ticket: 't',
        createTime: i,
        receivedAt: i,
      })
    }
  })
  afterEach(() => store.close())

  function session(
    socket: SlowSocket,
    limits = { window: 100, highWaterBytes: 400, batch: 2 },
    through: RelayStore = store,
    campaignOf: () => Promise<KioskCampaignView> = () =>
      Promise.resolve({ campaign: null, version: 0 }),
    context: Partial<SessionContext> = {},
  ) {
    return new KioskSession(socket, 'k1', 'h', {
      store: through,
      log: silentLogger,
      metrics: new RelayMetrics(),
      now: () => 0,
      limits,
      onHello: () => Promise.resolve(),
      campaignOf,
      onClosed: () => {},
      repeatedLines: new LogLimiter(() => 0, 60_000),
      bindStamps: new BindStamps(),
      // The roster check has tests of its own: here every registration is one.
      rosterHas: () => Promise.resolve(true),
      ...context,
    })
  }

  /** The campaign 'fair' in the store, as the booth's campaign view gives it. */
  async function fairView(): Promise<KioskCampaignView> {
    const made = await store.campaigns.createCampaign(
      { ...campaignBody(), id: 'fair', screenKey: 'k'.repeat(43) },
      0,
    )
    if (made === null) throw new Error('no campaign')
    return { campaign: toRelayCampaign(made.campaign), version: made.version }
  }

  it('stops reading while the socket buffer is above the high-water mark, resumes on drain', async () => {
    const socket = new SlowSocket()
    const s = session(socket)
    s.onMessage(JSON.stringify({ type: 'hello', kioskId: 'k1' }))
    await vi.waitFor(() => expect(socket.scanSeqs.length).toBeGreaterThan(0), UNDER_LOAD)
    await ticks()
    const firstBurst = socket.scanSeqs.length
    // Each scan frame is ~200 bytes: the 400-byte mark stops the reads after a batch or two.
    expect(firstBurst).toBeLessThan(10)
    expect(socket.bufferedAmount).toBeGreaterThan(400)

    for (let i = 0; i < 20 && socket.scanSeqs.length < 10; i++) {
      const before = socket.scanSeqs.length
      socket.drain()
      await vi.waitFor(() => expect(socket.scanSeqs.length).toBeGreaterThan(before), UNDER_LOAD)
    }
    expect(socket.scanSeqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(socket.closedWith).toBeNull()
  })

  it('sends the roster once the socket drains when it was full as the transfer started', async () => {
    const view = await fairView()
    // 450 entries: frames of up to 200 (smaller while the link is not yet measured).
    const entries = Array.from({ length: 450 }, (_, i) => ({
      id: `r${i}`,
      name: `来宾${i}`,
      company: '',
      phone: '',
      code: '',
    }))
    await store.campaigns.replaceRoster('fair', entries)
    await store.campaigns.putBinding('fair', { registrationId: 'r7', openid: 'oBound', at: 1 })
    const socket = new SlowSocket()
    // The welcome and the campaign frame alone are over the 400-byte mark: a kiosk back on bad
    // Wi-Fi whose socket is full as its roster transfer starts, with scans to replay as well.
    const s = session(socket, { window: 100, highWaterBytes: 400, batch: 2 }, store, () =>
      Promise.resolve(view),
    )
    s.onMessage(JSON.stringify({ type: 'hello', kioskId: 'k1' }))
    await vi.waitFor(
      () => expect(socket.sent.map((f) => f.type)).toEqual(['welcome', 'campaign']),
      UNDER_LOAD,
    )
    await ticks()
    expect(socket.bufferedAmount).toBeGreaterThan(400)
    expect(socket.rosterFrames).toEqual([])

    // The kiosk reads what it is sent and acks every roster frame with its real position.
    let acked = 0
    for (let i = 0; i < 50 && !socket.sent.some((f) => f.type === 'binding'); i++) {
      const before = socket.sent.length
      socket.drain()
      await ticks()
      // Nothing more came out of an empty socket: the transfer is stuck.
      if (socket.sent.length === before) break
      for (const f of socket.rosterFrames.slice(acked)) {
        const ack = { campaignId: f.campaignId, rosterVersion: f.rosterVersion }
        s.onMessage(
          JSON.stringify({ type: 'roster-ack', ...ack, offset: f.offset + f.entries.length }),
        )
        acked++
      }
    }
    const frames = socket.rosterFrames
    // One after the other from 0, each once, the last one final.
    let at = 0
    for (const f of frames) {
      expect(f.offset).toBe(at)
      expect(f.entries.length).toBeLessThanOrEqual(200)
      at += f.entries.length
      expect(f.final).toBe(at === 450)
    }
    expect(at).toBe(450)
    expect(frames.flatMap((f) => f.entries.map((e) => e.id))).toEqual(entries.map((e) => e.id))
    expect(frames[0]?.entries[7]?.openid).toBe('oBound')
    // The bindings follow the whole roster, once.
    const bindings = socket.sent.filter((f) => f.type === 'binding')
    expect(bindings).toEqual([
      { type: 'binding', campaignId: 'fair', registrationId: 'r7', openid: 'oBound', at: 1 },
    ])
    expect(socket.sent.findIndex((f) => f.type === 'binding')).toBeGreaterThan(
      socket.sent.findIndex((f) => f.type === 'roster' && f.final),
    )
    // Scan delivery went on meanwhile, each once and in order.
    for (let i = 0; i < 20 && socket.scanSeqs.length < 10; i++) {
      socket.drain()
      await ticks()
    }
    expect(socket.scanSeqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(socket.closedWith).toBeNull()
  })

  it("checks a burst of binds for a campaign the booth left one exact look-up at a time, never by the console's search", async () => {
    const body = { ...campaignBody(), screenKey: 'k'.repeat(43) }
    await store.campaigns.createCampaign({ ...body, id: 'old' }, 0)
    const next = await store.campaigns.createCampaign({ ...body, id: 'next' }, 0)
    if (next === null) throw new Error('no campaign')
    // Dora's scan here counted in the campaign the booth ran before 'next'.
    const scan = { event: 'scan', scene: 'k1:desk', ticket: 't', createTime: 1, receivedAt: 1 }
    await store.appendEvent(
      'k1',
      { ...scan, event: 'scan', id: eventIdOf('d'), openid: 'oDora' },
      'old',
    )
    const page = vi.spyOn(store.attendance, 'page')
    const hasScan = store.attendance.hasScan.bind(store.attendance)
    let inFlight = 0
    let most = 0
    let open: () => void = () => {}
    const gate = new Promise<void>((resolve) => (open = resolve))
    const looked = vi.spyOn(store.attendance, 'hasScan').mockImplementation(async (...args) => {
      most = Math.max(most, ++inFlight)
      try {
        await gate
        return await hasScan(...args)
      } finally {
        inFlight--
      }
    })
    const socket = new SlowSocket()
    const view = { campaign: toRelayCampaign(next.campaign), version: next.version }
    const s = session(socket, { window: 100, highWaterBytes: 1_000_000, batch: 100 }, store, () =>
      Promise.resolve(view),
    )
    s.onMessage(JSON.stringify({ type: 'hello', kioskId: 'k1' }))
    await vi.waitFor(() => expect(socket.scanSeqs.length).toBe(11), UNDER_LOAD)
    // A stolen token's flood: the kiosk's own id as the openid (every row of the kiosk matches
    // it in the console's search), for the campaign the booth left; then Dora's real bind.
    const burst = 150
    for (let i = 0; i < burst; i++) {
      const bind = { type: 'bind', campaignId: 'old', registrationId: `r${i}`, openid: 'k1', at: i }
      s.onMessage(JSON.stringify(bind))
    }
    const dora = { campaignId: 'old', registrationId: 'r-dora', openid: 'oDora', at: 7 }
    s.onMessage(JSON.stringify({ type: 'bind', ...dora }))
    await ticks()
    expect(looked).toHaveBeenCalledTimes(1)
    expect(most).toBe(1)
    open()
    const acks = () => socket.sent.filter((f) => f.type === 'bind-ack')
    await vi.waitFor(() => expect(acks()).toHaveLength(burst + 1), { timeout: 10_000 })
    expect(most).toBe(1)
    // One look-up a bind, the console's search never.
    expect(looked).toHaveBeenCalledTimes(burst + 1)
    expect(page).not.toHaveBeenCalled()
    expect(await store.campaigns.bindings('old')).toEqual([
      { registrationId: 'r-dora', openid: 'oDora', at: 7 },
    ])
    expect(await store.campaigns.bindings('next')).toEqual([])
    expect(socket.closedWith).toBeNull()
  })

  it('logs dropped binds for another campaign once a minute per kiosk, with how many went unlogged', async () => {
    const next = await store.campaigns.createCampaign(
      { ...campaignBody(), id: 'next', screenKey: 'k'.repeat(43) },
      0,
    )
    if (next === null) throw new Error('no campaign')
    const view = { campaign: toRelayCampaign(next.campaign), version: next.version }
    let clock = 0
    const lines: string[] = []
    // One limiter for the hub's sessions: a kiosk that reconnects does not start over.
    const repeatedLines = new LogLimiter(() => clock, 60_000)
    const link = async () => {
      const socket = new SlowSocket()
      const s = session(
        socket,
        { window: 100, highWaterBytes: 1_000_000, batch: 100 },
        store,
        () => Promise.resolve(view),
        { now: () => clock, log: jsonLogger((l) => lines.push(l)), repeatedLines },
      )
      s.onMessage(JSON.stringify({ type: 'hello', kioskId: 'k1' }))
      await vi.waitFor(() => expect(socket.scanSeqs.length).toBe(10), UNDER_LOAD)
      let sent = 0
      const binds = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const bind = { campaignId: 'other', registrationId: `r${sent}`, openid: 'oX', at: sent }
          sent++
          s.onMessage(JSON.stringify({ type: 'bind', ...bind }))
        }
        await vi.waitFor(
          () => expect(socket.sent.filter((f) => f.type === 'bind-ack')).toHaveLength(sent),
          UNDER_LOAD,
        )
      }
      return binds
    }
    const dropped = () =>
      lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l['msg'] === 'bind for another campaign dropped')
        .map((l) => [l['kioskId'], l['unlogged'] ?? 0])

    let binds = await link()
    await binds(5)
    expect(dropped()).toEqual([['k1', 0]])
    clock = 30_000
    binds = await link()
    await binds(3)
    expect(dropped()).toEqual([['k1', 0]])
    // A minute after the line: one more, with the 4 + 3 in between (the next waits again).
    clock = 60_000
    await binds(2)
    expect(dropped()).toEqual([
      ['k1', 0],
      ['k1', 7],
    ])
  })

  it("acknowledges and drops a bind for a registration not in the campaign's roster, storing nothing", async () => {
    const view = await fairView()
    await store.campaigns.replaceRoster('fair', [
      { id: 'r-ann', name: 'Ann', company: '', phone: '', code: '' },
    ])
    const names = new NameBook(store)
    const lines: string[] = []
    const socket = new SlowSocket()
    const s = session(
      socket,
      { window: 100, highWaterBytes: 1_000_000, batch: 100 },
      store,
      () => Promise.resolve(view),
      {
        rosterHas: (c, r) => names.hasRegistration(c, r),
        log: jsonLogger((l) => lines.push(l)),
      },
    )
    try {
      s.onMessage(JSON.stringify({ type: 'hello', kioskId: 'k1' }))
      await vi.waitFor(() => expect(socket.scanSeqs.length).toBe(10), UNDER_LOAD)
      // A stolen token's flood of made-up registrations (each one a row kept for the season
      // and a binding frame to every booth of the campaign), then Ann's real desk check-in.
      const burst = 50
      for (let i = 0; i < burst; i++) {
        const bind = { campaignId: 'fair', registrationId: `r-fake-${i}`, openid: `oX${i}`, at: i }
        s.onMessage(JSON.stringify({ type: 'bind', ...bind }))
      }
      s.onMessage(
        JSON.stringify({
          type: 'bind',
          campaignId: 'fair',
          registrationId: 'r-ann',
          openid: 'oAnn',
          at: 7,
        }),
      )
      // Every one acknowledged: the kiosk must not send a dropped bind again forever.
      await vi.waitFor(
        () => expect(socket.sent.filter((f) => f.type === 'bind-ack')).toHaveLength(burst + 1),
        UNDER_LOAD,
      )
      expect(await store.campaigns.bindings('fair')).toEqual([
        { registrationId: 'r-ann', openid: 'oAnn', at: 7 },
      ])
      const dropped = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l['msg'] === 'bind for a registration not in the roster dropped')
      // Once a minute per kiosk, however many came.
      expect(dropped).toMatchObject([{ kioskId: 'k1', campaignId: 'fair' }])
      expect(socket.closedWith).toBeNull()
    } finally {
      names.close()
    }
  })

  it("stores a bind stamped ahead of the relay's clock as now, so a later desk check-in still wins", async () => {
    const view = await fairView()
    const day = 24 * 60 * 60 * 1000
    let clock = 10 * day
    const lines: string[] = []
    const socket = new SlowSocket()
    const s = session(
      socket,
      { window: 100, highWaterBytes: 1_000_000, batch: 100 },
      store,
      () => Promise.resolve(view),
      { now: () => clock, log: jsonLogger((l) => lines.push(l)) },
    )
    s.onMessage(JSON.stringify({ type: 'hello', kioskId: 'k1' }))
    await vi.waitFor(() => expect(socket.scanSeqs.length).toBe(10), UNDER_LOAD)
    const acks = () => socket.sent.filter((f) => f.type === 'bind-ack')
    const bind = async (registrationId: string, openid: string, at: number) => {
      const before = acks().length
      s.onMessage(JSON.stringify({ type: 'bind', campaignId: 'fair', registrationId, openid, at }))
      await vi.waitFor(() => expect(acks()).toHaveLength(before + 1), UNDER_LOAD)
      return acks().at(-1)
    }
    // A booth whose clock runs a day ahead binds Ann to r1: stored at the relay's now, and
    // acknowledged as sent (the kiosk drops it from its outbox by those four fields).
    expect(await bind('r1', 'oAnn', clock + day)).toEqual({
      type: 'bind-ack',
      campaignId: 'fair',
      registrationId: 'r1',
      openid: 'oAnn',
      at: clock + day,
    })
    expect(await store.campaigns.bindings('fair')).toEqual([
      { registrationId: 'r1', openid: 'oAnn', at: clock },
    ])
    const ahead = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l['msg'] === "bind stamped ahead of the relay's clock stored as now")
    expect(ahead).toMatchObject([{ kioskId: 'k1', campaignId: 'fair', aheadMs: day }])
    // A minute later a desk in step binds r1 to Bob: the later check-in wins.
    clock += 60_000
    await bind('r1', 'oBob', clock)
    expect(await store.campaigns.bindings('fair')).toEqual([
      { registrationId: 'r1', openid: 'oBob', at: clock },
    ])
    // A second ahead (the kiosk's whole-second view of the relay's clock) is stored as sent.
    await bind('r2', 'oCid', clock + 1000)
    expect((await store.campaigns.bindings('fair')).find((b) => b.registrationId === 'r2')).toEqual(
      { registrationId: 'r2', openid: 'oCid', at: clock + 1000 },
    )
    expect(socket.closedWith).toBeNull()
  })

  it('stores a day-ahead bind sent again (its ack lost with the link) at the same now, so a desk check-in made in between still wins', async () => {
    const view = await fairView()
    const day = 24 * 60 * 60 * 1000
    let clock = 10 * day
    // The hub's sessions share what it keeps: the booth's second link is a new session.
    const shared = { now: () => clock, bindStamps: new BindStamps() }
    const link = async () => {
      const socket = new SlowSocket()
      const s = session(
        socket,
        { window: 100, highWaterBytes: 1_000_000, batch: 100 },
        store,
        () => Promise.resolve(view),
        shared,
      )
      s.onMessage(JSON.stringify({ type: 'hello', kioskId: 'k1' }))
      await vi.waitFor(() => expect(socket.scanSeqs.length).toBe(10), UNDER_LOAD)
      const bind = async (registrationId: string, openid: string, at: number) => {
        const acks = () => socket.sent.filter((f) => f.type === 'bind-ack').length
        const before = acks()
        s.onMessage(
          JSON.stringify({ type: 'bind', campaignId: 'fair', registrationId, openid, at }),
        )
        await vi.waitFor(() => expect(acks()).toBe(before + 1), UNDER_LOAD)
      }
      return { s, bind }
    }
    const ahead = clock + day
    const first = await link()
    await first.bind('r1', 'oAnn', ahead)
    const storedAt = clock
    expect(await store.campaigns.bindings('fair')).toEqual([
      { registrationId: 'r1', openid: 'oAnn', at: storedAt },
    ])
    // The same frame again a moment later (the link dropped before its ack reached the booth):
    // the same binding, not a newer one.
    clock += 2_000
    await first.bind('r1', 'oAnn', ahead)
    expect(await store.campaigns.bindings('fair')).toEqual([
      { registrationId: 'r1', openid: 'oAnn', at: storedAt },
    ])
    // A desk in step binds r1 to Bob; then the booth, on a new link, sends its unacknowledged
    // bind once more: Bob's later check-in stays.
    clock += 1_000
    await first.bind('r1', 'oBob', clock)
    first.s.close(1000, 'bye')
    clock += 1_000
    const second = await link()
    await second.bind('r1', 'oAnn', ahead)
    expect(await store.campaigns.bindings('fair')).toEqual([
      { registrationId: 'r1', openid: 'oBob', at: clock - 1_000 },
    ])
  })

  it('remembers the stamp of a bind stored, not of one dropped (another campaign)', async () => {
    const view = await fairView()
    const day = 24 * 60 * 60 * 1000
    let clock = 10 * day
    // Room for one stamp: a dropped bind remembered would push the stored one's out.
    const bindStamps = new BindStamps(1)
    const socket = new SlowSocket()
    const s = session(
      socket,
      { window: 100, highWaterBytes: 1_000_000, batch: 100 },
      store,
      () => Promise.resolve(view),
      { now: () => clock, bindStamps },
    )
    s.onMessage(JSON.stringify({ type: 'hello', kioskId: 'k1' }))
    await vi.waitFor(() => expect(socket.scanSeqs.length).toBe(10), UNDER_LOAD)
    const bind = async (campaignId: string, at: number) => {
      const acks = () => socket.sent.filter((f) => f.type === 'bind-ack').length
      const before = acks()
      s.onMessage(
        JSON.stringify({ type: 'bind', campaignId, registrationId: 'r1', openid: 'oAnn', at }),
      )
      await vi.waitFor(() => expect(acks()).toBe(before + 1), UNDER_LOAD)
    }
    const ahead = clock + day
    const storedAt = clock
    await bind('fair', ahead)
    clock += 1_000
    await bind('other', ahead)
    clock += 1_000
    // The stored bind sent again (its ack lost): the same binding, not a newer one.
    await bind('fair', ahead)
    expect(await store.campaigns.bindings('fair')).toEqual([
      { registrationId: 'r1', openid: 'oAnn', at: storedAt },
    ])
    expect(
      bindStamps.peek(
        'k1',
        { type: 'bind', campaignId: 'fair', registrationId: 'r1', openid: 'oAnn', at: ahead },
        clock,
      ),
    ).toBe(storedAt)
  })

  /** A live session in campaign 'fair' whose binds are allowed `burst` at once, 10 a second. */
  async function pacedSession(burst: number) {
    const view = await fairView()
    const clock = { t: 1_000_000 }
    const socket = new SlowSocket()
    const metrics = new RelayMetrics()
    const s = session(
      socket,
      { window: 100, highWaterBytes: 10_000_000, batch: 100 },
      store,
      () => Promise.resolve(view),
      {
        now: () => clock.t,
        metrics,
        bindLimiter: new TicketLimiter(
          { ratePerMinute: 600, burst, concurrency: Infinity },
          () => clock.t,
        ),
      },
    )
    s.onMessage(JSON.stringify({ type: 'hello', kioskId: 'k1' }))
    await vi.waitFor(() => expect(socket.scanSeqs.length).toBe(10), UNDER_LOAD)
    const acks = () => socket.sent.filter((f) => f.type === 'bind-ack')
    const bind = (registrationId: string, openid: string, at: number) =>
      s.onMessage(JSON.stringify({ type: 'bind', campaignId: 'fair', registrationId, openid, at }))
    return { s, socket, clock, acks, bind, metrics }
  }

  it("takes a kiosk's binds at its allowance: a flood rebinding one registration back and forth writes the burst, then 10 a second", async () => {
    const writes = vi.spyOn(store.campaigns, 'putBinding')
    const { s, clock, acks, bind } = await pacedSession(50)
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      // A stolen token: each frame a newer `at`, so each would be a write and a frame to every
      // booth of the campaign.
      for (let i = 0; i < 2_000; i++) bind('r1', i % 2 === 0 ? 'oAnn' : 'oBob', clock.t - 5_000 + i)
      await vi.waitFor(() => expect(acks().length).toBe(50), UNDER_LOAD)
      expect(writes).toHaveBeenCalledTimes(50)
      // The allowance refills with the relay's clock: a second more, ten more.
      await vi.advanceTimersByTimeAsync(5_000)
      expect(writes).toHaveBeenCalledTimes(50)
      clock.t += 1_000
      await vi.advanceTimersByTimeAsync(1_000)
      await vi.waitFor(() => expect(acks().length).toBe(60), UNDER_LOAD)
      expect(writes).toHaveBeenCalledTimes(60)
    } finally {
      s.close(1000, 'done')
      vi.useRealTimers()
    }
  })

  it('never refuses nor loses a long outbox: past the burst it is stored as the allowance refills, a resend waiting once', async () => {
    const { s, clock, acks, bind, metrics } = await pacedSession(50)
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      const outbox = Array.from({ length: 300 }, (_, i) => [`r${i}`, `o${i}`, 900_000 + i] as const)
      for (const [r, o, at] of outbox) bind(r, o, at)
      await vi.waitFor(() => expect(acks().length).toBe(50), UNDER_LOAD)
      // The kiosk's resend of every unacknowledged bind 5 s later: the waiting ones wait once.
      for (const [r, o, at] of outbox.slice(50)) bind(r, o, at)
      for (
        let second = 0;
        second < 40 && new Set(acks().map((a) => a.registrationId)).size < 300;
        second++
      ) {
        clock.t += 1_000
        await vi.advanceTimersByTimeAsync(1_000)
      }
      await vi.waitFor(
        async () => expect((await store.campaigns.bindings('fair')).length).toBe(300),
        UNDER_LOAD,
      )
      expect(new Set(acks().map((a) => a.registrationId)).size).toBe(300)
      // Each bind acknowledged once: the resent ones were not looked at twice.
      expect(acks().length).toBe(300)
      // /metrics counts each bind made to wait once (the resends are not new ones), none dropped.
      expect(metrics.limitHitCount('desk_bind_paced')).toBe(250)
      expect(metrics.limitHitCount('desk_bind_unacked')).toBe(0)
    } finally {
      s.close(1000, 'done')
      vi.useRealTimers()
    }
  })

  it('remembers at most its bound of binds stamped ahead, forgetting the oldest first', () => {
    const stamps = new BindStamps(2)
    const bind = (registrationId: string) =>
      ({ type: 'bind', campaignId: 'fair', registrationId, openid: 'o1', at: 1_000_000 }) as const
    expect(stamps.stampOf('k1', bind('r1'), 10)).toBe(10)
    expect(stamps.stampOf('k1', bind('r2'), 20)).toBe(20)
    expect(stamps.stampOf('k1', bind('r1'), 30)).toBe(10)
    // A third: r1, the oldest kept, is forgotten, and stamped anew when it comes again.
    expect(stamps.stampOf('k1', bind('r3'), 40)).toBe(40)
    expect(stamps.stampOf('k1', bind('r2'), 50)).toBe(20)
    expect(stamps.stampOf('k1', bind('r1'), 60)).toBe(60)
    // Another booth's frame with the same fields is its own; one within the margin is as sent.
    expect(stamps.stampOf('k2', bind('r2'), 70)).toBe(70)
    expect(stamps.stampOf('k1', bind('r4'), 1_000_000 - 5_000)).toBe(1_000_000)
  })

  it('does not grow the buffer without bound when the kiosk never reads', async () => {
    const socket = new SlowSocket()
    // The welcome (~60 bytes) fits under the mark; one scan frame (~200 bytes) does not.
    const s = session(socket, { window: 100, highWaterBytes: 100, batch: 1 })
    s.onMessage(JSON.stringify({ type: 'hello', kioskId: 'k1' }))
    await vi.waitFor(() => expect(socket.scanSeqs).toEqual([1]), UNDER_LOAD)
    s.notify()
    s.notify()
    await ticks()
    expect(socket.scanSeqs).toEqual([1])
    socket.drain()
    await vi.waitFor(() => expect(socket.scanSeqs).toEqual([1, 2]), UNDER_LOAD)
  })

  it('sends a notified event at once only when it is the next one; a gap is read from the store', async () => {
    const socket = new SlowSocket()
    const s = session(socket, { window: 100, highWaterBytes: 1_000_000, batch: 100 })
    s.onMessage(JSON.stringify({ type: 'hello', kioskId: 'k1' }))
    await vi.waitFor(() => expect(socket.scanSeqs).toHaveLength(10), UNDER_LOAD)
    const stored = async (i: number) => {
      const r = await store.appendEvent('k1', {
        id: eventIdOf(`n${i}`),
        event: 'scan',
        openid: `n${i}`,
        scene: `k1:n${i}`,
        ticket: 't',
        createTime: i,
        receivedAt: i,
      })
      return (await store.readEvents('k1', seqOf(r) - 1, 1))[0]
    }
    const e11 = await stored(11)
    const e12 = await stored(12)
    const e13 = await stored(13)
    if (!e11 || !e12 || !e13) throw new Error('not stored')
    // Out of order: 13 before 11 and 12 must not jump the queue.
    s.notify(e13)
    await vi.waitFor(() => expect(socket.scanSeqs).toHaveLength(13), UNDER_LOAD)
    s.notify(e11)
    s.notify(e12)
    s.notify(e13)
    await ticks()
    expect(socket.scanSeqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13])

    // The next one is sent as notified, without waiting for a read.
    const e14 = await stored(14)
    if (!e14) throw new Error('not stored')
    s.notify(e14)
    expect(socket.scanSeqs.at(-1)).toBe(14)
    const frame = socket.sent.at(-1)
    expect(frame).toEqual({ type: 'scan', ...e14 })
  })

  it('stores every ack in order, collapsing acks that arrive during a write, the last one too', async () => {
    const socket = new SlowSocket()
    const written: number[] = []
    let release: () => void = () => {}
    const slow: RelayStore = Object.create(store) as RelayStore
    slow.ack = async (kioskId, seq, now) => {
      written.push(seq)
      await new Promise<void>((r) => (release = r))
      return store.ack(kioskId, seq, now)
    }
    const s = session(socket, { window: 100, highWaterBytes: 1_000_000, batch: 100 }, slow)
    s.onMessage(JSON.stringify({ type: 'hello', kioskId: 'k1' }))
    await vi.waitFor(() => expect(socket.scanSeqs).toHaveLength(10), UNDER_LOAD)
    for (let seq = 1; seq <= 7; seq++) s.onMessage(JSON.stringify({ type: 'ack', seq }))
    // One write under way (1); 2..7 collapsed into the highest.
    expect(written).toEqual([1])
    s.closed()
    release()
    await vi.waitFor(() => expect(written).toEqual([1, 7]), UNDER_LOAD)
    release()
    await vi.waitFor(
      async () => expect((await store.queueState('k1'))?.ackedSeq).toBe(7),
      UNDER_LOAD,
    )
    expect(s.unackedInFlight).toBe(3)
  })

  // 20 booths with the store away wrote an error line each per ack, read, bind and hello (a
  // thousand booths past journald's 10,000 lines in 30 s), none saying what it meant.
  it('logs each store failure the booths repeat once a minute with a count, saying what the booth does', async () => {
    const lines: Array<Record<string, unknown>> = []
    let clock = 0
    const context: Partial<SessionContext> = {
      log: jsonLogger((l) => lines.push(JSON.parse(l) as Record<string, unknown>)),
      now: () => clock,
      repeatedLines: new LogLimiter(() => clock, 60_000),
    }
    const down = new Error('database is locked')
    const failing = new Set<string>()
    const tried = new Map<string, number>()
    const fail = <T>(what: string, ok: () => Promise<T>): Promise<T> => {
      if (!failing.has(what)) return ok()
      tried.set(what, (tried.get(what) ?? 0) + 1)
      return Promise.reject(down)
    }
    const away: RelayStore = Object.create(store) as RelayStore
    away.queueState = (k) => fail('hello', () => store.queueState(k))
    away.ack = (k, seq, at) => fail('ack', () => store.ack(k, seq, at))
    away.readEvents = (k, after, n) => fail('read', () => store.readEvents(k, after, n))
    const campaignOf = () =>
      fail('campaign', () => Promise.resolve<KioskCampaignView>({ campaign: null, version: 0 }))
    const booths = (n = 20) =>
      Array.from({ length: n }, () => {
        const socket = new SlowSocket()
        const limits = { window: 100, highWaterBytes: 1_000_000, batch: 100 }
        const s = session(socket, limits, away, campaignOf, context)
        s.onMessage(JSON.stringify({ type: 'hello', kioskId: 'k1' }))
        return { socket, s }
      })
    const failedTimes = async (what: string, times: number) => {
      await vi.waitFor(() => expect(tried.get(what) ?? 0).toBeGreaterThanOrEqual(times), UNDER_LOAD)
    }

    failing.add('hello')
    const refused = booths()
    await failedTimes('hello', 20)
    await vi.waitFor(
      () => expect(refused.every((b) => b.socket.closedWith !== null)).toBe(true),
      UNDER_LOAD,
    )
    failing.clear()
    const live = booths()
    await vi.waitFor(
      () => expect(live.every((b) => b.socket.scanSeqs.length === 10)).toBe(true),
      UNDER_LOAD,
    )
    failing.add('ack')
    // One write per booth under way; 2..10 collapse into one more: 40 failed writes.
    for (const b of live)
      for (let seq = 1; seq <= 10; seq++) b.s.onMessage(`{"type":"ack","seq":${seq}}`)
    await failedTimes('ack', 40)
    failing.add('read')
    for (const b of live) b.s.notify()
    await failedTimes('read', 20)
    failing.add('campaign')
    for (const b of live) void b.s.refreshCampaign()
    for (const b of live)
      b.s.onMessage('{"type":"bind","campaignId":"c","registrationId":"r","openid":"o","at":1}')
    await failedTimes('campaign', 40)

    const logged = (msg: string) => lines.filter((l) => l.msg === msg)
    const actions: Record<string, RegExp> = {
      'hello failed': /reconnects by itself/,
      'storing ack failed': /sent again/,
      'reading events failed': /wait in the store/,
      'reading campaign failed': /keeps the campaign it has/,
      'storing binding failed': /check-in.*again/,
    }
    for (const [msg, action] of Object.entries(actions)) {
      expect(logged(msg), msg).toHaveLength(1)
      expect(logged(msg)[0], msg).toMatchObject({
        level: 'error',
        kioskId: 'k1',
        error: 'database is locked',
      })
      expect(String(logged(msg)[0]?.action), msg).toMatch(action)
      expect(String(logged(msg)[0]?.action), msg).toMatch(/\/healthz/)
    }
    // A minute on, the next booth refused says how many went unlogged since.
    clock += 60_000
    failing.add('hello')
    const late = booths(1)
    await failedTimes('hello', 21)
    await vi.waitFor(() => expect(logged('hello failed')).toHaveLength(2), UNDER_LOAD)
    expect(logged('hello failed')[1]?.unlogged).toBe(19)
    for (const b of [...refused, ...live, ...late]) b.s.closed()
  })

  it('reads the store on an ack only when something may be left to send', async () => {
    const socket = new SlowSocket()
    let reads = 0
    const counting: RelayStore = Object.create(store) as RelayStore
    counting.readEvents = (kioskId, after, limit) => {
      reads++
      return store.readEvents(kioskId, after, limit)
    }
    const s = session(socket, { window: 4, highWaterBytes: 1_000_000, batch: 100 }, counting)
    s.onMessage(JSON.stringify({ type: 'hello', kioskId: 'k1' }))
    // Window of 4: the first read stops there; each ack must release the next ones.
    await vi.waitFor(() => expect(socket.scanSeqs).toEqual([1, 2, 3, 4]), UNDER_LOAD)
    for (const seq of [4, 8, 10]) {
      s.onMessage(JSON.stringify({ type: 'ack', seq }))
      await ticks()
    }
    expect(socket.scanSeqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    // All sent and acked, and the last read came back short: acks now cost no read.
    const before = reads
    s.onMessage(JSON.stringify({ type: 'ack', seq: 10 }))
    const r = await store.appendEvent('k1', {
      id: eventIdOf('late'),
      event: 'scan',
      openid: 'late',
      scene: 'k1:late',
      ticket: 't',
      createTime: 11,
      receivedAt: 11,
    })
    const e11 = (await store.readEvents('k1', seqOf(r) - 1, 1))[0]
    if (!e11) throw new Error('not stored')
    s.notify(e11)
    s.onMessage(JSON.stringify({ type: 'ack', seq: 11 }))
    await ticks()
    expect(socket.scanSeqs.at(-1)).toBe(11)
    expect(reads).toBe(before)
    // A notification without the event (a poll, the heartbeat) still reads.
    s.notify()
    await ticks()
    expect(reads).toBe(before + 1)
  })
})
