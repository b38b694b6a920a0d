// The doors kiosks and big screens use, probed with fast-check (fixed seeds, bounded runs): the
// ticket proxy and the fallback code (bodies, tokens), the kiosk websocket's frames after its
// welcome (acks, roster acks, binds, a second hello, junk), and the screens' key query
// strings. Never 5xx, never a hang; a refusal asks WeChat for nothing and stores nothing; a
// link that sent a bad frame is closed with the protocol's code, and no ack ever reaches past
// what was sent; a valid request still works after.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { z } from 'zod'
import { consoleCampaignSchema, type ConsoleCampaign } from '../../shared/campaign'
import {
  MAX_TICKETS_PER_REQUEST,
  RelayCloseCode,
  ticketProxyRequestSchema,
  ticketProxyResponseSchema,
} from '../../shared/relay-protocol'
import type { RelayHandle } from '../../relay/server'
import { drawAnswerSchema, drawRequestSchema } from '../../shared/screen-api'
import { FakeWechat } from '../wechat/fake-wechat'
import { waitFor } from '../kiosk/helpers'
import { ConsoleClient, organizer } from '../relay/console-helpers'
import { campaignBody } from '../relay/campaign-helpers'
import {
  KioskClient,
  postPush,
  scanXml,
  signedQuery,
  startTestRelay,
  TOKEN,
} from '../relay/harness'
import { door } from './doors-http'

let wechat: FakeWechat
let relay: RelayHandle
let token: string
let c: ConsoleClient
let campaign: ConsoleCampaign
let other: ConsoleCampaign
/** qrcode/create calls WeChat has had. */
let created = 0
/** The relay's clock runs this far ahead of the wall clock: a test moves it past a rate limit. */
let ahead = 0

/**
 * A push signed at the relay's time: the screens test moves its clock a second a request, and a
 * push signed by the wall clock is refused as stale (401) once that passes the 300 s window.
 */
const push = (xml: string) => postPush(relay.url, xml, signedQuery(TOKEN, Date.now() + ahead))

beforeAll(async () => {
  wechat = await FakeWechat.start()
  wechat.handler = (r) => {
    if (r.path === '/cgi-bin/stable_token')
      return { body: { access_token: 'tok', expires_in: 7200 } }
    created++
    const { expire_seconds } = r.body as { expire_seconds?: number }
    return {
      body: {
        ticket: `t${created}`,
        expire_seconds: expire_seconds ?? 60,
        url: `http://weixin.qq.com/q/${created}`,
      },
    }
  }
  relay = await startTestRelay(
    'sqlite',
    null,
    {
      // Limits out of the way: each request of the fuzz reaches the body's checks.
      ticketRatePerMinute: 6000,
      ticketBurst: 10_000,
      wechat: { appId: 'wx5823bf96d3bd56c7', appSecret: 'secret-0123456789', apiBase: wechat.url },
    },
    { now: () => Date.now() + ahead },
  )
  token = await relay.addKiosk('k1')
  c = new ConsoleClient(relay.url)
  expect((await c.login('alice', await organizer(relay, 'alice'))).status).toBe(200)
  const made = await c.call('POST', '/console/api/campaigns', campaignBody())
  campaign = consoleCampaignSchema.parse(made.json)
  other = consoleCampaignSchema.parse(
    (await c.call('POST', '/console/api/campaigns', campaignBody({ name: '别的' }))).json,
  )
  expect((await c.call('PUT', '/console/api/kiosks/k1', { campaignId: campaign.id })).status).toBe(
    200,
  )
  for (let i = 0; i < 3; i++) {
    expect((await push(scanXml(`oDoor${i}`, `k1:d${i}`, 1_700_000_000 + i))).status).toBe(200)
  }
})
afterAll(async () => {
  await relay.close()
  await wechat.close()
})

/** Bodies of any shape: JSON objects with the right keys and wrong values, other JSON, bytes. */
const body = (keys: string[]): fc.Arbitrary<Buffer> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .dictionary(
          fc.constantFrom(...keys, '__proto__', 'scene', 'kioskId', 'action_name'),
          fc.oneof(
            fc.jsonValue({ maxDepth: 1 }),
            fc.constantFrom(0, -1, 1.5, 59, 61, 2_592_001, 1e308, 101, '5', null, true),
          ),
          { maxKeys: 3 },
        )
        .map((o) => Buffer.from(JSON.stringify(o))),
    },
    {
      weight: 1,
      arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v) ?? '')),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        Buffer.from(''),
        Buffer.from('{'),
        Buffer.from('['.repeat(5000)),
        Buffer.from(`{"count":1,"expireSeconds":600,"x":"${'a'.repeat(5000)}"}`),
        Buffer.from('{"count":1,"expireSeconds":600}{"count":99}'),
      ),
    },
  )

const auth = fc.oneof(
  { weight: 4, arbitrary: fc.constant('right') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      'Bearer ',
      'Bearer x',
      'bearer right-but-lower',
      'Basic abc',
      'Bearer k1.',
      'Bearer k2.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    ),
  },
)

describe('ticket proxy and fallback code: bodies and tokens', () => {
  it('tickets: 200 only for a body the schema takes with the right token; a refusal asks WeChat for nothing', async () => {
    let ok = 0
    // The schema takes few of body()'s draws (both keys, each in range, nothing else: seed 2887
    // drew none in 600 runs), so bodies it takes are drawn on purpose too, some at the ranges' edges.
    const good = fc
      .record(
        {
          count: fc.integer({ min: 1, max: MAX_TICKETS_PER_REQUEST }),
          expireSeconds: fc.oneof(
            fc.integer({ min: 60, max: 2_592_000 }),
            fc.constantFrom(60, 2_592_000),
          ),
        },
        { requiredKeys: ['expireSeconds'] },
      )
      .map((o) => Buffer.from(JSON.stringify(o)))
    const bodies = fc.oneof(
      { weight: 6, arbitrary: body(['count', 'expireSeconds']) },
      { weight: 1, arbitrary: good },
    )
    await fc.assert(
      fc.asyncProperty(bodies, auth, async (b, a) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' }
        if (a === 'right') headers.authorization = `Bearer ${token}`
        else if (a === 'bearer right-but-lower') headers.authorization = `bearer ${token}x`
        else if (a !== '') headers.authorization = a
        const before = created
        const r = await door(relay.port, { method: 'POST', path: '/api/tickets', headers, body: b })
        const what = `${a} ${b.toString('utf8').slice(0, 120)}: ${r.status} ${r.body.slice(0, 200)}`
        expect(r.status, what).toBeGreaterThan(0)
        expect(r.status, what).toBeLessThan(500)
        let json: unknown
        try {
          json = JSON.parse(b.toString('utf8'))
        } catch {
          json = undefined
        }
        const valid = ticketProxyRequestSchema.safeParse(json)
        if (a !== 'right') expect(r.status, what).toBe(401)
        else if (!valid.success) expect([400, 413], what).toContain(r.status)
        else {
          expect(r.status, what).toBe(200)
          const answer = ticketProxyResponseSchema.parse(JSON.parse(r.body))
          expect(answer.tickets).toHaveLength(valid.data.count)
          expect(created - before).toBe(valid.data.count)
          ok++
          return
        }
        expect(created, what).toBe(before)
      }),
      { seed: 1887, numRuns: 200 },
    )
    expect(ok).toBeGreaterThan(5)
  })

  it('fallback code: only no body or {} makes the code; anything else is 400 or 413 and asks WeChat for nothing', async () => {
    await fc.assert(
      fc.asyncProperty(body(['scene', 'action']), async (b) => {
        const before = created
        const r = await door(relay.port, {
          method: 'POST',
          path: '/api/fallback-code',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: b,
        })
        const text = b.toString('utf8')
        const what = `${text.slice(0, 120)}: ${r.status} ${r.body.slice(0, 200)}`
        expect(r.status, what).toBeGreaterThan(0)
        expect(r.status, what).toBeLessThan(500)
        if (text.trim() === '' || text.trim() === '{}') return
        expect([400, 413, 415], what).toContain(r.status)
        expect(created).toBe(before)
      }),
      { seed: 1888, numRuns: 100 },
    )
    const r = await door(relay.port, {
      method: 'POST',
      path: '/api/fallback-code',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(r.status, r.body).toBe(200)
  })
})

/** A frame a confused or hostile kiosk might send once it is welcomed. */
const seqValue = fc.oneof(
  fc.integer({ min: -2, max: 6 }),
  fc.constantFrom(1.5, 2 ** 53, 1e308, -0, '2', null, [], {}),
)
const frameArb: fc.Arbitrary<{
  data: string | Buffer
  valid: 'ack' | 'other' | 'bad'
  seq?: number
}> = fc.oneof(
  seqValue.map((seq) =>
    typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0
      ? { data: JSON.stringify({ type: 'ack', seq }), valid: 'ack' as const, seq }
      : { data: JSON.stringify({ type: 'ack', seq }), valid: 'bad' as const },
  ),
  fc
    .record({
      campaignId: fc.constantFrom('__C__', '__O__', 'nope', '', '../x'),
      rosterVersion: seqValue,
      offset: seqValue,
    })
    .map((f) => ({ data: JSON.stringify({ type: 'roster-ack', ...f }), valid: 'other' as const })),
  fc
    .record({
      campaignId: fc.constantFrom('__C__', '__O__', 'nope'),
      registrationId: fc.constantFrom('r-0123456789abcdef01234567', 'x', ''),
      openid: fc.constantFrom('oDoor0', 'oNew', '', 'o'.repeat(200)),
      at: seqValue,
    })
    .map((f) => ({ data: JSON.stringify({ type: 'bind', ...f }), valid: 'other' as const })),
  fc
    .constantFrom(
      JSON.stringify({ type: 'hello', kioskId: 'k1' }),
      JSON.stringify({ type: 'hello', kioskId: 'k2' }),
      JSON.stringify({ type: 'ack', seq: 1, extra: 1 }),
      JSON.stringify({ type: 'scan', seq: 1 }),
      '{"type":"ack","seq":1,"__proto__":{"seq":99}}',
      'null',
      '',
      '{',
      '"ack"',
    )
    .map((data) => ({ data, valid: 'bad' as const })),
  fc.uint8Array({ maxLength: 100 }).map((b) => ({ data: Buffer.from(b), valid: 'bad' as const })),
)

/** Resolves once the relay has read every frame sent before it: the pong to a ping sent now. */
function roundTrip(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState !== WebSocket.OPEN) return resolve()
    const done = () => {
      ws.off('pong', done)
      ws.off('close', done)
      resolve()
    }
    ws.on('pong', done)
    ws.on('close', done)
    ws.ping()
  })
}

describe('kiosk websocket: frames after the welcome', () => {
  it('a bad frame closes the link with the protocol’s code; nothing acks past what was sent', async () => {
    const closes = new Map<number, number>()
    await fc.assert(
      fc.asyncProperty(frameArb, async (f) => {
        const k = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
        await k.waitForScans(3)
        const data =
          typeof f.data === 'string'
            ? f.data.replaceAll('__C__', campaign.id).replaceAll('__O__', other.id)
            : f.data
        k.send(data)
        await roundTrip(k.ws)
        const open = k.ws.readyState === WebSocket.OPEN
        if (f.valid === 'bad') {
          const closed = await k.closed
          closes.set(closed.code, (closes.get(closed.code) ?? 0) + 1)
          expect([RelayCloseCode.badFrame, RelayCloseCode.protocolError], String(data)).toContain(
            closed.code,
          )
        } else if (f.valid === 'ack' && (f.seq ?? 0) > 3) {
          expect((await k.closed).code).toBe(RelayCloseCode.protocolError)
        } else if (f.valid === 'other' && !open) {
          // A roster ack or bind of the wrong shape is a bad frame too.
          expect([RelayCloseCode.badFrame, RelayCloseCode.protocolError]).toContain(
            (await k.closed).code,
          )
        }
        const q = await relay.store.queueState('k1')
        expect(q?.ackedSeq ?? 0).toBeLessThanOrEqual(q?.headSeq ?? 0)
        // A booth binds only in the campaign it is in (and scanned the visitor in).
        expect(await relay.store.campaigns.bindings(other.id)).toEqual([])
        k.ws.terminate()
        await k.closed
      }),
      { seed: 1889, numRuns: 80 },
    )
    expect(closes.get(RelayCloseCode.badFrame)).toBeGreaterThan(0)
    // The booth still gets its scans after it all.
    const k = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
    expect((await push(scanXml('oAfter', 'k1:after', 1_700_000_100))).status).toBe(200)
    await k.waitFor((f) => f.type === 'scan' && f.openid === 'oAfter')
    k.ws.close()
  })
})

describe('big screens: key query strings', () => {
  it('without the right key it is 400, 403 or 404, never the screen; never 5xx', async () => {
    const key = campaign.screenKey
    const query = fc.oneof(
      fc.string({ maxLength: 60 }).map((k) => `key=${encodeURIComponent(k)}`),
      fc.string({ unit: 'binary', maxLength: 60 }).map((s) => encodeURIComponent(s)),
      fc.constantFrom(
        '',
        'key',
        'key=',
        `KEY=${key}`,
        `key=${key.slice(0, -1)}`,
        `key=${key}x`,
        `key=${key.toUpperCase()}`,
        `key=%${key}`,
        `key=${encodeURIComponent(` ${key}`)}`,
        'key=%ZZ',
        'key=%00',
        'key[]=a',
        '__proto__=1',
        `key=a&key=b&key=c&key=d&key=e&key=f&key=g`,
      ),
    )
    const page = fc.constantFrom(
      `/screen/${campaign.id}/wall`,
      `/screen/${campaign.id}/draw`,
      `/screen/api/${campaign.id}/wall`,
      `/screen/api/nope/wall`,
      `/screen/${campaign.id}/nope`,
      `/screen/api/${campaign.id}/draws`,
    )
    await fc.assert(
      fc.asyncProperty(page, query, async (p, q) => {
        // A token of the screens' limit (120 a minute from one address) for each request.
        ahead += 1_000
        const r = await door(relay.port, { method: 'GET', path: `${p}?${q}` })
        const what = `${p}?${q}: ${r.status} ${r.body.slice(0, 200)}`
        expect([400, 403, 404], what).toContain(r.status)
        expect(r.body, what).not.toContain(key)
      }),
      { seed: 18810, numRuns: 200 },
    )
    ahead += 1_000
    const r = await door(relay.port, {
      method: 'GET',
      path: `/screen/api/${campaign.id}/wall?key=${key}`,
    })
    expect(r.status, r.body).toBe(200)
  })
})

describe('kiosk websocket: the hello', () => {
  it('a hello of any shape is welcomed or closed with the protocol’s code, never anything else', async () => {
    const num = fc.oneof(
      fc.integer({ min: -1, max: 10 }),
      fc.constantFrom(2 ** 53, 1.5, 1e308, '1', null),
    )
    const hello = fc.record(
      {
        kioskId: fc.constantFrom('k1', 'k2', 'K1', '', 'k1 ', 'k'.repeat(200)),
        epoch: fc.oneof(fc.string({ maxLength: 40 }), num),
        lastSeq: num,
        version: fc.oneof(
          fc.string({ maxLength: 70 }),
          fc.constantFrom('1.0\n2', '\u202e1.0', '', '1.0.0'),
        ),
        campaignVersion: num,
        roster: fc.oneof(
          fc.record({
            campaignId: fc.constantFrom('__C__', 'nope', ''),
            version: num,
            offset: num,
          }),
          fc.constantFrom(null, 'x', []),
        ),
      },
      { requiredKeys: ['kioskId'] },
    )
    await fc.assert(
      fc.asyncProperty(hello, async (h) => {
        const k = await KioskClient.connect(relay.url, token)
        k.send(JSON.stringify({ type: 'hello', ...h }).replaceAll('__C__', campaign.id))
        const welcomed = k
          .waitFor((f) => f.type === 'welcome', 1, 10_000)
          .then(() => 'welcome' as const)
          .catch(() => 'closed' as const)
        const how = await Promise.race([welcomed, k.closed.then(() => 'closed' as const)])
        if (how === 'closed') {
          const { code } = await k.closed
          expect(
            [RelayCloseCode.badFrame, RelayCloseCode.forbidden, RelayCloseCode.protocolError],
            `${JSON.stringify(h).slice(0, 300)}: ${code}`,
          ).toContain(code)
        }
        const q = await relay.store.queueState('k1')
        expect(q?.ackedSeq ?? 0).toBeLessThanOrEqual(q?.headSeq ?? 0)
        k.ws.terminate()
        await k.closed
      }),
      { seed: 18811, numRuns: 60 },
    )
    const k = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
    expect(k.welcome.type).toBe('welcome')
    k.ws.close()
  })
})

describe('draws and redraws on a real pool', () => {
  const draws = async (): Promise<string> => {
    const a = await c.call('GET', `/console/api/campaigns/${campaign.id}/draws`)
    expect(a.status).toBe(200)
    return a.text
  }

  it('a draw body the schema refuses is 400; a refused or too-large draw or redraw changes no draw', async () => {
    for (let i = 3; i < 12; i++) {
      const scan = scanXml(`oDoor${i}`, `k1:d${i}`, 1_700_000_000 + i)
      expect((await push(scan)).status).toBe(200)
    }
    // Scans reach the attendance (and so the pool) a moment after they are stored.
    await waitFor(async () => {
      const a = await c.call('GET', `/console/api/stats?campaign=${campaign.id}`)
      return ((a.json as { visitors?: number } | null)?.visitors ?? 0) >= 12
    }, 'the twelve visitors in the attendance')
    const valid = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) =>
      fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: bad })
    const drawBody = fc.record(
      {
        count: valid(fc.integer({ min: 1, max: 4 }), fc.constantFrom(-1, 0, 101, 1.5, '1', null)),
        prize: valid(
          fc.constantFrom('一等奖', 'Prize'),
          fc.oneof(
            fc.string({ maxLength: 70 }),
            fc.constantFrom(' ', '\u202e奖', 'a\nb', 'x'.repeat(61), 7),
          ),
        ),
        excludeWinners: valid(fc.boolean(), fc.constantFrom('true', 0, null)),
        rosterOnly: valid(fc.constant(false), fc.constantFrom('false', 1, true)),
        extra: fc.constant(1),
      },
      { requiredKeys: ['count', 'prize'] },
    )
    const drawBodies = drawBody.map((b) => {
      // An unknown field in one body of ten.
      const { extra, ...rest } = b
      return extra !== undefined && (typeof b.count !== 'number' || b.count % 5 === 4) ? b : rest
    })
    const seen = new Set<string>()
    const openid = fc.constantFrom(
      'oDoor0',
      'oDoor1',
      'oDoor2',
      'oNobody',
      '',
      'o'.repeat(129),
      '__W__',
    )
    await fc.assert(
      fc.asyncProperty(drawBodies, openid, async (b, who) => {
        const before = await draws()
        const a = await c.call('POST', `/console/api/campaigns/${campaign.id}/draws`, b)
        const what = `${JSON.stringify(b)}: ${a.status} ${a.text.slice(0, 200)}`
        const valid = drawRequestSchema.safeParse(b).success
        if (!valid) expect(a.status, what).toBe(400)
        else expect([201, 409], what).toContain(a.status)
        seen.add(`draw ${a.status}`)
        if (a.status !== 201) expect(await draws(), what).toBe(before)
        // A redraw of the latest draw (the list is newest first), of a winner or anyone else.
        const list = z.array(drawAnswerSchema).parse(JSON.parse(await draws()))
        const last = list[0]
        if (last === undefined) return
        const winner = last.winners[0]?.openid ?? 'oNobody'
        const target = who === '__W__' ? winner : who
        const pre = await draws()
        const r = await c.call(
          'POST',
          `/console/api/campaigns/${campaign.id}/draws/${last.id}/redraw`,
          { openid: target },
        )
        const rwhat = `redraw ${target}: ${r.status} ${r.text.slice(0, 200)}`
        expect([200, 400, 404, 409], rwhat).toContain(r.status)
        seen.add(`redraw ${r.status}`)
        if (r.status !== 200) expect(await draws(), rwhat).toBe(pre)
        else
          expect(
            last.winners.some((w) => w.openid === target),
            rwhat,
          ).toBe(true)
      }),
      { seed: 18812, numRuns: 60 },
    )
    // Both ways out of each door were taken, or the property proves little.
    expect([...seen].sort()).toEqual(
      expect.arrayContaining(['draw 201', 'draw 400', 'draw 409', 'redraw 200', 'redraw 409']),
    )
  })
})
