/**
 * Attack: one stolen or misbehaving kiosk token asks the ticket proxy at its full rate all day.
 * The rate limit is per relay process, so on one instance it spends 43,200 of the account's
 * 100,000 daily qrcode/create quota, and with three instances behind a round-robin balancer
 * all of it: every booth of the account is left with its fallback code until midnight Beijing
 * time. Each kiosk now has a daily ticket budget counted in the store (shared by every instance
 * on Redis, surviving a restart on SQLite): past it the kiosk gets the 429 it already waits out,
 * until the Beijing day turns; other kiosks are unaffected.
 */
import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ticketProxyResponseSchema } from '../../shared/relay-protocol'
import { openKioskDb } from '../../electron/core/db/db'
import { MetaTable } from '../../electron/core/db/meta-table'
import type { FallbackCodeRow } from '../../electron/core/tickets/fallback-code'
import { FALLBACK_GRACE_MS, TicketPool } from '../../electron/core/tickets/ticket-pool'
import { TicketRepo } from '../../electron/core/tickets/ticket-repo'
import { TicketSourceError } from '../../electron/core/tickets/ticket-source'
import { createProxyTicketSource } from '../../electron/core/tickets/ticket-source-proxy'
import { jsonLogger, type RelayConfigInput, type RelayHandle } from '../../relay/server'
import { startRedis, type TestRedis } from '../helpers/redis'
import { FakeWechat } from '../wechat/fake-wechat'
import {
  cleanup as kioskCleanup,
  onCleanup,
  tempDir as kioskTempDir,
  testCampaign,
} from '../kiosk/helpers'
import { startTestRelay, tempDir, type Backend } from './harness'

let redis: TestRedis
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.stop()
})

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  await kioskCleanup()
  for (const c of cleanups.splice(0).reverse()) await c()
})

const QR_CREATE = '/cgi-bin/qrcode/create'
const WECHAT = { appId: 'wx5823bf96d3bd56c7', appSecret: 'secret-0123456789' }
/** 10:00 Beijing time (02:00 UTC): 14 hours to the quota day's end. */
const T0 = Date.UTC(2026, 4, 20, 2, 0, 0)
const TO_MIDNIGHT_S = 14 * 3600
/** 00:00:01 Beijing time the next day. */
const NEXT_DAY = Date.UTC(2026, 4, 20, 16, 0, 1)

/** WeChat issuing a ticket for every qrcode/create, or refusing with `state.errcode`. */
async function wechat() {
  const fake = await FakeWechat.start()
  cleanups.push(() => fake.close())
  const state = { errcode: 0, n: 0 }
  fake.handler = (r) => {
    if (r.path === '/cgi-bin/stable_token') {
      return { body: { access_token: 'tok', expires_in: 7200 } }
    }
    if (state.errcode !== 0) return { body: { errcode: state.errcode, errmsg: 'refused' } }
    const n = ++state.n
    const { expire_seconds } = r.body as { expire_seconds: number }
    return { body: { ticket: `t${n}`, expire_seconds, url: `http://weixin.qq.com/q/${n}` } }
  }
  return { fake, state }
}

/**
 * Relay instances on one store: on Redis two at once with one key prefix; on SQLite (one
 * process per data folder) one at a time on the same folder, restarted between requests.
 */
async function instances(
  backend: Backend,
  fake: FakeWechat,
  clock: { t: number },
  config: RelayConfigInput,
  lines: string[] = [],
) {
  const data = tempDir('relay-budget-')
  cleanups.push(() => Promise.resolve(rmSync(data, { recursive: true, force: true })))
  const prefix = `budget-${randomUUID()}:`
  const start = async (): Promise<RelayHandle> => {
    const relay = await startTestRelay(
      backend,
      redis.url,
      { ...config, data, wechat: { ...WECHAT, apiBase: fake.url } },
      { now: () => clock.t, redisPrefix: prefix, log: jsonLogger((l) => lines.push(l)) },
    )
    return relay
  }
  let open: RelayHandle[] = backend === 'redis' ? [await start(), await start()] : [await start()]
  cleanups.push(async () => {
    for (const r of open) await r.close()
  })
  let turn = 0
  return {
    first: () => open[0] as RelayHandle,
    /** The next instance, round-robin (SQLite: the relay restarted on the same folder). */
    async next(): Promise<RelayHandle> {
      turn++
      if (backend === 'redis') return open[turn % 2] as RelayHandle
      for (const r of open) await r.close()
      open = [await start()]
      return open[0] as RelayHandle
    },
  }
}

async function tickets(relay: RelayHandle, token: string, count = 1) {
  const res = await fetch(`${relay.url}/api/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ count, expireSeconds: 600 }),
  })
  const json: unknown = await res.json()
  const parsed = ticketProxyResponseSchema.safeParse(json)
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    json,
    count: parsed.success ? parsed.data.tickets.length : 0,
  }
}

describe.each(['sqlite', 'redis'] as const)(
  'the daily ticket budget per kiosk (%s store)',
  (backend) => {
    it('stops one kiosk token alternating between instances at the budget total, until the Beijing day turns', async () => {
      const { fake } = await wechat()
      const clock = { t: T0 }
      const lines: string[] = []
      const relays = await instances(backend, fake, clock, { ticketDailyBudget: 10 }, lines)
      const a = await relays.first().addKiosk('booth-a')
      const b = await relays.first().addKiosk('booth-b')

      // 3 + 3 + 3 on alternating instances, then the 1 left of a request for 3.
      const got: number[] = []
      let relay = relays.first()
      for (let i = 0; i < 4; i++) {
        const res = await tickets(relay, a, 3)
        expect(res.status).toBe(200)
        got.push(res.count)
        relay = await relays.next()
      }
      expect(got).toEqual([3, 3, 3, 1])
      expect(fake.count(QR_CREATE)).toBe(10)

      // Spent on every instance: the 429 the kiosk waits out, until midnight Beijing time.
      for (let i = 0; i < 4; i++) {
        const res = await tickets(relay, a, 1)
        expect(res.status).toBe(429)
        expect(res.json).toMatchObject({ error: { code: 'rate_limited' } })
        expect(Number(res.retryAfter)).toBe(TO_MIDNIGHT_S)
        expect(relay.metrics.ticketRefusalCount('budget')).toBeGreaterThanOrEqual(1)
        relay = await relays.next()
      }
      expect(fake.count(QR_CREATE)).toBe(10)
      const logged = lines.filter((l) => l.includes('daily ticket budget'))
      expect(logged.length).toBeGreaterThanOrEqual(1)
      expect(logged.length).toBeLessThanOrEqual(backend === 'redis' ? 2 : 4)

      // Another kiosk has its own budget.
      const other = await tickets(relay, b, 5)
      expect(other).toMatchObject({ status: 200, count: 5 })

      // 23:59 Beijing: still spent. Midnight: a new budget.
      clock.t = NEXT_DAY - 62_000
      expect((await tickets(relay, a, 1)).status).toBe(429)
      clock.t = NEXT_DAY
      relay = await relays.next()
      expect(await tickets(relay, a, 3)).toMatchObject({ status: 200, count: 3 })
      expect(fake.count(QR_CREATE)).toBe(18)
    })

    it('never goes past the budget with requests at once on every instance', async () => {
      const { fake } = await wechat()
      const clock = { t: T0 }
      const relays = await instances(backend, fake, clock, { ticketDailyBudget: 10 })
      const a = await relays.first().addKiosk('booth-a')
      const on = backend === 'redis' ? [relays.first(), await relays.next()] : [relays.first()]
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => tickets(on[i % on.length] as RelayHandle, a, 3)),
      )
      expect(answers.reduce((n, r) => n + r.count, 0)).toBe(10)
      expect(fake.count(QR_CREATE)).toBe(10)
    })

    it('spends no budget on tickets WeChat did not create', async () => {
      const { fake, state } = await wechat()
      const clock = { t: T0 }
      const relays = await instances(backend, fake, clock, { ticketDailyBudget: 3 })
      const relay = relays.first()
      const a = await relay.addKiosk('booth-a')
      state.errcode = 40164
      for (let i = 0; i < 3; i++) expect((await tickets(relay, a, 3)).status).toBe(502)
      state.errcode = 0
      expect(await tickets(relay, a, 5)).toMatchObject({ status: 200, count: 3 })
      expect((await tickets(relay, a, 1)).status).toBe(429)
    })

    it('0 means no budget', async () => {
      const { fake } = await wechat()
      const clock = { t: T0 }
      const relays = await instances(backend, fake, clock, {
        ticketDailyBudget: 0,
        ticketBurst: 100,
      })
      const relay = relays.first()
      const a = await relay.addKiosk('booth-a')
      for (let i = 0; i < 4; i++) expect((await tickets(relay, a, 20)).count).toBe(20)
    })
  },
)

describe('a kiosk past its daily budget', () => {
  it('waits quietly, shows its fallback code once its stock is gone, and fresh codes the next day', async () => {
    const { fake } = await wechat()
    const clock = { t: T0 }
    const relays = await instances('sqlite', fake, clock, { ticketDailyBudget: 4 })
    const relay = relays.first()
    const token = await relay.addKiosk('booth-a')
    const source = createProxyTicketSource({ relayUrl: relay.url, kioskId: 'booth-a', token })

    const db = openKioskDb(join(kioskTempDir(), 'kiosk.db'))
    onCleanup(() => {
      db.close()
    })
    const fallback: FallbackCodeRow = {
      scene: 'booth-a:fallback',
      ticket: 'FB',
      url: 'http://weixin.qq.com/q/fallback1',
      createdAt: T0 - 1000,
      lastShownAt: null,
    }
    const pool = new TicketPool({
      tickets: new TicketRepo(db, new MetaTable(db)),
      now: () => clock.t,
      random: () => 0.5,
      settings: () => ({ target: 3, marginSeconds: 30, maxInFlight: 1 }),
      campaign: () => testCampaign({ rotationSeconds: 60, ticketLifetimeSeconds: 600 }),
      onTicket: () => {},
      onStatus: () => {},
      fallback: () => fallback,
    })
    onCleanup(() => pool.stop())
    pool.setSource(source, 'c1')
    const settle = async () => {
      for (let i = 0; i < 6; i++) {
        pool.tick()
        await pool.whenIdle()
      }
    }
    await settle()
    expect(pool.current()?.scene).toMatch(/^booth-a:/)
    expect(pool.current()?.fallback).toBeUndefined()
    expect(fake.count(QR_CREATE)).toBe(4)

    // The budget is spent: the kiosk hears it as such, a wait of at most an hour at a time...
    const err = await source.create(1, 600).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TicketSourceError)
    expect(err).toMatchObject({ code: 'ticket_budget', retryAfterMs: 3_600_000 })
    // ...and once its codes have run out of time (and the pool's grace for a code on its way,
    // the kiosk's timer ticking each second), the booth shows its fallback code.
    clock.t += 600_000
    await settle()
    for (let i = 0; i * 1000 <= FALLBACK_GRACE_MS; i++) {
      clock.t += 1000
      await settle()
    }
    expect(pool.current()).toMatchObject({ fallback: true, url: fallback.url })
    expect(fake.count(QR_CREATE)).toBe(4)

    // The next Beijing day: fresh codes again.
    clock.t = NEXT_DAY
    await settle()
    expect(pool.current()?.fallback).toBeUndefined()
    expect(pool.current()?.scene).toMatch(/^booth-a:/)
    expect(fake.count(QR_CREATE)).toBeGreaterThan(4)
  })
})
