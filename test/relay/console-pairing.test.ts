// `POST /api/pair` on both stores: once only (then 410), expiry (404), normalized input,
// concurrent redeems of one code (exactly one wins), the per-address rate limit, the
// look-alike-free alphabet, and that the store keeps only hashes of codes and session ids.
import Database from 'better-sqlite3'
import { Redis } from 'ioredis'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  addKioskResponseSchema,
  PAIRING_ALPHABET,
  PAIRING_CODE_TTL_MS,
  pairResponseSchema,
  type AddKioskResponse,
} from '../../shared/console-api'
import { RelayCloseCode } from '../../shared/relay-protocol'
import { addressGroupKey, addressLimitKey } from '../../relay/console/request-origin'
import { generatePairingCode } from '../../relay/pairing-codes'
import type { RelayHandle } from '../../relay/server'
import type { ConsoleClient } from './console-helpers'
import { Clock, consoleTestBed, secrets, type Place } from './console-helpers'
import { KioskClient, type Backend } from './harness'

const bed = consoleTestBed()

interface Setup {
  place: Place
  relay: RelayHandle
  c: ConsoleClient
  clock: Clock
}

async function signedIn(backend: Backend, config = {}): Promise<Setup> {
  const place = bed.place(backend)
  const clock = new Clock(Date.now())
  const relay = await bed.relay(place, { now: clock.now }, config)
  const c = await bed.signedIn(relay, clock.t)
  return { place, relay, c, clock }
}

async function addBooth(c: ConsoleClient, id: string): Promise<AddKioskResponse> {
  const a = await c.call('POST', '/console/api/kiosks', { id })
  expect(a.status).toBe(201)
  return addKioskResponseSchema.parse(a.json)
}

async function pair(relay: RelayHandle, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${relay.url}/api/pair`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = null
  }
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json, text }
}

/** Every string the store holds (SQLite: every text cell; Redis: every key and value). */
async function storeText(place: Place): Promise<string> {
  if (place.backend === 'sqlite') {
    const db = new Database(join(place.dir, 'relay.sqlite'), { readonly: true })
    try {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .pluck()
        .all() as string[]
      return tables.map((t) => JSON.stringify(db.prepare(`SELECT * FROM "${t}"`).all())).join('\n')
    } finally {
      db.close()
    }
  }
  const r = new Redis(bed.redisUrl)
  try {
    const keys = await r.keys(`${place.prefix}*`)
    const parts: string[] = [...keys]
    for (const k of keys) {
      const type = await r.type(k)
      if (type === 'string') parts.push((await r.get(k)) ?? '')
      else if (type === 'hash') parts.push(JSON.stringify(await r.hgetall(k)))
      else if (type === 'set') parts.push(JSON.stringify(await r.smembers(k)))
      else if (type === 'stream') parts.push(JSON.stringify(await r.xrange(k, '-', '+')))
    }
    return parts.join('\n')
  } finally {
    r.disconnect()
  }
}

/** ASCII as a full-width input method types it (Ａ for A, ３ for 3, － for -). */
const fullWidth = (s: string): string =>
  s.replace(/[!-~]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0))
describe.each(['sqlite', 'redis'] as const)('POST /api/pair (%s store)', (backend) => {
  it('pairs once: the token opens /kiosk; the same code again is 410; only hashes are stored', async () => {
    const { place, relay, c } = await signedIn(backend)
    const booth = await addBooth(c, 'booth-1')
    const first = await pair(relay, { code: booth.pairingCode })
    expect(first.status).toBe(200)
    const creds = pairResponseSchema.parse(first.json)
    secrets.add(creds.token)
    expect(creds.kioskId).toBe('booth-1')
    expect(creds.token).toMatch(/^booth-1\.[A-Za-z0-9_-]{43}$/)
    const kiosk = await KioskClient.hello(relay.url, creds.token, { kioskId: 'booth-1' })

    const again = await pair(relay, { code: booth.pairingCode })
    expect(again.status).toBe(410)
    expect(again.text).not.toContain(creds.token)
    expect(kiosk.ws.readyState).toBe(kiosk.ws.OPEN)

    // A newer code for the booth (a replaced laptop) does not make the used one unknown.
    const repair = await c.call('POST', '/console/api/kiosks/booth-1/pairing')
    expect(repair.status).toBe(201)
    const usedAgain = await pair(relay, { code: booth.pairingCode })
    expect(usedAgain.status).toBe(410)

    const stored = await storeText(place)
    expect(stored).not.toContain(booth.pairingCode)
    expect(stored).not.toContain(creds.token)
    expect(stored).not.toContain((c.cookie ?? '=').split('=')[1])
    await kiosk.close()
  })

  it('a used code stays 410 after its 15 minutes; an unused one is then 404', async () => {
    // Contract v2: "exactly once per code (then 410); expired or unknown → 404". A kiosk that
    // retries its redeem after the code's time (its first answer lost on the venue's Wi-Fi) must
    // learn the code was used, not that it never existed: the used code is remembered.
    const { relay, c, clock } = await signedIn(backend)
    const used = await addBooth(c, 'booth-1')
    const unused = await addBooth(c, 'booth-2')
    const first = await pair(relay, { code: used.pairingCode })
    expect(first.status).toBe(200)
    secrets.add(pairResponseSchema.parse(first.json).token)
    clock.advance(PAIRING_CODE_TTL_MS + 60_000)
    const late = await pair(relay, { code: used.pairingCode })
    expect(late.status).toBe(410)
    expect(late.json).toMatchObject({ error: { code: 'gone' } })
    expect((await pair(relay, { code: unused.pairingCode })).status).toBe(404)
  })

  it('a new token from `kiosk add --rotate` voids the booth’s unused pairing code', async () => {
    // The console added the booth, then someone gave it a token with the CLI instead: the code
    // shown (on a screen, in a photo) went on minting tokens for 15 minutes, and whoever used
    // it took the booth's identity from the kiosk just provisioned (closed with 4410).
    const { relay, c } = await signedIn(backend)
    const booth = await addBooth(c, 'booth-1')
    const token = await relay.addKiosk('booth-1', { rotate: true })
    secrets.add(token)
    const kiosk = await KioskClient.hello(relay.url, token, { kioskId: 'booth-1' })
    const late = await pair(relay, { code: booth.pairingCode })
    expect(late.status).toBe(404)
    expect(kiosk.ws.readyState).toBe(kiosk.ws.OPEN)
    expect((await c.call('GET', '/console/api/kiosks/booth-1')).json).toMatchObject({
      pairingPending: false,
    })
    // Re-pairing stays the console's explicit call, and works.
    const again = await c.call('POST', '/console/api/kiosks/booth-1/pairing')
    const code = addKioskResponseSchema.parse(again.json).pairingCode
    const paired = await pair(relay, { code })
    expect(paired.status).toBe(200)
    secrets.add(pairResponseSchema.parse(paired.json).token)
    await kiosk.close()
  })

  it('a code replaced by a newer one for its booth is 404 whose message names the newer code', async () => {
    // Two organizers asked the booth's code at once (or one asked twice): staff typing the code
    // a console had just shown were told it did not exist or had expired.
    const { relay, c } = await signedIn(backend)
    const booth = await addBooth(c, 'booth-1')
    const newer = await c.call('POST', '/console/api/kiosks/booth-1/pairing')
    expect(newer.status).toBe(201)
    const old = await pair(relay, { code: booth.pairingCode })
    expect(old.status).toBe(404)
    expect(old.json).toMatchObject({ error: { code: 'not_found' } })
    expect(old.text).toMatch(/newer code/)
    const paired = await pair(relay, { code: addKioskResponseSchema.parse(newer.json).pairingCode })
    expect(paired.status).toBe(200)
    secrets.add(pairResponseSchema.parse(paired.json).token)
  })

  it('a booth revoked through the relay handle stays revoked: its unused code is void', async () => {
    // relay.revokeKiosk (the embedding program's revoke) left the console's pending code live,
    // and redeeming it gave the revoked booth a fresh token and took the revocation back.
    const { relay, c } = await signedIn(backend)
    const booth = await addBooth(c, 'booth-1')
    expect(await relay.revokeKiosk('booth-1')).toBe(true)
    const late = await pair(relay, { code: booth.pairingCode })
    expect(late.status).toBe(404)
    expect((await relay.store.getKiosk('booth-1'))?.revokedAt).not.toBeNull()
    expect((await c.call('GET', '/console/api/kiosks/booth-1')).json).toMatchObject({
      revoked: true,
      pairingPending: false,
    })
    // Re-pairing stays the console's explicit call, and works.
    const again = await c.call('POST', '/console/api/kiosks/booth-1/pairing')
    const paired = await pair(relay, { code: addKioskResponseSchema.parse(again.json).pairingCode })
    expect(paired.status).toBe(200)
    secrets.add(pairResponseSchema.parse(paired.json).token)
    expect((await relay.store.getKiosk('booth-1'))?.revokedAt).toBeNull()
  })

  it('takes the code as typed or scanned: lower case, dashes, spaces, full width, a /pair/ link', async () => {
    const { relay, c } = await signedIn(backend)
    for (const [id, shape] of [
      ['b1', (s: string) => s.toLowerCase()],
      ['b2', (s: string) => ` ${s.slice(0, 4)}-${s.slice(4)} `],
      ['b3', (s: string) => `https://relay.example/pair/${s}`],
      // A Chinese input method in full-width mode: ＡＢ３４, then U+3000 or － between groups.
      ['b4', (s: string) => fullWidth(`${s.slice(0, 4)} ${s.slice(4)}`).replace(' ', '\u3000')],
      ['b5', (s: string) => fullWidth(`${s.slice(0, 4)}-${s.slice(4).toLowerCase()}`)],
    ] as const) {
      const code = (await addBooth(c, id)).pairingCode
      const a = await pair(relay, { code: shape(code) })
      expect(a.status, id).toBe(200)
      secrets.add(pairResponseSchema.parse(a.json).token)
    }
  })

  it('an expired, unknown or malformed code is 404; a body that is not {"code"} is 400', async () => {
    const { relay, c, clock } = await signedIn(backend)
    const booth = await addBooth(c, 'booth-1')
    const before = (await relay.store.getKiosk('booth-1'))?.tokenHash
    clock.advance(PAIRING_CODE_TTL_MS)
    expect((await pair(relay, { code: booth.pairingCode })).status).toBe(404)
    expect((await pair(relay, { code: generatePairingCode() })).status).toBe(404)
    expect((await pair(relay, { code: 'O0O0O0O0' })).status).toBe(404)
    expect((await pair(relay, { code: '../../etc' })).status).toBe(404)
    // An empty or overlong code is a code nobody holds, not a malformed request.
    expect((await pair(relay, { code: '' })).status).toBe(404)
    expect((await pair(relay, { code: '   ' })).status).toBe(404)
    expect((await pair(relay, { code: 'A'.repeat(65) })).status).toBe(404)
    expect((await pair(relay, 'not json')).status).toBe(400)
    expect((await pair(relay, { code: booth.pairingCode, kioskId: 'x' })).status).toBe(400)
    expect((await pair(relay, { token: 'x' })).status).toBe(400)
    expect((await fetch(`${relay.url}/api/pair`)).status).toBe(405)
    // The kiosk's token never changed: nobody got one.
    expect((await relay.store.getKiosk('booth-1'))?.tokenHash).toBe(before)
  })

  it('of concurrent redeems of one code exactly one wins; the live socket of a re-paired kiosk closes', async () => {
    const { relay, c } = await signedIn(backend, { trustProxyHops: 1 })
    const oldToken = await relay.addKiosk('booth-1')
    secrets.add(oldToken)
    const live = await KioskClient.hello(relay.url, oldToken, { kioskId: 'booth-1' })
    const code = addKioskResponseSchema.parse(
      (await c.call('POST', '/console/api/kiosks/booth-1/pairing')).json,
    ).pairingCode
    // From ten addresses (the limit is per address), all at once.
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        pair(relay, { code }, { 'x-forwarded-for': `203.0.113.${i}` }),
      ),
    )
    const won = answers.filter((a) => a.status === 200)
    expect(won).toHaveLength(1)
    expect(answers.filter((a) => a.status === 410)).toHaveLength(9)
    const creds = pairResponseSchema.parse(won[0]?.json)
    secrets.add(creds.token)
    expect((await live.closed).code).toBe(RelayCloseCode.revoked)
    const k = await KioskClient.hello(relay.url, creds.token, { kioskId: 'booth-1' })
    await expect(KioskClient.connect(relay.url, oldToken)).rejects.toThrow('HTTP 401')
    await k.close()
  })

  it('limits each address to 10 tries a minute (429 with Retry-After), per address', async () => {
    const { relay, c, clock } = await signedIn(backend, { trustProxyHops: 1 })
    const booth = await addBooth(c, 'booth-1')
    const from = (ip: string) => ({ 'x-forwarded-for': ip })
    for (let i = 0; i < 10; i++) {
      expect((await pair(relay, { code: generatePairingCode() }, from('203.0.113.5'))).status).toBe(
        404,
      )
    }
    const limited = await pair(relay, { code: booth.pairingCode }, from('203.0.113.5'))
    expect(limited.status).toBe(429)
    expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1)
    // Refused before the code was looked at: it is still good, from elsewhere or later.
    clock.advance(6_000)
    expect((await pair(relay, { code: 'AAAAAAAA' }, from('203.0.113.5'))).status).toBe(404)
    expect((await pair(relay, { code: 'AAAAAAAA' }, from('203.0.113.5'))).status).toBe(429)
    const elsewhere = await pair(relay, { code: booth.pairingCode }, from('198.51.100.7'))
    expect(elsewhere.status).toBe(200)
    secrets.add(pairResponseSchema.parse(elsewhere.json).token)
  })

  it('counts an IPv6 client by its /64: a new address in it is no new allowance', async () => {
    const { relay } = await signedIn(backend, { trustProxyHops: 1 })
    const from = (ip: string) => ({ 'x-forwarded-for': ip })
    for (let i = 1; i <= 10; i++) {
      const a = await pair(relay, { code: generatePairingCode() }, from(`2001:db8:5:6::${i}`))
      expect(a.status).toBe(404)
    }
    for (const sameNet of ['2001:db8:5:6::ffff', '2001:0db8:0005:0006:1:2:3:4']) {
      expect((await pair(relay, { code: 'AAAAAAAA' }, from(sameNet))).status).toBe(429)
    }
    // The next /64 is someone else.
    expect((await pair(relay, { code: 'AAAAAAAA' }, from('2001:db8:5:7::1'))).status).toBe(404)
  })
})

describe('per-address limit keys', () => {
  it('are an IPv4 address itself and an IPv6 address’s /64, however it is written', () => {
    expect(addressLimitKey('203.0.113.5')).toBe('203.0.113.5')
    for (const a of [
      '2001:db8:5:6::1',
      '2001:DB8:5:6:ffff:ffff:ffff:ffff',
      '2001:0db8:0005:0006::',
      '2001:db8:5:6::192.0.2.1',
      'fe80::1%eth0'.replace('fe80::1', '2001:db8:5:6::1'),
    ]) {
      expect(addressLimitKey(a), a).toBe('2001:db8:5:6::/64')
    }
    expect(addressLimitKey('::1')).toBe('0:0:0:0::/64')
    expect(addressLimitKey('2001:db8::')).toBe('2001:db8:0:0::/64')
    expect(addressLimitKey('2001:db8:5:7::1')).not.toBe(addressLimitKey('2001:db8:5:6::1'))
  })

  it('group an IPv6 address by its /48 as well, however it is written; IPv4 in none', () => {
    expect(addressGroupKey('203.0.113.5')).toBeNull()
    for (const a of ['2001:db8:5:6::1', '2001:0DB8:0005:ffff::', '2001:db8:5::192.0.2.1']) {
      expect(addressGroupKey(a), a).toBe('2001:db8:5::/48')
    }
    expect(addressGroupKey('2001:db8::1')).toBe('2001:db8:0::/48')
    expect(addressGroupKey('::1')).toBe('0:0:0::/48')
    expect(addressGroupKey('2001:db8:6::1')).not.toBe(addressGroupKey('2001:db8:5::1'))
  })
})

describe('pairing codes', () => {
  it('are 8 characters of the look-alike-free alphabet, all of it used', () => {
    expect(PAIRING_ALPHABET).not.toMatch(/[0O1IL2Z5S8B]/)
    const seen = new Set<string>()
    for (let i = 0; i < 5000; i++) {
      const code = generatePairingCode()
      expect(code).toMatch(/^[34679ACDEFGHJKMNPQRTUVWXY]{8}$/)
      for (const ch of code) seen.add(ch)
    }
    expect([...seen].sort().join('')).toBe([...PAIRING_ALPHABET].sort().join(''))
  })
})

describe('GET /pair/<code>: the page a phone shows for the console pairing QR', () => {
  async function page(relay: RelayHandle, path: string, method = 'GET') {
    const res = await fetch(`${relay.url}${path}`, { method })
    return { status: res.status, headers: res.headers, text: await res.text() }
  }

  it('is one static page for every well-formed code, says what to do, and spends nothing', async () => {
    const { relay, c } = await signedIn('sqlite')
    const booth = await addBooth(c, 'booth-1')
    const live = await page(relay, `/pair/${booth.pairingCode}`)
    expect(live.status).toBe(200)
    expect(live.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(live.headers.get('content-security-policy')).toBe(
      "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    )
    expect(live.headers.get('referrer-policy')).toBe('no-referrer')
    expect(live.headers.get('x-content-type-options')).toBe('nosniff')
    expect(live.headers.get('cache-control')).toBe('no-store')
    expect(live.text).toContain('配对码')
    expect(live.text).toContain('pairing code field')
    // Nothing from the URL reaches the page, and it runs nothing.
    expect(live.text).not.toContain(booth.pairingCode)
    expect(live.text).not.toMatch(/<script|<link|<img|<form|src=|href=/i)

    // A code never issued reads the same: the page is no oracle for live codes.
    let unknown = generatePairingCode()
    while (unknown === booth.pairingCode) unknown = generatePairingCode()
    const other = await page(relay, `/pair/${unknown}`)
    expect(other.status).toBe(200)
    expect(other.text).toBe(live.text)

    // Opening the link spent nothing: the code still pairs, once, and after that the page
    // is still the same page.
    expect((await pair(relay, { code: booth.pairingCode })).status).toBe(200)
    expect((await page(relay, `/pair/${booth.pairingCode}`)).text).toBe(live.text)
    expect((await pair(relay, { code: booth.pairingCode })).status).toBe(410)

    const head = await page(relay, `/pair/${unknown}`, 'HEAD')
    expect(head.status).toBe(200)
    expect(head.text).toBe('')
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(live.text)))
  })

  it('answers only GET and HEAD, and only for a path holding a well-formed code', async () => {
    const { relay } = await signedIn('sqlite')
    const code = generatePairingCode()
    const post = await page(relay, `/pair/${code}`, 'POST')
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
    for (const path of [
      `/pair/${code.toLowerCase()}`,
      `/pair/${code.slice(1)}`,
      `/pair/${code}A`,
      `/pair/${code.slice(1)}0`, // a look-alike the alphabet leaves out
      `/pair/${code}/x`,
      '/pair/',
      '/pair',
      `/pair/%2e%2e%2F${code}`,
      `/pair/${encodeURIComponent('<script>')}`,
    ]) {
      const r = await page(relay, path)
      expect(r.status, path).toBe(404)
      expect(r.headers.get('content-type'), path).toContain('application/json')
    }
  })
})
