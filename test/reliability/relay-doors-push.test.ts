// The push endpoint in plain mode as a conformance run or an attacker probes it, with
// fast-check (fixed seeds, bounded runs): every field of a correctly signed push wrong in turn
// (missing, twice, empty, entities, CDATA edge cases, numbers out of range, other encodings,
// truncated), and the query itself (signatures, timestamps, repeated and odd parameters). The
// relay answers 200 (stored, kept as unrouted, or ignored), 400 or 413, never 5xx or nothing;
// a refusal stores nothing, and a push is never stored twice; a valid push still works after.
import fc from 'fast-check'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { RelayConfigInput } from '../../relay/config'
import type { RelayHandle } from '../../relay/server'
import { startRedis, type TestRedis } from '../helpers/redis'
import {
  ACCOUNT,
  KioskClient,
  TOKEN,
  sha1Sorted,
  signedQuery,
  startTestRelay,
  type Backend,
} from '../relay/harness'
import { WechatCipher } from '../../shared/wechat'
import { door } from './doors-http'

const KIOSK = 'dp-1'
/** The relay the tests of the moment talk to (one per store below). */
let relay: RelayHandle
let redis: TestRedis

beforeAll(async () => {
  redis = await startRedis()
})
afterAll(() => redis.stop())

/** A relay on `backend` with the booth, for the describe block this is called in. */
function relayOn(backend: Backend, config: RelayConfigInput = {}): void {
  let mine: RelayHandle
  beforeAll(async () => {
    mine = await startTestRelay(backend, redis.url, config)
    await mine.addKiosk(KIOSK)
  })
  beforeEach(() => {
    relay = mine
  })
  afterAll(() => mine.close())
}

/** Everything a push can have stored: the booth's queue and the unrouted pushes. */
async function stored(): Promise<number> {
  const q = await relay.store.queueState(KIOSK)
  return (q?.headSeq ?? 0) + (await relay.store.countUnrouted())
}

let nonce = 0
/** A fresh signature (the harness's signedQuery), with `extra` beside it. */
const signed = (extra: Record<string, string> = {}): Record<string, string> => ({
  ...Object.fromEntries(signedQuery(TOKEN)),
  ...extra,
})

const pathOf = (q: Record<string, string>): string =>
  '/wechat?' +
  Object.entries(q)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&')

const cdata = (s: string): string => `<![CDATA[${s}]]>`

/** Text that is hard on an XML reader: entities, CDATA ends, controls, surrogates, markup. */
const nastyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '&amp;',
    '&x;',
    '&#0;',
    '&#x1F600;',
    '&#xD800;',
    '&lt;xml&gt;',
    ']]>',
    '<![CDATA[',
    '\u0000',
    '\u0007',
    '\uFEFF',
    '\uD800',
    '\uFFFE',
    'qrscene_',
    'qrscene_qrscene_',
    `${KIOSK}:n`,
    `qrscene_${KIOSK}:n`,
    '<a>b</a>',
    '中文',
    'a'.repeat(5000),
  ),
)

/** How one element appears (or not) in the push. */
const element = (name: string, good: string) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant(`<${name}>${cdata(good)}</${name}>`) },
    { weight: 1, arbitrary: fc.constant('') },
    { weight: 1, arbitrary: fc.constant(`<${name}>${cdata(good)}</${name}>`.repeat(2)) },
    { weight: 1, arbitrary: fc.constant(`<${name}></${name}>`) },
    { weight: 1, arbitrary: fc.constant(`<${name}/>`) },
    { weight: 1, arbitrary: fc.constant(`<${name}>${good}</${name}>`) },
    {
      weight: 1,
      arbitrary: fc.constant(
        `<${name}>${cdata(good.slice(0, 3))}${cdata(good.slice(3))}</${name}>`,
      ),
    },
    { weight: 2, arbitrary: nastyText.map((t) => `<${name}>${cdata(t)}</${name}>`) },
    { weight: 2, arbitrary: nastyText.map((t) => `<${name}>${t}</${name}>`) },
    {
      weight: 1,
      arbitrary: nastyText.map((t) => `<${name} a="${t}">${cdata(good)}</${name}>`),
    },
  )

const createTime = fc.oneof(
  { weight: 4, arbitrary: fc.constant(String(Math.floor(Date.now() / 1000))) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '0',
      '-1',
      '1e10',
      '1.5',
      ' 1700000000 ',
      '0x10',
      '99999999999999999999',
      '9007199254740993',
      '4294967296',
      '2147483648',
      'NaN',
      '',
      '１７００',
    ),
  },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String) },
)

const prologue = fc.constantFrom(
  '',
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<?xml version="1.0" encoding="GBK"?>',
  '<?xml version="1.0" encoding="UTF-16"?>',
  '\uFEFF',
  '<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
  '<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
  '<!-- a comment -->',
  '<?pi data?>',
)

interface Push {
  xml: string
  /** Every element as WeChat writes it, with a scene of the booth: must be stored. */
  clean: boolean
}

let visitor = 0
const pushArb: fc.Arbitrary<{ push: Push; encoding: 'utf8' | 'utf16le' | 'latin1'; cut: number }> =
  fc
    .record({
      pro: prologue,
      to: element('ToUserName', ACCOUNT),
      msgType: element('MsgType', 'event'),
      event: fc.constantFrom('SCAN', 'subscribe', 'unsubscribe', 'CLICK', 'scan', ''),
      eventKeyRaw: fc.oneof(fc.constant('ok'), nastyText),
      keyShape: fc.nat(9),
      ticket: element('Ticket', 'tk-1'),
      ct: createTime,
      ctShape: fc.nat(5),
      fromShape: fc.nat(11),
      openidRaw: nastyText,
      extra: fc.constantFrom(
        '',
        '<MsgId>1</MsgId>',
        '<Extra><a><b/></a></Extra>',
        '<x/>'.repeat(300),
      ),
      encoding: fc.constantFrom<Array<'utf8' | 'utf16le' | 'latin1'>>(
        'utf8',
        'utf8',
        'utf8',
        'utf8',
        'utf16le',
        'latin1',
      ),
      cut: fc.oneof(
        { weight: 5, arbitrary: fc.constant(-1) },
        { weight: 1, arbitrary: fc.nat(400) },
      ),
    })
    .map((r) => {
      const openid = `oFz${(++visitor).toString(36)}`
      const scene =
        r.event === 'subscribe' ? `qrscene_${KIOSK}:n${visitor}` : `${KIOSK}:n${visitor}`
      const key = r.eventKeyRaw === 'ok' ? scene : r.eventKeyRaw
      const keyEl =
        r.keyShape < 6
          ? `<EventKey>${cdata(key)}</EventKey>`
          : r.keyShape === 6
            ? ''
            : r.keyShape === 7
              ? `<EventKey>${cdata(key)}</EventKey><EventKey>${cdata(`${KIOSK}:other`)}</EventKey>`
              : `<EventKey>${key}</EventKey>`
      const ctEl =
        r.ctShape < 3
          ? `<CreateTime>${r.ct}</CreateTime>`
          : r.ctShape === 3
            ? ''
            : r.ctShape === 4
              ? `<CreateTime>${r.ct}</CreateTime><CreateTime>1</CreateTime>`
              : `<CreateTime>${cdata(r.ct)}</CreateTime>`
      const fromEl =
        r.fromShape < 7
          ? `<FromUserName>${cdata(openid)}</FromUserName>`
          : r.fromShape === 7
            ? ''
            : r.fromShape < 10
              ? `<FromUserName>${cdata(openid)}</FromUserName><FromUserName>${cdata('oOther')}</FromUserName>`
              : r.fromShape === 10
                ? `<FromUserName>${cdata(`${openid}${r.openidRaw}`)}</FromUserName>`
                : `<FromUserName>${openid}${r.openidRaw}</FromUserName>`
      const xml =
        `${r.pro}<xml>${r.to}${fromEl}${ctEl}${r.msgType}<Event>${cdata(r.event)}</Event>` +
        `${keyEl}${r.ticket}${r.extra}</xml>`
      const clean =
        r.pro === '' &&
        r.to === `<ToUserName>${cdata(ACCOUNT)}</ToUserName>` &&
        r.msgType === `<MsgType>${cdata('event')}</MsgType>` &&
        (r.event === 'SCAN' || r.event === 'subscribe') &&
        r.eventKeyRaw === 'ok' &&
        r.keyShape < 6 &&
        r.ticket === `<Ticket>${cdata('tk-1')}</Ticket>` &&
        r.ctShape < 3 &&
        /^[1-9][0-9]{0,9}$/.test(r.ct) &&
        r.fromShape < 7 &&
        r.extra === '' &&
        r.encoding === 'utf8' &&
        r.cut < 0
      return { push: { xml, clean }, encoding: r.encoding, cut: r.cut }
    })

describe.each<Backend>(['sqlite', 'redis'])('push endpoint, plain mode: bodies (%s)', (backend) => {
  relayOn(backend)
  it('every field wrong in turn: 200, 400 or 413; stores at most the one push; a clean push is stored', async () => {
    const statuses = new Map<number, number>()
    await fc.assert(
      fc.asyncProperty(pushArb, async ({ push, encoding, cut }) => {
        let body = Buffer.from(push.xml, encoding)
        if (cut >= 0) body = body.subarray(0, cut)
        const before = await stored()
        const a = await door(relay.port, {
          method: 'POST',
          path: pathOf(signed()),
          headers: { 'content-type': 'text/xml' },
          body,
        })
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1)
        const delta = (await stored()) - before
        expect([200, 400, 413], `${a.status} ${a.body} for ${push.xml.slice(0, 300)}`).toContain(
          a.status,
        )
        expect(delta).toBeLessThanOrEqual(a.status === 200 ? 1 : 0)
        if (push.clean) {
          expect(a.status, a.body).toBe(200)
          expect(delta).toBe(1)
        }
      }),
      { seed: 188, numRuns: 400 },
    )
    // The generator reaches both answers, or the property proves little.
    expect(statuses.get(200)).toBeGreaterThan(40)
    expect(statuses.get(400)).toBeGreaterThan(40)
  })

  it('the same push re-signed (WeChat’s retry) is stored once, whatever its bytes', async () => {
    await fc.assert(
      fc.asyncProperty(pushArb, async ({ push, encoding, cut }) => {
        let body = Buffer.from(push.xml, encoding)
        if (cut >= 0) body = body.subarray(0, cut)
        const first = await door(relay.port, {
          method: 'POST',
          path: pathOf(signed()),
          headers: { 'content-type': 'text/xml' },
          body,
        })
        const before = await stored()
        const again = await door(relay.port, {
          method: 'POST',
          path: pathOf(signed()),
          headers: { 'content-type': 'text/xml' },
          body,
        })
        expect(again.status).toBe(first.status)
        expect((await stored()) - before).toBe(0)
      }),
      { seed: 1880, numRuns: 120 },
    )
  })
  it('every push stored by the fuzz reaches the booth as a valid scan frame, and /healthz is fine', async () => {
    const head = (await relay.store.queueState(KIOSK))?.headSeq ?? 0
    expect(head).toBeGreaterThan(0)
    const token = await relay.addKiosk(KIOSK)
    // Every frame the booth gets is checked against the protocol's schema (KioskClient).
    const k = await KioskClient.hello(relay.url, token, { kioskId: KIOSK })
    const acked = new Set<number>()
    for (let got = 0; got < head;) {
      await k.waitFor((f) => f.type === 'scan', got + 1, 20_000)
      for (const s of k.scans) {
        if (acked.has(s.seq)) continue
        acked.add(s.seq)
        k.ack(s.seq)
      }
      got = k.scans.length
    }
    expect(new Set(k.scans.map((s) => s.seq)).size).toBe(head)
    k.ws.close()
    const health = await door(relay.port, { method: 'GET', path: '/healthz' })
    expect(health.status, health.body).toBe(200)
  })
})

describe('push endpoint, plain mode: queries', () => {
  relayOn('sqlite')
  const body = (): Buffer =>
    Buffer.from(
      `<xml><ToUserName>${cdata(ACCOUNT)}</ToUserName><FromUserName>${cdata(`oQ${++visitor}`)}</FromUserName>` +
        `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType>${cdata('event')}</MsgType>` +
        `<Event>${cdata('SCAN')}</Event><EventKey>${cdata(`${KIOSK}:q${visitor}`)}</EventKey>` +
        `<Ticket>${cdata('tk')}</Ticket></xml>`,
    )

  /** A query that is not a fresh, correct signature (each way a query can be wrong). */
  const badQuery = fc.oneof(
    fc.record({ drop: fc.constantFrom('signature', 'timestamp', 'nonce') }).map(({ drop }) => {
      const q = signed()
      delete q[drop]
      return pathOf(q)
    }),
    fc.string({ maxLength: 60 }).map((sig) => pathOf(signed({ signature: sig }))),
    fc.constantFrom('-1', '0', '1e3', ' 1', '+1', '99999999999999', '', 'abc', '1.5').map((ts) => {
      const n = String(++nonce)
      return pathOf({ signature: sha1Sorted([TOKEN, ts, n]), timestamp: ts, nonce: n })
    }),
    fc.integer({ min: 301, max: 10 ** 9 }).map((skew) => {
      const ts = String(Math.floor(Date.now() / 1000) - skew)
      const n = String(++nonce)
      return pathOf({ signature: sha1Sorted([TOKEN, ts, n]), timestamp: ts, nonce: n })
    }),
    // The right parts signed in another order, or with another token.
    fc.constant(null).map(() => {
      const ts = String(Math.floor(Date.now() / 1000))
      const n = String(++nonce)
      const wrong = sha1Sorted([`${TOKEN}x`, ts, n])
      return pathOf({ signature: wrong, timestamp: ts, nonce: n })
    }),
    fc
      .string({ unit: 'binary', maxLength: 80 })
      .map((s) => `/wechat?${encodeURIComponent(s)}=${encodeURIComponent(s)}`),
  )

  it('a query that is not a fresh signature is refused 400 or 401, and stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(badQuery, async (path) => {
        const before = await stored()
        const a = await door(relay.port, {
          method: 'POST',
          path,
          headers: { 'content-type': 'text/xml' },
          body: body(),
        })
        expect([400, 401], `${a.status} ${a.body} for ${path}`).toContain(a.status)
        expect(await stored()).toBe(before)
      }),
      { seed: 18800, numRuns: 200 },
    )
  })

  it('the URL check echoes echostr only with a right signature, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 1100 }), fc.boolean(), async (echostr, right) => {
        const q = right
          ? signed({ echostr })
          : { ...signed({ echostr }), signature: 'f'.repeat(40) }
        const a = await door(relay.port, { method: 'GET', path: pathOf(q) })
        if (!right) expect(a.status).toBe(401)
        else if (echostr.length === 0 || echostr.length > 1024) expect(a.status).toBe(400)
        else expect({ status: a.status, body: a.body }).toEqual({ status: 200, body: echostr })
      }),
      { seed: 18801, numRuns: 150 },
    )
  })

  it('after all of it a valid push is stored and answered', async () => {
    const before = await stored()
    const a = await door(relay.port, {
      method: 'POST',
      path: pathOf(signed()),
      headers: { 'content-type': 'text/xml' },
      body: body(),
    })
    expect(a.status).toBe(200)
    expect((await stored()) - before).toBe(1)
  })
})

describe('push endpoint, safe mode: envelopes and what they decrypt to', () => {
  const AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C'
  const APP_ID = 'wx5823bf96d3bd56c7'
  const cipher = new WechatCipher({ encodingAESKey: AES_KEY, appId: APP_ID })
  let safe: RelayHandle
  beforeAll(async () => {
    safe = await startTestRelay('sqlite', null, {
      wechat: { token: TOKEN, encodingAESKey: AES_KEY, appId: APP_ID, mode: 'safe' },
    })
    await safe.addKiosk(KIOSK)
  })
  afterAll(() => safe.close())

  async function safeStored(): Promise<number> {
    const q = await safe.store.queueState(KIOSK)
    return (q?.headSeq ?? 0) + (await safe.store.countUnrouted())
  }

  /** The query of a safe-mode push whose msg_signature covers `encrypt`. */
  function safeQuery(encrypt: string): Record<string, string> {
    const q = signed({ encrypt_type: 'aes' })
    q.msg_signature = sha1Sorted([TOKEN, q.timestamp ?? '', q.nonce ?? '', encrypt])
    return q
  }

  const envelope = (encrypt: string, shape: number): string => {
    const el = `<Encrypt>${cdata(encrypt)}</Encrypt>`
    const to = `<ToUserName>${cdata(ACCOUNT)}</ToUserName>`
    switch (shape) {
      case 0:
        return `<xml>${el}${to}</xml>`
      case 1:
        return `<xml>${to}<Encrypt>${encrypt}</Encrypt></xml>`
      case 2:
        return `<xml>${to}${el}${el}</xml>`
      case 3:
        return `<xml>${to}<Encrypt>${cdata(encrypt.slice(0, 10))}${cdata(encrypt.slice(10))}</Encrypt></xml>`
      case 4:
        return `<xml>${to}<Encrypt> ${cdata(encrypt)} </Encrypt></xml>`
      default:
        return `<xml>${to}${el}</xml>`
    }
  }

  it('every decrypted field wrong in turn, in envelopes of every shape: 200, 400 or 413, at most one stored', async () => {
    const statuses = new Map<number, number>()
    await fc.assert(
      fc.asyncProperty(pushArb, fc.nat(7), async ({ push, cut }, shape) => {
        const xml = cut >= 0 ? push.xml.slice(0, cut) : push.xml
        const encrypt = cipher.encrypt(xml)
        const before = await safeStored()
        const a = await door(safe.port, {
          method: 'POST',
          path: pathOf(safeQuery(encrypt)),
          headers: { 'content-type': 'text/xml' },
          body: envelope(encrypt, shape),
        })
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1)
        const delta = (await safeStored()) - before
        // Twice, or with text around its CDATA, the Encrypt read is not the one signed.
        const answers = shape === 2 || shape === 4 ? [200, 400, 401, 413] : [200, 400, 413]
        expect(answers, `${a.status} ${a.body} (${shape}) for ${xml.slice(0, 300)}`).toContain(
          a.status,
        )
        expect(delta).toBeLessThanOrEqual(a.status === 200 ? 1 : 0)
        if (a.status === 200 && xml.length > 0) expect(a.body.length).toBeGreaterThan(0)
        if (push.clean && shape !== 2 && shape !== 4) {
          expect(a.status, a.body).toBe(200)
          expect(delta).toBe(1)
        }
      }),
      { seed: 18802, numRuns: 250 },
    )
    expect(statuses.get(200)).toBeGreaterThan(30)
    expect(statuses.get(400)).toBeGreaterThan(10)
  })

  it('an Encrypt that is not ours (not base64, short, another AppID) is 400 or 401 and stores nothing', async () => {
    const other = new WechatCipher({ encodingAESKey: AES_KEY, appId: 'wx0000000000000000' })
    const bad = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('base64')),
      fc.constant(other.encrypt(`<xml><FromUserName>${cdata('o')}</FromUserName></xml>`)),
      fc.constantFrom('', '=', '====', 'AAAA', 'A'.repeat(44), '%%%%'),
    )
    await fc.assert(
      fc.asyncProperty(bad, async (encrypt) => {
        const before = await safeStored()
        const a = await door(safe.port, {
          method: 'POST',
          path: pathOf(safeQuery(encrypt)),
          headers: { 'content-type': 'text/xml' },
          body: envelope(encrypt, 0),
        })
        expect([400, 401], `${a.status} ${a.body} for ${encrypt}`).toContain(a.status)
        expect(await safeStored()).toBe(before)
      }),
      { seed: 18803, numRuns: 150 },
    )
  })
  it('the safe-mode URL check answers the decrypted echostr, never a push or reply, never 5xx', async () => {
    const plain = fc.oneof(
      fc.string({ minLength: 1, maxLength: 200 }),
      fc.constantFrom('1234567890', '<xml>', 'a<b', '中文回声', ' ', '\u0000'),
    )
    await fc.assert(
      fc.asyncProperty(plain, async (text) => {
        const echostr = cipher.encrypt(text)
        const q = safeQuery(echostr)
        delete q.encrypt_type
        q.echostr = echostr
        const a = await door(safe.port, { method: 'GET', path: pathOf(q) })
        const what = `${JSON.stringify(text)}: ${a.status} ${a.body.slice(0, 100)}`
        if (echostr.length > 1024) expect(a.status, what).toBe(400)
        else if (text.includes('<'))
          expect({ status: a.status, body: a.body }, what).toEqual({
            status: 400,
            body: 'bad echostr',
          })
        else expect({ status: a.status, body: a.body }, what).toEqual({ status: 200, body: text })
      }),
      { seed: 18804, numRuns: 150 },
    )
  })
})
