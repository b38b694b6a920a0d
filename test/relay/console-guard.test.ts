// The console API's guard, on both stores: every route of the table (read from the relay, so a
// route added later is covered) answers 401 without a session; a kiosk token is not a session
// and a session cookie is not a kiosk credential; state changes from another origin get 403.
import { request } from 'node:http'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { sendJson } from '../../relay/http-util'
import type { RelayHandle } from '../../relay/server'
import {
  Clock,
  ConsoleClient,
  collectSecrets,
  consoleTestBed,
  errorCode,
  organizer,
  secrets,
} from './console-helpers'
import { KioskClient, type Backend } from './harness'

const bed = consoleTestBed()

/** A relay with one extra route, as attendance and stats will add theirs. */
async function relay(backend: Backend): Promise<{ relay: RelayHandle; password: string }> {
  const p = bed.place(backend)
  const clock = new Clock()
  const r = await bed.relay(
    p,
    {
      now: clock.now,
      console: () => ({
        routes: [
          {
            method: 'GET',
            path: '/extra/:thing',
            handler: (ctx) => {
              sendJson(ctx.res, 200, { thing: ctx.params.thing })
              return Promise.resolve()
            },
          },
        ],
      }),
    },
    { wechat: { appId: 'wx5823bf96d3bd56c7', appSecret: 'the-app-secret-0123456789' } },
  )
  secrets.add('the-app-secret-0123456789')
  return { relay: r, password: await organizer(r, 'alice', clock.t) }
}

const concrete = (path: string): string => `/console/api${path.replace(/:[a-z]+/gi, 'k1')}`

describe.each(['sqlite', 'redis'] as const)('console API guard (%s store)', (backend) => {
  it('every route but login answers 401 without a valid session, whatever else is sent', async () => {
    const { relay: r } = await relay(backend)
    const token = await r.addKiosk('k1')
    secrets.add(token)
    const guarded = r.consoleRoutes.filter((route) => route.public !== true)
    // The table as the relay serves it: kiosk routes, session routes, and the added one.
    expect(guarded.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining([
        'GET /kiosks',
        'POST /kiosks',
        'PUT /kiosks/:id',
        'DELETE /kiosks/:id',
        'POST /kiosks/:id/pairing',
        'GET /session',
        'GET /extra/:thing',
      ]),
    )
    expect(
      r.consoleRoutes
        .filter((route) => route.public === true)
        .map((route) => `${route.method} ${route.path}`),
    ).toEqual(['POST /login', 'POST /logout'])
    const c = new ConsoleClient(r.url)
    const attempts: Array<[string, Record<string, string>]> = [
      ['no credential', {}],
      ['a kiosk bearer token', { authorization: `Bearer ${token}` }],
      ['a made-up session', { cookie: `scandesk_session=${'A'.repeat(43)}` }],
      ['the kiosk token as the cookie', { cookie: `scandesk_session=${token}` }],
    ]
    for (const route of [...guarded, { method: 'GET', path: '/no-such-route' }]) {
      for (const [what, headers] of attempts) {
        const body = route.method === 'GET' ? undefined : { id: 'k9', campaignId: null }
        const a = await c.call(route.method, concrete(route.path), body, headers)
        expect(a.status, `${route.method} ${route.path} with ${what}`).toBe(401)
        expect(errorCode(a)).toBe('unauthorized')
      }
    }
    // Signing out needs no session: it clears the cookie whatever was sent, and ends nothing.
    for (const [what, headers] of attempts) {
      const out = await c.call('POST', '/console/api/logout', undefined, headers)
      expect(out.status, `logout with ${what}`).toBe(204)
      expect(out.headers.get('set-cookie')).toMatch(/^scandesk_session=;.*Max-Age=0/)
    }
    // Nothing happened: no kiosk was added, k1 is not revoked.
    expect((await r.store.listKiosks()).map((k) => [k.kioskId, k.revokedAt])).toEqual([
      ['k1', null],
    ])
  })

  it('with a session, the added route is served; unknown paths are 404 only then', async () => {
    const { relay: r, password } = await relay(backend)
    const c = new ConsoleClient(r.url)
    expect((await c.login('alice', password)).status).toBe(200)
    expect((await c.call('GET', '/console/api/extra/x%20y')).json).toEqual({ thing: 'x y' })
    expect((await c.call('GET', '/console/api/no-such-route')).status).toBe(404)
    // HEAD is a GET's headers without its body; a method a path does not take is 405 + Allow.
    const head = await c.call('HEAD', '/console/api/attendance?format=csv')
    expect(head.status).toBe(200)
    expect(head.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.csv"$/)
    expect(head.text).toBe('')
    expect((await c.call('HEAD', '/console/api/kiosks')).status).toBe(200)
    const patch = await c.call('PATCH', '/console/api/kiosks', { id: 'k2' })
    expect(patch.status).toBe(405)
    expect(patch.headers.get('allow')).toBe('GET, HEAD, POST')
    expect(errorCode(patch)).toBe('method_not_allowed')
    await collectSecrets(r, c)
  })

  it('a route that takes no query refuses one, naming the parameter, and does nothing', async () => {
    // `GET /kiosks?campain=c` listed every kiosk as if filtered; `POST /kiosks?dryRun=1` added
    // the kiosk; `DELETE /kiosks/k1?confirm=0` revoked it.
    const { relay: r, password } = await relay(backend)
    secrets.add(await r.addKiosk('k1'))
    const c = new ConsoleClient(r.url)
    expect((await c.login('alice', password)).status).toBe(200)
    const without = r.consoleRoutes.filter((route) => route.query !== true)
    expect(without.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining(['GET /kiosks', 'POST /kiosks', 'GET /events']),
    )
    // Those that read their own query keep reading it (each refuses a name it does not know;
    // the campaigns list takes `view`).
    expect(
      r.consoleRoutes.filter((route) => route.query === true).map((route) => route.path),
    ).toEqual(
      expect.arrayContaining(['/stats', '/attendance', '/campaigns', '/campaigns/:id/roster']),
    )
    for (const route of without) {
      if (route.path === '/logout') continue // ends the session the loop runs in
      const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : { id: 'k2' }
      const answer = await c.call(route.method, `${concrete(route.path)}?campain=c`, body)
      const where = `${route.method} ${route.path}`
      expect(answer.status, where).toBe(400)
      expect(errorCode(answer), where).toBe('bad_request')
      expect(answer.text, where).toContain('"campain: unknown parameter (this endpoint takes none)')
    }
    expect((await r.store.listKiosks()).map((k) => [k.kioskId, k.revokedAt])).toEqual([
      ['k1', null],
    ])
    // An empty query names nothing: served as before.
    expect((await c.call('GET', '/console/api/kiosks?')).status).toBe(200)
    await collectSecrets(r, c)
  })

  it('a route that takes no body refuses fields and does nothing; none or {} goes on', async () => {
    // `POST …/pairing {"dryRun":true}` replaced the booth's unused code, `DELETE /kiosks/k1
    // {"id":"k2"}` revoked k1, `POST …/screen-key {"keep":true}` broke every big screen's link.
    const { relay: r, password } = await relay(backend)
    secrets.add(await r.addKiosk('k1'))
    const c = new ConsoleClient(r.url)
    expect((await c.login('alice', password)).status).toBe(200)
    const made = await c.call('POST', '/console/api/campaigns', { name: '春季展' })
    const campaign = z.object({ id: z.string(), screenKey: z.string() }).parse(made.json)
    const paired = await c.call('POST', '/console/api/kiosks/k1/pairing')
    expect(paired.status).toBe(201)
    const { pairingCode } = z.object({ pairingCode: z.string() }).parse(paired.json)
    const noBody: Array<[string, string]> = [
      ['POST', '/console/api/kiosks/k1/pairing'],
      ['POST', '/console/api/kiosks/k1/admin-unlock'],
      ['POST', `/console/api/campaigns/${campaign.id}/screen-key`],
      ['DELETE', '/console/api/kiosks/k1'],
    ]
    for (const [method, path] of noBody) {
      for (const body of [{ dryRun: true }, { id: 'k2' }, [], 'k1', null]) {
        const a = await c.call(method, path, body)
        const where = `${method} ${path} ${JSON.stringify(body)}`
        expect(a.status, where).toBe(400)
        expect(errorCode(a), where).toBe('bad_request')
        expect(a.text, where).toContain('takes no fields')
      }
    }
    // Nothing was done: k1 is not revoked, its code is the one shown, the screen key unchanged.
    expect((await r.store.listKiosks()).map((k) => [k.kioskId, k.revokedAt])).toEqual([
      ['k1', null],
    ])
    const pair = await fetch(`${r.url}/api/pair`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: pairingCode }),
    })
    expect(pair.status).toBe(200)
    secrets.add(z.object({ token: z.string() }).parse(await pair.json()).token)
    const read = await c.call('GET', `/console/api/campaigns/${campaign.id}`)
    expect(z.object({ screenKey: z.string() }).parse(read.json).screenKey).toBe(campaign.screenKey)
    // What the console sends, no body or `{}`, is served as before.
    expect((await c.call('POST', '/console/api/kiosks/k1/pairing', {})).status).toBe(201)
    const rotated = await c.call('POST', `/console/api/campaigns/${campaign.id}/screen-key`, {})
    expect(rotated.status).toBe(200)
    expect((await c.call('POST', '/console/api/kiosks/k1/admin-unlock')).status).toBe(409)
    expect((await c.call('DELETE', '/console/api/kiosks/k1', {})).status).toBe(204)
    // Sign-out too: a body with fields is refused and the session goes on; `{}` signs out.
    for (const body of [{ everywhere: true }, [], null]) {
      const a = await c.call('POST', '/console/api/logout', body)
      expect(a.status, JSON.stringify(body)).toBe(400)
      expect(a.text).toContain('takes no fields')
    }
    expect((await c.call('GET', '/console/api/session')).status).toBe(200)
    expect((await c.call('POST', '/console/api/logout', {})).status).toBe(204)
    expect((await c.call('GET', '/console/api/session')).status).toBe(401)
    await collectSecrets(r, c)
  })

  it('a session cookie is not a kiosk credential (/api/tickets, /api/fallback-code, /kiosk)', async () => {
    const { relay: r, password } = await relay(backend)
    await r.addKiosk('k1')
    const c = new ConsoleClient(r.url)
    await c.login('alice', password)
    const cookie = c.cookie ?? ''
    const sessionId = cookie.split('=')[1] ?? ''
    for (const path of ['/api/tickets', '/api/fallback-code']) {
      const tries: Array<Record<string, string>> = [
        { cookie },
        { cookie, authorization: `Bearer ${sessionId}` },
        { authorization: `Bearer k1.${sessionId}` },
      ]
      for (const headers of tries) {
        const res = await fetch(`${r.url}${path}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', origin: r.url },
          body: JSON.stringify({ count: 1, expireSeconds: 600 }),
        })
        expect(res.status, `${path} ${JSON.stringify(Object.keys(headers))}`).toBe(401)
        await res.text()
      }
    }
    await expect(KioskClient.connect(r.url, null, { headers: { cookie } })).rejects.toThrow(
      'HTTP 401',
    )
    await expect(KioskClient.connect(r.url, `k1.${sessionId}`)).rejects.toThrow('HTTP 401')
    await collectSecrets(r, c)
  })

  it('state changes from another origin are refused 403 before anything happens', async () => {
    const { relay: r, password } = await relay(backend)
    const c = new ConsoleClient(r.url)
    await c.login('alice', password)
    await r.addKiosk('k1')
    const refused: Array<[string, Record<string, string>, string | null]> = [
      ['another Origin', {}, 'https://evil.example'],
      ['another port', {}, r.url.replace(/:\d+$/, ':1')],
      ['Origin null', {}, 'null'],
      ['a cross-site Referer', { referer: 'https://evil.example/page' }, null],
      ['an empty Origin beside a cross-site Referer', { referer: 'https://evil.example/' }, ''],
      ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }, r.url],
      ['Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site' }, r.url],
    ]
    for (const [what, headers, origin] of refused) {
      c.origin = origin
      const add = await c.call('POST', '/console/api/kiosks', { id: 'k2' }, headers)
      expect(add.status, what).toBe(403)
      expect(errorCode(add)).toBe('forbidden')
      const del = await c.call('DELETE', '/console/api/kiosks/k1', undefined, headers)
      expect(del.status, what).toBe(403)
      const put = await c.call('PUT', '/console/api/kiosks/k1', { campaignId: 'c' }, headers)
      expect(put.status, what).toBe(403)
      const login = await c.call('POST', '/console/api/login', { name: 'alice', password }, headers)
      expect(login.status, what).toBe(403)
      expect(login.headers.get('set-cookie')).toBeNull()
      const out = await c.call('POST', '/console/api/logout', undefined, headers)
      expect(out.status, what).toBe(403)
    }
    expect((await r.store.listKiosks()).map((k) => [k.kioskId, k.revokedAt])).toEqual([
      ['k1', null],
    ])
    // A script (curl, Node's fetch) sends neither Origin nor Referer, and no browser does: it
    // signs in and changes state as the contract's "from another origin" leaves it free to.
    c.origin = null
    const script = new ConsoleClient(r.url)
    script.origin = null
    await script.login('alice', password)
    const added = await script.call('POST', '/console/api/kiosks', { id: 'k-script' })
    expect(added.status).toBe(201)
    expect((await script.call('DELETE', '/console/api/kiosks/k-script')).status).toBe(204)
    expect((await script.call('POST', '/console/api/logout')).status).toBe(204)
    // The session still works; a same-origin Referer (no Origin) is accepted, and so is a read
    // from anywhere (the SameSite cookie keeps other sites' reads unauthenticated).
    c.origin = null
    const viaReferer = await c.call(
      'POST',
      '/console/api/kiosks',
      { id: 'k2' },
      { referer: `${r.url}/console/kiosks` },
    )
    expect(viaReferer.status).toBe(201)
    c.origin = 'https://evil.example'
    expect((await c.call('GET', '/console/api/kiosks')).status).toBe(200)
    // A body that is not declared JSON (what a plain HTML form sends) is not read.
    c.origin = r.url
    const form = await fetch(`${r.url}/console/api/kiosks`, {
      method: 'POST',
      headers: { cookie: c.cookie ?? '', origin: r.url, 'content-type': 'text/plain' },
      body: JSON.stringify({ id: 'k3' }),
    })
    // 415 (RFC 9110 15.5.16: the body's format is what is refused), saying which it takes.
    expect(form.status).toBe(415)
    expect(form.headers.get('accept-post')).toBe('application/json')
    expect(await form.json()).toEqual({
      error: { code: 'bad_request', message: 'send Content-Type: application/json' },
    })
    // Without a type, and on a PUT (no Accept-Post: that names what a POST takes).
    const untyped = await fetch(`${r.url}/console/api/kiosks`, {
      method: 'POST',
      headers: { cookie: c.cookie ?? '', origin: r.url },
      body: new Blob([JSON.stringify({ id: 'k3' })]),
    })
    expect(untyped.status).toBe(415)
    const put = await fetch(`${r.url}/console/api/kiosks/k2`, {
      method: 'PUT',
      headers: { cookie: c.cookie ?? '', origin: r.url, 'content-type': 'text/plain' },
      body: JSON.stringify({ campaignId: null }),
    })
    expect(put.status).toBe(415)
    expect(put.headers.get('accept-post')).toBeNull()
    expect(await r.store.getKiosk('k3')).toBeNull()
    await collectSecrets(r, c)
  })

  it('over https, a page of the same host on plain http is another origin: 403', async () => {
    // Someone on the venue's Wi-Fi can answer http://<relay host>/ with a page of their own
    // (nothing there is signed), and a browser without Sec-Fetch-Site, or counting http and
    // https of one host as one site, sends the SameSite cookie along with its POST.
    const clock = new Clock()
    const r = await bed.relay(bed.place(backend), { now: clock.now }, { trustProxyHops: 1 })
    const password = await organizer(r, 'alice', clock.t)
    const host = 'relay.example.com'
    let cookie = ''
    // As Caddy passes it on: the browser's Host, X-Forwarded-Proto https (fetch cannot set Host).
    const viaProxy = (path: string, body: unknown, headers: Record<string, string>) =>
      new Promise<{
        status: number
        setCookie: string | undefined
        code: unknown
        hsts: string | undefined
      }>((resolve, reject) => {
        const data = JSON.stringify(body)
        const req = request(`${r.url}${path}`, {
          method: 'POST',
          headers: {
            host,
            'x-forwarded-proto': 'https',
            'x-forwarded-for': '203.0.113.9',
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(data),
            ...(cookie !== '' && { cookie }),
            ...headers,
          },
        })
        req.on('error', reject)
        req.on('response', (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => (text += chunk))
          res.on('end', () => {
            const setCookie = res.headers['set-cookie']?.[0]
            const json = (text === '' ? null : JSON.parse(text)) as {
              error?: { code?: string }
            } | null
            resolve({
              status: res.statusCode ?? 0,
              setCookie,
              code: json?.error?.code,
              hsts: res.headers['strict-transport-security'],
            })
          })
        })
        req.end(data)
      })
    const https = { origin: `https://${host}` }
    const signedIn = await viaProxy('/console/api/login', { name: 'alice', password }, https)
    expect(signedIn.status).toBe(200)
    cookie = /^[^;]*/.exec(signedIn.setCookie ?? '')?.[0] ?? ''
    expect(cookie).toMatch(/^scandesk_session=./)
    // Once seen over https, the browser never asks http://<relay host>/ again (for half a year):
    // the next time the organizer types the address at the venue, nobody on its Wi-Fi can
    // answer in the relay's place with a page of their own that takes the password.
    const halfYear = /^max-age=(\d+)$/
    expect(Number(halfYear.exec(signedIn.hsts ?? '')?.[1])).toBeGreaterThanOrEqual(15_552_000)
    const page = await fetch(`${r.url}/console/`, { headers: { 'x-forwarded-proto': 'https' } })
    await page.arrayBuffer()
    expect(page.headers.get('strict-transport-security')).toBe(signedIn.hsts)

    const http = { origin: `http://${host}` }
    const add = await viaProxy('/console/api/kiosks', { id: 'k2' }, http)
    expect(add.status).toBe(403)
    expect(add.code).toBe('forbidden')
    const login = await viaProxy('/console/api/login', { name: 'alice', password }, http)
    expect(login.status).toBe(403)
    expect(login.setCookie).toBeUndefined()
    // A Referer stands for a missing Origin, and is held to the same.
    const referer = { referer: `http://${host}/console/` }
    expect((await viaProxy('/console/api/kiosks', { id: 'k2' }, referer)).status).toBe(403)
    expect(await r.store.getKiosk('k2')).toBeNull()
    // The https page itself goes on working.
    expect((await viaProxy('/console/api/kiosks', { id: 'k2' }, https)).status).toBe(201)
    // Without a proxy saying https the relay cannot tell, so either scheme's page is let in (a
    // deployment with trustProxyHops 0 behind a TLS proxy keeps working).
    const direct = new ConsoleClient(r.url, r.url.replace('http:', 'https:'))
    const plain = await direct.login('alice', password)
    expect(plain.status).toBe(200)
    // Not over plain http (a browser ignores it there anyway).
    expect(plain.headers.get('strict-transport-security')).toBeNull()
    await collectSecrets(r, direct)
  })
})
