// The consolidated attendance both relay stores keep: one row per stored push (never doubled,
// never pruned with the queues), and stats, pages and searches that agree with a brute-force
// count over the rows themselves.
import { describe, expect, it } from 'vitest'
import { localDay, soFarToday } from '../../relay/attendance/routes'
import type { ConsoleStats } from '../../shared/console-api'
import type { AttendanceRow, ExportRow } from '../../relay/store/attendance'
import { connectRedis } from '../../relay/store/redis/connect'
import { redisKeys } from '../../relay/store/redis/keys'
import { RedisAttendance } from '../../relay/store/redis/attendance'
import { openRedisStore } from '../../relay/store/redis/store'
import type { NewEvent, RelayStore } from '../../relay/store/types'
import { prng } from '../helpers/random'
import { addKiosk, scanEvent as ev } from './attendance-helpers'
import { campaignBody } from './campaign-helpers'
import { storeBackends, storePlaces } from './store-backends'

// `sqlite-memory`: another connection cannot open an in-memory database, so the export reads on
// the relay's thread instead of a worker's (export-reader.ts). `redis-cluster`: kiosks' keys
// spread over three masters, so every multi-kiosk read must be cluster-safe.
const at = storePlaces('att', { cluster: true })
const backends = storeBackends(at, { memory: true, cluster: true })

/** The kiosk's permanent fallback code, scene `<kioskId>:fallback`. */
async function saveFallback(store: RelayStore, kioskId: string): Promise<void> {
  await store.saveFallbackCode(kioskId, {
    ticket: 'fb',
    url: 'u',
    scene: `${kioskId}:fallback`,
    createdAt: 1,
  })
}

/** A row without its ticket: what the export reads (a store may leave the ticket out). */
function withoutTicket(r: ExportRow): ExportRow {
  const { ticket: _, ...rest } = r as AttendanceRow
  return rest
}

async function allRows(store: RelayStore): Promise<ExportRow[]> {
  const out: ExportRow[] = []
  for await (const page of store.attendance.rows({ kioskIds: null }, 7)) {
    out.push(...page.map(withoutTicket))
  }
  return out
}

/** The stats of these pushes, counted one by one (`perKiosk`: each of `kiosks`, sorted). */
function bruteStats(
  rows: readonly { kioskId: string; e: NewEvent }[],
  kiosks: readonly string[],
  today: { start: number; end: number },
) {
  const perOpenid = new Map<string, number>()
  for (const p of rows) perOpenid.set(p.e.openid, (perOpenid.get(p.e.openid) ?? 0) + 1)
  const slots = new Map<number, number>()
  for (const p of rows) {
    if (p.e.receivedAt < today.start || p.e.receivedAt >= today.end) continue
    const at = Math.floor(p.e.receivedAt / 600_000) * 600_000
    slots.set(at, (slots.get(at) ?? 0) + 1)
  }
  return {
    scans: rows.length,
    visitors: perOpenid.size,
    newFollowers: rows.filter((p) => p.e.event === 'subscribe').length,
    returning: [...perOpenid.values()].filter((c) => c >= 2).length,
    perKiosk: [...kiosks].sort().map((id) => ({
      id,
      scans: rows.filter((p) => p.kioskId === id).length,
      visitors: new Set(rows.filter((p) => p.kioskId === id).map((p) => p.e.openid)).size,
    })),
    slots,
  }
}

/** `got` is `want`: every counter, and the timeline's non-empty slots. */
function expectStats(got: ConsoleStats, want: ReturnType<typeof bruteStats>, label = ''): void {
  expect({ ...got, timeline: undefined }, label).toEqual({
    ...want,
    slots: undefined,
    timeline: undefined,
  })
  const timeline = new Map(got.timeline?.filter((s) => s.scans > 0).map((s) => [s.at, s.scans]))
  expect(timeline, label).toEqual(want.slots)
}

/** What a page's search matches (AttendanceQuery): `search` as the stores read it, or a visitor. */
const searchMatch =
  (search: string, visitors: readonly string[]) =>
  (r: ExportRow): boolean =>
    r.openid.startsWith(search) ||
    r.scene.startsWith(search) ||
    r.kioskId === search ||
    visitors.includes(r.openid)

const byKioskSeq = (a: ExportRow, b: ExportRow) =>
  a.kioskId < b.kioskId ? -1 : a.kioskId > b.kioskId ? 1 : a.seq - b.seq

describe.each(backends)('attendance ($name store)', ({ open }) => {
  it('a stored push becomes one row with its fields; a retry or replay adds none', async () => {
    const store = await open()
    try {
      await addKiosk(store, 'k1')
      await saveFallback(store, 'k1')
      const e = ev('k1', 'oA', { event: 'subscribe' })
      const first = await store.appendEvent('k1', e)
      expect(first.status).toBe('stored')
      expect((await store.appendEvent('k1', e)).status).toBe('duplicate')
      expect(
        (await store.appendEvent('k1', { ...e, receivedAt: e.receivedAt + 5000 })).status,
      ).toBe('duplicate')
      const fb = ev('k1', 'oB', { scene: 'k1:fallback' })
      await store.appendEvent('k1', fb)
      const rows = await allRows(store)
      const want = [
        { kioskId: 'k1', seq: 1, ...e, fallback: false },
        { kioskId: 'k1', seq: 2, ...fb, fallback: true },
      ]
      expect(rows).toEqual(want.map(withoutTicket))
      // The console's table has the ticket too.
      const table = await store.attendance.page({ kioskIds: null, search: '', offset: 0, limit: 9 })
      expect(table.rows).toEqual(want)
      const stats = await store.attendance.stats({ kioskIds: null }, localDay(Date.now()))
      expect(stats).toMatchObject({ scans: 2, visitors: 2, newFollowers: 1, returning: 0 })
    } finally {
      await store.close()
    }
  })

  it("marks scans of the kiosk's fallback scene, whether or not the relay saved its code", async () => {
    const store = await open()
    try {
      await addKiosk(store, 'k1')
      // A kiosk whose ticket source is `direct` makes its code itself: the relay has none saved.
      const before = ev('k1', 'oA', { scene: 'k1:fallback' })
      await store.appendEvent('k1', before)
      await saveFallback(store, 'k1')
      const after = ev('k1', 'oB', { scene: 'k1:fallback' })
      await store.appendEvent('k1', after)
      // Another kiosk's fallback scene routed here is not this kiosk's code.
      await store.appendEvent('k1', ev('k1', 'oC', { scene: 'k1:k2:fallback' }))
      expect((await allRows(store)).map((r) => [r.openid, r.fallback])).toEqual([
        ['oA', true],
        ['oB', true],
        ['oC', false],
      ])
    } finally {
      await store.close()
    }
  })

  it('an unrouted push writes no row', async () => {
    const store = await open()
    try {
      await addKiosk(store, 'k1')
      const e = ev('k1', 'oA')
      await store.appendUnrouted({ ...e, reason: 'unknown-kiosk' })
      await expect(store.appendEvent('nope', ev('nope', 'oB'))).rejects.toThrow(/unknown kiosk/)
      expect(await allRows(store)).toEqual([])
      const stats = await store.attendance.stats({ kioskIds: null }, localDay(Date.now()))
      expect(stats).toMatchObject({ scans: 0, visitors: 0, returning: 0 })
    } finally {
      await store.close()
    }
  })

  it('pushes sharing a commit, one failing, count each stored row once', async () => {
    // SQLite sums a batch's counters in memory and writes them once before its commit: a
    // repeat visitor inside the batch, a failed push beside it, and two batches in a row.
    const store = await open()
    try {
      await addKiosk(store, 'k1')
      await addKiosk(store, 'k2')
      const today = localDay(Date.now())
      const batch = [
        store.appendEvent('k1', ev('k1', 'oA', { event: 'subscribe' })),
        store.appendEvent('k1', ev('k1', 'oA')),
        store.appendEvent('nope', ev('nope', 'oZ')),
        store.appendEvent('k2', ev('k2', 'oA')),
        store.appendEvent('k2', ev('k2', 'oB')),
      ]
      const settled = await Promise.allSettled(batch)
      expect(settled.map((r) => r.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ])
      expect(await store.attendance.stats({ kioskIds: null }, today)).toMatchObject({
        scans: 4,
        visitors: 2,
        newFollowers: 1,
        returning: 1,
        perKiosk: [
          { id: 'k1', scans: 2, visitors: 1 },
          { id: 'k2', scans: 2, visitors: 2 },
        ],
      })
      await Promise.all([
        store.appendEvent('k2', ev('k2', 'oB')),
        store.appendEvent('k1', ev('k1', 'oC')),
      ])
      const all = await store.attendance.stats({ kioskIds: null }, today)
      expect(all).toMatchObject({ scans: 6, visitors: 3, returning: 2 })
      expect((all.timeline ?? []).reduce((n, s) => n + s.scans, 0)).toBe(6)
      expect(await store.attendance.stats({ kioskIds: ['k2'] }, today)).toMatchObject({
        scans: 3,
        visitors: 2,
        returning: 1,
        perKiosk: [{ id: 'k2', scans: 3, visitors: 2 }],
      })
      expect(await store.attendance.scansToday(['k1', 'k2'], today)).toEqual(
        new Map([
          ['k1', 3],
          ['k2', 3],
        ]),
      )
    } finally {
      await store.close()
    }
  })

  it('a day whose midnight falls inside a 10-minute slot holds each scan once (UTC+5:45)', async () => {
    // Asia/Kathmandu's midnight is 18:15 UTC, inside the slot 18:10–18:20 UTC: that slot is
    // the new day's first on every store, in "scans today" as in the timeline, and is not the
    // day before's last too (SQLite counted it only yesterday, Redis on both days).
    const zone = process.env.TZ
    process.env.TZ = 'Asia/Kathmandu'
    const store = await open()
    try {
      await addKiosk(store, 'k1')
      // 23:57 on 1 May and 00:02 on 2 May in Kathmandu: one slot.
      await store.appendEvent('k1', ev('k1', 'oA', { receivedAt: Date.UTC(2026, 4, 1, 18, 12) }))
      await store.appendEvent('k1', ev('k1', 'oB', { receivedAt: Date.UTC(2026, 4, 1, 18, 17) }))
      const now = Date.UTC(2026, 4, 1, 18, 25)
      const today = localDay(now)
      const yesterday = localDay(today.start - 1)
      expect(yesterday.end).toBe(today.start)
      const sum = (s: ConsoleStats): number => (s.timeline ?? []).reduce((n, t) => n + t.scans, 0)
      const stats = await store.attendance.stats({ kioskIds: null }, today)
      expect(stats.timeline).toHaveLength(144)
      expect(stats.timeline?.[0]).toEqual({ at: Date.UTC(2026, 4, 1, 18, 10), scans: 2 })
      expect(sum(stats)).toBe(2)
      expect(await store.attendance.scansToday(['k1'], soFarToday(now))).toEqual(
        new Map([['k1', 2]]),
      )
      expect(sum(await store.attendance.stats({ kioskIds: null }, yesterday))).toBe(0)
    } finally {
      await store.close()
      if (zone === undefined) delete process.env.TZ
      else process.env.TZ = zone
    }
  })

  it("every scan's stats list the kiosks with scans, as the other stores do, not every kiosk", async () => {
    // docs/DESIGN.md "Consolidated attendance": `perKiosk` each kiosk with scans (and, for a
    // campaign, each kiosk it names). Booths added and never scanned (or revoked before their
    // first scan) are not rows of zeros in the all-scans view, whichever store holds them.
    const store = await open()
    try {
      for (const id of ['k1', 'k2', 'k3']) await addKiosk(store, id)
      await store.revokeKiosk('k3', Date.now())
      await store.appendEvent('k2', ev('k2', 'oA'))
      const today = localDay(Date.now())
      expect(await store.attendance.stats({ kioskIds: null }, today)).toMatchObject({
        scans: 1,
        visitors: 1,
        perKiosk: [{ id: 'k2', scans: 1, visitors: 1 }],
      })
      // Kiosks asked for by name are each listed, zeros included.
      expect((await store.attendance.stats({ kioskIds: ['k1', 'k2'] }, today)).perKiosk).toEqual([
        { id: 'k1', scans: 0, visitors: 0 },
        { id: 'k2', scans: 1, visitors: 1 },
      ])
    } finally {
      await store.close()
    }
  })

  it('pruning the delivery queues keeps every attendance row', async () => {
    const store = await open()
    try {
      await addKiosk(store, 'k1')
      for (let i = 0; i < 5; i++)
        await store.appendEvent('k1', ev('k1', `o${i}`, { receivedAt: 1000 }))
      await store.ack('k1', 5, 2000)
      const pruned = await store.prune({
        now: 10_000_000,
        ackedRetentionMs: 1,
        unackedRetentionMs: 1,
      })
      expect(pruned).toBe(5)
      expect(await store.readEvents('k1', 0, 10)).toEqual([])
      expect((await allRows(store)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5])
      // Later pushes still take the next seq, beside the kept rows.
      expect(await store.appendEvent('k1', ev('k1', 'oNew'))).toMatchObject({ seq: 6 })
      expect(await allRows(store)).toHaveLength(6)
      expect((await store.attendance.stats({ kioskIds: null }, localDay(0))).scans).toBe(6)
    } finally {
      await store.close()
    }
  })

  it('stats, pages and searches agree with a brute-force count over random pushes', async () => {
    const store = await open()
    try {
      const kiosks = ['ka', 'kb', 'kc', 'kd']
      for (const k of kiosks) await addKiosk(store, k)
      const rand = prng(18)
      const today = localDay(Date.now())
      const pushed: { kioskId: string; e: NewEvent }[] = []
      for (let i = 0; i < 300; i++) {
        const kioskId = kiosks[Math.floor(rand() * kiosks.length)] as string
        const openid = `o${Math.floor(rand() * 80)}`
        // Yesterday and today, so the timeline must keep to today.
        const receivedAt = today.start - 86_400_000 + Math.floor(rand() * 2 * 86_400_000)
        const e = ev(kioskId, openid, { event: rand() < 0.3 ? 'subscribe' : 'scan', receivedAt })
        await store.appendEvent(kioskId, e)
        if (rand() < 0.2) await store.appendEvent(kioskId, e) // a WeChat retry
        pushed.push({ kioskId, e })
      }
      const brute = (scope: string[] | null) =>
        bruteStats(
          pushed.filter((p) => scope === null || scope.includes(p.kioskId)),
          scope ?? kiosks,
          today,
        )
      for (const scope of [null, ['kb'], ['ka', 'kc'], ['kd', 'kc', 'kb', 'ka']]) {
        const got = await store.attendance.stats({ kioskIds: scope }, today)
        expectStats(got, brute(scope))
        expect(got.timeline?.length).toBe(144)
      }
      const todayCounts = await store.attendance.scansToday(['ka', 'kb', 'zz'], today)
      for (const id of ['ka', 'kb', 'zz']) {
        const want = pushed.filter(
          (p) => p.kioskId === id && p.e.receivedAt >= today.start && p.e.receivedAt < today.end,
        ).length
        expect(todayCounts.get(id)).toBe(want)
      }

      // Pages: kiosk then seq order, offsets across kiosk boundaries, searches.
      const all = (await allRows(store)).sort(byKioskSeq)
      expect(all).toHaveLength(300)
      for (const [offset, limit] of [
        [0, 10],
        [70, 50],
        [295, 20],
        [400, 5],
      ] as const) {
        const page = await store.attendance.page({ kioskIds: null, search: '', offset, limit })
        expect(page.total).toBe(300)
        expect(page.rows.map(withoutTicket)).toEqual(all.slice(offset, offset + limit))
      }
      // `visitors`: the openids found by name match too (one that never scanned, one that the
      // prefix already matches: each row once).
      for (const [search, visitors] of [
        ['o7', []],
        ['kc', []],
        ['kb:s1', []],
        ['o79', []],
        ['nothing', []],
        ['nothing', ['o5', 'o42', 'o-never']],
        ['o7', ['o7', 'o71', 'o3']],
        ['kc', ['o33']],
      ] as const) {
        const want = all.filter(searchMatch(search, visitors))
        const page = await store.attendance.page({
          kioskIds: null,
          search,
          visitors,
          offset: 3,
          limit: 40,
        })
        expect(page.total, `${search} ${visitors.join()}`).toBe(want.length)
        expect(page.rows.map(withoutTicket)).toEqual(want.slice(3, 43))
      }
      const scoped = await store.attendance.page({
        kioskIds: ['kb'],
        search: 'o1',
        visitors: ['o42'],
        offset: 0,
        limit: 500,
      })
      expect(scoped.rows.map(withoutTicket)).toEqual(
        all.filter((r) => r.kioskId === 'kb' && (r.openid.startsWith('o1') || r.openid === 'o42')),
      )
    } finally {
      await store.close()
    }
  })

  it('a campaign counts the rows that counted in it, wherever its booths run now', async () => {
    const store = await open()
    try {
      const kiosks = ['ka', 'kb', 'kc']
      for (const k of kiosks) await addKiosk(store, k)
      for (const id of ['spring', 'autumn']) {
        await store.campaigns.createCampaign(
          { ...campaignBody(), id, screenKey: 'k'.repeat(43) },
          0,
        )
      }
      const rand = prng(22)
      const today = localDay(Date.now())
      const pushed: { kioskId: string; campaignId: string | null; e: NewEvent }[] = []
      // Booths move between the two campaigns and none as the day goes: ka runs spring, then
      // autumn; kb spring throughout; kc none, then spring, then autumn.
      const runs: Record<string, (string | null)[]> = {
        ka: ['spring', 'autumn'],
        kb: ['spring'],
        kc: [null, 'spring', 'autumn'],
      }
      for (let i = 0; i < 240; i++) {
        const kioskId = kiosks[Math.floor(rand() * kiosks.length)] as string
        const phases = runs[kioskId] ?? []
        const campaignId = phases[Math.floor((i / 240) * phases.length)] ?? null
        const openid = `o${Math.floor(rand() * 40)}`
        const receivedAt = today.start - 86_400_000 + Math.floor(rand() * 2 * 86_400_000)
        const e = ev(kioskId, openid, { event: rand() < 0.3 ? 'subscribe' : 'scan', receivedAt })
        await store.appendEvent(kioskId, e, campaignId)
        if (rand() < 0.2) await store.appendEvent(kioskId, e, campaignId) // a WeChat retry
        pushed.push({ kioskId, campaignId, e })
      }
      const all = (await allRows(store)).sort(byKioskSeq)
      for (const campaignId of ['spring', 'autumn', 'winter']) {
        const mine = pushed.filter((p) => p.campaignId === campaignId)
        // 'kz' is a booth the campaign names that has not scanned yet: listed with zeros.
        const listed = [...new Set([...mine.map((p) => p.kioskId), 'kz'])]
        const want = bruteStats(mine, listed, today)
        const got = await store.attendance.stats({ campaignId, booths: ['kz'] }, today)
        expectStats(got, want, campaignId)

        const rows = all.filter((r) => r.campaignId === campaignId)
        expect(rows).toHaveLength(mine.length)
        const exported: ExportRow[] = []
        for await (const page of store.attendance.rows({ campaignId, booths: [] }, 7)) {
          exported.push(...page.map(withoutTicket))
        }
        expect(exported).toEqual(rows)
        for (const [offset, limit] of [
          [0, 10],
          [30, 50],
          [rows.length - 3, 20],
        ] as const) {
          const page = await store.attendance.page({
            campaignId,
            booths: [],
            search: '',
            offset: Math.max(0, offset),
            limit,
          })
          expect(page.total).toBe(rows.length)
          expect(page.rows.map(withoutTicket)).toEqual(
            rows.slice(Math.max(0, offset), Math.max(0, offset) + limit),
          )
        }
        for (const [search, visitors] of [
          ['o1', []],
          ['ka', []],
          ['kc:s1', []],
          ['nothing', []],
          // Visitors with rows in other campaigns too: only this campaign's rows match.
          ['nothing', ['o3', 'o21', 'o37']],
          ['kc:s1', ['o8']],
        ] as const) {
          const want = rows.filter(searchMatch(search, visitors))
          const page = await store.attendance.page({
            campaignId,
            booths: [],
            search,
            visitors,
            offset: 2,
            limit: 30,
          })
          expect(page.total, search).toBe(want.length)
          expect(page.rows.map(withoutTicket), search).toEqual(want.slice(2, 32))
        }
      }
    } finally {
      await store.close()
    }
  })

  it('hasScan finds a scan by its exact openid, kiosk and campaign only', async () => {
    const store = await open()
    try {
      for (const k of ['k1', 'k2']) await addKiosk(store, k)
      for (const id of ['spring', 'autumn']) {
        await store.campaigns.createCampaign(
          { ...campaignBody(), id, screenKey: 'k'.repeat(43) },
          0,
        )
      }
      await store.appendEvent('k1', ev('k1', 'o-abc', { scene: 'k1:desk' }), 'spring')
      await store.appendEvent('k1', ev('k1', 'o-abd'), 'autumn')
      await store.appendEvent('k2', ev('k2', 'o-zed'), 'spring')
      await store.appendEvent('k1', ev('k1', 'o-none'), null)
      const has = (kioskId: string, openid: string, campaignId: string) =>
        store.attendance.hasScan(kioskId, openid, campaignId)
      expect(await has('k1', 'o-abc', 'spring')).toBe(true)
      expect(await has('k1', 'o-abd', 'autumn')).toBe(true)
      expect(await has('k2', 'o-zed', 'spring')).toBe(true)
      // What the console's search would match, and is no scan of that visitor: a prefix of the
      // openid, the kiosk's id, a scene, the empty string.
      for (const openid of ['o-ab', 'o-', 'o', 'k1', 'k1:desk', 'k1:', '', 'o-abc ']) {
        expect(await has('k1', openid, 'spring'), openid).toBe(false)
      }
      // The visitor's scan at another kiosk, in another campaign, or in none.
      expect(await has('k2', 'o-abc', 'spring')).toBe(false)
      expect(await has('k1', 'o-abc', 'autumn')).toBe(false)
      expect(await has('k1', 'o-zed', 'spring')).toBe(false)
      expect(await has('k1', 'o-none', 'spring')).toBe(false)
      expect(await has('kz', 'o-abc', 'spring')).toBe(false)
    } finally {
      await store.close()
    }
  })

  it('seeded rows count as pushed ones, and later pushes take the next seq', async () => {
    const store = await open()
    try {
      await addKiosk(store, 'k1')
      const base = {
        event: 'scan' as const,
        ticket: 't',
        createTime: 1,
        receivedAt: 5,
        fallback: false,
      }
      const seeded: AttendanceRow[] = [1, 2, 3].map((seq) => ({
        ...base,
        kioskId: 'k1',
        seq,
        id: `ev_seed${seq}`,
        openid: seq === 3 ? 'o1' : `o${seq}`,
        scene: `k1:${seq}`,
      }))
      await store.attendance.seed(seeded)
      const r = await store.appendEvent('k1', ev('k1', 'o2'))
      expect(r).toMatchObject({ status: 'stored', seq: 4 })
      const stats = await store.attendance.stats({ kioskIds: null }, localDay(0))
      expect(stats).toMatchObject({ scans: 4, visitors: 2, returning: 2 })
    } finally {
      await store.close()
    }
  })
})

describe("a Redis store's remembered sums of closed slots (scans today)", () => {
  it('a booth forgotten while a read is out is read afresh next time, not from that read', async () => {
    // The booths page's read remembers each booth's closed slots; forgetting one booth (its
    // token changed, it was revoked) during a read must not let that read remember it again,
    // or the booth's count stays on the old sum for the rest of the day.
    const prefix = at.prefix('closed')
    const keys = redisKeys(prefix)
    const store = await openRedisStore({ url: at.redis.url, prefix })
    const { client, sub } = await connectRedis(at.redis.url)
    sub.disconnect()
    try {
      await addKiosk(store, 'k1')
      await addKiosk(store, 'k2')
      // Local noon, and a slot two hours before it: closed.
      const noon = new Date(2026, 11, 5, 12, 0, 0).getTime()
      const today = soFarToday(noon)
      const closed = noon - 2 * 3600_000
      await store.appendEvent('k1', ev('k1', 'oA', { receivedAt: closed }))
      await store.appendEvent('k2', ev('k2', 'oB', { receivedAt: closed }))
      // A reader whose replies wait, once read, until `release` (between its reads and the
      // sums it remembers).
      let hold: Promise<void> | null = null
      let release = (): void => {}
      let held = (): void => {}
      const reached = new Promise<void>((r) => (held = r))
      const pipeline = client.pipeline.bind(client)
      client.pipeline = (commands?: unknown[][]) => {
        const p = pipeline(commands)
        const exec = p.exec.bind(p)
        p.exec = async () => {
          const replies = await exec()
          if (hold !== null) {
            held()
            await hold
          }
          return replies
        }
        return p
      }
      const reader = new RedisAttendance(
        client,
        (id) => keys.attendance(id),
        keys.attendanceVisitors,
        () => client.smembers(keys.kiosks),
        (id) => keys.kiosk(id),
        (id) => ({
          visitors: keys.campaignVisitors(id),
          firsts: keys.campaignFirsts(id),
          returning: keys.campaignReturning(id),
        }),
      )
      hold = new Promise<void>((r) => (release = r))
      const out = reader.scansToday(['k1', 'k2'], today)
      await reached
      // Meanwhile k1's closed slot changes (here a scan stored late into it) and k1 is forgotten.
      await store.appendEvent('k1', ev('k1', 'oC', { receivedAt: closed }))
      reader.forgetClosedSlots('k1')
      hold = null
      release()
      expect(await out).toEqual(
        new Map([
          ['k1', 1],
          ['k2', 1],
        ]),
      )
      expect(await reader.scansToday(['k1', 'k2'], today)).toEqual(
        new Map([
          ['k1', 2],
          ['k2', 1],
        ]),
      )
    } finally {
      client.disconnect()
      await store.close()
    }
  })
})

describe.each([
  { name: 'redis', url: () => at.redis.url },
  { name: 'redis-cluster', url: () => at.cluster.url },
])('a Redis relay upgraded to the counters per campaign ($name)', ({ url }) => {
  it("counts the rows stored before them once, at the first start, beside the push's own", async () => {
    const prefix = at.prefix('upg')
    const keys = redisKeys(prefix)
    const kiosks = ['ka', 'kb', 'kc']
    const pushed: { kioskId: string; campaignId: string | null; e: NewEvent }[] = []
    const rand = prng(31)
    const today = localDay(Date.now())
    const push = async (store: RelayStore, n: number) => {
      for (let i = 0; i < n; i++) {
        const kioskId = kiosks[Math.floor(rand() * kiosks.length)] as string
        const campaignId = rand() < 0.5 ? 'spring' : rand() < 0.7 ? 'autumn' : null
        const e = ev(kioskId, `o${Math.floor(rand() * 25)}`, {
          event: rand() < 0.3 ? 'subscribe' : 'scan',
        })
        await store.appendEvent(kioskId, e, campaignId)
        pushed.push({ kioskId, campaignId, e })
      }
    }
    const first = await openRedisStore({ url: url(), prefix })
    try {
      for (const k of kiosks) await addKiosk(first, k)
      for (const id of ['spring', 'autumn']) {
        await first.campaigns.createCampaign(
          { ...campaignBody(), id, screenKey: 'k'.repeat(43) },
          0,
        )
      }
      await push(first, 120)
    } finally {
      await first.close()
    }
    // What a relay before the counters per campaign left: rows with their campaign, numbers,
    // and no `c:` counters, campaign visitor hashes, returning hashes or progress marks.
    const { client } = await connectRedis(url())
    try {
      for (const k of kiosks) {
        const a = keys.attendance(k)
        const fields = (await client.hkeys(a.stats)).filter(
          (f) => f.startsWith('c:') || f.startsWith('c-'),
        )
        if (fields.length > 0) await client.hdel(a.stats, ...fields)
        await client.del(a.campaignVisitors)
      }
      for (const id of ['spring', 'autumn']) await client.del(keys.campaignReturning(id))
      await client.del(keys.campaignCountersBackfill)
    } finally {
      client.disconnect()
    }
    const expectCounted = async (store: RelayStore) => {
      for (const campaignId of ['spring', 'autumn']) {
        const mine = pushed.filter((p) => p.campaignId === campaignId)
        const want = bruteStats(mine, [...new Set(mine.map((p) => p.kioskId))], today)
        expectStats(
          await store.attendance.stats({ campaignId, booths: [] }, today),
          want,
          campaignId,
        )
        const page = await store.attendance.page({
          campaignId,
          booths: [],
          search: '',
          offset: 0,
          limit: 500,
        })
        expect(page.total).toBe(mine.length)
        expect(page.rows.map((r) => r.id).sort()).toEqual(mine.map((p) => p.e.id).sort())
      }
    }
    // The upgraded relay: the backfill at start, then its own pushes beside it.
    const upgraded = await openRedisStore({ url: url(), prefix })
    try {
      await push(upgraded, 40)
      await expectCounted(upgraded)
    } finally {
      await upgraded.close()
    }
    // Started again: nothing counted twice.
    const again = await openRedisStore({ url: url(), prefix })
    try {
      await expectCounted(again)
    } finally {
      await again.close()
    }
  })

  it('counts nothing twice after a relay that kept them at the push but no progress mark (095ea5f)', async () => {
    const prefix = at.prefix('upg')
    const keys = redisKeys(prefix)
    const kiosks = ['ka', 'kb']
    const pushed: { kioskId: string; campaignId: string | null; e: NewEvent }[] = []
    const today = localDay(Date.now())
    const push = async (store: RelayStore, n: number) => {
      for (let i = 0; i < n; i++) {
        const kioskId = kiosks[i % 2] as string
        const campaignId = i % 3 === 0 ? null : 'spring'
        const e = ev(kioskId, `o${i % 7}`, { event: i % 4 === 0 ? 'subscribe' : 'scan' })
        await store.appendEvent(kioskId, e, campaignId)
        pushed.push({ kioskId, campaignId, e })
      }
    }
    const first = await openRedisStore({ url: url(), prefix })
    try {
      for (const k of kiosks) await addKiosk(first, k)
      await first.campaigns.createCampaign(
        { ...campaignBody(), id: 'spring', screenKey: 'k'.repeat(43) },
        0,
      )
      await push(first, 30)
    } finally {
      await first.close()
    }
    // What 095ea5f left: the push kept the `c:` counters and campaign visitor hashes, but no
    // progress mark (`c-from`, `c-backfilled`) and no "built" marker.
    const { client } = await connectRedis(url())
    try {
      for (const k of kiosks) await client.hdel(keys.attendance(k).stats, 'c-from', 'c-backfilled')
      await client.del(keys.campaignCountersBackfill)
    } finally {
      client.disconnect()
    }
    const upgraded = await openRedisStore({ url: url(), prefix })
    try {
      await push(upgraded, 6)
      const mine = pushed.filter((p) => p.campaignId === 'spring')
      expectStats(
        await upgraded.attendance.stats({ campaignId: 'spring', booths: [] }, today),
        bruteStats(mine, kiosks, today),
        'spring',
      )
    } finally {
      await upgraded.close()
    }
  })
})
