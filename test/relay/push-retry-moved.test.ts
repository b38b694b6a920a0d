// WeChat retries a push (up to 3 times within about 15 s). When the organizer moves the booth to
// another campaign between the first delivery and the retry, the retry is the same push: it is
// answered, stamped and counted in the campaign its stored row is in (the one the visitor
// scanned in), never in the booth's new one. SQLite, one Redis, and a Redis Cluster; on Redis the
// first retry after the move takes the store's slow path (the booth's campaign is no longer
// cached), the second its one-step path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { consoleStatsSchema } from '../../shared/console-api'
import { parseTextReply } from '../../shared/wechat/reply'
import type { RelayHandle } from '../../relay/server'
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster'
import { assign, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import { newPlace, type ConsoleClient, type Place } from './console-helpers'
import { postPush, scanXml } from './harness'

const { cleanups, placeFor, relayOn } = relayTestBed()

function replyText(a: { status: number; body: string }): string {
  expect(a.status, a.body).toBe(200)
  return a.body === 'success' ? '' : parseTextReply(a.body).content
}

async function visitors(c: ConsoleClient, campaignId: string): Promise<number> {
  const a = await c.call('GET', `/console/api/stats?campaign=${campaignId}`)
  expect(a.status, a.text).toBe(200)
  return consoleStatsSchema.parse(a.json).visitors
}

/** Booths ka and kb; campaign "plain" (no rally) and "rally" (ka and kb). */
async function twoCampaigns(relay: RelayHandle) {
  for (const id of ['ka', 'kb']) await relay.addKiosk(id)
  const c = await signIn(relay)
  const plain = await createCampaign(c, {
    name: 'Plain',
    reply: { subscribe: '关注甲', scan: '甲展欢迎' },
  })
  const rally = await createCampaign(c, {
    name: 'Rally',
    reply: { subscribe: '关注乙', scan: '乙展欢迎' },
    stamps: ['ka', 'kb'],
  })
  return { c, plain: plain.id, rally: rally.id }
}

async function retryAfterMove(place: Place): Promise<void> {
  const relay = await relayOn(place)
  const { c, plain, rally } = await twoCampaigns(relay)

  // 1. Scanned at ka under the plain campaign; ka then joins the rally; WeChat retries.
  await assign(c, 'ka', plain)
  await assign(c, 'kb', rally)
  const first = scanXml('alice', 'ka:s1', 1_700_000_001)
  expect(replyText(await postPush(relay.url, first))).toBe('甲展欢迎')
  await assign(c, 'ka', rally)
  for (let i = 0; i < 2; i++) {
    expect(replyText(await postPush(relay.url, first)), `retry ${i}`).toBe('甲展欢迎')
  }
  // The retries stamped nothing in the rally and took no number there: alice's first scan in
  // it (at kb) is her first stamp, and she is its one visitor from then on.
  expect(await visitors(c, rally)).toBe(0)
  expect(replyText(await postPush(relay.url, scanXml('alice', 'kb:s2', 1_700_000_002)))).toBe(
    '乙展欢迎\n已集 1/2 章，还差：ka',
  )
  expect(await relay.store.stamps.completedCount([rally])).toBe(0)
  expect(await visitors(c, rally)).toBe(1)
  expect(await visitors(c, plain)).toBe(1)

  // 2. The other way: scanned at kb in the rally, kb then moves to the plain campaign. The
  // retry is told the rally's progress, as the first delivery was.
  const bob = scanXml('bob', 'kb:s3', 1_700_000_003)
  expect(replyText(await postPush(relay.url, bob))).toBe('乙展欢迎\n已集 1/2 章，还差：ka')
  await assign(c, 'kb', plain)
  for (let i = 0; i < 2; i++) {
    expect(replyText(await postPush(relay.url, bob)), `retry ${i}`).toBe(
      '乙展欢迎\n已集 1/2 章，还差：ka',
    )
  }
  expect(await visitors(c, plain)).toBe(1)
}

describe.each(['sqlite', 'redis'] as const)('a retry after the booth moved (%s)', (backend) => {
  it('is answered, stamped and counted in the campaign it was stored in', async () => {
    await retryAfterMove(placeFor(backend))
  }, 30_000)
})

describe('a retry after the booth moved (Redis Cluster)', () => {
  let cluster: TestRedisCluster
  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 })
  }, 60_000)
  afterAll(() => cluster?.stop())

  it('is answered, stamped and counted in the campaign it was stored in', async () => {
    const place = newPlace('redis', cluster.url)
    cleanups.push(() => place.remove())
    await retryAfterMove(place)
  }, 60_000)
})
