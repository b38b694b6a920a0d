import { afterEach, describe, expect, it } from 'vitest'
import type { Sandbox } from '../../sandbox/server'
import { closeAll, createQr, fakeClock, getJson, postJson, sandbox, type Clock } from './helpers'

afterEach(closeAll)

const MIN = 60_000
const HOUR = 60 * MIN

function tokenUrl(sb: Sandbox, over: Record<string, string | null> = {}): string {
  const q = new URLSearchParams()
  const params: Record<string, string | null> = {
    grant_type: 'client_credential',
    appid: sb.options.appId,
    secret: sb.options.appSecret,
    ...over,
  }
  for (const [k, v] of Object.entries(params)) if (v !== null) q.set(k, v)
  return `${sb.url}/cgi-bin/token?${q.toString()}`
}

async function basic(sb: Sandbox): Promise<string> {
  const r = await getJson(tokenUrl(sb))
  expect(r.json.expires_in).toBe(7200)
  return String(r.json.access_token)
}

async function stable(sb: Sandbox, forceRefresh?: boolean) {
  const body: Record<string, unknown> = {
    grant_type: 'client_credential',
    appid: sb.options.appId,
    secret: sb.options.appSecret,
  }
  if (forceRefresh !== undefined) body.force_refresh = forceRefresh
  return (await postJson(`${sb.url}/cgi-bin/stable_token`, body)).json
}

/** 0 when the token works for qrcode/create, else the errcode it got. */
async function usable(sb: Sandbox, token: string): Promise<number> {
  const r = await createQr(sb, token, {
    expire_seconds: 60,
    action_name: 'QR_SCENE',
    action_info: { scene: { scene_id: 1 } },
  })
  return typeof r.json.errcode === 'number' ? r.json.errcode : 0
}

describe('cgi-bin/token', () => {
  it('issues a 7200 s token with room for 512 characters', async () => {
    const sb = await sandbox()
    const r = await getJson(tokenUrl(sb))
    expect(r.status).toBe(200)
    expect(r.json.expires_in).toBe(7200)
    const token = String(r.json.access_token)
    expect(token.length).toBeGreaterThan(100)
    expect(token.length).toBeLessThanOrEqual(512)
    expect(await usable(sb, token)).toBe(0)
  })

  it('refuses wrong credentials with the documented codes', async () => {
    const sb = await sandbox({ appId: 'wx1234567890abcdef', appSecret: 'right-secret' })
    const code = async (over: Record<string, string | null>) =>
      (await getJson(tokenUrl(sb, over))).json.errcode
    expect(await code({ appid: 'wx0000000000000000' })).toBe(40013)
    expect(await code({ secret: 'wrong-secret' })).toBe(40125)
    expect(await code({ grant_type: 'password' })).toBe(40002)
    expect(await code({ appid: null })).toBe(41002)
    expect(await code({ secret: null })).toBe(41004)
    const r = await getJson(tokenUrl(sb, { appid: 'nope' }))
    expect(r.json.access_token).toBeUndefined()
    expect(String(r.json.errmsg)).toMatch(/invalid appid/)
  })

  it('answers 40164 when the caller is not on the IP allow-list, on both endpoints', async () => {
    const blocked = await sandbox({ ipAllowList: ['203.0.113.7'] })
    const r = await getJson(tokenUrl(blocked))
    expect(r.json.errcode).toBe(40164)
    expect(String(r.json.errmsg)).toContain('127.0.0.1')
    expect((await stable(blocked)).errcode).toBe(40164)

    const allowed = await sandbox({ ipAllowList: ['203.0.113.7', '127.0.0.1'] })
    expect((await getJson(tokenUrl(allowed))).json.access_token).toEqual(expect.any(String))
  })

  it('replaces the previous token, which keeps working for 5 more minutes only', async () => {
    const clock = fakeClock()
    const sb = await sandbox({ now: clock.now })
    const first = await basic(sb)
    clock.advance(MIN)
    const second = await basic(sb)
    expect(second).not.toBe(first)
    clock.advance(5 * MIN - 1000)
    expect(await usable(sb, first)).toBe(0)
    clock.advance(1000)
    expect(await usable(sb, first)).toBe(40001)
    expect(await usable(sb, second)).toBe(0)
  })

  it('answers 42001 once a token outlives its 7200 s and 40001 for one never issued', async () => {
    const clock = fakeClock()
    const sb = await sandbox({ now: clock.now })
    const token = await basic(sb)
    clock.advance(2 * HOUR - 1)
    expect(await usable(sb, token)).toBe(0)
    clock.advance(1)
    expect(await usable(sb, token)).toBe(42001)
    expect(await usable(sb, `${token}x`)).toBe(40001)
    const missing = await postJson(`${sb.url}/cgi-bin/qrcode/create`, {})
    expect(missing.json.errcode).toBe(41001)
  })
})

describe('cgi-bin/stable_token', () => {
  let clock: Clock
  let sb: Sandbox

  async function setup(): Promise<void> {
    clock = fakeClock()
    sb = await sandbox({ now: clock.now })
  }

  it('returns the same token until it is within 5 minutes of expiry, then a new one', async () => {
    await setup()
    const a = await stable(sb)
    expect(a.expires_in).toBe(7200)
    clock.advance(HOUR)
    const b = await stable(sb)
    expect(b.access_token).toBe(a.access_token)
    expect(b.expires_in).toBe(3600)
    clock.advance(HOUR - 5 * MIN - 1000) // 301 s left
    const c = await stable(sb, false)
    expect(c.access_token).toBe(a.access_token)
    expect(c.expires_in).toBe(301)
    clock.advance(1000) // 300 s left: renewed
    const d = await stable(sb)
    expect(d.access_token).not.toBe(a.access_token)
    expect(d.expires_in).toBe(7200)
    // The old one runs out its own lifetime.
    expect(await usable(sb, String(a.access_token))).toBe(0)
    clock.advance(5 * MIN)
    expect(await usable(sb, String(a.access_token))).toBe(42001)
    expect(await usable(sb, String(d.access_token))).toBe(0)
  })

  it('is independent of cgi-bin/token', async () => {
    await setup()
    const s = await stable(sb)
    const b1 = await basic(sb)
    clock.advance(10 * MIN)
    await basic(sb)
    await basic(sb)
    clock.advance(6 * MIN)
    expect((await stable(sb)).access_token).toBe(s.access_token)
    expect(await usable(sb, String(s.access_token))).toBe(0)
    expect(await usable(sb, b1)).toBe(40001)
  })

  it('force_refresh makes the previous token invalid at once', async () => {
    await setup()
    const a = await stable(sb)
    const b = await stable(sb, true)
    expect(b.access_token).not.toBe(a.access_token)
    expect(b.expires_in).toBe(7200)
    expect(await usable(sb, String(a.access_token))).toBe(40001)
    expect(await usable(sb, String(b.access_token))).toBe(0)
  })

  it('does not refresh when forced again within 30 s (the doc: "否则不会刷新")', async () => {
    await setup()
    const a = await stable(sb, true)
    clock.advance(29_999)
    const b = await stable(sb, true)
    expect(b.access_token).toBe(a.access_token)
    clock.advance(1)
    const c = await stable(sb, true)
    expect(c.access_token).not.toBe(a.access_token)
  })

  it('allows 20 forced refreshes a day, then 45009 until Beijing midnight', async () => {
    await setup()
    const seen = new Set<unknown>()
    for (let i = 0; i < 20; i++) {
      const r = await stable(sb, true)
      expect(r.errcode).toBeUndefined()
      seen.add(r.access_token)
      clock.advance(31_000)
    }
    expect(seen.size).toBe(20)
    expect((await stable(sb, true)).errcode).toBe(45009)
    // Normal mode still works while forced refresh is exhausted.
    expect((await stable(sb)).access_token).toEqual(expect.any(String))
    // T0 is 12:00 in Beijing; 16:00 UTC is midnight there.
    clock.set(Date.UTC(2025, 0, 15, 16, 0, 0) - 1)
    expect((await stable(sb, true)).errcode).toBe(45009)
    clock.set(Date.UTC(2025, 0, 15, 16, 0, 0))
    expect((await stable(sb, true)).access_token).toEqual(expect.any(String))
  })

  it('holds the call limits of docs/WECHAT.md (10,000 a minute, 500,000 a day): 45009 past them', async () => {
    // The limits are options (like dailyQrQuota) so a test reaches them in a few calls; the
    // defaults are WeChat's. Before, stable_token answered every call however many.
    clock = fakeClock()
    const defaults = await sandbox({ now: clock.now })
    expect(defaults.options).toMatchObject({
      stableTokenPerMinute: 10_000,
      stableTokenPerDay: 500_000,
    })
    sb = await sandbox({ now: clock.now, stableTokenPerMinute: 3, stableTokenPerDay: 5 })
    for (let i = 0; i < 3; i++) expect((await stable(sb)).access_token).toEqual(expect.any(String))
    expect((await stable(sb)).errcode).toBe(45009)
    // A wrong secret is not the account's call: 40125 still, and it spends nothing.
    const wrong = await postJson(`${sb.url}/cgi-bin/stable_token`, {
      grant_type: 'client_credential',
      appid: sb.options.appId,
      secret: 'not-the-secret',
    })
    expect(wrong.json.errcode).toBe(40125)
    clock.advance(MIN)
    expect((await stable(sb)).access_token).toEqual(expect.any(String))
    expect((await stable(sb)).access_token).toEqual(expect.any(String))
    // Five today: the day's limit, whatever the minute.
    clock.advance(MIN)
    expect((await stable(sb)).errcode).toBe(45009)
    expect((await stable(sb, true)).errcode).toBe(45009)
    // T0 is 12:00 in Beijing; 16:00 UTC is midnight there.
    clock.set(Date.UTC(2025, 0, 15, 16, 0, 0))
    expect((await stable(sb)).access_token).toEqual(expect.any(String))
    // cgi-bin/token is a separate line: not counted against stable_token.
    expect(await basic(sb)).toEqual(expect.any(String))
  })

  it('checks the body like WeChat', async () => {
    await setup()
    const url = `${sb.url}/cgi-bin/stable_token`
    const o = sb.options
    const base = { grant_type: 'client_credential', appid: o.appId, secret: o.appSecret }
    expect((await postJson(url, { ...base, appid: 'wxother' })).json.errcode).toBe(40013)
    expect((await postJson(url, { ...base, secret: 'nope' })).json.errcode).toBe(40125)
    expect((await postJson(url, { ...base, grant_type: 'x' })).json.errcode).toBe(40002)
    expect((await postJson(url, { ...base, force_refresh: 'yes' })).json.errcode).toBe(47001)
    expect((await postJson(url, 'not json', true)).json.errcode).toBe(47001)
    expect((await postJson(url, '', true)).json.errcode).toBe(44002)
    expect((await getJson(url)).json.errcode).toBe(43002)
  })
})

describe('fault switches on the token endpoints', () => {
  it('answers errcode -1 while busy and plain 5xx while broken', async () => {
    const sb = await sandbox()
    sb.setFaults({ busy: true })
    expect((await getJson(tokenUrl(sb))).json.errcode).toBe(-1)
    expect((await stable(sb)).errcode).toBe(-1)
    sb.setFaults({ busy: false, http5xx: 502 })
    const res = await fetch(tokenUrl(sb))
    expect(res.status).toBe(502)
    expect(res.headers.get('content-type')).not.toMatch(/json/)
    sb.setFaults({ http5xx: false })
    expect((await getJson(tokenUrl(sb))).json.access_token).toEqual(expect.any(String))
  })
})
