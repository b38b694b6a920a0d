// Two organizers press Draw for the same prize at the same moment (docs/DESIGN.md "Draws"):
// each console sends `roundsBefore`, the rounds of that prize it saw. The relay checks it on
// the snapshot its draw is fenced by, so of two draws expecting the same rounds exactly one is
// stored; the other is refused 409 `drawn_meanwhile`, nothing drawn. Without the field, a
// prize is drawn again as before. On both stores.
import { describe, expect, it } from 'vitest'
import { drawAnswerSchema } from '../../shared/screen-api'
import { makeDraw } from '../../relay/draws/draw-service'
import type { DrawStore } from '../../relay/store/draw-types'
import { errorCode } from './console-helpers'
import { createCampaign, relayTestBed, signIn } from './campaign-helpers'
import { checkIn, visitors } from './draws-helpers'
import type { Backend } from './harness'

const bed = relayTestBed()

async function setUp(backend: Backend) {
  const relay = await bed.relayOn(bed.placeFor(backend))
  const c = await signIn(relay)
  const campaign = await createCampaign(c)
  await checkIn(relay.store, campaign.id, visitors(10))
  return { relay, c, campaignId: campaign.id, path: `/console/api/campaigns/${campaign.id}/draws` }
}

/** `real`, whose first `n` snapshots are all taken before any of them is answered. */
function snapshotsTogether(real: DrawStore, n: number): DrawStore {
  let waiting: Array<() => void> = []
  let left = n
  return {
    async snapshot(id) {
      const snap = await real.snapshot(id)
      if (left > 0) {
        left--
        await new Promise<void>((resolve) => {
          waiting.push(resolve)
          if (left === 0) {
            for (const go of waiting) go()
            waiting = []
          }
        })
      }
      return snap
    },
    list: (id) => real.list(id),
    get: (id, drawId) => real.get(id, drawId),
    commit: (record, version) => real.commit(record, version),
  }
}

describe.each<Backend>(['sqlite', 'redis'])('a draw sent with roundsBefore (%s)', (backend) => {
  it('of two expecting the same rounds, both read before either writes: one drawn, one 409', async () => {
    const { relay, campaignId } = await setUp(backend)
    const store = snapshotsTogether(relay.store.draws, 2)
    const rule = { prize: '一等奖', count: 2, excludeWinners: true, rosterOnly: false }
    const outcomes = await Promise.all(
      ['alice', 'bob'].map((organizer) =>
        makeDraw(store, campaignId, { ...rule, roundsBefore: 0 }, { organizer, clock: Date.now }),
      ),
    )
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1)
    expect(outcomes.find((o) => !o.ok)).toMatchObject({ status: 409, code: 'drawn_meanwhile' })
    expect(await relay.store.draws.list(campaignId)).toHaveLength(1)
  })

  it('over HTTP: two at once expecting the first round, exactly one stored', async () => {
    const { relay, c, campaignId, path } = await setUp(backend)
    const body = { prize: '一等奖', count: 1, roundsBefore: 0 }
    const answers = await Promise.all([c.call('POST', path, body), c.call('POST', path, body)])
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409])
    const refused = answers.find((a) => a.status === 409)
    expect(refused && errorCode(refused)).toBe('drawn_meanwhile')
    expect(await relay.store.draws.list(campaignId)).toHaveLength(1)

    // The console that saw that round draws the next one; one still expecting none is refused.
    const next = await c.call('POST', path, { ...body, prize: ' 一等奖 ', roundsBefore: 1 })
    expect(next.status, next.text).toBe(201)
    expect(drawAnswerSchema.parse(next.json).prize).toBe('一等奖')
    const stale = await c.call('POST', path, { ...body, roundsBefore: 1 })
    expect([stale.status, errorCode(stale)]).toEqual([409, 'drawn_meanwhile'])
    // Other prizes are not counted.
    const other = await c.call('POST', path, { ...body, prize: '二等奖', roundsBefore: 0 })
    expect(other.status, other.text).toBe(201)
    expect(await relay.store.draws.list(campaignId)).toHaveLength(3)
  })

  it('without the field draws the prize again, as before; a bad value is 400, nothing drawn', async () => {
    const { relay, c, campaignId, path } = await setUp(backend)
    for (let i = 0; i < 2; i++) {
      const a = await c.call('POST', path, { prize: '一等奖', count: 1 })
      expect(a.status, a.text).toBe(201)
    }
    for (const roundsBefore of [-1, 1.5, '0', null, 1e9]) {
      const a = await c.call('POST', path, { prize: '一等奖', count: 1, roundsBefore })
      expect([a.status, errorCode(a)], String(roundsBefore)).toEqual([400, 'bad_request'])
    }
    expect(await relay.store.draws.list(campaignId)).toHaveLength(2)
  })
})
