// Lucky draws on two relay instances sharing one Redis: organizers drawing at once on both
// never get the same winner twice (the per-campaign fence serialises them), and each instance's
// draw feed hears of every stored draw and redraw, whichever instance made it, without openids.
// On SQLite (one instance) the feed hears its own draws.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster'
import { createDrawFeed } from '../../relay/draws/draw-feed'
import {
  drawAnswerSchema,
  drawRecordSchema,
  screenDrawSchema,
  type ScreenDraw,
} from '../../shared/screen-api'
import { ConsoleClient, newPlace } from './console-helpers'
import { createCampaign, relayTestBed, signIn } from './campaign-helpers'
import { checkIn, rosterWith, visitors } from './draws-helpers'
import type { Redis } from 'ioredis'
import type { Backend } from './harness'
import type { StoreChange } from '../../relay/store/types'

const bed = relayTestBed()

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('draws across instances', () => {
  it('two instances on one Redis: 20 concurrent draws of 2 among 40 share no winner', async () => {
    const place = bed.placeFor('redis')
    const a = await bed.relayOn(place)
    const b = await bed.relayOn(place)
    const ca = await signIn(a)
    const cb = new ConsoleClient(b.url)
    cb.cookie = ca.cookie
    const campaign = await createCampaign(ca)
    const people = visitors(40)
    await checkIn(a.store, campaign.id, people)

    const heard: Array<{ on: string; campaignId: string; draw: ScreenDraw }> = []
    for (const [name, relay] of [
      ['a', a],
      ['b', b],
    ] as const) {
      const feed = createDrawFeed(relay.store)
      const off = feed.subscribe((campaignId, draw) => heard.push({ on: name, campaignId, draw }))
      bed.cleanups.push(off)
    }

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? ca : cb).call('POST', `/console/api/campaigns/${campaign.id}/draws`, {
          prize: `奖 ${i}`,
          count: 2,
        }),
      ),
    )
    expect(answers.map((x) => x.status)).toEqual(answers.map(() => 201))
    const records = answers.map((x) => drawRecordSchema.parse(x.json))
    const won = records.flatMap((r) => r.winners.map((w) => w.openid))
    expect(won.sort()).toEqual([...people].sort())

    // Both instances' feeds play every draw, as stored.
    await until('both feeds to hear 20 draws', () => heard.length >= 40)
    for (const on of ['a', 'b']) {
      const ids = heard.filter((h) => h.on === on).map((h) => h.draw.id)
      expect(new Set(ids)).toEqual(new Set(records.map((r) => r.id)))
    }
    for (const h of heard) {
      expect(h.campaignId).toBe(campaign.id)
      expect(screenDrawSchema.strict().parse(h.draw)).toEqual(h.draw)
      expect(JSON.stringify(h.draw)).not.toMatch(/"o\d{4}"/)
      const r = records.find((x) => x.id === h.draw.id)
      expect(h.draw.winners).toEqual(r?.winners.map((w) => ({ number: w.number, name: w.name })))
    }
  })
})

describe.each<Backend>(['sqlite', 'redis'])('draw feed (%s)', (backend) => {
  it('gives the newest draw, and a redraw with the replaced winner gone', async () => {
    const relay = await bed.relayOn(bed.placeFor(backend))
    const c = await signIn(relay)
    const campaign = await createCampaign(c)
    await checkIn(relay.store, campaign.id, visitors(5))
    const feed = createDrawFeed(relay.store)
    expect(await feed.latest(campaign.id)).toBeNull()
    const heard: ScreenDraw[] = []
    bed.cleanups.push(feed.subscribe((_c, d) => heard.push(d)))

    const made = await c.call('POST', `/console/api/campaigns/${campaign.id}/draws`, {
      prize: '一等奖',
      count: 2,
    })
    const d = drawAnswerSchema.parse(made.json)
    await until('the draw on the feed', () => heard.length === 1)
    expect(heard[0]).toMatchObject({ id: d.id, prize: '一等奖', eligibleCount: 5 })
    expect(await feed.latest(campaign.id)).toEqual(heard[0])

    const [gone, stays] = d.winners
    const again = await c.call(
      'POST',
      `/console/api/campaigns/${campaign.id}/draws/${d.id}/redraw`,
      { openid: gone?.openid },
    )
    expect(again.status).toBe(200)
    const r = drawAnswerSchema.parse(again.json)
    await until('the redraw on the feed', () => heard.length === 2)
    const shown = heard[1]
    expect(shown?.id).toBe(d.id)
    // As the console lists them: the new winner in the place of the one replaced.
    expect(shown?.winners).toHaveLength(2)
    expect(shown?.winners[0]?.number).toBe(r.winners[0]?.number)
    expect(shown?.winners[1]).toEqual({ number: stays?.number, name: null })
    expect(shown?.winners.map((w) => w.number)).not.toContain(gone?.number)
    expect(await feed.latest(campaign.id)).toEqual(shown)
  })
})

describe('on a Redis Cluster', () => {
  let cluster: TestRedisCluster
  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 })
  }, 60_000)
  afterAll(() => cluster?.stop())

  it('two instances: concurrent draws share no winner (the campaign keys in one slot)', async () => {
    const place = newPlace('redis', cluster.url)
    bed.cleanups.push(() => place.remove())
    const a = await bed.relayOn(place)
    const b = await bed.relayOn(place)
    const ca = await signIn(a)
    const cb = new ConsoleClient(b.url)
    cb.cookie = ca.cookie
    const campaign = await createCampaign(ca)
    const people = visitors(12)
    await checkIn(a.store, campaign.id, people)
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 === 0 ? ca : cb).call('POST', `/console/api/campaigns/${campaign.id}/draws`, {
          prize: 'x',
          count: 2,
        }),
      ),
    )
    expect(answers.map((x) => x.status)).toEqual(answers.map(() => 201))
    const won = answers.flatMap((x) => drawRecordSchema.parse(x.json).winners.map((w) => w.openid))
    expect(won.sort()).toEqual([...people].sort())
    expect(await b.store.draws.list(campaign.id)).toHaveLength(6)
  }, 60_000)
})

describe('draw feed after a resync', () => {
  it('passes on the newest draw it missed, once, and nothing when it missed none', async () => {
    const relay = await bed.relayOn(bed.placeFor('sqlite'))
    const c = await signIn(relay)
    const campaign = await createCampaign(c)
    await checkIn(relay.store, campaign.id, visitors(6))
    // The store's feed as the feed sees it: changes pass only while `connected`.
    let connected = true
    const hook: { emit?: (change: StoreChange) => void } = {}
    const feed = createDrawFeed({
      draws: relay.store.draws,
      subscribe: (l) => {
        hook.emit = l
        return relay.store.subscribe((change) => {
          if (connected) l(change)
        })
      },
    })
    const heard: ScreenDraw[] = []
    bed.cleanups.push(feed.subscribe((_c, d) => heard.push(d)))
    expect(await feed.latest(campaign.id)).toBeNull()
    connected = false
    const made = await c.call('POST', `/console/api/campaigns/${campaign.id}/draws`, {
      prize: '二等奖',
      count: 1,
    })
    const missed = drawAnswerSchema.parse(made.json)
    connected = true
    expect(heard).toEqual([])
    hook.emit?.({ type: 'resync' })
    await until('the missed draw', () => heard.length === 1)
    expect(heard[0]?.id).toBe(missed.id)
    hook.emit?.({ type: 'resync' })
    await new Promise((r) => setTimeout(r, 200))
    expect(heard).toHaveLength(1)
  })
})

describe('a redraw of an earlier draw', () => {
  it('is what screens show last: on load, and caught up after a resync that missed it', async () => {
    const relay = await bed.relayOn(bed.placeFor('sqlite'))
    const c = await signIn(relay)
    const campaign = await createCampaign(c)
    await checkIn(relay.store, campaign.id, visitors(8))
    let connected = true
    const hook: { emit?: (change: StoreChange) => void } = {}
    const feed = createDrawFeed({
      draws: relay.store.draws,
      subscribe: (l) => {
        hook.emit = l
        return relay.store.subscribe((change) => {
          if (connected) l(change)
        })
      },
    })
    const heard: ScreenDraw[] = []
    bed.cleanups.push(feed.subscribe((_c, d) => heard.push(d)))
    const draw = async (prize: string) => {
      const made = await c.call('POST', `/console/api/campaigns/${campaign.id}/draws`, {
        prize,
        count: 1,
      })
      expect(made.status, made.text).toBe(201)
      return drawAnswerSchema.parse(made.json)
    }
    const first = await draw('一等奖')
    await new Promise((r) => setTimeout(r, 5)) // the second draw's time is later
    await draw('二等奖')
    await until('both draws on the feed', () => heard.length === 2)
    expect((await feed.latest(campaign.id))?.prize).toBe('二等奖')

    // The first prize's winner did not come forward; the feed misses the redraw.
    connected = false
    const again = await c.call(
      'POST',
      `/console/api/campaigns/${campaign.id}/draws/${first.id}/redraw`,
      { openid: first.winners[0]?.openid },
    )
    expect(again.status, again.text).toBe(200)
    const redone = drawAnswerSchema.parse(again.json)
    connected = true
    hook.emit?.({ type: 'resync' })
    await until('the missed redraw', () => heard.length === 3)
    expect(heard[2]).toMatchObject({ id: first.id, prize: '一等奖' })
    expect(heard[2]?.winners.map((w) => w.number)).toEqual(redone.winners.map((w) => w.number))
    // A screen opened now shows that redraw, the last thing played, not the second prize.
    expect(await feed.latest(campaign.id)).toEqual(heard[2])
  })
})

describe.each<Backend>(['sqlite', 'redis'])('a draw whose announcement fails (%s)', (backend) => {
  it('is answered as stored, and screens on every instance still hear of it', async () => {
    const place = bed.placeFor(backend)
    const a = await bed.relayOn(place)
    // On Redis a second instance, which hears of draws only through the store.
    const b = backend === 'redis' ? await bed.relayOn(place) : a
    const c = await signIn(a)
    const campaign = await createCampaign(c)
    await checkIn(a.store, campaign.id, visitors(4))
    const heard: Array<{ on: string; draw: ScreenDraw }> = []
    for (const [on, relay] of [
      ['a', a],
      ['b', b],
    ] as const) {
      const feed = createDrawFeed(relay.store, undefined, { pollMs: 50 })
      bed.cleanups.push(feed.subscribe((_c, draw) => heard.push({ on, draw })))
      expect(await feed.latest(campaign.id)).toBeNull() // a screen shows the campaign
    }
    // The publish fails after the record is stored (Redis), a listener throws (SQLite).
    const publish = vi.spyOn(a.store, 'announce').mockRejectedValue(new Error('publish lost'))
    bed.cleanups.push(() => publish.mockRestore())
    bed.cleanups.push(
      a.store.subscribe(() => {
        throw new Error('a listener fails')
      }),
    )

    const made = await c.call('POST', `/console/api/campaigns/${campaign.id}/draws`, {
      prize: '一等奖',
      count: 1,
    })
    expect(made.status, made.text).toBe(201)
    const d = drawAnswerSchema.parse(made.json)
    expect((await b.store.draws.list(campaign.id)).map((r) => r.id)).toEqual([d.id])
    await until('both instances to hear the draw', () =>
      ['a', 'b'].every((on) => heard.some((h) => h.on === on)),
    )
    // Once each: heard locally and re-read by later polls, it is not played twice.
    const reads = [a, b].map((relay) => vi.spyOn(relay.store.draws, 'list'))
    await until('two more polls on each instance', () =>
      reads.every((r) => r.mock.calls.length >= 2),
    )
    for (const on of ['a', 'b']) {
      const mine = heard.filter((h) => h.on === on)
      expect(mine.map((h) => h.draw.id)).toEqual([d.id])
    }
  })
})

describe('a Redis draw snapshot', () => {
  it('reads the roster names at the same instant as the rest, not after a later upload', async () => {
    const relay = await bed.relayOn(bed.placeFor('redis'))
    const c = await signIn(relay)
    const campaign = await createCampaign(c)
    const people = visitors(3)
    await checkIn(relay.store, campaign.id, people)
    await rosterWith(relay.store, campaign.id, people)
    // A roster upload (other registration ids) lands just after the snapshot's MULTI answers.
    const client = (relay.store.draws as unknown as { redis: Redis }).redis
    const multi = client.multi.bind(client)
    // Only the snapshot's MULTI: the upload itself writes its batches in MULTIs too.
    const spy = vi.spyOn(client, 'multi').mockImplementationOnce(() => {
      const m = multi()
      const exec = m.exec.bind(m)
      m.exec = async () => {
        const reply = await exec()
        await relay.store.campaigns.replaceRoster(campaign.id, [
          { id: 'new', name: '新名单', company: '', phone: '', code: '' },
        ])
        return reply
      }
      return m
    })
    bed.cleanups.push(() => spy.mockRestore())

    const snap = await relay.store.draws.snapshot(campaign.id)
    expect(spy).toHaveBeenCalled()
    expect(snap?.visitors).toHaveLength(3)
    expect(new Map(snap?.names)).toEqual(new Map(people.map((o, i) => [o, `姓名${i}`])))
  })
})
