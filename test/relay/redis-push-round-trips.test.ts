/**
 * The Redis relay's push path on a single Redis: one script per push (the claim, the kiosk
 * check, the write, the attendance and the visitors together), what that folding must not
 * weaken (a seen signed query with another body, for another kiosk too), scripts sent by SHA
 * surviving a server that forgot them, the all-kiosk stats reading the day's slots once, and a
 * desk's binding with a screen open reading the visitor's number, not the campaign's every one;
 * the console's campaign-scoped reads learning its booths without reading every booth's record;
 * the booths page's scans today reading the day's slots so far, not those still to come, and
 * on later refreshes only the slots still open (the closed ones' sums remembered).
 */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { localDay, soFarToday } from '../../relay/attendance/routes'
import { SLOT_MS, slotOf } from '../../relay/store/attendance'
import type { RelayHandle } from '../../relay/server'
import { monitorCommands, startRedis, type TestRedis } from '../helpers/redis'
import type { ConsoleCampaign } from '../../shared/campaign'
import { assign, createCampaign, signIn } from './campaign-helpers'
import type { ConsoleClient } from './console-helpers'
import { EventReader, screenPath, until } from './screen-helpers'
import { TOKEN, postPush, scanXml, signedQuery, startTestRelay } from './harness'
import type { RelayConfigInput } from '../../relay/config'
import { PUSH_EVENT, PUSH_EVENT_CLAIMING_SCENES } from '../../relay/store/redis/push-script'
import { shaOf } from '../../relay/store/redis/run-script'

let redis: TestRedis
beforeAll(async () => {
  redis = await startRedis()
}, 60_000)
afterAll(async () => {
  await redis?.stop()
})

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function relay(config: RelayConfigInput = {}): Promise<{ r: RelayHandle; prefix: string }> {
  const prefix = `rt-${randomUUID()}:`
  const r = await startTestRelay('redis', redis.url, config, { redisPrefix: prefix })
  cleanups.push(() => r.close())
  await r.addKiosk('k1')
  await r.addKiosk('k2')
  // The first push of a kiosk learns its campaign (the relay caches only kiosks it routed).
  for (const k of ['k1', 'k2']) {
    expect((await postPush(r.url, scanXml('warm', `${k}:warm`))).status).toBe(200)
  }
  return { r, prefix }
}

/** `relay()` with both kiosks assigned to a new campaign, the push path's cache warm again. */
async function campaignRelay(): Promise<{
  r: RelayHandle
  prefix: string
  campaign: ConsoleCampaign
  c: ConsoleClient
}> {
  const { r, prefix } = await relay()
  const c = await signIn(r)
  const campaign = await createCampaign(c)
  // The assignment reaches the push path's cache through the change feed (which drops the
  // kiosk's entry): once this listener, registered after the cache's, has heard both, re-warm.
  const heard = new Set<string>()
  const stop = r.store.subscribe((ch) => {
    if (ch.type === 'campaign' && ch.kioskId !== undefined) heard.add(ch.kioskId)
  })
  await assign(c, 'k1', campaign.id)
  await assign(c, 'k2', campaign.id)
  await waitFor(() => heard.has('k1') && heard.has('k2'))
  stop()
  for (const k of ['k1', 'k2']) {
    expect((await postPush(r.url, scanXml('warm2', `${k}:warm2`))).status).toBe(200)
  }
  return { r, prefix, campaign, c }
}

/** Commands clients send (not those scripts run), while `during` runs; each as its args. */
const monitored = (during: () => Promise<void>): Promise<string[][]> =>
  monitorCommands(redis.url, during)

async function waitFor(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10))
  expect(ok()).toBe(true)
}

describe('redis push path (one Redis)', () => {
  // One visitor per code off (the default): the push script from before the rule, no claim key.
  // On: its own script, still one command per push, a claim for each code (the warm-ups' too).
  it.each([
    ['off', {}, PUSH_EVENT, 0],
    ['on', { oneVisitorPerCode: true }, PUSH_EVENT_CLAIMING_SCENES, 12],
  ] as const)(
    'stores a push with one command from the relay: one script, no other round trip (one visitor per code %s)',
    async (_, config, script, claims) => {
      const { r, prefix } = await relay(config)
      const pushKeys = [`{${prefix}k:`, `${prefix}signed-query:`, `{${prefix}attendance}`]
      const seen = await monitored(async () => {
        for (let i = 0; i < 10; i++) {
          const k = i % 2 === 0 ? 'k1' : 'k2'
          expect((await postPush(r.url, scanXml(`v${i}`, `${k}:p${i}`))).status).toBe(200)
        }
      })
      const forPushes = seen.filter((args) => args.some((a) => pushKeys.some((p) => a.includes(p))))
      expect(forPushes.map((a) => a[0]?.toLowerCase())).toEqual(Array(10).fill('evalsha'))
      expect(new Set(forPushes.map((a) => a[1]))).toEqual(new Set([shaOf(script)]))
      const admin = new Redis(redis.url)
      cleanups.push(() => admin.quit())
      expect(await admin.keys(`{${prefix}k:*}:scene:*`)).toHaveLength(claims)
      const events = [
        ...(await r.store.readEvents('k1', 0, 10)),
        ...(await r.store.readEvents('k2', 0, 10)),
      ]
      expect(events.map((e) => e.openid).sort()).toEqual(
        ['warm', 'warm', ...Array.from({ length: 10 }, (_, i) => `v${i}`)].sort(),
      )
    },
  )

  it('refuses a seen signed query with another body, for another kiosk too, and stores nothing', async () => {
    const { r } = await relay()
    const q = signedQuery(TOKEN)
    expect((await postPush(r.url, scanXml('real', 'k1:1', 1), q)).status).toBe(200)
    const forged = await postPush(r.url, scanXml('forged', 'k2:1', 2), q)
    expect(forged.status).toBe(401)
    expect((await postPush(r.url, scanXml('forged', 'k1:2', 2), q)).status).toBe(401)
    // The same try again (WeChat's retry of it) is answered, and stored once.
    expect((await postPush(r.url, scanXml('real', 'k1:1', 1), q)).status).toBe(200)
    expect((await r.store.readEvents('k1', 0, 10)).map((e) => e.openid)).toEqual(['warm', 'real'])
    expect((await r.store.readEvents('k2', 0, 10)).map((e) => e.openid)).toEqual(['warm'])
    const stats = await r.store.attendance.stats({ kioskIds: null }, localDay(Date.now()))
    expect(stats.scans).toBe(3)
    expect(stats.visitors).toBe(2)
  })

  it('keeps storing once when Redis forgot its scripts (restart, failover): NOSCRIPT → EVAL', async () => {
    const { r } = await relay()
    const admin = new Redis(redis.url)
    cleanups.push(() => admin.quit())
    await admin.script('FLUSH')
    expect((await postPush(r.url, scanXml('after', 'k1:x'))).status).toBe(200)
    await admin.script('FLUSH')
    // A retry of it, by another try's query: a duplicate, not a second row.
    expect((await postPush(r.url, scanXml('after', 'k1:x'))).status).toBe(200)
    expect((await r.store.readEvents('k1', 0, 10)).map((e) => e.openid)).toEqual(['warm', 'after'])
  })

  it("reads the day's slots of every kiosk from one hash, and they add up to each kiosk's", async () => {
    const { r, prefix } = await relay()
    for (let i = 0; i < 6; i++) {
      const k = i < 4 ? 'k1' : 'k2'
      expect((await postPush(r.url, scanXml(`s${i}`, `${k}:s${i}`))).status).toBe(200)
    }
    const today = localDay(Date.now())
    let whole = await r.store.attendance.stats({ kioskIds: null }, today)
    const seen = await monitored(async () => {
      whole = await r.store.attendance.stats({ kioskIds: null }, today)
    })
    const slotReads = seen.filter(
      (args) => args[0]?.toLowerCase() === 'hmget' && args.some((a) => a.startsWith('s:')),
    )
    expect(slotReads.map((a) => a[1])).toEqual([`{${prefix}attendance}:totals`])
    const one = await r.store.attendance.stats({ kioskIds: ['k1'] }, today)
    const two = await r.store.attendance.stats({ kioskIds: ['k2'] }, today)
    const sum = (t: typeof whole.timeline) => (t ?? []).reduce((n, s) => n + s.scans, 0)
    expect(sum(whole.timeline)).toBe(8)
    expect(sum(one.timeline) + sum(two.timeline)).toBe(8)
    expect(whole.timeline).toEqual(
      (one.timeline ?? []).map((s, i) => ({
        ...s,
        scans: s.scans + (two.timeline?.[i]?.scans ?? 0),
      })),
    )
  })

  it('takes campaign numbers in the same one script: 1..n, once each, retries keep theirs', async () => {
    const { r, prefix } = await campaignRelay()
    const told: Array<{ seq: number; number?: number; firstInCampaign?: boolean }> = []
    const unsubscribe = r.store.subscribe((ch) => {
      if (ch.type === 'event' && ch.kioskId === 'k1' && ch.event !== undefined) told.push(ch.event)
    })
    cleanups.push(() => Promise.resolve(unsubscribe()))
    const pushKeys = [`{${prefix}k:`, `${prefix}signed-query:`, `{${prefix}c:`]
    const seen = await monitored(async () => {
      const first = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          postPush(r.url, scanXml(`n${i}`, `k${1 + (i % 2)}:n${i}`)),
        ),
      )
      expect(first.map((a) => a.status)).toEqual(Array(20).fill(200))
      // WeChat's retries (new tries of the same pushes) and a second scan at the other booth.
      const again = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          postPush(r.url, scanXml(`n${i}`, `k${1 + (i % 2)}:n${i}`)),
        ),
      )
      expect(again.map((a) => a.status)).toEqual(Array(20).fill(200))
      expect((await postPush(r.url, scanXml('n0', 'k2:n0-again'))).status).toBe(200)
    })
    const forPushes = seen.filter((args) => args.some((a) => pushKeys.some((p) => a.includes(p))))
    expect(forPushes.map((a) => a[0]?.toLowerCase())).toEqual(Array(41).fill('evalsha'))
    const events = [
      ...(await r.store.readEvents('k1', 0, 50)),
      ...(await r.store.readEvents('k2', 0, 50)),
    ]
    const numbered = events.filter((e) => e.openid.startsWith('n'))
    expect(numbered).toHaveLength(21)
    const firsts = numbered.filter((e) => e.firstInCampaign === true)
    expect(firsts.map((e) => e.number).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 2),
    )
    // The change message the script builds carries the number it took, as read back.
    const k1 = numbered.filter((e) => e.scene.startsWith('k1:'))
    await waitFor(() => k1.every((e) => told.some((t) => t.seq === e.seq)))
    for (const e of k1) {
      const t = told.find((x) => x.seq === e.seq)
      expect([t?.number, t?.firstInCampaign]).toEqual([e.number, e.firstInCampaign])
    }
    const again = numbered.find((e) => e.scene === 'k2:n0-again')
    expect(again?.firstInCampaign).toBe(false)
    expect(again?.number).toBe(numbered.find((e) => e.scene === 'k1:n0')?.number)
  })
})

describe('the big screens on a Redis relay', () => {
  it("a desk's binding names the visitor's tile from their own number, not every check-in", async () => {
    const { r, prefix, campaign } = await campaignRelay()
    for (let i = 0; i < 70; i++) {
      expect((await postPush(r.url, scanXml(`w${i}`, `k1:w${i}`))).status).toBe(200)
    }
    await r.store.campaigns.replaceRoster(campaign.id, [
      { id: 'r1', name: '韩梅梅', company: 'ACME', phone: '13900000000', code: 'C1' },
      { id: 'r2', name: '李雷', company: 'ACME', phone: '13900000001', code: 'C2' },
    ])
    const url = `${r.url}${screenPath('events', campaign.id, campaign.screenKey)}`
    const screen = await EventReader.open(url)
    cleanups.push(() => Promise.resolve(screen.close()))
    expect(screen.status).toBe(200)
    const named = () =>
      screen.events.flatMap((e) => (e.type === 'checkins' ? e.checkins : [])).filter((c) => c.name)
    const seen = await monitored(async () => {
      // The newest check-in (w69) is on the screens: named again. The first (warm2 at k1,
      // number 1) is long gone from them (recentLimit): nothing is sent for it.
      for (const [registrationId, openid] of [
        ['r1', 'w69'],
        ['r2', 'warm2'],
      ] as const) {
        await r.store.campaigns.putBinding(campaign.id, { registrationId, openid, at: Date.now() })
      }
      await until(() => named().length > 0, 15_000, 'the tile named')
    })
    expect(named().map((c) => c.name)).toEqual(['韩梅梅'])
    const visitors = `{${prefix}c:${campaign.id}}:visitors`
    const wholeReads = seen.filter((a) => a[0]?.toLowerCase() === 'hgetall' && a[1] === visitors)
    expect(wholeReads).toEqual([])
  })
})

describe("the console's campaign reads on a Redis relay", () => {
  it("learn the campaign's booths from each kiosk's campaign, not its whole record and code", async () => {
    const { r, prefix, campaign, c } = await campaignRelay()
    await r.addKiosk('k3')
    for (const k of ['k1', 'k2', 'k3']) {
      expect((await postPush(r.url, scanXml(`b-${k}`, `${k}:b`))).status).toBe(200)
    }
    let stats: { perKiosk?: Array<{ id: string }> } = {}
    let sheet = ''
    const seen = await monitored(async () => {
      const a = await c.call('GET', `/console/api/stats?campaign=${campaign.id}`)
      expect(a.status).toBe(200)
      stats = a.json as typeof stats
      const b = await c.call('GET', `/console/api/attendance?campaign=${campaign.id}&format=csv`)
      expect(b.status).toBe(200)
      sheet = b.text
    })
    expect(stats.perKiosk?.map((k) => k.id)).toEqual(['k1', 'k2'])
    expect(sheet).toContain('b-k1')
    expect(sheet).not.toContain('b-k3')
    // A booth's record (its token hash, ranges…) and its pairing code are not what a campaign's
    // booths are: neither is read, for any kiosk.
    const kioskKey = new RegExp(`^\\{${prefix}k:[^}]+\\}:(kiosk|pairing-code)$`)
    const wholeReads = seen.filter((a) => a.slice(1).some((k) => kioskKey.test(k)))
    expect(wholeReads).toEqual([])
  })
})

describe("the booths page's scans today on a Redis relay", () => {
  it('reads the slots of the day so far, not the hours still to come', async () => {
    // Noon, local time: the day's slots up to it are half of its 144.
    const noon = new Date(2026, 11, 5, 12, 0, 0).getTime()
    const prefix = `rt-${randomUUID()}:`
    const r = await startTestRelay('redis', redis.url, {}, { redisPrefix: prefix, now: () => noon })
    cleanups.push(() => r.close())
    await r.addKiosk('k1')
    const row = (seq: number, receivedAt: number) => ({
      ...{ kioskId: 'k1', seq, id: `e${seq}`, event: 'scan' as const, openid: `o${seq}` },
      ...{ scene: 'k1:x', ticket: 't', fallback: false, createTime: 1, receivedAt },
    })
    // Yesterday evening, this morning, and the slot at noon itself.
    await r.store.attendance.seed([
      row(1, noon - 13 * 3600_000),
      row(2, noon - 3 * 3600_000),
      row(3, noon + 1000),
    ])
    const c = await signIn(r)
    let today: unknown
    const seen = await monitored(async () => {
      const a = await c.call('GET', '/console/api/kiosks')
      expect(a.status).toBe(200)
      today = (a.json as Array<{ id: string; scansToday: number }>).map((k) => k.scansToday)
    })
    expect(today).toEqual([2])
    const slots = seen
      .filter((a) => a[0]?.toLowerCase() === 'hmget' && a[1]?.endsWith(':attendance-stats'))
      .flatMap((a) => a.slice(2).map((f) => Number(f.slice(2))))
    expect(slots.length).toBeGreaterThan(0)
    // The slot now and the next (another instance's clock a little ahead), none later.
    expect(Math.max(...slots)).toBeLessThanOrEqual(noon + 10 * 60_000)
  })
})

describe("the booths page's scans today, refreshed on a Redis relay", () => {
  it('reads only the open slots once the closed ones are summed, with the full read’s answers', async () => {
    const at = (day: number, h: number, m: number): number =>
      new Date(2026, 11, 5 + day, h, m, 0).getTime()
    let clock = at(0, 9, 30)
    const prefix = `rt-${randomUUID()}:`
    const r = await startTestRelay(
      'redis',
      redis.url,
      {},
      { redisPrefix: prefix, now: () => clock },
    )
    cleanups.push(() => r.close())
    const ids = ['k1', 'k2']
    for (const id of ids) await r.addKiosk(id)
    // Scans across yesterday evening, today and just after the next midnight.
    const scans: Array<{ kioskId: string; receivedAt: number }> = []
    const times = [
      [-1, 23, 55],
      [0, 0, 1],
      [0, 0, 15],
      [0, 3, 0],
      [0, 9, 5],
      [0, 9, 12],
      [0, 11, 45],
      [0, 11, 58],
      [0, 12, 1],
      [0, 23, 50],
      [1, 0, 1],
      [1, 0, 25],
    ] as const
    const seqs = new Map<string, number>()
    const rows = times.flatMap(([d, h, m], i) =>
      ids.slice(0, 1 + (i % 2)).map((kioskId) => {
        const seq = (seqs.get(kioskId) ?? 0) + 1
        seqs.set(kioskId, seq)
        const receivedAt = at(d, h, m) + i
        scans.push({ kioskId, receivedAt })
        return {
          ...{ kioskId, seq, id: `e-${kioskId}-${seq}`, event: 'scan' as const },
          ...{ openid: `o${i}`, scene: `${kioskId}:x`, ticket: 't', fallback: false },
          ...{ createTime: 1, receivedAt },
        }
      }),
    )
    await r.store.attendance.seed(rows)
    let c = await signIn(r)
    let signedInAt = clock
    /** One refresh of the booths page: its counts, and the slot fields it read per booth. */
    const refresh = async (): Promise<{ counts: number[]; fields: number[] }> => {
      if (clock - signedInAt > 20 * 60_000 || clock < signedInAt) {
        c = await signIn(r, `o${clock}`)
        signedInAt = clock
      }
      let counts: number[] = []
      const seen = await monitored(async () => {
        const a = await c.call('GET', '/console/api/kiosks')
        expect(a.status).toBe(200)
        counts = (a.json as Array<{ scansToday: number }>).map((k) => k.scansToday)
      })
      const reads = seen.filter(
        (a) => a[0]?.toLowerCase() === 'hmget' && a[1]?.endsWith(':attendance-stats'),
      )
      expect(reads).toHaveLength(ids.length)
      return { counts, fields: reads.map((a) => a.length - 2) }
    }
    /** The answer of the full read (every slot of the day so far), and by hand from the scans. */
    const expected = async (): Promise<number[]> => {
      const { start, end } = soFarToday(clock)
      const full = await r.store.attendance.scansToday(ids, { start, end })
      const byHand = ids.map(
        (id) =>
          scans.filter((s) => s.kioskId === id && s.receivedAt >= start && s.receivedAt < end)
            .length,
      )
      expect(ids.map((id) => full.get(id))).toEqual(byHand)
      return byHand
    }
    const push = async (kioskId: string): Promise<void> => {
      const n = scans.length
      const query = signedQuery(TOKEN, clock)
      expect((await postPush(r.url, scanXml(`p${n}`, `${kioskId}:p${n}`), query)).status).toBe(200)
      scans.push({ kioskId, receivedAt: clock })
    }
    const slotsUpTo = (t: number): number =>
      (Math.min(localDay(t).end, slotOf(t) + 2 * SLOT_MS) - localDay(t).start) / SLOT_MS

    // The first refresh reads the day so far; the next ones the slots from two before now's.
    let got = await refresh()
    expect(got.counts).toEqual(await expected())
    expect(got.fields).toEqual([slotsUpTo(clock), slotsUpTo(clock)])
    for (const [d, h, m, pushTo] of [
      [0, 9, 31, 'k1'],
      [0, 9, 39, 'k2'],
      [0, 12, 5, 'k1'],
      [0, 12, 6, null],
      [0, 23, 58, 'k2'],
      [0, 23, 59, null],
      [1, 0, 2, 'k1'],
      [1, 0, 3, null],
      [1, 0, 45, 'k2'],
      [1, 0, 46, null],
    ] as const) {
      const previous = clock
      clock = at(d, h, m)
      if (pushTo !== null) await push(pushTo)
      got = await refresh()
      expect(got.counts, new Date(clock).toString()).toEqual(await expected())
      const day = localDay(clock).start
      // From where the last refresh's closed slots ended (two before its own), or the day's start.
      const from =
        localDay(previous).start === day ? Math.max(day, slotOf(previous) - 2 * SLOT_MS) : day
      const open = (Math.min(localDay(clock).end, slotOf(clock) + 2 * SLOT_MS) - from) / SLOT_MS
      expect(got.fields, new Date(clock).toString()).toEqual([open, open])
      // A minute on in the same slot: the two before now's, now's and the next.
      if (slotOf(previous) === slotOf(clock) && localDay(previous).start === day) {
        expect(open).toBeLessThanOrEqual(4)
      }
    }

    // A resync (the subscriber was away: the store may have changed unheard) forgets the sums.
    const stats = `{${prefix}k:k1}:attendance-stats`
    const admin = new Redis(redis.url)
    cleanups.push(() => admin.quit())
    expect(await admin.exists(stats)).toBe(1)
    await admin.hincrby(stats, `s:${slotOf(at(1, 0, 1))}`, 5)
    scans.push(...Array.from({ length: 5 }, () => ({ kioskId: 'k1', receivedAt: at(1, 0, 1) })))
    let resynced = false
    // Heard until the relay closes (its store drops its listeners).
    r.store.subscribe((change) => {
      if (change.type === 'resync') resynced = true
    })
    await admin.client('KILL', 'TYPE', 'pubsub')
    await until(() => resynced)
    clock = at(1, 0, 47)
    got = await refresh()
    expect(got.counts).toEqual(await expected())
    expect(got.fields).toEqual([slotsUpTo(clock), slotsUpTo(clock)])
  })
})
