// The console re-reads the campaigns list every 5 s while a page follows it: the answer has a
// strong ETag, and a read with a matching If-None-Match is `304 Not Modified` with no body
// (same session check, same security headers), on both stores. Anything that changes the
// list (a campaign created or renamed by someone else) gives a new tag and the full 200; a
// stale or garbage If-None-Match is a plain 200, and no session is still 401.
import { describe, expect, it } from 'vitest'
import { consoleCampaignSchema } from '../../shared/campaign'
import { ConsoleClient, errorCode } from './console-helpers'
import { campaignBody, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import type { Backend } from './harness'

const bed = relayTestBed()
const LIST = '/console/api/campaigns'
/** Headers that describe the body, which a 304 does not carry. */
const BODY_HEADERS = new Set(['content-type', 'content-length', 'date', 'keep-alive'])

describe.each<Backend>(['sqlite', 'redis'])(
  'If-None-Match on the campaigns list (%s)',
  (backend) => {
    it('answers a strong ETag; a matching If-None-Match is 304 with no body and the same headers', async () => {
      const relay = await bed.relayOn(bed.placeFor(backend))
      const alice = await signIn(relay, 'alice')
      await createCampaign(alice, { name: '一' })
      await createCampaign(alice, { name: '二' })

      const first = await alice.call('GET', LIST)
      expect(first.status).toBe(200)
      const tag = first.headers.get('etag') ?? ''
      expect(tag).toMatch(/^"[^"]+"$/)
      expect(consoleCampaignSchema.array().parse(first.json)).toHaveLength(2)
      expect((await alice.call('GET', LIST)).headers.get('etag')).toBe(tag)

      for (const header of [tag, `W/${tag}`, `"nope", ${tag}`, '*']) {
        const again = await alice.call('GET', LIST, undefined, { 'if-none-match': header })
        expect(again.status, header).toBe(304)
        expect(again.text).toBe('')
        expect(again.headers.get('etag')).toBe(tag)
        for (const [name, value] of first.headers) {
          if (!BODY_HEADERS.has(name)) expect(again.headers.get(name), name).toBe(value)
        }
      }
      expect(first.headers.get('cache-control')).toBe('no-store')
      expect(first.headers.get('x-content-type-options')).toBe('nosniff')
      expect(first.headers.get('referrer-policy')).toBe('no-referrer')
    })

    it('a campaign created or renamed elsewhere gives the full list and a new tag', async () => {
      const relay = await bed.relayOn(bed.placeFor(backend))
      const alice = await signIn(relay, 'alice')
      const bob = await signIn(relay, 'bob')
      const made = await createCampaign(alice, { name: '一' })
      const tag1 = (await alice.call('GET', LIST)).headers.get('etag') ?? ''

      await createCampaign(bob, { name: '二' })
      const afterCreate = await alice.call('GET', LIST, undefined, { 'if-none-match': tag1 })
      expect(afterCreate.status).toBe(200)
      expect(consoleCampaignSchema.array().parse(afterCreate.json)).toHaveLength(2)
      const tag2 = afterCreate.headers.get('etag') ?? ''
      expect(tag2).not.toBe(tag1)

      const renamed = await bob.call('PUT', `${LIST}/${made.id}`, campaignBody({ name: '改名' }))
      expect(renamed.status, renamed.text).toBe(200)
      const afterRename = await alice.call('GET', LIST, undefined, { 'if-none-match': tag2 })
      expect(afterRename.status).toBe(200)
      const names = consoleCampaignSchema
        .array()
        .parse(afterRename.json)
        .map((c) => c.name)
      expect(names).toContain('改名')
      const tag3 = afterRename.headers.get('etag') ?? ''
      expect([tag1, tag2]).not.toContain(tag3)
      expect((await alice.call('GET', LIST, undefined, { 'if-none-match': tag3 })).status).toBe(304)
    })

    it('a stale or garbage If-None-Match is a plain 200; without a session still 401', async () => {
      const relay = await bed.relayOn(bed.placeFor(backend))
      const alice = await signIn(relay, 'alice')
      await createCampaign(alice)
      const plain = await alice.call('GET', LIST)
      const tag = plain.headers.get('etag') ?? ''
      for (const header of ['"0"', '"stale"', tag.slice(1), 'garbage', ',', '', `W/"x"`]) {
        const a = await alice.call('GET', LIST, undefined, { 'if-none-match': header })
        expect(a.status, header).toBe(200)
        expect(a.text, header).toBe(plain.text)
        expect(a.headers.get('etag'), header).toBe(tag)
      }

      const nobody = new ConsoleClient(relay.url)
      for (const header of [tag, '*']) {
        const a = await nobody.call('GET', LIST, undefined, { 'if-none-match': header })
        expect(a.status, header).toBe(401)
        expect(errorCode(a)).toBe('unauthorized')
        expect(a.headers.get('etag')).toBeNull()
      }
    })
  },
)
