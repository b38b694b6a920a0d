// `GET /console/api/campaigns?view=summary`: the console's list and pickers need each campaign's
// id, name, dates and mode, not its texts and screen key (a season's 1,000 campaigns were
// 436 KiB in full). Without `view` (or `view=full`) the answer is the contract's, byte for byte;
// a view the relay does not know, a repeated one or another parameter is a 400 naming it, and
// changes nothing. The summary has an ETag of its own: an edit of a text it leaves out keeps it
// a 304, a rename does not. On both stores (the list is read from the store).
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  consoleCampaignSchema,
  consoleCampaignSummarySchema,
  type ConsoleCampaign,
} from '../../shared/campaign'
import { ConsoleClient, errorCode } from './console-helpers'
import { campaignBody, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import type { Backend } from './harness'

const bed = relayTestBed()
const LIST = '/console/api/campaigns'
const SUMMARY = `${LIST}?view=summary`
const SUMMARY_KEYS = ['endsAt', 'id', 'mode', 'name', 'startsAt']

describe.each<Backend>(['sqlite', 'redis'])('the campaigns list summary (%s)', (backend) => {
  async function seeded(): Promise<{ alice: ConsoleClient; made: ConsoleCampaign[] }> {
    const relay = await bed.relayOn(bed.placeFor(backend))
    const alice = await signIn(relay, 'alice')
    const made = [
      await createCampaign(alice, { name: '春季展', followUp: '感谢来访 {name}' }),
      await createCampaign(alice, { name: 'Desk', mode: 'desk', startsAt: null, endsAt: null }),
      await createCampaign(alice, { name: '年会', tag: '年会来宾', stamps: ['k1', 'k2'] }),
    ]
    return { alice, made }
  }

  it('lists every campaign with its id, name, dates and mode only; the default stays the full list', async () => {
    const { alice, made } = await seeded()
    const full = await alice.call('GET', LIST)
    expect(full.status).toBe(200)
    const fullList = consoleCampaignSchema.array().parse(full.json)
    expect(fullList.map((c) => c.id).sort()).toEqual(made.map((c) => c.id).sort())
    // `view=full` is the default spelled out: the same bytes and tag.
    const spelled = await alice.call('GET', `${LIST}?view=full`)
    expect(spelled.status).toBe(200)
    expect(spelled.text).toBe(full.text)
    expect(spelled.headers.get('etag')).toBe(full.headers.get('etag'))

    const summary = await alice.call('GET', SUMMARY)
    expect(summary.status, summary.text).toBe(200)
    expect(summary.headers.get('content-type')).toMatch(/^application\/json/)
    expect(summary.headers.get('cache-control')).toBe('no-store')
    const rows = consoleCampaignSummarySchema.array().parse(summary.json)
    const raw = summary.json as Array<Record<string, unknown>>
    for (const r of raw) expect(Object.keys(r).sort()).toEqual(SUMMARY_KEYS)
    // The full list's order and values, field for field.
    expect(rows).toEqual(
      fullList.map((c) => ({
        id: c.id,
        name: c.name,
        startsAt: c.startsAt,
        endsAt: c.endsAt,
        mode: c.mode,
      })),
    )
    for (const c of made) expect(summary.text).not.toContain(c.screenKey)
    expect(summary.text).not.toContain('感谢来访')
    expect(summary.text.length).toBeLessThan(full.text.length / 3)
  })

  it('refuses a view it does not know, a repeated one or another parameter, naming it', async () => {
    const { alice } = await seeded()
    const before = await alice.call('GET', LIST)
    for (const query of [
      'view=brief',
      'view=Summary',
      'view=',
      'view=summary&view=full',
      'view=summary&fields=name',
      'summary',
    ]) {
      const a = await alice.call('GET', `${LIST}?${query}`)
      expect(a.status, query).toBe(400)
      expect(errorCode(a), query).toBe('bad_request')
      const message = z.object({ error: z.object({ message: z.string() }) }).parse(a.json)
        .error.message
      expect(message, query).toMatch(query.startsWith('view=summary&f') ? /fields/ : /view|summary/)
      expect(a.headers.get('etag'), query).toBeNull()
    }
    expect((await alice.call('GET', `${LIST}?view=brief`)).text).toContain('full or summary')
    const after = await alice.call('GET', LIST)
    expect(after.text).toBe(before.text)
  })

  it('has a tag of its own: a text it leaves out changed is a 304, a rename a 200', async () => {
    const { alice } = await seeded()
    const first = await alice.call('GET', SUMMARY)
    const tag = first.headers.get('etag') ?? ''
    expect(tag).toMatch(/^"[^"]+"$/)
    expect(tag).not.toBe((await alice.call('GET', LIST)).headers.get('etag'))
    const fullTag = (await alice.call('GET', LIST)).headers.get('etag') ?? ''

    // The list goes newest change first: an edit of the first campaign keeps its place.
    const target = consoleCampaignSchema.array().parse((await alice.call('GET', LIST)).json)[0]
    if (target === undefined) throw new Error('no campaign')
    const edited = await alice.call(
      'PUT',
      `${LIST}/${target.id}`,
      campaignBody({ ...target, followUp: '下次再见' }),
    )
    expect(edited.status, edited.text).toBe(200)
    const unchanged = await alice.call('GET', SUMMARY, undefined, { 'if-none-match': tag })
    expect(unchanged.status).toBe(304)
    expect(unchanged.text).toBe('')
    expect((await alice.call('GET', LIST, undefined, { 'if-none-match': fullTag })).status).toBe(
      200,
    )

    const renamed = await alice.call(
      'PUT',
      `${LIST}/${target.id}`,
      campaignBody({ ...target, name: '秋季展', followUp: '下次再见' }),
    )
    expect(renamed.status, renamed.text).toBe(200)
    const changed = await alice.call('GET', SUMMARY, undefined, { 'if-none-match': tag })
    expect(changed.status).toBe(200)
    expect(
      consoleCampaignSummarySchema
        .array()
        .parse(changed.json)
        .map((c) => c.name),
    ).toContain('秋季展')
    expect(changed.headers.get('etag')).not.toBe(tag)
  })

  it('is 401 without a session', async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    const nobody = new ConsoleClient(relay.url)
    const a = await nobody.call('GET', SUMMARY)
    expect(a.status).toBe(401)
    expect(errorCode(a)).toBe('unauthorized')
  })
})
