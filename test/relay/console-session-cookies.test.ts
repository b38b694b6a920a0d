// Cookie tossing against the organizer's session: a second `scandesk_session` planted by a
// sibling subdomain (Domain=parent) or an http page (a longer Path such as /console/api, which
// the browser sends first) must never make the organizer act in the planter's account. Two
// different session cookies are refused as ambiguous (401 `ambiguous_session`), with Set-Cookie
// lines that expire every copy the relay can name; a malformed or repeated one changes nothing; logout ends
// both sessions.
import { request } from 'node:http'
import type { IncomingMessage } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { sessionInfoSchema } from '../../shared/console-api'
import { clearedSessionCookies } from '../../relay/console/sessions'
import type { RelayHandle } from '../../relay/server'
import { Clock, ConsoleClient, newPlace, organizer, startOn } from './console-helpers'

const cleanups: Array<() => Promise<unknown> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function relay(clock: Clock): Promise<RelayHandle> {
  const p = newPlace('sqlite', null)
  cleanups.push(() => p.remove())
  const r = await startOn(p, { now: clock.now })
  cleanups.push(() => r.close())
  return r
}

/** Alice (the organizer) and Mallory (another organizer, the planter), both signed in. */
async function twoSignedIn(): Promise<{
  r: RelayHandle
  alice: ConsoleClient
  mallory: ConsoleClient
}> {
  const clock = new Clock()
  const r = await relay(clock)
  const alice = new ConsoleClient(r.url)
  expect((await alice.login('alice', await organizer(r, 'alice', clock.t))).status).toBe(200)
  const mallory = new ConsoleClient(r.url)
  expect((await mallory.login('mallory', await organizer(r, 'mallory', clock.t))).status).toBe(200)
  return { r, alice, mallory }
}

/** A GET with a Host header of our choosing (fetch cannot set one). */
function getWithHost(
  url: string,
  path: string,
  host: string,
  cookie: string,
): Promise<{ status: number; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { headers: { host, cookie } }, (res: IncomingMessage) => {
      res.resume()
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] ?? [] }),
      )
    })
    req.on('error', reject)
    req.end()
  })
}

describe('console session cookie tossing', () => {
  it('a planted live session sent first is not taken: 401, nothing done in either account', async () => {
    const { r, alice, mallory } = await twoSignedIn()
    const victim = new ConsoleClient(r.url)
    // The browser sends the planted (longer Path) cookie first, then the relay's own.
    const planted = `${mallory.cookie ?? ''}; ${alice.cookie ?? ''}`
    victim.cookie = planted
    const who = await victim.call('GET', '/console/api/session')
    expect(who.status, who.text).toBe(401)
    expect(who.text).not.toContain('mallory')
    // Its own code, so the console can say why it shows sign-in (not "your session ended").
    expect(who.json).toMatchObject({ error: { code: 'ambiguous_session' } })
    // (The client drops its cookie on the clearing Set-Cookie; the test sends both again.)
    victim.cookie = planted
    const made = await victim.call('POST', '/console/api/campaigns', { name: 'Expo', tag: '' })
    expect(made.status, made.text).toBe(401)
    expect(await r.store.campaigns.listCampaigns()).toEqual([])
    // The other order is refused too: the relay cannot tell which one it set.
    victim.cookie = `${alice.cookie ?? ''}; ${mallory.cookie ?? ''}`
    expect((await victim.call('GET', '/console/api/session')).status).toBe(401)
    // The refusal expires the cookies the browser sent, the relay's own Path=/console included.
    victim.cookie = planted
    const refused = await victim.call('GET', '/console/api/kiosks')
    const cleared = refused.headers.getSetCookie()
    for (const path of ['/', '/console', '/console/api', '/console/api/kiosks']) {
      expect(cleared).toContain(
        `scandesk_session=; Path=${path}; HttpOnly; SameSite=Strict; Max-Age=0`,
      )
    }
    // Both sessions are untouched: each alone still works (refusing is no logout).
    for (const [c, name] of [
      [alice, 'alice'],
      [mallory, 'mallory'],
    ] as const) {
      const a = await c.call('GET', '/console/api/session')
      expect(a.status).toBe(200)
      expect(sessionInfoSchema.parse(a.json).name).toBe(name)
    }
  })

  it('a malformed or repeated session cookie beside the real one changes nothing', async () => {
    const { r, alice } = await twoSignedIn()
    const c = new ConsoleClient(r.url)
    for (const cookie of [
      `scandesk_session=short; ${alice.cookie ?? ''}`,
      `scandesk_session=${'A'.repeat(44)}; ${alice.cookie ?? ''}`,
      `${alice.cookie ?? ''}; ${alice.cookie ?? ''}`,
    ]) {
      c.cookie = cookie
      const a = await c.call('GET', '/console/api/session')
      expect(a.status, cookie).toBe(200)
      expect(sessionInfoSchema.parse(a.json).name).toBe('alice')
      expect(a.headers.getSetCookie()).toEqual([])
    }
  })

  it('a planted dead session does not stand in for the organizer either', async () => {
    const { r, alice } = await twoSignedIn()
    const c = new ConsoleClient(r.url)
    // Well formed but no session at all: still two different cookies, still refused, in either
    // order (the dead one may be the organizer's own lapsed session, the live one planted).
    const dead = `scandesk_session=${'B'.repeat(43)}`
    for (const cookie of [`${dead}; ${alice.cookie ?? ''}`, `${alice.cookie ?? ''}; ${dead}`]) {
      c.cookie = cookie
      const a = await c.call('GET', '/console/api/session')
      expect(a.status, cookie).toBe(401)
      expect(a.json, cookie).toMatchObject({ error: { code: 'ambiguous_session' } })
    }
    // One cookie naming no session is the plain "sign in first".
    c.cookie = dead
    const none = await c.call('GET', '/console/api/session')
    expect(none.status).toBe(401)
    expect(none.json).toMatchObject({ error: { code: 'unauthorized' } })
  })

  it('signing out with both ends both sessions and clears every copy', async () => {
    const { r, alice, mallory } = await twoSignedIn()
    const both = new ConsoleClient(r.url)
    both.cookie = `${mallory.cookie ?? ''}; ${alice.cookie ?? ''}`
    const out = await both.call('POST', '/console/api/logout')
    expect(out.status).toBe(204)
    expect(out.headers.getSetCookie()).toContain(
      'scandesk_session=; Path=/console/api; HttpOnly; SameSite=Strict; Max-Age=0',
    )
    expect((await alice.call('GET', '/console/api/session')).status).toBe(401)
    expect((await mallory.call('GET', '/console/api/session')).status).toBe(401)
  })

  it('clears the Domain variants a sibling subdomain could have set, never a bare suffix', async () => {
    const { r, alice, mallory } = await twoSignedIn()
    const cookie = `${mallory.cookie ?? ''}; ${alice.cookie ?? ''}`
    const a = await getWithHost(r.url, '/console/api/session', 'desk.events.example.org', cookie)
    expect(a.status).toBe(401)
    for (const domain of ['desk.events.example.org', 'events.example.org', 'example.org']) {
      expect(a.setCookie).toContain(
        `scandesk_session=; Path=/console/api; Domain=${domain}; HttpOnly; SameSite=Strict; Max-Age=0`,
      )
    }
    expect(a.setCookie.join('\n')).not.toMatch(/Domain=org;/)
    // An address has no parent domain: host-only lines only.
    const b = await getWithHost(r.url, '/console/api/session', '127.0.0.1:1', cookie)
    expect(b.status).toBe(401)
    expect(b.setCookie.join('\n')).not.toContain('Domain=')
  })

  it('names only plain path segments and a bounded number of lines', () => {
    const req = { headers: { host: 'a.b.c.d.example.org' } } as IncomingMessage
    const lines = clearedSessionCookies(req, '/console/api/x%2Fy/roster', true)
    expect(lines.every((l) => l.endsWith('; Secure'))).toBe(true)
    expect(lines.some((l) => l.includes('%2F'))).toBe(false)
    const deep = clearedSessionCookies(req, `/${'a/'.repeat(50)}`, false)
    expect(deep.length).toBeLessThanOrEqual(4 * 13)
  })
})
