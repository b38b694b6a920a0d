// Redis writes whose cross-instance announcement (PUBLISH) fails after the data was stored: the
// organizer is answered success (a 500 would have them retry a write that happened: a second
// kiosk add is 409), this instance's listeners hear the change at once, and another instance on
// the same Redis hears it once the announcement gets through again.
import { describe, expect, it, vi } from 'vitest'
import {
  campaignBody,
  createCampaign,
  guestRosterCsv,
  relayTestBed,
  signIn,
  until,
} from './campaign-helpers'
import type { ConsoleClient } from './console-helpers'
import type { RelayHandle } from '../../relay/server'
import type { StoreChange } from '../../relay/store/types'

const bed = relayTestBed()

interface Bench {
  a: RelayHandle
  c: ConsoleClient
  /** What each instance's store told its listeners. */
  heard: { a: StoreChange[]; b: StoreChange[] }
  /** Fails every PUBLISH on instance a (after each write was stored) until `restore`. */
  failAnnouncements: () => { restore: () => void }
}

async function twoInstances(): Promise<Bench> {
  const place = bed.placeFor('redis')
  const a = await bed.relayOn(place)
  const b = await bed.relayOn(place)
  const c = await signIn(a)
  const heard: Bench['heard'] = { a: [], b: [] }
  bed.cleanups.push(a.store.subscribe((ch) => heard.a.push(ch)))
  bed.cleanups.push(b.store.subscribe((ch) => heard.b.push(ch)))
  const failAnnouncements = (): { restore: () => void } => {
    const spy = vi.spyOn(a.store, 'announce').mockRejectedValue(new Error('publish lost'))
    bed.cleanups.push(() => spy.mockRestore())
    return { restore: () => spy.mockRestore() }
  }
  return { a, c, heard, failAnnouncements }
}

const has = (list: StoreChange[], want: Partial<StoreChange>): boolean =>
  list.some((ch) =>
    Object.entries(want).every(([k, v]) => (ch as Record<string, unknown>)[k] === v),
  )

/** Both instances hear `want`: a at once (checked now), b once publishing works again. */
async function heardOnBoth(
  bench: Bench,
  outage: { restore: () => void },
  want: Partial<StoreChange>,
): Promise<void> {
  expect(has(bench.heard.a, want), JSON.stringify(bench.heard.a)).toBe(true)
  outage.restore()
  await until(() => has(bench.heard.b, want), `instance b to hear ${JSON.stringify(want)}`, 15_000)
}

describe('a Redis write whose announcement fails after storing', () => {
  it('creating and editing a campaign answer success and are heard', async () => {
    const bench = await twoInstances()
    const outage = bench.failAnnouncements()
    const made = await bench.c.call('POST', '/console/api/campaigns', campaignBody())
    expect(made.status, made.text).toBe(201)
    const id = (made.json as { id: string }).id
    await heardOnBoth(bench, outage, { type: 'campaign', campaignId: id })

    const again = bench.failAnnouncements()
    const edited = await bench.c.call(
      'PUT',
      `/console/api/campaigns/${id}`,
      campaignBody({ name: '秋季展' }),
    )
    expect(edited.status, edited.text).toBe(200)
    bench.heard.b.length = 0
    await heardOnBoth(bench, again, { type: 'campaign', campaignId: id })
  })

  it('a roster upload answers 200 and is heard', async () => {
    const bench = await twoInstances()
    const made = await createCampaign(bench.c)
    const outage = bench.failAnnouncements()
    const res = await fetch(`${bench.a.url}/console/api/campaigns/${made.id}/roster`, {
      method: 'POST',
      headers: { origin: bench.a.url, cookie: bench.c.cookie ?? '', 'content-type': 'text/csv' },
      body: guestRosterCsv(3),
    })
    expect(res.status, await res.text()).toBe(200)
    expect((await bench.a.store.campaigns.readRoster(made.id, 0, 0)).total).toBe(3)
    await heardOnBoth(bench, outage, { type: 'roster', campaignId: made.id })
  })

  it('a binding is stored, reported new and heard', async () => {
    const bench = await twoInstances()
    const made = await createCampaign(bench.c)
    const outage = bench.failAnnouncements()
    const b = { registrationId: 'r1', openid: 'o1', at: 1000 }
    expect(await bench.a.store.campaigns.putBinding(made.id, b)).toBe(true)
    await heardOnBoth(bench, outage, { type: 'binding', campaignId: made.id, openid: 'o1' })
  })

  it('adding and removing a kiosk answer success and are heard', async () => {
    const bench = await twoInstances()
    const outage = bench.failAnnouncements()
    const added = await bench.c.call('POST', '/console/api/kiosks', { id: 'k9' })
    expect(added.status, added.text).toBe(201)
    await heardOnBoth(bench, outage, { type: 'kiosk', kioskId: 'k9' })

    const again = bench.failAnnouncements()
    bench.heard.a.length = 0
    bench.heard.b.length = 0
    const removed = await bench.c.call('DELETE', '/console/api/kiosks/k9')
    expect(removed.status, removed.text).toBe(204)
    expect((await bench.a.store.getKiosk('k9'))?.revokedAt).toBeTypeOf('number')
    await heardOnBoth(bench, again, { type: 'kiosk', kioskId: 'k9' })
  })
})
