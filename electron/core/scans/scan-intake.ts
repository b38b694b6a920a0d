// Folder scans/: a visitor's scan from the relay to the screen. relay-link.ts holds the websocket
// to the relay and acks batches; relay-cursor.ts owns where the kiosk is in the relay's stream;
// scan-intake.ts (here) stores each batch with the cursor and emits the events; attendance-store.ts
// writes the attendance rows, attendance-queries.ts reads them (admin list, stats); greeter.ts
// words the greeting; greeting-backlog.ts keeps the recent ones not yet shown, for a page that
// starts listening late. The scan is the relay's `scan` frame (shared/relay-protocol.ts) all the
// way to the row.
/**
 * Scan frames from the relay: a batch is stored with the relay cursor in one transaction (the
 * link acks only after this returns); each new scan's greeting goes out just before its COMMIT,
 * then, per scan and in order, the attendance event, and the screen moves on.
 */
import type { AttendanceRow } from '../../../shared/domain'
import type { ScanFrame } from '../../../shared/relay-protocol'
import { checkInTime, pushLagMs, type AttendanceStore, type ScanContext } from './attendance-store'
import type { CampaignStore } from '../campaigns/campaign-store'
import { makeGreeting } from './greeter'
import type { KioskEvents } from '../api/kiosk-events'
import type { GreetingBacklog } from './greeting-backlog'
import type { RelayCursorStore } from './relay-cursor'
import { inStepMs, type AfterCommit, type ScanDelivery } from './relay-link'
import type { TicketPool } from '../tickets/ticket-pool'
import type { Logger } from '../../../shared/server/log'

export interface ScanIntakeDeps {
  attendance: Pick<AttendanceStore, 'record'>
  cursor: Pick<RelayCursorStore, 'commit'>
  campaigns: Pick<CampaignStore, 'get'>
  events: KioskEvents
  pool: Pick<TicketPool, 'scanned'>
  now: () => number
  /** This link's kiosk, and where scans of codes we have no record of are counted. */
  context: ScanContext
  /**
   * The relay campaign the kiosk holds for this link, or null. For a relay that names no
   * campaign before its scans (no `scan-campaign` frame): a live scan the relay numbered was
   * counted there, as the relay sends a move's campaign frame before the scans it then counts
   * in the new campaign; a replayed one may predate the move, so it keeps its code's campaign.
   * A scan whose campaign the relay named is filed there, live or replayed.
   */
  relayCampaignId: string | null
  /** Replayed scans older than this get no greeting: the visitor has long walked on. */
  greetWindowMs: number
  /** Keeps each greeting until the screen shows it, for a page that was not listening. */
  backlog: Pick<GreetingBacklog, 'add'>
  /** Where a greeting that could not be made is told (its scan is stored all the same). */
  log?: Pick<Logger, 'error'>
}

/**
 * Stores every scan of the batch and the cursor (its highest seq) in one transaction, and
 * returns what announces the new ones: run it once the ack is on its way. Scans already stored
 * (a replay after a lost ack) are skipped, and get no second greeting.
 *
 * The greetings go out inside the transaction, once every row is written and before its COMMIT
 * (better-sqlite3's commit is a synchronous fsync, 4 ms typical and 15 ms at p99 on a busy
 * disk): the screen starts on the visitor's greeting while the kiosk syncs. The ack still
 * waits for the commit (the link sends it after this returns), so the relay keeps a scan until
 * it is stored. Should the commit fail, the relay sends the scan again and its greeting goes out
 * again with the same eventId, which the screen and the backlog take once.
 */
export function takeScans(d: ScanIntakeDeps, batch: readonly ScanDelivery[]): AfterCommit {
  const now = d.now()
  const last = batch.at(-1)
  if (!last) return () => {}
  const fresh = d.cursor.commit(last.frame.seq, () => {
    const rows: Array<{
      row: AttendanceRow
      frame: ScanFrame
      live: boolean
      at: number
      lagMs: number
      where: ScanContext
    }> = []
    for (const { frame, live, relayAheadMs = 0, countedIn } of batch) {
      const counted =
        frame.number === undefined ? null : (countedIn ?? (live ? d.relayCampaignId : null))
      const where: ScanContext = {
        ...d.context,
        ...(counted !== null && { countedIn: counted }),
        relayAheadMs: inStepMs(relayAheadMs),
      }
      const r = d.attendance.record(frame, where, now)
      // When the visitor scanned, on the kiosk's clock (the relay's may be hours apart): the
      // relay's receipt, less the time WeChat took to push it (scannedAt).
      if (r.inserted) {
        const lagMs = pushLagMs(frame)
        rows.push({
          row: r.row,
          frame,
          live,
          at: frame.receivedAt - relayAheadMs - lagMs,
          lagMs,
          where,
        })
      }
    }
    // Every row written (a failing one threw above, before any greeting): greeted now, before
    // the COMMIT's fsync. A greeting that cannot be made costs the visitor only the greeting:
    // thrown from here it would roll the batch back, and the relay's every resend with it.
    for (const { row, live, at, lagMs } of rows) {
      try {
        greet(d, row, live, at, lagMs, now)
      } catch (err) {
        d.log?.error(`greeting scan ${row.eventId} failed: ${(err as Error).message}`)
      }
    }
    return rows
  })
  return () => {
    for (const { row, frame, where } of fresh) {
      // The desk marks the guest by the check-in time stored with the entry (the kiosk's clock).
      const checkedIn =
        row.rosterEntryId === null ? {} : { checkedInAt: checkInTime(frame, where, now) }
      d.events.emit('attendance', { ...row, ...checkedIn })
      d.pool.scanned(frame.scene)
    }
  }
}

/** A stored scan's greeting, to the backlog and the screen, unless the visitor has walked on. */
function greet(
  d: ScanIntakeDeps,
  row: AttendanceRow,
  live: boolean,
  at: number,
  lagMs: number,
  now: number,
): void {
  const campaign = d.campaigns.get(row.campaignId)
  // A replayed scan's age counts from the scan as above; a live one's from now less WeChat's
  // delay (the relay's clock may be off from the kiosk's and its Date unknown, which is why a
  // live scan's receivedAt is not read against the kiosk's clock). A live scan is late only when
  // WeChat pushed it late (a backlog after WeChat's own incident, CreateTime minutes old): then
  // the visitor has walked on as surely as after a replay. The backlog and the screen age the
  // greeting from that instant, its `at`. The delay is `pushLagMs` (attendance-store.ts).
  const scannedAt = Math.min(now, live ? now - lagMs : at)
  if (!campaign || now - scannedAt > d.greetWindowMs) return
  const greeting = makeGreeting(row, campaign, scannedAt)
  d.backlog.add(greeting)
  d.events.emit('greeting', greeting)
}
