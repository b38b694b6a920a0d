// The name lockout against an attacker who only knows an organizer's name (both stores): the
// organizer's known browser (a device cookie from an earlier sign-in, OWASP "device cookies")
// is not subject to the name's lockout, a stolen, forged, expired or other organizer's cookie
// gives no exemption, a device cookie that fails too often loses it, and `organizer add` after
// `remove` or `organizer unlock` clears the name's lockout.
import { describe, expect, it } from 'vitest'
import { sessionInfoSchema } from '../../shared/console-api'
import { DEVICE_COOKIE_MAX_MS } from '../../relay/console/device-cookies'
import { DEVICE_LOCKOUT } from '../../relay/console/lockout'
import { addOrganizer, removeOrganizer, unlockOrganizer } from '../../relay/console/organizer-admin'
import type { RelayHandle } from '../../relay/server'
import {
  Clock,
  ConsoleClient,
  consoleTestBed,
  errorCode,
  organizer,
  type Place,
} from './console-helpers'
import type { Backend } from './harness'
import { relaySample } from '../helpers/prometheus'

const bed = consoleTestBed()
const place = (backend: Backend): Place => bed.place(backend)

/** A relay behind one trusted proxy: each test client says its own address. */
function relayOn(p: Place, clock: Clock): Promise<RelayHandle> {
  return bed.relay(p, { now: clock.now }, { trustProxyHops: 1 })
}

let nextAddress = 1
/** A client at an address of its own (an attacker with many, or a stranger's browser). */
function client(relay: RelayHandle): {
  c: ConsoleClient
  login: (n: string, p: string) => ReturnType<ConsoleClient['login']>
} {
  const c = new ConsoleClient(relay.url)
  const address = `198.51.100.${nextAddress++ % 250}`
  const login = (name: string, password: string) =>
    c.call('POST', '/console/api/login', { name, password }, { 'x-forwarded-for': address })
  return { c, login }
}

/** Locks `name`: failed sign-ins from fresh addresses until one is refused, then the password is. */
async function lockName(relay: RelayHandle, name: string, password: string): Promise<void> {
  const locked = () =>
    relaySample(relay.url, 'limit_hits_total', { limit: 'console_sign_in_locked' })
  const before = await locked()
  let refusals = 1
  for (let i = 0; i < 7; i++) {
    const a = await client(relay).login(name, 'guess')
    if (a.status === 429) {
      refusals++
      break
    }
    expect(a.status).toBe(401)
  }
  const refused = await client(relay).login(name, password)
  expect(refused.status).toBe(429)
  expect(errorCode(refused)).toBe('locked_out')
  // Each lockout refusal is on /metrics: a venue locked out, or a name being guessed.
  expect((await locked()) - before).toBe(refusals)
}

describe.each(['sqlite', 'redis'] as const)('device cookies (%s store)', (backend) => {
  it('an attacker locking the name cannot lock out the organizer’s known browser', async () => {
    const clock = new Clock()
    const p = place(backend)
    const relay = await relayOn(p, clock)
    const password = await organizer(relay, 'alice', clock.t)
    const known = client(relay)
    const first = await known.login('alice', password)
    expect(first.status).toBe(200)
    const device = first.headers.getSetCookie().find((c) => c.startsWith('scandesk_device='))
    // The contract's session cookie attributes: HttpOnly, SameSite=Strict, Path=/console.
    expect(device).toMatch(/^scandesk_device=[A-Za-z0-9._-]+; /)
    expect(device).toContain('HttpOnly')
    expect(device).toContain('SameSite=Strict')
    expect(device).toContain('Path=/console')
    expect(device).toContain(`Max-Age=${Math.floor(DEVICE_COOKIE_MAX_MS / 1000)}`)
    expect(device).not.toContain('Secure')
    // The session ends (signed out); the device cookie stays, as a browser keeps it.
    expect((await known.c.call('POST', '/console/api/logout')).status).toBe(204)
    expect(known.c.deviceCookie).not.toBeNull()

    // One failed sign-in every so often keeps the name locked for everyone else.
    await lockName(relay, 'alice', password)
    clock.advance(15 * 60_000)
    await lockName(relay, 'alice', password)
    // The known browser: a typo, then the password, gets in.
    expect((await known.login('alice', 'typo')).status).toBe(401)
    const ok = await known.login('alice', password)
    expect(ok.status, ok.text).toBe(200)
    expect(sessionInfoSchema.parse(ok.json).name).toBe('alice')
    expect((await known.c.call('GET', '/console/api/session')).status).toBe(200)

    // Another instance (Redis), or the relay after a restart (SQLite), knows the device too.
    await relay.close()
    const again = await relayOn(p, clock)
    await lockName(again, 'alice', password)
    const there = new ConsoleClient(again.url)
    there.deviceCookie = known.c.deviceCookie
    expect((await there.login('alice', password)).status).toBe(200)
  })

  it('a forged, expired, other organizer’s or other relay’s device cookie gives no exemption', async () => {
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    const alice = await organizer(relay, 'alice', clock.t)
    const bob = await organizer(relay, 'bob', clock.t)
    const aliceBrowser = client(relay)
    expect((await aliceBrowser.login('alice', alice)).status).toBe(200)
    const cookie = aliceBrowser.c.deviceCookie ?? ''
    expect(cookie).not.toBe('')

    const tryWith = async (deviceCookie: string, name: string, password: string) => {
      const b = client(relay)
      b.c.deviceCookie = deviceCookie
      return b.login(name, password)
    }
    // Alice's browser is not Bob's: Bob's lock holds there.
    await lockName(relay, 'bob', bob)
    expect((await tryWith(cookie, 'bob', bob)).status).toBe(429)

    await lockName(relay, 'alice', alice)
    // Forged: the name changed, the signature altered, made up, or signed by another relay.
    const forgedName = cookie.replace('scandesk_device=alice.', 'scandesk_device=bob.')
    expect(forgedName).not.toBe(cookie)
    expect((await tryWith(forgedName, 'bob', bob)).status).toBe(429)
    const last = cookie.at(-1) === 'A' ? 'B' : 'A'
    expect((await tryWith(cookie.slice(0, -1) + last, 'alice', alice)).status).toBe(429)
    expect((await tryWith('scandesk_device=alice.x.1.y', 'alice', alice)).status).toBe(429)
    const elsewhere = await relayOn(place(backend), clock)
    const elsewherePassword = await organizer(elsewhere, 'alice', clock.t)
    const other = new ConsoleClient(elsewhere.url)
    expect((await other.login('alice', elsewherePassword)).status).toBe(200)
    expect(other.deviceCookie).not.toBe(cookie)
    expect((await tryWith(other.deviceCookie ?? '', 'alice', alice)).status).toBe(429)
    // The real one still works.
    expect((await tryWith(cookie, 'alice', alice)).status).toBe(200)

    // Expired: past its lifetime it is a stranger's browser again.
    clock.advance(DEVICE_COOKIE_MAX_MS)
    await lockName(relay, 'alice', alice)
    expect((await tryWith(cookie, 'alice', alice)).status).toBe(429)
  })

  it('only the exact cookie the relay made counts: no other spelling of its signature or time', async () => {
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    const alice = await organizer(relay, 'alice', clock.t)
    const browser = client(relay)
    expect((await browser.login('alice', alice)).status).toBe(200)
    const cookie = browser.c.deviceCookie ?? ''
    const m = /^(scandesk_device=alice\.[A-Za-z0-9_-]{22}\.)(\d+)\.([A-Za-z0-9_-]{43})$/.exec(
      cookie,
    )
    expect(m).not.toBeNull()
    const [, head = '', issued = '', mac = ''] = m ?? []
    await lockName(relay, 'alice', alice)
    const tryWith = async (deviceCookie: string) => {
      const b = client(relay)
      b.c.deviceCookie = deviceCookie
      return (await b.login('alice', alice)).status
    }
    // 43 base64url characters carry 258 bits for a 256-bit signature: the last character's two
    // low bits are padding a lenient decoder drops, so four spellings decoded alike.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const lastBits = alphabet.indexOf(mac.at(-1) ?? '')
    const respelled = mac.slice(0, -1) + (alphabet[lastBits ^ 1] ?? '')
    expect(await tryWith(`${head}${issued}.${respelled}`)).toBe(429)
    expect(await tryWith(`${head}0${issued}.${mac}`)).toBe(429)
    // The exact one still works.
    expect(await tryWith(cookie)).toBe(200)
  })

  it('a cookie planted ahead of the real one (a longer Path is sent first) does not hide it', async () => {
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    const alice = await organizer(relay, 'alice', clock.t)
    const browser = client(relay)
    expect((await browser.login('alice', alice)).status).toBe(200)
    const real = browser.c.deviceCookie ?? ''
    await lockName(relay, 'alice', alice)
    // Set by a sibling host (Domain=) or a plain-http answer with Path=/console/api/login: the
    // browser sends both, the more specific path first. The real one must still count.
    browser.c.deviceCookie = `scandesk_device=junk; ${real}`
    expect((await browser.login('alice', alice)).status).toBe(200)
  })

  it('a stolen device cookie gets a few guesses, then loses its exemption', async () => {
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    const alice = await organizer(relay, 'alice', clock.t)
    const victim = client(relay)
    expect((await victim.login('alice', alice)).status).toBe(200)
    await lockName(relay, 'alice', alice)
    const thief = client(relay)
    thief.c.deviceCookie = victim.c.deviceCookie
    // Its own small limit, whatever the address: then it is refused like any other browser.
    for (let i = 0; i < DEVICE_LOCKOUT.free + 1; i++) {
      expect((await thief.login('alice', `guess${i}`)).status).toBe(401)
    }
    for (let i = 0; i < 5; i++) {
      const refused = await client(relay).login('alice', alice)
      expect(refused.status).toBe(429)
    }
    const withStolen = await thief.login('alice', alice)
    expect(withStolen.status).toBe(429)
    expect(errorCode(withStolen)).toBe('locked_out')
    // Once the name's lock has run out, the password (known browser or not) gets in again.
    clock.advance(15 * 60_000)
    expect((await client(relay).login('alice', alice)).status).toBe(200)
  })

  it('organizer add after remove, and organizer unlock, clear the name’s lockout', async () => {
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    const old = await organizer(relay, 'alice', clock.t)
    const oldBrowser = client(relay)
    expect((await oldBrowser.login('alice', old)).status).toBe(200)
    await lockName(relay, 'alice', old)
    await removeOrganizer(relay.store, 'alice')
    // Still locked (the clock barely moves): the new account must not inherit that.
    clock.advance(1)
    const fresh = await addOrganizer(relay.store, 'alice', clock.t)
    expect((await client(relay).login('alice', fresh)).status).toBe(200)
    // A new account: signed in from any browser; the old account's device is not known to it.
    await lockName(relay, 'alice', fresh)
    const stale = client(relay)
    stale.c.deviceCookie = oldBrowser.c.deviceCookie
    expect((await stale.login('alice', fresh)).status).toBe(429)
    await unlockOrganizer(relay.store, 'alice')
    expect((await client(relay).login('alice', fresh)).status).toBe(200)
    // Unlocking an unknown name says so.
    await expect(unlockOrganizer(relay.store, 'nobody')).rejects.toThrow(/no organizer nobody/)
  })

  it('the old account’s device is not known to a new one added at the same time or earlier', async () => {
    for (const offset of [0, -5_000]) {
      const clock = new Clock()
      const relay = await relayOn(place(backend), clock)
      const old = await organizer(relay, 'alice', clock.t)
      const oldBrowser = client(relay)
      expect((await oldBrowser.login('alice', old)).status).toBe(200)
      // Removed and added again by a process whose clock is not ahead of the sign-in.
      await removeOrganizer(relay.store, 'alice')
      const fresh = await addOrganizer(relay.store, 'alice', clock.t + offset)
      await lockName(relay, 'alice', fresh)
      const stale = client(relay)
      stale.c.deviceCookie = oldBrowser.c.deviceCookie
      expect((await stale.login('alice', fresh)).status, `offset ${offset}`).toBe(429)
    }
  })

  it('a browser that signed in on an instance whose clock is behind the one that added the organizer is known', async () => {
    const clock = new Clock()
    const relay = await relayOn(place(backend), clock)
    // Added by a process whose clock runs 5 s ahead of this relay's.
    const password = await organizer(relay, 'alice', clock.t + 5_000)
    const known = client(relay)
    expect((await known.login('alice', password)).status).toBe(200)
    await lockName(relay, 'alice', password)
    const ok = await known.login('alice', password)
    expect(ok.status, ok.text).toBe(200)
  })
})
