// The scan simulator's rules: which codes push at all, subscribe vs SCAN, unfollow, and the
// endpoints the phone page uses.
import { afterEach, describe, expect, it } from 'vitest'
import { parsePushXml } from '../../shared/wechat/push'
import { UnknownQrCodeError } from '../../sandbox/server'
import {
  closeAll,
  fakeClock,
  getJson,
  postJson,
  receiver,
  sandbox,
  tempCode,
  type ReceivedPush,
} from './helpers'

afterEach(closeAll)

describe('scan simulator', () => {
  it('pushes nothing and answers 404 for an unknown url', async () => {
    const r = await receiver(() => ({}))
    const sb = await sandbox({ pushUrl: r.url })
    const code = await tempCode(sb, 'k:1')
    const unknown = code.url.slice(0, -1) + (code.url.endsWith('a') ? 'b' : 'a')
    const res = await postJson(`${sb.url}/sandbox/scan`, { url: unknown, openid: 'oA' })
    expect(res.status).toBe(404)
    await expect(sb.scan(`${code.url}/`, 'oA')).rejects.toBeInstanceOf(UnknownQrCodeError)
    expect(r.received).toHaveLength(0)
    // Scanning an unknown code does not make the visitor follow.
    expect((await getJson(`${sb.url}/sandbox/followers`)).json.followers).toEqual([])
  })

  it('pushes nothing once a temporary code has expired', async () => {
    const clock = fakeClock()
    const r = await receiver(() => ({}))
    const sb = await sandbox({ pushUrl: r.url, now: clock.now })
    const code = await tempCode(sb, 'k:exp', 120)
    clock.advance(119_000)
    await sb.scan(code.url, 'oA')
    clock.advance(1000)
    const res = await postJson(`${sb.url}/sandbox/scan`, { url: code.url, openid: 'oB' })
    expect(res.status).toBe(404)
    expect(r.received).toHaveLength(1)
  })

  it('makes a visitor follow on the first scan, whatever the server answers', async () => {
    const r = await receiver(() => ({ status: 500 }))
    // Retried at once: the tries' spacing (push-delivery.test.ts) is not what this is about.
    const sb = await sandbox({ pushUrl: r.url, pushRetryIntervalMs: 0 })
    const a = await tempCode(sb, 'k:a')
    const b = await tempCode(sb, 'k:b')
    expect((await sb.scan(a.url, 'oX')).event).toBe('subscribe')
    // A follower scanning another code gets SCAN with that code's scene.
    const second = await sb.scan(b.url, 'oX')
    expect(second.event).toBe('SCAN')
    expect(parsePushXml((r.received.at(-1) as ReceivedPush).body)).toMatchObject({
      kind: 'scan',
      scene: 'k:b',
    })
    // Another visitor is independent.
    expect((await sb.scan(b.url, 'oY')).event).toBe('subscribe')
  })

  it('unfollow pushes unsubscribe, and the next scan is a subscribe again', async () => {
    const r = await receiver(() => ({}))
    const sb = await sandbox({ pushUrl: r.url })
    const code = await tempCode(sb, 'k:u')
    await sb.scan(code.url, 'oU')
    const res = await postJson(`${sb.url}/sandbox/unsubscribe`, { openid: 'oU' })
    expect(res.status).toBe(200)
    expect(res.json.event).toBe('unsubscribe')
    expect(parsePushXml((r.received.at(-1) as ReceivedPush).body)).toMatchObject({
      kind: 'unsubscribe',
      openid: 'oU',
    })
    expect((await postJson(`${sb.url}/sandbox/unsubscribe`, { openid: 'oU' })).status).toBe(404)
    expect((await sb.scan(code.url, 'oU')).event).toBe('subscribe')
    expect(r.received).toHaveLength(3)
  })

  it('a follow without a code pushes subscribe with an empty EventKey and no Ticket', async () => {
    const r = await receiver(() => ({}))
    const sb = await sandbox({ pushUrl: r.url })
    const res = await postJson(`${sb.url}/sandbox/follow`, { openid: 'oF' })
    expect(res.status).toBe(200)
    const body = (r.received[0] as ReceivedPush).body
    expect(body).toContain('<EventKey><![CDATA[]]></EventKey>')
    expect(body).not.toContain('<Ticket>')
    expect(parsePushXml(body)).toMatchObject({ kind: 'subscribe', openid: 'oF' })
    expect((await postJson(`${sb.url}/sandbox/follow`, { openid: 'oF' })).status).toBe(409)
    const code = await tempCode(sb, 'k:f')
    expect((await sb.scan(code.url, 'oF')).event).toBe('SCAN')
  })

  it('records the scan without pushing when no push url is set, and pushes once one is', async () => {
    const sb = await sandbox()
    const code = await tempCode(sb, 'k:n')
    const first = await sb.scan(code.url, 'oN')
    expect(first.attempts).toEqual([])
    expect(first.reply.kind).toBe('none')
    const r = await receiver(() => ({}))
    sb.setPushUrl(r.url)
    expect((await sb.scan(code.url, 'oN')).event).toBe('SCAN')
    expect(r.received).toHaveLength(1)
    expect(() => sb.setPushUrl('ftp://example.invalid/')).toThrow()
  })

  it('validates scan requests', async () => {
    const sb = await sandbox()
    const code = await tempCode(sb, 'k:v')
    const scan = `${sb.url}/sandbox/scan`
    const bad = await postJson(scan, { url: code.url, openid: 'bad openid!' })
    expect(bad.status).toBe(400)
    // The field named once, then what it must be.
    expect(bad.json.error).toBe('openid: must be 1–64 of [A-Za-z0-9_-]')
    const unfollow = await postJson(`${sb.url}/sandbox/unsubscribe`, { openid: 'x'.repeat(65) })
    expect(unfollow.status).toBe(400)
    expect(unfollow.json.error).toBe('openid: must be 1–64 of [A-Za-z0-9_-]')
    expect((await postJson(scan, { url: code.url })).status).toBe(400)
    expect((await postJson(scan, { url: code.url, openid: 'o1', extra: 1 })).status).toBe(400)
    expect((await postJson(scan, 'nope', true)).status).toBe(400)
    expect((await postJson(scan, 'x'.repeat(10_000), true)).status).toBe(413)
    // A cross-site form post (no JSON content type) cannot trigger a scan.
    const form = await fetch(scan, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify({ url: code.url, openid: 'o1' }),
    })
    expect(form.status).toBe(415)
    expect((await getJson(`${sb.url}/sandbox/followers`)).json.followers).toEqual([])
  })
})

describe('the sandbox routes', () => {
  it('answers a wrong method 405 with Allow, an unknown path 404, and bad JSON with why', async () => {
    const sb = await sandbox()
    const get = await fetch(`${sb.url}/sandbox/scan`)
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    expect((await fetch(`${sb.url}/sandbox/nope`)).status).toBe(404)
    const bad = await postJson(`${sb.url}/sandbox/scan`, '{"url":', true)
    expect(bad).toEqual({ status: 400, json: { error: 'body must be JSON' } })
  })
})

describe('phone page support', () => {
  it('lists recent live codes, newest first', async () => {
    const clock = fakeClock()
    const sb = await sandbox({ now: clock.now })
    const old = await tempCode(sb, 'k:old', 60)
    clock.advance(30_000)
    const fresh = await tempCode(sb, 'k:new', 600)
    const listed = async () =>
      ((await getJson(`${sb.url}/sandbox/tickets`)).json.tickets as Array<{ url: string }>).map(
        (t) => t.url,
      )
    expect(await listed()).toEqual([fresh.url, old.url])
    clock.advance(30_000)
    expect(await listed()).toEqual([fresh.url])
  })

  it('serves a self-contained phone page at /', async () => {
    const sb = await sandbox()
    const res = await fetch(`${sb.url}/`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
    const html = await res.text()
    expect(html).toContain('/sandbox/scan')
    expect(html).not.toMatch(/<script[^>]+src=/)
    expect((await fetch(`${sb.url}/sandbox/nothing`)).status).toBe(404)
  })
})
