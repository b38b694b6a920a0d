// Visitor erasure reaches the kiosks (docs/DESIGN.md "Visitor erasure (added after v2)"), on
// both stores: the relay keeps each erasure's tombstone (a hash of the campaign and openid, never the openid),
// sends every tombstone of the kiosk's campaign after the welcome and each new one live, never
// to a kiosk of another campaign; a desk binding the kiosk made before the erasure (its outbox
// sent at the welcome, before it reads the tombstones) does not bind the visitor again.
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { describe, expect, it, vi } from 'vitest'
import { erasureAnswerSchema } from '../../shared/console-api'
import type { ErasureFrame, RelayFrame } from '../../shared/relay-protocol'
import { visitorTombstone } from '../../shared/server/visitor-tombstone'
import { storeChangeSchema } from '../../relay/store/redis/codec'
import { RedisErasures } from '../../relay/store/redis/erasures'
import { redisKeys } from '../../relay/store/redis/keys'
import { silentLogger, type Logger } from '../../relay/log'
import { assign, createCampaign, relayTestBed, signIn } from './campaign-helpers'
import type { ConsoleClient } from './console-helpers'
import { rosterWith } from './draws-helpers'
import { KioskClient, postPush, scanXml, type Backend } from './harness'

const { cleanups, placeFor, relayOn, k1InCampaign } = relayTestBed()

async function kiosk(url: string, token: string, kioskId = 'k1'): Promise<KioskClient> {
  const k = await KioskClient.hello(url, token, { kioskId })
  cleanups.push(() => k.close())
  return k
}

async function erase(c: ConsoleClient, campaignId: string, openid: string): Promise<number> {
  const a = await c.call('POST', `/console/api/campaigns/${campaignId}/erasures`, { openid })
  expect(a.status, a.text).toBe(200)
  return erasureAnswerSchema.parse(a.json).at
}

const erasures = (frames: RelayFrame[]): ErasureFrame[] =>
  frames.filter((f): f is ErasureFrame => f.type === 'erasure')

describe.each<Backend>(['sqlite', 'redis'])('erasure frames (%s)', (backend) => {
  it('sends a new erasure live, and every tombstone after the next welcome', async () => {
    const { relay, token, c, made } = await k1InCampaign(backend)
    for (const o of ['o-ann', 'o-bob']) {
      expect((await postPush(relay.url, scanXml(o, `k1:n-${o}`))).status).toBe(200)
    }
    const first = await kiosk(relay.url, token)
    await first.waitForScans(2)
    expect(erasures(first.frames)).toEqual([]) // nobody erased yet: no frame at all

    const at = await erase(c, made.id, 'o-ann')
    await first.waitFor((f) => f.type === 'erasure')
    const ann = { visitor: visitorTombstone(made.id, 'o-ann'), at }
    expect(erasures(first.frames)).toEqual([
      { type: 'erasure', campaignId: made.id, visitors: [ann] },
    ])
    // The frame names no openid.
    expect(JSON.stringify(erasures(first.frames))).not.toContain('o-ann')
    await first.close()

    // Erased again (nothing left to erase) and another visitor: one tombstone each, the
    // latest erasure's time, after the welcome.
    const again = await erase(c, made.id, 'o-ann')
    const bobAt = await erase(c, made.id, 'o-bob')
    const tombstones = await relay.store.erasures.tombstones(made.id)
    expect(tombstones).toEqual([
      { visitor: visitorTombstone(made.id, 'o-ann'), at: again },
      { visitor: visitorTombstone(made.id, 'o-bob'), at: bobAt },
    ])
    const second = await kiosk(relay.url, token)
    await second.waitFor((f) => f.type === 'erasure')
    expect(erasures(second.frames)).toEqual([
      { type: 'erasure', campaignId: made.id, visitors: tombstones },
    ])
    expect(second.frames[0]?.type).toBe('welcome')
    // The audit still says who and when only.
    const audit = await c.call('GET', `/console/api/campaigns/${made.id}/erasures`)
    expect(audit.text).not.toContain(visitorTombstone(made.id, 'o-ann'))
  })

  it('tells a kiosk of another campaign nothing', async () => {
    const { relay, token, c } = await k1InCampaign(backend)
    const other = await createCampaign(c, { name: '秋季展' })
    const k = await kiosk(relay.url, token)
    await k.waitFor((f) => f.type === 'campaign')
    await erase(c, other.id, 'o-ann')
    // A scan after it is the marker: frames come in order.
    expect((await postPush(relay.url, scanXml('o-cat', 'k1:n-cat'))).status).toBe(200)
    await k.waitForScans(1)
    expect(erasures(k.frames)).toEqual([])
  })

  it('drops a desk binding made before the erasure, keeps one made after it', async () => {
    const { relay, token, c, made } = await k1InCampaign(backend)
    await rosterWith(relay.store, made.id, ['o-x', 'o-y'])
    const at = await erase(c, made.id, 'o-ann')
    const k = await kiosk(relay.url, token)
    await k.waitFor((f) => f.type === 'campaign')
    // The kiosk's outbox, sent at the welcome: bound offline before the erasure, and (the
    // visitor came back to the desk) after it.
    k.send({ type: 'bind', campaignId: made.id, registrationId: 'r0', openid: 'o-ann', at: at - 1 })
    await k.waitFor((f) => f.type === 'bind-ack')
    let bindings = await relay.store.campaigns.bindings(made.id)
    expect(bindings.find((b) => b.registrationId === 'r0')?.openid).toBe('o-x')
    k.send({ type: 'bind', campaignId: made.id, registrationId: 'r1', openid: 'o-ann', at: at + 1 })
    await k.waitFor((f) => f.type === 'bind-ack', 2)
    bindings = await relay.store.campaigns.bindings(made.id)
    expect(bindings.find((b) => b.registrationId === 'r1')?.openid).toBe('o-ann')
  })

  it('logs the dropped bind of an erased visitor as that at a booth that left the campaign', async () => {
    const lines: string[] = []
    const log: Logger = {
      ...silentLogger,
      info: (msg) => lines.push(msg),
      warn: (msg) => lines.push(msg),
    }
    const place = placeFor(backend)
    const relay = await relayOn(place, {}, { log })
    const token = await relay.addKiosk('k1')
    const c = await signIn(relay)
    const made = await createCampaign(c)
    await assign(c, 'k1', made.id)
    await rosterWith(relay.store, made.id, ['o-x'])
    // Ann scans at the booth; the booth moves on; then Ann is erased from the first campaign.
    expect((await postPush(relay.url, scanXml('o-ann', 'k1:n-ann'))).status).toBe(200)
    const first = await kiosk(relay.url, token)
    await first.waitForScans(1)
    await first.close()
    const other = await createCampaign(c, { name: '秋季展' })
    await assign(c, 'k1', other.id)
    const at = await erase(c, made.id, 'o-ann')
    const k = await kiosk(relay.url, token)
    await k.waitFor((f) => f.type === 'campaign')
    // The desk check-in the booth made before the erasure, sent from its outbox.
    k.send({ type: 'bind', campaignId: made.id, registrationId: 'r0', openid: 'o-ann', at: at - 1 })
    await k.waitFor((f) => f.type === 'bind-ack')
    expect(lines).toContain('bind of an erased visitor dropped')
    expect(lines).not.toContain('bind for another campaign dropped')
    const bindings = await relay.store.campaigns.bindings(made.id)
    expect(bindings.find((b) => b.registrationId === 'r0')?.openid).toBe('o-x')
    // A bind for a campaign the booth never scanned anyone in is still that, and on Redis the
    // look-up of its erasures writes nothing for a campaign id the kiosk made up.
    k.send({ type: 'bind', campaignId: 'made-up', registrationId: 'r0', openid: 'o-bob', at })
    await k.waitFor((f) => f.type === 'bind-ack', 2)
    expect(lines).toContain('bind for another campaign dropped')
    if (place.redisUrl !== null) {
      const redis = new Redis(place.redisUrl)
      cleanups.push(async () => {
        await redis.quit()
      })
      expect(await redis.keys(`*made-up*`)).toEqual([])
    }
  })

  it('checks a bind against the visitor’s own erasures, among many, without reading them all', async () => {
    const { relay, token, c, made } = await k1InCampaign(backend)
    await rosterWith(relay.store, made.id, ['o-x', 'o-y', 'o-z'])
    const at = await erase(c, made.id, 'o-ann')
    // Many other visitors erased after, some later than the binds below.
    for (let i = 0; i < 60; i++) {
      await relay.store.erasures.erase({
        campaignId: made.id,
        openid: `o-other-${i}`,
        by: 'test',
        at: at + 10 + i,
        pseudonym: `erased:${randomUUID()}`,
      })
    }
    const k = await kiosk(relay.url, token)
    await k.waitFor((f) => f.type === 'erasure')
    const tombstones = vi.spyOn(relay.store.erasures, 'tombstones')
    k.send({ type: 'bind', campaignId: made.id, registrationId: 'r0', openid: 'o-ann', at: at - 1 })
    k.send({ type: 'bind', campaignId: made.id, registrationId: 'r1', openid: 'o-ann', at: at + 1 })
    // Not erased (an erasure of others at a later time says nothing of them).
    k.send({ type: 'bind', campaignId: made.id, registrationId: 'r2', openid: 'o-cat', at: at + 1 })
    await k.waitFor((f) => f.type === 'bind-ack', 3)
    const bindings = await relay.store.campaigns.bindings(made.id)
    expect(bindings.find((b) => b.registrationId === 'r0')?.openid).toBe('o-x')
    expect(bindings.find((b) => b.registrationId === 'r1')?.openid).toBe('o-ann')
    expect(bindings.find((b) => b.registrationId === 'r2')?.openid).toBe('o-cat')
    expect(tombstones).not.toHaveBeenCalled()
    expect(await relay.store.erasures.erasedAt(made.id, visitorTombstone(made.id, 'o-ann'))).toBe(
      at,
    )
    expect(
      await relay.store.erasures.erasedAt(made.id, visitorTombstone(made.id, 'o-other-59')),
    ).toBe(at + 69)
    expect(await relay.store.erasures.erasedAt(made.id, visitorTombstone(made.id, 'o-cat'))).toBe(
      null,
    )
  })
})

describe('Redis erasedAt with audit lines from before its hash', () => {
  it('builds the hash from the audit lines once, leaving out bad ones', async () => {
    const place = placeFor('redis')
    const relay = await relayOn(place)
    const c = await signIn(relay)
    const made = await createCampaign(c)
    if (place.redisUrl === null) throw new Error('no Redis')
    const redis = new Redis(place.redisUrl)
    cleanups.push(async () => {
      await redis.quit()
    })
    const list = `{${place.prefix}c:${made.id}}:erasures`
    const ann = visitorTombstone(made.id, 'o-ann')
    const bob = visitorTombstone(made.id, 'o-bob')
    // Oldest first (LPUSH): written by a relay that kept no hash; a line before tombstones,
    // a bad one, and Ann erased twice.
    await redis.lpush(
      list,
      JSON.stringify({ by: 'a', at: 1000 }),
      JSON.stringify({ by: 'a', at: 1500, visitor: ann }),
      JSON.stringify({ by: 'a', at: 1600, visitor: 'NOT-A-HASH' }),
      'not json',
      JSON.stringify({ by: 'a', at: 2000, visitor: ann }),
      JSON.stringify({ by: 'a', at: 1700, visitor: bob }),
    )
    expect(await relay.store.erasures.erasedAt(made.id, ann)).toBe(2000)
    expect(await relay.store.erasures.erasedAt(made.id, bob)).toBe(1700)
    expect(await relay.store.erasures.erasedAt(made.id, 'NOT-A-HASH')).toBe(null)
    // A new erasure keeps the hash in step.
    const at = await erase(c, made.id, 'o-bob')
    expect(await relay.store.erasures.erasedAt(made.id, bob)).toBe(at)
  })

  it('skips an audit line with a bad tombstone (logged once) rather than failing the read', async () => {
    const place = placeFor('redis')
    if (place.redisUrl === null) throw new Error('no Redis')
    const redis = new Redis(place.redisUrl)
    cleanups.push(async () => {
      await redis.quit()
    })
    const warned: Array<Record<string, string | number>> = []
    const erasures = new RedisErasures(
      redis,
      redisKeys(place.prefix),
      () => Promise.resolve(),
      true,
      (_message, fields) => warned.push(fields),
    )
    const ann = visitorTombstone('c1', 'o-ann')
    await redis.lpush(
      `{${place.prefix}c:c1}:erasures`,
      JSON.stringify({ by: 'a', at: 1000, visitor: ann }),
      JSON.stringify({ by: 'a', at: 1100, visitor: 'o-bob' }),
      JSON.stringify({ by: 'a', at: 1200, visitor: ann.toUpperCase() }),
      JSON.stringify({ by: 'a', at: -5, visitor: visitorTombstone('c1', 'o-cat') }),
      'not json',
    )
    expect(await erasures.tombstones('c1')).toEqual([{ visitor: ann, at: 1000 }])
    expect(await erasures.tombstones('c1')).toEqual([{ visitor: ann, at: 1000 }])
    expect(warned).toEqual([{ campaignId: 'c1', lines: 4 }])
  })
})

describe('the store change of an erasure', () => {
  it('drops a bad tombstone or time, keeping the change (the hub then reads them again)', () => {
    const visitor = visitorTombstone('c1', 'o-ann')
    const good = { type: 'erasure', campaignId: 'c1', visitor, at: 1000 }
    expect(storeChangeSchema.parse(good)).toEqual(good)
    for (const bad of [{ visitor: 'o-ann' }, { visitor: visitor.toUpperCase() }, { at: 1.5 }]) {
      const change = storeChangeSchema.parse({ ...good, ...bad })
      expect(change.type).toBe('erasure')
      if (change.type !== 'erasure') continue
      expect(change.campaignId).toBe('c1')
      expect(change.visitor === undefined || change.at === undefined).toBe(true)
    }
  })
})

describe('erasure frames across two relay instances on one Redis', () => {
  it('an erasure made on instance B reaches a kiosk on instance A', async () => {
    const place = placeFor('redis')
    const a = await relayOn(place)
    const b = await relayOn(place)
    const token = await a.addKiosk('k1')
    const cb = await signIn(b)
    const made = await createCampaign(cb)
    await assign(cb, 'k1', made.id)
    const k = await kiosk(a.url, token)
    await k.waitFor((f) => f.type === 'campaign')
    const at = await erase(cb, made.id, 'o-ann')
    await k.waitFor((f) => f.type === 'erasure')
    expect(erasures(k.frames)[0]?.visitors).toEqual([
      { visitor: visitorTombstone(made.id, 'o-ann'), at },
    ])
  })
})
