// The console learns from `GET /console/api/stats/days` (beside the relay's zone) whether the
// relay stops counting a campaign's scans after its endsAt day (config stopAfterEndsAt), so an
// ended campaign can say so; the campaign objects (console's and kiosks') gain no field.
import { describe, expect, it } from 'vitest'
import { consoleStatsDaysSchema } from '../../shared/console-api'
import { createCampaign, relayTestBed, signIn } from './campaign-helpers'

const bed = relayTestBed()

async function daysOn(config: { stopAfterEndsAt?: boolean }) {
  const relay = await bed.relayOn(bed.placeFor('sqlite'), config)
  const c = await signIn(relay)
  const made = await createCampaign(c)
  const all = await c.call('GET', '/console/api/stats/days')
  const one = await c.call('GET', `/console/api/stats/days?campaign=${made.id}`)
  const campaign = await c.call('GET', `/console/api/campaigns/${made.id}`)
  return { all, one, campaign }
}

describe('stats/days says whether scans after endsAt count', () => {
  it('says false on a relay with the option off (the default)', async () => {
    const { all, one, campaign } = await daysOn({})
    expect(all.status, all.text).toBe(200)
    expect(all.json).toMatchObject({ stopsAfterEndsAt: false, days: [] })
    expect(one.json).toMatchObject({ stopsAfterEndsAt: false })
    expect(Object.keys(campaign.json as object)).not.toContain('stopsAfterEndsAt')
  })

  it('says true on a relay with stopAfterEndsAt on, for every scope', async () => {
    const { all, one, campaign } = await daysOn({ stopAfterEndsAt: true })
    expect(consoleStatsDaysSchema.parse(all.json).stopsAfterEndsAt).toBe(true)
    expect(consoleStatsDaysSchema.parse(one.json).stopsAfterEndsAt).toBe(true)
    // The campaign object is the contract's: no relay setting in it.
    expect(Object.keys(campaign.json as object)).not.toContain('stopsAfterEndsAt')
  })
})
