// A relay that runs for an agency for months: a campaign a week, each with its wall looked at,
// and most never again. What the screens' hub keeps per campaign (the shared snapshot, the count
// it last saw, when it last sent a batch) is kept while a screen of the campaign is open or its
// snapshot is fresh, never for every campaign ever shown, on either store.
import { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createDrawFeed } from '../../relay/draws/draw-feed'
import { NameBook } from '../../relay/screens/name-book'
import { ScreenAccess } from '../../relay/screens/screen-access'
import { SCREEN_LIMITS, ScreenHub } from '../../relay/screens/screen-hub'
import { openRedisStore } from '../../relay/store/redis/store'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import type { CampaignRecord } from '../../relay/store/campaign-types'
import type { RelayStore, StoreChange } from '../../relay/store/types'
import { startRedis, type TestRedis } from '../helpers/redis'
import { campaignBody } from './campaign-helpers'

/** Campaigns created and shown once each. */
const CAMPAIGNS = 1000

/** What the hub keeps per campaign, by its own names. */
interface HubState {
  clients: Map<string, unknown>
  snapshots: Map<string, unknown>
  counts: Map<string, number>
  lastFlush: Map<string, number>
  pending: Map<string, unknown>
}

class FakeResponse extends EventEmitter {
  writableNeedDrain = false
  destroyed = false
  writeHead(): this {
    return this
  }
  flushHeaders(): void {}
  setHeader(): void {}
  write(): boolean {
    return true
  }
  end(): void {
    this.emit('close')
  }
}

let redis: TestRedis
let prefixN = 0
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis.stop()
})

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const stores: Array<{ name: string; open: () => Promise<RelayStore> | RelayStore }> = [
  { name: 'sqlite', open: () => openSqliteStore({ data: ':memory:' }) },
  { name: 'redis', open: () => openRedisStore({ url: redis.url, prefix: `shf${++prefixN}:` }) },
]

async function campaign(store: RelayStore, id: string): Promise<CampaignRecord> {
  const r = await store.campaigns.createCampaign(
    { ...campaignBody({ name: id }), id, screenKey: 'k'.repeat(43) },
    0,
  )
  if (r === null) throw new Error(`campaign ${id} not created`)
  return r
}

describe.each(stores)('screen hub forgets campaigns no screen shows ($name store)', ({ open }) => {
  it(`keeps at most one fresh snapshot after ${CAMPAIGNS} campaigns each shown once`, async () => {
    const store = await open()
    let clock = Date.now()
    const now = () => clock
    const names = new NameBook(store)
    // The draw feed, its store reads counted and a resync sent by hand.
    const read: string[] = []
    // Reads not yet answered: a resync's reads go one after another, each issued in the
    // previous one's continuation, so none is in flight only once the last has been answered.
    let inFlight = 0
    const answered = async (): Promise<void> => {
      do await new Promise((r) => setImmediate(r))
      while (inFlight > 0)
    }
    let emit: (change: StoreChange) => void = () => undefined
    const draws = createDrawFeed({
      draws: {
        ...store.draws,
        list: (id: string) => {
          read.push(id)
          inFlight++
          return store.draws.list(id).finally(() => inFlight--)
        },
      },
      subscribe: (l) => {
        emit = l
        return store.subscribe(l)
      },
    })
    const resyncReads = async (): Promise<string[]> => {
      read.length = 0
      emit({ type: 'resync' })
      await answered()
      return [...read].sort()
    }
    // The hub's campaign reads (a change heard re-reads the campaign, then drops its
    // snapshot) are counted with the draws', so `answered` waits for them too.
    class CountedAccess extends ScreenAccess {
      override campaign(id: string): Promise<CampaignRecord | null> {
        inFlight++
        return super.campaign(id).finally(() => inFlight--)
      }
    }
    const hub = new ScreenHub({
      store,
      directory: { assignmentOf: () => Promise.resolve({ campaignId: null, version: 0 }) },
      access: new CountedAccess(store, now),
      names,
      draws,
      now,
    })
    cleanups.push(async () => {
      hub.close()
      names.close()
      await store.close()
    })
    const state = hub as unknown as HubState
    // A campaign's creation is announced on the change feed, and the hub, hearing it, drops the
    // campaign's snapshot (its name may have changed). On Redis the announcement comes back
    // over pub/sub, possibly after the snapshot was taken: each campaign is shown only once
    // the hub has heard of it and finished with it, as an organizer's would be.
    const waiting = new Map<string, () => void>()
    const unsubscribe = store.subscribe((change) => {
      if (change.type === 'campaign' && change.campaignId !== null) {
        waiting.get(change.campaignId)?.()
      }
    })
    cleanups.push(unsubscribe)
    const created = async (id: string): Promise<CampaignRecord> => {
      const heard = new Promise<void>((resolve) => waiting.set(id, resolve))
      const r = await campaign(store, id)
      await heard
      waiting.delete(id)
      await answered()
      return r
    }

    // One campaign's wall stays open throughout: what it needs is kept.
    const held = await created('held')
    const res = new FakeResponse()
    const req = { socket: new Socket() } as unknown as IncomingMessage
    hub.handle(req, res as unknown as ServerResponse, held, held.campaign.screenKey)
    await hub.snapshot(held)

    for (let i = 0; i < CAMPAIGNS; i++) {
      const r = await created(`c${i}`)
      const snap = await hub.snapshot(r)
      expect(snap.campaign.id).toBe(`c${i}`)
      clock += SCREEN_LIMITS.snapshotMs
    }
    // The last one shown may still be fresh; the open wall's campaign keeps its count.
    expect(state.snapshots.size).toBeLessThanOrEqual(1)
    expect(state.counts.size).toBeLessThanOrEqual(2)
    expect(state.counts.has('held')).toBe(true)
    expect(state.lastFlush.size).toBeLessThanOrEqual(1)
    // A resync re-reads the draws of the open wall's campaign and the one fresh snapshot's.
    expect(await resyncReads()).toEqual(['held', `c${CAMPAIGNS - 1}`].sort())

    // A wall whose snapshot went stale before its stream opened is still re-read.
    const late = await created('late')
    await hub.snapshot(late)
    clock += SCREEN_LIMITS.snapshotMs
    await hub.snapshot(await created('other'))
    const lateRes = new FakeResponse()
    read.length = 0
    hub.handle(req, lateRes as unknown as ServerResponse, late, late.campaign.screenKey)
    // The stream's opening reads the campaign's newest draw (the feed then keeps it).
    await vi.waitFor(() => expect(read).toContain('late'), { timeout: 10_000 })
    await answered()
    expect(await resyncReads()).toEqual(['held', 'late', 'other'])
    lateRes.end()

    // The wall closes: once its snapshot is stale too, nothing of it is left.
    res.end()
    await hub.snapshot(await created('last'))
    clock += SCREEN_LIMITS.snapshotMs
    await hub.snapshot(await created('after'))
    expect([...state.counts.keys()]).toEqual(['after'])
    expect([...state.snapshots.keys()]).toEqual(['after'])
    expect(state.clients.size).toBe(0)
    expect(state.pending.size).toBe(0)
  }, 120_000)
})
