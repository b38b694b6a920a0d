// Two organizers editing one campaign at once, on both stores: GET (and every answer that
// carries the campaign) gives an ETag; a PUT with that If-Match saves only while nobody else
// saved since (412, nothing changed, otherwise); a PUT without If-Match still wins as it
// always did; two relay instances on one Redis check the version in the write itself.
import { describe, expect, it } from 'vitest'
import { consoleCampaignSchema } from '../../shared/campaign'
import { ConsoleClient, errorCode } from './console-helpers'
import { campaignBody, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import type { Backend } from './harness'

const bed = relayTestBed()

describe.each<Backend>(['sqlite', 'redis'])('If-Match on a campaign (%s)', (backend) => {
  it('answers an ETag that moves with every change; a stale If-Match is 412 and saves nothing', async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    const alice = await signIn(relay, 'alice')
    const bob = await signIn(relay, 'bob')
    const made = await createCampaign(alice)
    const path = `/console/api/campaigns/${made.id}`

    const seenByAlice = await alice.call('GET', path)
    const seenByBob = await bob.call('GET', path)
    const tag = seenByAlice.headers.get('etag')
    expect(tag).toMatch(/^"\d+"$/)
    expect(seenByBob.headers.get('etag')).toBe(tag)
    const stored = await relay.store.campaigns.getCampaign(made.id)
    expect(tag).toBe(`"${stored?.version}"`)

    // Bob saves first, from the version he read: the answer carries the new tag.
    const bobs = await bob.call('PUT', path, campaignBody({ name: 'Bob 的展' }), {
      'if-match': tag ?? '',
    })
    expect(bobs.status, bobs.text).toBe(200)
    const newTag = bobs.headers.get('etag')
    expect(newTag).toMatch(/^"\d+"$/)
    expect(newTag).not.toBe(tag)
    expect((await alice.call('GET', path)).headers.get('etag')).toBe(newTag)

    // Alice's form is from before: refused, Bob's edit stays.
    const alices = await alice.call('PUT', path, campaignBody({ name: 'Alice 的展' }), {
      'if-match': tag ?? '',
    })
    expect(alices.status, alices.text).toBe(412)
    expect(errorCode(alices)).toBe('precondition_failed')
    const now = await alice.call('GET', path)
    expect(consoleCampaignSchema.parse(now.json).name).toBe('Bob 的展')
    expect(now.headers.get('etag')).toBe(newTag)

    // With the tag she reads now, her save goes through.
    const again = await alice.call('PUT', path, campaignBody({ name: 'Alice 的展' }), {
      'if-match': newTag ?? '',
    })
    expect(again.status, again.text).toBe(200)
    expect(consoleCampaignSchema.parse(again.json).name).toBe('Alice 的展')
  })

  it('without If-Match (or with *) the last write wins, as before', async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    const c = await signIn(relay)
    const made = await createCampaign(c)
    const path = `/console/api/campaigns/${made.id}`
    expect((await c.call('PUT', path, campaignBody({ name: '一' }))).status).toBe(200)
    const plain = await c.call('PUT', path, campaignBody({ name: '二' }))
    expect(plain.status, plain.text).toBe(200)
    expect(consoleCampaignSchema.parse(plain.json).name).toBe('二')
    const star = await c.call('PUT', path, campaignBody({ name: '三' }), { 'if-match': '*' })
    expect(star.status, star.text).toBe(200)
    expect(consoleCampaignSchema.parse(star.json).name).toBe('三')
  })

  it('a weak, unknown or malformed If-Match changes nothing', async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    const c = await signIn(relay)
    const made = await createCampaign(c)
    const path = `/console/api/campaigns/${made.id}`
    const tag = (await c.call('GET', path)).headers.get('etag') ?? ''
    const before = await relay.store.campaigns.getCampaign(made.id)

    for (const header of [`W/${tag}`, '"999999"', '"x"']) {
      const a = await c.call('PUT', path, campaignBody({ name: '改' }), { 'if-match': header })
      expect(a.status, header).toBe(412)
    }
    for (const header of ['12', tag.slice(1), ',']) {
      const a = await c.call('PUT', path, campaignBody({ name: '改' }), { 'if-match': header })
      expect(a.status, header).toBe(400)
      expect(errorCode(a)).toBe('bad_request')
      expect(a.text).toContain('If-Match')
    }
    // One of several tags matching is enough.
    const listed = await c.call('PUT', path, campaignBody({ name: '改' }), {
      'if-match': `"1", ${tag}`,
    })
    expect(listed.status, listed.text).toBe(200)
    const after = await relay.store.campaigns.getCampaign(made.id)
    expect(after?.version).toBeGreaterThan(before?.version ?? 0)
  })
})

it('two relay instances on one Redis: two saves from one version, exactly one wins', async () => {
  const place = bed.placeFor('redis')
  const a = await bed.relayOn(place)
  const b = await bed.relayOn(place)
  const onA = await signIn(a, 'alice')
  const onB = new ConsoleClient(b.url)
  onB.cookie = onA.cookie
  const made = await createCampaign(onA)
  const path = `/console/api/campaigns/${made.id}`
  const tag = (await onA.call('GET', path)).headers.get('etag') ?? ''

  const saves = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      (i % 2 === 0 ? onA : onB).call('PUT', path, campaignBody({ name: `版本 ${i}` }), {
        'if-match': tag,
      }),
    ),
  )
  const won = saves.filter((s) => s.status === 200)
  expect(saves.map((s) => s.status).sort()).toEqual([200, 412, 412, 412, 412, 412])
  const stored = consoleCampaignSchema.parse((await onB.call('GET', path)).json)
  expect(stored.name).toBe(consoleCampaignSchema.parse(won[0]?.json).name)
})
