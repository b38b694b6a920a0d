// Organizer sign-in on both stores: the session cookie's attributes, sessions shared by
// instances and kept across restarts, idle and absolute expiry on an injected clock, logout
// everywhere, removal ending sessions, open event streams ending with their session, and the
// lockout (per name, per address, persisted, not bypassed by parallel guesses or a forged
// X-Forwarded-For).
import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { sessionInfoSchema } from '../../shared/console-api'
import {
  DEFAULT_MAX_EVENT_CLIENTS,
  DEFAULT_MAX_EVENT_CLIENTS_PER_SESSION,
} from '../../relay/attendance/live-events'
import { SESSION_IDLE_MS, SESSION_MAX_MS } from '../../relay/console/sessions'
import { relayBrowserZone } from '../../relay/time-zone'
import type { RelayConfigInput } from '../../relay/config'
import type { RelayHandle, StartRelayOptions } from '../../relay/server'
import {
  Clock,
  ConsoleClient,
  ConsoleEvents,
  consoleTestBed,
  errorCode,
  organizer,
  type Place,
} from './console-helpers'
import { postPush, scanXml, signedQuery, TOKEN, type Backend } from './harness'
import { until } from './screen-helpers'
import { UNDER_LOAD } from '../helpers/wait'

const bed = consoleTestBed()
const place = (backend: Backend): Place => bed.place(backend)

/** A relay on `p` whose close (at the end of the test, or earlier by hand) runs once. */
function relayOn(
  p: Place,
  clock: Clock,
  config: RelayConfigInput = {},
  opts: StartRelayOptions = {},
): Promise<RelayHandle> {
  return bed.relay(p, { now: clock.now, ...opts }, config)
}

describe.each(['sqlite', 'redis'] as const)('console sign-in (%s store)', (backend) => {
  it('signs in with the printed password: an HttpOnly, SameSite=Strict cookie on /console; who am I', async () => {
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    const password = await organizer(relay, 'alice', clock.t)
    expect(password.replace(/-/g, '')).toMatch(/^[a-z2-9]{26}$/)
    const c = new ConsoleClient(relay.url)

    const ok = await c.login('alice', password)
    expect(ok.status).toBe(200)
    expect(sessionInfoSchema.parse(ok.json)).toEqual({
      name: 'alice',
      expiresAt: clock.t + SESSION_MAX_MS,
      // The zone the console writes the relay's times in, also on pages that read no days.
      timeZone: relayBrowserZone(clock.t),
    })
    const cookie = ok.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/^scandesk_session=[A-Za-z0-9_-]{43};/)
    expect(cookie).toContain('HttpOnly')
    expect(cookie).toContain('SameSite=Strict')
    expect(cookie).toContain('Path=/console')
    // Plain http with no trusted proxy: a Secure cookie would never come back.
    expect(cookie).not.toContain('Secure')

    const who = await c.call('GET', '/console/api/session')
    expect(who.status).toBe(200)
    expect(sessionInfoSchema.parse(who.json).name).toBe('alice')
    expect(sessionInfoSchema.parse(who.json).timeZone).toBe(relayBrowserZone(clock.t))
  })

  it('takes the printed password as a person types it: no dashes, spaces, capitals', async () => {
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    const password = await organizer(relay, 'alice', clock.t)
    const bare = password.replace(/-/g, '')
    // Read aloud or copied from a terminal, the groups come back without their dashes, with
    // spaces between them, in capitals (a phone's keyboard), or with the line's spaces around.
    for (const typed of [
      bare,
      password.replace(/-/g, ' '),
      password.toUpperCase(),
      ` ${password} `,
      // A Chinese input method in full-width mode.
      password.replace(/[!-~]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0)),
    ]) {
      const c = new ConsoleClient(relay.url)
      const ok = await c.login('alice', typed)
      expect(ok.status, typed).toBe(200)
    }
    // Another password in the same shape is still wrong.
    const other = (bare.startsWith('a') ? 'b' : 'a') + bare.slice(1)
    expect((await new ConsoleClient(relay.url).login('alice', other)).status).toBe(401)
  })

  it('takes the name as a person types it too: capitals, spaces around it, full width', async () => {
    // Names are only ever lower case (`organizer add` refuses others), so "Alice" (a name's
    // usual spelling, or a phone capitalising the first letter) can only mean alice; refused,
    // it read "wrong name or password" and counted towards the lockout.
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    const password = await organizer(relay, 'alice', clock.t)
    for (const typed of ['Alice', 'ALICE', ' alice ', 'ａｌｉｃｅ']) {
      const c = new ConsoleClient(relay.url)
      const ok = await c.login(typed, password)
      expect(ok.status, typed).toBe(200)
      expect(sessionInfoSchema.parse(ok.json).name).toBe('alice')
      expect(sessionInfoSchema.parse((await c.call('GET', '/console/api/session')).json).name).toBe(
        'alice',
      )
    }
    // The variants are one name to the lockout: five wrong tries as "Alice" lock "alice" too.
    for (let i = 0; i < 6; i++) {
      expect((await new ConsoleClient(relay.url).login('Alice', 'wrong')).status).toBe(401)
    }
    expect((await new ConsoleClient(relay.url).login('alice', password)).status).toBe(429)
    expect((await new ConsoleClient(relay.url).login('bob', password)).status).toBe(401)
  })

  it('a wrong password and an unknown name both get the same 401', async () => {
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    const password = await organizer(relay, 'alice', clock.t)
    const c = new ConsoleClient(relay.url)
    const wrong = await c.login('alice', password + 'x')
    const unknown = await c.login('mallory', password)
    expect([wrong.status, unknown.status]).toEqual([401, 401])
    expect(wrong.json).toEqual(unknown.json)
    expect(wrong.headers.get('set-cookie')).toBeNull()
    expect((await c.call('GET', '/console/api/session')).status).toBe(401)
  })

  it('a JSON body without a usable name and password is a failed sign-in: 401, counted', async () => {
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    const password = await organizer(relay, 'alice', clock.t)
    const c = new ConsoleClient(relay.url)
    const bodies: unknown[] = [
      {},
      { name: 'alice' },
      { name: 'alice', password: '' },
      { name: 'alice', password, extra: 1 },
      { name: 'a'.repeat(65), password },
      { name: 7, password },
    ]
    for (const body of bodies) {
      const a = await c.call('POST', '/console/api/login', body)
      expect(a.status, JSON.stringify(body)).toBe(401)
      expect(errorCode(a)).toBe('unauthorized')
      expect(a.headers.get('set-cookie')).toBeNull()
    }
    // Not JSON at all is a malformed request, not an attempt.
    const text = await fetch(`${relay.url}/console/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'name=alice',
    })
    expect(text.status).toBe(400)
    // Each counted against the address: past its 20 free ones it is locked out, password or not.
    for (let i = bodies.length; i < 21; i++) {
      expect((await c.call('POST', '/console/api/login', {})).status).toBe(401)
    }
    expect((await c.login('alice', password)).status).toBe(429)
  })

  it('Secure cookie only when a trusted proxy says https', async () => {
    const clock = new Clock()
    const p = place(backend)
    const trusting = await relayOn(p, clock, { trustProxyHops: 1 })
    const password = await organizer(trusting, 'alice', clock.t)
    const viaCaddy = new ConsoleClient(trusting.url)
    const a = await viaCaddy.login('alice', password)
    expect(a.headers.get('set-cookie')).not.toContain('Secure')
    // The page a browser signs in from is then an https one (an http page is another origin).
    viaCaddy.origin = trusting.url.replace('http:', 'https:')
    const b = await viaCaddy.call(
      'POST',
      '/console/api/login',
      { name: 'alice', password },
      { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' },
    )
    expect(b.headers.get('set-cookie')).toContain('; Secure')
    await trusting.close()

    const direct = await relayOn(p, clock)
    const c = await new ConsoleClient(direct.url).call(
      'POST',
      '/console/api/login',
      { name: 'alice', password },
      { 'x-forwarded-proto': 'https' },
    )
    expect(c.status).toBe(200)
    expect(c.headers.get('set-cookie')).not.toContain('Secure')
  })

  it('the idle expiry slides with use; the absolute one ends the session regardless', async () => {
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    const password = await organizer(relay, 'alice', clock.t)
    const c = new ConsoleClient(relay.url)
    await c.login('alice', password)
    // Used every 25 minutes: never idle for 30, so it lives on...
    for (let i = 0; i < 5; i++) {
      clock.advance(25 * 60_000)
      expect((await c.call('GET', '/console/api/session')).status).toBe(200)
    }
    // ...until 30 minutes pass without a request.
    clock.advance(SESSION_IDLE_MS)
    expect((await c.call('GET', '/console/api/session')).status).toBe(401)

    await c.login('alice', password)
    const started = clock.t
    while (clock.t + 20 * 60_000 < started + SESSION_MAX_MS) {
      clock.advance(20 * 60_000)
      expect((await c.call('GET', '/console/api/kiosks')).status).toBe(200)
    }
    clock.t = started + SESSION_MAX_MS
    expect((await c.call('GET', '/console/api/kiosks')).status).toBe(401)
  })

  it('a session survives a restart; logout ends it on every instance', async () => {
    const clock = new Clock()
    const p = place(backend)
    const first = await relayOn(p, clock)
    const password = await organizer(first, 'alice', clock.t)
    const a = new ConsoleClient(first.url)
    await a.login('alice', password)
    await first.close()

    const second = await relayOn(p, clock)
    const b = new ConsoleClient(second.url)
    b.cookie = a.cookie
    expect((await b.call('GET', '/console/api/session')).status).toBe(200)
    if (backend === 'redis') {
      // Two instances on one Redis: signed in on one, out on the other.
      const third = await relayOn(p, clock)
      const c = new ConsoleClient(third.url)
      c.cookie = a.cookie
      expect((await c.call('GET', '/console/api/session')).status).toBe(200)
      expect((await c.call('POST', '/console/api/logout')).status).toBe(204)
      expect(c.cookie).toBeNull()
    } else {
      expect((await b.call('POST', '/console/api/logout')).status).toBe(204)
    }
    b.cookie = a.cookie
    expect((await b.call('GET', '/console/api/session')).status).toBe(401)
  })

  it('removing the organizer ends its sessions, also when the name is added again', async () => {
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    const password = await organizer(relay, 'alice', clock.t)
    const c = new ConsoleClient(relay.url)
    await c.login('alice', password)
    const old = c.cookie
    expect(await relay.store.console.removeOrganizer('alice')).toBe(true)
    expect((await c.call('GET', '/console/api/session')).status).toBe(401)
    clock.advance(1)
    const again = await organizer(relay, 'alice', clock.t)
    c.cookie = old
    expect((await c.call('GET', '/console/api/session')).status).toBe(401)
    expect((await c.login('alice', password)).status).toBe(401)
    expect((await c.login('alice', again)).status).toBe(200)
  })

  it('signing out ends the session’s open event streams at once; another session’s stay', async () => {
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    await relay.addKiosk('k1')
    const alice = new ConsoleClient(relay.url)
    await alice.login('alice', await organizer(relay, 'alice', clock.t))
    const bob = new ConsoleClient(relay.url)
    await bob.login('bob', await organizer(relay, 'bob', clock.t))
    const tabs = [await ConsoleEvents.open(alice), await ConsoleEvents.open(alice)]
    const other = await ConsoleEvents.open(bob)
    expect([...tabs, other].map((s) => s.status)).toEqual([200, 200, 200])
    const cookie = alice.cookie

    expect((await alice.call('POST', '/console/api/logout')).status).toBe(204)
    // At once: long before the streams' own look at the store (every 10 s) would see it.
    await until(
      () => tabs.every((s) => s.ended),
      UNDER_LOAD.timeout,
      'the signed-out streams to end',
    )
    const push = await postPush(
      relay.url,
      scanXml('oVisitor', 'k1:s1'),
      signedQuery(TOKEN, clock.t),
    )
    expect(push.status).toBe(200)
    await until(
      () => other.count('stats') >= 1,
      UNDER_LOAD.timeout,
      'stats on the other session’s stream',
    )
    expect(other.ended).toBe(false)
    expect(tabs.map((s) => s.count('stats'))).toEqual([0, 0])
    // The browser's EventSource reconnects with the old cookie: 401, and it gives up.
    alice.cookie = cookie
    expect((await ConsoleEvents.open(alice)).status).toBe(401)
  })

  it('signing in on a browser that holds a session ends that one and its streams; a failed try leaves it', async () => {
    // A shared laptop: alice left her console signed in, bob signs in on it. Her session's id
    // is gone from the browser, but it stayed live on the relay (and its event stream open).
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    const laptop = new ConsoleClient(relay.url)
    await laptop.login('alice', await organizer(relay, 'alice', clock.t))
    const bobPassword = await organizer(relay, 'bob', clock.t)
    const hers = laptop.cookie
    const stream = await ConsoleEvents.open(laptop)
    expect(stream.status).toBe(200)

    expect((await laptop.login('bob', 'wrong-password')).status).toBe(401)
    expect(laptop.cookie).toBe(hers)
    expect((await laptop.call('GET', '/console/api/session')).status).toBe(200)
    expect(stream.ended).toBe(false)

    expect((await laptop.login('bob', bobPassword)).status).toBe(200)
    expect(laptop.cookie).not.toBe(hers)
    expect(
      sessionInfoSchema.parse((await laptop.call('GET', '/console/api/session')).json).name,
    ).toBe('bob')
    await until(() => stream.ended, UNDER_LOAD.timeout, 'her event stream to end')
    const replay = new ConsoleClient(relay.url)
    replay.cookie = hers
    expect((await replay.call('GET', '/console/api/session')).status).toBe(401)
  })

  it('expiry, removal and a logout elsewhere end open event streams within the check', async () => {
    const clock = new Clock()
    const p = place(backend)
    const relay = await relayOn(p, clock, {}, { sessionCheckMs: 100 })
    const password = await organizer(relay, 'alice', clock.t)
    const c = new ConsoleClient(relay.url)
    const wait = () => new Promise((r) => setTimeout(r, 400)) // four checks

    // Idle: the stream is no request, so it does not keep the session alive.
    await c.login('alice', password)
    const idle = await ConsoleEvents.open(c)
    clock.advance(SESSION_IDLE_MS - 60_000)
    await wait()
    expect(idle.ended).toBe(false)
    clock.advance(60_000)
    await until(() => idle.ended, UNDER_LOAD.timeout, 'the idle session’s stream to end')

    // Absolute: used all along, the session still ends 12 hours after sign-in.
    await c.login('alice', password)
    const started = clock.t
    while (clock.t + 20 * 60_000 < started + SESSION_MAX_MS) {
      clock.advance(20 * 60_000)
      expect((await c.call('GET', '/console/api/session')).status).toBe(200)
    }
    const absolute = await ConsoleEvents.open(c)
    await wait()
    expect(absolute.ended).toBe(false)
    clock.t = started + SESSION_MAX_MS
    await until(() => absolute.ended, UNDER_LOAD.timeout, 'the expired session’s stream to end')

    // `relay organizer remove` (another process: nothing tells this one).
    await c.login('alice', password)
    const removed = await ConsoleEvents.open(c)
    await wait()
    expect(removed.ended).toBe(false)
    expect(await relay.store.console.removeOrganizer('alice')).toBe(true)
    await until(() => removed.ended, UNDER_LOAD.timeout, 'the removed organizer’s stream to end')

    if (backend === 'redis') {
      // Signed out on another instance on the same Redis.
      clock.advance(1)
      await c.login('alice', await organizer(relay, 'alice', clock.t))
      const here = await ConsoleEvents.open(c)
      const elsewhere = new ConsoleClient((await relayOn(p, clock)).url)
      elsewhere.cookie = c.cookie
      await wait()
      expect(here.ended).toBe(false)
      expect((await elsewhere.call('POST', '/console/api/logout')).status).toBe(204)
      await until(
        () => here.ended,
        UNDER_LOAD.timeout,
        'the stream of a session signed out elsewhere to end',
      )
    }
  })

  it('one session cannot hold every event stream: past its own cap 429, other sessions still open theirs', async () => {
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    const alice = new ConsoleClient(relay.url)
    await alice.login('alice', await organizer(relay, 'alice', clock.t))
    const bob = new ConsoleClient(relay.url)
    await bob.login('bob', await organizer(relay, 'bob', clock.t))
    const track = (s: ConsoleEvents): ConsoleEvents => {
      bed.cleanups.push(() => s.close())
      return s
    }
    // The attack: one cookie asks for as many streams as the relay holds in all (100).
    const grabbed: ConsoleEvents[] = []
    for (let i = 0; i < DEFAULT_MAX_EVENT_CLIENTS; i++) {
      grabbed.push(track(await ConsoleEvents.open(alice)))
    }
    const open = grabbed.filter((s) => s.status === 200)
    expect(open).toHaveLength(DEFAULT_MAX_EVENT_CLIENTS_PER_SESSION)
    const refused = grabbed.filter((s) => s.status !== 200)
    expect(new Set(refused.map((s) => s.status))).toEqual(new Set([429]))
    expect(refused[0]?.raw).toContain('rate_limited')
    // Another organizer's console still gets its live updates.
    const other = track(await ConsoleEvents.open(bob))
    expect(other.status).toBe(200)
    // A tab closed frees its place for the session's next one.
    open[0]?.close()
    let again = track(await ConsoleEvents.open(alice))
    for (const end = Date.now() + UNDER_LOAD.timeout; again.status !== 200 && Date.now() < end;) {
      await new Promise((r) => setTimeout(r, 50))
      again = track(await ConsoleEvents.open(alice))
    }
    expect(again.status).toBe(200)
  })

  it('HEAD on the event stream is answered and ended: no stream kept, the connection goes on', async () => {
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    const c = new ConsoleClient(relay.url)
    await c.login('alice', await organizer(relay, 'alice', clock.t))
    const { port } = new URL(relay.url)
    // HEAD, then a second request on the same kept-alive connection (as a browser or an agent
    // reuses it once the HEAD's headers are in).
    const socket = connect(Number(port), '127.0.0.1')
    socket.on('error', () => socket.destroy())
    bed.cleanups.push(() => void socket.destroy())
    let got = ''
    socket.on('data', (chunk: Buffer) => (got += chunk.toString('latin1')))
    const ask = (method: string, path: string): string =>
      `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${c.cookie ?? ''}\r\n\r\n`
    socket.write(ask('HEAD', '/console/api/events') + ask('GET', '/console/api/session'))
    const answers = (): string[] => got.match(/^HTTP\/1\.1 \d{3}/gm) ?? []
    await until(
      () => answers().length >= 2,
      UNDER_LOAD.timeout,
      'the answer to the request after the HEAD',
    )
    expect(answers()).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200'])
    expect(got).toContain('text/event-stream')
    expect(got).toContain('"name":"alice"')
    // Nor does a HEAD take one of the session's stream places.
    for (let i = 0; i < DEFAULT_MAX_EVENT_CLIENTS_PER_SESSION; i++) {
      const res = await fetch(`${relay.url}/console/api/events`, {
        method: 'HEAD',
        headers: { cookie: c.cookie ?? '' },
      })
      expect(res.status).toBe(200)
    }
    const stream = await ConsoleEvents.open(c)
    bed.cleanups.push(() => stream.close())
    expect(stream.status).toBe(200)
  })

  it('locks a name out with growing delays after 5 failures, and a restart keeps the lock', async () => {
    const clock = new Clock()
    const p = place(backend)
    const first = await relayOn(p, clock)
    const password = await organizer(first, 'alice', clock.t)
    const c = new ConsoleClient(first.url)
    for (let i = 0; i < 6; i++) expect((await c.login('alice', 'guess')).status).toBe(401)
    // The 6th failure earned 1 s: the right password is refused too, without being checked.
    const locked = await c.login('alice', password)
    expect(locked.status).toBe(429)
    expect(errorCode(locked)).toBe('locked_out')
    expect(locked.headers.get('retry-after')).toBe('1')
    clock.advance(1000)
    expect((await c.login('alice', 'guess')).status).toBe(401)
    const longer = await c.login('alice', 'guess')
    expect(longer.status).toBe(429)
    expect(longer.headers.get('retry-after')).toBe('2')

    await first.close()
    const second = await relayOn(p, clock)
    const d = new ConsoleClient(second.url)
    const still = await d.login('alice', password)
    expect(still.status).toBe(429)
    expect(still.headers.get('retry-after')).toBe('2')
    clock.advance(2000)
    expect((await d.login('alice', password)).status).toBe(200)
    // A success clears the name's count: the next typo is one of five free ones again.
    expect((await d.login('alice', 'typo')).status).toBe(401)
    expect((await d.login('alice', password)).status).toBe(200)
  })

  it('parallel guesses cannot slip past the count', async () => {
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    await organizer(relay, 'alice', clock.t)
    const c = new ConsoleClient(relay.url)
    const answers = await Promise.all(Array.from({ length: 15 }, () => c.login('alice', 'guess')))
    const statuses = answers.map((a) => a.status).sort()
    // 5 free and the 6th (which earns the first delay) are checked; the rest wait.
    expect(statuses.filter((s) => s === 401)).toHaveLength(6)
    expect(statuses.filter((s) => s === 429)).toHaveLength(9)
  })

  it('locks an address spraying many names; a forged X-Forwarded-For does not help', async () => {
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    const password = await organizer(relay, 'alice', clock.t)
    const c = new ConsoleClient(relay.url)
    // 21 names, one guess each: no name is over its 5, the address is over its 20.
    for (let i = 0; i < 21; i++) {
      const forged = { 'x-forwarded-for': `198.51.100.${i}` }
      const a = await c.call('POST', '/console/api/login', { name: `n${i}`, password }, forged)
      expect(a.status).toBe(401)
    }
    const next = await c.call(
      'POST',
      '/console/api/login',
      { name: 'alice', password },
      { 'x-forwarded-for': '198.51.100.200' },
    )
    expect(next.status).toBe(429)
  })

  it("a success uncounts its attempt and lifts the delay it started: the next organizer's sign-in is not refused", async () => {
    // A venue's organizers share one NAT address; a day of typos took it past its 20 free.
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    const alice = await organizer(relay, 'alice', clock.t)
    const bob = await organizer(relay, 'bob', clock.t)
    for (let i = 0; i < 21; i++) {
      const a = await new ConsoleClient(relay.url).login(`typo${i}`, alice)
      expect(a.status).toBe(401)
    }
    clock.advance(60_000)
    // Alice gets in; her attempt is taken back, so the address is as it was before it: free.
    expect((await new ConsoleClient(relay.url).login('alice', alice)).status).toBe(200)
    const next = await new ConsoleClient(relay.url).login('bob', bob)
    expect(next.status, next.text).toBe(200)
    // A failure still earns the address its delay.
    expect((await new ConsoleClient(relay.url).login('typo', alice)).status).toBe(401)
    const refused = await new ConsoleClient(relay.url).login('alice', alice)
    expect(refused.status).toBe(429)
    expect(errorCode(refused)).toBe('locked_out')
  })

  it("a sign-in refused by its name's lock checks no password and counts nothing against the venue's address", async () => {
    // Two organizers behind one office NAT. Alice locks her own name with typos, then keeps
    // pressing 登录 while it is locked (or several tabs retry): no password is checked, so none
    // of those may count toward the address, or bob, signing in from a new laptop with his right
    // password, is locked out by alice's name.
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    const alice = await organizer(relay, 'alice', clock.t)
    const bob = await organizer(relay, 'bob', clock.t)
    const tab = new ConsoleClient(relay.url)
    for (let i = 0; i < 6; i++) expect((await tab.login('alice', 'typo')).status).toBe(401)
    for (let i = 0; i < 30; i++) {
      const a = await tab.login('alice', i % 2 === 0 ? alice : 'typo')
      expect(a.status).toBe(429)
      expect(errorCode(a)).toBe('locked_out')
    }
    const next = await new ConsoleClient(relay.url).login('bob', bob)
    expect(next.status, next.text).toBe(200)
    // Alice's own lock stands: her right password still waits out the delay her typos earned.
    expect((await tab.login('alice', alice)).status).toBe(429)
    clock.advance(1000)
    expect((await tab.login('alice', alice)).status).toBe(200)
  })

  it('a clock 90 s behind the one that counted (another instance before NTP synced it, or this one set back) adds nothing to a lock', async () => {
    // Redis: instance A's clock runs 90 s ahead of B's. SQLite: one process whose clock NTP
    // sets back 90 s. Either way the counters hold times from the faster clock.
    const clock = new Clock()
    const p = place(backend)
    const a = await relayOn(p, clock)
    const behind = new Clock(clock.t - 90_000)
    const b = backend === 'redis' ? await relayOn(p, behind) : a
    const toB = (): void => {
      if (backend === 'sqlite') clock.advance(-90_000)
    }
    const alice = await organizer(a, 'alice', clock.t)
    const bob = await organizer(a, 'bob', clock.t)
    // One typo (a free attempt), and bob signing in from the venue's one address.
    expect((await new ConsoleClient(a.url).login('alice', 'typo')).status).toBe(401)
    expect((await new ConsoleClient(a.url).login('bob', bob)).status).toBe(200)
    toB()
    const retry = await new ConsoleClient(b.url).login('alice', alice)
    expect(retry.status, retry.headers.get('retry-after') ?? '').toBe(200)
    // A lock earned is kept, never longer than it was earned for: the 6th failure's 1 s.
    for (let i = 0; i < 6; i++) {
      expect((await new ConsoleClient(b.url).login('bob', 'guess')).status).toBe(401)
    }
    const locked = await new ConsoleClient(b.url).login('bob', bob)
    expect(locked.status).toBe(429)
    expect(locked.headers.get('retry-after')).toBe('1')
  })
})
