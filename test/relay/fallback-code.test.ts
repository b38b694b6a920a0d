/**
 * `POST /api/fallback-code`: one permanent code per kiosk, created once (also when the first
 * calls arrive together, on one instance or on two sharing Redis), the same on every later
 * call, only for the caller's own kiosk, and routed like any other scene.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { fallbackCodeResponseSchema } from '../../shared/relay-protocol'
import type { RelayHandle } from '../../relay/server'
import { parseRelayConfig } from '../../relay/config'
import { createFallbackCodeEndpoint, FALLBACK_WAIT_MS } from '../../relay/fallback-code'
import { silentLogger } from '../../relay/log'
import {
  FALLBACK_REQUEST_TIMEOUT_MS,
  makeFallbackSource,
} from '../../electron/core/tickets/fallback-source'
import { FallbackCodes } from '../../electron/core/tickets/fallback-code'
import { openKioskDb } from '../../electron/core/db/db'
import { defaultSettings } from '../../electron/core/config/settings'
import { MemoryVault } from '../../electron/core/config/vault'
import { startRedis, type TestRedis } from '../helpers/redis'
import {
  KioskClient,
  TOKEN,
  eventXml,
  postPush,
  startTestRelay,
  tempDir,
  type Backend,
} from './harness'

const APP_ID = 'wx0123456789abcdef'
const APP_SECRET = 'fallbacktestsecret0123456789abcd'

/** A stand-in for WeChat that counts `qrcode/create` calls and answers them after a delay. */
interface FakeWechat {
  url: string
  creates: Array<Record<string, unknown>>
  /** errcode to answer creates with (0 = success). */
  errcode: number
  close(): Promise<void>
}

async function startFakeWechat(delayMs = 150): Promise<FakeWechat> {
  const fake: FakeWechat = { url: '', creates: [], errcode: 0, close: () => Promise.resolve() }
  const send = (res: ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (raw += c))
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      if (path === '/cgi-bin/stable_token') {
        return send(res, { access_token: 'fake-token', expires_in: 7200 })
      }
      if (path !== '/cgi-bin/qrcode/create') return send(res, { errcode: 404, errmsg: 'no' })
      const body = JSON.parse(raw) as Record<string, unknown>
      fake.creates.push(body)
      setTimeout(() => {
        if (fake.errcode !== 0) return send(res, { errcode: fake.errcode, errmsg: 'refused' })
        const n = fake.creates.length
        send(res, { ticket: `permanent-ticket-${n}`, url: `http://weixin.qq.com/q/fb${n}` })
      }, delayMs)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  fake.close = () => new Promise<void>((r) => server.close(() => r()))
  return fake
}

let redis: TestRedis
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.stop()
})

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function wechat(delayMs?: number): Promise<FakeWechat> {
  const fake = await startFakeWechat(delayMs)
  cleanups.push(() => fake.close())
  return fake
}

async function relayOn(
  backend: Backend,
  fake: FakeWechat,
  prefix = `fb-${randomUUID()}:`,
): Promise<RelayHandle> {
  const relay = await startTestRelay(
    backend,
    redis.url,
    { wechat: { token: TOKEN, appId: APP_ID, appSecret: APP_SECRET, apiBase: fake.url } },
    { redisPrefix: prefix },
  )
  cleanups.push(() => relay.close())
  return relay
}

async function fallbackCode(
  relay: RelayHandle,
  token: string | null,
  body?: string,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${relay.url}/api/fallback-code`, {
    method: 'POST',
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    ...(body !== undefined ? { body } : {}),
  })
  return { status: res.status, json: await res.json() }
}

describe.each(['sqlite', 'redis'] as const)('POST /api/fallback-code (%s store)', (backend) => {
  /** A relay on this store with kiosk `kioskId`, whose store fails to save the fallback code. */
  async function savesFailing(kioskId: string, times: 'once' | 'always') {
    const fake = await wechat(0)
    const relay = await relayOn(backend, fake)
    const token = await relay.addKiosk(kioskId)
    const save = vi.spyOn(relay.store, 'saveFallbackCode')
    const failure = new Error('store write failed')
    if (times === 'once') save.mockRejectedValueOnce(failure)
    else save.mockRejectedValue(failure)
    return { fake, relay, token, save }
  }

  it('creates one permanent code for the kiosk and returns it on every later call', async () => {
    const fake = await wechat()
    const relay = await relayOn(backend, fake)
    const token = await relay.addKiosk('booth-7')
    const first = await fallbackCode(relay, token)
    expect(first.status).toBe(200)
    const code = fallbackCodeResponseSchema.parse(first.json)
    expect(code.scene).toBe('booth-7:fallback')
    expect(fake.creates).toEqual([
      {
        action_name: 'QR_LIMIT_STR_SCENE',
        action_info: { scene: { scene_str: 'booth-7:fallback' } },
      },
    ])
    const again = await fallbackCode(relay, token, '{}')
    expect(again).toEqual({ status: 200, json: code })
    // A new token for the same kiosk (`kiosk add` again) keeps the same code.
    const rotated = await relay.addKiosk('booth-7')
    expect((await fallbackCode(relay, rotated)).json).toEqual(code)
    expect(fake.creates).toHaveLength(1)
  })

  it('makes only one WeChat call for simultaneous first calls', async () => {
    const fake = await wechat(300)
    const relay = await relayOn(backend, fake)
    const token = await relay.addKiosk('booth-1')
    const answers = await Promise.all(Array.from({ length: 4 }, () => fallbackCode(relay, token)))
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200])
    expect(new Set(answers.map((a) => JSON.stringify(a.json))).size).toBe(1)
    expect(fake.creates).toHaveLength(1)
  })

  it('refuses a missing or wrong token, and gives each kiosk only its own code', async () => {
    const fake = await wechat(0)
    const relay = await relayOn(backend, fake)
    const a = await relay.addKiosk('booth-a')
    const b = await relay.addKiosk('booth-b')
    expect((await fallbackCode(relay, null)).status).toBe(401)
    expect((await fallbackCode(relay, `${a}x`)).status).toBe(401)
    expect((await fallbackCode(relay, `booth-b.${a.split('.')[1] ?? ''}`)).status).toBe(401)
    expect(fake.creates).toHaveLength(0)
    const codeA = fallbackCodeResponseSchema.parse((await fallbackCode(relay, a)).json)
    const codeB = fallbackCodeResponseSchema.parse((await fallbackCode(relay, b)).json)
    expect(codeA.scene).toBe('booth-a:fallback')
    expect(codeB.scene).toBe('booth-b:fallback')
    expect(codeB.url).not.toBe(codeA.url)
    // Nothing in the body can ask for another scene or another kind of code.
    for (const body of [
      '{"scene":"booth-b:fallback"}',
      '{"action":"QR_LIMIT_STR_SCENE"}',
      'not json',
    ]) {
      expect((await fallbackCode(relay, a, body)).status).toBe(400)
    }
    await relay.revokeKiosk('booth-a')
    expect((await fallbackCode(relay, a)).status).toBe(401)
    expect(fake.creates).toHaveLength(2)
  })

  it('passes WeChat refusals on and stores nothing, so a later call tries again', async () => {
    const fake = await wechat(0)
    fake.errcode = 45009
    const relay = await relayOn(backend, fake)
    const token = await relay.addKiosk('booth-q')
    const refused = await fallbackCode(relay, token)
    expect(refused.status).toBe(502)
    expect(refused.json).toMatchObject({ error: { code: 'wechat_quota', errcode: 45009 } })
    fake.errcode = 0
    expect((await fallbackCode(relay, token)).status).toBe(200)
    expect(fake.creates).toHaveLength(2)
  })

  it('limits how often one kiosk token makes the relay ask WeChat for its code (429 + Retry-After)', async () => {
    // The worst case: WeChat made the permanent code but the relay could not store it, so each
    // call makes one more of the account's 100,000 permanent codes; or WeChat refuses, and each
    // call spends the account's daily qrcode/create quota the booths' tickets need.
    const { fake, relay, token, save } = await savesFailing('booth-z', 'always')
    const answers: Array<{ status: number; retryAfter: string | null }> = []
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${relay.url}/api/fallback-code`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      })
      await res.arrayBuffer()
      answers.push({ status: res.status, retryAfter: res.headers.get('retry-after') })
    }
    expect(fake.creates.length).toBeLessThanOrEqual(3)
    const limited = answers.filter((a) => a.status === 429)
    expect(limited.length).toBeGreaterThanOrEqual(17)
    for (const a of limited) expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1)
    // Another kiosk is not held back by this one.
    save.mockRestore()
    const other = await relay.addKiosk('booth-y')
    expect((await fallbackCode(relay, other)).status).toBe(200)
    // Once stored, the code is answered without asking WeChat, so never limited.
    for (let i = 0; i < 10; i++) expect((await fallbackCode(relay, other)).status).toBe(200)
  })

  it('keeps a code WeChat made but the store could not save, and saves it on the next call', async () => {
    // The kiosk's retry after a store blip must not make a second permanent code: WeChat
    // already made one for this scene, and the account may make only 100,000 ever.
    const { fake, relay, token, save } = await savesFailing('booth-s', 'once')
    const failed = await fallbackCode(relay, token)
    expect(failed.status).toBeGreaterThanOrEqual(500)
    expect(await relay.store.fallbackCode('booth-s')).toBeNull()
    save.mockRestore()
    const retried = await fallbackCode(relay, token)
    expect(retried.status).toBe(200)
    expect(fallbackCodeResponseSchema.parse(retried.json).url).toBe('http://weixin.qq.com/q/fb1')
    expect(fake.creates).toHaveLength(1)
    expect((await relay.store.fallbackCode('booth-s'))?.url).toBe('http://weixin.qq.com/q/fb1')
  })

  it('routes scans of the fallback scene to its kiosk, one event per visitor', async () => {
    const fake = await wechat(0)
    const relay = await relayOn(backend, fake)
    const token = await relay.addKiosk('booth-r')
    const code = fallbackCodeResponseSchema.parse((await fallbackCode(relay, token)).json)
    const kiosk = await KioskClient.hello(relay.url, token, { kioskId: 'booth-r' })
    cleanups.push(() => kiosk.close())
    const push = (openid: string, createTime: number) =>
      postPush(
        relay.url,
        eventXml({
          openid,
          createTime,
          event: 'subscribe',
          eventKey: `qrscene_${code.scene}`,
          ticket: code.ticket,
        }),
      )
    // Three visitors in the same second, and WeChat's retry of the first.
    for (const openid of ['v1', 'v2', 'v3', 'v1'])
      expect((await push(openid, 1_700_000_000)).status).toBe(200)
    await kiosk.waitForScans(3)
    expect(kiosk.scans.map((s) => [s.openid, s.scene])).toEqual([
      ['v1', 'booth-r:fallback'],
      ['v2', 'booth-r:fallback'],
      ['v3', 'booth-r:fallback'],
    ])
  })
})

/**
 * Kiosk booth-w on a SQLite relay, and the endpoint on that store served on its own port with a
 * clock that only its waits move: another instance holds the creation lease for good, so every
 * call waits it out.
 */
async function endpointWithLeaseHeld() {
  const fake = await wechat()
  const relay = await relayOn('sqlite', fake)
  const token = await relay.addKiosk('booth-w')
  vi.spyOn(relay.store, 'leaseFallbackCreation').mockResolvedValue(null)
  const clock = { t: 1_000_000, waited: 0, requests: 0 }
  const handle = createFallbackCodeEndpoint({
    config: parseRelayConfig({
      wechat: { token: TOKEN, appId: APP_ID, appSecret: APP_SECRET, apiBase: fake.url },
    }),
    store: relay.store,
    log: silentLogger,
    now: () => clock.t,
    sleep: (ms) => {
      clock.t += ms
      clock.waited += ms
      return Promise.resolve()
    },
  })
  const server = createServer((req, res) => {
    clock.requests++
    void handle(req, res)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { fake, token, url, clock }
}

describe('another instance creating the code', () => {
  it('answers 503 fallback_busy with Retry-After well before the kiosk stops waiting', async () => {
    // The relay's wait was 20 s and the kiosk's 15 s: the 503 never arrived, only a timeout.
    expect(FALLBACK_WAIT_MS + 5_000).toBeLessThanOrEqual(FALLBACK_REQUEST_TIMEOUT_MS)
    const { fake, token, url, clock } = await endpointWithLeaseHeld()
    const res = await fetch(`${url}/api/fallback-code`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    expect(await res.json()).toMatchObject({ error: { code: 'fallback_busy' } })
    // It did wait for the other instance, and answered within the kiosk's timeout.
    expect(clock.waited).toBeGreaterThan(0)
    expect(clock.waited).toBeLessThanOrEqual(FALLBACK_WAIT_MS)
    expect(clock.waited + 5_000).toBeLessThanOrEqual(FALLBACK_REQUEST_TIMEOUT_MS)
    expect(fake.creates).toHaveLength(0)
  })

  it("makes the kiosk wait the 503's Retry-After before asking again", async () => {
    const { token, url, clock } = await endpointWithLeaseHeld()
    const vault = new MemoryVault()
    vault.set('relayToken', token)
    const settings = { ...defaultSettings(), kioskId: 'booth-w', relayUrl: url }
    const source = makeFallbackSource({ ...settings, ticketSource: 'proxy' }, vault)
    let t = 1_000_000
    const dir = tempDir()
    const db = openKioskDb(join(dir, 'kiosk.db'))
    cleanups.push(() => {
      db.close()
      return rm(dir, { recursive: true, force: true })
    })
    const codes = new FallbackCodes({ db, now: () => t, random: () => 1, onReady: () => {} })
    codes.setSource(source, 'c1')
    await codes.whenIdle()
    expect(codes.status()).toMatchObject({
      state: 'pending',
      lastError: { code: 'unhealthy', params: { status: 503 } },
    })
    expect(clock.requests).toBe(1)
    // Its own backoff after one failure is a second; the relay asked for 5.
    for (let i = 0; i < 4; i++) {
      t += 1000
      codes.ensure()
      await codes.whenIdle()
    }
    expect(clock.requests).toBe(1)
    t += 1000
    codes.ensure()
    await codes.whenIdle()
    expect(clock.requests).toBe(2)
  })
})

describe('two relay instances on one Redis', () => {
  it('create the fallback code once when first calls reach both at the same time', async () => {
    const fake = await wechat(300)
    const prefix = `fb-pair-${randomUUID()}:`
    const a = await relayOn('redis', fake, prefix)
    const b = await relayOn('redis', fake, prefix)
    const token = await a.addKiosk('booth-2')
    const answers = await Promise.all([
      fallbackCode(a, token),
      fallbackCode(b, token),
      fallbackCode(b, token),
    ])
    expect(answers.map((x) => x.status)).toEqual([200, 200, 200])
    expect(new Set(answers.map((x) => JSON.stringify(x.json))).size).toBe(1)
    expect(fake.creates).toHaveLength(1)
  })
})
