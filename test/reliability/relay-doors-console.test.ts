// The console API's JSON doors as a conformance run or an attacker probes them, with
// fast-check (fixed seeds, bounded runs): a campaign PUT and POST with every field wrong in
// turn (the answer agrees with the shared schema, and a refusal leaves the campaign as it was),
// random bodies, bytes and content types at every state-changing route, sign-in, pairing and
// roster files of broken bytes. Never 5xx, never a hang; a refusal changes nothing the console
// can read back; a valid request still works afterwards.
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  campaignInputSchema,
  CAMPAIGN_DEFAULTS,
  consoleCampaignSchema,
  type ConsoleCampaign,
} from '../../shared/campaign'
import { addKioskResponseSchema, pairResponseSchema } from '../../shared/console-api'
import type { RelayHandle } from '../../relay/server'
import { ConsoleClient, organizer } from '../relay/console-helpers'
import { campaignBody, guestRosterCsv } from '../relay/campaign-helpers'
import { startTestRelay } from '../relay/harness'
import { Workbook } from '../../shared/roster/xlsx'
import { door, type DoorAnswer } from './doors-http'

let relay: RelayHandle
let c: ConsoleClient
let campaign: ConsoleCampaign
/** The relay's clock runs this far ahead of the wall clock: a test moves it past a rate limit. */
let ahead = 0
let alicePassword = ''

beforeAll(async () => {
  relay = await startTestRelay('sqlite', null, {}, { now: () => Date.now() + ahead })
  await relay.addKiosk('k1')
  c = new ConsoleClient(relay.url)
  alicePassword = await organizer(relay, 'alice')
  expect((await c.login('alice', alicePassword)).status).toBe(200)
  const made = await c.call('POST', '/console/api/campaigns', campaignBody({ name: '展会' }))
  expect(made.status, made.text).toBe(201)
  campaign = consoleCampaignSchema.parse(made.json)
  expect((await c.call('PUT', '/console/api/kiosks/k1', { campaignId: campaign.id })).status).toBe(
    200,
  )
  const roster = await door(relay.port, {
    method: 'POST',
    path: `/console/api/campaigns/${campaign.id}/roster`,
    headers: session('text/csv'),
    body: guestRosterCsv(3),
  })
  expect(roster.status, roster.body).toBe(200)
})
afterAll(() => relay.close())

/** Headers of the signed-in organizer's browser, with `type` as the body's. */
function session(type?: string): Record<string, string> {
  const h: Record<string, string> = { origin: relay.url, cookie: c.cookie ?? '' }
  if (type !== undefined) h['content-type'] = type
  return h
}

const send = (method: string, path: string, body: Buffer | string, type?: string) =>
  door(relay.port, { method, path, headers: session(type), body })

/** What the console reads back: every state a request of these tests could change. */
async function state(): Promise<string> {
  const cid = campaign.id
  const reads = await Promise.all(
    [
      '/console/api/campaigns',
      `/console/api/campaigns/${cid}`,
      '/console/api/kiosks',
      `/console/api/campaigns/${cid}/roster?limit=1000`,
      `/console/api/campaigns/${cid}/draws`,
      `/console/api/campaigns/${cid}/erasures`,
    ].map((p) => c.call('GET', p)),
  )
  for (const r of reads) expect(r.status, r.text).toBe(200)
  const [campaigns, one, kiosks, ...rest] = reads.map((r) => r.json)
  // The live parts of a booth (online, last seen) are not state a request changes.
  const booths = (kiosks as Array<Record<string, unknown>>).map(({ id, campaignId, revoked }) => ({
    id,
    campaignId,
    revoked,
  }))
  return JSON.stringify([campaigns, one, booths, rest])
}

/** Answers a correct relay may give a bad request at these doors. */
const REFUSALS = [400, 401, 404, 405, 409, 412, 413, 415, 429]

function expectRefusedOrOk(a: DoorAnswer, what: string): void {
  expect(a.status, `${what}: transport ${a.body}`).toBeGreaterThan(0)
  expect(a.status, `${what}: ${a.body}`).toBeLessThan(500)
  if (a.status >= 400) expect(REFUSALS, `${what}: ${a.status} ${a.body}`).toContain(a.status)
}

/** A value of any JSON type, with the values that break number and text checks most often. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    null,
    '',
    ' ',
    '\u0000',
    '\u202e',
    'a\nb',
    '\uD800',
    '{nmae}',
    '｛number｝',
    'x'.repeat(60_000),
    -1,
    0,
    9,
    10.5,
    3601,
    2_592_001,
    1e308,
    -0,
    Number.MAX_SAFE_INTEGER + 2,
    '60',
    true,
    [],
    {},
    ['k1', 'k1'],
    ['../x'],
    '2026-02-30',
    '2026-13-01',
    '99999-01-01',
    '2026-5-1',
    { '': 'x' },
    { k1: '' },
    { k1: 'x'.repeat(21) },
  ),
)

/** Every place in a campaign a value can go wrong, with a path into the body. */
const FIELD_PATHS: string[][] = [
  ...Object.keys(campaignBody()).map((k) => [k]),
  ['greetings', 'zh-CN'],
  ['greetings', 'en', 'first'],
  ['greetings', 'zh-CN', 'named'],
  ['greetings', 'en', 'extra'],
  ['greetings', 'fr'],
  ['reply', 'subscribe'],
  ['reply', 'scan'],
  ['reply', 'extra'],
  ['stampNames'],
  ['stampProgress'],
  ['stampComplete'],
  ['unknownField'],
]

function withValue(body: Record<string, unknown>, path: string[], value: unknown) {
  const copy = structuredClone(body)
  let at: Record<string, unknown> = copy
  for (const key of path.slice(0, -1)) {
    const next = at[key]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) return copy
    at = next as Record<string, unknown>
  }
  const last = path.at(-1) ?? ''
  if (value === undefined) delete at[last]
  else at[last] = value
  return copy
}

/** The campaign's editable fields as the console read them (what a PUT sends back). */
async function editable(): Promise<Record<string, unknown>> {
  const a = await c.call('GET', `/console/api/campaigns/${campaign.id}`)
  const { id: _id, screenKey: _key, ...fields } = consoleCampaignSchema.parse(a.json)
  return fields
}

const emptyAsNull = (b: Record<string, unknown>): Record<string, unknown> => {
  const out = { ...b }
  for (const k of ['tag', 'followUp']) if (out[k] === '') out[k] = null
  return out
}

describe('campaigns: every field wrong in turn', () => {
  it('PUT: the answer agrees with the shared schema, and a refusal leaves the campaign as it was', async () => {
    let refused = 0
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...FIELD_PATHS),
        fc.option(wrongValue, { nil: undefined }),
        async (path, value) => {
          const fields = await editable()
          const body = withValue(fields, path, value)
          const before = await state()
          const a = await send(
            'PUT',
            `/console/api/campaigns/${campaign.id}`,
            JSON.stringify(body),
            'application/json',
          )
          const what = `PUT ${path.join('.')}=${JSON.stringify(value)?.slice(0, 80)}`
          expectRefusedOrOk(a, what)
          const valid = campaignInputSchema.safeParse(emptyAsNull(body)).success
          // A body over the route's limit is 413 before it is read at all.
          const expected = valid ? 200 : JSON.stringify(body).length > 48 * 1024 ? 413 : 400
          expect(a.status, `${what}: ${a.body.slice(0, 300)}`).toBe(expected)
          if (a.status !== 200) {
            refused++
            expect(await state(), what).toBe(before)
          }
        },
      ),
      { seed: 1881, numRuns: 100 },
    )
    expect(refused).toBeGreaterThan(40)
  })

  it('POST: the same, and a refused campaign is not created', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...FIELD_PATHS),
        fc.option(wrongValue, { nil: undefined }),
        async (path, value) => {
          const body = withValue({ ...campaignBody({ name: `c-${randomUUID()}` }) }, path, value)
          const before = await state()
          const a = await send(
            'POST',
            '/console/api/campaigns',
            JSON.stringify(body),
            'application/json',
          )
          const what = `POST ${path.join('.')}=${JSON.stringify(value)?.slice(0, 80)}`
          expectRefusedOrOk(a, what)
          const valid = campaignInputSchema.safeParse({
            ...CAMPAIGN_DEFAULTS,
            ...emptyAsNull(body),
          }).success
          const expected = valid ? 201 : JSON.stringify(body).length > 48 * 1024 ? 413 : 400
          expect(a.status, `${what}: ${a.body.slice(0, 300)}`).toBe(expected)
          if (a.status !== 201) expect(await state(), what).toBe(before)
        },
      ),
      { seed: 1882, numRuns: 80 },
    )
  })
})

/** A body as bytes: JSON of any shape, broken JSON, wrong encodings, deep nesting, huge. */
const rawBody = (keys: string[]): fc.Arbitrary<Buffer> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .dictionary(fc.constantFrom(...keys, '__proto__', 'constructor', ''), wrongValue, {
          maxKeys: 3,
        })
        .map((o) => Buffer.from(JSON.stringify(o))),
    },
    {
      weight: 2,
      arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        Buffer.from(''),
        Buffer.from('{'),
        Buffer.from('{"a":1}{"b":2}'),
        Buffer.from('{"__proto__":{"admin":true}}'),
        Buffer.from('['.repeat(40_000)),
        Buffer.from(`{"x":"${'a'.repeat(60_000)}"}`),
        Buffer.from('\uFEFF{}'),
        Buffer.from('{}', 'utf16le'),
        Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
        Buffer.from('{"id":"k\u0000"}'),
        Buffer.from('1e999999'),
        Buffer.from('null'),
      ),
    },
  )

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-16',
      'application/JSON',
      'text/plain',
      'application/jsonx',
      'multipart/form-data; boundary=x',
    ),
  },
)

describe('state-changing routes: random bodies', () => {
  it('never 5xx, never a hang; a refusal changes nothing', async () => {
    const cid = campaign.id
    const doors: Array<{ method: string; path: string; keys: string[] }> = [
      { method: 'POST', path: '/console/api/kiosks', keys: ['id'] },
      { method: 'PUT', path: '/console/api/kiosks/k1', keys: ['campaignId'] },
      {
        method: 'POST',
        path: `/console/api/campaigns/${cid}/draws`,
        keys: ['count', 'prize', 'excludeWinners', 'rosterOnly'],
      },
      {
        method: 'POST',
        path: `/console/api/campaigns/${cid}/draws/d-nope/redraw`,
        keys: ['openid'],
      },
      { method: 'POST', path: `/console/api/campaigns/${cid}/erasures`, keys: ['openid'] },
      { method: 'POST', path: `/console/api/campaigns/${cid}/screen-key`, keys: [] },
      { method: 'PUT', path: `/console/api/campaigns/${cid}`, keys: Object.keys(campaignBody()) },
      { method: 'POST', path: '/console/api/campaigns', keys: Object.keys(campaignBody()) },
    ]
    const statuses = new Map<string, number>()
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...doors), fc.nat(), contentType, async (d, pick, type) => {
        const body = fc.sample(rawBody(d.keys), { seed: pick, numRuns: 1 })[0] ?? Buffer.from('')
        const before = await state()
        const a = await send(d.method, d.path, body, type)
        const what = `${d.method} ${d.path} (${type}) ${body.toString('utf8').slice(0, 120)}`
        expectRefusedOrOk(a, what)
        statuses.set(
          `${d.method} ${d.path}:${a.status}`,
          (statuses.get(`${d.method} ${d.path}:${a.status}`) ?? 0) + 1,
        )
        // Only the key rotation takes no body and always changes the campaign.
        if (a.status >= 400 || d.path.endsWith('/screen-key')) {
          if (a.status >= 400) expect(await state(), what).toBe(before)
          return
        }
        // Accepted: it was a valid request; undo what it did so the next starts the same.
        if (d.path === '/console/api/kiosks') {
          const added = addKioskResponseSchema.parse(JSON.parse(a.body))
          await relay.revokeKiosk(added.id)
        }
      }),
      { seed: 1883, numRuns: 120 },
    )
    expect([...statuses.keys()].some((k) => k.endsWith(':400'))).toBe(true)
  })
})

describe('sign-in and pairing: random bodies', () => {
  it('login never signs anyone in, never 5xx; the organizer still signs in after', async () => {
    await fc.assert(
      fc.asyncProperty(rawBody(['name', 'password']), contentType, async (body, type) => {
        const a = await door(relay.port, {
          method: 'POST',
          path: '/console/api/login',
          headers: { origin: relay.url, 'content-type': type },
          body,
        })
        expectRefusedOrOk(a, `login ${body.toString('utf8').slice(0, 100)}`)
        expect([400, 401, 413, 415, 429], a.body.slice(0, 200)).toContain(a.status)
        const cookies = a.headers['set-cookie']
        const set = Array.isArray(cookies) ? cookies : []
        expect(set.some((s) => /^scandesk_session=[^;]/.test(s))).toBe(false)
      }),
      { seed: 1884, numRuns: 150 },
    )
    // The fuzz spent this address's sign-ins: the organizer's own browser (its device cookie)
    // has its own limit, so she is not locked out by it.
    const again = new ConsoleClient(relay.url)
    again.deviceCookie = c.deviceCookie
    expect((await again.login('alice', alicePassword)).status).toBe(200)
  })

  it('pairing never pairs with a bad body, never 5xx; a real code still pairs after', async () => {
    let tries = 0
    await fc.assert(
      fc.asyncProperty(rawBody(['code']), async (body) => {
        // A token of the pairing limit (10 a minute from one address) for each try.
        ahead += 6_000
        // Every 10 minutes of that clock the organizer's console reads something, as an open
        // console does: run wider, the tries would otherwise pass her session's 30-minute idle
        // limit, and this test and the next ones would be refused 'sign in first'.
        if (++tries % 100 === 0) {
          const kept = await c.call('GET', '/console/api/kiosks')
          expect(kept.status, kept.text).toBe(200)
        }
        const a = await door(relay.port, {
          method: 'POST',
          path: '/api/pair',
          headers: { 'content-type': 'application/json' },
          body,
        })
        expectRefusedOrOk(a, `pair ${body.toString('utf8').slice(0, 100)}`)
        expect([400, 404, 413], a.body).toContain(a.status)
      }),
      { seed: 1885, numRuns: 80 },
    )
    const added = await c.call('POST', '/console/api/kiosks', { id: 'k-paired' })
    expect(added.status, added.text).toBe(201)
    const { pairingCode } = addKioskResponseSchema.parse(added.json)
    ahead += 6_000
    const paired = await door(relay.port, {
      method: 'POST',
      path: '/api/pair',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: pairingCode }),
    })
    expect(paired.status, paired.body).toBe(200)
    expect(pairResponseSchema.parse(JSON.parse(paired.body)).kioskId).toBe('k-paired')
  })
})

describe('roster upload: broken files', () => {
  const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

  async function goodXlsx(): Promise<Buffer> {
    const wb = new Workbook()
    const ws = wb.addWorksheet('r')
    ws.addRow(['姓名', '公司', '手机', '编号'])
    ws.addRow(['张三', '华为', '13800138000', 'C001'])
    return Buffer.from(await wb.xlsx.writeBuffer())
  }

  /** Bytes flipped, cut short or spliced: a file damaged on its way from a venue laptop. */
  const damaged = (good: Buffer): fc.Arbitrary<Buffer> =>
    fc
      .record({
        flips: fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 8 }),
        cut: fc.option(fc.nat(), { nil: undefined }),
      })
      .map(({ flips, cut }) => {
        const b = Buffer.from(good)
        for (const [at, v] of flips) b[at % b.length] = v
        return cut === undefined ? b : b.subarray(0, cut % (b.length + 1))
      })

  it('a damaged CSV or XLSX, or bytes that are neither, never 5xx; a refused upload keeps the roster', async () => {
    const csv = Buffer.from(guestRosterCsv(5))
    const xlsx = await goodXlsx()
    // Each XLSX is read in a worker thread of its own (seconds on a busy machine): fewer of those.
    const file = fc.oneof(
      { weight: 3, arbitrary: damaged(csv) },
      { weight: 1, arbitrary: damaged(xlsx) },
      { weight: 2, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          Buffer.from(''),
          Buffer.from('"'),
          Buffer.from('姓名\n"unclosed'),
          Buffer.from('\uFEFF\uFEFF姓名,编号\nA,1'),
          Buffer.from('姓名,编号\n=cmd|calc,1', 'utf16le'),
          Buffer.from('PK\u0003\u0004'),
        ),
      },
    )
    const query = fc.constantFrom(
      '',
      '?dryRun=1',
      '?skipBadRows=1',
      '?dryRun=true',
      '?x=1',
      '?dryRun=1&dryRun=0',
    )
    const type = fc.constantFrom(
      'text/csv',
      XLSX,
      'application/octet-stream',
      'text/plain',
      'image/png',
    )
    await fc.assert(
      fc.asyncProperty(file, query, type, async (bytes, q, t) => {
        const before = await state()
        const a = await send('POST', `/console/api/campaigns/${campaign.id}/roster${q}`, bytes, t)
        const what = `roster ${t} ${q} ${bytes.length} bytes`
        expectRefusedOrOk(a, what)
        if (a.status >= 400 || q.includes('dryRun=1')) {
          expect(await state(), what).toBe(before)
        }
      }),
      { seed: 1886, numRuns: 30 },
    )
    // A valid roster is still taken after it all.
    const ok = await send('POST', `/console/api/campaigns/${campaign.id}/roster`, csv, 'text/csv')
    expect(ok.status, ok.body).toBe(200)
  })
})

describe('paths, query strings and headers', () => {
  /** A path segment or query value as a browser, a script or an attacker may write it. */
  const piece = fc.oneof(
    fc.string({ maxLength: 20 }).map(encodeURIComponent),
    fc.string({ unit: 'binary', maxLength: 12 }).map(encodeURIComponent),
    fc.constantFrom(
      '',
      '%',
      '%E0%A4%A',
      '%ZZ',
      '%00',
      '..',
      '%2e%2e',
      '%2F',
      'a'.repeat(300),
      '{x}',
      '__proto__',
      'constructor',
      '-1',
      '1e3',
      '999999999999',
      '0x10',
      '2026-02-30',
      'xlsx',
      'csv',
      'en',
    ),
  )

  it('GET with any id, parameter and value: never 5xx, never a hang', async () => {
    const cid = campaign.id
    const route = fc.constantFrom(
      '/console/api/campaigns/{x}',
      `/console/api/campaigns/${cid}/roster`,
      `/console/api/campaigns/{x}/roster`,
      `/console/api/campaigns/${cid}/draws`,
      `/console/api/campaigns/${cid}/draws/{x}/winners`,
      `/console/api/campaigns/${cid}/erasures`,
      `/console/api/campaigns/${cid}/follow-up`,
      '/console/api/kiosks/{x}',
      '/console/api/stats',
      '/console/api/stats/days',
      '/console/api/attendance',
      '/console/api/{x}',
    )
    const param = fc.constantFrom(
      'campaign',
      'format',
      'offset',
      'limit',
      'q',
      'locale',
      'day',
      'days',
      'from',
      'x',
    )
    await fc.assert(
      fc.asyncProperty(
        route,
        piece,
        fc.array(fc.tuple(param, piece), { maxLength: 4 }),
        async (r, x, params) => {
          const query = params.map(([k, v]) => `${k}=${v}`).join('&')
          const path = `${r.replace('{x}', x)}${query === '' ? '' : `?${query}`}`
          const a = await door(relay.port, { method: 'GET', path, headers: session() })
          expect(a.status, `GET ${path}: ${a.body.slice(0, 200)}`).toBeGreaterThan(0)
          expect(a.status, `GET ${path}: ${a.body.slice(0, 200)}`).toBeLessThan(500)
        },
      ),
      { seed: 1887, numRuns: 250 },
    )
  })

  it('odd headers on a valid PUT (If-Match, Content-Type, Cookie, Origin): never 5xx; a refusal changes nothing', async () => {
    const header = fc.record({
      ifMatch: fc.option(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.constantFrom(
            '*',
            '"1"',
            'W/"1"',
            '"v1"',
            '"',
            '""',
            '"1", "2"',
            '"9007199254740993"',
            '"-1"',
          ),
        ),
        { nil: undefined },
      ),
      type: fc.constantFrom(
        'application/json',
        'application/json; charset=latin1',
        'application/json;;;',
        'APPLICATION/JSON',
        'text/json',
      ),
      cookie: fc.constantFrom(
        'own',
        'own; scandesk_session=x',
        'scandesk_session=',
        '',
        'scandesk_session=%ZZ',
        `own; ${'a=b; '.repeat(200)}`,
      ),
      origin: fc.constantFrom(
        'own',
        'null',
        '',
        'http://evil.example',
        `${'own'}/`,
        'HTTP://127.0.0.1',
      ),
    })
    await fc.assert(
      fc.asyncProperty(header, async (h) => {
        const own = c.cookie ?? ''
        const headers: Record<string, string> = { 'content-type': h.type }
        const cookie = h.cookie.replace('own', own)
        if (cookie !== '') headers.cookie = cookie
        const origin = h.origin.replace('own', relay.url)
        if (origin !== '') headers.origin = origin
        if (h.ifMatch !== undefined) headers['if-match'] = h.ifMatch
        const before = await state()
        const a = await door(relay.port, {
          method: 'PUT',
          path: '/console/api/kiosks/k1',
          headers,
          body: JSON.stringify({ campaignId: campaign.id }),
        })
        const what = `${JSON.stringify(h)}: ${a.status} ${a.body.slice(0, 200)}`
        expect(a.status, what).toBeGreaterThan(0)
        expect(a.status, what).toBeLessThan(500)
        if (a.status >= 400) expect(await state(), what).toBe(before)
      }),
      { seed: 1888, numRuns: 60 },
    )
  })
})
