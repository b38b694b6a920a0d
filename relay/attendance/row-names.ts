/**
 * The roster names of the console's attendance list: its 姓名 column and its search by name,
 * from the relay's one NameBook (relay/screens/name-book.ts: per campaign, the roster's names
 * and the desks' bindings, read once and kept in step with the change feed; the big screens
 * read the same books), so scrolling the list and searching it read no roster; the export reads
 * its people itself (people.ts). Each use keeps the campaign's book for the book's `idleMs` (10
 * minutes) from then, longer only while a screen shows the campaign.
 */
import { NameBook } from '../screens/name-book'
import type { AttendanceRow } from '../store/attendance'
import type { RelayStore } from '../store/types'

/**
 * At most this many visitors found by name go to the store's search: a few letters can match
 * most of a large roster, and on Redis each is looked up at every booth in scope.
 */
export const MAX_NAMED_VISITORS = 10_000

export class RowNames {
  private readonly book: NameBook
  private readonly ownBook: boolean

  /**
   * `book`: the relay's, shared with the big screens (closed by whoever made it). Absent: one of
   * the list's own, closed with it.
   */
  constructor(
    private readonly store: Pick<RelayStore, 'campaigns' | 'subscribe'>,
    book?: NameBook,
  ) {
    this.book = book ?? new NameBook(store)
    this.ownBook = book === undefined
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
   * The openids of visitors whose name contains `text` (width, case, accents, spaces and
   * punctuation ignored, as the kiosk's desk search: NameBook.visitorsNamed), on the roster of
   * `campaignId` or of any campaign (undefined); at most MAX_NAMED_VISITORS.
   */
  async visitorsNamed(text: string, campaignId: string | undefined): Promise<string[]> {
    const ids =
      campaignId !== undefined
        ? [campaignId]
        : (await this.store.campaigns.listCampaigns()).map((r) => r.campaign.id)
    const found = new Set<string>()
    for (const id of ids) {
      this.used(id)
      const named = await this.book.visitorsNamed(id, text)
      for (const openid of named) {
        if (found.size === MAX_NAMED_VISITORS) return [...found]
        found.add(openid)
      }
    }
    return [...found]
  }

  /** Closes the list's own book (not the relay's shared one). */
  close(): void {
    if (this.ownBook) this.book.close()
  }

  /** The list used the campaign's book now: it is kept `idleMs` from now. */
  private used(campaignId: string): void {
    this.book.keep(campaignId)
  }
}
