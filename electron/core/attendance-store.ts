/**
 * Attendance: one row per relay event, inserted idempotently by event id. A scan the relay
 * routed to us always counts, even for a code we no longer know (reinstall, backup, expired
 * from the pool): such rows are flagged `unknown_ticket`, never dropped.
 */
import type { AttendanceRow } from '../../shared/domain'
import type { KioskDb } from './db'
import { RosterStore } from './roster-store'
import { TicketRepo } from './ticket-repo'

export interface ScanInput {
  eventId: string
  kioskId: string
  openid: string
  scene: string
  ticket: string
  kind: 'subscribe' | 'scan'
  /** WeChat CreateTime, seconds. */
  createTime: number
  receivedAt: number
  /** Used when the scene's ticket is unknown (or was shown before any campaign). */
  fallbackCampaignId: string
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
}

export const ROW_SELECT = `SELECT a.id, a.event_id AS eventId, a.campaign_id AS campaignId,
  a.kiosk_id AS kioskId, a.openid, a.scene, a.kind, a.create_time AS createTime,
  a.received_at AS receivedAt, a.first_visit AS firstVisit, a.check_in_number AS checkInNumber,
  a.roster_entry_id AS rosterEntryId, r.name AS rosterName, a.greeting_shown AS greetingShown,
  a.unknown_ticket AS unknownTicket
  FROM attendance a LEFT JOIN roster_entries r ON r.id = a.roster_entry_id`

export function toRow(r: RawRow): AttendanceRow {
  return {
    ...r,
    firstVisit: r.firstVisit === 1,
    greetingShown: r.greetingShown === 1,
    unknownTicket: r.unknownTicket === 1,
  }
}

export class AttendanceStore {
  private readonly roster: RosterStore
  private readonly tickets: TicketRepo

  constructor(private readonly db: KioskDb) {
    this.roster = new RosterStore(db)
    this.tickets = new TicketRepo(db)
  }

  /** Records one event; nested in the caller's transaction when there is one. */
  record(s: ScanInput, now: number): RecordResult {
    return this.db.transaction((): RecordResult => {
      if (this.db.prepare('SELECT 1 FROM attendance WHERE event_id = ?').get(s.eventId)) {
        return { inserted: false }
      }
      const ticket = this.tickets.byScene(s.scene)
      if (ticket) this.tickets.markScanned(s.scene)
      const campaignId = ticket?.campaignId ?? s.fallbackCampaignId
      const visitor = this.visitor(campaignId, s.openid, s.receivedAt)

      // Desk mode: the personal code binds whoever scanned it to that registration.
      const deskEntry = ticket?.rosterEntryId ? this.roster.byId(ticket.rosterEntryId) : null
      if (deskEntry && deskEntry.campaignId === campaignId) {
        this.roster.bind(campaignId, deskEntry.id, s.openid, now)
      }
      const entry = this.roster.byOpenid(campaignId, s.openid)
      if (entry) this.roster.markCheckedIn(entry.id, now)

      const { lastInsertRowid } = this.db
        .prepare(
          `INSERT INTO attendance (event_id, campaign_id, kiosk_id, openid, scene, ticket, kind,
             create_time, received_at, first_visit, check_in_number, roster_entry_id, unknown_ticket)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          s.eventId,
          campaignId,
          s.kioskId,
          s.openid,
          s.scene,
          s.ticket,
          s.kind,
          s.createTime,
          s.receivedAt,
          visitor.firstVisit ? 1 : 0,
          visitor.checkInNumber,
          entry?.id ?? null,
          ticket ? 0 : 1,
        )
      const row = this.byRowId(Number(lastInsertRowid))
      if (!row) throw new Error('inserted attendance row not found')
      return { inserted: true, row }
    })()
  }

  byRowId(id: number): AttendanceRow | null {
    const r = this.db.prepare<[number], RawRow>(`${ROW_SELECT} WHERE a.id = ?`).get(id)
    return r ? toRow(r) : null
  }

  byEventId(eventId: string): AttendanceRow | null {
    const r = this.db.prepare<[string], RawRow>(`${ROW_SELECT} WHERE a.event_id = ?`).get(eventId)
    return r ? toRow(r) : null
  }

  markGreetingShown(eventId: string): boolean {
    return (
      this.db.prepare('UPDATE attendance SET greeting_shown = 1 WHERE event_id = ?').run(eventId)
        .changes > 0
    )
  }

  /** Most recent events of any campaign (diagnostics). */
  latest(limit: number): AttendanceRow[] {
    return this.db
      .prepare<[number], RawRow>(`${ROW_SELECT} ORDER BY a.id DESC LIMIT ?`)
      .all(limit)
      .map(toRow)
  }

  /** The visitor's check-in number: given on their first scan in the campaign, kept after. */
  private visitor(
    campaignId: string,
    openid: string,
    at: number,
  ): { firstVisit: boolean; checkInNumber: number } {
    const known = this.db
      .prepare<[string, string], { n: number }>(
        'SELECT check_in_number AS n FROM visitors WHERE campaign_id = ? AND openid = ?',
      )
      .get(campaignId, openid)
    if (known) return { firstVisit: false, checkInNumber: known.n }
    const next =
      (this.db
        .prepare<[string], { n: number | null }>(
          'SELECT max(check_in_number) AS n FROM visitors WHERE campaign_id = ?',
        )
        .get(campaignId)?.n ?? 0) + 1
    this.db
      .prepare(
        'INSERT INTO visitors (campaign_id, openid, check_in_number, first_seen) VALUES (?, ?, ?, ?)',
      )
      .run(campaignId, openid, next, at)
    return { firstVisit: true, checkInNumber: next }
  }
}
