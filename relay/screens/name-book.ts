/**
 * The roster names of a campaign's visitors, one book per campaign for the whole relay: the big
 * screens name a check-in from it (the name of the registration the visitor is bound to by a
 * desk, else null: "来宾 #<number>"), the console's attendance list its 姓名 column and its search
 * by name (relay/attendance/row-names.ts). A campaign's roster and bindings are read once, on
 * first use, and kept in step with the change feed (which the book follows itself): a new
 * binding (on any instance) is applied in place, a new roster version or an erasure reads that
 * campaign again, a resync (the feed was interrupted) every campaign; a read that failed is tried
 * again on the next use. Such a change landing while the book is read reads it again for those
 * already waiting on that read too (`Reading`).
 *
 * Booth links ask it too (hasRegistration), whether a desk's bind names a registration of the
 * roster.
 *
 * A book holds every name of the roster, bound or not (about 15 MB of heap for 100,000 entries),
 * so it is kept only while someone needs it:
 * - `hold`: a screen's open stream. When a campaign's last screen goes, its book is dropped at
 *   once, unless the list used it within `idleMs`.
 * - `keep`: the console list used it; dropped `idleMs` after the list's last use, unless a
 *   screen still holds it (then when the last screen goes).
 * - A book read by neither (a screen's snapshot with no stream open) is dropped `idleMs` after
 *   that read, or as soon as a screen that then held it goes.
 */
import { searchFold } from '../../shared/roster/search-key'
import { eachRosterEntry } from '../attendance/people'
import type { RelayStore, StoreChange } from '../store/types'

/** A campaign's book that nothing holds is dropped this long after its last use. */
export const NAME_BOOK_IDLE_MS = 10 * 60_000

/**
 * Reads one use of a book may make: each one more because a roster change, an erasure or a
 * resync landed during the one before; under changes that never stop, the last read stands (the
 * next use reads again).
 */
const READS_PER_USE = 3

interface Book {
  /** The roster version read (a roster swapped mid-read is read again: eachRosterEntry). */
  version: number
  /** registration id → name */
  names: Map<string, string>
  /** openid → registration id */
  bound: Map<string, string>
  /** registration id → name as a search compares it, filled by the first search that reads it */
  folded: Map<string, string>
}

/**
 * A campaign's book being read: `generation` counts the roster changes, erasures and resyncs
 * that landed while any of its `reads` was in flight (the entry is kept only while one is).
 */
interface Reading {
  generation: number
  reads: number
}

/** Who keeps a campaign's book. */
interface Keepers {
  /** Open screen streams (`hold`). */
  holds: number
  /** Dropped when this fires, unless held. */
  idle: NodeJS.Timeout | null
  /** `idle` was set by the list (`keep`), not by an unowned read: a screen going leaves it. */
  listed: boolean
}

export class NameBook {
  private readonly books = new Map<string, Promise<Book>>()
  private readonly keepers = new Map<string, Keepers>()
  private readonly reading = new Map<string, Reading>()
  private readonly unsubscribe: () => void

  constructor(
    private readonly store: Pick<RelayStore, 'campaigns' | 'subscribe'>,
    private readonly idleMs = NAME_BOOK_IDLE_MS,
  ) {
    this.unsubscribe = store.subscribe((change) => this.onChange(change))
  }

  async nameOf(campaignId: string, openid: string): Promise<string | null> {
    const book = await this.book(campaignId)
    const reg = book.bound.get(openid)
    return reg === undefined ? null : (book.names.get(reg) ?? null)
  }

  /**
   * Whether `registrationId` is in the campaign's current roster: a desk's bind for any other
   * (made up, or dropped by a newer upload) has no name to give (relay/kiosk-session.ts onBind).
   * A bind said no to is acknowledged and dropped for good, so a miss is checked against the
   * store's roster version (one head read): a book older than the store's roster (the change
   * feed late or its PUBLISH failed on another instance, a read that straddled an upload) is
   * read again before the answer, and a registration the booth got from the newer roster is
   * never taken for a made-up one.
   */
  async hasRegistration(campaignId: string, registrationId: string): Promise<boolean> {
    const read = this.book(campaignId)
    const book = await read
    if (book.names.has(registrationId)) return true
    const { version } = await this.store.campaigns.readRoster(campaignId, 0, 0)
    if (version === book.version) return false
    if (this.books.get(campaignId) === read) this.books.delete(campaignId)
    return (await this.book(campaignId)).names.has(registrationId)
  }

  /**
   * The openids bound to a registration whose name holds `text`, both folded as the desk's search
   * folds them (shared/roster/search-key.ts: width, case, accents, spaces and punctuation); none
   * when `text` has no letter or digit. Each name is folded once per book.
   */
  async visitorsNamed(campaignId: string, text: string): Promise<string[]> {
    const needle = searchFold(text)
    if (needle === '') return []
    const book = await this.book(campaignId)
    const out: string[] = []
    for (const [openid, reg] of book.bound) {
      let folded = book.folded.get(reg)
      if (folded === undefined) {
        const name = book.names.get(reg)
        if (name === undefined) continue
        folded = searchFold(name)
        book.folded.set(reg, folded)
      }
      if (folded.includes(needle)) out.push(openid)
    }
    return out
  }

  /** A screen shows the campaign: its book is kept until the returned release (called once). */
  hold(campaignId: string): () => void {
    this.keepersOf(campaignId).holds++
    let released = false
    return () => {
      if (released) return
      released = true
      const k = this.keepers.get(campaignId)
      if (k === undefined) return
      k.holds--
      if (k.holds === 0 && !k.listed) this.drop(campaignId)
    }
  }

  /** The console list used the campaign's book now: kept `idleMs` from now. */
  keep(campaignId: string): void {
    const k = this.keepersOf(campaignId)
    k.listed = true
    this.arm(campaignId, k)
  }

  /** Stops following the change feed and forgets every book. */
  close(): void {
    this.unsubscribe()
    for (const k of this.keepers.values()) if (k.idle !== null) clearTimeout(k.idle)
    this.keepers.clear()
    this.books.clear()
  }

  private onChange(change: StoreChange): void {
    if (change.type === 'resync') {
      this.books.clear()
      for (const r of this.reading.values()) r.generation++
    } else if (change.type === 'roster' || change.type === 'erasure') {
      this.books.delete(change.campaignId)
      const r = this.reading.get(change.campaignId)
      if (r !== undefined) r.generation++
    } else if (change.type === 'binding') {
      const loaded = this.books.get(change.campaignId)
      // Applied once the book is read (a read in flight reads the binding itself, or not:
      // then this catches it).
      void loaded?.then(
        (b) => {
          for (const [openid, reg] of b.bound) {
            if (reg === change.registrationId && openid !== change.openid) b.bound.delete(openid)
          }
          b.bound.set(change.openid, change.registrationId)
        },
        () => undefined, // a failed read is forgotten (book()) and read again
      )
    }
  }

  private drop(campaignId: string): void {
    const k = this.keepers.get(campaignId)
    if (k?.idle != null) clearTimeout(k.idle)
    this.keepers.delete(campaignId)
    this.books.delete(campaignId)
  }

  private keepersOf(campaignId: string): Keepers {
    let k = this.keepers.get(campaignId)
    if (k === undefined) {
      k = { holds: 0, idle: null, listed: false }
      this.keepers.set(campaignId, k)
    }
    return k
  }

  /** (Re)starts the idle drop: `idleMs` from now, the book goes unless a screen holds it. */
  private arm(campaignId: string, k: Keepers): void {
    if (k.idle !== null) {
      k.idle.refresh()
      return
    }
    k.idle = setTimeout(() => {
      k.idle = null
      k.listed = false
      if (k.holds === 0) this.drop(campaignId)
    }, this.idleMs)
    k.idle.unref()
  }

  private book(campaignId: string): Promise<Book> {
    const k = this.keepersOf(campaignId)
    // Neither held nor kept (a screen's snapshot alone): never kept for good.
    if (k.holds === 0 && k.idle === null) this.arm(campaignId, k)
    let p = this.books.get(campaignId)
    if (p === undefined) {
      const read = this.read(campaignId)
      p = read
      this.books.set(campaignId, read)
      // Forgotten, to be read again on the next use; unless a newer read took its place.
      read.catch(() => {
        if (this.books.get(campaignId) === read) this.books.delete(campaignId)
      })
    }
    return p
  }

  /**
   * The campaign's book as the store has it after every change that landed before the read
   * ended: a read a change overtook (its roster page or bindings taken before it) is read again.
   */
  private async read(campaignId: string): Promise<Book> {
    let r = this.reading.get(campaignId)
    if (r === undefined) {
      r = { generation: 0, reads: 0 }
      this.reading.set(campaignId, r)
    }
    r.reads++
    try {
      for (let round = 1; ; round++) {
        const generation = r.generation
        const book = await this.readOnce(campaignId)
        if (r.generation === generation || round === READS_PER_USE) return book
      }
    } finally {
      if (--r.reads === 0) this.reading.delete(campaignId)
    }
  }

  private async readOnce(campaignId: string): Promise<Book> {
    const names = new Map<string, string>()
    // All of one version: a roster replaced between two pages is read again.
    const version = await eachRosterEntry(
      this.store.campaigns,
      campaignId,
      () => names.clear(),
      (e) => names.set(e.id, e.name),
    )
    const bound = new Map<string, string>()
    const bindings = await this.store.campaigns.bindings(campaignId)
    // Latest wins for an openid bound twice, as the store keeps it.
    for (const b of [...bindings].sort((x, y) => x.at - y.at)) bound.set(b.openid, b.registrationId)
    return { version, names, bound, folded: new Map() }
  }
}
