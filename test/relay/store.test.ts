import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { openRedisStore } from '../../relay/store/redis/store'
import { redisKeys } from '../../relay/store/redis/keys'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import { eventIdOf } from '../../relay/store/store-util'
import type { NewEvent, RelayStore, StoreChange } from '../../relay/store/types'
import { Cluster, Redis } from 'ioredis'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { campaignBody } from './campaign-helpers'
import { seqOf } from '../helpers/stored-seq'
import { storePlaces } from './store-backends'
import { UNDER_LOAD } from '../helpers/wait'

const DAY = 86_400_000
const at = storePlaces('store', { cluster: true })

interface Backend {
  name: string
  /** Opens a store; `another` returns a second handle onto the same data (another instance). */
  open: (opts?: StoreRules) => Promise<{ store: RelayStore; another: () => Promise<RelayStore> }>
}
/** The store's opt-in rules (config `oneVisitorPerCode`): off unless a test turns them on. */
interface StoreRules {
  sceneClaims?: boolean
}

const backends: Backend[] = [
  {
    name: 'sqlite',
    open: (rules = {}) => {
      const dir = at.dir()
      return Promise.resolve({
        store: openSqliteStore({ data: dir, pollMs: 20, ...rules }),
        another: () => Promise.resolve(openSqliteStore({ data: dir, pollMs: 20, ...rules })),
      })
    },
  },
  {
    name: 'redis',
    open: async (rules = {}) => {
      const prefix = at.prefix('t')
      return {
        store: await openRedisStore({ url: at.redis.url, prefix, ...rules }),
        another: () => openRedisStore({ url: at.redis.url, prefix, ...rules }),
      }
    },
  },
  {
    // Three masters: a script whose keys are not in one slot fails here (CROSSSLOT).
    name: 'redis-cluster',
    open: async (rules = {}) => {
      const prefix = at.prefix('t')
      return {
        store: await openRedisStore({ url: at.cluster.url, prefix, ...rules }),
        another: () => openRedisStore({ url: at.cluster.url, prefix, ...rules }),
      }
    },
  },
]

function ev(openid: string, createTime: number, receivedAt = 1_000): NewEvent {
  const scene = `k1:${openid}`
  return {
    id: eventIdOf(`${openid}/${createTime}`),
    event: 'scan',
    openid,
    scene,
    ticket: `t-${openid}`,
    createTime,
    receivedAt,
  }
}

async function addKiosk(
  store: RelayStore,
  kioskId: string,
  ranges = [] as { lo: number; hi: number }[],
) {
  return store.putKiosk({
    kioskId,
    tokenHash: `hash-${kioskId}`,
    ticketProxy: true,
    sceneRanges: ranges,
    now: 5,
  })
}

describe.each(backends)('relay store: $name', (backend) => {
  let store: RelayStore
  let another: () => Promise<RelayStore>
  const extra: RelayStore[] = []

  beforeEach(async () => {
    ;({ store, another } = await backend.open())
  })
  afterEach(async () => {
    await Promise.all([store, ...extra.splice(0)].map((s) => s.close()))
  })

  it('takes the daily ticket budget in one step across handles, per kiosk and day, and takes back returns', async () => {
    const other = await another()
    extra.push(other)
    const day = '2026-05-20'
    const takes = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? other : store).takeTicketBudget('k1', day, 3, 10),
      ),
    )
    expect(takes.reduce((a, b) => a + b, 0)).toBe(10)
    expect(await store.takeTicketBudget('k1', day, 1, 10)).toBe(0)
    // Another kiosk, and the next quota day, have their own.
    expect(await other.takeTicketBudget('k2', day, 4, 10)).toBe(4)
    expect(await store.takeTicketBudget('k1', '2026-05-21', 4, 10)).toBe(4)
    await other.returnTicketBudget('k1', day, 2)
    expect(await store.takeTicketBudget('k1', day, 5, 10)).toBe(2)
    // Never below nothing: a return larger than what was taken leaves the day at 0.
    await store.returnTicketBudget('k2', day, 50)
    expect(await store.takeTicketBudget('k2', day, 20, 10)).toBe(10)
    if (backend.name === 'sqlite') {
      // Past quota days go with the retention run (Redis: the key lapses on its own).
      await store.prune({
        now: Date.UTC(2026, 4, 21, 2),
        ackedRetentionMs: DAY,
        unackedRetentionMs: DAY,
      })
      expect(await store.takeTicketBudget('k1', day, 3, 10)).toBe(3)
      expect(await store.takeTicketBudget('k1', '2026-05-21', 10, 10)).toBe(6)
    }
  })

  it('hands out increasing connection generations and tells the latest', async () => {
    expect(await store.connectionGeneration('k1')).toBe(0)
    const first = await store.nextConnectionGeneration('k1')
    const second = await store.nextConnectionGeneration('k1')
    expect(second).toBeGreaterThan(first)
    expect(await store.connectionGeneration('k1')).toBe(second)
    // Another kiosk's hello is not a newer connection of this one.
    await store.nextConnectionGeneration('k2')
    expect(await store.connectionGeneration('k1')).toBe(second)
    expect(await store.connectionGeneration('k3')).toBe(0)
  })

  it('creates kiosks with an epoch, and a new token keeps epoch and queue but un-revokes', async () => {
    const k = await addKiosk(store, 'k1')
    expect(k).toMatchObject({ kioskId: 'k1', headSeq: 0, ackedSeq: 0, revokedAt: null })
    expect(k.epoch.length).toBeGreaterThan(8)
    await store.appendEvent('k1', ev('o1', 1))
    await store.console.putPairingCode({
      kioskId: 'k1',
      codeHash: 'c1',
      createdAt: 5,
      expiresAt: 99,
    })
    // One step voids the unused code with the revocation (on a Cluster, one slot: no CROSSSLOT).
    expect(await store.revokeKiosk('k1', 9)).toBe(true)
    expect((await store.getKiosk('k1'))?.revokedAt).toBe(9)
    expect((await store.console.kioskMeta(['k1'], 6)).get('k1')?.pairingExpiresAt).toBeNull()
    expect(await store.revokeKiosk('nope', 9)).toBe(false)

    const again = await store.putKiosk({
      kioskId: 'k1',
      tokenHash: 'h2',
      ticketProxy: false,
      sceneRanges: [],
      now: 10,
    })
    expect(again).toMatchObject({
      tokenHash: 'h2',
      ticketProxy: false,
      revokedAt: null,
      headSeq: 1,
      epoch: k.epoch,
    })
    expect((await store.listKiosks()).map((x) => x.kioskId)).toEqual(['k1'])
  })

  it('numbers events per kiosk from 1 and reads them back in order', async () => {
    await addKiosk(store, 'k1')
    await addKiosk(store, 'k2')
    const seqs: number[] = []
    for (let i = 0; i < 5; i++) {
      const r = await store.appendEvent(i % 2 ? 'k2' : 'k1', ev(`o${i}`, 100 + i))
      expect(r.status).toBe('stored')
      seqs.push(seqOf(r))
    }
    expect(seqs).toEqual([1, 1, 2, 2, 3])
    const k1 = await store.readEvents('k1', 0, 10)
    expect(k1.map((e) => [e.seq, e.openid])).toEqual([
      [1, 'o0'],
      [2, 'o2'],
      [3, 'o4'],
    ])
    expect(k1[0]).toEqual({ seq: 1, ...ev('o0', 100) })
    expect((await store.readEvents('k1', 1, 1)).map((e) => e.seq)).toEqual([2])
    expect(await store.readEvents('k2', 2, 10)).toEqual([])
    expect(await store.queueState('k1')).toMatchObject({ headSeq: 3, ackedSeq: 0 })
    await expect(store.appendEvent('ghost', ev('o9', 9))).rejects.toThrow()
  })

  /** This test's store and its other handles with one visitor per code on. */
  async function claimingScenes(): Promise<void> {
    await store.close()
    ;({ store, another } = await backend.open({ sceneClaims: true }))
  }

  it('with one visitor per code off (the default), stores every openid scanning one code', async () => {
    await addKiosk(store, 'k1')
    const scan = (openid: string, createTime: number): NewEvent => ({
      ...ev(openid, createTime),
      scene: 'k1:n1',
    })
    expect((await store.appendEvent('k1', scan('alice', 1))).status).toBe('stored')
    await store.ack('k1', 1, 10)
    // A minute later, acknowledged: a photo with the rule on; stored as before without it.
    const other = await another()
    extra.push(other)
    expect((await store.appendEvent('k1', scan('bob', 61))).status).toBe('stored')
    expect((await other.appendEvent('k1', scan('carol', 62))).status).toBe('stored')
    expect((await store.readEvents('k1', 0, 10)).map((e) => e.openid)).toEqual([
      'alice',
      'bob',
      'carol',
    ])
  })

  it('keeps a per-visitor scene for its first openid once the kiosk has acknowledged it', async () => {
    await claimingScenes()
    await addKiosk(store, 'k1', [{ lo: 100, hi: 199 }])
    const scan = (openid: string, scene: string, createTime: number): NewEvent => ({
      ...ev(openid, createTime),
      scene,
    })
    const ackAll = async () => {
      const q = await store.queueState('k1')
      await store.ack('k1', q?.headSeq ?? 0, 10)
    }
    // alice scans the booth's code; bob scans it too before the kiosk has heard of her scan
    // (the code is still on its screen): both stored.
    expect((await store.appendEvent('k1', scan('alice', 'k1:n1', 1))).status).toBe('stored')
    expect((await store.appendEvent('k1', scan('bob', 'k1:n1', 2))).status).toBe('stored')
    await ackAll()
    // Acknowledged, yet within seconds of alice's scan (WeChat's CreateTime): dave was at the
    // booth with her, his phone a little slower.
    expect((await store.appendEvent('k1', scan('dave', 'k1:n1', 11))).status).toBe('stored')
    // Acknowledged and later: the code is off the screen, carol's scan (of a photo) is not
    // stored, nor bob's again; on another handle (another relay instance) too, and retries.
    expect(await store.appendEvent('k1', scan('carol', 'k1:n1', 12))).toEqual({
      status: 'taken',
      kioskId: 'k1',
    })
    const other = await another()
    extra.push(other)
    expect((await other.appendEvent('k1', scan('carol', 'k1:n1', 12))).status).toBe('taken')
    expect((await other.appendEvent('k1', scan('bob', 'k1:n1', 40))).status).toBe('taken')
    // alice again (a rescan, and WeChat's retry of her first push): as before the rule.
    expect((await other.appendEvent('k1', scan('alice', 'k1:n1', 50))).status).toBe('stored')
    expect((await store.appendEvent('k1', scan('alice', 'k1:n1', 1))).status).toBe('duplicate')
    // The permanent fallback code and integer scenes are anyone's; another code is carol's own.
    for (const openid of ['alice', 'carol']) {
      for (const [scene, t] of [
        ['k1:fallback', 60],
        ['150', 70],
      ] as const) {
        expect((await store.appendEvent('k1', scan(openid, scene, t))).status).toBe('stored')
        await ackAll()
      }
    }
    expect((await store.appendEvent('k1', scan('carol', 'k1:n2', 80))).status).toBe('stored')
    expect((await store.readEvents('k1', 0, 10)).map((e) => [e.openid, e.scene])).toEqual([
      ['alice', 'k1:n1'],
      ['bob', 'k1:n1'],
      ['dave', 'k1:n1'],
      ['alice', 'k1:n1'],
      ['alice', 'k1:fallback'],
      ['alice', '150'],
      ['carol', 'k1:fallback'],
      ['carol', '150'],
      ['carol', 'k1:n2'],
    ])
  })

  it('gives a per-visitor scene to the openid of its first stored push when several race', async () => {
    await claimingScenes()
    await addKiosk(store, 'k1')
    const other = await another()
    extra.push(other)
    const scan = (i: number, t: number): NewEvent => ({ ...ev(`o${i}`, t), scene: 'k1:shared' })
    const racing = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? other : store).appendEvent('k1', scan(i, 1))),
    )
    expect(racing.filter((r) => r.status === 'stored')).toHaveLength(8)
    const first = (await store.readEvents('k1', 0, 1))[0]?.openid
    await store.ack('k1', 8, 10)
    // Each rescans once the kiosk has acknowledged: only the first is still counted.
    const again = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? store : other).appendEvent('k1', scan(i, 60))),
    )
    expect(again.map((r, i) => [`o${i}`, r.status]).filter(([, s]) => s === 'stored')).toEqual([
      [first, 'stored'],
    ])
  })

  it('stores a retried push once, even when the retries race', async () => {
    await addKiosk(store, 'k1')
    const first = await store.appendEvent('k1', ev('a', 1))
    const again = await store.appendEvent('k1', ev('a', 1))
    expect(again).toEqual({
      status: 'duplicate',
      kioskId: 'k1',
      seq: seqOf(first),
      campaignId: null,
    })

    const other = await another()
    extra.push(other)
    const racing = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? other : store).appendEvent('k1', ev('b', 2))),
    )
    expect(racing.filter((r) => r.status === 'stored')).toHaveLength(1)
    expect(new Set(racing.map(seqOf))).toEqual(new Set([2]))
    expect((await store.readEvents('k1', 0, 10)).map((e) => e.openid)).toEqual(['a', 'b'])
  })

  it("a retry after the booth moved: the stored push's campaign, no number in the new one", async () => {
    await addKiosk(store, 'k1')
    for (const id of ['spring', 'autumn']) {
      await store.campaigns.createCampaign({ ...campaignBody(), id, screenKey: 'k'.repeat(43) }, 0)
    }
    const first = await store.appendEvent('k1', ev('a', 1), 'spring')
    expect(first.status).toBe('stored')
    // WeChat's retry, the booth in another campaign by now.
    const again = await store.appendEvent('k1', ev('a', 1), 'autumn')
    expect(again).toEqual({ status: 'duplicate', kioskId: 'k1', seq: 1, campaignId: 'spring' })
    expect((await store.followUp.numbers('autumn', ['a'])).size).toBe(0)
  })

  it('acknowledges cumulatively, never backwards and never past the head', async () => {
    await addKiosk(store, 'k1')
    for (let i = 0; i < 4; i++) await store.appendEvent('k1', ev(`o${i}`, i))
    await store.ack('k1', 3, 50)
    await store.ack('k1', 1, 60)
    expect((await store.queueState('k1'))?.ackedSeq).toBe(3)
    await store.ack('k1', 99, 70)
    expect((await store.queueState('k1'))?.ackedSeq).toBe(4)
  })

  it('routes integer scenes by registered ranges and refuses overlaps', async () => {
    await addKiosk(store, 'k1', [{ lo: 100, hi: 199 }])
    await addKiosk(store, 'k2', [
      { lo: 200, hi: 299 },
      { lo: 1000, hi: 1000 },
    ])
    expect(await store.kioskOfIntegerScene(100)).toBe('k1')
    expect(await store.kioskOfIntegerScene(199)).toBe('k1')
    expect(await store.kioskOfIntegerScene(250)).toBe('k2')
    expect(await store.kioskOfIntegerScene(1000)).toBe('k2')
    expect(await store.kioskOfIntegerScene(300)).toBeNull()
    expect(await store.kioskOfIntegerScene(99)).toBeNull()
    await expect(addKiosk(store, 'k3', [{ lo: 150, hi: 160 }])).rejects.toThrow(/overlaps/)
    await expect(addKiosk(store, 'k3', [{ lo: 50, hi: 100 }])).rejects.toThrow(/overlaps/)
    // A kiosk may re-register its own ranges.
    await addKiosk(store, 'k1', [{ lo: 100, hi: 150 }])
    expect(await store.kioskOfIntegerScene(160)).toBeNull()
  })

  it('keeps unrouted events once each', async () => {
    const e = { ...ev('u', 1), reason: 'unknown-kiosk' as const }
    expect(await store.appendUnrouted(e)).toBe('stored')
    expect(await store.appendUnrouted(e)).toBe('duplicate')
    expect(await store.appendUnrouted({ ...ev('u', 2), reason: 'foreign-scene' })).toBe('stored')
    expect(await store.countUnrouted()).toBe(2)
  })

  it('prunes acked events after their retention and unacked ones after 30 days only', async () => {
    await addKiosk(store, 'k1')
    const t0 = 1_700_000_000_000
    for (let i = 1; i <= 6; i++) await store.appendEvent('k1', ev(`o${i}`, i, t0 + i))
    await store.ack('k1', 2, t0 + DAY) // 1..2 acked on day 1
    await store.ack('k1', 4, t0 + 5 * DAY) // 3..4 acked on day 5
    const policy = (now: number) => ({
      now,
      ackedRetentionMs: 7 * DAY,
      unackedRetentionMs: 30 * DAY,
    })

    expect(await store.prune(policy(t0 + 7 * DAY))).toBe(0)
    expect(await store.prune(policy(t0 + 9 * DAY))).toBe(2)
    expect((await store.readEvents('k1', 0, 10)).map((e) => e.seq)).toEqual([3, 4, 5, 6])
    expect(await store.prune(policy(t0 + 13 * DAY))).toBe(2)
    // Unacknowledged events stay until 30 days after they arrived.
    expect(await store.prune(policy(t0 + 29 * DAY))).toBe(0)
    expect((await store.readEvents('k1', 0, 10)).map((e) => e.seq)).toEqual([5, 6])
    expect(await store.prune(policy(t0 + 31 * DAY))).toBe(2)
    expect(await store.readEvents('k1', 0, 10)).toEqual([])
    // Seq keeps counting after a prune.
    expect(seqOf(await store.appendEvent('k1', ev('o7', 7, t0 + 31 * DAY)))).toBe(7)
  })

  it('still knows a push for WeChat retries after its event was acked and pruned at once', async () => {
    await addKiosk(store, 'k1')
    const t0 = 1_700_000_000_000
    const push = ev('o1', 1, t0)
    expect(await store.appendEvent('k1', push)).toMatchObject({ status: 'stored', seq: 1 })
    await store.ack('k1', 1, t0 + 1)
    // ackedRetentionDays 0: acked events go at the next hourly prune.
    const policy = (now: number) => ({ now, ackedRetentionMs: 0, unackedRetentionMs: DAY })
    await store.prune(policy(t0 + 2))
    expect(await store.appendEvent('k1', push)).toMatchObject({ status: 'duplicate', seq: 1 })
    // Once de-dup keys would have lapsed (24 h), the event is gone.
    await store.prune(policy(t0 + DAY + 1))
    expect(await store.readEvents('k1', 0, 10)).toEqual([])
  })

  it("counts a booth's unacknowledged events, not those retention removed", async () => {
    await addKiosk(store, 'k1')
    await addKiosk(store, 'k2')
    const t0 = 1_700_000_000_000
    for (let i = 1; i <= 6; i++) await store.appendEvent('k1', ev(`o${i}`, i, t0 + i))
    await store.ack('k1', 2, t0 + 10)
    expect(await store.unackedCounts()).toEqual([
      { kioskId: 'k1', count: 4 },
      { kioskId: 'k2', count: 0 },
    ])
    // The booth never came back: its backlog went after unackedRetentionDays.
    await store.prune({
      now: t0 + 31 * DAY,
      ackedRetentionMs: 7 * DAY,
      unackedRetentionMs: 30 * DAY,
    })
    expect(await store.readEvents('k1', 0, 10)).toEqual([])
    expect(await store.unackedCounts()).toEqual([
      { kioskId: 'k1', count: 0 },
      { kioskId: 'k2', count: 0 },
    ])
    // A new event counts again.
    await store.appendEvent('k1', ev('o7', 7, t0 + 31 * DAY))
    expect((await store.unackedCounts())[0]).toEqual({ kioskId: 'k1', count: 1 })
  })

  it('knows which kiosks exist, revoked ones included', async () => {
    await addKiosk(store, 'k1')
    expect(await store.hasKiosk('k1')).toBe(true)
    expect(await store.hasKiosk('k2')).toBe(false)
    await store.revokeKiosk('k1', 9)
    expect(await store.hasKiosk('k1')).toBe(true)
  })

  it('tells subscribers each stored event with the event as read back, not for duplicates', async () => {
    await addKiosk(store, 'k1')
    const events: StoreChange[] = []
    store.subscribe((c) => {
      if (c.type === 'event') events.push(c)
    })
    const a = ev('we', 1, 77)
    await store.appendEvent('k1', ev('first', 1))
    await store.appendEvent('k1', a)
    await store.appendEvent('k1', a)
    await vi.waitFor(() => expect(events).toHaveLength(2), UNDER_LOAD)
    const [stored] = await store.readEvents('k1', 1, 1)
    expect(events[1]).toEqual({ type: 'event', kioskId: 'k1', seq: 2, event: stored })
    // Field for field, so a frame built from it is the frame a read would give.
    expect(JSON.stringify(events[1]?.type === 'event' && events[1].event)).toBe(
      JSON.stringify(stored),
    )
    // A later event is told next: the duplicate appended before it told nobody.
    await store.appendEvent('k1', ev('after', 2))
    await vi.waitFor(() => expect(events).toHaveLength(3), UNDER_LOAD)
    expect(events.map((c) => c.type === 'event' && c.seq)).toEqual([1, 2, 3])
  })

  it('rotates the epoch on request', async () => {
    const k = await addKiosk(store, 'k1')
    const epoch = await store.rotateEpoch('k1')
    expect(epoch).not.toBe(k.epoch)
    expect((await store.queueState('k1'))?.epoch).toBe(epoch)
  })

  it('caches one access token per AppID, whoever asks for the cache', async () => {
    const proxy = store.accessTokenStore('wxaaaaaaaaaaaaaaaa')
    const followUp = store.accessTokenStore('wxaaaaaaaaaaaaaaaa')
    const other = store.accessTokenStore('wxbbbbbbbbbbbbbbbb')
    const expiresAt = Date.now() + 3_600_000
    await proxy.set({ token: 'T1', expiresAt })
    // The follow-up worker's client sees the proxy's token: it fetches none of its own.
    expect(await followUp.get()).toEqual({ token: 'T1', expiresAt })
    expect(await other.get()).toBeNull()
    // A token dropped after WeChat refused it is dropped for every client of the AppID.
    await followUp.clearIf('T1')
    expect(await proxy.get()).toBeNull()
  })

  it("names the campaign an event's number counts in, which its booth may have left since", async () => {
    await addKiosk(store, 'k1')
    for (const id of ['spring', 'autumn']) {
      await store.campaigns.createCampaign({ ...campaignBody(), id, screenKey: 'k'.repeat(43) }, 0)
    }
    const other = await another()
    extra.push(other)
    const here: StoreChange[] = []
    const there: StoreChange[] = []
    // Told changes only (they carry the event); a polled one (SQLite's poller) says neither,
    // and its reader falls back to the booth's campaign now.
    store.subscribe((c) => c.type === 'event' && c.event !== undefined && here.push(c))
    other.subscribe((c) => c.type === 'event' && c.event !== undefined && there.push(c))
    await store.appendEvent('k1', ev('a', 1), 'spring')
    await store.appendEvent('k1', ev('b', 2), 'autumn')
    await store.appendEvent('k1', ev('c', 3), null)
    const told = [
      [1, 'spring', 1],
      [2, 'autumn', 1],
      [3, undefined, undefined],
    ]
    const said = (cs: StoreChange[]) =>
      cs.map((c) => c.type === 'event' && [c.seq, c.campaignId, c.event?.number])
    await vi.waitFor(() => expect(said(here)).toEqual(told), UNDER_LOAD)
    // Another instance on Redis hears the same (its feed carries the event).
    if (backend.name !== 'sqlite')
      await vi.waitFor(() => expect(said(there)).toEqual(told), UNDER_LOAD)
  })

  it('tells other instances about new events and kiosk changes', async () => {
    await addKiosk(store, 'k1')
    const other = await another()
    extra.push(other)
    const seen: StoreChange[] = []
    const got = new Promise<void>((resolve) => {
      other.subscribe((c) => {
        seen.push(c)
        if (seen.some((x) => x.type === 'kiosk') && seen.some((x) => x.type === 'event')) resolve()
      })
    })
    await store.appendEvent('k1', ev('x', 1))
    await store.revokeKiosk('k1', 1)
    await got
    expect(seen).toContainEqual(expect.objectContaining({ type: 'event', kioskId: 'k1', seq: 1 }))
    expect(seen).toContainEqual({ type: 'kiosk', kioskId: 'k1' })
  })
})

describe('sqlite store persistence', () => {
  it('keeps kiosks, events and acks across reopen', async () => {
    const dir = at.dir('persist-')
    const a = openSqliteStore({ data: dir })
    const k = await addKiosk(a, 'k1')
    await a.appendEvent('k1', ev('p', 1))
    await a.appendEvent('k1', ev('q', 2))
    await a.ack('k1', 1, 3)
    await a.close()
    const b = openSqliteStore({ data: dir })
    expect(await b.queueState('k1')).toEqual({ epoch: k.epoch, headSeq: 2, ackedSeq: 1 })
    expect((await b.appendEvent('k1', ev('p', 1))).status).toBe('duplicate')
    await b.close()
  })
})

describe.each(['redis', 'redis-cluster'])(
  '%s store: a subscriber that lost its connection',
  (kind) => {
    it('tells listeners to re-read once it is subscribed again, then hears changes as before', async () => {
      const prefix = at.prefix('t')
      const url = kind === 'redis' ? at.redis.url : at.cluster.url
      const store = await openRedisStore({ url, prefix })
      const other = await openRedisStore({ url, prefix })
      const admins =
        kind === 'redis' ? [new Redis(at.redis.url)] : at.cluster.nodes.map((n) => n.admin)
      try {
        const changes: StoreChange[] = []
        store.subscribe((c) => changes.push(c))
        await Promise.all(admins.map((a) => a.client('KILL', 'TYPE', 'pubsub')))
        await vi.waitFor(() => expect(changes).toContainEqual({ type: 'resync' }), UNDER_LOAD)
        await addKiosk(other, 'k1')
        await vi.waitFor(
          () => expect(changes).toContainEqual({ type: 'kiosk', kioskId: 'k1' }),
          UNDER_LOAD,
        )
        expect(changes.filter((c) => c.type === 'resync')).toHaveLength(1)
      } finally {
        if (kind === 'redis') for (const a of admins) a.disconnect()
        await Promise.all([store.close(), other.close()])
      }
    })
  },
)

describe('redis store: a per-visitor code claimed before claims kept their receipt', () => {
  it('reads the three-field claim as before: a later scan of another openid is a photo', async () => {
    // A relay upgraded mid-event finds claims "<seq> <createTime> <openid>" without the
    // "<receivedAt>" it now appends; its push scripts must read them, not fail every push.
    const prefix = at.prefix('t')
    const admin = new Redis(at.redis.url)
    const store = await openRedisStore({ url: at.redis.url, prefix, sceneClaims: true })
    try {
      await addKiosk(store, 'k1')
      const scan = (openid: string, createTime: number): NewEvent => ({
        ...ev(openid, createTime, createTime * 1000),
        scene: 'k1:n1',
      })
      expect((await store.appendEvent('k1', scan('alice', 1_000))).status).toBe('stored')
      await store.ack('k1', 1, 1_000_000)
      await admin.set(redisKeys(prefix).sceneClaim('k1', 'k1:n1'), '1 1000 alice', 'KEEPTTL')
      expect((await store.appendEvent('k1', scan('bob', 1_060))).status).toBe('taken')
      expect((await store.appendEvent('k1', scan('dave', 1_005))).status).toBe('stored')
      expect((await store.appendEvent('k1', scan('alice', 1_070))).status).toBe('stored')
      // A relay of 2026-12-06 appended the receipt as a fourth field: still read.
      const fourth = (openid: string, createTime: number): NewEvent => ({
        ...ev(openid, createTime, createTime * 1000),
        scene: 'k1:n2',
      })
      await admin.set(redisKeys(prefix).sceneClaim('k1', 'k1:n2'), '1 1000 carol 1300000')
      expect((await store.appendEvent('k1', fourth('bob', 1_020))).status).toBe('stored')
      expect((await store.appendEvent('k1', fourth('dave', 1_400))).status).toBe('taken')
    } finally {
      admin.disconnect()
      await store.close()
    }
  })
})

describe.each(['redis', 'redis-cluster'])(
  '%s store: an older relay on the same Redis during a rolling upgrade',
  (kind) => {
    // The scene check of a relay from before 2026-12-06, run on the claims this one writes (by
    // the one-step push script on one Redis, the append script on a Cluster): both serve the
    // same booths until the last old instance is stopped.
    const olderCheck = readFileSync(
      join(__dirname, '../fixtures/upgrade/relay-2026-12-05-check-scene.lua'),
      'utf8',
    )

    it("reads this relay's claims: the code's own visitor is not refused, a late push's neighbour not either", async () => {
      const prefix = at.prefix('t')
      const url = kind === 'redis' ? at.redis.url : at.cluster.url
      const admin =
        kind === 'redis'
          ? new Redis(at.redis.url)
          : new Cluster(at.cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })))
      const store = await openRedisStore({ url, prefix, sceneClaims: true })
      const keys = redisKeys(prefix)
      const olderSays = (scene: string, openid: string, createTime: number) =>
        admin.eval(
          olderCheck,
          2,
          keys.sceneClaim('k1', scene),
          keys.kiosk('k1'),
          'k1',
          scene,
          openid,
          String(createTime),
        )
      const scan = (scene: string, openid: string, createTime: number, receivedAt: number) => ({
        ...ev(openid, createTime, receivedAt),
        scene,
      })
      try {
        await addKiosk(store, 'k1')
        // Pushed on time: a second after the scan.
        const onTime = await store.appendEvent('k1', scan('k1:n1', 'alice', 1_000, 1_001_000))
        // Pushed five minutes late (WeChat's backlog): a scan 20 s after it was of the code
        // still on the screen.
        const late = await store.appendEvent('k1', scan('k1:n2', 'carol', 2_000, 2_300_000))
        expect([onTime.status, late.status]).toEqual(['stored', 'stored'])
        await store.ack('k1', 2, 2_301_000)
        expect(await olderSays('k1:n1', 'alice', 1_070)).toBe(0)
        expect(await olderSays('k1:n1', 'bob', 1_060)).toBe(1)
        expect(await olderSays('k1:n2', 'bob', 2_020)).toBe(0)
        expect(await olderSays('k1:n2', 'dave', 2_400)).toBe(1)
        // And this relay reads its own claims as before.
        const again = (scene: string, openid: string, createTime: number) =>
          store.appendEvent('k1', scan(scene, openid, createTime, createTime * 1000 + 500))
        expect((await again('k1:n1', 'bob', 1_060)).status).toBe('taken')
        expect((await again('k1:n2', 'bob', 2_020)).status).toBe('stored')
        expect((await again('k1:n2', 'dave', 2_400)).status).toBe('taken')
      } finally {
        admin.disconnect()
        await store.close()
      }
    })
  },
)

describe('redis store: data written before the Cluster key layout', () => {
  it('moves kiosks, queues, acks, codes and live de-dup keys to the new keys on open', async () => {
    const p = at.prefix('old')
    const admin = new Redis(at.redis.url)
    const stored = ev('o2', 2)
    const unrouted = ev('u1', 3)
    const eventFields = (e: NewEvent) => Object.entries(e).flat().map(String)
    try {
      await admin
        .multi()
        .hset(`${p}kiosk:k1`, {
          tokenHash: 'h1',
          epoch: 'old-epoch',
          headSeq: '2',
          ackedSeq: '1',
          ticketProxy: '1',
          createdAt: '5',
          ranges: '[{"lo":100,"hi":199}]',
        })
        .sadd(`${p}kiosks`, 'k1')
        .zadd(`${p}ranges`, 100, 'k1:100:199')
        .xadd(`${p}stream:k1`, '1-0', ...eventFields(ev('o1', 1)))
        .xadd(`${p}stream:k1`, '2-0', ...eventFields(stored))
        .zadd(`${p}acks:k1`, 50, 1)
        .set(`${p}connection-generation:k1`, 4)
        .set(`${p}fallback-code:k1`, '{"ticket":"T","url":"U","scene":"k1:fallback","createdAt":1}')
        .set(`${p}dedup:${stored.id}`, 'k1 2', 'EX', 86_400)
        .xadd(`${p}unrouted`, '*', 'reason', 'unknown-kiosk', ...eventFields(unrouted))
        .set(`${p}dedup-unrouted:${unrouted.id}`, 'unrouted', 'EX', 86_400)
        .exec()

      const store = await openRedisStore({ url: at.redis.url, prefix: p })
      try {
        expect(await store.listKiosks()).toEqual([
          expect.objectContaining({ kioskId: 'k1', epoch: 'old-epoch', headSeq: 2, ackedSeq: 1 }),
        ])
        expect((await store.readEvents('k1', 0, 10)).map((e) => e.openid)).toEqual(['o1', 'o2'])
        // WeChat's retry of a push stored before the upgrade is still a duplicate.
        expect(await store.appendEvent('k1', stored)).toEqual({
          status: 'duplicate',
          kioskId: 'k1',
          seq: 2,
        })
        expect(await store.appendUnrouted({ ...unrouted, reason: 'unknown-kiosk' })).toBe(
          'duplicate',
        )
        expect(await store.countUnrouted()).toBe(1)
        expect(await store.kioskOfIntegerScene(150)).toBe('k1')
        expect(await store.connectionGeneration('k1')).toBe(4)
        expect((await store.fallbackCode('k1'))?.ticket).toBe('T')
        expect(seqOf(await store.appendEvent('k1', ev('o3', 3)))).toBe(3)
        // Nothing is left under the old names, and the de-dup keys kept their expiry.
        expect(await admin.keys(`${p}*`)).toEqual([])
        const moved = await admin.keys(`{${p}k:k1}:dedup:*`)
        expect(moved).toHaveLength(2)
        for (const key of moved) expect(await admin.ttl(key)).toBeGreaterThan(86_000)
      } finally {
        await store.close()
      }
      // A second open (or a second relay upgrading at once) changes nothing.
      const again = await openRedisStore({ url: at.redis.url, prefix: p })
      expect((await again.queueState('k1'))?.headSeq).toBe(3)
      await again.close()
    } finally {
      admin.disconnect()
    }
  })
})

describe('redis store: waiting for replicas', () => {
  it('refuses a push whose write no replica took in time, and stores its retry once', async () => {
    const prefix = at.prefix('w')
    // This Redis has no replica: WAIT 1 can only time out.
    const store = await openRedisStore({
      url: at.redis.url,
      prefix,
      waitReplicas: 1,
      waitTimeoutMs: 30,
    })
    try {
      await addKiosk(store, 'k1')
      await expect(store.appendEvent('k1', ev('a', 1))).rejects.toThrow(/reached 0 of 1 replicas/)
      await expect(
        store.appendUnrouted({ ...ev('u', 1), reason: 'unknown-kiosk' }),
      ).rejects.toThrow(/replicas/)
      // The write itself happened; WeChat's retry finds it (and is refused again until a
      // replica has it).
      await expect(store.appendEvent('k1', ev('a', 1))).rejects.toThrow(/replicas/)
      expect((await store.readEvents('k1', 0, 10)).map((e) => e.openid)).toEqual(['a'])
    } finally {
      await store.close()
    }
  })
})
