/**
 * The organizer's console (issue 18): what a sign-in costs (the scrypt check alone, and a
 * whole `POST /console/api/login`), whether an unknown name costs the same as a known one
 * (its ratio should be ~1: timing must not reveal names), a pairing-code redemption
 * (`POST /api/pair`, SQLite and Redis), and how soon a revoked kiosk's socket closes
 * (`DELETE /console/api/kiosks/<id>`; contract: within 1 s).
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { addOrganizer } from '../relay/console/organizer-admin'
import { hashPassword, verifyPassword } from '../relay/console/passwords'
import { issuePairingCode } from '../relay/pairing-codes'
import { startRelay, type RelayHandle } from '../relay/server'
import { startRedis, type TestRedis } from '../test/helpers/redis'
import { TOKEN, type Backend } from './env'
import { percentile, ratio, round, type Results } from './result'

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

async function relayOn(
  backend: Backend,
): Promise<{ relay: RelayHandle; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-console-'))
  let redis: TestRedis | null = null
  if (backend === 'redis') redis = await startRedis()
  const relay = await startRelay(
    // One trusted proxy hop, so each request can come "from" its own address (X-Forwarded-For)
    // and the per-address limits measure nothing but the work.
    { port: 0, data: dir, redis: redis?.url ?? null, trustProxyHops: 1, wechat: { token: TOKEN } },
    { redisPrefix: `b-${randomUUID()}:`, log: silent, storePollMs: 1000 },
  )
  return {
    relay,
    close: async () => {
      await relay.close()
      await redis?.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now()
  await fn()
  return performance.now() - t
}

const median = (xs: number[]): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  )

async function scryptCost(rounds: number): Promise<Results> {
  const hash = await hashPassword('correct-horse')
  const known: number[] = []
  const unknown: number[] = []
  for (let i = 0; i < rounds; i++) {
    known.push(await timed(() => verifyPassword('wrong-guess', hash)))
    unknown.push(await timed(() => verifyPassword('wrong-guess', null)))
  }
  return {
    'console.login.scrypt_ms': {
      value: round(median(known), 1),
      unit: 'ms',
      note: `median of ${rounds} verifications (N=2^15, r=8, p=1: 32 MiB each)`,
    },
    'console.login.unknown_name_vs_known': {
      value: ratio(median(unknown), median(known)),
      unit: '×',
      goal: '≈ 1 (0.8–1.25)',
      met: Math.abs(median(unknown) / median(known) - 1) <= 0.25,
      note: 'an unknown name is checked against a dummy hash of the same cost',
    },
  }
}

async function loginRoundTrip(rounds: number): Promise<Results> {
  const { relay, close } = await relayOn('sqlite')
  try {
    const password = await addOrganizer(relay.store, 'bench', Date.now())
    const times: number[] = []
    for (let i = 0; i < rounds; i++) {
      times.push(
        await timed(async () => {
          const res = await fetch(`${relay.url}/console/api/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', origin: relay.url },
            body: JSON.stringify({ name: 'bench', password }),
          })
          if (res.status !== 200) throw new Error(`login answered ${res.status}`)
          await res.text()
        }),
      )
    }
    return {
      'console.login.http_ms': {
        value: round(median(times), 1),
        unit: 'ms',
        note: `POST /console/api/login, median of ${rounds} (SQLite: lockout counters, session)`,
      },
    }
  } finally {
    await close()
  }
}

async function pairRedeem(backend: Backend, rounds: number): Promise<Results> {
  const { relay, close } = await relayOn(backend)
  try {
    const codes: string[] = []
    for (let i = 0; i < rounds; i++) {
      await relay.addKiosk(`p${i}`)
      codes.push((await issuePairingCode(relay.store.console, `p${i}`, Date.now())).code)
    }
    const times: number[] = []
    for (const [i, code] of codes.entries()) {
      times.push(
        await timed(async () => {
          const res = await fetch(`${relay.url}/api/pair`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-forwarded-for': `10.0.${i >> 8}.${i & 255}`,
            },
            body: JSON.stringify({ code }),
          })
          if (res.status !== 200) throw new Error(`pair answered ${res.status}`)
          await res.text()
        }),
      )
    }
    const sorted = times.sort((a, b) => a - b)
    return {
      [`console.pair.${backend}.p50_ms`]: {
        value: round(percentile(sorted, 50), 2),
        unit: 'ms',
        note: `POST /api/pair, ${rounds} codes, one at a time`,
      },
      [`console.pair.${backend}.p99_ms`]: { value: round(percentile(sorted, 99), 2), unit: 'ms' },
    }
  } finally {
    await close()
  }
}

/** DELETE /console/api/kiosks/<id> until the kiosk's socket sees its 4410 close. */
async function revokeToClose(backend: Backend, rounds: number): Promise<Results> {
  const { relay, close } = await relayOn(backend)
  try {
    const password = await addOrganizer(relay.store, 'bench', Date.now())
    const login = await fetch(`${relay.url}/console/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: relay.url },
      body: JSON.stringify({ name: 'bench', password }),
    })
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    const times: number[] = []
    for (let i = 0; i < rounds; i++) {
      const id = `r${i}`
      const token = await relay.addKiosk(id)
      const ws = new WebSocket(`${relay.url.replace('http', 'ws')}/kiosk`, {
        headers: { authorization: `Bearer ${token}` },
      })
      await new Promise<void>((resolve, reject) => {
        ws.once('message', () => resolve())
        ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', kioskId: id })))
        ws.once('error', reject)
      })
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
      const started = performance.now()
      const res = await fetch(`${relay.url}/console/api/kiosks/${id}`, {
        method: 'DELETE',
        headers: { cookie, origin: relay.url },
      })
      if (res.status !== 204) throw new Error(`revoke answered ${res.status}`)
      const code = await closed
      if (code !== 4410) throw new Error(`closed with ${code}`)
      times.push(performance.now() - started)
    }
    const sorted = times.sort((a, b) => a - b)
    const worst = sorted[sorted.length - 1] ?? NaN
    return {
      [`console.revoke.${backend}.max_ms`]: {
        value: round(worst, 1),
        unit: 'ms',
        goal: '< 1000',
        met: worst < 1000,
        note: `DELETE → the kiosk's 4410 close, worst of ${rounds}; median ${round(median(times), 1)} ms`,
      },
    }
  } finally {
    await close()
  }
}

export async function benchConsole(quick: boolean): Promise<Results> {
  const results: Results = {}
  Object.assign(results, await scryptCost(quick ? 5 : 20))
  Object.assign(results, await loginRoundTrip(quick ? 5 : 20))
  for (const backend of ['sqlite', 'redis'] as const) {
    Object.assign(results, await pairRedeem(backend, quick ? 50 : 300))
    Object.assign(results, await revokeToClose(backend, quick ? 5 : 20))
  }
  return results
}
