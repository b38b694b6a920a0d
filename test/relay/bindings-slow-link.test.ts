// The desk bindings a kiosk is sent once its roster completes, on a slow booth link (20 KB/s,
// a deep buffer on the way: the relay's socket never fills). A visitor's scan pushed as they
// start arriving must not queue behind all of them (over 100 KiB, seconds of the link): it
// reaches the kiosk with at most a small batch of binding bytes before it. Then the link is
// freed and every binding arrives exactly once, in the store's order. Counted in bytes.
import { afterEach, describe, expect, it } from 'vitest'
import type { RelayHandle } from '../../relay/server'
import type { RelayFrame } from '../../shared/relay-protocol'
import { throttleProxy, type ThrottleProxy } from '../helpers/throttle-proxy'
import { assign, createCampaign, guestRosterCsv, signIn, until } from './campaign-helpers'
import { newPlace, startOn } from './console-helpers'
import { KioskClient, postPush, scanXml } from './harness'

const cleanups: Array<() => Promise<unknown> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const ROWS = 1000
/** The most binding bytes the kiosk may receive before the scan. */
const MOST_BINDING_BYTES_AHEAD = 24 * 1024

describe('desk bindings after a roster, on a slow link', () => {
  it('a scan overtakes them (a small batch ahead, not all of them); each then arrives once, in order', async () => {
    const place = newPlace('sqlite', null)
    cleanups.push(() => place.remove())
    const relay: RelayHandle = await startOn(place)
    cleanups.push(() => relay.close())
    const token = await relay.addKiosk('k1')
    const c = await signIn(relay)
    const made = await createCampaign(c)
    await assign(c, 'k1', made.id)
    const res = await fetch(`${relay.url}/console/api/campaigns/${made.id}/roster`, {
      method: 'POST',
      headers: { origin: relay.url, cookie: c.cookie ?? '', 'content-type': 'text/csv' },
      body: guestRosterCsv(ROWS),
    })
    expect(res.status).toBe(200)
    // Every visitor bound at some desk: the old burst is ROWS frames of ~150 bytes.
    const { campaigns } = relay.store
    const roster = await campaigns.readRoster(made.id, 0, ROWS)
    expect(roster.entries).toHaveLength(ROWS)
    for (const [i, e] of roster.entries.entries()) {
      const openid = `o_${String(i).padStart(26, 'x')}`
      await campaigns.putBinding(made.id, {
        registrationId: e.id,
        openid,
        at: 1_700_000_000_000 + i,
      })
    }
    const stored = (await campaigns.bindings(made.id)).map((b) => b.registrationId)
    expect(stored).toHaveLength(ROWS)

    const proxy: ThrottleProxy = await throttleProxy(relay.port, 20 * 1024)
    cleanups.push(() => proxy.close())
    const k = await KioskClient.connect(proxy.url, token)
    cleanups.push(() => k.ws.terminate())
    let held = 0
    let bindingBytes = 0
    const bindings: string[] = []
    let bindingBytesAtScan: number | null = null
    let pushed: Promise<{ status: number }> | null = null
    k.ws.on('message', (data: Buffer) => {
      const f = JSON.parse(data.toString('utf8')) as RelayFrame
      if (f.type === 'scan') bindingBytesAtScan ??= bindingBytes
      if (f.type === 'binding') {
        // The bindings have started: a visitor scans now.
        pushed ??= postPush(relay.url, scanXml('o_visitor', 'k1:n1'))
        bindingBytes += data.length
        bindings.push(f.registrationId)
      }
      if (f.type !== 'roster') return
      if (f.offset === held) held += f.entries.length
      k.send({
        type: 'roster-ack',
        campaignId: f.campaignId,
        rosterVersion: f.rosterVersion,
        offset: held,
      })
    })
    k.send({ type: 'hello', kioskId: 'k1' })
    await until(() => pushed !== null, 'the first binding', 60_000)
    expect((await (pushed as unknown as Promise<{ status: number }>)).status).toBe(200)
    await until(() => bindingBytesAtScan !== null, 'the scan at the kiosk', 60_000)
    expect(held).toBe(ROWS)
    expect(bindingBytesAtScan).toBeLessThanOrEqual(MOST_BINDING_BYTES_AHEAD)

    // The link clears: every binding once, in the store's order.
    proxy.throttle(null)
    await until(() => bindings.length >= ROWS, 'every binding', 60_000)
    await new Promise((r) => setTimeout(r, 200))
    expect(bindings).toEqual(stored)
  }, 120_000)
})
