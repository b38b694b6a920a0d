/**
 * The ticket proxy's daily budget per kiosk: `POST /api/tickets` (one ticket a request) through
 * the relay with the budget on (one store round trip before WeChat is called) against the same
 * relay configuration with `ticketDailyBudget: 0`, per store. Both relays run at once on one
 * stand-in WeChat (test/wechat/fake-wechat: a token and a ticket answered at once, so the
 * proxy's own work is what is timed), their rounds interleaved so a busy moment of the machine
 * falls on both alike. The per-kiosk rate limits are raised out of the way.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRelay, type RelayHandle } from '../relay/server'
import { silentLogger } from '../shared/server/log'
import { startRedis, type TestRedis } from '../test/helpers/redis'
import { FakeWechat } from '../test/wechat/fake-wechat'
import { onlyFromEnv, type Backend } from './env'
import { percentile, ratio, round, type Results } from './result'

const KIOSKS = 8
/** Requests in flight for the throughput figure (one kiosk per lane). */
const PARALLEL = 8
const ROUNDS = 4

interface Side {
  relay: RelayHandle
  tokens: string[]
  /** One at a time: each request's latency. */
  serial: number[]
  /** PARALLEL at a time: requests and the time they took, summed over rounds. */
  requests: number
  ms: number
}

async function ticket(url: string, token: string): Promise<void> {
  const res = await fetch(`${url}/api/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{"count":1,"expireSeconds":600}',
  })
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`tickets: HTTP ${res.status}`)
}

async function serial(side: Side, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    await ticket(side.relay.url, side.tokens[i % KIOSKS] ?? '')
    side.serial.push(performance.now() - t0)
  }
}

async function parallel(side: Side, n: number): Promise<void> {
  let next = 0
  const lane = async (k: number): Promise<void> => {
    while (next < n) {
      next++
      await ticket(side.relay.url, side.tokens[k] ?? '')
    }
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: PARALLEL }, (_, k) => lane(k % KIOSKS)))
  side.ms += performance.now() - t0
  side.requests += n
}

async function measure(backend: Backend, quick: boolean): Promise<Results> {
  const fake = await FakeWechat.start()
  let n = 0
  fake.handler = (r) => {
    if (r.path === '/cgi-bin/stable_token' || r.path === '/cgi-bin/token') {
      return { body: { access_token: 'bench-token', expires_in: 7200 } }
    }
    n++
    return { body: { ticket: `gQ${n}`, expire_seconds: 600, url: `http://weixin.qq.com/q/${n}` } }
  }
  let redis: TestRedis | null = null
  if (backend === 'redis') redis = await startRedis()
  const dirs: string[] = []
  const start = async (budget: number): Promise<Side> => {
    const data = mkdtempSync(join(tmpdir(), 'bench-tickets-'))
    dirs.push(data)
    const relay = await startRelay(
      {
        port: 0,
        data,
        redis: redis?.url ?? null,
        wechat: { token: 't', appId: 'wx5823bf96d3bd56c7', appSecret: 's', apiBase: fake.url },
        ticketRatePerMinute: 6000,
        ticketBurst: 10_000,
        ticketConcurrency: 64,
        ticketDailyBudget: budget,
      },
      { redisPrefix: `b-${randomUUID()}:`, log: silentLogger, storePollMs: 1000 },
    )
    const tokens: string[] = []
    for (let k = 0; k < KIOSKS; k++) tokens.push(await relay.addKiosk(`booth-${k}`))
    return { relay, tokens, serial: [], requests: 0, ms: 0 }
  }
  const off = await start(0)
  const on = await start(100_000)
  const perRound = { serial: quick ? 100 : 400, parallel: quick ? 400 : 1500 }
  try {
    // Warm-up (connections, JIT, the access token, the store's statements), untimed.
    for (const side of [off, on]) {
      await serial({ ...side, serial: [] }, 50)
      await parallel({ ...side, requests: 0, ms: 0 }, 200)
    }
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 === 0 ? [off, on] : [on, off]
      for (const side of order) await serial(side, perRound.serial)
      for (const side of order) await parallel(side, perRound.parallel)
    }
  } finally {
    await off.relay.close()
    await on.relay.close()
    await fake.close()
    await redis?.stop()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  }
  const p = `tickets.${backend}`
  const out: Results = {}
  for (const side of [off, on]) side.serial.sort((a, b) => a - b)
  const note = `${off.serial.length} requests one at a time, ${KIOSKS} kiosks, stand-in WeChat; budget on vs ticketDailyBudget 0`
  for (const q of [50, 99] as const) {
    const a = percentile(off.serial, q)
    const b = percentile(on.serial, q)
    out[`${p}.p${q}_off_ms`] = { value: round(a, 2), unit: 'ms' }
    out[`${p}.p${q}_budget_ms`] = {
      value: round(b, 2),
      unit: 'ms',
      compare: { against: 'budget off', ratio: ratio(b, a) },
      note,
    }
  }
  const rateOff = off.requests / (off.ms / 1000)
  const rateOn = on.requests / (on.ms / 1000)
  out[`${p}.req_per_s_off`] = { value: round(rateOff, 0), unit: 'req/s' }
  out[`${p}.req_per_s_budget`] = {
    value: round(rateOn, 0),
    unit: 'req/s',
    compare: { against: 'budget off', ratio: ratio(rateOn, rateOff) },
    note: `${on.requests} requests, ${PARALLEL} in flight over ${KIOSKS} kiosks, ${ROUNDS} interleaved rounds`,
  }
  return out
}

export async function benchTicketBudget(quick: boolean): Promise<Results> {
  const out: Results = {}
  for (const backend of onlyFromEnv('BENCH_TICKET_STORES', ['sqlite', 'redis'] as const)) {
    Object.assign(out, await measure(backend, quick))
  }
  return out
}
