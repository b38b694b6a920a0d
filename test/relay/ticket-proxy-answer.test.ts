// WeChat's answer to qrcode/create is outside input, checked before a kiosk draws it: the ticket
// a bounded string of the characters WeChat uses, the url an http(s) address, expire_seconds an
// integer no longer than what was asked. A bad answer is a 502 `wechat_bad_response` from the
// relay (carrying no secret) and the same failure on the kiosk's direct path; the real answer
// (the documented example) goes through as it is.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { relayApiErrorSchema, ticketProxyResponseSchema } from '../../shared/relay-protocol'
import { createDirectTicketSource } from '../../electron/core/tickets/ticket-source-direct'
import { createProxyTicketSource } from '../../electron/core/tickets/ticket-source-proxy'
import type { RelayConfigInput } from '../../relay/config'
import type { RelayHandle } from '../../relay/server'
import { FakeWechat } from '../wechat/fake-wechat'
import { jsonLogger } from '../../relay/log'
import { startTestRelay } from './harness'

const APP_ID = 'wx5823bf96d3bd56c7'
const APP_SECRET = 'secret-0123456789abcdef'
const TOKEN = 'ACCESS-TOKEN-0123456789-abcdefghij'
// The example answer of WeChat's documentation (docs/WECHAT.md "Creating a QR code ticket").
const REAL_TICKET =
  'gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw=='
const REAL_URL = 'http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** WeChat answering every qrcode/create with `answer` (given the expire_seconds asked). */
async function wechat(answer: (asked: number) => unknown) {
  const fake = await FakeWechat.start()
  cleanups.push(() => fake.close())
  fake.handler = (r) => {
    if (r.path === '/cgi-bin/stable_token') {
      return { body: { access_token: TOKEN, expires_in: 7200 } }
    }
    return { body: answer((r.body as { expire_seconds: number }).expire_seconds) }
  }
  return fake
}

/** A relay whose WeChat is `fake`; its log lines (JSON) go to `lines` when given. */
async function relayWith(
  fake: FakeWechat,
  config: RelayConfigInput = {},
  lines?: string[],
): Promise<RelayHandle> {
  const relay = await startTestRelay(
    'sqlite',
    null,
    { ...config, wechat: { appId: APP_ID, appSecret: APP_SECRET, apiBase: fake.url } },
    lines && { log: jsonLogger((l) => lines.push(l)) },
  )
  cleanups.push(() => relay.close())
  return relay
}

async function tickets(relay: RelayHandle, token: string, expireSeconds = 600) {
  const res = await fetch(`${relay.url}/api/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ count: 1, expireSeconds }),
  })
  return { status: res.status, text: await res.text() }
}

const real = (asked: number) => ({ ticket: REAL_TICKET, expire_seconds: asked, url: REAL_URL })

const BAD_ANSWERS: Array<[string, (asked: number) => unknown]> = [
  ['a javascript: url', (a) => ({ ...real(a), url: 'javascript:alert(document.cookie)' })],
  ['a data: url', (a) => ({ ...real(a), url: 'data:text/html,<script>alert(1)</script>' })],
  ['a url with a space', (a) => ({ ...real(a), url: 'http://weixin.qq.com/q/a b' })],
  ['a url without a host', (a) => ({ ...real(a), url: 'http:///q/abc' })],
  ['a url of 600 characters', (a) => ({ ...real(a), url: `${REAL_URL}${'x'.repeat(560)}` })],
  ['an empty ticket', (a) => ({ ...real(a), ticket: '' })],
  ['a ticket with markup', (a) => ({ ...real(a), ticket: '<img src=x onerror=alert(1)>' })],
  ['a ticket with a space', (a) => ({ ...real(a), ticket: 'gQH47 joA' })],
  ['a ticket of 600 characters', (a) => ({ ...real(a), ticket: 'A'.repeat(600) })],
  ['an expiry of 0', () => real(0)],
  ['a negative expiry', () => real(-60)],
  ['an expiry that is no integer', (a) => real(a - 0.5)],
]

describe('the ticket proxy checks WeChat answer', () => {
  it('passes the documented answer on as it is', async () => {
    const relay = await relayWith(await wechat(real))
    const res = await tickets(relay, await relay.addKiosk('k1'))
    expect(res.status).toBe(200)
    const [t] = ticketProxyResponseSchema.parse(JSON.parse(res.text)).tickets
    expect(t).toMatchObject({ ticket: REAL_TICKET, url: REAL_URL, expireSeconds: 600 })
  })

  it('takes an https url and a base64url ticket too', async () => {
    const answer = (a: number) => ({
      ticket: 'gQH-47_jo',
      expire_seconds: a,
      url: 'https://w.qq.com/q/x',
    })
    const relay = await relayWith(await wechat(answer))
    const res = await tickets(relay, await relay.addKiosk('k1'))
    expect(res.status).toBe(200)
  })

  it('cuts a lifetime longer than asked to what was asked', async () => {
    const relay = await relayWith(await wechat((a) => ({ ...real(a), expire_seconds: 2_592_000 })))
    const res = await tickets(relay, await relay.addKiosk('k1'), 600)
    expect(res.status).toBe(200)
    const [t] = ticketProxyResponseSchema.parse(JSON.parse(res.text)).tickets
    expect(t?.expireSeconds).toBe(600)
  })

  it('cuts it to maxTicketExpireSeconds when the kiosk asked for more', async () => {
    const fake = await wechat((a) => ({ ...real(a), expire_seconds: 2_592_000 }))
    const relay = await relayWith(fake, { maxTicketExpireSeconds: 3600 })
    const res = await tickets(relay, await relay.addKiosk('k1'), 2_592_000)
    const [t] = ticketProxyResponseSchema.parse(JSON.parse(res.text)).tickets
    expect(t?.expireSeconds).toBe(3600)
  })

  it('keeps the asked lifetime when WeChat leaves expire_seconds out', async () => {
    const relay = await relayWith(await wechat(() => ({ ticket: REAL_TICKET, url: REAL_URL })))
    const res = await tickets(relay, await relay.addKiosk('k1'), 900)
    const [t] = ticketProxyResponseSchema.parse(JSON.parse(res.text)).tickets
    expect(t?.expireSeconds).toBe(900)
  })

  it.each(BAD_ANSWERS)('answers %s with a 502 and no secret', async (_name, answer) => {
    const relay = await relayWith(await wechat(answer))
    const res = await tickets(relay, await relay.addKiosk('k1'))
    expect(res.status).toBe(502)
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'wechat_bad_response' } })
    expect(res.text).not.toContain(TOKEN)
    expect(res.text).not.toContain(APP_SECRET)
    expect(res.text).not.toContain('javascript')
  })
})

describe("the kiosk's direct path checks it the same way", () => {
  const source = (fake: FakeWechat) =>
    createDirectTicketSource({
      appId: APP_ID,
      appSecret: APP_SECRET,
      apiBase: fake.url,
      kioskId: 'k1',
    })

  it('takes the documented answer and cuts a longer lifetime', async () => {
    const ok = await source(await wechat(real)).create(1, 600)
    expect(ok[0]).toMatchObject({ ticket: REAL_TICKET, url: REAL_URL, expireSeconds: 600 })
    const long = await wechat((a) => ({ ...real(a), expire_seconds: 2_592_000 }))
    expect((await source(long).create(1, 600))[0]?.expireSeconds).toBe(600)
  })

  it.each(BAD_ANSWERS)('refuses %s as a bad response', async (_name, answer) => {
    const err = await source(await wechat(answer))
      .create(1, 600)
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'bad_response' })
  })
})

describe("the kiosk's proxy path reads the relay's answer by the same rules", () => {
  /** A relay answering POST /api/tickets with `ticket` (its other fields filled in). */
  async function relayAnswering(ticket: Record<string, unknown>): Promise<string> {
    const server = createServer((_req, res) => {
      const body = { tickets: [{ scene: 'k1:abc', createdAt: 1, ...ticket }] }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => server.close(resolve)))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }
  const source = (relayUrl: string) =>
    createProxyTicketSource({ relayUrl, kioskId: 'k1', token: 'k1.token' })

  it('keeps a ticket no longer than asked', async () => {
    const url = await relayAnswering({ ticket: REAL_TICKET, url: REAL_URL, expireSeconds: 86_400 })
    expect(await source(url).create(1, 600)).toEqual([
      { ticket: REAL_TICKET, url: REAL_URL, scene: 'k1:abc', expireSeconds: 600 },
    ])
  })

  it('refuses a javascript: url or a ticket with markup', async () => {
    for (const bad of [
      { ticket: REAL_TICKET, url: 'javascript:alert(1)', expireSeconds: 600 },
      { ticket: '<b>x</b>', url: REAL_URL, expireSeconds: 600 },
    ]) {
      const err = await source(await relayAnswering(bad))
        .create(1, 600)
        .catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'bad_response' })
    }
  })
})

describe("WeChat's errmsg echoing a credential", () => {
  const ECHOES: Array<[string, string, unknown]> = [
    [
      'the token, in words',
      '/cgi-bin/qrcode/create',
      { errcode: 48001, errmsg: `api unauthorized, hints: [ token ${TOKEN} rid: 6621f3a1-1b ]` },
    ],
    [
      'the token, JSON-quoted under another name',
      '/cgi-bin/qrcode/create',
      { errcode: 40003, errmsg: `bad request {"token" "${TOKEN}"}` },
    ],
    [
      'the secret, in words',
      '/cgi-bin/stable_token',
      { errcode: 40125, errmsg: `invalid appsecret ${APP_SECRET}, view more at http://t.cn/x` },
    ],
  ]

  it.each(ECHOES)('masks %s in the relay answer', async (_name, path, refusal) => {
    const fake = await wechat(() => refusal)
    const first = fake.handler
    fake.handler = (r) => (r.path === path ? { body: refusal } : first(r))
    const relay = await relayWith(fake)
    const res = await tickets(relay, await relay.addKiosk('k1'))
    expect(res.status).toBe(502)
    expect(res.text).not.toContain(TOKEN)
    expect(res.text).not.toContain(APP_SECRET)
    // Masked where it stood; what is not a credential is still there to read.
    const { message } = relayApiErrorSchema.parse(JSON.parse(res.text)).error
    expect(message).toContain('***')
    expect(message).toMatch(/unauthorized|bad request|invalid appsecret/)
  })

  it('an AppSecret reset in the WeChat admin: the log names the setting to change', async () => {
    // 40125 for the relay's AppSecret: every booth on the proxy gets no codes until the
    // operator puts the new one in and restarts; "WeChat refused, kind config" said neither.
    const fake = await wechat(real)
    fake.handler = () => ({ body: { errcode: 40125, errmsg: 'invalid appsecret' } })
    const lines: string[] = []
    const relay = await relayWith(fake, {}, lines)
    const res = await tickets(relay, await relay.addKiosk('k1'))
    expect(res.status).toBe(502)
    const refused = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => String(l.msg).includes('WeChat refused'))
    expect(refused).toHaveLength(1)
    expect(refused[0]).toMatchObject({ level: 'warn', errcode: 40125, kind: 'config' })
    expect(String(refused[0]?.fix)).toContain('SCANDESK_RELAY_WECHAT_APP_SECRET')
    expect(lines.join('\n')).not.toContain(APP_SECRET)
  })

  it.each(ECHOES)('masks %s on the direct path', async (_name, path, refusal) => {
    const fake = await wechat(() => refusal)
    const first = fake.handler
    fake.handler = (r) => (r.path === path ? { body: refusal } : first(r))
    const source = createDirectTicketSource({
      appId: APP_ID,
      appSecret: APP_SECRET,
      apiBase: fake.url,
      kioskId: 'k1',
    })
    const err = await source.create(1, 600).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    const text = `${(err as Error).message} ${String((err as Error).cause)}`
    expect(text).not.toContain(TOKEN)
    expect(text).not.toContain(APP_SECRET)
  })
})
