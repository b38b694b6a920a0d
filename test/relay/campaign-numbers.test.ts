// Campaign-wide check-in numbers, assigned by the relay when it stores a push: 200 concurrent
// first scans of distinct visitors across 4 kiosks get 1..200 with no gap or repeat (SQLite on
// one instance; Redis with two instances on one Redis); a visitor seen at booth A keeps A's
// number at booth B; WeChat's retries of a push never take a second number and keep
// firstInCampaign true only for the push that took it; and a three-day expo on a relay restarted
// each night keeps all of that, counts scans on the day the relay received them and draws day 3
// among every day's visitors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ScanFrame } from '../../shared/relay-protocol'
import type { RelayHandle } from '../../relay/server'
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster'
import { Clock, ConsoleClient, newPlace, organizer, type Place } from './console-helpers'
import { assign, createCampaign, signIn, relayTestBed } from './campaign-helpers'
import { KioskClient, postPush, scanXml, signedQuery, TOKEN, type Backend } from './harness'

const { cleanups, placeFor, relayOn, k1InCampaign } = relayTestBed()

const KIOSKS = ['k1', 'k2', 'k3', 'k4']

/** Every scan the kiosks received, once each kiosk has `perKiosk` of them. */
async function scansOf(clients: KioskClient[], perKiosk: number): Promise<ScanFrame[]> {
  await Promise.all(clients.map((k) => k.waitForScans(perKiosk, 30_000)))
  return clients.flatMap((k) => k.scans)
}

/** Booths ka and kb on the relay at `url` (their tokens), closed after the test. */
async function boothsAB(url: string, ta: string, tb: string): Promise<[KioskClient, KioskClient]> {
  const a = await KioskClient.hello(url, ta, { kioskId: 'ka' })
  const b = await KioskClient.hello(url, tb, { kioskId: 'kb' })
  cleanups.push(
    () => a.close(),
    () => b.close(),
  )
  return [a, b]
}

async function concurrentFirstScans(relays: RelayHandle[]): Promise<void> {
  const [main] = relays
  if (main === undefined) throw new Error('no relay')
  const tokens = new Map<string, string>()
  for (const id of KIOSKS) tokens.set(id, await main.addKiosk(id))
  const c = await signIn(main)
  const made = await createCampaign(c)
  for (const id of KIOSKS) await assign(c, id, made.id)
  const clients = await Promise.all(
    KIOSKS.map(async (id, i) => {
      const relay = relays[i % relays.length] ?? main
      const k = await KioskClient.hello(relay.url, tokens.get(id) ?? '', { kioskId: id })
      cleanups.push(() => k.close())
      return k
    }),
  )
  const answers = await Promise.all(
    Array.from({ length: 200 }, (_, i) => {
      const kioskId = KIOSKS[i % KIOSKS.length] ?? 'k1'
      const relay = relays[i % relays.length] ?? main
      return postPush(relay.url, scanXml(`visitor-${i}`, `${kioskId}:n${i}`))
    }),
  )
  expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200))
  const scans = await scansOf(clients, 50)
  expect(scans).toHaveLength(200)
  const numbers = scans.map((s) => s.number ?? 0).sort((a, b) => a - b)
  expect(numbers).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
  expect(scans.every((s) => s.firstInCampaign === true)).toBe(true)
  // One number per visitor.
  expect(new Set(scans.map((s) => `${s.openid}=${s.number}`)).size).toBe(200)
}

/**
 * WeChat retries a push after its booth was moved into a campaign (the first try was stored
 * while the booth ran none): the retry is the same scan, stored before, so it takes no number
 * in the new campaign and makes nobody returning there. Then each visitor's first scan in the
 * campaign is their first (number 1 and 2, firstInCampaign true) and nobody is returning.
 */
async function retryAfterMove(place: Place): Promise<void> {
  const relay = await relayOn(place)
  const token = await relay.addKiosk('k1')
  const c = await signIn(relay)
  const bob = scanXml('bob', 'k1:n1', 1_700_000_001)
  const carol = scanXml('carol', 'k1:n2', 1_700_000_002)
  for (const xml of [bob, carol]) expect((await postPush(relay.url, xml)).status).toBe(200)
  const made = await createCampaign(c)
  await assign(c, 'k1', made.id)
  // Carol scans in the campaign, then both retries arrive (fresh signatures, as WeChat sends).
  await postPush(relay.url, scanXml('carol', 'k1:n3', 1_700_000_003))
  for (const xml of [bob, carol]) {
    expect((await postPush(relay.url, xml, signedQuery(TOKEN))).status).toBe(200)
  }
  await postPush(relay.url, scanXml('bob', 'k1:n4', 1_700_000_004))
  const k = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
  cleanups.push(() => k.close())
  await k.waitForScans(4)
  expect(k.scans.map((s) => [s.openid, s.number, s.firstInCampaign])).toEqual([
    ['bob', undefined, undefined],
    ['carol', undefined, undefined],
    ['carol', 1, true],
    ['bob', 2, true],
  ])
  const stats = await c.call('GET', `/console/api/stats?campaign=${made.id}`)
  expect(stats.json).toMatchObject({ scans: 2, visitors: 2, returning: 0 })
  expect(await relay.store.campaigns.checkinCount(made.id)).toBe(2)
}

describe('200 concurrent first scans across 4 kiosks', () => {
  it('sqlite, one instance: numbers 1..200, no gap, no repeat', async () => {
    await concurrentFirstScans([await relayOn(placeFor('sqlite'))])
  })

  it('redis, two instances: numbers 1..200, no gap, no repeat', async () => {
    const place = placeFor('redis')
    await concurrentFirstScans([await relayOn(place), await relayOn(place)])
  })
})

describe('on a Redis Cluster', () => {
  let cluster: TestRedisCluster
  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 })
  }, 60_000)
  afterAll(() => cluster?.stop())

  it('two instances: numbers 1..200, no gap, no repeat (campaign and kiosk slots apart)', async () => {
    const place = newPlace('redis', cluster.url)
    cleanups.push(() => place.remove())
    await concurrentFirstScans([await relayOn(place), await relayOn(place)])
  }, 60_000)

  it('a retry of a push stored before its booth joined the campaign takes no number there', async () => {
    const place = newPlace('redis', cluster.url)
    cleanups.push(() => place.remove())
    await retryAfterMove(place)
  }, 60_000)
})

describe.each<Backend>(['sqlite', 'redis'])('one number per visitor (%s)', (backend) => {
  it('a retry of a push stored before its booth joined the campaign takes no number there', async () => {
    await retryAfterMove(placeFor(backend))
  })

  it('a visitor first seen at booth A is returning at booth B, with A’s number', async () => {
    const relay = await relayOn(placeFor(backend))
    const ta = await relay.addKiosk('ka')
    const tb = await relay.addKiosk('kb')
    await relay.addKiosk('kx')
    const c = await signIn(relay)
    const made = await createCampaign(c)
    const other = await createCampaign(c, { name: 'Elsewhere' })
    await assign(c, 'ka', made.id)
    await assign(c, 'kb', made.id)
    await assign(c, 'kx', other.id)
    await postPush(relay.url, scanXml('someone', 'ka:n0'))
    await postPush(relay.url, scanXml('alice', 'ka:n1', 1_700_000_001))
    await postPush(relay.url, scanXml('alice', 'kb:n2', 1_700_000_002))
    await postPush(relay.url, scanXml('alice', 'kx:n3', 1_700_000_003))
    const [a, b] = await boothsAB(relay.url, ta, tb)
    await a.waitForScans(2)
    await b.waitForScans(1)
    expect(a.scans.map((s) => [s.openid, s.number, s.firstInCampaign])).toEqual([
      ['someone', 1, true],
      ['alice', 2, true],
    ])
    expect(b.scans.map((s) => [s.openid, s.number, s.firstInCampaign])).toEqual([
      ['alice', 2, false],
    ])
    // Another campaign counts on its own.
    const x = await relay.store.readEvents('kx', 0, 10)
    expect(x.map((s) => [s.number, s.firstInCampaign])).toEqual([[1, true]])
  })

  it('one visitor’s pushes out of order: the number goes to the push stored first, each row keeps its CreateTime', async () => {
    // WeChat pushed vera's scan at booth B (10:00:00) only after her scan at booth A
    // (10:00:30): a backlog after its incident. The number is given when a push is stored and
    // greeted at once, so the scan that arrived first has it, and the earlier scan arriving
    // later is a repeat with the same number, never a second one or a renumbering
    // (docs/DESIGN.md "Campaigns at the relay (built)", arrival order). WeChat's retry of
    // either, and a push from the future by the relay's clock, change nothing.
    const relay = await relayOn(placeFor(backend))
    const ta = await relay.addKiosk('ka')
    const tb = await relay.addKiosk('kb')
    const c = await signIn(relay)
    const made = await createCampaign(c)
    await assign(c, 'ka', made.id)
    await assign(c, 'kb', made.id)
    const t0 = Math.floor(Date.now() / 1000) - 300
    const atA = scanXml('vera', 'ka:n1', t0 + 30)
    const atB = scanXml('vera', 'kb:n2', t0)
    for (const xml of [atA, atB, atB, atA]) {
      // Each a try of its own, freshly signed, as WeChat sends it.
      expect((await postPush(relay.url, xml, signedQuery(TOKEN))).status).toBe(200)
    }
    // WeChat's clock ahead of the relay's: a CreateTime a minute in the future is a scan too.
    const ahead = scanXml('walt', 'kb:n3', Math.floor(Date.now() / 1000) + 60)
    expect((await postPush(relay.url, ahead)).status).toBe(200)
    const [a, b] = await boothsAB(relay.url, ta, tb)
    await a.waitForScans(1)
    await b.waitForScans(2)
    expect(a.scans.map((s) => [s.openid, s.number, s.firstInCampaign, s.createTime])).toEqual([
      ['vera', 1, true, t0 + 30],
    ])
    expect(b.scans.map((s) => [s.openid, s.number, s.firstInCampaign, s.createTime])).toEqual([
      ['vera', 1, false, t0],
      ['walt', 2, true, expect.any(Number)],
    ])
    const rows = await c.call('GET', `/console/api/attendance?campaign=${made.id}`)
    const page = rows.json as {
      rows: Array<{ kioskId: string; scannedAt: number; number: number }>
    }
    expect(page.rows.map((r) => [r.kioskId, r.number, r.scannedAt])).toEqual([
      ['ka', 1, (t0 + 30) * 1000],
      ['kb', 1, t0 * 1000],
      ['kb', 2, expect.any(Number)],
    ])
    const stats = await c.call('GET', `/console/api/stats?campaign=${made.id}`)
    expect(stats.json).toMatchObject({ scans: 3, visitors: 2, returning: 1 })
    expect(await relay.store.campaigns.checkinCount(made.id)).toBe(2)
  })

  it('a three-day expo: the relay restarted each night keeps tokens, booths, numbers; today rolls over; day 3’s draw has all', async () => {
    const place = placeFor(backend)
    const DAY = 24 * 3600_000
    const clock = new Clock(new Date(2026, 11, 4, 10, 0).getTime())
    let relay = await relayOn(place, {}, { now: clock.now })
    const ta = await relay.addKiosk('ka')
    const tb = await relay.addKiosk('kb')
    const password = await organizer(relay, 'alice', clock.t)
    const signedInAt = async (r: typeof relay) => {
      const c = new ConsoleClient(r.url)
      expect((await c.login('alice', password)).status).toBe(200)
      return c
    }
    let c = await signedInAt(relay)
    const made = await createCampaign(c)
    await assign(c, 'ka', made.id)
    await assign(c, 'kb', made.id)
    const push = async (openid: string, scene: string) => {
      const createTime = Math.floor(clock.t / 1000)
      const q = signedQuery(TOKEN, clock.t)
      expect((await postPush(relay.url, scanXml(openid, scene, createTime), q)).status).toBe(200)
    }
    // Day 1: alice at booth A, whose kiosk was shut down before it took the scan.
    await push('alice', 'ka:d1')
    await relay.close()
    // Day 2 after the overnight upgrade: the same store, the kiosks' tokens and booths kept.
    clock.advance(DAY)
    relay = await relayOn(place, {}, { now: clock.now })
    c = await signedInAt(relay)
    await push('alice', 'kb:d2')
    await push('bob', 'kb:d2b')
    const [a, b] = await boothsAB(relay.url, ta, tb)
    await a.waitForScans(1)
    await b.waitForScans(2)
    // Day 1's scan, delivered on day 2, is day 1's: received then, numbered then.
    const day1 = new Date(2026, 11, 4).getTime()
    expect(a.scans.map((s) => [s.openid, s.number, s.firstInCampaign])).toEqual([
      ['alice', 1, true],
    ])
    expect(a.scans[0]?.receivedAt).toBeGreaterThanOrEqual(day1)
    expect(a.scans[0]?.receivedAt).toBeLessThan(day1 + DAY)
    expect(b.scans.map((s) => [s.openid, s.number, s.firstInCampaign])).toEqual([
      ['alice', 1, false],
      ['bob', 2, true],
    ])
    const booths = await c.call('GET', '/console/api/kiosks')
    expect(booths.json).toEqual([
      expect.objectContaining({ id: 'ka', scansToday: 0, campaignId: made.id }),
      expect.objectContaining({ id: 'kb', scansToday: 2, campaignId: made.id }),
    ])
    const stats = await c.call('GET', `/console/api/stats?campaign=${made.id}`)
    expect(stats.json).toMatchObject({ scans: 3, visitors: 2, returning: 1 })
    // Day 3, after another restart: a draw among all visitors includes days 1 and 2.
    await relay.close()
    clock.advance(DAY)
    relay = await relayOn(place, {}, { now: clock.now })
    c = await signedInAt(relay)
    await push('carol', 'ka:d3')
    const draw = await c.call('POST', `/console/api/campaigns/${made.id}/draws`, {
      count: 3,
      prize: '三日大奖',
      excludeWinners: true,
    })
    expect(draw.status, draw.text).toBe(201)
    const winners = (draw.json as { winners: { openid: string; number: number }[] }).winners
    expect(winners.map((w) => [w.openid, w.number]).sort()).toEqual([
      ['alice', 1],
      ['bob', 2],
      ['carol', 3],
    ])
  })

  it('WeChat’s retries of a push get the same number and the same firstInCampaign', async () => {
    const { relay, token } = await k1InCampaign(backend)
    const xml = scanXml('bob', 'k1:n1')
    const q = signedQuery(TOKEN)
    // The same push sent three times at once (a retry while the first is stored) and again
    // later under a fresh signature: one event, one number.
    const first = await Promise.all([0, 1, 2].map(() => postPush(relay.url, xml, q)))
    expect(first.map((a) => a.status)).toEqual([200, 200, 200])
    expect((await postPush(relay.url, xml, signedQuery(TOKEN))).status).toBe(200)
    // A later scan by bob is returning; a new visitor takes the next number.
    await postPush(relay.url, scanXml('bob', 'k1:n2', 1_700_000_100))
    await postPush(relay.url, scanXml('carol', 'k1:n3', 1_700_000_200))
    const k = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
    cleanups.push(() => k.close())
    await k.waitForScans(3)
    expect(k.scans.map((s) => [s.openid, s.number, s.firstInCampaign])).toEqual([
      ['bob', 1, true],
      ['bob', 1, false],
      ['carol', 2, true],
    ])
  })
})
