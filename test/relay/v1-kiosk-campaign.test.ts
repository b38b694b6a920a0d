// A booth still on an app from before contract v2, in a campaign on today's relay: it closes
// the link at the campaign frame (it knows welcome and scan alone). It must get its scans
// all the same, not reconnect forever with none; once updated, it gets the campaign again.
import { describe, expect, it } from 'vitest'
import { relayTestBed } from './campaign-helpers'
import { KioskClient, postPush, scanXml } from './harness'
import { V1Kiosk } from './fixtures/v1-kiosk'

const { cleanups, k1InCampaign } = relayTestBed()

describe('a kiosk from before contract v2, in a campaign', () => {
  it('gets its scans without the campaign after it closed a link at it, and the campaign once updated', async () => {
    const { relay, token } = await k1InCampaign('sqlite')
    for (const openid of ['o1', 'o2']) {
      expect((await postPush(relay.url, scanXml(openid, `k1:${openid}`))).status).toBe(200)
    }
    const booth = new V1Kiosk(relay.url, token, 'k1')
    const codes: number[] = []
    // Bounded: a booth that gets nothing closes each link at the campaign frame.
    for (let i = 0; i < 4 && booth.openids.length < 2; i++) {
      codes.push((await booth.link((ids) => ids.length >= 2)).code)
    }
    expect(booth.openids).toEqual(['o1', 'o2'])
    // The first link taught the relay (the booth's next hello may come before the relay has
    // seen that close, so maybe two): closed at the campaign frame, then the scans.
    expect(codes[0]).toBe(4400)
    expect(codes.at(-1)).toBe(1000)

    // Updated, the booth's hello says so: it has the campaign again, and the numbers.
    const updated = await KioskClient.hello(relay.url, token, {
      kioskId: 'k1',
      version: '2.0.0',
    })
    cleanups.push(() => updated.close())
    await updated.waitFor((f) => f.type === 'campaign')
    await updated.waitForScans(2)
    expect(updated.scans.map((s) => s.number)).toEqual([1, 2])
  })
})
