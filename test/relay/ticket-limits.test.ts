// The ticket proxy's per-kiosk limits: a token bucket of tickets, a cap on requests in flight,
// and a relay-side cap on ticket lifetimes; every refusal counted in /metrics by reason.
import { afterEach, describe, expect, it } from 'vitest'
import { ticketProxyResponseSchema } from '../../shared/relay-protocol'
import { TicketSourceError } from '../../electron/core/tickets/ticket-source'
import { createProxyTicketSource } from '../../electron/core/tickets/ticket-source-proxy'
import type { RelayConfigInput } from '../../relay/config'
import type { RelayHandle, StartRelayOptions } from '../../relay/server'
import { jsonLogger } from '../../shared/server/log'
import { FakeWechat } from '../wechat/fake-wechat'
import { startTestRelay } from './harness'
import { waitFor } from '../kiosk/helpers'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** WeChat that issues a token and a ticket for every qrcode/create (or holds them). */
async function wechat() {
  const fake = await FakeWechat.start()
  cleanups.push(() => fake.close())
  let n = 0
  const held: Array<() => void> = []
  const state = { hold: false }
  fake.handler = async (r) => {
    if (r.path === '/cgi-bin/stable_token') {
      return { body: { access_token: 'tok', expires_in: 7200 } }
    }
    if (state.hold) await new Promise<void>((resolve) => held.push(resolve))
    const { expire_seconds } = r.body as { expire_seconds: number }
    return { body: { ticket: `t${++n}`, expire_seconds, url: `http://weixin.qq.com/q/${n}` } }
  }
  const release = () => {
    state.hold = false
    for (const r of held.splice(0)) r()
  }
  return { fake, state, held, release }
}

async function relayWith(
  fake: FakeWechat,
  config: RelayConfigInput,
  opts: StartRelayOptions = {},
): Promise<RelayHandle> {
  const relay = await startTestRelay(
    'sqlite',
    null,
    {
      ...config,
      wechat: { appId: 'wx5823bf96d3bd56c7', appSecret: 'secret-0123456789', apiBase: fake.url },
    },
    opts,
  )
  cleanups.push(() => relay.close())
  return relay
}

async function tickets(relay: RelayHandle, token: string, count = 1, expireSeconds = 600) {
  const res = await fetch(`${relay.url}/api/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ count, expireSeconds }),
  })
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json: await res.json() }
}

async function metricsText(relay: RelayHandle): Promise<string> {
  return (await fetch(`${relay.url}/metrics`)).text()
}

describe('ticket proxy limits per kiosk', () => {
  it('hammering one kiosk token gets 429 with Retry-After after the burst; another kiosk still gets tickets', async () => {
    const { fake } = await wechat()
    const relay = await relayWith(fake, { ticketBurst: 10, ticketRatePerMinute: 1 })
    const k1 = await relay.addKiosk('k1')
    const k2 = await relay.addKiosk('k2')

    // A batch larger than what is left gets what is left: 4 + 6 = the burst of 10.
    expect(
      ticketProxyResponseSchema.parse((await tickets(relay, k1, 4)).json).tickets,
    ).toHaveLength(4)
    const rest = await tickets(relay, k1, 20)
    expect(ticketProxyResponseSchema.parse(rest.json).tickets).toHaveLength(6)

    const hammer = await Promise.all(Array.from({ length: 30 }, () => tickets(relay, k1, 20)))
    for (const res of hammer) {
      expect(res.status).toBe(429)
      // 1 a minute: the next ticket is at most 60 s away.
      expect(Number(res.retryAfter)).toBeGreaterThanOrEqual(1)
      expect(Number(res.retryAfter)).toBeLessThanOrEqual(60)
      expect(res.json).toMatchObject({ error: { code: 'rate_limited' } })
    }
    expect(fake.count('/cgi-bin/qrcode/create')).toBe(10)

    const other = await tickets(relay, k2, 3)
    expect(other.status).toBe(200)
    expect(ticketProxyResponseSchema.parse(other.json).tickets).toHaveLength(3)

    expect(relay.metrics.ticketRefusalCount('rate')).toBe(30)
    expect(await metricsText(relay)).toContain(
      'scandesk_relay_ticket_refusals_total{reason="rate"} 30',
    )
  })

  it('logs a kiosk over its limit once a minute, with how many went unlogged', async () => {
    const { fake } = await wechat()
    let t = Date.UTC(2026, 0, 5, 2)
    const lines: string[] = []
    const relay = await relayWith(
      fake,
      { ticketBurst: 1, ticketRatePerMinute: 1 },
      { now: () => t, log: jsonLogger((l) => lines.push(l)) },
    )
    const k1 = await relay.addKiosk('k1')
    const k2 = await relay.addKiosk('k2')
    const over = () =>
      lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l['msg'] === 'ticket proxy: kiosk over its limit')
        .map((l) => [l['kioskId'], l['reason'], l['unlogged'] ?? 0])
    const statuses = async (token: string, n: number) => {
      const out: number[] = []
      for (let i = 0; i < n; i++) out.push((await tickets(relay, token)).status)
      return out
    }
    expect(await statuses(k1, 4)).toEqual([200, 429, 429, 429])
    // Each kiosk has its own minute.
    expect(await statuses(k2, 2)).toEqual([200, 429])
    expect(over()).toEqual([
      ['k1', 'rate', 0],
      ['k2', 'rate', 0],
    ])
    // A minute on: one ticket back, then one line saying how many 429s went unlogged.
    t += 60_000
    expect(await statuses(k1, 3)).toEqual([200, 429, 429])
    expect(over()).toEqual([
      ['k1', 'rate', 0],
      ['k2', 'rate', 0],
      ['k1', 'rate', 2],
    ])
    expect(relay.metrics.ticketRefusalCount('rate')).toBe(6)
  })

  it('logs tickets issued once a minute per kiosk, with how many requests went unlogged', async () => {
    // A booth rotating every 10 s asks for a ticket about every 10 s: 10,000 booths wrote
    // 1,000 lines a second, three times what journald keeps. /metrics counts every ticket.
    const { fake } = await wechat()
    let t = Date.UTC(2026, 0, 5, 2)
    const lines: string[] = []
    const relay = await relayWith(fake, {}, { now: () => t, log: jsonLogger((l) => lines.push(l)) })
    const k1 = await relay.addKiosk('k1')
    const k2 = await relay.addKiosk('k2')
    const issued = () =>
      lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l['msg'] === 'tickets issued')
        .map((l) => [l['kioskId'], l['count'], l['unlogged'] ?? 0])
    for (let i = 0; i < 5; i++) expect((await tickets(relay, k1, 2)).status).toBe(200)
    expect((await tickets(relay, k2)).status).toBe(200)
    expect(issued()).toEqual([
      ['k1', 2, 0],
      ['k2', 1, 0],
    ])
    t += 60_000
    expect((await tickets(relay, k1)).status).toBe(200)
    expect(issued().at(-1)).toEqual(['k1', 1, 4])
    expect(await metricsText(relay)).toContain('scandesk_relay_tickets_issued_total 12')
  })

  it('caps the requests one kiosk has in flight', async () => {
    const w = await wechat()
    const relay = await relayWith(w.fake, { ticketConcurrency: 2 })
    const k1 = await relay.addKiosk('k1')
    const k2 = await relay.addKiosk('k2')
    w.state.hold = true
    const first = [tickets(relay, k1), tickets(relay, k1)]
    await waitFor(() => w.held.length === 2, 'two requests at WeChat')

    const third = await tickets(relay, k1)
    expect(third.status).toBe(429)
    expect(third.retryAfter).toBe('1')
    expect(third.json).toMatchObject({ error: { code: 'too_many_in_flight' } })
    // Another kiosk has its own allowance.
    const other = tickets(relay, k2)
    await waitFor(() => w.held.length === 3, "the other kiosk's request at WeChat")

    w.release()
    expect((await Promise.all(first)).map((r) => r.status)).toEqual([200, 200])
    expect((await other).status).toBe(200)
    // Done requests free their place.
    expect((await tickets(relay, k1)).status).toBe(200)
    expect(await metricsText(relay)).toContain(
      'scandesk_relay_ticket_refusals_total{reason="concurrency"} 1',
    )
  })

  it('stops creating tickets for a kiosk that gave up waiting', async () => {
    const w = await wechat()
    const relay = await relayWith(w.fake, {})
    const k1 = await relay.addKiosk('k1')
    w.state.hold = true
    // The kiosk asks for 20 and its timeout (slow WeChat, venue Wi-Fi) ends the request.
    const giveUp = new AbortController()
    const asked = fetch(`${relay.url}/api/tickets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${k1}`, 'content-type': 'application/json' },
      body: JSON.stringify({ count: 20, expireSeconds: 600 }),
      signal: giveUp.signal,
    }).catch(() => null)
    await waitFor(() => w.held.length === 1, 'the first ticket at WeChat')
    giveUp.abort()
    expect(await asked).toBeNull()
    await new Promise((resolve) => setTimeout(resolve, 300))
    // WeChat answers the call under way; any later one would be held too.
    for (const answer of w.held.splice(0)) answer()
    await waitFor(
      async () =>
        w.held.length > 0 || (await metricsText(relay)).includes('tickets_issued_total 1'),
      'the batch to stop or go on',
    )
    // Each ticket costs the account's daily quota: none is made for a request no one awaits.
    expect(w.held).toHaveLength(0)
    expect(w.fake.requests.filter((r) => r.path === '/cgi-bin/qrcode/create')).toHaveLength(1)
  })

  it('cuts lifetimes to maxTicketExpireSeconds, and the answer says so', async () => {
    const { fake } = await wechat()
    const relay = await relayWith(fake, { maxTicketExpireSeconds: 3600 })
    const k1 = await relay.addKiosk('k1')
    const res = await tickets(relay, k1, 2, 2_592_000)
    expect(res.status).toBe(200)
    const issued = ticketProxyResponseSchema.parse(res.json).tickets
    expect(issued.map((t) => t.expireSeconds)).toEqual([3600, 3600])
    const sent = fake.requests.filter((r) => r.path === '/cgi-bin/qrcode/create')
    expect(sent.map((r) => (r.body as { expire_seconds: number }).expire_seconds)).toEqual([
      3600, 3600,
    ])
    // Shorter requests are left alone.
    const short = await tickets(relay, k1, 1, 600)
    expect(ticketProxyResponseSchema.parse(short.json).tickets[0]?.expireSeconds).toBe(600)
    expect(await metricsText(relay)).toContain('scandesk_relay_ticket_expire_clamped_total 1')
  })

  it('defaults to a cap of 4 hours', async () => {
    const { fake } = await wechat()
    const relay = await relayWith(fake, {})
    const k1 = await relay.addKiosk('k1')
    const res = await tickets(relay, k1, 1, 2_592_000)
    expect(ticketProxyResponseSchema.parse(res.json).tickets[0]?.expireSeconds).toBe(14_400)
  })

  it('counts the other refusals by reason', async () => {
    const { fake } = await wechat()
    const relay = await relayWith(fake, {})
    const denied = await relay.addKiosk('k2', { ticketProxy: false })
    await tickets(relay, 'k1.wrong')
    await tickets(relay, denied)
    const bad = await fetch(`${relay.url}/api/tickets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await relay.addKiosk('k3')}` },
      body: 'not json',
    })
    expect(bad.status).toBe(400)
    const text = await metricsText(relay)
    expect(text).toContain('scandesk_relay_ticket_refusals_total{reason="unauthorized"} 1')
    expect(text).toContain('scandesk_relay_ticket_refusals_total{reason="forbidden"} 1')
    expect(text).toContain('scandesk_relay_ticket_refusals_total{reason="bad_request"} 1')
  })
})

describe("the kiosk's proxy source against the relay", () => {
  it('reads the relay 429 as a wait, not an error', async () => {
    const { fake } = await wechat()
    const relay = await relayWith(fake, { ticketBurst: 2, ticketRatePerMinute: 1 })
    const token = await relay.addKiosk('k1')
    const source = createProxyTicketSource({ relayUrl: relay.url, kioskId: 'k1', token })
    expect(await source.create(5, 600)).toHaveLength(2)
    const err = await source.create(1, 600).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TicketSourceError)
    expect(err).toMatchObject({ code: 'rate_limited' })
    const wait = (err as TicketSourceError).retryAfterMs ?? 0
    expect(wait).toBeGreaterThanOrEqual(1000)
    expect(wait).toBeLessThanOrEqual(60_000)
  })

  it("a 45009 from the relay's token endpoint reaches the kiosk as busy, not as the quota", async () => {
    const { fake } = await wechat()
    fake.handler = () => ({ body: { errcode: 45009, errmsg: 'reach max api daily quota limit' } })
    const relay = await relayWith(fake, {})
    const token = await relay.addKiosk('k1')
    const res = await tickets(relay, token)
    expect(res.status).toBe(502)
    expect(res.json).toMatchObject({ error: { code: 'wechat_token_limit', errcode: 45009 } })
    const source = createProxyTicketSource({ relayUrl: relay.url, kioskId: 'k1', token })
    expect(await source.create(1, 600).catch((e: unknown) => e)).toMatchObject({ code: 'busy' })
  })
})
