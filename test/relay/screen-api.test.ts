// The big screens' API (relay/screens/): a wrong or missing key, an unknown campaign and another
// campaign's key are one 403 on every screen path; answers are no-store, no-referrer, noindex,
// pages under a strict CSP; a visitor's first scan is one check-in (a repeat scan adds nothing),
// batched on the event stream, its name the roster name once bound, never an openid; a rotated
// key ends open streams within seconds; per-campaign stream limit and per-address rate limit,
// open streams counting against the address's 16 at once for as long as they live;
// two relay instances on one Redis: scans stored by one reach the other's screens.
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { consoleCampaignSchema } from '../../shared/campaign'
import { screenHeartbeatSchema, wallSnapshotSchema } from '../../shared/screen-api'
import { SCREEN_RATE } from '../../relay/screens/screen-routes'
import type { RelayHandle } from '../../relay/server'
import { createCampaign, relayTestBed } from './campaign-helpers'
import { startOn } from './console-helpers'
import { UNDER_LOAD } from '../helpers/wait'
import { EventReader, scan, screenPath, screenSetup, until } from './screen-helpers'

const { cleanups, placeFor, relayOn } = relayTestBed()

async function get(relay: RelayHandle, path: string): Promise<Response> {
  return fetch(`${relay.url}${path}`)
}

async function open(relay: RelayHandle, id: string, key: string): Promise<EventReader> {
  const r = await EventReader.open(`${relay.url}${screenPath('events', id, key)}`)
  cleanups.push(() => r.close())
  return r
}

/** Opens a stream once a place frees (bounded by UNDER_LOAD): the last try's answer. */
async function openOnceFreed(relay: RelayHandle, id: string, key: string): Promise<EventReader> {
  let r = await open(relay, id, key)
  for (const end = Date.now() + UNDER_LOAD.timeout; r.status !== 200 && Date.now() < end;) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    r = await open(relay, id, key)
  }
  return r
}

describe('who may open a screen', () => {
  it('403 for a missing or wrong key, an unknown campaign, another campaign’s key', async () => {
    const relay = await relayOn(placeFor('sqlite'))
    const { console: c, campaign } = await screenSetup(relay)
    const other = await createCampaign(c, { name: '另一个' })
    const cases: Array<[string, string, string | null]> = [
      ['missing key', campaign.id, null],
      ['empty key', campaign.id, ''],
      ['wrong key', campaign.id, `${campaign.screenKey.slice(0, -1)}x`],
      ['other campaign’s key', campaign.id, other.screenKey],
      ['unknown campaign', 'no-such-campaign', campaign.screenKey],
      ['bad id', '..%2fconsole', campaign.screenKey],
    ]
    for (const kind of ['wall', 'events', 'page-wall', 'page-draw'] as const) {
      for (const [what, id, key] of cases) {
        const res = await get(relay, screenPath(kind, id, key))
        const body = await res.text()
        expect(res.status, `${kind} ${what}`).toBe(403)
        expect(body).not.toContain(campaign.screenKey)
        expect(body).not.toContain(campaign.name)
        expect(res.headers.get('cache-control')).toBe('no-store')
      }
    }
    // The right key opens both.
    expect((await get(relay, screenPath('wall', campaign.id, campaign.screenKey))).status).toBe(200)
    expect((await get(relay, screenPath('wall', other.id, other.screenKey))).status).toBe(200)
    // Two keys are never a choice (whichever order), and the API takes no other parameter.
    const right = screenPath('wall', campaign.id, campaign.screenKey)
    for (const path of [
      `${right}&key=bad`,
      right.replace('key=', 'key=bad&key='),
      `${right}&x=1`,
    ]) {
      const res = await get(relay, path)
      expect(res.status, path).toBe(400)
      expect(await res.text()).not.toContain(campaign.name)
    }
    const page = screenPath('page-wall', campaign.id, campaign.screenKey)
    expect((await get(relay, `${page}&key=bad`)).status).toBe(400)
    expect((await get(relay, `${page}&utm_source=mail`)).status).toBe(200)
  })

  it('403, not 400, when no given key is right, whatever else the address carries', async () => {
    const relay = await relayOn(placeFor('sqlite'))
    const { campaign } = await screenSetup(relay)
    const wrong = `${campaign.screenKey.slice(0, -1)}x`
    for (const kind of ['wall', 'events', 'page-wall', 'page-draw'] as const) {
      const bare = screenPath(kind, campaign.id, null)
      for (const query of [
        '?_=1', // a cache-buster and no key: the key is missing
        `?key=${wrong}&_=1`,
        `?key=${wrong}&key=${wrong}`,
        `?key=${wrong}&key=other`,
        '?key=&key=',
      ]) {
        const res = await get(relay, `${bare}${query}`)
        const body = await res.text()
        expect(res.status, `${kind} ${query}`).toBe(403)
        expect(body).not.toContain(campaign.name)
        if (kind.startsWith('page-')) {
          expect(res.headers.get('content-type'), `${kind} ${query}`).toBe(
            'text/html; charset=utf-8',
          )
        }
      }
    }
  })

  it('a screen page opened with a wrong or old key says so in words, in Chinese and English, not as JSON', async () => {
    const relay = await relayOn(placeFor('sqlite'))
    const { campaign } = await screenSetup(relay)
    for (const kind of ['page-wall', 'page-draw'] as const) {
      for (const key of [null, 'x'.repeat(43)]) {
        const res = await get(relay, screenPath(kind, campaign.id, key))
        const body = await res.text()
        expect(res.status, kind).toBe(403)
        expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
        expect(res.headers.get('cache-control')).toBe('no-store')
        expect(body).toContain('<html lang="zh-CN">')
        expect(body).toContain('大屏链接无效或已更换')
        expect(body).toContain('This big-screen link is wrong or was replaced')
        expect(body).not.toContain('<script')
        expect(body).not.toContain(campaign.name)
      }
    }
    // The screens' API stays JSON for the page's script.
    const api = await get(relay, screenPath('wall', campaign.id, null))
    expect(api.status).toBe(403)
    expect(api.headers.get('content-type')).toContain('application/json')
  })

  it('read-only: anything but GET and HEAD is 405, and every answer is no-store, no-referrer, noindex', async () => {
    const relay = await relayOn(placeFor('sqlite'))
    const { campaign } = await screenSetup(relay)
    const path = screenPath('wall', campaign.id, campaign.screenKey)
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(`${relay.url}${path}`, { method })
      expect(res.status).toBe(405)
      expect(res.headers.get('allow')).toBe('GET, HEAD')
    }
    // HEAD answers as GET would, with no body; on the event stream it keeps nothing open.
    for (const kind of ['wall', 'events', 'page-wall'] as const) {
      const right = await fetch(
        `${relay.url}${screenPath(kind, campaign.id, campaign.screenKey)}`,
        {
          method: 'HEAD',
        },
      )
      expect(right.status, kind).toBe(200)
      expect(await right.text()).toBe('')
      const wrong = await fetch(`${relay.url}${screenPath(kind, campaign.id, 'x'.repeat(43))}`, {
        method: 'HEAD',
      })
      expect(wrong.status, kind).toBe(403)
    }
    const page = await get(relay, screenPath('page-wall', campaign.id, campaign.screenKey))
    await page.text()
    const api = await get(relay, path)
    await api.text()
    for (const res of [page, api]) {
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(res.headers.get('referrer-policy')).toBe('no-referrer')
      expect(res.headers.get('x-robots-tag')).toContain('noindex')
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    }
    const csp = page.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("base-uri 'none'")
    // The keyed page may be framed (a kiosk shows it): campaign-screens.test.ts.
    expect(csp).not.toContain('frame-ancestors')
    expect(csp).not.toContain('unsafe')
  })

  it('rate-limits one address (429 with Retry-After) before any campaign is read', async () => {
    const relay = await relayOn(placeFor('sqlite'))
    const statuses: number[] = []
    for (let i = 0; i < 80; i++) {
      const res = await get(relay, screenPath('wall', `guess-${i}`, 'k'.repeat(43)))
      statuses.push(res.status)
      await res.text()
    }
    expect(statuses.filter((s) => s === 403).length).toBeGreaterThanOrEqual(55)
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0)
  })
})

describe('check-ins', () => {
  for (const backend of ['sqlite', 'redis'] as const) {
    it(`${backend}: first scans only, counted once, batched, named once bound, no openid`, async () => {
      const relay = await relayOn(placeFor(backend))
      const { campaign } = await screenSetup(relay)
      const events = await open(relay, campaign.id, campaign.screenKey)
      expect(events.status).toBe(200)
      const openids = Array.from({ length: 30 }, (_, i) => `oScreen-${backend}-${i}-abcdef`)
      await Promise.all(openids.map((o, i) => scan(relay.url, o, 'k1', i)))
      // A second scan of three of them: no new check-in.
      await Promise.all(openids.slice(0, 3).map((o, i) => scan(relay.url, o, 'k1', 100 + i)))
      await until(() => events.lastCount() === 30, 15_000, 'count 30')
      await until(() => events.numbers().length >= 30, 15_000, '30 check-ins')
      const numbers = events.numbers()
      expect(new Set(numbers).size).toBe(30)
      expect([...numbers].sort((a, b) => a - b)).toEqual(openids.map((_, i) => i + 1))
      // Batched: far fewer messages than check-ins.
      expect(events.events.length).toBeLessThan(30)
      const snap = wallSnapshotSchema.parse(
        await (await get(relay, screenPath('wall', campaign.id, campaign.screenKey))).json(),
      )
      expect(snap.count).toBe(30)
      expect(snap.campaign).toEqual({ id: campaign.id, name: '春季展 签到' })
      expect(snap.recent.map((r) => r.number)).toEqual(Array.from({ length: 30 }, (_, i) => 30 - i))
      expect(snap.recent.every((r) => r.name === null)).toBe(true)

      // Bound to a roster registration: the name shows, on the stream and in the snapshot.
      await relay.store.campaigns.replaceRoster(campaign.id, [
        { id: 'r1', name: '王小明', company: 'ACME', phone: '13800000000', code: 'C1' },
      ])
      const named = 'oScreen-named-visitor'
      await relay.store.campaigns.putBinding(campaign.id, {
        registrationId: 'r1',
        openid: named,
        at: Date.now(),
      })
      await scan(relay.url, named, 'k1', 999)
      await until(() => events.numbers().includes(31), 15_000, 'check-in 31')
      const last = events.events.flatMap((e) => (e.type === 'checkins' ? e.checkins : []))
      expect(last.find((c) => c.number === 31)?.name).toBe('王小明')
      await new Promise((r) => setTimeout(r, 600)) // past the snapshot's reuse window
      const text = await (
        await get(relay, screenPath('wall', campaign.id, campaign.screenKey))
      ).text()
      expect(wallSnapshotSchema.parse(JSON.parse(text)).recent[0]).toMatchObject({
        number: 31,
        name: '王小明',
      })
      // Nothing a screen got names a visitor's openid or the kiosk.
      for (const body of [text, events.raw]) {
        expect(body).not.toMatch(/oScreen/)
        expect(body).not.toContain('k1:')
        expect(body).not.toContain(campaign.screenKey)
      }
    })
  }

  for (const backend of ['sqlite', 'redis'] as const) {
    it(`${backend}: a desk's binding after the check-in names the visitor's tile on open screens`, async () => {
      const relay = await relayOn(placeFor(backend))
      const { campaign } = await screenSetup(relay)
      await relay.store.campaigns.replaceRoster(campaign.id, [
        { id: 'r1', name: '韩梅梅', company: 'ACME', phone: '13900000000', code: 'C1' },
      ])
      const events = await open(relay, campaign.id, campaign.screenKey)
      // A desk: the guest scans their personal code first (the check-in), then the kiosk,
      // which alone knows whose code it was, binds them.
      await scan(relay.url, 'oDesk-guest-a', 'k1', 1)
      await scan(relay.url, 'oDesk-guest-b', 'k1', 2)
      await until(() => events.numbers().length >= 2, 15_000, 'two check-ins')
      const checkins = () => events.events.flatMap((e) => (e.type === 'checkins' ? e.checkins : []))
      expect(checkins().find((c) => c.number === 1)?.name).toBeNull()
      await relay.store.campaigns.putBinding(campaign.id, {
        registrationId: 'r1',
        openid: 'oDesk-guest-a',
        at: Date.now(),
      })
      await until(
        () => checkins().some((c) => c.number === 1 && c.name === '韩梅梅'),
        15_000,
        'check-in 1 named',
      )
      expect(checkins().filter((c) => c.number === 2 && c.name !== null)).toEqual([])
      expect(events.lastCount()).toBe(2)
      expect(events.raw).not.toMatch(/oDesk/)
    })
  }

  it('redis, two instances: scans stored by one reach screens on the other', async () => {
    const place = placeFor('redis')
    const a = await relayOn(place)
    const b = await relayOn(place)
    const { campaign } = await screenSetup(a)
    const onB = await open(b, campaign.id, campaign.screenKey)
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => scan(i % 2 ? a.url : b.url, `oTwo-${i}`, 'k1', i)),
    )
    await until(() => onB.numbers().length >= 20, 15_000, '20 check-ins on B')
    expect(new Set(onB.numbers()).size).toBe(20)
    expect(onB.lastCount()).toBe(20)
  })
})

describe('streams', () => {
  it('a rotated key ends the streams opened with the old one within seconds', async () => {
    const relay = await relayOn(placeFor('sqlite'))
    const { console: c, campaign } = await screenSetup(relay)
    const before = await open(relay, campaign.id, campaign.screenKey)
    expect(before.status).toBe(200)
    const rotated = await c.call('POST', `/console/api/campaigns/${campaign.id}/screen-key`)
    expect(rotated.status, rotated.text).toBe(200)
    await until(() => before.ended, UNDER_LOAD.timeout, 'the old stream to end')
    expect((await get(relay, screenPath('wall', campaign.id, campaign.screenKey))).status).toBe(403)
  })

  it('a key changed by another process (no change on the feed) is caught by the periodic check', async () => {
    const place = placeFor('sqlite')
    const relay = await relayOn(place)
    const { campaign } = await screenSetup(relay)
    const before = await open(relay, campaign.id, campaign.screenKey)
    // As another process would (the CLI): straight into the file, so no change is emitted.
    const db = new Database(join(place.dir, 'relay.sqlite'))
    db.prepare(
      "UPDATE campaigns SET campaign = json_set(campaign, '$.screenKey', ?) WHERE id = ?",
    ).run('n'.repeat(43), campaign.id)
    db.close()
    await until(() => before.ended, UNDER_LOAD.timeout, 'the old stream to end')
  })

  it('one address holds at most 16 streams at once (429 past it) until they close', async () => {
    const relay = await relayOn(placeFor('sqlite'))
    const { console: c, campaign } = await screenSetup(relay)
    expect(SCREEN_RATE.concurrency).toBe(16) // docs/DESIGN.md "Big screens"
    const held: EventReader[] = []
    for (let i = 0; i < SCREEN_RATE.concurrency; i++) {
      held.push(await open(relay, campaign.id, campaign.screenKey))
    }
    expect(held.map((r) => r.status)).toEqual(held.map(() => 200))
    // Open streams count against the address: the next is refused before the campaign's own
    // limit (20) is reached, and a snapshot is refused too while they stay open.
    const over = await open(relay, campaign.id, campaign.screenKey)
    expect(over.status).toBe(429)
    expect(over.raw).toContain('rate_limited')
    const snapshot = await get(relay, screenPath('wall', campaign.id, campaign.screenKey))
    await snapshot.text()
    expect(snapshot.status).toBe(429)

    // A client that goes gives back its place, once: one more opens, the one after does not.
    held[0]?.close()
    const again = await openOnceFreed(relay, campaign.id, campaign.screenKey)
    expect(again.status).toBe(200)
    expect((await open(relay, campaign.id, campaign.screenKey)).status).toBe(429)

    // Streams the relay ends (the key rotated) give back theirs: 16 open again on the new key.
    const rotated = await c.call('POST', `/console/api/campaigns/${campaign.id}/screen-key`)
    const key = consoleCampaignSchema.parse(rotated.json).screenKey
    await until(
      () => held.slice(1).every((r) => r.ended) && again.ended,
      UNDER_LOAD.timeout,
      'ends',
    )
    const after: EventReader[] = []
    for (let i = 0; i < SCREEN_RATE.concurrency; i++) {
      after.push(await open(relay, campaign.id, key))
    }
    expect(after.map((r) => r.status)).toEqual(after.map(() => 200))
    expect((await open(relay, campaign.id, key)).status).toBe(429)
  })

  it('a named heartbeat every heartbeatMs, saying how often, between the check-ins', async () => {
    const place = placeFor('sqlite')
    const relay = await startOn(place, { screens: { heartbeatMs: 100 } })
    cleanups.push(() => relay.close())
    const { campaign } = await screenSetup(relay)
    const r = await open(relay, campaign.id, campaign.screenKey)
    expect(r.status).toBe(200)
    await until(() => (r.named.get('heartbeat') ?? 0) >= 2, UNDER_LOAD.timeout, 'two heartbeats')
    await scan(relay.url, 'oBeatVisitor01xyz')
    await until(() => r.numbers().length === 1, UNDER_LOAD.timeout, 'the check-in')
    await until(
      () => (r.named.get('heartbeat') ?? 0) >= 3,
      UNDER_LOAD.timeout,
      'a heartbeat after it',
    )
    // Every heartbeat is a named message a page can listen for; no comment (EventSource hides
    // those); the data messages keep their shape (EventReader checks each).
    const beats = [...r.raw.matchAll(/event: heartbeat\ndata: (.*)\n\n/g)].map((m) =>
      screenHeartbeatSchema.parse(JSON.parse(m[1] ?? '')),
    )
    expect(beats.length).toBe(r.named.get('heartbeat'))
    for (const b of beats) expect(b.everyMs).toBe(100)
    expect(r.raw).not.toMatch(/^:/m)
    expect(r.events).toEqual([{ type: 'checkins', count: 1, checkins: [expect.anything()] }])
  })

  it('at most maxClientsPerCampaign streams per campaign (503 past it)', async () => {
    const place = placeFor('sqlite')
    const relay = await startOn(place, { screens: { maxClientsPerCampaign: 2 } })
    cleanups.push(() => relay.close())
    const { campaign } = await screenSetup(relay)
    const one = await open(relay, campaign.id, campaign.screenKey)
    const two = await open(relay, campaign.id, campaign.screenKey)
    const three = await open(relay, campaign.id, campaign.screenKey)
    expect([one.status, two.status, three.status]).toEqual([200, 200, 503])
    one.close()
    await until(() => one.ended, UNDER_LOAD.timeout, 'close')
    const again = await openOnceFreed(relay, campaign.id, campaign.screenKey)
    expect(again.status).toBe(200)
  })
})
