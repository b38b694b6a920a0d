// The console list's roster names (relay/attendance/row-names.ts): a campaign's roster is read
// once and kept while the list uses it, dropped after `idleMs` without a use (read again on the
// next), and the search by name is capped at MAX_NAMED_VISITORS.
import { describe, expect, it, vi } from 'vitest'
import { MAX_NAMED_VISITORS, RowNames } from '../../relay/attendance/row-names'
import { NameBook } from '../../relay/screens/name-book'
import type { RelayStore, StoreChange } from '../../relay/store/types'

/**
 * A campaign `c1` whose roster of `size` entries is all bound (`o<i>` to `Visitor <i>`, or to
 * `names[i]`).
 */
function fakeStore(size: number, names: readonly string[] = []) {
  const reads: string[] = []
  let listener: ((c: StoreChange) => void) | null = null
  const entries = Array.from({ length: size }, (_, i) => ({
    id: `r${i}`,
    name: names[i] ?? `Visitor ${i}`,
    company: '',
    phone: '',
    code: '',
  }))
  const store = {
    subscribe: (l: (c: StoreChange) => void) => {
      listener = l
      return () => {
        listener = null
      }
    },
    campaigns: {
      readRoster: (id: string, offset: number, limit: number) => {
        reads.push(id)
        return Promise.resolve({
          version: 1,
          total: entries.length,
          entries: entries.slice(offset, offset + limit),
        })
      },
      bindings: () =>
        Promise.resolve(entries.map((e, i) => ({ registrationId: e.id, openid: `o${i}`, at: i }))),
      listCampaigns: () => Promise.resolve([{ campaign: { id: 'c1' } }]),
    },
  } as unknown as Pick<RelayStore, 'campaigns' | 'subscribe'>
  return { store, reads, subscribed: () => listener !== null }
}

describe('the console list’s roster names', () => {
  it('reads a roster once while in use, again after it was left idle', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const fake = fakeStore(3)
    const book = new NameBook(fake.store, 1000)
    const names = new RowNames(fake.store, book)
    try {
      const rows = [
        { campaignId: 'c1', openid: 'o2' },
        { openid: 'o1' },
        { campaignId: 'c1', openid: 'o-unbound' },
      ]
      expect(await names.namesOf(rows)).toEqual(['Visitor 2', null, null])
      for (let i = 0; i < 4; i++) {
        vi.advanceTimersByTime(900)
        expect(await names.visitorsNamed('visitor 1', 'c1')).toEqual(['o1'])
      }
      // Used every 900 ms for 3.6 s: still the first read.
      expect(fake.reads).toEqual(['c1'])
      vi.advanceTimersByTime(1000)
      expect(await names.namesOf(rows.slice(0, 1))).toEqual(['Visitor 2'])
      expect(fake.reads).toEqual(['c1', 'c1'])
      // The relay's book is not the list's to close.
      names.close()
      expect(fake.subscribed()).toBe(true)
    } finally {
      book.close()
      vi.useRealTimers()
    }
    expect(fake.subscribed()).toBe(false)
  })

  it('finds visitors by name as staff type it: width, case, accents, spaces ignored', async () => {
    const roster = ['王小明', 'José Álvarez', 'Mary Ann Smith', 'ÉLODIE Durand', "Seán O'Brien"]
    const names = new RowNames(fakeStore(roster.length, roster).store)
    try {
      const found = (q: string) => names.visitorsNamed(q, 'c1')
      expect(await found('王 小明')).toEqual(['o0'])
      expect(await found('ｊｏｓｅ')).toEqual(['o1'])
      expect(await found('JOSÉ ÁLVAREZ')).toEqual(['o1'])
      expect(await found('maryann')).toEqual(['o2'])
      expect(await found('élodie')).toEqual(['o3'])
      expect(await found('obrien')).toEqual(['o4'])
      expect(await found('李雷')).toEqual([])
      // Punctuation alone names no one (the list's search still looks at openids and scenes).
      expect(await found("'")).toEqual([])
    } finally {
      names.close()
    }
  })

  it(`finds at most ${MAX_NAMED_VISITORS} visitors by name`, async () => {
    const fake = fakeStore(MAX_NAMED_VISITORS + 5)
    const names = new RowNames(fake.store)
    expect(fake.subscribed()).toBe(true)
    try {
      expect(await names.visitorsNamed('VISITOR', undefined)).toHaveLength(MAX_NAMED_VISITORS)
      expect(await names.visitorsNamed(`visitor ${MAX_NAMED_VISITORS + 4}`, 'c1')).toEqual([
        `o${MAX_NAMED_VISITORS + 4}`,
      ])
    } finally {
      names.close()
    }
    // Its own book (none given): closed with it.
    expect(fake.subscribed()).toBe(false)
  })
})
