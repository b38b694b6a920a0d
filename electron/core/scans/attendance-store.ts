/**
 * Attendance: one row per relay event, inserted idempotently by event id. A scan the relay
 * routed to us always counts, even for a code we no longer know (reinstall, backup, expired
 * from the pool): such rows are flagged `unknown_ticket`, never dropped. Scans of the booth's
 * permanent fallback code are flagged `fallback`: many visitors share that one code.
 * Owns the `attendance` and `visitors` tables; the ticket's and the roster entry's side of a
 * scan go through their owners (TicketRepo, RosterStore), in the same transaction.
 */
import type { AttendanceRow } from '../../../shared/domain'
import { FALLBACK_NONCE, type ScanFrame } from '../../../shared/relay-protocol'
import type { Statement } from 'better-sqlite3'
import type { KioskDb } from '../db/db'
import type { RosterStore } from '../roster/roster-store'
import type { TicketRepo } from '../tickets/ticket-repo'

/**
 * The scan as the relay sent it: `id` is the event id, `event` its kind; `number` and
 * `firstInCampaign` (contract v2) are the relay's campaign-wide count, used when present.
 */
export type Scan = Pick<
  ScanFrame,
  | 'id'
  | 'event'
  | 'openid'
  | 'scene'
  | 'ticket'
  | 'createTime'
  | 'receivedAt'
  | 'number'
  | 'firstInCampaign'
>

/** Where a scan lands: the link's kiosk, and the campaign for codes we have no record of. */
export interface ScanContext {
  kioskId: string
  /** Used when the scene's ticket is unknown (or was shown before any campaign). */
  fallbackCampaignId: string
  /**
   * The campaign the relay counted this scan in, when the kiosk knows it (the relay's
   * `scan-campaign` frame; from an older relay, a live scan it numbered: the campaign the kiosk
   * holds now). It wins over the code's own: a code shown before the booth moved, scanned after,
   * counts in the booth's new campaign, and one scanned before, replayed after, in the old one,
   * as at the relay (relay/README.md "Campaigns"), with the relay's number there.
   */
  countedIn?: string
  /**
   * The relay's clock less the kiosk's on the link that brought the scan (relay-link.ts
   * `inStepMs`): a desk binding is stamped on the relay's clock, as the relay and every other
   * booth order bindings by their `at` (latest wins), so a booth whose clock is a day off
   * neither overrides later check-ins nor loses to earlier ones. Absent: the kiosk's clock.
   */
  relayAheadMs?: number
}

export interface AttendanceOwners {
  tickets: Pick<TicketRepo, 'byScene' | 'markScanned'>
  roster: Pick<RosterStore, 'byId' | 'byOpenid' | 'markCheckedIn'> & {
    /** RosterStore's `bind`; `at` (the relay's clock) for the owner that sends it on. */
    bind(entry: { id: string; campaignId: string }, openid: string, at: number): void
  }
}

export type RecordResult = { inserted: false } | { inserted: true; row: AttendanceRow }

interface RawRow {
  id: number
  eventId: string
  campaignId: string
  kioskId: string
  openid: string
  scene: string
  kind: 'subscribe' | 'scan'
  createTime: number
  receivedAt: number
  firstVisit: number
  checkInNumber: number
  rosterEntryId: string | null
  rosterName: string | null
  greetingShown: number
  unknownTicket: number
  fallback: number
}

/**
 * Who a row's visitor is (`r`): the roster entry their openid is bound to in the row's campaign
 * now, else the one the scan itself bound. A walk-up scan made before the registration desk
 * bound the visitor is then theirs too, as the relay's sheet names every scan of a bound
 * visitor (docs/DESIGN.md "Consolidated attendance"). One lookup in `roster_by_openid` a row.
 */
export const ROSTER_JOIN = `LEFT JOIN roster_entries r ON r.id = coalesce(
    (SELECT b.id FROM roster_entries b WHERE b.campaign_id = a.campaign_id AND b.openid = a.openid),
    a.roster_entry_id)`

export const ROW_SELECT = `SELECT a.id, a.event_id AS eventId, a.campaign_id AS campaignId,
  a.kiosk_id AS kioskId, a.openid, a.scene, a.kind, a.create_time AS createTime,
  a.received_at AS receivedAt, a.first_visit AS firstVisit, a.check_in_number AS checkInNumber,
  a.roster_entry_id AS rosterEntryId, r.name AS rosterName, a.greeting_shown AS greetingShown,
  a.unknown_ticket AS unknownTicket, a.fallback
  FROM attendance a ${ROSTER_JOIN}`

export function toRow(r: RawRow): AttendanceRow {
  return {
    ...r,
    firstVisit: r.firstVisit === 1,
    greetingShown: r.greetingShown === 1,
    unknownTicket: r.unknownTicket === 1,
    fallback: r.fallback === 1,
  }
}

interface Statements {
  seen: Statement<[string], unknown>
  visitor: Statement<[string, string], { n: number }>
  lastNumber: Statement<[string], { n: number | null }>
  addVisitor: Statement<[string, string, number, number]>
  addRelayVisitor: Statement<[string, string, number, number]>
  renumber: Statement<[number, string, string]>
  insert: Statement<
    [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      number,
      number,
      number,
      number,
      string | null,
      number,
      number,
    ]
  >
  byRowId: Statement<[number], RawRow>
  byEventId: Statement<[string], RawRow>
  greetingShown: Statement<[string]>
  latest: Statement<[number], RawRow>
}

/**
 * When the visitor scanned, on the kiosk's clock: when the relay stored the push (a scan queued
 * through a night of bad Wi-Fi is of the day it was made, not of the morning it arrived) less
 * the time WeChat took to push it (a backlog after WeChat's own incident, minutes late, is of
 * the minute the guest scanned), never after `now` (a relay clock ahead by more than the link
 * knows).
 */
export function checkInTime(s: Scan, where: ScanContext, now: number): number {
  const relayAheadMs = where.relayAheadMs ?? 0
  return Math.min(now, s.receivedAt - relayAheadMs - pushLagMs(s))
}

/**
 * How long after the visitor scanned (WeChat's CreateTime) the relay received the push, never
 * below 0: seconds for a push answered at once or retried (WeChat's tries are 5 s apart),
 * minutes for a backlog WeChat sends after its own incident. Both times are read on the
 * relay's side of the push (CreateTime on WeChat's clock, receivedAt on the relay's), which
 * the relay keeps within its timestamp window of WeChat's, so the kiosk's clock plays no part.
 */
export function pushLagMs(s: Pick<Scan, 'createTime' | 'receivedAt'>): number {
  return Math.max(0, s.receivedAt - s.createTime * 1000)
}

export class AttendanceStore {
  /**
   * Prepared once: better-sqlite3 compiles the SQL on every `prepare`, which cost more than
   * the insert itself when it was done per scan.
   */
  private readonly q: Statements
  private readonly recordTx: (s: Scan, where: ScanContext, now: number) => RecordResult

  constructor(
    private readonly db: KioskDb,
    private readonly owners: AttendanceOwners,
  ) {
    this.q = {
      seen: db.prepare('SELECT 1 FROM attendance WHERE event_id = ?'),
      visitor: db.prepare(
        'SELECT check_in_number AS n FROM visitors WHERE campaign_id = ? AND openid = ?',
      ),
      lastNumber: db.prepare(
        'SELECT max(check_in_number) AS n FROM visitors WHERE campaign_id = ?',
      ),
      addVisitor: db.prepare(
        'INSERT INTO visitors (campaign_id, openid, check_in_number, first_seen) VALUES (?, ?, ?, ?)',
      ),
      // The relay's number wins; one clashing with a number given here offline is left out
      // (the relay's number is still the one greeted and recorded in attendance).
      addRelayVisitor: db.prepare(
        `INSERT INTO visitors (campaign_id, openid, check_in_number, first_seen) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      ),
      renumber: db.prepare(
        'UPDATE OR IGNORE visitors SET check_in_number = ? WHERE campaign_id = ? AND openid = ?',
      ),
      insert: db.prepare(
        `INSERT INTO attendance (event_id, campaign_id, kiosk_id, openid, scene, ticket, kind,
           create_time, received_at, first_visit, check_in_number, roster_entry_id, unknown_ticket,
           fallback)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      byRowId: db.prepare(`${ROW_SELECT} WHERE a.id = ?`),
      byEventId: db.prepare(`${ROW_SELECT} WHERE a.event_id = ?`),
      greetingShown: db.prepare('UPDATE attendance SET greeting_shown = 1 WHERE event_id = ?'),
      latest: db.prepare(`${ROW_SELECT} ORDER BY a.id DESC LIMIT ?`),
    }
    this.recordTx = db.transaction((s: Scan, where: ScanContext, now: number) =>
      this.insert(s, where, now),
    )
  }

  /** Records one event; nested in the caller's transaction when there is one. */
  record(s: Scan, where: ScanContext, now: number): RecordResult {
    return this.recordTx(s, where, now)
  }

  /** The body of `record`; the caller holds the transaction. */
  private insert(s: Scan, where: ScanContext, now: number): RecordResult {
    const { tickets, roster } = this.owners
    if (this.q.seen.get(s.id) !== undefined) return { inserted: false }
    const ticket = tickets.byScene(s.scene)
    if (ticket) tickets.markScanned(s.scene)
    const campaignId = where.countedIn ?? ticket?.campaignId ?? where.fallbackCampaignId
    const visitor = this.visitor(campaignId, s)

    // Desk mode: the personal code binds whoever scanned it to that registration.
    const deskEntry = ticket?.rosterEntryId ? roster.byId(ticket.rosterEntryId) : null
    if (deskEntry && deskEntry.campaignId === campaignId)
      roster.bind(deskEntry, s.openid, now + (where.relayAheadMs ?? 0))
    const entry = roster.byOpenid(campaignId, s.openid)
    if (entry) roster.markCheckedIn(entry.id, checkInTime(s, where, now))

    const rosterEntryId = entry?.id ?? null
    // The relay routes only this kiosk's scenes here, so its own fallback scene is the one.
    const fallback = s.scene === `${where.kioskId}:${FALLBACK_NONCE}`
    const unknownTicket = ticket === null && !fallback
    // The row mapping: the frame's `id` is the row's event id, its `event` the row's kind.
    const { lastInsertRowid } = this.q.insert.run(
      s.id,
      campaignId,
      where.kioskId,
      s.openid,
      s.scene,
      s.ticket,
      s.event,
      s.createTime,
      s.receivedAt,
      visitor.firstVisit ? 1 : 0,
      visitor.checkInNumber,
      rosterEntryId,
      unknownTicket ? 1 : 0,
      fallback ? 1 : 0,
    )
    // Everything the row holds is known here: no need to read it back.
    return {
      inserted: true,
      row: {
        id: Number(lastInsertRowid),
        eventId: s.id,
        campaignId,
        kioskId: where.kioskId,
        openid: s.openid,
        scene: s.scene,
        kind: s.event,
        createTime: s.createTime,
        receivedAt: s.receivedAt,
        firstVisit: visitor.firstVisit,
        checkInNumber: visitor.checkInNumber,
        rosterEntryId,
        rosterName: entry?.name ?? null,
        greetingShown: false,
        unknownTicket,
        fallback,
      },
    }
  }

  byRowId(id: number): AttendanceRow | null {
    const r = this.q.byRowId.get(id)
    return r ? toRow(r) : null
  }

  byEventId(eventId: string): AttendanceRow | null {
    const r = this.q.byEventId.get(eventId)
    return r ? toRow(r) : null
  }

  markGreetingShown(eventId: string): boolean {
    return this.q.greetingShown.run(eventId).changes > 0
  }

  /**
   * Leaving demo mode: every scan through `kioskId` and every scan of `campaignId`, with the
   * check-in numbers they gave. Returns how many scans went. Run once, so prepared here.
   */
  forget(kioskId: string, campaignId: string): number {
    const p = { kiosk: kioskId, campaign: campaignId }
    this.db
      .prepare(
        `DELETE FROM visitors WHERE (campaign_id, openid) IN
           (SELECT campaign_id, openid FROM attendance WHERE kiosk_id = @kiosk)`,
      )
      .run(p)
    const { changes } = this.db
      .prepare('DELETE FROM attendance WHERE kiosk_id = @kiosk OR campaign_id = @campaign')
      .run(p)
    this.db.prepare('DELETE FROM visitors WHERE campaign_id = @campaign').run(p)
    return changes
  }

  /** Most recent events of any campaign (diagnostics). */
  latest(limit: number): AttendanceRow[] {
    return this.q.latest.all(limit).map(toRow)
  }

  /**
   * The visitor's check-in number: the relay's when the frame carries one (the same at every
   * booth), else given here on their first scan in the campaign, kept after.
   */
  private visitor(campaignId: string, s: Scan): { firstVisit: boolean; checkInNumber: number } {
    const { openid, receivedAt: at } = s
    const known = this.q.visitor.get(campaignId, openid)
    if (s.number !== undefined) {
      if (!known) this.q.addRelayVisitor.run(campaignId, openid, s.number, at)
      else if (known.n !== s.number) this.q.renumber.run(s.number, campaignId, openid)
      return { firstVisit: s.firstInCampaign ?? !known, checkInNumber: s.number }
    }
    if (known) return { firstVisit: false, checkInNumber: known.n }
    const next = (this.q.lastNumber.get(campaignId)?.n ?? 0) + 1
    this.q.addVisitor.run(campaignId, openid, next, at)
    return { firstVisit: true, checkInNumber: next }
  }
}
