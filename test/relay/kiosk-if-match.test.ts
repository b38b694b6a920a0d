// Two organizers moving one booth, or replacing one roster, at once, on both stores: the
// booth's GET and PUT answer its assignment's version as ETag, the roster's GET and upload its
// version; a PUT (upload) with that If-Match saves only while nobody else saved since (412,
// nothing changed, otherwise); without If-Match the last one still wins, as before; two relay
// instances on one Redis check the version in the write itself.
import { describe, expect, it, vi } from 'vitest'
import {
  consoleKioskSchema,
  consoleRosterCheckSchema,
  consoleRosterPageSchema,
  consoleRosterUploadSchema,
} from '../../shared/console-api'
import { ConsoleClient, errorCode, type Answer } from './console-helpers'
import { createCampaign, relayTestBed, signIn } from './campaign-helpers'
import type { Backend } from './harness'

const bed = relayTestBed()

async function addBooth(c: ConsoleClient, id: string): Promise<string> {
  const a = await c.call('POST', '/console/api/kiosks', { id })
  expect(a.status, a.text).toBe(201)
  return `/console/api/kiosks/${id}`
}

const campaignOf = (a: Answer): string | null => consoleKioskSchema.parse(a.json).campaignId

async function upload(
  c: ConsoleClient,
  campaignId: string,
  body: string,
  headers: Record<string, string> = {},
  query = '',
): Promise<Answer> {
  const res = await fetch(`${c.relayUrl}/console/api/campaigns/${campaignId}/roster${query}`, {
    method: 'POST',
    headers: { origin: c.relayUrl, cookie: c.cookie ?? '', 'content-type': 'text/csv', ...headers },
    body,
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, text, json: JSON.parse(text) }
}

const roster = (...names: string[]): string =>
  ['姓名,公司,手机,编号', ...names.map((n, i) => `${n},公司,1380000000${i},R-${n}`)].join('\n')

describe.each<Backend>(['sqlite', 'redis'])('If-Match on a booth (%s)', (backend) => {
  it('GET and PUT answer the assignment ETag; a stale If-Match is 412 and moves nothing', async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    const alice = await signIn(relay, 'alice')
    const bob = await signIn(relay, 'bob')
    const spring = await createCampaign(alice, { name: '春季展' })
    const autumn = await createCampaign(alice, { name: '秋季展' })
    const path = await addBooth(alice, 'hall-a')

    const fresh = await alice.call('GET', path)
    expect(fresh.status, fresh.text).toBe(200)
    expect(campaignOf(fresh)).toBeNull()
    const tag = fresh.headers.get('etag') ?? ''
    expect(tag).toBe(`"${await relay.store.campaigns.assignmentVersion('hall-a')}"`)
    expect((await bob.call('GET', path)).headers.get('etag')).toBe(tag)

    // Bob moves the booth first, from the state he read: the answer carries the new tag.
    const bobs = await bob.call('PUT', path, { campaignId: spring.id }, { 'if-match': tag })
    expect(bobs.status, bobs.text).toBe(200)
    expect(campaignOf(bobs)).toBe(spring.id)
    const newTag = bobs.headers.get('etag')
    expect(newTag).toMatch(/^"[1-9]\d*"$/)
    expect(newTag).not.toBe(tag)

    // Alice's page is from before: refused, the booth stays in Bob's campaign.
    const alices = await alice.call('PUT', path, { campaignId: autumn.id }, { 'if-match': tag })
    expect(alices.status, alices.text).toBe(412)
    expect(errorCode(alices)).toBe('precondition_failed')
    const now = await alice.call('GET', path)
    expect(campaignOf(now)).toBe(spring.id)
    expect(now.headers.get('etag')).toBe(newTag)
    const listed = await alice.call('GET', '/console/api/kiosks')
    expect(listed.json).toEqual([expect.objectContaining({ id: 'hall-a', campaignId: spring.id })])

    // With the tag she reads now, her move goes through; taking it out works the same way.
    const again = await alice.call(
      'PUT',
      path,
      { campaignId: autumn.id },
      { 'if-match': newTag ?? '' },
    )
    expect(again.status, again.text).toBe(200)
    expect(campaignOf(again)).toBe(autumn.id)
    const out = await alice.call(
      'PUT',
      path,
      { campaignId: null },
      { 'if-match': again.headers.get('etag') ?? '' },
    )
    expect(out.status, out.text).toBe(200)
    expect(campaignOf(out)).toBeNull()
  })

  it('without If-Match (or with *) the last assignment wins; bad tags change nothing', async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    const c = await signIn(relay)
    const spring = await createCampaign(c, { name: '春季展' })
    const autumn = await createCampaign(c, { name: '秋季展' })
    const path = await addBooth(c, 'hall-b')
    expect((await c.call('PUT', path, { campaignId: spring.id })).status).toBe(200)
    const plain = await c.call('PUT', path, { campaignId: autumn.id })
    expect(plain.status, plain.text).toBe(200)
    expect(campaignOf(plain)).toBe(autumn.id)
    const star = await c.call('PUT', path, { campaignId: spring.id }, { 'if-match': '*' })
    expect(star.status, star.text).toBe(200)
    expect(campaignOf(star)).toBe(spring.id)

    const tag = star.headers.get('etag') ?? ''
    for (const header of [`W/${tag}`, '"999999"', '"0"']) {
      const a = await c.call('PUT', path, { campaignId: autumn.id }, { 'if-match': header })
      expect(a.status, header).toBe(412)
    }
    for (const header of ['12', ',']) {
      const a = await c.call('PUT', path, { campaignId: autumn.id }, { 'if-match': header })
      expect(a.status, header).toBe(400)
      expect(errorCode(a)).toBe('bad_request')
      expect(a.text).toContain('If-Match')
    }
    expect(campaignOf(await c.call('GET', path))).toBe(spring.id)
    expect((await c.call('GET', '/console/api/kiosks/no-such')).status).toBe(404)
  })
})

describe.each<Backend>(['sqlite', 'redis'])('If-Match on a roster (%s)', (backend) => {
  it('GET and upload answer the roster ETag; a stale If-Match is 412 and replaces nothing', async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    const alice = await signIn(relay, 'alice')
    const bob = await signIn(relay, 'bob')
    const made = await createCampaign(alice)
    const path = `/console/api/campaigns/${made.id}/roster`

    const empty = await alice.call('GET', path)
    expect(empty.status, empty.text).toBe(200)
    const tag = empty.headers.get('etag') ?? ''
    expect(tag).toBe('"0"')

    const bobs = await upload(bob, made.id, roster('张三', '李四'), { 'if-match': tag })
    expect(bobs.status, bobs.text).toBe(200)
    const stored = consoleRosterUploadSchema.parse(bobs.json)
    const newTag = bobs.headers.get('etag')
    expect(newTag).toBe(`"${stored.version}"`)

    const alices = await upload(alice, made.id, roster('王五'), { 'if-match': tag })
    expect(alices.status, alices.text).toBe(412)
    expect(errorCode(alices)).toBe('precondition_failed')
    const now = await alice.call('GET', path)
    expect(now.headers.get('etag')).toBe(newTag)
    expect(consoleRosterPageSchema.parse(now.json).entries.map((e) => e.name)).toEqual([
      '张三',
      '李四',
    ])

    const again = await upload(alice, made.id, roster('王五'), { 'if-match': newTag ?? '' })
    expect(again.status, again.text).toBe(200)
    const plain = await upload(alice, made.id, roster('赵六'))
    expect(plain.status, plain.text).toBe(200)
    const bad = await upload(alice, made.id, roster('钱七'), { 'if-match': 'nope' })
    expect(bad.status, bad.text).toBe(400)
    const page = consoleRosterPageSchema.parse((await alice.call('GET', path)).json)
    expect(page.entries.map((e) => e.name)).toEqual(['赵六'])
  })

  it('a dry run with a stale If-Match is 412 (the file is not sent a second time to learn it); a current one checks', async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    const alice = await signIn(relay, 'alice')
    const bob = await signIn(relay, 'bob')
    const made = await createCampaign(alice)
    const path = `/console/api/campaigns/${made.id}/roster`
    const tag = (await alice.call('GET', path)).headers.get('etag') ?? ''
    const bobs = await upload(bob, made.id, roster('张三', '李四'), { 'if-match': tag })
    expect(bobs.status, bobs.text).toBe(200)

    const stale = await upload(alice, made.id, roster('王五'), { 'if-match': tag }, '?dryRun=1')
    expect(stale.status, stale.text).toBe(412)
    expect(errorCode(stale)).toBe('precondition_failed')
    const current = bobs.headers.get('etag') ?? ''
    // The version it checks is the one of the roster it compares the file with: read once.
    const reads = vi.spyOn(relay.store.campaigns, 'readRoster')
    const fresh = await upload(alice, made.id, roster('王五'), { 'if-match': current }, '?dryRun=1')
    const offsets = reads.mock.calls.map(([, offset]) => offset)
    reads.mockRestore()
    expect(fresh.status, fresh.text).toBe(200)
    expect(consoleRosterCheckSchema.parse(fresh.json)).toMatchObject({
      dryRun: true,
      total: 1,
      replacing: { total: 2, kept: 0, checkedInDropped: 0 },
    })
    expect(offsets).toEqual([0])
    // Without If-Match a dry run checks against whatever is stored, as before.
    const plain = await upload(alice, made.id, roster('王五'), {}, '?dryRun=1')
    expect(plain.status, plain.text).toBe(200)
    const page = consoleRosterPageSchema.parse((await alice.call('GET', path)).json)
    expect(page.entries.map((e) => e.name)).toEqual(['张三', '李四'])
  })
})

it('two relay instances on one Redis: two moves of a booth from one version, exactly one wins', async () => {
  const place = bed.placeFor('redis')
  const a = await bed.relayOn(place)
  const b = await bed.relayOn(place)
  const onA = await signIn(a, 'alice')
  const onB = new ConsoleClient(b.url)
  onB.cookie = onA.cookie
  const campaigns = [
    await createCampaign(onA, { name: '一' }),
    await createCampaign(onA, { name: '二' }),
  ]
  const path = await addBooth(onA, 'hall-c')
  const tag = (await onB.call('GET', path)).headers.get('etag') ?? ''

  const moves = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      (i % 2 === 0 ? onA : onB).call(
        'PUT',
        path,
        { campaignId: campaigns[i % 2]?.id },
        { 'if-match': tag },
      ),
    ),
  )
  expect(moves.map((m) => m.status).sort()).toEqual([200, 412, 412, 412, 412, 412])
  const won = moves.find((m) => m.status === 200)
  const stored = await onB.call('GET', path)
  expect(campaignOf(stored)).toBe(won === undefined ? 'none' : campaignOf(won))
  expect(stored.headers.get('etag')).toBe(won?.headers.get('etag'))
})

it('two relay instances on one Redis: two roster uploads from one version, exactly one wins', async () => {
  const place = bed.placeFor('redis')
  const a = await bed.relayOn(place)
  const b = await bed.relayOn(place)
  const onA = await signIn(a, 'alice')
  const onB = new ConsoleClient(b.url)
  onB.cookie = onA.cookie
  const made = await createCampaign(onA)
  const tag = (await onA.call('GET', `/console/api/campaigns/${made.id}/roster`)).headers.get(
    'etag',
  )

  // Two at a time: a relay reads at most two roster files at once.
  const ups = await Promise.all([
    upload(onA, made.id, roster('甲'), { 'if-match': tag ?? '' }),
    upload(onB, made.id, roster('乙'), { 'if-match': tag ?? '' }),
  ])
  expect(ups.map((u) => u.status).sort()).toEqual([200, 412])
  const won = ups.find((u) => u.status === 200)
  const page = await onB.call('GET', `/console/api/campaigns/${made.id}/roster`)
  expect(page.headers.get('etag')).toBe(won?.headers.get('etag'))
})
