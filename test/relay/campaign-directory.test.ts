// The relay's in-memory campaign cache: a known campaign is read from the store once (until a
// change drops it); an unknown id is not remembered, since the console's `?campaign=` can ask
// for any number of them.
import { describe, expect, it } from 'vitest'
import { CampaignDirectory } from '../../relay/campaign-directory'
import type { CampaignRecord } from '../../relay/store/campaign-types'
import type { RelayStore, StoreChange } from '../../relay/store/types'

function directory() {
  const reads: string[] = []
  let listener: (c: StoreChange) => void = () => undefined
  const known = { campaign: { id: 'c1' }, version: 1, updatedAt: 0 } as unknown as CampaignRecord
  const store = {
    subscribe: (l: (c: StoreChange) => void) => {
      listener = l
      return () => undefined
    },
    campaigns: {
      getCampaign: (id: string) => {
        reads.push(id)
        return Promise.resolve(id === 'c1' ? known : null)
      },
    },
  } as unknown as RelayStore
  return {
    dir: new CampaignDirectory(store, Date.now),
    reads,
    change: (c: StoreChange) => listener(c),
  }
}

describe('CampaignDirectory', () => {
  it('reads a known campaign once until a change drops it', async () => {
    const { dir, reads, change } = directory()
    expect((await dir.campaign('c1'))?.campaign.id).toBe('c1')
    expect((await dir.campaign('c1'))?.campaign.id).toBe('c1')
    expect(reads).toEqual(['c1'])
    change({ type: 'campaign', campaignId: 'c1' })
    await dir.campaign('c1')
    expect(reads).toEqual(['c1', 'c1'])
  })

  it('does not remember an id with no campaign', async () => {
    const { dir, reads } = directory()
    for (let i = 0; i < 3; i++) expect(await dir.campaign('c-nope')).toBeNull()
    expect(reads).toEqual(['c-nope', 'c-nope', 'c-nope'])
  })

  it('a failed assignment read does not forget a newer read that replaced it', async () => {
    let listener: (c: StoreChange) => void = () => undefined
    const pending: { resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = []
    const later = <T>(): Promise<T> =>
      new Promise<T>((resolve, reject) =>
        pending.push({ resolve: resolve as (v: unknown) => void, reject }),
      )
    const store = {
      subscribe: (l: (c: StoreChange) => void) => {
        listener = l
        return () => undefined
      },
      console: { kioskMeta: () => later() },
      campaigns: { assignmentVersion: () => Promise.resolve(3) },
    } as unknown as RelayStore
    const dir = new CampaignDirectory(store, Date.now)
    const first = dir.assignmentOf('k1')
    // An organizer reassigns the booth while the first read is out: the cache drops it and the
    // next caller reads again.
    listener({ type: 'campaign', campaignId: 'c1', kioskId: 'k1' })
    const second = dir.assignmentOf('k1')
    expect(pending).toHaveLength(2)
    pending[1]?.resolve(new Map([['k1', { campaignId: 'c1' }]]))
    expect(await second).toEqual({ campaignId: 'c1', version: 3 })
    pending[0]?.reject(new Error('store down'))
    await expect(first).rejects.toThrow('store down')
    // The newer answer stays cached: no third read.
    const third = dir.assignmentOf('k1')
    expect(pending).toHaveLength(2)
    expect(await third).toEqual({ campaignId: 'c1', version: 3 })
  })
})
