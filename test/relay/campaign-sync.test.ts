// The campaign frame on both stores: right after welcome and before any replayed scan; on an
// edit or an assignment while connected (also made on a second relay instance on one Redis);
// never to a kiosk in no campaign; and the passive reply from the kiosk's campaign.
import { describe, expect, it, vi } from 'vitest'
import type { RelayFrame } from '../../shared/relay-protocol'
import { assign, campaignBody, createCampaign, signIn, relayTestBed } from './campaign-helpers'
import { KioskClient, postPush, scanXml, signedQuery, TOKEN, type Backend } from './harness'

const { cleanups, placeFor, relayOn, k1InCampaign } = relayTestBed()

async function kiosk(url: string, token: string, hello: object = {}): Promise<KioskClient> {
  const k = await KioskClient.hello(url, token, { kioskId: 'k1', ...hello })
  cleanups.push(() => k.close())
  return k
}

const types = (frames: RelayFrame[]) => frames.map((f) => f.type)

describe.each<Backend>(['sqlite', 'redis'])('campaign frames (%s)', (backend) => {
  it('sends the campaign right after welcome, before the replayed scans', async () => {
    const { relay, token, made } = await k1InCampaign(backend)
    for (let i = 0; i < 3; i++) {
      expect((await postPush(relay.url, scanXml(`o${i}`, `k1:n${i}`))).status).toBe(200)
    }
    const k = await kiosk(relay.url, token)
    await k.waitForScans(3)
    // Each scan right after the campaign it counted in.
    const scan = ['scan-campaign', 'scan']
    expect(types(k.frames)).toEqual(['welcome', 'campaign', 'screens', ...scan, ...scan, ...scan])
    const frame = k.frames[1]
    if (frame?.type !== 'campaign') throw new Error('no campaign frame')
    expect(frame.campaign).toEqual({ ...campaignBody(), id: made.id })
    // The kiosk never sees the big screens' key.
    expect(JSON.stringify(frame)).not.toContain(made.screenKey)
    expect(k.scans.map((s) => s.number)).toEqual([1, 2, 3])
    expect(k.scans.every((s) => s.firstInCampaign === true)).toBe(true)
  })

  it('sends nothing to a kiosk in no campaign (a v1 kiosk knows no campaign frame)', async () => {
    const relay = await relayOn(placeFor(backend))
    const token = await relay.addKiosk('k1')
    expect((await postPush(relay.url, scanXml('o1', 'k1:n1'))).status).toBe(200)
    const k = await kiosk(relay.url, token)
    await k.waitForScans(1)
    expect(types(k.frames)).toEqual(['welcome', 'scan'])
    expect(k.scans[0]?.number).toBeUndefined()
  })

  it('sends an edit and an assignment to a connected kiosk, with growing versions', async () => {
    const relay = await relayOn(placeFor(backend))
    const token = await relay.addKiosk('k1')
    const c = await signIn(relay)
    const a = await createCampaign(c)
    const b = await createCampaign(c, { name: 'Other' })
    const k = await kiosk(relay.url, token)
    const campaigns = () => k.frames.filter((f) => f.type === 'campaign')

    await assign(c, 'k1', a.id)
    await k.waitFor((f) => f.type === 'campaign', 1)
    const edited = await c.call(
      'PUT',
      `/console/api/campaigns/${a.id}`,
      campaignBody({ name: 'Renamed' }),
    )
    expect(edited.status).toBe(200)
    await k.waitFor((f) => f.type === 'campaign', 2)
    await assign(c, 'k1', b.id)
    await k.waitFor((f) => f.type === 'campaign', 3)
    await assign(c, 'k1', null)
    await k.waitFor((f) => f.type === 'campaign', 4)

    const seen = campaigns().map((f) => (f.type === 'campaign' ? f : null))
    expect(seen.map((f) => f?.campaign?.name ?? null)).toEqual(['春季展', 'Renamed', 'Other', null])
    const versions = seen.map((f) => f?.version ?? 0)
    // Growing across a move to another campaign too: a kiosk ignores an older version.
    for (let i = 1; i < versions.length; i++) {
      expect(versions[i]).toBeGreaterThan(versions[i - 1] ?? Infinity)
    }
  })

  it('an assignment whose read fails once (a store blip) still reaches the connected kiosk', async () => {
    const relay = await relayOn(placeFor(backend))
    const token = await relay.addKiosk('k1')
    const c = await signIn(relay)
    const a = await createCampaign(c)
    const k = await kiosk(relay.url, token)
    // The read the kiosk link makes after the change fails once (Redis reconnecting, SQLite
    // locked by a backup); the change feed says nothing more, and the link stays up.
    const campaigns = relay.store.campaigns
    const version = campaigns.assignmentVersion.bind(campaigns)
    let refused = 0
    const spy = vi.spyOn(campaigns, 'assignmentVersion').mockImplementation(async (kioskId) => {
      if (refused++ === 0) throw new Error('Connection is closed.')
      return version(kioskId)
    })
    cleanups.push(() => spy.mockRestore())
    await assign(c, 'k1', a.id)
    await k.waitFor((f) => f.type === 'campaign', 1, 10_000)
    expect(refused).toBeGreaterThan(1)
    const frame = k.frames.find((f) => f.type === 'campaign')
    expect(frame?.type === 'campaign' && frame.campaign?.id).toBe(a.id)
  })

  /** k1 assigned a campaign, connected until the campaign came, then offline: what it holds. */
  async function heldThenOffline() {
    const { relay, token, c, made: a } = await k1InCampaign(backend)
    const first = await kiosk(relay.url, token)
    await first.waitFor((f) => f.type === 'campaign')
    const held = first.frames.find((f) => f.type === 'campaign')
    if (held?.type !== 'campaign') throw new Error('no campaign frame')
    const { epoch } = first.welcome
    await first.close()
    return { relay, token, c, a, held, epoch }
  }

  it('tells a kiosk back from offline that it has no campaign any more', async () => {
    const { relay, token, c, held } = await heldThenOffline()
    await assign(c, 'k1', null)
    const again = await kiosk(relay.url, token, { campaignVersion: held.version })
    await again.waitFor((f) => f.type === 'campaign')
    const frame = again.frames.find((f) => f.type === 'campaign')
    expect(frame?.type === 'campaign' && frame.campaign).toBeNull()
  })

  it('tells a kiosk holding a campaign of a replaced store that it has none here', async () => {
    const relay = await relayOn(placeFor(backend))
    const token = await relay.addKiosk('k1')
    // This store never gave k1 a campaign; the kiosk holds version 40 from the store before.
    const k = await kiosk(relay.url, token, { campaignVersion: 40 })
    await k.waitFor((f) => f.type === 'campaign')
    const frame = k.frames.find((f) => f.type === 'campaign')
    expect(frame?.type === 'campaign' && frame.campaign).toBeNull()
    // A kiosk that holds what the relay has hears nothing again.
    const again = await kiosk(relay.url, token, {
      campaignVersion: frame?.type === 'campaign' ? frame.version : -1,
    })
    await again.waitFor((f) => f.type === 'welcome')
    await new Promise((r) => setTimeout(r, 200))
    expect(again.frames.filter((f) => f.type === 'campaign')).toEqual([])
  })

  it('gives a kiosk holding a newer campaign than its store a new epoch (restored backup)', async () => {
    const { relay, token, a, epoch } = await heldThenOffline()
    // The store is restored from a backup taken before a campaign of version 999 reached the
    // kiosk: its versions will count up again through numbers the kiosk holds, and a kiosk
    // keeping the same epoch would drop every frame below 999 (the organizer's next
    // assignments included). The relay voids the kiosk's position, as for a lastSeq ahead.
    const k = await kiosk(relay.url, token, { epoch, lastSeq: 0, campaignVersion: 999 })
    await k.waitFor((f) => f.type === 'campaign')
    expect(k.welcome.epoch).not.toBe(epoch)
    const frame = k.frames.find((f) => f.type === 'campaign')
    expect(frame?.type === 'campaign' && frame.campaign?.id).toBe(a.id)
  })

  it('answers a push with the passive reply of the kiosk’s campaign, else the config’s', async () => {
    const relay = await relayOn(placeFor(backend), {
      reply: { scan: 'DEFAULT-REPLY', subscribe: '' },
    })
    await relay.addKiosk('k1')
    await relay.addKiosk('k2')
    const c = await signIn(relay)
    const made = await createCampaign(c, {
      reply: { subscribe: 'SUB-CAMPAIGN', scan: 'SCAN-CAMPAIGN' },
    })
    await assign(c, 'k1', made.id)
    const inCampaign = await postPush(relay.url, scanXml('o1', 'k1:n1'))
    expect(inCampaign.body).toContain('SCAN-CAMPAIGN')
    const outside = await postPush(relay.url, scanXml('o1', 'k2:n1'))
    expect(outside.body).toContain('DEFAULT-REPLY')
    // An edit reaches the push path's cache at once.
    await c.call(
      'PUT',
      `/console/api/campaigns/${made.id}`,
      campaignBody({ reply: { subscribe: 'S2', scan: 'SCAN-EDITED' } }),
    )
    const after = await postPush(relay.url, scanXml('o2', 'k1:n2'), signedQuery(TOKEN))
    expect(after.body).toContain('SCAN-EDITED')
  })
})

describe('campaign frames across two relay instances on one Redis', () => {
  it('an edit and an assignment made on instance B reach a kiosk on instance A', async () => {
    const place = placeFor('redis')
    const a = await relayOn(place)
    const b = await relayOn(place)
    const token = await a.addKiosk('k1')
    const c = await signIn(b)
    const made = await createCampaign(c)
    const k = await kiosk(a.url, token)
    await assign(c, 'k1', made.id)
    await k.waitFor((f) => f.type === 'campaign', 1)
    await c.call(
      'PUT',
      `/console/api/campaigns/${made.id}`,
      campaignBody({ name: 'From B', reply: { subscribe: 'x', scan: 'REPLY-B' } }),
    )
    await k.waitFor((f) => f.type === 'campaign' && f.campaign?.name === 'From B', 1)
    // Instance A's push path heard of the edit too.
    expect((await postPush(a.url, scanXml('o1', 'k1:n1'))).body).toContain('REPLY-B')
  })
})
