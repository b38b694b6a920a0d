// The relay names the campaign it counted each numbered scan in, in a `scan-campaign` frame
// right before the scan (same seq), live and on replay, on either store: a booth moved while
// its link was down learns, for every scan kept meanwhile, the campaign of its number. A booth
// in no campaign (a contract v1 setup) gets plain scan frames only, as before. SQLite, Redis and
// a Redis Cluster (where the number and the append are separate steps).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RelayFrame } from '../../shared/relay-protocol'
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster'
import { newPlace, type Place } from './console-helpers'
import { assign, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import { KioskClient, postPush, scanXml, type Backend } from './harness'

const { cleanups, placeFor, relayOn } = relayTestBed()

/** The frames after the welcome, scans as [seq, openid, number], their campaigns as [seq, id]. */
function shape(frames: RelayFrame[]): Array<[string, number, string | number | undefined]> {
  return frames.flatMap((f): Array<[string, number, string | number | undefined]> => {
    if (f.type === 'scan-campaign') return [['in', f.seq, f.campaignId]]
    if (f.type === 'scan') return [[f.openid, f.seq, f.number]]
    return []
  })
}

/**
 * k1 in campaign A hears o_1's scan live; offline it is moved to B and o_2 and o_1 scan; back, it
 * hears all three again from the start. k2, in no campaign, hears o_3's scan.
 */
async function movedWhileOffline(place: Place): Promise<void> {
  const relay = await relayOn(place)
  const token = await relay.addKiosk('k1')
  const plainToken = await relay.addKiosk('k2')
  const c = await signIn(relay)
  const a = await createCampaign(c, { name: 'A' })
  const b = await createCampaign(c, { name: 'B' })
  await assign(c, 'k1', a.id)

  const live = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
  cleanups.push(() => live.close())
  expect((await postPush(relay.url, scanXml('o_1', 'k1:n1', 1_700_000_001))).status).toBe(200)
  await live.waitForScans(1)
  expect(shape(live.frames)).toEqual([
    ['in', 1, a.id],
    ['o_1', 1, 1],
  ])
  await live.close()

  // Offline: the booth is moved to B; the scans kept meanwhile count (and are numbered) there.
  await assign(c, 'k1', b.id)
  expect((await postPush(relay.url, scanXml('o_2', 'k1:n1', 1_700_000_002))).status).toBe(200)
  expect((await postPush(relay.url, scanXml('o_1', 'k1:n1', 1_700_000_003))).status).toBe(200)
  const back = await KioskClient.hello(relay.url, token, { kioskId: 'k1', lastSeq: 0 })
  cleanups.push(() => back.close())
  await back.waitForScans(3)
  expect(shape(back.frames)).toEqual([
    ['in', 1, a.id],
    ['o_1', 1, 1],
    ['in', 2, b.id],
    ['o_2', 2, 1],
    ['in', 3, b.id],
    ['o_1', 3, 2],
  ])

  // A booth in no campaign: no numbers, no scan-campaign frames.
  expect((await postPush(relay.url, scanXml('o_3', 'k2:n1', 1_700_000_004))).status).toBe(200)
  const plain = await KioskClient.hello(relay.url, plainToken, { kioskId: 'k2' })
  cleanups.push(() => plain.close())
  await plain.waitForScans(1)
  expect(shape(plain.frames)).toEqual([['o_3', 1, undefined]])
  expect(plain.frames.map((f) => f.type)).toEqual(['welcome', 'scan'])
}

describe.each<Backend>(['sqlite', 'redis'])('scan-campaign frames (%s)', (backend) => {
  it('each numbered scan comes right after the campaign it counted in, live and replayed across a move', async () => {
    await movedWhileOffline(placeFor(backend))
  })
})

describe('scan-campaign frames on a Redis Cluster', () => {
  let cluster: TestRedisCluster
  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 })
  }, 60_000)
  afterAll(() => cluster?.stop())

  it('the same, with the campaign and the kiosk in different slots', async () => {
    const place = newPlace('redis', cluster.url)
    cleanups.push(() => place.remove())
    await movedWhileOffline(place)
  }, 60_000)
})
