// A campaign's visitors by day agree with its visitor count after an erasure (SQLite, where the
// erased visitor's rows keep their scans under a pseudonym): the erased visitor is no longer
// one of the campaign's visitors on any day, as they are no longer in its total; their scans
// still count. Found by test/reliability/console-model.test.ts.
import { describe, expect, it } from 'vitest'
import { consoleStatsDaysSchema, consoleStatsSchema } from '../../shared/console-api'
import type { ConsoleClient } from './console-helpers'
import { assign, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import { postPush, scanXml, type Backend } from './harness'

const bed = relayTestBed()

/** The stats and the stats by day of one scope (`query`: '' every campaign, or `?campaign=`). */
async function statsAndDays(c: ConsoleClient, query: string) {
  const s = await c.call('GET', `/console/api/stats${query}`)
  expect(s.status, s.text).toBe(200)
  const d = await c.call('GET', `/console/api/stats/days${query}`)
  expect(d.status, d.text).toBe(200)
  return {
    stats: consoleStatsSchema.parse(s.json),
    days: consoleStatsDaysSchema.parse(d.json).days,
  }
}

async function counts(c: ConsoleClient, campaignId: string) {
  const { stats, days } = await statsAndDays(c, `?campaign=${campaignId}`)
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

async function allCounts(c: ConsoleClient) {
  const { stats, days } = await statsAndDays(c, '')
  return {
    scans: stats.scans,
    visitors: stats.visitors,
    returning: stats.returning,
    dayVisitors: days.reduce((n, x) => n + x.visitors, 0),
  }
}

// Every campaign's figures follow the campaign's rule: the rows of a visitor erased from a
// campaign count as scans only, so the same person stays a visitor through their rows in other
// campaigns (returning only with two there), and the pseudonym is no visitor of its own.
describe.each<Backend>(['sqlite', 'redis'])('every campaign after an erasure (%s)', (backend) => {
  it('counts the visitor by the scans not erased, in the stats and the days alike', async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    await relay.addKiosk('k1')
    await relay.addKiosk('k2')
    const c = await signIn(relay)
    const a = await createCampaign(c, { name: 'A', startsAt: null, endsAt: null })
    const b = await createCampaign(c, { name: 'B', startsAt: null, endsAt: null })
    await assign(c, 'k1', a.id)
    await assign(c, 'k2', b.id)
    let t = 1_765_000_000
    const scan = async (openid: string, kiosk: string) =>
      expect((await postPush(relay.url, scanXml(openid, `${kiosk}:s`, t++))).status).toBe(200)
    await scan('o3', 'k2')
    await scan('o3', 'k1')
    expect(await allCounts(c)).toEqual({ scans: 2, visitors: 1, returning: 1, dayVisitors: 1 })

    const erase = async (campaignId: string) => {
      const r = await c.call('POST', `/console/api/campaigns/${campaignId}/erasures`, {
        openid: 'o3',
      })
      expect(r.status, r.text).toBe(200)
    }
    // Left with one scan (in B): one visitor, no longer returning, and the day says so too.
    await erase(a.id)
    expect(await allCounts(c)).toEqual({ scans: 2, visitors: 1, returning: 0, dayVisitors: 1 })

    // Back in B: returning once, not twice.
    await scan('o3', 'k2')
    expect(await allCounts(c)).toEqual({ scans: 3, visitors: 1, returning: 1, dayVisitors: 1 })
    expect(await counts(c, b.id)).toEqual({ scans: 2, visitors: 1, dayScans: 2, dayVisitors: 1 })

    // Erased from B as well: no visitor is left, every scan is.
    await erase(b.id)
    expect(await allCounts(c)).toEqual({ scans: 3, visitors: 0, returning: 0, dayVisitors: 0 })
  })
})
