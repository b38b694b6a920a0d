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
})
