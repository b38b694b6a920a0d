/**
 * Notices commits made to the SQLite file by other processes (the CLI's `kiosk revoke`, or
 * `kiosk add --rotate`) and reports them as store changes. `PRAGMA data_version` only moves
 * when another connection commits, so an idle poll costs one pragma.
 */
import type Database from 'better-sqlite3'
import { z } from 'zod'
import { kioskRow } from './rows'
import type { StoreChange } from '../types'

const snapshotRow = kioskRow.pick({
  kiosk_id: true,
  token_hash: true,
  revoked_at: true,
  head_seq: true,
})
type Snapshot = Map<string, z.infer<typeof snapshotRow>>

export class SqliteChangePoller {
  private timer: NodeJS.Timeout | null = null
  private dataVersion = -1
  private snapshot: Snapshot = new Map()

  constructor(
    private readonly db: Database.Database,
    private readonly pollMs: number,
    private readonly emit: (change: StoreChange) => void,
  ) {}

  start(): void {
    if (this.timer !== null) return
    this.snapshot = this.take()
    this.dataVersion = this.version()
    this.timer = setInterval(() => this.poll(), this.pollMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
  }

  private version(): number {
    return z.number().parse(this.db.pragma('data_version', { simple: true }))
  }

  private take(): Snapshot {
    const rows = this.db
      .prepare('SELECT kiosk_id, token_hash, revoked_at, head_seq FROM kiosks')
      .all()
      .map((r) => snapshotRow.parse(r))
    return new Map(rows.map((r) => [r.kiosk_id, r]))
  }

  private poll(): void {
    const version = this.version()
    if (version === this.dataVersion) return
    this.dataVersion = version
    const next = this.take()
    for (const [kioskId, now] of next) {
      const before = this.snapshot.get(kioskId)
      if (before?.token_hash !== now.token_hash || before.revoked_at !== now.revoked_at) {
        this.emit({ type: 'kiosk', kioskId })
      }
      if (before?.head_seq !== now.head_seq) {
        this.emit({ type: 'event', kioskId, seq: now.head_seq })
      }
    }
    this.snapshot = next
  }
}
