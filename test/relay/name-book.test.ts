// The relay's one NameBook (relay/screens/name-book.ts), shared by the big screens and the
// console list: how long a campaign's book is kept (a screen's hold until the last one goes, the
// list's use for idleMs, a read by neither for idleMs), and how it follows the store (a failed
// read is tried again, a binding applied in place, a new roster, an erasure or a resync read
// again, a registration the book lacks checked against the store's roster version).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { NameBook } from '../../relay/screens/name-book'
import type { RelayStore, StoreChange } from '../../relay/store/types'

const IDLE = 1000

/**
 * Campaigns whose roster (version `state.version`) is `r1` 王小明 bound to `o1`, and
 * `state.more` unnamed; counts roster reads (and head reads, `heads`); can fail them.
 */
function fakeStore() {
  const reads: string[] = []
  const heads: string[] = []
  const listeners = new Set<(c: StoreChange) => void>()
  const state = { name: '王小明', failNext: false, bound: true, version: 1, more: [] as string[] }
  const store = {
    subscribe: (l: (c: StoreChange) => void) => {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    campaigns: {
      readRoster: (id: string, _offset: number, limit: number) => {
        const total = 1 + state.more.length
        if (limit <= 0) {
          heads.push(id)
          return Promise.resolve({ version: state.version, total, entries: [] })
        }
        reads.push(id)
        if (state.failNext) {
          state.failNext = false
          return Promise.reject(new Error('store down'))
        }
        const entries = [
          { id: 'r1', name: state.name, company: '', phone: '', code: '' },
          ...state.more.map((id) => ({ id, name: '', company: '', phone: '', code: '' })),
        ]
        return Promise.resolve({ version: state.version, total, entries })
      },
      bindings: () =>
        Promise.resolve(state.bound ? [{ registrationId: 'r1', openid: 'o1', at: 1 }] : []),
    },
  } as unknown as Pick<RelayStore, 'campaigns' | 'subscribe'>
  const emit = (c: StoreChange) => {
    for (const l of listeners) l(c)
  }
  return { store, reads, heads, state, emit, listeners }
}

describe('how long a campaign’s names are kept', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }))
  afterEach(() => vi.useRealTimers())

  it('a screen’s hold: kept however long, dropped as soon as the last screen goes', async () => {
    const fake = fakeStore()
    const book = new NameBook(fake.store, IDLE)
    const first = book.hold('c1')
    const second = book.hold('c1')
    expect(await book.nameOf('c1', 'o1')).toBe('王小明')
    vi.advanceTimersByTime(5 * IDLE)
    first()
    first() // a release counts once
    expect(await book.nameOf('c1', 'o1')).toBe('王小明')
    expect(fake.reads).toEqual(['c1'])
    second()
    expect(await book.nameOf('c1', 'o1')).toBe('王小明')
    expect(fake.reads).toEqual(['c1', 'c1'])
    book.close()
    expect(fake.listeners.size).toBe(0)
  })

  it('the list’s use: kept idleMs after it, past the last screen going, and no longer', async () => {
    const fake = fakeStore()
    const book = new NameBook(fake.store, IDLE)
    const screen = book.hold('c1')
    book.keep('c1')
    expect(await book.nameOf('c1', 'o1')).toBe('王小明')
    vi.advanceTimersByTime(IDLE / 2)
    screen() // the list used it half an idleMs ago: kept
    expect(await book.nameOf('c1', 'o1')).toBe('王小明')
    expect(fake.reads).toEqual(['c1'])
    vi.advanceTimersByTime(IDLE)
    expect(await book.nameOf('c1', 'o1')).toBe('王小明')
    expect(fake.reads).toEqual(['c1', 'c1'])

    // The list's idleMs passes while a screen holds it: kept until that screen goes.
    const again = book.hold('c1')
    book.keep('c1')
    vi.advanceTimersByTime(3 * IDLE)
    expect(await book.nameOf('c1', 'o1')).toBe('王小明')
    expect(fake.reads).toEqual(['c1', 'c1'])
    again()
    expect(await book.nameOf('c1', 'o1')).toBe('王小明')
    expect(fake.reads).toEqual(['c1', 'c1', 'c1'])
    book.close()
  })

  it('a read by no screen and not the list (a snapshot alone) is dropped idleMs later', async () => {
    const fake = fakeStore()
    const book = new NameBook(fake.store, IDLE)
    expect(await book.nameOf('c1', 'o1')).toBe('王小明')
    vi.advanceTimersByTime(IDLE - 1)
    expect(await book.nameOf('c1', 'o1')).toBe('王小明')
    expect(fake.reads).toEqual(['c1'])
    vi.advanceTimersByTime(1)
    expect(await book.nameOf('c1', 'o1')).toBe('王小明')
    expect(fake.reads).toEqual(['c1', 'c1'])
    // A screen that then opened and went: dropped with it, not idleMs after the read.
    const screen = book.hold('c1')
    screen()
    expect(await book.nameOf('c1', 'o1')).toBe('王小明')
    expect(fake.reads).toEqual(['c1', 'c1', 'c1'])
    book.close()
  })
})

describe('following the store', () => {
  it('a failed read is tried again; a binding is applied in place; a roster or resync reads again', async () => {
    const fake = fakeStore()
    const book = new NameBook(fake.store)
    const release = book.hold('c1')
    fake.state.failNext = true
    const failed = book.nameOf('c1', 'o1')
    // A binding while that read is in flight: waits for it, and its failure is no one's error.
    fake.emit({ type: 'binding', campaignId: 'c1', registrationId: 'r1', openid: 'o2', at: 2 })
    await expect(failed).rejects.toThrow('store down')
    expect(await book.nameOf('c1', 'o1')).toBe('王小明')
    expect(fake.reads).toEqual(['c1', 'c1'])
    // A read that fails after a new roster started another forgets itself, not the other.
    fake.state.failNext = true
    fake.emit({ type: 'roster', campaignId: 'c1' })
    const stale = book.nameOf('c1', 'o1')
    fake.emit({ type: 'roster', campaignId: 'c1' })
    expect(await book.nameOf('c1', 'o1')).toBe('王小明')
    await expect(stale).rejects.toThrow('store down')
    expect(await book.nameOf('c1', 'o1')).toBe('王小明')
    expect(fake.reads).toEqual(['c1', 'c1', 'c1', 'c1'])

    fake.emit({ type: 'binding', campaignId: 'c1', registrationId: 'r1', openid: 'o2', at: 3 })
    expect(await book.nameOf('c1', 'o2')).toBe('王小明')
    expect(await book.nameOf('c1', 'o1')).toBeNull() // the registration moved to o2
    expect(await book.visitorsNamed('c1', '小明')).toEqual(['o2'])
    expect(fake.reads).toEqual(['c1', 'c1', 'c1', 'c1'])

    fake.state.name = '王大明'
    fake.emit({ type: 'roster', campaignId: 'c1' })
    expect(await book.nameOf('c1', 'o1')).toBe('王大明')
    expect(fake.reads).toEqual(['c1', 'c1', 'c1', 'c1', 'c1'])
    fake.state.name = '王二明'
    fake.emit({ type: 'resync' })
    expect(await book.nameOf('c1', 'o1')).toBe('王二明')
    expect(fake.reads).toEqual(['c1', 'c1', 'c1', 'c1', 'c1', 'c1'])
    release()
    book.close()
  })

  it('a bind’s registration missing from the book is checked against the store’s roster version', async () => {
    const fake = fakeStore()
    const book = new NameBook(fake.store)
    const release = book.hold('c1')
    expect(await book.hasRegistration('c1', 'r1')).toBe(true)
    expect(fake.heads).toEqual([])
    // Made up: the book is the store's roster (one head read says so), no second read.
    expect(await book.hasRegistration('c1', 'r-made-up')).toBe(false)
    expect(fake.reads).toEqual(['c1'])
    expect(fake.heads).toEqual(['c1'])
    // A newer upload this instance has not heard of yet (its change late on the feed): a booth
    // that got r2 from it binds r2, which is read again from the store, not dropped.
    fake.state.version = 2
    fake.state.more = ['r2']
    expect(await book.hasRegistration('c1', 'r2')).toBe(true)
    expect(fake.reads).toEqual(['c1', 'c1'])
    expect(await book.hasRegistration('c1', 'r-made-up')).toBe(false)
    expect(fake.reads).toEqual(['c1', 'c1'])
    expect(fake.heads).toEqual(['c1', 'c1', 'c1'])
    release()
    book.close()
  })

  it('an erased visitor’s name is gone from the campaign’s book (read again), not from others', async () => {
    const fake = fakeStore()
    const book = new NameBook(fake.store)
    const releases = [book.hold('c1'), book.hold('c2')]
    expect(await book.nameOf('c1', 'o1')).toBe('王小明')
    expect(await book.nameOf('c2', 'o1')).toBe('王小明')
    expect(fake.reads).toEqual(['c1', 'c2'])
    fake.state.bound = false // the store erased o1's binding in c1
    fake.emit({ type: 'erasure', campaignId: 'c1' })
    expect(await book.nameOf('c1', 'o1')).toBeNull()
    expect(await book.visitorsNamed('c1', '小明')).toEqual([])
    expect(await book.nameOf('c2', 'o1')).toBe('王小明')
    expect(fake.reads).toEqual(['c1', 'c2', 'c1'])
    for (const release of releases) release()
    book.close()
  })
})
