// The screens' hub with a screen whose socket is full (a slow or hostile client): it is owed
// only the newest check-ins (at most recentLimit) and the latest count, sent in one message on
// 'drain', so a stalled screen costs the relay bounded memory however many scans come meanwhile.
import { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { NameBook } from '../../relay/screens/name-book'
import { ScreenAccess } from '../../relay/screens/screen-access'
import { ScreenHub, type ScreenHubOptions } from '../../relay/screens/screen-hub'
import type { CampaignRecord } from '../../relay/store/campaign-types'
import type { StoreChange } from '../../relay/store/types'
import {
  screenEventSchema,
  screenHeartbeatSchema,
  type ScreenEvent,
  type ScreenHeartbeat,
} from '../../shared/screen-api'
import { UNDER_LOAD } from '../helpers/wait'
import { until } from './screen-helpers'

class FakeResponse extends EventEmitter {
  writableNeedDrain = false
  destroyed = false
  readonly written: string[] = []
  writeHead(): this {
    return this
  }
  flushHeaders(): void {}
  setHeader(): void {}
  write(chunk: string): boolean {
    this.written.push(chunk)
    return true
  }
  end(): void {
    this.emit('close')
  }
  events(): ScreenEvent[] {
    return this.written
      .filter((w) => w.includes('data: ') && !w.startsWith('event: heartbeat\n'))
      .map((w) => screenEventSchema.parse(JSON.parse(w.slice(w.indexOf('data: ') + 6))))
  }
  /** The named heartbeats written (`event: heartbeat`), checked against the screen API. */
  heartbeats(): ScreenHeartbeat[] {
    return this.written
      .filter((w) => w.startsWith('event: heartbeat\ndata: ') && w.endsWith('\n\n'))
      .map((w) => screenHeartbeatSchema.parse(JSON.parse(w.slice(w.indexOf('data: ') + 6))))
  }
}

const record = {
  campaign: { id: 'c1', name: 'C1', screenKey: 'k'.repeat(43) },
  version: 1,
  updatedAt: 0,
} as unknown as CampaignRecord

function hubFor(
  onFeed: (l: (c: StoreChange) => void) => void = () => undefined,
  boothRuns = 'c1',
  heartbeatMs?: number,
  extra: Partial<ScreenHubOptions> = {},
): ScreenHub {
  const store = {
    subscribe: (l: (c: StoreChange) => void) => {
      onFeed(l)
      return () => undefined
    },
    readEvents: () => Promise.resolve([]),
    campaigns: {
      getCampaign: () => Promise.resolve(record),
      readRoster: () => Promise.resolve({ version: 0, total: 0, entries: [] }),
      bindings: () => Promise.resolve([]),
    },
  } as unknown as ScreenHubOptions['store']
  return new ScreenHub({
    store,
    directory: { assignmentOf: () => Promise.resolve({ campaignId: boothRuns, version: 1 }) },
    access: new ScreenAccess(store, Date.now),
    names: new NameBook(store),
    now: Date.now,
    batchMs: 10,
    recentLimit: 60,
    heartbeatMs,
    ...extra,
  })
}

/** A visitor's first scan in c1 (or `campaignId`), numbered `n`. */
function firstScan(n: number, campaignId?: string, openid = `o${n}`): StoreChange {
  return {
    type: 'event',
    kioskId: 'k1',
    seq: n,
    event: {
      ...{ seq: n, id: `e${n}`, event: 'scan', openid, scene: 'k1:x', ticket: 't' },
      ...{ createTime: 1, receivedAt: n, number: n, firstInCampaign: true },
    },
    ...(campaignId === undefined ? {} : { campaignId }),
  }
}

describe('a screen gone before its stream opened', () => {
  it('is not kept: its close has passed and would never free its place', () => {
    const hub = hubFor()
    const res = new FakeResponse()
    res.destroyed = true
    const req = { socket: new Socket() } as unknown as IncomingMessage
    hub.handle(req, res as unknown as ServerResponse, record, record.campaign.screenKey)
    expect(hub.clientCount).toBe(0)
    expect(res.written).toEqual([])
  })
})

describe('heartbeats', () => {
  it('every heartbeatMs a named heartbeat saying how often, none at open, none to a full socket', async () => {
    const hub = hubFor(undefined, 'c1', 40)
    const res = new FakeResponse()
    const req = { socket: new Socket() } as unknown as IncomingMessage
    hub.handle(req, res as unknown as ServerResponse, record, record.campaign.screenKey)
    // At open: the retry hint only; the first message a screen reads is still a change.
    expect(res.written).toEqual(['retry: 3000\n\n'])
    await until(() => res.heartbeats().length >= 3, UNDER_LOAD.timeout, 'three heartbeats')
    // Named (EventSource hands comments to no one, and unnamed ones to the data listener).
    expect(res.written.filter((w) => w.includes('heartbeat')).length).toBe(res.heartbeats().length)
    expect(res.written.some((w) => w.startsWith(':'))).toBe(false)
    for (const beat of res.heartbeats())
      expect(beat).toMatchObject({ type: 'heartbeat', everyMs: 40 })
    expect(res.events()).toEqual([])
    // A screen whose socket is full gets none until it drains (the data owed comes first).
    res.writableNeedDrain = true
    const sent = res.heartbeats().length
    await new Promise((r) => setTimeout(r, 150))
    expect(res.heartbeats().length).toBe(sent)
    hub.close()
  })
})

describe('a screen whose socket is full', () => {
  it('is owed the newest recentLimit check-ins and the count, sent once on drain', async () => {
    let feed: (c: StoreChange) => void = () => undefined
    const hub = hubFor((l) => (feed = l))
    const res = new FakeResponse()
    const req = { socket: new Socket() } as unknown as IncomingMessage
    hub.handle(req, res as unknown as ServerResponse, record, record.campaign.screenKey)
    res.writableNeedDrain = true
    for (let n = 1; n <= 500; n++) {
      feed({
        type: 'event',
        kioskId: 'k1',
        seq: n,
        event: {
          seq: n,
          id: `e${n}`,
          event: 'scan',
          openid: `o${n}`,
          scene: 'k1:x',
          ticket: 't',
          createTime: 1,
          receivedAt: n,
          number: n,
          firstInCampaign: true,
        },
      })
      if (n % 100 === 0) await new Promise((r) => setTimeout(r, 30))
    }
    await new Promise((r) => setTimeout(r, 50))
    expect(res.events()).toEqual([])
    res.writableNeedDrain = false
    res.emit('drain')
    await until(() => res.events().length === 1, UNDER_LOAD.timeout, 'one message')
    const [e] = res.events()
    expect(e?.type).toBe('checkins')
    if (e?.type !== 'checkins') return
    expect(e.count).toBe(500)
    expect(e.checkins.map((c) => c.number)).toEqual(Array.from({ length: 60 }, (_, i) => 441 + i))
    expect(JSON.stringify(e)).not.toContain('"o')
    hub.close()
  })
})

describe("a check-in stored just before its booth's reassignment", () => {
  it("is shown on the wall of the campaign it counted in, not the booth's new one", async () => {
    let feed: (c: StoreChange) => void = () => undefined
    // The booth runs c2 by the time the hub looks; scans 1 and 3 counted in c1, 2 in c2.
    const hub = hubFor((l) => (feed = l), 'c2')
    const res = new FakeResponse()
    const req = { socket: new Socket() } as unknown as IncomingMessage
    hub.handle(req, res as unknown as ServerResponse, record, record.campaign.screenKey)
    feed(firstScan(1, 'c1'))
    feed(firstScan(2, 'c2'))
    feed(firstScan(3, 'c1'))
    await until(
      () => res.events().some((e) => e.type === 'checkins'),
      UNDER_LOAD.timeout,
      'check-ins',
    )
    await new Promise((r) => setTimeout(r, 50))
    const shown = res.events().flatMap((e) => (e.type === 'checkins' ? e.checkins : []))
    expect(shown.map((c) => c.number)).toEqual([1, 3])
    hub.close()
  })

  it("falls back to the booth's campaign when the change does not say (a polled change)", async () => {
    let feed: (c: StoreChange) => void = () => undefined
    const hub = hubFor((l) => (feed = l), 'c1')
    const res = new FakeResponse()
    const req = { socket: new Socket() } as unknown as IncomingMessage
    hub.handle(req, res as unknown as ServerResponse, record, record.campaign.screenKey)
    feed(firstScan(4))
    await until(
      () => res.events().some((e) => e.type === 'checkins'),
      UNDER_LOAD.timeout,
      'check-ins',
    )
    const shown = res.events().flatMap((e) => (e.type === 'checkins' ? e.checkins : []))
    expect(shown.map((c) => c.number)).toEqual([4])
    hub.close()
  })
})

// A visitor erased while their check-in is on its way to the screens (named a moment before):
// the screens read a snapshot after the erasure, which a check-in sent later must not undo by
// adding the erased visitor's tile, named, again.
describe('check-ins named before an erasure', () => {
  const erasure: StoreChange = { type: 'erasure', campaignId: 'c1' }

  /** A hub whose names come from `nameOf`, on fake timers (the batch's wait is the test's). */
  function erasureHub(nameOf: (openid: string) => Promise<string | null>) {
    let feed: (c: StoreChange) => void = () => undefined
    const names = { nameOf: (_: string, openid: string) => nameOf(openid), hold: () => () => {} }
    const hub = hubFor((l) => (feed = l), 'c1', undefined, { names, batchMs: 100 })
    const res = new FakeResponse()
    const req = { socket: new Socket() } as unknown as IncomingMessage
    hub.handle(req, res as unknown as ServerResponse, record, record.campaign.screenKey)
    return { hub, res, feed: (c: StoreChange) => feed(c) }
  }

  const shown = (res: FakeResponse) =>
    res.events().map((e) => (e.type === 'checkins' ? e.checkins.map((c) => c.number) : e.type))

  afterEach(() => {
    vi.useRealTimers()
  })

  it('a check-in waiting for the next batch, or owed to a full socket, is not sent after it', async () => {
    vi.useFakeTimers()
    const named = (openid: string) => Promise.resolve(openid === 'oErased' ? '王小明' : null)
    const { hub, res, feed } = erasureHub(named)
    feed(firstScan(1, 'c1'))
    await vi.advanceTimersByTimeAsync(0)
    expect(shown(res)).toEqual([[1]])
    // The next batch waits batchMs: the erased visitor's check-in is queued when the erasure comes.
    feed(firstScan(2, 'c1', 'oErased'))
    await vi.advanceTimersByTimeAsync(0)
    feed(erasure)
    feed(firstScan(3, 'c1'))
    await vi.advanceTimersByTimeAsync(1000)
    expect(shown(res)).toEqual([[1], 'erasure', [3]])
    // A full socket is owed the named check-in when the erasure comes: on drain, the erasure only.
    res.writableNeedDrain = true
    feed(firstScan(4, 'c1', 'oErased'))
    await vi.advanceTimersByTimeAsync(1000)
    feed(erasure)
    res.writableNeedDrain = false
    res.emit('drain')
    expect(shown(res)).toEqual([[1], 'erasure', [3], 'erasure'])
    expect(res.written.join('')).not.toContain('王小明')
    hub.close()
  })

  it('a check-in whose name was read before it is not sent after it', async () => {
    vi.useFakeTimers()
    let answer: (name: string) => void = () => undefined
    const slow = (openid: string) =>
      openid === 'oErased'
        ? new Promise<string>((resolve) => (answer = resolve))
        : Promise.resolve(null)
    const { hub, res, feed } = erasureHub(slow)
    feed(firstScan(1, 'c1', 'oErased'))
    await vi.advanceTimersByTimeAsync(0)
    feed(erasure)
    answer('王小明') // read before the erasure, answered after it
    await vi.advanceTimersByTimeAsync(0)
    feed(firstScan(2, 'c1'))
    await vi.advanceTimersByTimeAsync(1000)
    expect(shown(res)).toEqual(['erasure', [2]])
    expect(res.written.join('')).not.toContain('王小明')
    hub.close()
  })
})

// A screen reads its snapshot, then opens its stream: an erasure that comes while the snapshot is
// read reaches no stream of it, so the read itself must not carry the erased visitor.
describe('a snapshot read that an erasure overtakes', () => {
  it('is read again, without the visitor, and the next screen does not share the old one', async () => {
    let feed: (c: StoreChange) => void = () => undefined
    let release: () => void = () => undefined
    let rows = [
      { number: 2, openid: 'o2', at: 2 },
      { number: 1, openid: 'oErased', at: 1 },
    ]
    let reads = 0
    let slow = false
    const store = {
      subscribe: (l: (c: StoreChange) => void) => {
        feed = l
        return () => undefined
      },
      readEvents: () => Promise.resolve([]),
      campaigns: {
        checkinCount: () => Promise.resolve(2),
        recentCheckins: () => {
          const now = rows
          reads++
          // A slow read is answered (from before the erasure) after it.
          return slow
            ? new Promise<typeof rows>((resolve) => (release = () => resolve(now)))
            : Promise.resolve(now)
        },
      },
    } as unknown as ScreenHubOptions['store']
    const names = {
      nameOf: (_: string, openid: string) =>
        Promise.resolve(openid === 'oErased' && rows.length === 2 ? '王小明' : null),
      hold: () => () => {},
    }
    const hub = hubFor(undefined, 'c1', undefined, { store, names, snapshotMs: 600_000 })
    const both = rows
    const one = [{ number: 2, openid: 'o2', at: 2 }]
    // A read begun before the erasure and answered after it (with the visitor): read again.
    slow = true
    const begun = hub.snapshot(record)
    rows = one
    slow = false
    feed({ type: 'erasure', campaignId: 'c1' })
    release()
    const read = await begun
    expect(read.recent.map((r) => r.number)).toEqual([2])
    expect(JSON.stringify(read)).not.toContain('王小明')
    expect(reads).toBe(2)
    // A snapshot shared (snapshotMs) when the erasure comes, no stream open: not shared after it.
    const numbers = async () => (await hub.snapshot(record)).recent.map((r) => r.number)
    rows = both
    expect(await numbers()).toEqual([2, 1])
    expect(await numbers()).toEqual([2, 1])
    expect(reads).toBe(3)
    rows = one
    feed({ type: 'erasure', campaignId: 'c1' })
    expect(await numbers()).toEqual([2])
    hub.close()
  })
})
