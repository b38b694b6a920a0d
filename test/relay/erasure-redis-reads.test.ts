// The console's reads on Redis apply erased visitors' seqs after their rows are read, asking
// only the kiosks the erased-kiosks marker names (relay/store/redis/attendance.ts
// pseudonymsOf): an erasure finishing while an export runs hides the openid in the pages read
// after it, and a store whose erasures were made before the marker was kept builds it at open.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { Redis } from 'ioredis'
import { redisKeys } from '../../relay/store/redis/keys'
import { openRedisStore } from '../../relay/store/redis/store'
import type { RelayStore } from '../../relay/store/types'
import { startRedis, type TestRedis } from '../helpers/redis'
import { campaignBody } from './campaign-helpers'
import { checkIn } from './draws-helpers'

let redis: TestRedis
let n = 0
beforeAll(async () => {
  redis = await startRedis()
}, 60_000)
afterAll(() => redis?.stop())

async function withStore(run: (store: RelayStore, prefix: string) => Promise<void>) {
  const prefix = `reads${++n}:`
  const store = await openRedisStore({ url: redis.url, prefix })
  try {
    await store.campaigns.createCampaign(
      { ...campaignBody(), id: 'expo', screenKey: 'k'.repeat(43) },
      Date.now(),
    )
    await checkIn(store, 'expo', ['o-a', 'o-b', 'o-c', 'o-d'])
    await run(store, prefix)
  } finally {
    await store.close()
  }
}

const erase = (store: RelayStore, openid: string) =>
  store.erasures.erase({
    campaignId: 'expo',
    openid,
    by: 'alice',
    at: Date.now(),
    pseudonym: `erased:${openid}`,
  })

describe('console reads of erased visitors on Redis', () => {
  it('an export already running hides a visitor erased before their page is read', async () => {
    await withStore(async (store) => {
      const scope = { kioskIds: null }
      const pages: string[] = []
      let erased = false
      // One row a page: the first is handed over, then the visitor of the fourth is erased.
      for await (const page of store.attendance.rows(scope, 1)) {
        pages.push(...page.map((r) => r.openid))
        if (!erased) {
          expect(await erase(store, 'o-d')).not.toBeNull()
          erased = true
        }
      }
      expect(pages).toEqual(['o-a', 'o-b', 'o-c', 'erased:o-d'])
    })
  })

  it('a page read after an erasure shows the pseudonym, and nothing else changes', async () => {
    await withStore(async (store) => {
      const q = { kioskIds: null, search: '', offset: 0, limit: 10 }
      const before = (await store.attendance.page(q)).rows.map((r) => r.openid)
      expect(before).toEqual(['o-a', 'o-b', 'o-c', 'o-d'])
      await erase(store, 'o-b')
      const after = (await store.attendance.page(q)).rows.map((r) => r.openid)
      expect(after).toEqual(['o-a', 'erased:o-b', 'o-c', 'o-d'])
      expect((await store.readEvents('k-draw', 0, 10)).map((e) => e.openid)).toEqual(after)
    })
  })

  it('a store erased at before the marker was kept builds it when it opens', async () => {
    await withStore(async (store, prefix) => {
      await erase(store, 'o-c')
      // As a store from before the marker: erased seqs, no marker.
      const client = new Redis(redis.url)
      try {
        await client.del(redisKeys(prefix).erasedKiosks)
      } finally {
        client.disconnect()
      }
      const reopened = await openRedisStore({ url: redis.url, prefix })
      try {
        const q = { kioskIds: null, search: '', offset: 0, limit: 10 }
        const rows = (await reopened.attendance.page(q)).rows.map((r) => r.openid)
        expect(rows).toEqual(['o-a', 'o-b', 'erased:o-c', 'o-d'])
      } finally {
        await reopened.close()
      }
    })
  })

  it('what an older relay left of an erasure it finished goes when a store opens', async () => {
    await withStore(async (store, prefix) => {
      const keys = redisKeys(prefix)
      const client = new Redis(redis.url)
      try {
        // An erasure an upgraded relay began and an older one finished: its step 4 removed the
        // pending record only. Beside it, one under way (both kept; begun after the store
        // opens, so left to its call) and an older relay's own pending record (only logged).
        const later = Date.now() + 3_600_000
        const who = (openid: string) => JSON.stringify({ openid, by: 'alice', at: later })
        await client.hset(keys.campaignErasingWho('expo'), {
          ['a'.repeat(64)]: who('o-a'),
          ['b'.repeat(64)]: who('o-b'),
        })
        await client.hset(keys.campaignErasing('expo'), {
          ['b'.repeat(64)]: 'erased:b',
          ['c'.repeat(64)]: 'erased:c',
        })
        const reopened = await openRedisStore({ url: redis.url, prefix })
        await reopened.close()
        expect(Object.keys(await client.hgetall(keys.campaignErasingWho('expo')))).toEqual([
          'b'.repeat(64),
        ])
      } finally {
        client.disconnect()
      }
    })
  })

  it('a kiosk an older relay instance erased at is marked by the slow round', async () => {
    // The slow round's timer only is faked: the store's Redis traffic runs as it would.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    try {
      await withStore(async (store, prefix) => {
        await erase(store, 'o-c')
        // As an instance from before the marker, still running beside this one, would leave
        // it: erased seqs at k-draw, the marker built but without k-draw.
        const client = new Redis(redis.url)
        try {
          await client.hdel(redisKeys(prefix).erasedKiosks, 'k-draw')
        } finally {
          client.disconnect()
        }
        const q = { kioskIds: null, search: '', offset: 0, limit: 10 }
        const openids = async () => (await store.attendance.page(q)).rows.map((r) => r.openid)
        expect(await openids()).toEqual(['o-a', 'o-b', 'o-c', 'o-d'])
        vi.advanceTimersByTime(10 * 60_000)
        await expect.poll(openids).toEqual(['o-a', 'o-b', 'erased:o-c', 'o-d'])
      })
    } finally {
      vi.useRealTimers()
    }
  })
})
