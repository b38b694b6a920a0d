// The draw feed (relay/draws/draw-feed.ts) on a relay that runs for months: what it re-reads
// after a resync is the campaigns a draw screen still shows, not every campaign ever shown or
// drawn. Counted in store reads, against a store stand-in.
import { describe, expect, it } from 'vitest'
import { createDrawFeed } from '../../relay/draws/draw-feed'
import type { RelayStore, StoreChange } from '../../relay/store/types'
import type { DrawRecord, ScreenDraw } from '../../shared/screen-api'

const record = (campaignId: string, at: number): DrawRecord => ({
  id: `d-${campaignId}-${at}`,
  campaignId,
  prize: '一等奖',
  at,
  organizer: 'o',
  excludeWinners: true,
  rosterOnly: false,
  eligibleCount: 1,
  eligibleHash: '0'.repeat(64),
  rng: '',
  winners: [{ openid: 'x', number: 1, name: null, replacedAt: null }],
  redraws: [],
})

function standIn() {
  const stored = new Map<string, DrawRecord[]>()
  let emit: (change: StoreChange) => void = () => undefined
  const reads = { list: 0 }
  const store: Pick<RelayStore, 'draws' | 'subscribe'> = {
    draws: {
      list: (campaignId: string) => {
        reads.list++
        return Promise.resolve(stored.get(campaignId) ?? [])
      },
      get: (campaignId: string, drawId: string) =>
        Promise.resolve(stored.get(campaignId)?.find((d) => d.id === drawId) ?? null),
    } as unknown as RelayStore['draws'],
    subscribe: (l) => {
      emit = l
      return () => undefined
    },
  }
  const draw = (campaignId: string, at: number): void => {
    const r = record(campaignId, at)
    stored.set(campaignId, [...(stored.get(campaignId) ?? []), r])
    emit({ type: 'draw', campaignId, drawId: r.id })
  }
  return { store, reads, draw, resync: () => emit({ type: 'resync' }) }
}

const settle = () => new Promise((r) => setTimeout(r, 0))

describe('draw feed keeps only the campaigns screens show', () => {
  it('re-reads after a resync only campaigns not forgotten, and none merely drawn', async () => {
    const s = standIn()
    const feed = createDrawFeed(s.store)
    const heard: Array<[string, ScreenDraw]> = []
    feed.subscribe((c, d) => heard.push([c, d]))
    // 1000 campaigns drawn with no screen open: passed on, not kept.
    for (let i = 0; i < 1000; i++) s.draw(`drawn${i}`, 1000 + i)
    await settle()
    expect(heard).toHaveLength(1000)
    // 1000 campaigns whose draw stage was shown once, then closed (the hub says so).
    for (let i = 0; i < 1000; i++) {
      await feed.latest(`shown${i}`)
      feed.forget(`shown${i}`)
    }
    // One stage still open.
    await feed.latest('open')
    s.reads.list = 0
    s.resync()
    await settle()
    expect(s.reads.list).toBe(1)
  })

  it('a campaign forgotten while its latest draw is read is not taken up by that read', async () => {
    const s = standIn()
    const feed = createDrawFeed(s.store)
    feed.subscribe(() => undefined)
    const reading = feed.latest('closing')
    feed.forget('closing')
    await reading
    s.reads.list = 0
    s.resync()
    await settle()
    expect(s.reads.list).toBe(0)
  })

  it('an open stage hears each draw once, a resync replaying none', async () => {
    const s = standIn()
    const feed = createDrawFeed(s.store)
    const heard: string[] = []
    feed.subscribe((c, d) => heard.push(`${c} ${d.id}`))
    expect(await feed.latest('open')).toBeNull()
    feed.forget('gone') // another campaign's stage closing changes nothing here
    s.draw('open', 5)
    await settle()
    expect(heard).toEqual(['open d-open-5'])
    s.resync()
    await settle()
    expect(heard).toEqual(['open d-open-5'])
  })
})
