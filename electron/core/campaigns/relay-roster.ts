/**
 * The relay campaign's roster and desk bindings on the kiosk (contract v2, docs/DESIGN.md
 * "Campaign and roster frames"). Owns `roster_sync`, `roster_staging` and `bind_outbox`.
 *
 * Roster slices arrive in order and land in the staging table with the resume point, in one
 * transaction per slice (so the ack sent after it never promises more than is stored); the last
 * slice swaps the whole roster in through RosterStore, atomically. A slice that does not start
 * where the kiosk is (a resend, or one from before a cut link) is skipped and the kiosk acks its
 * real position, so the relay resumes there. A new version or campaign starts over at 0.
 */
import type { Statement } from 'better-sqlite3'
import type {
  BindAckFrame,
  BindFrame,
  BindingFrame,
  HelloFrame,
  RosterAckFrame,
  RosterFrame,
} from '../../../shared/relay-protocol'
import type { KioskDb } from '../db/db'
import type { RosterStore } from '../roster/roster-store'

interface SyncRow {
  campaignId: string
  version: number
  received: number
  total: number
  complete: number
}

/** A roster transfer under way (KioskStatus `relay.roster`). */
export interface RosterArriving {
  received: number
  total: number
}

export interface RosterSliceResult {
  ack: RosterAckFrame
  /** The roster of this campaign was just replaced. */
  swapped: boolean
}

export class RelayRosterSync {
  private readonly q: {
    sync: Statement<[string], SyncRow>
    putSync: Statement<[string, string, number, number, number, number]>
    clearStaging: Statement<[]>
    forget: Statement<[string]>
    stage: Statement<[number, string, string, string, string, string, string | null]>
    queue: Statement<[string, string, string, string, number]>
    pending: Statement<[string], Omit<BindFrame, 'type'>>
    unqueue: Statement<[string, string, string, string, number]>
  }
  private readonly sliceTx: (connectionId: string, f: RosterFrame, now: number) => RosterSliceResult
  private readonly forgetTx: (connectionId: string) => void

  constructor(
    private readonly db: KioskDb,
    private readonly roster: Pick<
      RosterStore,
      'replaceFromStaging' | 'byRegistration' | 'bind' | 'markCheckedIn'
    >,
  ) {
    this.q = {
      sync: db.prepare(
        `SELECT campaign_id AS campaignId, version, received, total, complete
         FROM roster_sync WHERE connection_id = ?`,
      ),
      putSync: db.prepare(
        `INSERT INTO roster_sync (connection_id, campaign_id, version, received, total, complete)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (connection_id) DO UPDATE SET campaign_id = excluded.campaign_id,
           version = excluded.version, received = excluded.received, total = excluded.total,
           complete = excluded.complete`,
      ),
      clearStaging: db.prepare('DELETE FROM roster_staging'),
      forget: db.prepare('DELETE FROM roster_sync WHERE connection_id = ?'),
      stage: db.prepare(
        `INSERT OR REPLACE INTO roster_staging (position, id, name, company, phone, code, openid)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      queue: db.prepare(
        `INSERT OR IGNORE INTO bind_outbox (connection_id, campaign_id, registration_id, openid, at)
         VALUES (?, ?, ?, ?, ?)`,
      ),
      pending: db.prepare(
        `SELECT campaign_id AS campaignId, registration_id AS registrationId, openid, at
         FROM bind_outbox WHERE connection_id = ? ORDER BY at, rowid`,
      ),
      unqueue: db.prepare(
        `DELETE FROM bind_outbox WHERE connection_id = ? AND campaign_id = ?
           AND registration_id = ? AND openid = ? AND at = ?`,
      ),
    }
    this.sliceTx = db.transaction((c: string, f: RosterFrame, now: number) => this.slice(c, f, now))
    this.forgetTx = db.transaction((c: string) => {
      this.q.forget.run(c)
      this.q.clearStaging.run()
    })
  }

  /**
   * Forgets where the transfer was (the roster held stays until another one is complete): the
   * next roster frame starts a transfer whatever its version, and `hello` says none is held.
   * The rows of a transfer under way go too: nothing could reach them any more (the next
   * transfer starts from row 0), and they are visitors' names and phones.
   */
  forgetProgress(connectionId: string): void {
    this.forgetTx(connectionId)
  }

  /** What `hello` says the kiosk holds, so the relay resumes instead of starting over. */
  held(connectionId: string): HelloFrame['roster'] {
    const s = this.q.sync.get(connectionId)
    return s ? { campaignId: s.campaignId, version: s.version, offset: s.received } : undefined
  }

  /**
   * The roster of `campaignId` still arriving on this connection: rows stored of its total.
   * Null when none is (all in, none started, or the transfer is of another campaign's).
   */
  arriving(connectionId: string, campaignId: string): RosterArriving | null {
    const s = this.q.sync.get(connectionId)
    if (!s || s.complete === 1 || s.campaignId !== campaignId || s.total === 0) return null
    return { received: Math.min(s.received, s.total - 1), total: s.total }
  }

  /** Stores one slice (or skips it) and says what to ack; one transaction. */
  applySlice(connectionId: string, frame: RosterFrame, now: number): RosterSliceResult {
    return this.sliceTx(connectionId, frame, now)
  }

  private slice(connectionId: string, f: RosterFrame, now: number): RosterSliceResult {
    let s = this.q.sync.get(connectionId)
    const same = s && s.campaignId === f.campaignId && s.version === f.rosterVersion
    if (!same || (s && s.total !== f.total)) {
      if (s && s.campaignId === f.campaignId && f.rosterVersion < s.version) {
        // An older version than the one held: ignored; the ack says where the kiosk is.
        return { ack: this.ackOf(s), swapped: false }
      }
      this.q.clearStaging.run()
      s = {
        campaignId: f.campaignId,
        version: f.rosterVersion,
        received: 0,
        total: f.total,
        complete: 0,
      }
    }
    const state: SyncRow = s ?? {
      campaignId: f.campaignId,
      version: f.rosterVersion,
      received: 0,
      total: f.total,
      complete: 0,
    }
    if (state.complete === 1 || f.offset !== state.received) {
      this.q.putSync.run(
        connectionId,
        state.campaignId,
        state.version,
        state.received,
        state.total,
        state.complete,
      )
      return { ack: this.ackOf(state), swapped: false }
    }
    let position = f.offset
    for (const e of f.entries) {
      this.q.stage.run(position++, e.id, e.name, e.company, e.phone, e.code, e.openid)
    }
    state.received = position
    let swapped = false
    if (f.final) {
      this.roster.replaceFromStaging(f.campaignId, now)
      this.q.clearStaging.run()
      state.complete = 1
      swapped = true
    }
    this.q.putSync.run(
      connectionId,
      state.campaignId,
      state.version,
      state.received,
      state.total,
      state.complete,
    )
    return { ack: this.ackOf(state), swapped }
  }

  private ackOf(s: SyncRow): RosterAckFrame {
    return {
      type: 'roster-ack',
      campaignId: s.campaignId,
      rosterVersion: s.version,
      offset: s.received,
    }
  }

  /** A desk here bound `openid` to a registration: kept until the relay acknowledges it. */
  queueBind(connectionId: string, b: Omit<BindFrame, 'type'>): void {
    this.q.queue.run(connectionId, b.campaignId, b.registrationId, b.openid, b.at)
  }

  /** Bindings not yet acknowledged, oldest first (sent after every welcome). */
  pendingBinds(connectionId: string): BindFrame[] {
    return this.q.pending.all(connectionId).map((b) => ({ type: 'bind', ...b }))
  }

  bindAcked(connectionId: string, f: BindAckFrame): void {
    this.q.unqueue.run(connectionId, f.campaignId, f.registrationId, f.openid, f.at)
  }

  /**
   * A binding made at another booth; false when the registration is not (yet) here. Its `at`
   * is the relay's clock; the check-in is kept on this kiosk's, as a scan's here is
   * (`relayAheadMs`: how far the relay's clock is ahead), so an erasure compares like with like.
   */
  applyBinding(f: BindingFrame, relayAheadMs = 0): boolean {
    const entry = this.roster.byRegistration(f.campaignId, f.registrationId)
    if (!entry) return false
    if (entry.openid === f.openid) return false
    this.roster.bind(entry, f.openid)
    this.roster.markCheckedIn(entry.id, f.at - relayAheadMs)
    return true
  }

  /** For tests and diagnostics: rows staged right now. */
  stagedCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM roster_staging').get() as { n: number }).n
  }
}
