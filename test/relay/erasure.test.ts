// Visitor erasure from the console, on both stores: one POST removes what the campaign keeps
// about one visitor (number, binding, stamps, follow-up state, their name and openid in draws)
// and nothing of anyone else's; the audit says who and when, never whom; bad input, another
// origin, no session, an unknown campaign and too many erasures change nothing.
import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  consoleAttendancePageSchema,
  erasureAnswerSchema,
  erasureAuditSchema,
} from '../../shared/console-api'
import { makeDraw } from '../../relay/draws/draw-service'
import { ERASURE_LIMITS } from '../../relay/console/erasure-routes'
import { isErasedOpenid } from '../../relay/store/erasure-types'
import type { RelayHandle } from '../../relay/server'
import type { RelayStore } from '../../relay/store/types'
import { connectRedis } from '../../relay/store/redis/connect'
import { RedisErasures } from '../../relay/store/redis/erasures'
import { openRedisStore } from '../../relay/store/redis/store'
import { redisKeys } from '../../relay/store/redis/keys'
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster'
import { ConsoleClient, errorCode, newPlace, type Place } from './console-helpers'
import { assign, campaignBody, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import { checkIn, rosterWith, visitors } from './draws-helpers'
import { postPush, scanXml, signedQuery, TOKEN, type Backend } from './harness'

const bed = relayTestBed()

type Halfway = Awaited<ReturnType<typeof setUp>> & {
  target: string
  visitorsBefore: number
  keys: ReturnType<typeof redisKeys>
  path: string
  client: Awaited<ReturnType<typeof connectRedis>>['client']
}

async function setUp(backend: Backend, place: Place = bed.placeFor(backend)) {
  const relay = await bed.relayOn(place)
  const c = await signIn(relay)
  const campaign = await createCampaign(c)
  const other = await createCampaign(c, { name: '秋季展' })
  const people = visitors(4)
  await checkIn(relay.store, campaign.id, people)
  // The same visitor in another campaign keeps everything there.
  await checkIn(relay.store, other.id, people.slice(0, 1), 'k-other')
  await rosterWith(relay.store, campaign.id, people)
  await rosterWith(relay.store, other.id, people.slice(0, 1))
  const now = Date.now()
  for (const o of people.slice(0, 2)) {
    await relay.store.stamps.stamp(campaign.id, o, 'k-draw', ['k-draw'], now)
  }
  await relay.store.followUp.record(
    'k-draw',
    people.length,
    people.map((openid, i) => ({
      campaignId: campaign.id,
      openid,
      kioskId: 'k-draw',
      number: i + 1,
      scannedAt: now,
      tag: 'pending' as const,
      message: null,
    })),
  )
  const rule = { prize: '一等奖', count: 4, excludeWinners: false, rosterOnly: false }
  const drawn = await makeDraw(relay.store.draws, campaign.id, rule, {
    organizer: 'alice',
    clock: () => now,
  })
  if (!drawn.ok) throw new Error('draw refused')
  return { relay, c, campaignId: campaign.id, otherId: other.id, people }
}

async function held(relay: RelayHandle, campaignId: string, openid: string) {
  const [checkin, bindings, completed, draws, fuCounts] = await Promise.all([
    relay.store.campaigns.checkinOf(campaignId, openid),
    relay.store.campaigns.bindings(campaignId),
    relay.store.stamps.completedVisitors(campaignId),
    relay.store.draws.list(campaignId),
    relay.store.followUp.counts(campaignId),
  ])
  return {
    number: checkin?.number ?? null,
    bound: bindings.some((b) => b.openid === openid),
    completed: completed.has(openid),
    inDraws: draws.some((d) => d.winners.some((w) => w.openid === openid)),
    pendingTags: fuCounts.pending,
  }
}

async function statsVisitors(c: ConsoleClient, campaignId: string): Promise<number> {
  const a = await c.call('GET', `/console/api/stats?campaign=${campaignId}`)
  expect(a.status, a.text).toBe(200)
  return (a.json as { visitors: number }).visitors
}

describe.each<Backend>(['sqlite', 'redis'])('visitor erasure (%s)', (backend) => {
  it('erases the visitor from the campaign and nothing else', async () => {
    const { relay, c, campaignId, otherId, people } = await setUp(backend)
    const [target = '', kept = ''] = people
    expect(await held(relay, campaignId, target)).toEqual({
      number: 1,
      bound: true,
      completed: true,
      inDraws: true,
      pendingTags: 4,
    })
    const visitorsBefore = await statsVisitors(c, campaignId)

    const a = await c.call('POST', `/console/api/campaigns/${campaignId}/erasures`, {
      openid: target,
    })
    expect(a.status, a.text).toBe(200)
    const answer = erasureAnswerSchema.parse(a.json)
    expect(answer).toMatchObject({ campaignId, number: 1, bindings: 1, followUp: true, draws: 1 })
    expect(answer.stamps).toBeGreaterThanOrEqual(2) // the stamp and the completion

    expect(await held(relay, campaignId, target)).toEqual({
      number: null,
      bound: false,
      completed: false,
      inDraws: false,
      pendingTags: 3,
    })
    expect(await statsVisitors(c, campaignId)).toBe(visitorsBefore - 1)
    // The draw keeps its four places; the erased one has a pseudonym and no name.
    const [draw] = await relay.store.draws.list(campaignId)
    expect(draw?.winners).toHaveLength(4)
    const erased = draw?.winners.filter((w) => isErasedOpenid(w.openid)) ?? []
    expect(erased).toHaveLength(1)
    expect(erased[0]).toMatchObject({ number: 1, name: null })
    expect(JSON.stringify(draw)).not.toContain(target)
    // Everyone else, and the same visitor in another campaign, untouched.
    expect(await held(relay, campaignId, kept)).toMatchObject({ number: 2, bound: true })
    expect(await relay.store.stamps.completedVisitors(campaignId)).toEqual(new Set([kept]))
    expect(await held(relay, otherId, target)).toMatchObject({ number: 1, bound: true })

    // The audit: who and when, nothing of the visitor.
    const audit = await c.call('GET', `/console/api/campaigns/${campaignId}/erasures`)
    expect(audit.status).toBe(200)
    expect(erasureAuditSchema.parse(audit.json).erasures).toEqual([{ by: 'alice', at: answer.at }])
    expect(audit.text).not.toContain(target)
    const none = await c.call('GET', `/console/api/campaigns/${otherId}/erasures`)
    expect(erasureAuditSchema.parse(none.json).erasures).toEqual([])

    // Erasing again finds nothing more, and says so.
    const again = await c.call('POST', `/console/api/campaigns/${campaignId}/erasures`, {
      openid: target,
    })
    expect(erasureAnswerSchema.parse(again.json)).toMatchObject({
      number: null,
      bindings: 0,
      stamps: 0,
      followUp: false,
      draws: 0,
    })
  })

  it('WeChat’s retry of a push from before the erasure stamps the erased visitor nothing', async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    await relay.addKiosk('ka')
    const c = await signIn(relay)
    const made = await createCampaign(c, { stamps: ['ka'], stampNames: { ka: 'A 区' } })
    await assign(c, 'ka', made.id)
    const scan = scanXml('alice', 'ka:s1', 1_700_000_001)
    expect((await postPush(relay.url, scan)).status).toBe(200)
    expect(await relay.store.stamps.completedVisitors(made.id)).toEqual(new Set(['alice']))
    const a = await c.call('POST', `/console/api/campaigns/${made.id}/erasures`, {
      openid: 'alice',
    })
    expect(erasureAnswerSchema.parse(a.json).stamps).toBeGreaterThanOrEqual(1)
    // The same XML again, on a fresh signed query, as WeChat retries a push it had no answer to.
    expect((await postPush(relay.url, scan, signedQuery(TOKEN))).status).toBe(200)
    expect(await relay.store.stamps.completedVisitors(made.id)).toEqual(new Set())
    expect(await relay.store.campaigns.checkinOf(made.id, 'alice')).toBeNull()
  })

  it('a stamp that comes after the erasure of its stored push stamps nothing', async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    await relay.addKiosk('ka')
    const c = await signIn(relay)
    const made = await createCampaign(c, {
      stamps: ['ka', 'kb'],
      stampNames: { ka: 'A 区', kb: 'B 区' },
    })
    await assign(c, 'ka', made.id)
    expect((await postPush(relay.url, scanXml('alice', 'ka:s1', 1_700_000_001))).status).toBe(200)
    const a = await c.call('POST', `/console/api/campaigns/${made.id}/erasures`, {
      openid: 'alice',
    })
    expect(a.status, a.text).toBe(200)
    // The push's stamp step, late (Redis: a step of its own after the push's append).
    if (backend === 'redis') {
      const late = await relay.store.stamps.stamp(made.id, 'alice', 'kb', ['ka', 'kb'], Date.now())
      expect(late).toEqual({ stamped: [], completed: false })
    }
    expect(await relay.store.stamps.completedVisitors(made.id)).toEqual(new Set())
    const again = await c.call('POST', `/console/api/campaigns/${made.id}/erasures`, {
      openid: 'alice',
    })
    expect(erasureAnswerSchema.parse(again.json).stamps).toBe(0)
  })

  it('a draw made on a snapshot from before the erasure is refused, and drawn again without them', async () => {
    const { relay, c, campaignId, people } = await setUp(backend)
    const target = people[2] ?? ''
    const before = await relay.store.draws.snapshot(campaignId)
    if (before === null) throw new Error('no snapshot')
    expect(before.visitors.map((v) => v.openid)).toContain(target)
    const a = await c.call('POST', `/console/api/campaigns/${campaignId}/erasures`, {
      openid: target,
    })
    expect(a.status, a.text).toBe(200)
    const [drawn] = await relay.store.draws.list(campaignId)
    if (drawn === undefined) throw new Error('no draw')
    const late = { ...drawn, id: 'late-draw', winners: [{ ...drawn.winners[0]!, openid: target }] }
    expect(await relay.store.draws.commit(late, before.version)).toBe(false)
    const after = await relay.store.draws.snapshot(campaignId)
    expect(after?.visitors.map((v) => v.openid)).not.toContain(target)
    expect(after?.names.has(target)).toBe(false)
  })

  it('refuses bad input, other origins, no session and unknown campaigns, changing nothing', async () => {
    const { relay, c, campaignId, people } = await setUp(backend)
    const target = people[0] ?? ''
    const path = `/console/api/campaigns/${campaignId}/erasures`
    const before = await held(relay, campaignId, target)

    for (const body of [
      {},
      { openid: '' },
      { openid: 'o 1' },
      { openid: 'erased:abc' },
      { openid: 'x'.repeat(129) },
      { openid: target, extra: 1 },
      [target],
    ]) {
      const a = await c.call('POST', path, body)
      expect(a.status, JSON.stringify(body)).toBe(400)
    }
    const unknown = await c.call('POST', '/console/api/campaigns/nope-1/erasures', {
      openid: target,
    })
    expect(unknown.status).toBe(404)
    const badId = await c.call('POST', '/console/api/campaigns/%00x/erasures', { openid: target })
    expect(badId.status).toBe(404)

    const foreign = new ConsoleClient(relay.url, 'https://evil.example')
    foreign.cookie = c.cookie
    expect((await foreign.call('POST', path, { openid: target })).status).toBe(403)
    const anonymous = new ConsoleClient(relay.url)
    expect((await anonymous.call('POST', path, { openid: target })).status).toBe(401)
    expect((await anonymous.call('GET', path)).status).toBe(401)

    expect(await held(relay, campaignId, target)).toEqual(before)
    const audit = await c.call('GET', path)
    expect(erasureAuditSchema.parse(audit.json).erasures).toEqual([])
  })

  it('bounds erasures per organizer', async () => {
    const { c, campaignId } = await setUp(backend)
    const path = `/console/api/campaigns/${campaignId}/erasures`
    const answers: number[] = []
    for (let i = 0; i <= ERASURE_LIMITS.burst; i++) {
      answers.push((await c.call('POST', path, { openid: `nobody${i}` })).status)
    }
    expect(answers.slice(0, ERASURE_LIMITS.burst).every((s) => s === 200)).toBe(true)
    const last = await c.call('POST', path, { openid: 'one-more' })
    expect(last.status).toBe(429)
    expect(errorCode(last)).toBe('rate_limited')
    expect(last.headers.get('retry-after')).not.toBeNull()
  })
})

/** The campaign's attendance as the console lists it (a search when `q` is given). */
async function listed(c: ConsoleClient, campaignId: string, q = '') {
  const search = q === '' ? '' : `&q=${encodeURIComponent(q)}`
  const a = await c.call('GET', `/console/api/attendance?campaign=${campaignId}${search}`)
  expect(a.status, a.text).toBe(200)
  return { page: consoleAttendancePageSchema.parse(a.json), text: a.text }
}

/** Every cell of the campaign's XLSX export, as text. */
async function xlsxCells(c: ConsoleClient, campaignId: string): Promise<string[]> {
  const cookies = [c.cookie, c.deviceCookie].filter((k): k is string => k !== null)
  const headers: Record<string, string> = { cookie: cookies.join('; ') }
  const res = await fetch(
    `${c.relayUrl}/console/api/attendance?campaign=${campaignId}&format=xlsx`,
    {
      headers,
    },
  )
  expect(res.status).toBe(200)
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(await res.arrayBuffer())
  const cells: string[] = []
  wb.eachSheet((sheet) =>
    sheet.eachRow((row) => row.eachCell((cell) => cells.push(String(cell.text)))),
  )
  return cells
}

/** A scan of `openid` stored at `kioskId` (counted in `campaignId`). */
function scanAt(
  relay: RelayHandle,
  kioskId: string,
  id: string,
  openid: string,
  campaignId: string,
) {
  return relay.store.appendEvent(
    kioskId,
    {
      id,
      event: 'scan',
      openid,
      scene: `${kioskId}:s`,
      ticket: 't',
      createTime: 1_700_000_100,
      receivedAt: Date.now(),
    },
    campaignId,
  )
}

/**
 * The relay's own rows and its delivery queue are rewritten to the erasure's pseudonym
 * (docs/DESIGN.md "Visitor erasure (added after v2)"): on SQLite in the erasure's transaction,
 * on Redis per kiosk, read with the pseudonym (relay/store/redis/erasures.ts).
 */
async function rewritesRowsAndQueue(backend: Backend, place: Place): Promise<void> {
  const { relay, c, campaignId, otherId, people } = await setUp(backend, place)
  const [target = '', kept = ''] = people
  // A second scan of theirs (on SQLite not yet indexed when the erasure is asked for), one at
  // another kiosk of the campaign, and one in the other campaign at the same kiosk.
  await scanAt(relay, 'k-draw', 'late-scan-of-target', target, campaignId)
  await checkIn(relay.store, campaignId, [], 'k-two')
  await scanAt(relay, 'k-two', 'scan-at-two', target, campaignId)
  await scanAt(relay, 'k-draw', 'other-campaign-here', target, otherId)
  const visitorsBefore = await statsVisitors(c, campaignId)
  const queuedBefore = await relay.store.readEvents('k-draw', 0, 100)
  expect(queuedBefore.filter((e) => e.openid === target)).toHaveLength(3)
  const path = `/console/api/campaigns/${campaignId}/erasures`

  const a = await c.call('POST', path, { openid: target })
  expect(a.status, a.text).toBe(200)

  // The console's list: the same rows, none with the openid, the search finds nothing.
  const after = await listed(c, campaignId)
  expect(after.page.total).toBe(people.length + 2)
  expect(after.text).not.toContain(target)
  const pseudonyms = new Set(after.page.rows.map((r) => r.openid).filter((o) => isErasedOpenid(o)))
  expect(pseudonyms.size).toBe(1)
  const [pseudonym = ''] = pseudonyms
  expect(after.page.rows.filter((r) => r.openid === pseudonym)).toHaveLength(3)
  expect((await listed(c, campaignId, target)).page.total).toBe(0)
  expect((await listed(c, campaignId, kept)).page.total).toBe(1)
  expect((await listed(c, campaignId, pseudonym)).page.total).toBe(3)
  // The exports.
  const csv = await c.call('GET', `/console/api/attendance?campaign=${campaignId}&format=csv`)
  expect(csv.status).toBe(200)
  const records: string[][] = parse(csv.text.replace(/^\uFEFF/, ''))
  expect(records.length).toBe(people.length + 3) // the header and every scan
  expect(csv.text).not.toContain(target)
  expect(csv.text).toContain(kept)
  expect(csv.text).toContain(pseudonym)
  const cells = await xlsxCells(c, campaignId)
  expect(cells.some((t) => t.includes(kept))).toBe(true)
  expect(cells.some((t) => t.includes(target))).toBe(false)
  // A kiosk that reconnects replays its queue: the scans come pseudonymised, numbers kept.
  const queued = await relay.store.readEvents('k-draw', 0, 100)
  expect(queued.map((e) => e.seq)).toEqual(queuedBefore.map((e) => e.seq))
  expect(queued.map((e) => e.number)).toEqual(queuedBefore.map((e) => e.number))
  expect(queued.filter((e) => e.openid === target).map((e) => e.id)).toEqual([
    'other-campaign-here',
  ])
  expect(queued.filter((e) => e.openid === pseudonym).map((e) => e.id)).toEqual(
    queuedBefore
      .filter((e) => e.openid === target && e.id !== 'other-campaign-here')
      .map((e) => e.id),
  )
  expect((await relay.store.readEvents('k-two', 0, 100)).map((e) => e.openid)).toEqual([pseudonym])
  // Stats as the erasure corrects them.
  expect(await statsVisitors(c, campaignId)).toBe(visitorsBefore - 1)

  // The same visitor in another campaign keeps their rows and queue entries.
  expect((await listed(c, otherId, target)).page.total).toBe(2)
  const otherQueue = await relay.store.readEvents('k-other', 0, 100)
  expect(otherQueue.map((e) => e.openid)).toEqual([target])

  // Erasing again changes nothing: the same rows, the same pseudonym.
  const again = await c.call('POST', path, { openid: target })
  expect(erasureAnswerSchema.parse(again.json)).toMatchObject({ number: null, draws: 0 })
  expect((await listed(c, campaignId)).page.rows).toEqual(after.page.rows)
  expect(await relay.store.readEvents('k-draw', 0, 100)).toEqual(queued)
  expect(await statsVisitors(c, campaignId)).toBe(visitorsBefore - 1)

  // Scanning again, they are a new visitor of the campaign, with a new number.
  await scanAt(relay, 'k-draw', 'scan-after-erasure', target, campaignId)
  expect(await statsVisitors(c, campaignId)).toBe(visitorsBefore)
  expect((await listed(c, campaignId, target)).page.total).toBe(1)
}

/**
 * Redis: an erasure stopped halfway. The visitor (target) also scanned at k-two, whose
 * erased-seqs key, made not a hash, fails its step: the console's call answers 500 after the
 * campaign's step and k-draw's are done, and the key is then put right. visitorsBefore is the
 * campaign's visitors before that call. body runs with it; the Redis connection is closed after.
 */
async function withHalfwayErasure(
  place: Place,
  url: string,
  body: (halfway: Halfway) => Promise<void>,
): Promise<void> {
  const set = await setUp('redis', place)
  const { relay, c, campaignId } = set
  const target = set.people[0] ?? ''
  await checkIn(relay.store, campaignId, [], 'k-two')
  await scanAt(relay, 'k-two', 'scan-at-two', target, campaignId)
  const visitorsBefore = await statsVisitors(c, campaignId)
  const keys = redisKeys(place.prefix)
  const broken = keys.erasedSeqs('k-two')
  const path = `/console/api/campaigns/${campaignId}/erasures`
  const { client, sub } = await connectRedis(url)
  try {
    await client.set(broken, 'not a hash')
    const failed = await c.call('POST', path, { openid: target })
    expect(failed.status, failed.text).toBe(500)
    await client.del(broken)
    await body({ ...set, target, visitorsBefore, keys, path, client })
  } finally {
    client.disconnect()
    sub.disconnect()
  }
}

/**
 * Redis: an erasure that stops after the campaign's step and some kiosks' (here a kiosk whose
 * erased-seqs key is not a hash fails its step) is finished by the same call made again, with
 * the same pseudonym everywhere and one audit line.
 */
async function finishesHalfwayErasure(place: Place, url: string): Promise<void> {
  await withHalfwayErasure(
    place,
    url,
    async ({ relay, c, campaignId, target, visitorsBefore, keys, path, client }) => {
      // Halfway: the campaign's step and k-draw's are done, k-two still holds the openid.
      expect(await relay.store.campaigns.checkinOf(campaignId, target)).toBeNull()
      expect(
        (await relay.store.readEvents('k-draw', 0, 100)).some((e) => e.openid === target),
      ).toBe(false)
      expect((await relay.store.readEvents('k-two', 0, 100)).map((e) => e.openid)).toEqual([target])
      const audit = await c.call('GET', path)
      expect(erasureAuditSchema.parse(audit.json).erasures).toEqual([])

      const again = await c.call('POST', path, { openid: target })
      expect(again.status, again.text).toBe(200)
      const rows = (await listed(c, campaignId)).page.rows
      expect(JSON.stringify(rows)).not.toContain(target)
      const pseudonyms = new Set(rows.map((r) => r.openid).filter((o) => isErasedOpenid(o)))
      expect(pseudonyms.size).toBe(1)
      expect(rows.filter((r) => pseudonyms.has(r.openid))).toHaveLength(2)
      const [pseudonym] = pseudonyms
      expect((await relay.store.readEvents('k-two', 0, 100)).map((e) => e.openid)).toEqual([
        pseudonym,
      ])
      expect((await listed(c, campaignId, target)).page.total).toBe(0)
      expect(await statsVisitors(c, campaignId)).toBe(visitorsBefore - 1)
      const done = await c.call('GET', path)
      expect(erasureAuditSchema.parse(done.json).erasures).toHaveLength(1)
      // The openid keeps one scan (the other campaign's): the cross-kiosk visitors hash still has
      // it, but nothing there ties it to the pseudonym of its erased rows.
      const people = await client.hgetall(keys.attendanceVisitors.people)
      expect(people[target]).toBeDefined()
      expect(JSON.stringify(people[target])).not.toContain(String(pseudonym))
    },
  )
}

/**
 * Redis: an erasure stopped halfway (as above) that nobody calls again is finished by the next
 * store opened on the same Redis (a relay's restart), with the pseudonym it began with, one
 * audit line and one log line; the console's call for the visitor still answers as before.
 */
async function resumesUnfinishedErasure(place: Place, url: string): Promise<void> {
  await withHalfwayErasure(
    place,
    url,
    async ({ relay, c, campaignId, target, keys, path, client }) => {
      const logged: Array<[string, Record<string, string | number>]> = []
      let reopened: RelayStore | null = null
      try {
        const [pseudonym] = (await relay.store.readEvents('k-draw', 0, 100))
          .map((e) => e.openid)
          .filter((o) => isErasedOpenid(o))
        expect(pseudonym).toBeDefined()
        expect((await relay.store.readEvents('k-two', 0, 100)).map((e) => e.openid)).toEqual([
          target,
        ])

        reopened = await openRedisStore({
          url,
          prefix: place.prefix,
          warn: (message, fields) => logged.push([message, fields]),
        })
        expect((await reopened.readEvents('k-two', 0, 100)).map((e) => e.openid)).toEqual([
          pseudonym,
        ])
        const audit = await reopened.erasures.audit(campaignId, 10)
        expect(audit.map((a) => a.by)).toEqual(['alice'])
        // Counted for /metrics (erasures_resumed_total): the log line alone is easy to miss.
        expect(reopened.erasuresResumed).toBe(1)
        const resumed = logged.filter(([m]) => m.includes('erasure'))
        expect(resumed).toEqual([
          ['unfinished visitor erasure finished', { campaignId, by: 'alice', at: audit[0]?.at }],
        ])
        // Nothing is left to finish: the next start finds nothing.
        const quiet: string[] = []
        const third = await openRedisStore({
          url,
          prefix: place.prefix,
          warn: (message) => quiet.push(message),
        })
        expect(third.erasuresResumed).toBe(0)
        await third.close()
        expect(quiet.filter((m) => m.includes('erasure'))).toEqual([])
        const people = await client.hgetall(keys.attendanceVisitors.people)
        expect(JSON.stringify(people)).not.toContain(String(pseudonym))
        const again = await c.call('POST', path, { openid: target })
        expect(again.status, again.text).toBe(200)
        expect((await listed(c, campaignId, target)).page.total).toBe(0)
      } finally {
        await reopened?.close()
      }
    },
  )
}

/**
 * Redis: a resume that read a pending erasure a moment before the call running it finished it
 * (its HGETALL stale when it acts) leaves it alone: run again, it would erase what the visitor
 * did since (a scan and number after their erasure) and write a second audit line.
 */
async function staleResumeDoesNothing(place: Place, url: string): Promise<void> {
  await withHalfwayErasure(
    place,
    url,
    async ({ relay, c, campaignId, target, keys, path, client }) => {
      // What a resume reads now, and acts on after the console's call below has finished it.
      const stale: Record<string, Record<string, string>> = {}
      for (const key of [keys.campaignErasing(campaignId), keys.campaignErasingWho(campaignId)]) {
        stale[key] = await client.hgetall(key)
        expect(Object.keys(stale[key] ?? {})).toHaveLength(1)
      }
      expect((await c.call('POST', path, { openid: target })).status).toBe(200)
      // The visitor comes back after their erasure: a new scan, a new number.
      await scanAt(relay, 'k-two', 'scan-after-erasure', target, campaignId)
      const number = (await relay.store.campaigns.checkinOf(campaignId, target))?.number
      expect(number).toBeDefined()
      // One other pending record (an older relay's, no openid beside it), so the HLEN finds one.
      await client.hset(keys.campaignErasing(campaignId), 'f'.repeat(64), 'erased:older')
      const reads = new Proxy(client, {
        get(t, p) {
          if (p === 'hgetall') return (key: string) => Promise.resolve(stale[key] ?? {})
          const v: unknown = Reflect.get(t, p, t)
          if (typeof v !== 'function') return v
          const f = v as (...args: unknown[]) => unknown
          return (...args: unknown[]) => f.apply(t, args)
        },
      })
      const erasures = new RedisErasures(reads, keys, () => Promise.resolve(), true)
      expect(await erasures.resumeUnfinished(Date.now() + 1)).toBe(0)
      expect((await relay.store.erasures.audit(campaignId, 10)).map((a) => a.by)).toEqual(['alice'])
      expect((await relay.store.campaigns.checkinOf(campaignId, target))?.number).toBe(number)
      expect((await relay.store.readEvents('k-two', 0, 100)).map((e) => e.openid)).toContain(target)
      expect(
        await client.hexists(
          keys.campaignErasing(campaignId),
          Object.keys(stale[keys.campaignErasing(campaignId)] ?? {})[0] ?? '',
        ),
      ).toBe(0)
    },
  )
}

/**
 * Redis: a resume whose step 1 ran while the pending record was still there, but whose step 4
 * came after the call running the erasure had finished it (that call wrote the audit line),
 * logs no "finished" line and counts none: it finished nothing.
 */
async function resumeRacingLiveCallLogsNothing(place: Place, url: string): Promise<void> {
  await withHalfwayErasure(
    place,
    url,
    async ({ relay, c, campaignId, target, keys, path, client }) => {
      // The console's retry runs to its end between the resume's step 1 and its step 4: the
      // resume's first read after step 1 is the kiosks' set (step 2).
      let live: Promise<number> | null = null
      const racing = new Proxy(client, {
        get(t, p) {
          const v: unknown = Reflect.get(t, p, t)
          if (typeof v !== 'function') return v
          const f = v as (...args: unknown[]) => unknown
          if (p === 'smembers') {
            return async (...args: unknown[]) => {
              if (args[0] === keys.kiosks && live === null) {
                live = c.call('POST', path, { openid: target }).then((r) => r.status)
                expect(await live).toBe(200)
              }
              return f.apply(t, args)
            }
          }
          return (...args: unknown[]) => f.apply(t, args)
        },
      })
      const logged: string[] = []
      const erasures = new RedisErasures(
        racing,
        keys,
        () => Promise.resolve(),
        true,
        (message) => logged.push(message),
      )
      expect(await erasures.resumeUnfinished(Date.now() + 1)).toBe(0)
      expect(live).not.toBeNull()
      expect(logged).toEqual([])
      expect((await relay.store.erasures.audit(campaignId, 10)).map((a) => a.by)).toEqual(['alice'])
      expect((await relay.store.readEvents('k-two', 0, 100)).map((e) => e.openid)).not.toContain(
        target,
      )
    },
  )
}

describe.each<Backend>(['sqlite', 'redis'])(
  'visitor erasure rewrites the attendance rows and the queue (%s)',
  (backend) => {
    it('leaves no trace of the openid in the campaign, its exports or the kiosk queue', async () => {
      await rewritesRowsAndQueue(backend, bed.placeFor(backend))
    })
  },
)

describe('visitor erasure stopped halfway (redis)', () => {
  /** A test of `run` on this file's Redis (the cluster's tests below pass their own place). */
  const onLocalRedis = (run: (place: Place, url: string) => Promise<void>) => async () => {
    const place = bed.placeFor('redis')
    if (place.redisUrl === null) throw new Error('no Redis')
    await run(place, place.redisUrl)
  }

  it('the same call again finishes it', onLocalRedis(finishesHalfwayErasure))

  it(
    'left unfinished, the relay finishes it when it starts again',
    onLocalRedis(resumesUnfinishedErasure),
  )

  it(
    'a resume that read it before another call finished it leaves it alone',
    onLocalRedis(staleResumeDoesNothing),
  )

  it(
    'a resume the live call finished under it logs nothing',
    onLocalRedis(resumeRacingLiveCallLogsNothing),
  )
})

describe('two erasures of one visitor at once (redis)', () => {
  it('write one audit line, with one pseudonym', async () => {
    const { relay, campaignId, people } = await setUp('redis')
    const target = people[0] ?? ''
    const at = Date.now()
    const erase = (by: string, pseudonym: string) =>
      relay.store.erasures.erase({ campaignId, openid: target, by, at, pseudonym })
    // Both calls read the pending record before either finishes (their first commands go out
    // together on the one connection): the second goes on with the first's pseudonym.
    const [a, b] = await Promise.all([erase('alice', 'erased:one'), erase('bob', 'erased:two')])
    expect(a).not.toBeNull()
    expect(b).not.toBeNull()
    const audit = await relay.store.erasures.audit(campaignId, 10)
    expect(audit).toHaveLength(1)
    const openids = (await relay.store.readEvents('k-draw', 0, 100)).map((e) => e.openid)
    expect(openids).not.toContain(target)
    expect(openids.filter((o) => isErasedOpenid(o))).toHaveLength(1)
    expect(await relay.store.erasures.tombstones(campaignId)).toHaveLength(1)
  })
})

describe('visitor erasure on a Redis store that keeps no attendance', () => {
  it('finds the queue entries by their campaign and replays them pseudonymised', async () => {
    const place = bed.placeFor('redis')
    const store = await openRedisStore({
      url: place.redisUrl ?? '',
      prefix: place.prefix,
      attendance: false,
    })
    try {
      const now = Date.now()
      for (const id of ['expo', 'fair']) {
        await store.campaigns.createCampaign(
          { ...campaignBody(), id, screenKey: 'k'.repeat(43) },
          now,
        )
      }
      await checkIn(store, 'expo', ['o-a', 'o-b'])
      await checkIn(store, 'fair', ['o-a'])
      const erase = () =>
        store.erasures.erase({
          campaignId: 'expo',
          openid: 'o-a',
          by: 'alice',
          at: now,
          pseudonym: 'erased:queue',
        })
      expect(await erase()).toMatchObject({ number: 1 })
      const openids = async () => (await store.readEvents('k-draw', 0, 100)).map((e) => e.openid)
      // The other campaign's entry of the same visitor keeps the openid.
      expect(await openids()).toEqual(['erased:queue', 'o-b', 'o-a'])
      expect(await erase()).toMatchObject({ number: null })
      expect(await openids()).toEqual(['erased:queue', 'o-b', 'o-a'])
    } finally {
      await store.close()
    }
  })
})

describe('visitor erasure on a Redis Cluster', () => {
  let cluster: TestRedisCluster
  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 })
  }, 60_000)
  afterAll(() => cluster?.stop())
  const clusterPlace = (): Place => {
    const place = newPlace('redis', cluster.url)
    bed.cleanups.push(() => place.remove())
    return place
  }

  it('rewrites the rows and the queue, the campaign’s and the kiosks’ slots apart', async () => {
    await rewritesRowsAndQueue('redis', clusterPlace())
  }, 60_000)

  it('finishes an erasure stopped halfway', async () => {
    await finishesHalfwayErasure(clusterPlace(), cluster.url)
  }, 60_000)

  it('finishes an erasure left unfinished when the relay starts again', async () => {
    await resumesUnfinishedErasure(clusterPlace(), cluster.url)
  }, 60_000)
})
