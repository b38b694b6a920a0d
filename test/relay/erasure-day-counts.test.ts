// A campaign's visitors by day agree with its visitor count after an erasure (SQLite, where the
// erased visitor's rows keep their scans under a pseudonym): the erased visitor is no longer
// one of the campaign's visitors on any day, as they are no longer in its total; their scans
// still count. Found by test/reliability/console-model.test.ts.
import { describe, expect, it } from 'vitest'
import { consoleStatsDaysSchema, consoleStatsSchema } from '../../shared/console-api'
import type { ConsoleClient } from './console-helpers'
import { assign, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import { postPush, scanXml } from './harness'

const bed = relayTestBed()

async function counts(c: ConsoleClient, campaignId: string) {
  const s = await c.call('GET', `/console/api/stats?campaign=${campaignId}`)
  expect(s.status, s.text).toBe(200)
  const d = await c.call('GET', `/console/api/stats/days?campaign=${campaignId}`)
  expect(d.status, d.text).toBe(200)
  const stats = consoleStatsSchema.parse(s.json)
  const days = consoleStatsDaysSchema.parse(d.json).days
  return {
    scans: stats.scans,
    visitors: stats.visitors,
    dayScans: days.reduce((n, x) => n + x.scans, 0),
    dayVisitors: days.reduce((n, x) => n + x.visitors, 0),
  }
}

describe('visitors by day after an erasure (sqlite)', () => {
  it("drop by the erased visitor as the campaign's count does; their scans stay", async () => {
    const relay = await bed.relayOn(bed.placeFor('sqlite'))
    await relay.addKiosk('k1')
    const c = await signIn(relay)
    const made = await createCampaign(c, { startsAt: null, endsAt: null })
    await assign(c, 'k1', made.id)
    let t = 1_765_000_000
    for (const openid of ['o-ann', 'o-ann', 'o-bob']) {
      expect((await postPush(relay.url, scanXml(openid, 'k1:s', t++))).status).toBe(200)
    }
    expect(await counts(c, made.id)).toEqual({ scans: 3, visitors: 2, dayScans: 3, dayVisitors: 2 })

    const erased = await c.call('POST', `/console/api/campaigns/${made.id}/erasures`, {
      openid: 'o-ann',
    })
    expect(erased.status, erased.text).toBe(200)
    expect(await counts(c, made.id)).toEqual({ scans: 3, visitors: 1, dayScans: 3, dayVisitors: 1 })

    // Back again: a new visitor of the campaign, on the day as in the total.
    expect((await postPush(relay.url, scanXml('o-ann', 'k1:s', t))).status).toBe(200)
    expect(await counts(c, made.id)).toEqual({ scans: 4, visitors: 2, dayScans: 4, dayVisitors: 2 })
  })
})
