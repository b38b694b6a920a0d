// Clearing a booth's admin PIN lockout from the console (`POST /console/api/kiosks/<id>/
// admin-unlock`): refused without a session (401), from another origin (403), for an unknown
// kiosk (404), for an offline or revoked one (409, nothing queued for later); for an online one
// the `admin-unlock` frame reaches its live link, on this instance or another, again on a
// repeat; a link whose token the store no longer holds never gets it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { adminUnlockResponseSchema } from '../../shared/console-api'
import type { RelayFrame } from '../../shared/relay-protocol'
import type { RelayHandle } from '../../relay/server'
import { startRedis, type TestRedis } from '../helpers/redis'
import {
  Clock,
  ConsoleClient,
  collectSecrets,
  errorCode,
  leakedSecrets,
  newPlace,
  organizer,
  secrets,
  startOn,
  type Place,
} from './console-helpers'
import { KioskClient, type Backend } from './harness'

let redis: TestRedis
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis.stop()
  expect(leakedSecrets()).toEqual([])
})

const cleanups: Array<() => Promise<unknown> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const isUnlock = (f: RelayFrame) => f.type === 'admin-unlock'

/** Every frame the relay wrote to `k` so far has arrived: a ping's pong comes after them. */
function flushed(k: KioskClient): Promise<void> {
  return new Promise((resolve) => {
    k.ws.once('pong', () => resolve())
    k.ws.ping()
  })
}

async function relayOn(place: Place, clock: Clock): Promise<RelayHandle> {
  const relay = await startOn(place, { now: clock.now })
  cleanups.push(async () => {
    await collectSecrets(relay)
    await relay.close()
  })
  return relay
}

async function signedIn(backend: Backend) {
  const place = newPlace(backend, redis.url)
  cleanups.push(() => place.remove())
  const clock = new Clock(Date.now())
  const relay = await relayOn(place, clock)
  const c = new ConsoleClient(relay.url)
  const password = await organizer(relay, 'alice', clock.t)
  expect((await c.login('alice', password)).status).toBe(200)
  return { place, clock, relay, c, password }
}

const unlock = (c: ConsoleClient, id: string) =>
  c.call('POST', `/console/api/kiosks/${id}/admin-unlock`)

/** Booths k1 (`kiosk`) and k2 (`bystander`), each on its live link, closed after the test. */
async function twoLiveKiosks(relay: RelayHandle) {
  const token = await relay.addKiosk('k1')
  secrets.add(token)
  const other = await relay.addKiosk('k2')
  secrets.add(other)
  const kiosk = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
  const bystander = await KioskClient.hello(relay.url, other, { kioskId: 'k2' })
  cleanups.push(() => kiosk.close())
  cleanups.push(() => bystander.close())
  return { kiosk, bystander }
}

describe.each(['sqlite', 'redis'] as const)('admin-unlock (%s store)', (backend) => {
  it('needs a session and this origin; an unknown kiosk is 404, an offline or revoked one 409', async () => {
    const { relay, c } = await signedIn(backend)
    const token = await relay.addKiosk('k1')
    secrets.add(token)

    const anonymous = new ConsoleClient(relay.url)
    expect((await unlock(anonymous, 'k1')).status).toBe(401)
    const foreign = new ConsoleClient(relay.url, 'https://evil.example')
    foreign.cookie = c.cookie
    foreign.deviceCookie = c.deviceCookie
    const cross = await unlock(foreign, 'k1')
    expect([cross.status, errorCode(cross)]).toEqual([403, 'forbidden'])

    const unknown = await unlock(c, 'nobody')
    expect([unknown.status, errorCode(unknown)]).toEqual([404, 'not_found'])
    const bad = await unlock(c, 'NOT%20AN%20ID')
    expect(bad.status).toBe(404)

    const offline = await unlock(c, 'k1')
    expect([offline.status, errorCode(offline)]).toEqual([409, 'conflict'])
    expect(offline.text).toContain('offline')

    // Nothing was queued: the kiosk that connects now hears no unlock.
    const kiosk = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
    cleanups.push(() => kiosk.close())
    expect(kiosk.frames.filter(isUnlock)).toEqual([])

    expect(await relay.revokeKiosk('k1')).toBe(true)
    expect((await kiosk.closed).code).toBe(4410)
    const revoked = await unlock(c, 'k1')
    expect([revoked.status, errorCode(revoked)]).toEqual([409, 'conflict'])
    expect(revoked.text).toContain('revoked')
  })

  it('sends admin-unlock on the live link, again when asked again', async () => {
    const { relay, c, clock } = await signedIn(backend)
    const { kiosk, bystander } = await twoLiveKiosks(relay)

    const first = await unlock(c, 'k1')
    expect(first.status).toBe(202)
    expect(adminUnlockResponseSchema.strict().parse(first.json)).toEqual({
      id: 'k1',
      sentAt: clock.t,
    })
    await kiosk.waitFor(isUnlock)
    expect((await unlock(c, 'k1')).status).toBe(202)
    await kiosk.waitFor(isUnlock, 2)

    // Only k1 heard it: a frame k2 gets after both requests comes with no unlock before it.
    expect((await unlock(c, 'k2')).status).toBe(202)
    await bystander.waitFor(isUnlock)
    await Promise.all([flushed(bystander), flushed(kiosk)])
    expect(bystander.frames.filter(isUnlock)).toHaveLength(1)
    expect(kiosk.frames.filter(isUnlock)).toHaveLength(2)
  })

  it('clears one booth at most 3 times at once, then one every 20 minutes (429, nothing sent)', async () => {
    const { relay, c, clock } = await signedIn(backend)
    const { kiosk, bystander } = await twoLiveKiosks(relay)

    for (let i = 1; i <= 3; i++) {
      expect((await unlock(c, 'k1')).status).toBe(202)
      await kiosk.waitFor(isUnlock, i)
    }
    // Each clear gives the booth's PIN pad its free guesses again: a fourth is refused.
    const refused = await unlock(c, 'k1')
    expect(refused.status).toBe(429)
    expect(errorCode(refused)).toBe('rate_limited')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    await flushed(kiosk)
    expect(kiosk.frames.filter(isUnlock)).toHaveLength(3)
    // Another booth has its own count.
    expect((await unlock(c, 'k2')).status).toBe(202)
    await bystander.waitFor(isUnlock)
    clock.advance(20 * 60_000)
    expect((await unlock(c, 'k1')).status).toBe(202)
    await kiosk.waitFor(isUnlock, 4)
    expect((await unlock(c, 'k1')).status).toBe(429)
  })

  it('a link whose token the store no longer holds does not get it', async () => {
    const { relay } = await signedIn(backend)
    const token = await relay.addKiosk('k1')
    secrets.add(token)
    const kiosk = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
    cleanups.push(() => kiosk.close())

    // The store's next read says another token is the kiosk's (rotated a moment ago: the
    // change that closes this link has not arrived yet); later reads are as stored.
    const store = relay.store
    const getKiosk = store.getKiosk.bind(store)
    let staleReads = 1
    let staleDone: () => void = () => {}
    const staleRead = new Promise<void>((resolve) => (staleDone = resolve))
    store.getKiosk = async (id) => {
      const k = await getKiosk(id)
      if (staleReads-- <= 0 || k === null) return k
      setImmediate(staleDone)
      return { ...k, tokenHash: 'someone-else' }
    }
    cleanups.push(() => {
      store.getKiosk = getKiosk
    })
    await store.announce({ type: 'admin-unlock', kioskId: 'k1' })
    await staleRead
    await flushed(kiosk)
    expect(kiosk.frames.filter(isUnlock)).toEqual([])
    // The same request with the token as stored: delivered.
    await store.announce({ type: 'admin-unlock', kioskId: 'k1' })
    await kiosk.waitFor(isUnlock)
  })
})

describe('admin-unlock across instances (redis store)', () => {
  it('reaches the kiosk through the instance holding its link', async () => {
    const { place, clock, relay, password } = await signedIn('redis')
    const token = await relay.addKiosk('k1')
    secrets.add(token)
    const kiosk = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
    cleanups.push(() => kiosk.close())

    const second = await relayOn(place, clock)
    const c2 = new ConsoleClient(second.url)
    expect((await c2.login('alice', password)).status).toBe(200)
    const answer = await unlock(c2, 'k1')
    expect(answer.status).toBe(202)
    await kiosk.waitFor(isUnlock)
  })
})
