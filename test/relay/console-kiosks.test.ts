// The booths in the console, on both stores: the list's live state (online, last seen,
// queued, scans today from the injected counter, version from the hello, campaign), adding a
// booth with its pairing code, explicit re-pairing, revocation closing the live socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  addKioskResponseSchema,
  consoleKioskListSchema,
  consoleKioskSchema,
  pairResponseSchema,
  PAIRING_CODE_TTL_MS,
} from '../../shared/console-api'
import { RelayCloseCode } from '../../shared/relay-protocol'
import type { RelayHandle } from '../../relay/server'
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster'
import {
  Clock,
  ConsoleClient,
  consoleTestBed,
  collectSecrets,
  errorCode,
  newPlace,
  organizer,
  secrets,
  startOn,
} from './console-helpers'
import { campaignBody } from './campaign-helpers'
import { KioskClient, postPush, scanXml, type Backend } from './harness'
import { waitFor } from '../kiosk/helpers'

const bed = consoleTestBed()
const cleanups = bed.cleanups
let cluster: TestRedisCluster
beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 })
})
afterAll(() => cluster.stop())

interface Setup {
  relay: RelayHandle
  c: ConsoleClient
  clock: Clock
  asked: string[][]
}

/** `redis-cluster`: the Redis store on a 3-master cluster (kiosks' keys on different nodes). */
type Kind = Backend | 'redis-cluster'
const kinds = ['sqlite', 'redis', 'redis-cluster'] as const

async function signedIn(kind: Kind): Promise<Setup> {
  const p = kind === 'redis-cluster' ? newPlace('redis', cluster.url) : newPlace(kind, bed.redisUrl)
  cleanups.push(() => p.remove())
  const clock = new Clock(Date.now())
  const asked: string[][] = []
  const relay = await bed.relay(p, {
    now: clock.now,
    console: () => ({
      scansToday: (ids) => {
        asked.push([...ids])
        return Promise.resolve(new Map(ids.map((id, i) => [id, 10 * (i + 1)])))
      },
    }),
  })
  const c = await bed.signedIn(relay, clock.t)
  return { relay, c, clock, asked }
}

async function kiosks(c: ConsoleClient) {
  const a = await c.call('GET', '/console/api/kiosks')
  expect(a.status).toBe(200)
  // Strict: an extra field (a token hash, say) would fail here, not only in the leak scan.
  return consoleKioskListSchema.parse(consoleKioskSchema.strict().array().parse(a.json))
}

async function pair(relay: RelayHandle, code: string) {
  const res = await fetch(`${relay.url}/api/pair`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  })
  return { status: res.status, json: await res.json() }
}

describe.each(kinds)('console kiosks (%s store)', (backend) => {
  it('lists each kiosk: online, last seen, queued, scans today, version, campaign', async () => {
    const { relay, c, clock, asked } = await signedIn(backend)
    secrets.add(await relay.addKiosk('k1'))
    secrets.add(await relay.addKiosk('k2'))
    expect(await kiosks(c)).toEqual([
      expect.objectContaining({ id: 'k1', online: false, lastSeenAt: null, queued: 0 }),
      expect.objectContaining({ id: 'k2', online: false, lastSeenAt: null, queued: 0 }),
    ])

    const token = await relay.addKiosk('k1', { rotate: true })
    secrets.add(token)
    const kiosk = await KioskClient.hello(relay.url, token, { kioskId: 'k1', version: '1.4.2' })
    const helloAt = clock.t
    for (const n of [1, 2, 3])
      expect((await postPush(relay.url, scanXml(`o${n}`, `k1:n${n}`))).status).toBe(200)
    await kiosk.waitForScans(3)
    kiosk.ack(1)
    await waitFor(async () => (await kiosks(c))[0]?.queued === 2, 'the ack stored')
    expect(await kiosks(c)).toEqual([
      {
        id: 'k1',
        online: true,
        lastSeenAt: helloAt,
        queued: 2,
        scansToday: 10,
        campaignId: null,
        version: '1.4.2',
        pairingPending: false,
        revoked: false,
        identityConflict: false,
      },
      expect.objectContaining({ id: 'k2', online: false, scansToday: 20, version: null }),
    ])
    expect(asked.at(-1)).toEqual(['k1', 'k2'])

    clock.advance(5000)
    await kiosk.close()
    await waitFor(async () => (await kiosks(c))[0]?.online === false, 'k1 offline')
    expect((await kiosks(c))[0]).toMatchObject({ lastSeenAt: clock.t, version: '1.4.2' })
  })

  it('adds a booth with a one-time pairing code; an existing id is 409; re-pairing is explicit', async () => {
    const { relay, c, clock } = await signedIn(backend)
    const added = await c.call('POST', '/console/api/kiosks', { id: 'booth-7' })
    expect(added.status).toBe(201)
    const first = addKioskResponseSchema.parse(added.json)
    expect(first).toMatchObject({ id: 'booth-7', expiresAt: clock.t + PAIRING_CODE_TTL_MS })
    expect(await kiosks(c)).toEqual([
      expect.objectContaining({ id: 'booth-7', online: false, pairingPending: true }),
    ])

    const again = await c.call('POST', '/console/api/kiosks', { id: 'booth-7' })
    expect(again.status).toBe(409)
    expect(errorCode(again)).toBe('conflict')
    expect((await c.call('POST', '/console/api/kiosks', { id: 'Bad Id' })).status).toBe(400)
    expect((await c.call('POST', '/console/api/kiosks/nope/pairing')).status).toBe(404)

    // A new code for the same booth: the first stops working.
    const repair = await c.call('POST', '/console/api/kiosks/booth-7/pairing')
    expect(repair.status).toBe(201)
    const second = addKioskResponseSchema.parse(repair.json)
    expect(second.pairingCode).not.toBe(first.pairingCode)
    expect((await pair(relay, first.pairingCode)).status).toBe(404)
    const paired = await pair(relay, second.pairingCode)
    expect(paired.status).toBe(200)
    const creds = pairResponseSchema.parse(paired.json)
    secrets.add(creds.token)
    expect(creds.kioskId).toBe('booth-7')
    const kiosk = await KioskClient.hello(relay.url, creds.token, { kioskId: 'booth-7' })
    await waitFor(async () => (await kiosks(c))[0]?.online === true, 'booth-7 online')
    expect((await kiosks(c))[0]?.pairingPending).toBe(false)

    // Re-pairing a live booth: its socket lives on until the new code is used.
    const third = addKioskResponseSchema.parse(
      (await c.call('POST', '/console/api/kiosks/booth-7/pairing')).json,
    )
    const replaced = pairResponseSchema.parse((await pair(relay, third.pairingCode)).json)
    secrets.add(replaced.token)
    expect((await kiosk.closed).code).toBe(RelayCloseCode.revoked)
  })

  it('DELETE revokes: the live socket closes with 4410; its unused code dies', async () => {
    const { relay, c } = await signedIn(backend)
    const token = await relay.addKiosk('k1')
    secrets.add(token)
    const kiosk = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
    const pending = addKioskResponseSchema.parse(
      (await c.call('POST', '/console/api/kiosks/k1/pairing')).json,
    )
    expect((await c.call('DELETE', '/console/api/kiosks/k1')).status).toBe(204)
    // The hub re-checks on the store's change, no polling: `npm run bench` measures how soon.
    expect((await kiosk.closed).code).toBe(RelayCloseCode.revoked)
    expect((await kiosks(c))[0]).toMatchObject({ id: 'k1', online: false, revoked: true })
    expect((await pair(relay, pending.pairingCode)).status).toBe(404)
    await expect(KioskClient.connect(relay.url, token)).rejects.toThrow('HTTP 401')
    expect((await c.call('DELETE', '/console/api/kiosks/nope')).status).toBe(404)
  })

  it('PUT sets and clears the campaign; bad bodies change nothing', async () => {
    const { relay, c } = await signedIn(backend)
    secrets.add(await relay.addKiosk('k1'))
    // Only a campaign that exists can be assigned (issue 19).
    const unknown = await c.call('PUT', '/console/api/kiosks/k1', { campaignId: 'spring-fair' })
    expect(unknown.status).toBe(404)
    expect((await kiosks(c))[0]?.campaignId).toBeNull()
    const screenKey = 'k'.repeat(43)
    await relay.store.campaigns.createCampaign(
      { ...campaignBody(), id: 'spring-fair', screenKey },
      0,
    )
    const set = await c.call('PUT', '/console/api/kiosks/k1', { campaignId: 'spring-fair' })
    expect(set.status).toBe(200)
    expect(consoleKioskSchema.parse(set.json).campaignId).toBe('spring-fair')
    expect((await kiosks(c))[0]?.campaignId).toBe('spring-fair')
    const own = (key: string): unknown => JSON.parse(`{"campaignId":null,"${key}":{}}`)
    for (const bad of [
      {},
      { campaignId: '' },
      { campaignId: 7 },
      { campaignId: 'x', more: 1 },
      own('__proto__'),
      own('constructor'),
    ]) {
      expect((await c.call('PUT', '/console/api/kiosks/k1', bad)).status).toBe(400)
    }
    expect((await kiosks(c))[0]?.campaignId).toBe('spring-fair')
    expect((await c.call('PUT', '/console/api/kiosks/k1', { campaignId: null })).status).toBe(200)
    expect((await kiosks(c))[0]?.campaignId).toBeNull()
    expect((await c.call('PUT', '/console/api/kiosks/zz', { campaignId: 'a' })).status).toBe(404)
  })
})

describe.each(kinds)('two kiosks on one identity (%s store)', (backend) => {
  it('is flagged once live links replace each other three times within two minutes', async () => {
    const { relay, c, clock } = await signedIn(backend)
    const token = await relay.addKiosk('k1')
    secrets.add(token)
    secrets.add(await relay.addKiosk('k2'))
    const conflict = async () =>
      Object.fromEntries((await kiosks(c)).map((k) => [k.id, k.identityConflict]))
    // A kiosk that reconnects after its link closed replaces nothing: no conflict.
    for (let i = 0; i < 4; i++) {
      const k = await KioskClient.hello(relay.url, token, { kioskId: 'k1' })
      await k.close()
      await k.closed
    }
    expect(await conflict()).toEqual({ k1: false, k2: false })
    // Two devices with one token: each hello closes the other's live link (4409).
    const links = [await KioskClient.hello(relay.url, token, { kioskId: 'k1' })]
    for (let i = 1; i <= 3; i++) {
      links.push(await KioskClient.hello(relay.url, token, { kioskId: 'k1' }))
      expect((await links[i - 1]?.closed)?.code).toBe(RelayCloseCode.replaced)
      if (i < 3) expect(await conflict()).toEqual({ k1: false, k2: false })
    }
    await waitFor(async () => (await conflict()).k1 === true, 'k1 in conflict')
    expect((await conflict()).k2).toBe(false)
    // No more replacements for the window: the flag clears.
    clock.advance(120_000)
    expect(await conflict()).toEqual({ k1: false, k2: false })
    await links.at(-1)?.close()
  })
})

describe('one kiosk on a poor network (sqlite store)', () => {
  // Each reconnect finds the relay still holding the link the Wi-Fi dropped (half-open: the
  // device never reads the close), so every hello replaces a link that cannot answer.
  it('is not flagged for replacing links that never answer the close', async () => {
    const { relay, c } = await signedIn('sqlite')
    const token = await relay.addKiosk('k1')
    secrets.add(token)
    const links: KioskClient[] = []
    for (let i = 0; i <= 3; i++) {
      links.at(-1)?.ws.pause()
      links.push(await KioskClient.hello(relay.url, token, { kioskId: 'k1' }))
    }
    // ws ends a close nobody answers after its 30 s close timeout (1006).
    await new Promise((r) => setTimeout(r, 31_000))
    const [k1] = await kiosks(c)
    expect(k1?.identityConflict).toBe(false)
    expect(k1?.online).toBe(true)
    for (const l of links) l.ws.terminate()
  }, 60_000)
})

describe('console kiosks across instances (redis store)', () => {
  it('a kiosk connected to one instance shows online on another, and offline once it leaves', async () => {
    const p = newPlace('redis', bed.redisUrl)
    cleanups.push(() => p.remove())
    const a = await startOn(p)
    const b = await startOn(p)
    const c = new ConsoleClient(b.url)
    cleanups.push(async () => {
      await collectSecrets(b, c)
      await a.close()
      await b.close()
    })
    const token = await a.addKiosk('k1')
    secrets.add(token)
    expect((await c.login('alice', await organizer(b, 'alice'))).status).toBe(200)
    const kiosk = await KioskClient.hello(a.url, token, { kioskId: 'k1', version: '2.0.0' })
    await waitFor(async () => (await kiosks(c))[0]?.online === true, 'k1 online on b')
    expect((await kiosks(c))[0]).toMatchObject({ version: '2.0.0' })
    await kiosk.close()
    await waitFor(async () => (await kiosks(c))[0]?.online === false, 'k1 offline on b')
  })

  it('two devices on one identity on two instances: both instances flag it', async () => {
    const p = newPlace('redis', bed.redisUrl)
    cleanups.push(() => p.remove())
    const a = await startOn(p)
    const b = await startOn(p)
    const ca = new ConsoleClient(a.url)
    const cb = new ConsoleClient(b.url)
    cleanups.push(async () => {
      await collectSecrets(b, cb)
      await a.close()
      await b.close()
    })
    const token = await a.addKiosk('k1')
    secrets.add(token)
    const password = await organizer(b, 'alice')
    expect((await ca.login('alice', password)).status).toBe(200)
    expect((await cb.login('alice', password)).status).toBe(200)
    // The clones take turns on a and b: each replacement is the other instance's doing.
    const links = [await KioskClient.hello(a.url, token, { kioskId: 'k1' })]
    for (let i = 1; i <= 3; i++) {
      const relay = i % 2 === 0 ? a : b
      links.push(await KioskClient.hello(relay.url, token, { kioskId: 'k1' }))
      expect((await links[i - 1]?.closed)?.code).toBe(RelayCloseCode.replaced)
    }
    for (const [name, c] of [
      ['a', ca],
      ['b', cb],
    ] as const) {
      await waitFor(async () => (await kiosks(c))[0]?.identityConflict === true, `flag on ${name}`)
    }
    await links.at(-1)?.close()
  })

  it('an instance started after the links replaced each other flags it too', async () => {
    const p = newPlace('redis', bed.redisUrl)
    cleanups.push(() => p.remove())
    const a = await startOn(p)
    cleanups.push(() => a.close())
    const token = await a.addKiosk('k1')
    secrets.add(token)
    const password = await organizer(a, 'alice')
    const ca = new ConsoleClient(a.url)
    expect((await ca.login('alice', password)).status).toBe(200)
    const links = [await KioskClient.hello(a.url, token, { kioskId: 'k1' })]
    for (let i = 1; i <= 3; i++) {
      links.push(await KioskClient.hello(a.url, token, { kioskId: 'k1' }))
      expect((await links[i - 1]?.closed)?.code).toBe(RelayCloseCode.replaced)
    }
    await waitFor(async () => (await kiosks(ca))[0]?.identityConflict === true, 'flag on a')
    // A second instance (scaled out, or restarted) heard none of those replacements: an
    // organizer whose console it serves sees what the first one shows.
    const b = await startOn(p)
    const cb = new ConsoleClient(b.url)
    cleanups.push(async () => {
      await collectSecrets(b, cb)
      await b.close()
    })
    expect((await cb.login('alice', password)).status).toBe(200)
    expect((await kiosks(cb))[0]?.identityConflict).toBe(true)
    await links.at(-1)?.close()
  })
})
