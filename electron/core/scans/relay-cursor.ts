/**
 * The relay cursor (the relay's epoch and the last seq stored here), its one owner: it reads
 * and writes the `meta` row and holds the committed value the link says hello with. Kept per
 * connection: another relay, or another kiosk id on it, has its own seq space.
 */
import type { KioskDb } from '../db/db'
import type { MetaTable } from '../db/meta-table'

export interface RelayCursor {
  epoch: string | null
  lastSeq: number
}

/** What the relay link needs of the cursor: read it, and start over on a new epoch. */
export interface RelayCursorView {
  current(): RelayCursor
  /** The relay's epoch changed: our lastSeq means nothing there any more. */
  reset(epoch: string): void
}

/** The cursor as its `meta` row holds it: the epoch, a newline, the last seq. */
const line = (c: RelayCursor): string => `${c.epoch ?? ''}\n${c.lastSeq}`

export class RelayCursorStore implements RelayCursorView {
  private readonly key: string
  private cursor: RelayCursor

  /**
   * `onReset`: what else a new epoch voids (it runs in the same transaction as the cursor's
   * write): the relay store is another one, or one restored from a backup, and numbers
   * counted there mean nothing now.
   */
  constructor(
    private readonly db: KioskDb,
    private readonly meta: MetaTable,
    connectionId: string,
    private readonly onReset: () => void = () => {},
  ) {
    this.key = `relay.cursor:${connectionId}`
    const raw = meta.get(this.key)
    // As `line` writes it.
    const [epoch = '', seq = '0'] = raw?.split('\n') ?? []
    this.cursor = raw === null ? { epoch: null, lastSeq: 0 } : { epoch, lastSeq: Number(seq) }
  }

  current(): RelayCursor {
    return this.cursor
  }

  reset(epoch: string): void {
    const next = { epoch, lastSeq: 0 }
    this.db.transaction(() => {
      this.onReset()
      this.meta.set(this.key, line(next))
    })()
    this.cursor = next
  }

  /**
   * Runs `store` and moves the cursor to `seq` in one transaction: the scans and the cursor
   * are committed together or not at all, and the value in memory moves only once committed.
   */
  commit<T>(seq: number, store: () => T): T {
    const next = { epoch: this.cursor.epoch ?? '', lastSeq: seq }
    const result = this.db.transaction(() => {
      const r = store()
      this.meta.set(this.key, line(next))
      return r
    })()
    this.cursor = next
    return result
  }
}
