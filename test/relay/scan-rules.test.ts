// Which scans count (docs/DESIGN.md "Which scans count"), with both opt-in rules on (config
// oneVisitorPerCode, stopAfterEndsAt), and with them off as by default. A visitor photographs the booth's
// per-visitor code and posts it in a group chat: once the booth has acknowledged the visitor's
// scan (and so put a new code on its screen), whoever scans the photo is not counted (no
// check-in, number, stamp or draw entry, no greeting at the booth) and is told to scan at the
// booth, while the visitor who scanned it first may rescan it as before, a second visitor at the
// booth before it heard of the first still counts (also when WeChat pushes both minutes late),
// and the permanent fallback code stays anyone's. A scan after the campaign's last day (endsAt) does not
// count either, nor gets the campaign's reply. SQLite, one Redis (its one-script push path once
// the booth's campaign is cached), and a Redis Cluster (one script per slot).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { consoleStatsSchema } from '../../shared/console-api'
import { parseTextReply } from '../../shared/wechat/reply'
import type { RelayHandle } from '../../relay/server'
import { DEFAULT_ENDED_REPLY, DEFAULT_TAKEN_REPLY } from '../../relay/scan-rules'
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster'
import { assign, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import { newPlace, type ConsoleClient, type Place } from './console-helpers'
import { TOKEN, eventXml, postPush as postPushNow, scanXml, signedQuery } from './harness'

const { cleanups, placeFor, relayOn } = relayTestBed()

/** Both rules are opt-in (config oneVisitorPerCode, stopAfterEndsAt): on for these tests. */
const RULES_ON = { oneVisitorPerCode: true, stopAfterEndsAt: true } as const

/** 2023-11-14, midday UTC: the same day in every time zone the relay may run in. */
const NOV_14 = Date.UTC(2023, 10, 14, 12) / 1000

/**
 * The relays here run on a clock at NOV_14 (plus `relayAt`'s start), as WeChat's CreateTimes
 * are: the rule reads a claim's receipt beside a later scan's CreateTime.
 */
let relayShiftMs = 0
const relayNow = (): number => Date.now() + relayShiftMs

/** A relay whose clock reads `at` (Unix seconds) now, and moves on from there. */
function relayAt(place: Place, config: Parameters<typeof relayOn>[1] = {}, at = NOV_14) {
  relayShiftMs = at * 1000 - Date.now()
  return relayOn(place, config, { now: relayNow })
}

/** A push signed by WeChat now, on the relay's clock (a timestamp years off is stale). */
function postPush(url: string, xml: string) {
  return postPushNow(url, xml, signedQuery(TOKEN, relayNow()))
}

function replyText(a: { status: number; body: string }): string {
  expect(a.status, a.body).toBe(200)
  return a.body === 'success' ? '' : parseTextReply(a.body).content
}

async function stats(c: ConsoleClient, campaignId: string) {
  const a = await c.call('GET', `/console/api/stats?campaign=${campaignId}`)
  expect(a.status, a.text).toBe(200)
  return consoleStatsSchema.parse(a.json)
}

/** The booth acknowledges every scan stored for it so far (it has them, codes rotated). */
async function ackAll(relay: RelayHandle, kioskId: string): Promise<void> {
  const q = await relay.store.queueState(kioskId)
  await relay.store.ack(kioskId, q?.headSeq ?? 0, relayNow())
}

/** What booth `kioskId` is (or will be) sent: the openids and scenes in its queue. */
async function queued(relay: RelayHandle, kioskId: string): Promise<string[]> {
  return (await relay.store.readEvents(kioskId, 0, 100)).map((e) => `${e.openid} ${e.scene}`)
}

async function photographedCode(place: Place): Promise<void> {
  const relay = await relayAt(place, RULES_ON)
  for (const id of ['ka', 'kb']) await relay.addKiosk(id)
  const c = await signIn(relay)
  const rally = await createCampaign(c, {
    reply: { subscribe: '关注甲', scan: '甲展欢迎' },
    stamps: ['ka', 'kb'],
    startsAt: null,
    endsAt: '2023-11-20',
  })
  await assign(c, 'ka', rally.id)
  await assign(c, 'kb', rally.id)

  // alice scans ka's code and ka acknowledges it; bob (following) and carol (not yet) then scan
  // a photo of it, each pushed twice (WeChat's retry): told to scan at the booth, nothing
  // counted, ka not told.
  expect(replyText(await postPush(relay.url, scanXml('alice', 'ka:n1', NOV_14)))).toBe(
    '甲展欢迎\n已集 1/2 章，还差：kb',
  )
  await ackAll(relay, 'ka')
  const bob = scanXml('bob', 'ka:n1', NOV_14 + 60)
  const carol = eventXml({
    openid: 'carol',
    createTime: NOV_14 + 61,
    event: 'subscribe',
    eventKey: 'qrscene_ka:n1',
    ticket: 'tk-ka:n1',
  })
  for (const push of [bob, bob, carol, carol]) {
    expect(replyText(await postPush(relay.url, push))).toBe(DEFAULT_TAKEN_REPLY)
  }
  expect(await relay.store.countUnrouted()).toBe(2)
  expect(await queued(relay, 'ka')).toEqual(['alice ka:n1'])
  expect(await stats(c, rally.id)).toMatchObject({ scans: 1, visitors: 1, newFollowers: 0 })

  // alice rescans her code: counted as before (a repeat scan, the same number and stamp).
  expect(replyText(await postPush(relay.url, scanXml('alice', 'ka:n1', NOV_14 + 3)))).toBe(
    '甲展欢迎\n已集 1/2 章，还差：kb',
  )
  // bob's own code at kb is his: his first stamp (the photo at ka gave him none).
  expect(replyText(await postPush(relay.url, scanXml('bob', 'kb:n2', NOV_14 + 4)))).toBe(
    '甲展欢迎\n已集 1/2 章，还差：ka',
  )
  // The fallback code is anyone's, as often as they like.
  for (const [openid, t] of [
    ['bob', 5],
    ['carol', 6],
    ['carol', 7],
  ] as const) {
    expect(
      replyText(await postPush(relay.url, scanXml(openid, 'ka:fallback', NOV_14 + t))),
    ).toMatch(/^甲展欢迎\n/)
  }
  expect(await queued(relay, 'ka')).toEqual([
    'alice ka:n1',
    'alice ka:n1',
    'bob ka:fallback',
    'carol ka:fallback',
    'carol ka:fallback',
  ])
  expect(await stats(c, rally.id)).toMatchObject({ scans: 6, visitors: 3 })
  expect(await relay.store.stamps.completedCount([rally.id])).toBe(1)

  // After the campaign's last day: not counted, not sent to the booth, and not its reply.
  const late = NOV_14 + 7 * 86_400
  for (const push of [scanXml('dave', 'kb:n3', late), scanXml('alice', 'kb:fallback', late)]) {
    for (let i = 0; i < 2; i++) {
      expect(replyText(await postPush(relay.url, push))).toBe(DEFAULT_ENDED_REPLY)
    }
  }
  expect(await queued(relay, 'kb')).toEqual(['bob kb:n2'])
  expect(await stats(c, rally.id)).toMatchObject({ scans: 6, visitors: 3 })
  expect(await relay.store.stamps.completedCount([rally.id])).toBe(1)
  expect(await relay.store.countUnrouted()).toBe(4)
}

/**
 * WeChat's backlog after its own incident: alice's scan of ka's code reaches the relay five
 * minutes late, and so does ben's, made 20 s after hers at the same screen (ka never heard of
 * alice's scan, so her code stayed up). Both count, though ka acknowledged alice's before ben's
 * arrived: the booth cannot have replaced a code before the relay had its first push. A scan
 * made after that (cat) is of a code no longer on the screen: a photo.
 */
async function lateBacklog(place: Place): Promise<void> {
  const relay = await relayAt(place, RULES_ON, NOV_14 + 300)
  await relay.addKiosk('ka')
  const c = await signIn(relay)
  const made = await createCampaign(c, { startsAt: null, endsAt: null })
  await assign(c, 'ka', made.id)
  expect(replyText(await postPush(relay.url, scanXml('alice', 'ka:n1', NOV_14)))).toBe('欢迎光临')
  await ackAll(relay, 'ka')
  expect(replyText(await postPush(relay.url, scanXml('ben', 'ka:n1', NOV_14 + 20)))).toBe(
    '欢迎光临',
  )
  const cat = scanXml('cat', 'ka:n1', Math.floor(relayNow() / 1000) + 20)
  expect(replyText(await postPush(relay.url, cat))).toBe(DEFAULT_TAKEN_REPLY)
  expect(await queued(relay, 'ka')).toEqual(['alice ka:n1', 'ben ka:n1'])
  expect(await stats(c, made.id)).toMatchObject({ scans: 2, visitors: 2 })
}

/**
 * With both rules off (the default): what the published contract has, and outside programs
 * rely on (a test campaign with fixed dates scanned today, one code scanned by many openids).
 */
async function everyScanCounts(place: Place): Promise<void> {
  const relay = await relayAt(place)
  await relay.addKiosk('ka')
  const c = await signIn(relay)
  const made = await createCampaign(c, { startsAt: null, endsAt: '2023-11-14' })
  await assign(c, 'ka', made.id)
  expect(replyText(await postPush(relay.url, scanXml('alice', 'ka:n1', NOV_14)))).toBe('欢迎光临')
  await ackAll(relay, 'ka')
  // bob a minute after alice, acknowledged (a photo with the rule on), then a scan days after
  // endsAt: both counted, the campaign's reply, sent to the booth, nothing kept aside.
  expect(replyText(await postPush(relay.url, scanXml('bob', 'ka:n1', NOV_14 + 60)))).toBe(
    '欢迎光临',
  )
  expect(replyText(await postPush(relay.url, scanXml('carol', 'ka:n2', NOV_14 + 7 * 86_400)))).toBe(
    '欢迎光临',
  )
  expect(await queued(relay, 'ka')).toEqual(['alice ka:n1', 'bob ka:n1', 'carol ka:n2'])
  expect(await relay.store.countUnrouted()).toBe(0)
  expect(await stats(c, made.id)).toMatchObject({ scans: 3, visitors: 3 })
}

/**
 * The organizer ends the campaign early (its last day moved to the day before) a second after a
 * scan was counted, and WeChat retries that scan (the relay's answer came too late for it): the
 * retry is the same push, counted before the end moved, so it is answered as the first delivery
 * was and kept nowhere else (no `campaign-ended` row beside its attendance row). The same when
 * the booth is moved to a campaign that has ended. A scan made after the edit does not count.
 */
async function retryAfterEnded(place: Place): Promise<void> {
  const relay = await relayAt(place, RULES_ON)
  for (const id of ['ka', 'kb']) await relay.addKiosk(id)
  const c = await signIn(relay)
  const made = await createCampaign(c, { startsAt: null, endsAt: '2023-11-20' })
  const over = await createCampaign(c, {
    startsAt: null,
    endsAt: '2023-11-01',
    reply: { subscribe: '关注乙', scan: '乙展欢迎' },
  })
  await assign(c, 'ka', made.id)
  await assign(c, 'kb', made.id)
  const alice = scanXml('alice', 'ka:n1', NOV_14)
  const bob = scanXml('bob', 'kb:n2', NOV_14 + 1)
  expect(replyText(await postPush(relay.url, alice))).toBe('欢迎光临')
  expect(replyText(await postPush(relay.url, bob))).toBe('欢迎光临')

  const got = await c.call('GET', `/console/api/campaigns/${made.id}`)
  const ended = await c.call('PUT', `/console/api/campaigns/${made.id}`, {
    ...(got.json as object),
    endsAt: '2023-11-13',
  })
  expect(ended.status, ended.text).toBe(200)
  await assign(c, 'kb', over.id)
  // Twice each: on one Redis the second takes the one-step path (the campaign cached again).
  for (let i = 0; i < 2; i++) {
    expect(replyText(await postPush(relay.url, alice)), `alice retry ${i}`).toBe('欢迎光临')
    expect(replyText(await postPush(relay.url, bob)), `bob retry ${i}`).toBe('欢迎光临')
  }
  expect(await relay.store.countUnrouted()).toBe(0)
  expect(await queued(relay, 'ka')).toEqual(['alice ka:n1'])
  expect(await queued(relay, 'kb')).toEqual(['bob kb:n2'])
  expect(await stats(c, made.id)).toMatchObject({ scans: 2, visitors: 2 })

  // carol scans after the edit: the campaign has ended for her.
  const carol = scanXml('carol', 'ka:n3', NOV_14 + 2)
  for (let i = 0; i < 2; i++) {
    expect(replyText(await postPush(relay.url, carol))).toBe(DEFAULT_ENDED_REPLY)
  }
  expect(await relay.store.countUnrouted()).toBe(1)
  expect(await queued(relay, 'ka')).toEqual(['alice ka:n1'])
  expect(await stats(c, made.id)).toMatchObject({ scans: 2, visitors: 2 })
}

describe.each(['sqlite', 'redis'] as const)('which scans count (%s)', (backend) => {
  it('a photo of a claimed code and a scan after endsAt do not count', async () => {
    await photographedCode(placeFor(backend))
  }, 30_000)

  it('with the rules off (the default) both count as before', async () => {
    await everyScanCounts(placeFor(backend))
  }, 30_000)

  it('a backlog WeChat pushed late: scans made before the relay had the first one count', async () => {
    await lateBacklog(placeFor(backend))
  }, 30_000)

  it('answers with the texts the config gives', async () => {
    const relay = await relayAt(placeFor(backend), {
      ...RULES_ON,
      reply: { taken: '请到展位扫码', ended: '' },
    })
    await relay.addKiosk('ka')
    const c = await signIn(relay)
    const made = await createCampaign(c, { startsAt: null, endsAt: '2023-11-14' })
    await assign(c, 'ka', made.id)
    expect(replyText(await postPush(relay.url, scanXml('alice', 'ka:n1', NOV_14)))).toBe('欢迎光临')
    // bob at the booth before it heard of alice's scan: her code is still on its screen.
    expect(replyText(await postPush(relay.url, scanXml('bob', 'ka:n1', NOV_14 + 1)))).toBe(
      '欢迎光临',
    )
    await ackAll(relay, 'ka')
    // dave, acknowledged yet seconds after alice (WeChat's CreateTime): at the booth with her.
    expect(replyText(await postPush(relay.url, scanXml('dave', 'ka:n1', NOV_14 + 10)))).toBe(
      '欢迎光临',
    )
    // carol, a minute later: a photo.
    expect(replyText(await postPush(relay.url, scanXml('carol', 'ka:n1', NOV_14 + 60)))).toBe(
      '请到展位扫码',
    )
    // The last day counts whole; an empty text answers `success` (no message).
    expect(replyText(await postPush(relay.url, scanXml('bob', 'ka:n2', NOV_14 + 86_400)))).toBe('')
    expect(await queued(relay, 'ka')).toEqual(['alice ka:n1', 'bob ka:n1', 'dave ka:n1'])
  }, 30_000)

  it("WeChat's retry of a scan counted before the campaign was ended early still counts", async () => {
    await retryAfterEnded(placeFor(backend))
  }, 30_000)
})

describe('which scans count (Redis Cluster)', () => {
  let cluster: TestRedisCluster
  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 })
  }, 60_000)
  afterAll(() => cluster?.stop())

  it('a photo of a claimed code and a scan after endsAt do not count', async () => {
    const place = newPlace('redis', cluster.url)
    cleanups.push(() => place.remove())
    await photographedCode(place)
  }, 60_000)

  it('with the rules off (the default) both count as before', async () => {
    const place = newPlace('redis', cluster.url)
    cleanups.push(() => place.remove())
    await everyScanCounts(place)
  }, 60_000)

  it('a backlog WeChat pushed late: scans made before the relay had the first one count', async () => {
    const place = newPlace('redis', cluster.url)
    cleanups.push(() => place.remove())
    await lateBacklog(place)
  }, 60_000)

  it("WeChat's retry of a scan counted before the campaign was ended early still counts", async () => {
    const place = newPlace('redis', cluster.url)
    cleanups.push(() => place.remove())
    await retryAfterEnded(place)
  }, 60_000)
})
