/**
 * The roster names of the console's attendance list: its 姓名 column and its search by name. A
 * NameBook of its own (relay/screens/name-book.ts: per campaign, the roster's names and the
 * desks' bindings, read once and kept in step with the change feed), so scrolling the list and
 * searching it read no roster; the export reads its people itself (people.ts). A campaign's
 * book the list has not used for `idleMs` is dropped: it holds every name of the roster, bound
 * or not (a binding is then applied without a read): about 15 MB of heap for 100,000 entries.
 */
import { NameBook } from '../screens/name-book'
import type { AttendanceRow } from '../store/attendance'
import type { RelayStore } from '../store/types'

/** A campaign's book is dropped this long after the list last used it. */
export const ROW_NAMES_IDLE_MS = 10 * 60_000

/**
 * At most this many visitors found by name go to the store's search: a few letters can match
 * most of a large roster, and on Redis each is looked up at every booth in scope.
 */
export const MAX_NAMED_VISITORS = 10_000

export class RowNames {
  private readonly book: NameBook
  private readonly idle = new Map<string, NodeJS.Timeout>()
  private readonly unsubscribe: () => void

  constructor(
    private readonly store: Pick<RelayStore, 'campaigns' | 'subscribe'>,
    private readonly idleMs = ROW_NAMES_IDLE_MS,
  ) {
    this.book = new NameBook(store)
    this.unsubscribe = store.subscribe((change) => this.book.onChange(change))
  }

  /** Each row's visitor's name (null: a row of no campaign, or a visitor bound to no entry). */
  namesOf(
    rows: readonly Pick<AttendanceRow, 'campaignId' | 'openid'>[],
  ): Promise<(string | null)[]> {
    return Promise.all(
      rows.map(async (r) => {
        if (r.campaignId === undefined) return null
        this.used(r.campaignId)
        return this.book.nameOf(r.campaignId, r.openid)
      }),
    )
  }

  /**
   * The openids of visitors whose name contains `text` (any case), on the roster of
   * `campaignId` or of any campaign (undefined); at most MAX_NAMED_VISITORS.
   */
  async visitorsNamed(text: string, campaignId: string | undefined): Promise<string[]> {
    const needle = text.toLowerCase()
    const ids =
      campaignId !== undefined
        ? [campaignId]
        : (await this.store.campaigns.listCampaigns()).map((r) => r.campaign.id)
    const found = new Set<string>()
    for (const id of ids) {
      this.used(id)
      const named = await this.book.visitorsNamed(id, (name) => name.toLowerCase().includes(needle))
      for (const openid of named) {
        if (found.size === MAX_NAMED_VISITORS) return [...found]
        found.add(openid)
      }
    }
    return [...found]
  }

  /** Stops following the change feed and forgets every book. */
  close(): void {
    this.unsubscribe()
    for (const [id, timer] of this.idle) {
      clearTimeout(timer)
      this.book.drop(id)
    }
    this.idle.clear()
  }

  /** The campaign's book was used now: it is dropped `idleMs` after its last use. */
  private used(campaignId: string): void {
    const timer = this.idle.get(campaignId)
    if (timer !== undefined) {
      timer.refresh()
      return
    }
    const drop = setTimeout(() => {
      this.idle.delete(campaignId)
      this.book.drop(campaignId)
    }, this.idleMs)
    drop.unref()
    this.idle.set(campaignId, drop)
  }
}
