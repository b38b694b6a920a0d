/**
 * The roster name a big screen shows for a visitor: the name of the registration the visitor is
 * bound to (a desk's binding), else null ("来宾 #<number>"); the console's attendance list keeps
 * a book of its own (relay/attendance/row-names.ts). Per campaign, the roster and its bindings
 * are read once and kept in memory; a new binding (on any instance: the change feed) is applied
 * in place, a new roster version or a resync reads again.
 */
import type { RelayStore, StoreChange } from '../store/types'

const PAGE = 1000

interface Book {
  /** registration id → name */
  names: Map<string, string>
  /** openid → registration id */
  bound: Map<string, string>
}

export class NameBook {
  private readonly books = new Map<string, Promise<Book>>()

  constructor(private readonly store: Pick<RelayStore, 'campaigns'>) {}

  async nameOf(campaignId: string, openid: string): Promise<string | null> {
    const book = await this.book(campaignId)
    const reg = book.bound.get(openid)
    return reg === undefined ? null : (book.names.get(reg) ?? null)
  }

  /** The openids bound to a registration whose name `matches`. */
  async visitorsNamed(campaignId: string, matches: (name: string) => boolean): Promise<string[]> {
    const book = await this.book(campaignId)
    const out: string[] = []
    for (const [openid, reg] of book.bound) {
      const name = book.names.get(reg)
      if (name !== undefined && matches(name)) out.push(openid)
    }
    return out
  }

  onChange(change: StoreChange): void {
    if (change.type === 'resync') this.books.clear()
    else if (change.type === 'roster') this.books.delete(change.campaignId)
    else if (change.type === 'binding') {
      const loaded = this.books.get(change.campaignId)
      // Applied once the book is read (a read in flight reads the binding itself, or not:
      // then this catches it).
      void loaded?.then((b) => {
        for (const [openid, reg] of b.bound) {
          if (reg === change.registrationId && openid !== change.openid) b.bound.delete(openid)
        }
        b.bound.set(change.openid, change.registrationId)
      })
    }
  }

  /** Forgets a campaign's book: one no screen shows any more, or the console has not read lately. */
  drop(campaignId: string): void {
    this.books.delete(campaignId)
  }

  private book(campaignId: string): Promise<Book> {
    let p = this.books.get(campaignId)
    if (p === undefined) {
      p = this.read(campaignId)
      this.books.set(campaignId, p)
      p.catch(() => this.books.delete(campaignId))
    }
    return p
  }

  private async read(campaignId: string): Promise<Book> {
    const names = new Map<string, string>()
    for (let offset = 0; ;) {
      const slice = await this.store.campaigns.readRoster(campaignId, offset, PAGE)
      for (const e of slice.entries) names.set(e.id, e.name)
      offset += slice.entries.length
      if (slice.entries.length === 0 || offset >= slice.total) break
    }
    const bound = new Map<string, string>()
    const bindings = await this.store.campaigns.bindings(campaignId)
    // Latest wins for an openid bound twice, as the store keeps it.
    for (const b of [...bindings].sort((x, y) => x.at - y.at)) bound.set(b.openid, b.registrationId)
    return { names, bound }
  }
}
