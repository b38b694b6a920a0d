// One NameBook per campaign for the whole relay: a campaign shown on a big screen and in the
// console's attendance list is read once (one roster load, counted on the relay's own store),
// both name the same visitor from it, and a new roster reaches both with one load more.
import { describe, expect, it, vi } from 'vitest'
import { consoleAttendancePageSchema } from '../../shared/console-api'
import { wallSnapshotSchema } from '../../shared/screen-api'
import type { RelayHandle } from '../../relay/server'
import { relayTestBed } from './campaign-helpers'
import { EventReader, scan, screenPath, screenSetup } from './screen-helpers'

const { cleanups, placeFor, relayOn } = relayTestBed()

function entry(id: string, name: string) {
  return { id, name, company: '', phone: '', code: '' }
}

async function wallNames(relay: RelayHandle, id: string, key: string): Promise<(string | null)[]> {
  const res = await fetch(`${relay.url}${screenPath('wall', id, key)}`)
  return wallSnapshotSchema.parse(await res.json()).recent.map((r) => r.name)
}

describe('one NameBook for the screens and the console list', () => {
  it('sqlite: a campaign on a screen and in the list is read once, and a new roster once more', async () => {
    const relay = await relayOn(placeFor('sqlite'))
    const { console: c, campaign } = await screenSetup(relay)
    await relay.store.campaigns.replaceRoster(campaign.id, [entry('r1', '王小明')])
    await relay.store.campaigns.putBinding(campaign.id, {
      registrationId: 'r1',
      openid: 'oShared-a',
      at: Date.now(),
    })
    await scan(relay.url, 'oShared-a')
    const loads: string[] = []
    const readRoster = relay.store.campaigns.readRoster.bind(relay.store.campaigns)
    vi.spyOn(relay.store.campaigns, 'readRoster').mockImplementation((id, offset, limit) => {
      loads.push(id)
      return readRoster(id, offset, limit)
    })
    const stream = await EventReader.open(
      `${relay.url}${screenPath('events', campaign.id, campaign.screenKey)}`,
    )
    cleanups.push(() => stream.close())
    const list = async (q = '') => {
      const path = `/console/api/attendance?format=json&campaign=${campaign.id}&q=${encodeURIComponent(q)}`
      const a = await c.call('GET', path)
      expect(a.status, a.text).toBe(200)
      return consoleAttendancePageSchema.parse(a.json).rows.map((r) => r.name)
    }

    expect(await wallNames(relay, campaign.id, campaign.screenKey)).toEqual(['王小明'])
    expect(await list()).toEqual(['王小明'])
    expect(await list('小明')).toEqual(['王小明'])
    expect(loads).toEqual([campaign.id])

    // A new roster: both name the visitor from it, after one load more.
    await relay.store.campaigns.replaceRoster(campaign.id, [entry('r1', '王大明')])
    expect(await list()).toEqual(['王大明'])
    await new Promise((r) => setTimeout(r, 600)) // past the snapshot's reuse window
    expect(await wallNames(relay, campaign.id, campaign.screenKey)).toEqual(['王大明'])
    expect(loads).toEqual([campaign.id, campaign.id])
  })
})
