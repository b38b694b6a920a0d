// The relay's one NameBook (relay/screens/name-book.ts), shared by the big screens and the
// console list: how long a campaign's book is kept (a screen's hold until the last one goes, the
// list's use for idleMs, a read by neither for idleMs), and how it follows the store (a failed
// read is tried again, a binding applied in place, a new roster, an erasure or a resync read
// again, a registration the book lacks checked against the store's roster version), also when
// the change lands while a read of the book is under way.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { NameBook } from '../../relay/screens/name-book'
import type { RelayStore, StoreChange } from '../../relay/store/types'
import { UNDER_LOAD } from '../helpers/wait'

const IDLE = 1000

/**
 * Campaigns whose roster (version `state.version`) is `r1` 王小明 bound to `o1`, and
 * `state.more` unnamed; counts roster reads (and head reads, `heads`) and bindings reads
 * (`boundReads`); can fail them. While `state.pageGate` (`state.boundGate`) is set, a roster
 * page (the bindings) is taken from the store when asked for but answered only once that gate
 * opens (a slow store).
 */
function fakeStore() {
  const reads: string[] = []
  const heads: string[] = []
  const boundReads: string[] = []
  const listeners = new Set<(c: StoreChange) => void>()
  const state = {
    name: '王小明',
    failNext: false,
    bound: true,
    version: 1,
    more: [] as string[],
    pageGate: null as Promise<void> | null,
    boundGate: null as Promise<void> | null,
  }
  const answer = <T>(gate: Promise<void> | null, value: T): Promise<T> =>
    gate === null ? Promise.resolve(value) : gate.then(() => value)
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
        return answer(state.pageGate, { version: state.version, total, entries })
      },
      bindings: (id: string) => {
        boundReads.push(id)
        return answer(
          state.boundGate,
          state.bound ? [{ registrationId: 'r1', openid: 'o1', at: 1 }] : [],
        )
      },
    },
  } as unknown as Pick<RelayStore, 'campaigns' | 'subscribe'>
  const emit = (c: StoreChange) => {
    for (const l of listeners) l(c)
  }
  return { store, reads, heads, boundReads, state, emit, listeners }
}

/** A gate for `state.pageGate` or `state.boundGate`, and its opening. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {}
  const promise = new Promise<void>((resolve) => (open = resolve))
  return { promise, open }
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

  it('a new roster or an erasure landing while the book is read: its waiters get the store after it', async () => {
    const fake = fakeStore()
    const book = new NameBook(fake.store)
    const release = book.hold('c1')
    // The roster page is taken (王小明), then the roster is replaced before it arrives.
    const slow = gate()
    fake.state.pageGate = slow.promise
    const waiting = book.nameOf('c1', 'o1')
    const searching = book.visitorsNamed('c1', '大明')
    expect(fake.reads).toEqual(['c1'])
    fake.state.pageGate = null
    fake.state.name = '王大明'
    fake.state.version = 2
    fake.emit({ type: 'roster', campaignId: 'c1' })
    slow.open()
    expect(await waiting).toBe('王大明')
    expect(await searching).toEqual(['o1'])
    expect(fake.reads).toEqual(['c1', 'c1']) // the held read and one read again

    // The bindings are taken (o1 bound), then the visitor is erased before they arrive.
    const erasing = gate()
    fake.state.boundGate = erasing.promise
    fake.emit({ type: 'roster', campaignId: 'c1' }) // forgets the book: the next use reads
    const bound = fake.boundReads.length
    const erased = book.nameOf('c1', 'o1')
    await vi.waitFor(() => expect(fake.boundReads).toHaveLength(bound + 1), UNDER_LOAD)
    fake.state.boundGate = null
    fake.state.bound = false
    fake.emit({ type: 'erasure', campaignId: 'c1' })
    erasing.open()
    expect(await erased).toBeNull()

    // The feed interrupted (a resync) while the book is read: read again too.
    const resyncing = gate()
    fake.state.pageGate = resyncing.promise
    fake.emit({ type: 'resync' })
    const afterResync = book.nameOf('c1', 'o1')
    fake.state.pageGate = null
    fake.state.bound = true
    fake.state.name = '王二明'
    fake.emit({ type: 'resync' })
    resyncing.open()
    expect(await afterResync).toBe('王二明')
    release()
    book.close()
  })

  it('changes landing during every read: a use reads at most three times, then the last read stands', async () => {
    const fake = fakeStore()
    const book = new NameBook(fake.store)
    const release = book.hold('c1')
    // Each read's page is held until a new roster (the next name) has landed behind it.
    fake.state.name = '王一明'
    let held = gate()
    fake.state.pageGate = held.promise
    const waiting = book.nameOf('c1', 'o1')
    let reads = 0
    for (const next of ['王二明', '王三明', '王四明']) {
      reads++
      await vi.waitFor(() => expect(fake.reads).toHaveLength(reads), UNDER_LOAD)
      const taken = held
      held = gate()
      fake.state.pageGate = held.promise
      fake.state.name = next
      fake.emit({ type: 'roster', campaignId: 'c1' })
      taken.open()
    }
    expect(await waiting).toBe('王三明') // the third read's: no fourth for this use
    expect(fake.reads).toEqual(['c1', 'c1', 'c1'])
    fake.state.pageGate = null
    held.open()
    expect(await book.nameOf('c1', 'o1')).toBe('王四明') // the next use reads the newest
    release()
    book.close()
  })
})
