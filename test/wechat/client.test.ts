import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { WechatClient, type WechatClientOptions } from '../../shared/wechat/client'
import {
  classifyErrcode,
  WechatApiError,
  WechatHttpError,
  WechatRequestError,
} from '../../shared/wechat/errors'
import { buildQrCreateBody, type QrCreateBody } from '../../shared/wechat/qrcode'
import { MemoryTokenStore } from '../../shared/wechat/token-store'
import { FakeWechat, type Recorded } from './fake-wechat'
import { UNDER_LOAD } from '../helpers/wait'

const APP_ID = 'wx5823bf96d3bd56c7'
const APP_SECRET = 'very-secret-app-secret-0123456789'
const qrBody: QrCreateBody = buildQrCreateBody({
  action: 'QR_STR_SCENE',
  sceneStr: 'k1:abc',
  expireSeconds: 300,
})

let fake: FakeWechat
let store: MemoryTokenStore
let sleeps: number[]

/**
 * The platform's token rules, enough for the client: stable_token keeps returning the current
 * token unless force_refresh; cgi-bin/token always issues a new one; qrcode/create answers 40001
 * for a token it does not know.
 */
class Platform {
  issued = 0
  current: string | null = null
  valid = new Set<string>()
  qrAnswer: ((token: string) => { errcode: number; errmsg: string } | null) | null = null
  /** What a forced stable_token refresh does: a new token, the current one again, or 45009. */
  forced: 'refresh' | 'same' | 'limit' = 'refresh'

  issue(): string {
    this.current = `tok-${++this.issued}`
    this.valid.add(this.current)
    return this.current
  }

  handle = (r: Recorded) => {
    if (r.path === '/cgi-bin/stable_token') {
      const force = (r.body as { force_refresh?: boolean }).force_refresh === true
      if (force && this.forced === 'limit') {
        return { body: { errcode: 45009, errmsg: 'reach max api daily quota limit' } }
      }
      if (force && this.forced === 'same' && this.current !== null) {
        return { body: { access_token: this.current, expires_in: 7200 } }
      }
      const token = force || this.current === null ? this.issue() : this.current
      return { body: { access_token: token, expires_in: 7200 } }
    }
    if (r.path === '/cgi-bin/token')
      return { body: { access_token: this.issue(), expires_in: 7200 } }
    if (r.path === '/cgi-bin/qrcode/create') {
      const token = r.query.get('access_token') ?? ''
      const scripted = this.qrAnswer?.(token) ?? null
      if (scripted !== null) return { body: scripted }
      if (!this.valid.has(token)) {
        return {
          body: {
            errcode: 40001,
            errmsg: 'invalid credential, access_token is invalid or not latest',
          },
        }
      }
      return {
        body: {
          ticket: `ticket-for-${token}`,
          expire_seconds: 300,
          url: 'http://weixin.qq.com/q/abc',
        },
      }
    }
    return { status: 404, body: 'no' }
  }
}

let platform: Platform

function client(opts: Partial<WechatClientOptions> = {}): WechatClient {
  return new WechatClient({
    appId: APP_ID,
    appSecret: APP_SECRET,
    apiBase: fake.url,
    tokenStore: store,
    sleep: (ms) => {
      sleeps.push(ms)
      return Promise.resolve()
    },
    ...opts,
  })
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (err) {
    if (err instanceof Error) {
      // No error may carry a secret.
      expect(err.message).not.toContain(APP_SECRET)
      expect(err.message).not.toMatch(/tok-\d/)
      return err
    }
  }
  throw new Error('expected a rejection')
}

beforeEach(async () => {
  fake = await FakeWechat.start()
  platform = new Platform()
  fake.handler = platform.handle
  store = new MemoryTokenStore()
  sleeps = []
})

afterEach(async () => {
  await fake.close()
})

describe('access token', () => {
  it('uses stable_token by default with the documented body, and caches', async () => {
    const c = client()
    expect(await c.getAccessToken()).toBe('tok-1')
    expect(await c.getAccessToken()).toBe('tok-1')
    expect(fake.requests).toHaveLength(1)
    const r = fake.requests[0]!
    expect(r.method).toBe('POST')
    expect(r.path).toBe('/cgi-bin/stable_token')
    expect(r.body).toEqual({
      grant_type: 'client_credential',
      appid: APP_ID,
      secret: APP_SECRET,
      force_refresh: false,
    })
    expect(await store.get()).toMatchObject({ token: 'tok-1' })
  })

  it('can use cgi-bin/token', async () => {
    expect(await client({ tokenEndpoint: 'classic' }).getAccessToken()).toBe('tok-1')
    const r = fake.requests[0]!
    expect(r.method).toBe('GET')
    expect(r.path).toBe('/cgi-bin/token')
    expect(Object.fromEntries(r.query)).toEqual({
      grant_type: 'client_credential',
      appid: APP_ID,
      secret: APP_SECRET,
    })
  })

  it('refreshes only once the refresh margin is reached', async () => {
    let now = 1_000_000
    const c = client({ now: () => now, refreshMarginSeconds: 120, tokenEndpoint: 'classic' })
    expect(await c.getAccessToken()).toBe('tok-1')
    now += (7200 - 120) * 1000 - 1
    expect(await c.getAccessToken()).toBe('tok-1')
    now += 1
    expect(await c.getAccessToken()).toBe('tok-2')
    expect(fake.count('/cgi-bin/token')).toBe(2)
    expect(await store.get()).toEqual({ token: 'tok-2', expiresAt: now + 7200 * 1000 })
  })

  it('uses a token another process put in the shared store', async () => {
    await store.set({ token: 'shared-tok', expiresAt: Date.now() + 3_600_000 })
    expect(await client().getAccessToken()).toBe('shared-tok')
    expect(fake.requests).toHaveLength(0)
  })

  it('single flight: 100 concurrent callers make one token request', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    fake.handler = async (r) => {
      await gate // hold the answer until every caller is waiting
      return platform.handle(r)
    }
    const c = client()
    const all = Promise.all(Array.from({ length: 100 }, () => c.getAccessToken()))
    // The one refresh is in flight, held at the gate, while the callers wait on it.
    await vi.waitFor(() => expect(fake.count('/cgi-bin/stable_token')).toBe(1), UNDER_LOAD)
    release()
    const tokens = await all
    expect(new Set(tokens)).toEqual(new Set(['tok-1']))
    expect(fake.count('/cgi-bin/stable_token')).toBe(1)
  })

  it('single flight also holds for concurrent QR requests on an empty cache', async () => {
    const c = client()
    const results = await Promise.all(Array.from({ length: 30 }, () => c.createQrCode(qrBody)))
    expect(results.every((r) => r.ticket === 'ticket-for-tok-1')).toBe(true)
    expect(fake.count('/cgi-bin/stable_token')).toBe(1)
    expect(fake.count('/cgi-bin/qrcode/create')).toBe(30)
  })

  it('does not remember a failed refresh', async () => {
    let fail = true
    fake.handler = (r) =>
      fail ? { body: { errcode: -1, errmsg: 'system error' } } : platform.handle(r)
    const c = client({ busyRetries: 0 })
    const errors = await Promise.allSettled([c.getAccessToken(), c.getAccessToken()])
    expect(errors.every((e) => e.status === 'rejected')).toBe(true)
    fail = false
    expect(await c.getAccessToken()).toBe('tok-1')
  })
})

describe('token errors: retry once', () => {
  it('drops a rejected token, refreshes and retries once', async () => {
    await store.set({ token: 'stale', expiresAt: Date.now() + 3_600_000 })
    platform.issue() // the platform's current token is tok-1; 'stale' is unknown to it
    const res = await client().createQrCode(qrBody)
    expect(res).toEqual({
      ticket: 'ticket-for-tok-1',
      expireSeconds: 300,
      url: 'http://weixin.qq.com/q/abc',
    })
    const qr = fake.requests.filter((r) => r.path === '/cgi-bin/qrcode/create')
    expect(qr.map((r) => r.query.get('access_token'))).toEqual(['stale', 'tok-1'])
    expect(fake.count('/cgi-bin/stable_token')).toBe(1)
    expect(await store.get()).toMatchObject({ token: 'tok-1' })
  })

  it.each([40001, 40014, 42001])('retries on %i but only once', async (errcode) => {
    platform.qrAnswer = () => ({ errcode, errmsg: 'token problem' })
    const err = await rejection(client({ tokenEndpoint: 'classic' }).createQrCode(qrBody))
    expect(err).toBeInstanceOf(WechatApiError)
    expect((err as WechatApiError).kind).toBe('token')
    expect((err as WechatApiError).errcode).toBe(errcode)
    expect(fake.count('/cgi-bin/qrcode/create')).toBe(2)
    expect(fake.count('/cgi-bin/token')).toBe(2)
  })

  it('keeps the token another caller already refreshed', async () => {
    await store.set({ token: 'stale', expiresAt: Date.now() + 3_600_000 })
    const fresh = platform.issue()
    platform.qrAnswer = (token) => {
      if (token !== 'stale') return null
      // While this request fails, another process stores a fresh token.
      void store.set({ token: fresh, expiresAt: Date.now() + 3_600_000 })
      return { errcode: 40001, errmsg: 'invalid credential' }
    }
    const res = await client().createQrCode(qrBody)
    expect(res.ticket).toBe(`ticket-for-${fresh}`)
    expect(fake.count('/cgi-bin/stable_token')).toBe(0) // no refresh needed
    expect(await store.get()).toMatchObject({ token: fresh }) // compare-and-delete kept it
  })

  it('concurrent failures with the same token cause one refresh', async () => {
    await store.set({ token: 'stale', expiresAt: Date.now() + 3_600_000 })
    const c = client()
    const results = await Promise.all(Array.from({ length: 20 }, () => c.createQrCode(qrBody)))
    expect(results.every((r) => r.ticket === 'ticket-for-tok-1')).toBe(true)
    expect(fake.count('/cgi-bin/stable_token')).toBe(1)
    expect(fake.count('/cgi-bin/qrcode/create')).toBe(40)
  })

  it('a rejected token is not taken back from a refresh another caller had started meanwhile', async () => {
    const revoked = platform.issue()
    platform.valid.delete(revoked)
    await store.set({ token: revoked, expiresAt: Date.now() + 3_600_000 })
    const c = client()
    // Another caller (a send in the next lane) finds the cache just cleared and starts a plain
    // refresh, which knows nothing of the rejection: stable_token hands it the same token.
    let other: Promise<string> | undefined
    const clearIf = store.clearIf.bind(store)
    store.clearIf = async (token) => {
      await clearIf(token)
      other ??= c.getAccessToken()
      await new Promise((resolve) => setTimeout(resolve, 0))
    }
    const res = await c.createQrCode(qrBody)
    expect(res.ticket).toBe('ticket-for-tok-2')
    expect(await other).toBe(revoked)
    const forces = fake.requests
      .filter((r) => r.path === '/cgi-bin/stable_token')
      .map((r) => (r.body as { force_refresh: boolean }).force_refresh)
    expect(forces.filter((f) => f)).toEqual([true])
    expect(await store.get()).toMatchObject({ token: 'tok-2' })
  })

  it('forces a stable_token refresh when the normal one returns the rejected token', async () => {
    const revoked = platform.issue()
    platform.valid.delete(revoked) // e.g. revoked by a force_refresh elsewhere
    const res = await client().createQrCode(qrBody)
    expect(res.ticket).toBe('ticket-for-tok-2')
    const forces = fake.requests
      .filter((r) => r.path === '/cgi-bin/stable_token')
      .map((r) => (r.body as { force_refresh: boolean }).force_refresh)
    expect(forces).toEqual([false, false, true])
  })
})

describe('forced refreshes (20 a day, 30 s apart)', () => {
  function forces(): boolean[] {
    return fake.requests
      .filter((r) => r.path === '/cgi-bin/stable_token')
      .map((r) => (r.body as { force_refresh: boolean }).force_refresh)
  }

  /** The platform's current stable token, cached by us, and rejected by qrcode/create. */
  async function rejectedCurrentToken(): Promise<string> {
    const token = platform.issue()
    platform.valid.delete(token)
    await store.set({ token, expiresAt: Date.now() + 3_600_000 })
    return token
  }

  it('a forced refresh that hands back the same token is tried as it is: one normal, one forced', async () => {
    await rejectedCurrentToken()
    platform.forced = 'same' // within 30 s of the last forced refresh
    const err = await rejection(client().createQrCode(qrBody))
    expect(err).toMatchObject({ errcode: 40001, kind: 'token' })
    expect(forces()).toEqual([false, true])
    expect(fake.count('/cgi-bin/qrcode/create')).toBe(2)
  })

  it('does not force again within 30 s of its last forced refresh', async () => {
    let now = Date.now()
    await rejectedCurrentToken()
    platform.forced = 'same'
    const c = client({ now: () => now })
    await rejection(c.createQrCode(qrBody))
    now += 29_999
    await rejection(c.createQrCode(qrBody))
    expect(forces()).toEqual([false, true, false])
    now += 1
    await rejection(c.createQrCode(qrBody))
    expect(forces()).toEqual([false, true, false, false, true])
  })

  it('45009 from a forced refresh is its own limit, not the QR quota, and keeps the token', async () => {
    const token = await rejectedCurrentToken()
    platform.forced = 'limit'
    const err = await rejection(client().createQrCode(qrBody))
    // The request fails with the token error it had; nothing says the QR quota is spent.
    expect(err).toMatchObject({ errcode: 40001, kind: 'token' })
    expect(forces()).toEqual([false, true])
    expect(await store.get()).toMatchObject({ token })
    // The token works again (WeChat's rejection was passing): QR creation goes on with it.
    platform.valid.add(token)
    expect((await client().createQrCode(qrBody)).ticket).toBe(`ticket-for-${token}`)
  })

  it('45009 from the normal stable_token call keeps using a cached token that has not expired', async () => {
    let now = 1_000_000
    const c = client({ now: () => now })
    const token = await c.getAccessToken()
    now += (7200 - 60) * 1000 // inside the refresh margin, not expired
    fake.handler = (r) =>
      r.path === '/cgi-bin/stable_token'
        ? { body: { errcode: 45009, errmsg: 'api freq out of limit' } }
        : platform.handle(r)
    expect((await c.createQrCode(qrBody)).ticket).toBe(`ticket-for-${token}`)
    now += 60_000 // expired: nothing left to use
    const err = await rejection(c.getAccessToken())
    expect(err).toMatchObject({ errcode: 45009, kind: 'token_limit' })
  })
})

describe('errcode classification by endpoint', () => {
  it.each([
    ['cgi-bin/qrcode/create', 'quota'],
    ['cgi-bin/stable_token', 'token_limit'],
    ['cgi-bin/token', 'token_limit'],
    ['cgi-bin/something-else', 'other'],
  ] as const)('45009 from %s is %s', (endpoint, kind) => {
    expect(classifyErrcode(45009, endpoint)).toBe(kind)
    expect(new WechatApiError(45009, 'limit', endpoint)).toMatchObject({ kind, endpoint })
  })

  it('45009 from stable_token reaches the caller as token_limit', async () => {
    fake.handler = () => ({ body: { errcode: 45009, errmsg: 'reach max api daily quota limit' } })
    const err = await rejection(client().createQrCode(qrBody))
    expect(err).toMatchObject({ errcode: 45009, kind: 'token_limit' })
    expect(err.message).toContain('cgi-bin/stable_token')
  })
})

describe('errors that are not retried', () => {
  it.each([
    [40013, 'invalid appid', 'config'],
    [40125, 'invalid appsecret', 'config'],
    [40164, 'invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not in whitelist', 'ip'],
  ])('token errcode %i is kind %s, one request', async (errcode, errmsg, kind) => {
    fake.handler = () => ({ body: { errcode, errmsg } })
    const err = await rejection(client().getAccessToken())
    expect(err).toBeInstanceOf(WechatApiError)
    expect(err).toMatchObject({ errcode, errmsg, kind })
    expect(fake.requests).toHaveLength(1)
    expect(sleeps).toEqual([])
  })

  it('45009 from qrcode/create is kind quota, not retried', async () => {
    platform.qrAnswer = () => ({ errcode: 45009, errmsg: 'reach max api daily quota limit' })
    const err = await rejection(client().createQrCode(qrBody))
    expect(err).toMatchObject({ errcode: 45009, kind: 'quota' })
    expect(fake.count('/cgi-bin/qrcode/create')).toBe(1)
    expect(sleeps).toEqual([])
  })

  it('an invalid QR body never reaches the network', async () => {
    const bad = {
      action_name: 'QR_LIMIT_SCENE',
      action_info: { scene: { scene_id: 100001 } },
    } as const
    const err = await rejection(client().createQrCode(bad))
    expect(err).toBeInstanceOf(WechatRequestError)
    expect(fake.requests).toHaveLength(0)
  })
})

describe('busy (-1)', () => {
  it('retries with growing backoff until it succeeds', async () => {
    let busy = 2
    platform.qrAnswer = () => (busy-- > 0 ? { errcode: -1, errmsg: 'system error' } : null)
    const res = await client({ busyBackoffMs: 100 }).createQrCode(qrBody)
    expect(res.ticket).toBe('ticket-for-tok-1')
    expect(sleeps).toEqual([100, 200])
    expect(fake.count('/cgi-bin/qrcode/create')).toBe(3)
  })

  it('gives up after the configured retries', async () => {
    platform.qrAnswer = () => ({ errcode: -1, errmsg: 'system error' })
    const err = await rejection(client({ busyRetries: 3, busyBackoffMs: 10 }).createQrCode(qrBody))
    expect(err).toMatchObject({ kind: 'busy', errcode: -1 })
    expect(sleeps).toEqual([10, 20, 40])
    expect(fake.count('/cgi-bin/qrcode/create')).toBe(4)
  })

  it('applies to the token request too', async () => {
    let busy = 1
    fake.handler = (r) =>
      busy-- > 0 ? { body: { errcode: -1, errmsg: 'busy' } } : platform.handle(r)
    expect(await client().getAccessToken()).toBe('tok-1')
    expect(sleeps).toHaveLength(1)
  })
})

describe('transport errors', () => {
  it('times out a request that never answers', async () => {
    fake.handler = () => null
    const err = await rejection(client({ timeoutMs: 100 }).getAccessToken())
    expect(err).toBeInstanceOf(WechatHttpError)
    expect((err as WechatHttpError).code).toBe('timeout')
  })

  it('reports non-2xx with its status', async () => {
    fake.handler = () => ({ status: 502, body: 'bad gateway' })
    const err = await rejection(client().getAccessToken())
    expect(err).toMatchObject({ code: 'http', status: 502 })
  })

  it('reports bodies that are not JSON or not the expected shape', async () => {
    fake.handler = () => ({ body: '<html>' })
    expect(await rejection(client().getAccessToken())).toMatchObject({ code: 'bad_response' })
    fake.handler = () => ({ body: { access_token: '', expires_in: 7200 } })
    expect(await rejection(client().getAccessToken())).toMatchObject({ code: 'bad_response' })
    fake.handler = () => ({ body: { access_token: 'x'.repeat(513), expires_in: 7200 } })
    expect(await rejection(client().getAccessToken())).toMatchObject({ code: 'bad_response' })
  })

  it('reports a refused connection as a network error without the URL', async () => {
    const url = fake.url
    await fake.close()
    fake = await FakeWechat.start() // afterEach closes this one
    const err = await rejection(client({ apiBase: url, tokenEndpoint: 'classic' }).getAccessToken())
    expect(err).toMatchObject({ code: 'network' })
    expect(err.message).not.toContain('secret=')
  })
})

describe('options', () => {
  it('refuses invalid options without echoing them', () => {
    expect(() => client({ apiBase: 'ftp://x' })).toThrow(/apiBase/)
    expect(() => client({ appSecret: '' })).toThrow(/appSecret/)
  })
})
