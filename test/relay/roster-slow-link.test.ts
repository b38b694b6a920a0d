// A visitor's scan during a roster transfer on a slow booth link (8 KB/s, a deep buffer on the
// way: the relay's socket never fills). The scan must overtake the roster: it reaches the kiosk
// before the roster has finished, with at most a small roster frame or two of bytes before it,
// not the several 64 KiB frames already written ahead. Then the link is freed and the roster
// completes exactly: every entry once, the final frame last. Counted in bytes, not time.
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

const ROWS = 1500
/** The most roster bytes the kiosk may receive between the push and its scan. */
const MOST_ROSTER_BYTES_AHEAD = 24 * 1024

describe('a scan on a slow link during a roster transfer', () => {
  it('overtakes the roster (a few KiB ahead of it, not 4 × 64 KiB); the roster still completes exactly', async () => {
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

    const proxy: ThrottleProxy = await throttleProxy(relay.port, 8 * 1024)
    cleanups.push(() => proxy.close())
    const k = await KioskClient.connect(proxy.url, token)
    cleanups.push(() => k.ws.terminate())
    // The kiosk's side: stores a frame only at the offset it holds, acks each with where it is.
    let rosterBytes = 0
    let held = 0
    let finalSeen = false
    let rosterBytesAtScan: number | null = null
    let heldAtScan: number | null = null
    const stored = new Map<string, number>()
    k.ws.on('message', (data: Buffer) => {
      const f = JSON.parse(data.toString('utf8')) as RelayFrame
      if (f.type === 'scan') {
        rosterBytesAtScan ??= rosterBytes
        heldAtScan ??= held
      }
      if (f.type !== 'roster') return
      rosterBytes += data.length
      if (f.offset === held) {
        for (const e of f.entries) stored.set(e.id, (stored.get(e.id) ?? 0) + 1)
        held += f.entries.length
        if (f.final) finalSeen = true
      }
      k.send({
        type: 'roster-ack',
        campaignId: f.campaignId,
        rosterVersion: f.rosterVersion,
        offset: held,
      })
    })
    k.send({ type: 'hello', kioskId: 'k1' })
    // Well under way: the relay has measured the link from the acks of several frames.
    await until(() => held >= ROWS / 3, 'a third of the roster', 60_000)

    const before = rosterBytes
    const pushed = await postPush(relay.url, scanXml('o_visitor', 'k1:n1'))
    expect(pushed.status).toBe(200)
    await until(() => rosterBytesAtScan !== null, 'the scan at the kiosk', 60_000)
    const ahead = (rosterBytesAtScan ?? 0) - before
    expect(heldAtScan).toBeLessThan(ROWS)
    expect(ahead).toBeLessThanOrEqual(MOST_ROSTER_BYTES_AHEAD)

    // The link clears: the whole roster, each entry once.
    proxy.throttle(null)
    await until(() => finalSeen, 'the whole roster', 60_000)
    expect(held).toBe(ROWS)
    expect(stored.size).toBe(ROWS)
    expect([...stored.values()].every((n) => n === 1)).toBe(true)
  }, 120_000)
})
