// The kiosk against a scripted relay ticket proxy: a 429 is waited out quietly (no error for
// visitors or on the status corner), and WeChat errors are classified by the endpoint that
// answered, so a token endpoint's 45009 never stops ticket creation for the day.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openKioskDb } from '../../electron/core/db/db'
import { TicketPool } from '../../electron/core/tickets/ticket-pool'
import { TicketSourceError } from '../../electron/core/tickets/ticket-source'
import { toSourceError } from '../../electron/core/tickets/ticket-source-direct'
import {
  createProxyTicketSource,
  retryAfterMs,
} from '../../electron/core/tickets/ticket-source-proxy'
import { WechatApiError } from '../../shared/wechat/errors'
import { cleanup, onCleanup, tempDir, testCampaign, waitFor } from './helpers'
import { MetaTable } from '../../electron/core/db/meta-table'
import { TicketRepo } from '../../electron/core/tickets/ticket-repo'
import { lineLogger } from '../../shared/server/log'

afterEach(cleanup)

/** Beijing 10:00 on a fixed day. */
const T0 = Date.UTC(2025, 5, 1, 2, 0, 0)

interface Answer {
  status: number
  headers?: Record<string, string>
  body: unknown
}

/** A relay's `/api/tickets` whose answers the test scripts; counts the requests. */
async function fakeRelay() {
  let n = 0
  const success = (count: number): Answer => ({
    status: 200,
    body: {
      tickets: Array.from({ length: count }, () => {
        const i = ++n
        return {
          ticket: `T${i}`,
          url: `http://weixin.qq.com/q/${i}`,
          scene: `k1:n${i}`,
          expireSeconds: 600,
          createdAt: T0,
        }
      }),
    },
  })
  const relay = {
    requests: 0,
    answer: success as (count: number) => Answer | Promise<Answer>,
    url: '',
  }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      relay.requests++
      const { count } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { count: number }
      void Promise.resolve(relay.answer(count)).then((a) => {
        res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers })
        res.end(JSON.stringify(a.body))
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())))
  relay.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { relay, success }
}

function rateLimited(seconds: string): Answer {
  return {
    status: 429,
    headers: { 'retry-after': seconds },
    body: { error: { code: 'rate_limited', message: 'too many tickets for this kiosk' } },
  }
}

/** `first`: the relay's answer from the start (a kiosk restarted after it was spent). */
async function setup(first?: () => Answer) {
  const { relay, success } = await fakeRelay()
  if (first) relay.answer = first
  let t = T0
  const clock = { now: () => t, advance: (ms: number) => (t += ms) }
  const db = openKioskDb(join(tempDir(), 'kiosk.db'))
  onCleanup(() => {
    db.close()
  })
  const logs: string[] = []
  const pool = new TicketPool({
    tickets: new TicketRepo(db, new MetaTable(db)),
    now: clock.now,
    random: () => 0.5,
    settings: () => ({ target: 3, marginSeconds: 30, maxInFlight: 2 }),
    campaign: () => testCampaign({ rotationSeconds: 60, ticketLifetimeSeconds: 600 }),
    onTicket: () => {},
    onStatus: () => {},
    log: lineLogger((line) => logs.push(line)),
  })
  onCleanup(() => pool.stop())
  const source = createProxyTicketSource({ relayUrl: relay.url, kioskId: 'k1', token: 'k1.t' })
  pool.setSource(source, 'c1')
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      pool.tick()
      await pool.whenIdle()
    }
  }
  await settle()
  /** The kiosk's one-second timer, `seconds` times. */
  const tickSeconds = async (seconds: number) => {
    for (let i = 0; i < seconds; i++) {
      clock.advance(1000)
      pool.tick()
      await pool.whenIdle()
    }
  }
  return { relay, success, clock, pool, logs, settle, tickSeconds }
}

type Setup = Awaited<ReturnType<typeof setup>>

/**
 * A visitor scans the code on screen: the pool asks the relay once for the next. Returns the
 * request count before the scan and the code scanned.
 */
async function scanOnce(s: Setup) {
  const before = s.relay.requests
  const first = s.pool.current()
  if (!first) throw new Error('no code on screen')
  s.pool.scanned(first.scene)
  await s.pool.whenIdle()
  expect(s.relay.requests).toBe(before + 1)
  return { before, first }
}

/**
 * The relay asked for `seconds` after its answer to request `asked`: no request on the kiosk's
 * timer until they are over; then the relay serves again and the pool refills.
 */
async function expectWaitedOut(s: Setup, seconds: number, asked: number) {
  await s.tickSeconds(seconds - 1)
  expect(s.relay.requests).toBe(asked)
  s.relay.answer = s.success
  s.clock.advance(1000)
  await s.settle()
  expect(s.relay.requests).toBeGreaterThan(asked)
  expect(s.pool.status().available).toBe(3)
  expect(s.pool.api().state).toBe('ok')
}

describe('kiosk and the relay rate limit (429)', () => {
  it('waits Retry-After, shows no error, serves from stock, then asks again', async () => {
    const s = await setup()
    expect(s.pool.status().available).toBe(3)
    expect(s.pool.api().state).toBe('ok')

    s.relay.answer = () => rateLimited('30')
    // A visitor: the pool hands out the next code and refills.
    const { before, first } = await scanOnce(s)
    expect(s.pool.current()?.id).not.toBe(first.id)
    // Nothing for visitors or staff to act on: the status corner stays green.
    expect(s.pool.api()).toMatchObject({ state: 'ok', lastError: null })
    expect(s.logs.some((l) => /rate-limited.*30 s/.test(l))).toBe(true)
    // The kiosk's timer ticks every second: no request until the 30 s are over.
    await expectWaitedOut(s, 30, before + 1)
  })

  it('a success on a parallel request does not cut the wait short', async () => {
    const s = await setup()
    // Two requests in flight; the relay refuses the first and then serves the second.
    const gates: Array<(a: Answer) => void> = []
    s.relay.answer = () => new Promise<Answer>((resolve) => gates.push(resolve))
    for (const _ of [1, 2]) {
      const t = s.pool.current()
      if (t) s.pool.scanned(t.scene)
    }
    await waitFor(() => gates.length === 2, 'two requests at the relay')
    gates[0]?.(rateLimited('20'))
    await waitFor(() => s.logs.some((l) => l.includes('rate-limited')), 'the 429 taken in')
    gates[1]?.(s.success(1))
    await s.pool.whenIdle()
    s.relay.answer = () => rateLimited('20')
    const after = s.relay.requests
    await s.tickSeconds(19)
    expect(s.relay.requests).toBe(after)
    await s.tickSeconds(1)
    expect(s.relay.requests).toBe(after + 1)
  })

  it("the admin's connection test reports the rate limit instead of success", async () => {
    const s = await setup()
    s.relay.answer = () => rateLimited('5')
    expect(await s.pool.probe()).toMatchObject({ ok: false, code: 'rate_limited' })
  })

  it('reads Retry-After as seconds or a date, within bounds', () => {
    const now = Date.UTC(2025, 5, 1)
    expect(retryAfterMs('7', now)).toBe(7000)
    expect(retryAfterMs(new Date(now + 12_000).toUTCString(), now)).toBe(12_000)
    expect(retryAfterMs('0', now)).toBe(1000)
    expect(retryAfterMs('999999', now)).toBe(3_600_000)
    expect(retryAfterMs(null, now)).toBe(5000)
    expect(retryAfterMs('soon', now)).toBe(5000)
  })
})

/** A 503 from the relay (or the proxy in front of it), with the wait it asks for if any. */
function unavailable(code: string, seconds?: string): Answer {
  return {
    status: 503,
    ...(seconds !== undefined && { headers: { 'retry-after': seconds } }),
    body: { error: { code, message: 'relay unavailable' } },
  }
}

describe('kiosk and a relay answering 503', () => {
  it('waits the Retry-After a 503 carries before asking again, then refills', async () => {
    const s = await setup()
    s.relay.answer = () => unavailable('shutting_down', '30')
    const { before } = await scanOnce(s)
    // Its own backoff after one failure is under a second; the relay asked for 30 s.
    await expectWaitedOut(s, 30, before + 1)
  })

  it('a 503 without Retry-After keeps the ordinary backoff', async () => {
    const s = await setup()
    s.relay.answer = () => unavailable('shutting_down')
    const { before } = await scanOnce(s)
    await s.tickSeconds(1)
    expect(s.relay.requests).toBe(before + 2)
  })
})

/** The relay's answer once this kiosk's daily ticket budget is spent (relay/ticket-proxy.ts). */
function budgetSpent(seconds: number): Answer {
  return {
    status: 429,
    headers: { 'retry-after': String(seconds) },
    body: {
      error: {
        code: 'rate_limited',
        message: `daily ticket budget of this kiosk (3) spent; retry in ${seconds} s, after midnight Beijing time`,
      },
    },
  }
}

describe('what staff are told while no new codes come', () => {
  it("the kiosk's daily budget spent: said as such until a code comes, whatever the hourly retries", async () => {
    const s = await setup()
    // Beijing 10:00: 14 h to midnight; the kiosk waits an hour at a time.
    s.relay.answer = () => budgetSpent(14 * 3600)
    const t = s.pool.current()
    if (t) s.pool.scanned(t.scene)
    await s.pool.whenIdle()
    expect(s.pool.api()).toMatchObject({ state: 'ok', lastError: { code: 'ticket_budget' } })
    expect(s.pool.status().quotaExhausted).toBe(false)
    expect(s.logs.some((l) => /daily ticket budget/.test(l))).toBe(true)
    // Past the hour's wait and before the next answer: still spent, not "ok".
    s.clock.advance(3_600_000)
    expect(s.pool.api().lastError?.code).toBe('ticket_budget')
    await s.settle()
    expect(s.pool.api().lastError?.code).toBe('ticket_budget')
    // The admin's connection test says so too.
    expect(await s.pool.probe()).toMatchObject({ ok: false, code: 'ticket_budget' })
    // Midnight Beijing time: the relay hands out codes again.
    s.relay.answer = s.success
    s.clock.advance(14 * 3_600_000)
    await s.settle()
    expect(s.pool.api()).toMatchObject({ state: 'ok', lastError: null })
  })

  it('the first answer after a restart a 429: the relay answered, so the API is reachable', async () => {
    // The status dot was grey ("unknown") beside the budget notice until a code came, hours later.
    const spent = await setup(() => budgetSpent(14 * 3600))
    expect(spent.relay.requests).toBeGreaterThan(0)
    expect(spent.pool.api()).toMatchObject({ state: 'ok', lastError: { code: 'ticket_budget' } })
    const paced = await setup(() => rateLimited('600'))
    expect(paced.pool.api()).toMatchObject({
      state: 'ok',
      lastError: { code: 'rate_limited', params: { seconds: 600 } },
    })
  })

  it('a pause of minutes is reported with the minutes left; one of seconds stays quiet', async () => {
    const s = await setup()
    s.relay.answer = () => rateLimited('600')
    const t = s.pool.current()
    if (t) s.pool.scanned(t.scene)
    await s.pool.whenIdle()
    expect(s.pool.api()).toMatchObject({
      state: 'ok',
      lastError: { code: 'rate_limited', params: { seconds: 600 } },
    })
    s.clock.advance(240_000)
    expect(s.pool.api().lastError).toEqual({ code: 'rate_limited', params: { seconds: 360 } })
    s.relay.answer = s.success
    s.clock.advance(360_000)
    await s.settle()
    expect(s.pool.api()).toMatchObject({ state: 'ok', lastError: null })
    // The routine pacing of a burst (seconds): nothing to tell.
    s.relay.answer = () => rateLimited('20')
    const u = s.pool.current()
    if (u) s.pool.scanned(u.scene)
    await s.pool.whenIdle()
    expect(s.pool.api()).toMatchObject({ state: 'ok', lastError: null })
  })
})

describe('WeChat errors are classified by the endpoint that answered', () => {
  it("the relay's token-endpoint 45009 does not stop ticket creation for the day", async () => {
    const s = await setup()
    s.relay.answer = () => ({
      status: 502,
      body: {
        error: {
          code: 'wechat_token_limit',
          message: 'WeChat API error 45009 (token_limit) from cgi-bin/stable_token',
          errcode: 45009,
        },
      },
    })
    const t = s.pool.current()
    if (t) s.pool.scanned(t.scene)
    await s.pool.whenIdle()
    expect(s.pool.status().quotaExhausted).toBe(false)
    expect(s.pool.api().lastError?.code).toBe('busy')
    // Backs off, then creates tickets again the same day.
    s.relay.answer = s.success
    s.clock.advance(5_000)
    await s.settle()
    expect(s.pool.api().state).toBe('ok')
    expect(s.pool.status().available).toBe(3)
  })

  it("the relay's qrcode/create 45009 is the daily quota", async () => {
    const s = await setup()
    s.relay.answer = () => ({
      status: 502,
      body: { error: { code: 'wechat_quota', message: 'quota', errcode: 45009 } },
    })
    const t = s.pool.current()
    if (t) s.pool.scanned(t.scene)
    await s.pool.whenIdle()
    expect(s.pool.status().quotaExhausted).toBe(true)
  })

  it('direct: 45009 from stable_token is retried later, from qrcode/create it is the quota', () => {
    const limit = (endpoint: string) => new WechatApiError(45009, 'freq limit', endpoint)
    expect(toSourceError(limit('cgi-bin/stable_token')).code).toBe('busy')
    expect(toSourceError(limit('cgi-bin/token')).code).toBe('busy')
    expect(toSourceError(limit('cgi-bin/qrcode/create')).code).toBe('quota')
    expect(new TicketSourceError('rate_limited', 'x', { retryAfterMs: 5 }).retryAfterMs).toBe(5)
  })
})

describe('a relay answer cut off on the venue Wi-Fi', () => {
  it('a ticket answer whose body stalls is "unreachable", as on the direct path', async () => {
    // 200 and its headers arrive, then the link stalls mid-body (bytes dropped, no FIN).
    const server: Server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' })
      res.write('{"tickets":[{"ticket":"T1","url":"http://weixin.qq.com/q/')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onCleanup(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections()
          server.close(() => resolve())
        }),
    )
    const relayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const source = createProxyTicketSource({ relayUrl, kioskId: 'k1', token: 't', timeoutMs: 300 })
    const err = await source.create(1, 600).then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(TicketSourceError)
    expect((err as TicketSourceError).code).toBe('unreachable')
  })
})
