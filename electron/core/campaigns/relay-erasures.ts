/**
 * Visitor erasure on the kiosk (docs/DESIGN.md "Visitor erasure (added after v2)"): the
 * relay's `erasure` frame names erased visitors of a campaign by tombstone (SHA-256 of
 * `<campaignId>\0<openid>`) and the time of their erasure on the relay's clock. The kiosk
 * hashes its own openids of that campaign and, in one transaction per frame, for each match:
 * - its attendance rows the relay stored up to then, and its `visitors` row, carry one random
 *   `erased:…` pseudonym instead of the openid (the relay's own rows do the same); the rows
 *   keep their number, scene and times and lose their roster entry, so the booth's scans and
 *   timeline stay what they were (the visitor came, as the relay's scans say); its visitors and
 *   returning ones leave the pseudonym out, as the relay's do (AttendanceQueries);
 * - the roster entry bound to them (up to then) is unbound and no longer checked in (a check-in
 *   is on this kiosk's clock, the frame's `at` the relay's: compared after the link's skew);
 * - unsent desk bindings of them made up to then are dropped (sent on reconnect, they would
 *   bind them at the relay again), and a roster transfer under way forgets their openid.
 * A scan after the erasure is the visitor come back (a new visitor at the relay): kept. The
 * same frame again finds nothing to change.
 */
import { randomBytes } from 'node:crypto'
import type { Statement } from 'better-sqlite3'
import { ERASED_OPENID_PREFIX } from '../../../shared/console-api'
import type { ErasureFrame } from '../../../shared/relay-protocol'
import { visitorTombstone } from '../../../shared/server/visitor-tombstone'
import type { KioskDb } from '../db/db'

/** What one frame changed (all 0: nothing of these visitors was here, or already erased). */
export interface ErasureApplied {
  /** Visitors found here with something of theirs changed (not one come back, sent again). */
  visitors: number
  /** Attendance rows pseudonymised. */
  rows: number
  /** Roster entries unbound. */
  unbound: number
  /** Unsent desk bindings dropped. */
  binds: number
  /**
   * The id of the latest attendance row pseudonymised (null: none): the kiosk's `attendance`
   * event carries it, so the attendance page and the stats read the changed rows again.
   */
  latestRow: number | null
}

type P = { c: string; o: string; at: number; kioskAt: number; pseudonym: string }

export class RelayErasures {
  private readonly q: {
    openids: Statement<[{ c: string }], string>
    rows: Statement<[P], { id: number }>
    remaining: Statement<[{ c: string; o: string }], { n: number }>
    visitor: Statement<[P]>
    unbind: Statement<[P]>
    staged: Statement<[{ c: string; o: string }]>
    binds: Statement<[P]>
  }
  private readonly applyTx: (frame: ErasureFrame, relayAheadMs: number) => ErasureApplied
  /**
   * The tombstones of the openids of one campaign hashed so far: a welcome brings every
   * tombstone of the campaign in frames of 500, and hashing a booth's 20,000 visitors again for
   * each took ~0.25 s a frame (bench/erasure.ts). Openids only, as the rows hold them.
   */
  private memo: { campaignId: string; hashes: Map<string, string> } | null = null

  constructor(db: KioskDb) {
    this.q = {
      // Every openid of the campaign held here, in whatever table holds one (repeats dropped
      // by the caller: UNION's sort of a booth's 60,000 rows cost more than the rest).
      openids: db
        .prepare<[{ c: string }], string>(
          `SELECT DISTINCT openid FROM attendance WHERE campaign_id = @c
           UNION ALL SELECT openid FROM visitors WHERE campaign_id = @c
           UNION ALL SELECT openid FROM roster_entries WHERE campaign_id = @c AND openid IS NOT NULL
           UNION ALL SELECT openid FROM bind_outbox WHERE campaign_id = @c
           UNION ALL SELECT s.openid FROM roster_staging s, roster_sync r
             WHERE r.campaign_id = @c AND s.openid IS NOT NULL`,
        )
        .pluck(),
      // By the openid index (`+`: not by received_at, which would read every older row).
      rows: db.prepare(
        `UPDATE attendance SET openid = @pseudonym, roster_entry_id = NULL
         WHERE campaign_id = @c AND openid = @o AND +received_at <= @at RETURNING id`,
      ),
      remaining: db.prepare(
        'SELECT count(*) AS n FROM attendance WHERE campaign_id = @c AND openid = @o',
      ),
      visitor: db.prepare(
        'UPDATE visitors SET openid = @pseudonym WHERE campaign_id = @c AND openid = @o',
      ),
      unbind: db.prepare(
        `UPDATE roster_entries SET openid = NULL, checked_in_at = NULL
         WHERE campaign_id = @c AND openid = @o AND coalesce(checked_in_at, 0) <= @kioskAt`,
      ),
      staged: db.prepare(
        `UPDATE roster_staging SET openid = NULL WHERE openid = @o
           AND EXISTS (SELECT 1 FROM roster_sync WHERE campaign_id = @c)`,
      ),
      binds: db.prepare(
        'DELETE FROM bind_outbox WHERE campaign_id = @c AND openid = @o AND at <= @at',
      ),
    }
    this.applyTx = db.transaction((frame: ErasureFrame, relayAheadMs: number) =>
      this.applyNow(frame, relayAheadMs),
    )
  }

  /**
   * Erases this kiosk's copies of the frame's visitors; one transaction. `relayAheadMs`: how
   * far the relay's clock is ahead of this kiosk's (the link's `inStepMs`). The scans' times
   * and the unsent bindings' are the relay's already; a roster check-in is on this kiosk's
   * clock, so the erasure's time is moved onto it before they are compared.
   */
  apply(frame: ErasureFrame, relayAheadMs = 0): ErasureApplied {
    return this.applyTx(frame, relayAheadMs)
  }

  private applyNow(frame: ErasureFrame, relayAheadMs: number): ErasureApplied {
    const c = frame.campaignId
    const erasedAt = new Map(frame.visitors.map((v) => [v.visitor, v.at]))
    const done: ErasureApplied = { visitors: 0, rows: 0, unbound: 0, binds: 0, latestRow: null }
    for (const o of new Set(this.q.openids.all({ c }))) {
      if (o.startsWith(ERASED_OPENID_PREFIX)) continue
      const at = erasedAt.get(this.tombstoneOf(c, o))
      if (at === undefined) continue
      const p: P = {
        c,
        o,
        at,
        kioskAt: at - relayAheadMs,
        pseudonym: ERASED_OPENID_PREFIX + randomBytes(9).toString('base64url'),
      }
      const changed = this.q.rows.all(p)
      const rows = changed.length
      for (const { id } of changed) done.latestRow = Math.max(done.latestRow ?? id, id)
      // Scans of theirs after the erasure (the visitor came back) keep the row: it is theirs.
      const visitor =
        (this.q.remaining.get({ c, o })?.n ?? 0) === 0 ? this.q.visitor.run(p).changes : 0
      const unbound = this.q.unbind.run(p).changes
      const staged = this.q.staged.run({ c, o }).changes
      const binds = this.q.binds.run(p).changes
      // A visitor come back after the erasure is found again by every resend: counted only
      // when this frame changed something of theirs (else each welcome logged them anew).
      if (rows + visitor + unbound + staged + binds > 0) done.visitors++
      done.rows += rows
      done.unbound += unbound
      done.binds += binds
    }
    return done
  }

  private tombstoneOf(campaignId: string, openid: string): string {
    if (this.memo?.campaignId !== campaignId || this.memo.hashes.size >= MEMO_LIMIT) {
      this.memo = { campaignId, hashes: new Map() }
    }
    let hash = this.memo.hashes.get(openid)
    if (hash === undefined) {
      hash = visitorTombstone(campaignId, openid)
      this.memo.hashes.set(openid, hash)
    }
    return hash
  }
}

/** Openids whose tombstone is kept in memory (~15 MB at most); past it, hashed again. */
const MEMO_LIMIT = 100_000
