/** Registered visitors per campaign (desk mode), and which WeChat openid each one is. */
import { randomBytes } from 'node:crypto'
import type { RosterEntry } from '../../../shared/domain'
import type { Statement } from 'better-sqlite3'
import type { KioskDb } from '../db/db'
import { rosterMatchKey, type RosterInput } from '../../../shared/roster/roster-input'
import { naturalKey } from './natural-key'
import { searchKey, searchQueryKey } from '../../../shared/roster/search-key'

export { rosterMatchKey, type RosterInput } from '../../../shared/roster/roster-input'

const COLUMNS = `id, name, company, phone, code, openid, checked_in_at AS checkedInAt`
/** A relay registration's match key: this prefix and the relay's registration id. */
const RELAY_KEY = 'relay:'
/** `checked_in_at` given a check-in at `?`: the later of the two (times are never negative). */
const LATEST_CHECK_IN = 'max(coalesce(checked_in_at, 0), ?)'
const relayMatchKey = (registrationId: string): string => RELAY_KEY + registrationId

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`)
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '')

type EntryWithCampaign = RosterEntry & { campaignId: string }

export class RosterStore {
  /** Prepared once: better-sqlite3 compiles the SQL on every `prepare`. */
  private readonly q: {
    byId: Statement<[string], EntryWithCampaign>
    byRegistration: Statement<[string, string], EntryWithCampaign>
    matchKey: Statement<[string], { matchKey: string }>
    byOpenid: Statement<[string, string], { id: string; name: string }>
    search: Statement<[string, string, number], RosterEntry>
    upsert: Statement<
      [string, string, string, string, string, string, string, number, string, string]
    >
    unbindOthers: Statement<[string, string, string]>
    bind: Statement<[string, string]>
    markCheckedIn: Statement<[number, string]>
  }
  private readonly upsertTx: (campaignId: string, rows: RosterInput[], now: number) => void

  constructor(private readonly db: KioskDb) {
    // Desk search lists "Guest 2" before "Guest 10" (natural-key.ts): each entry keeps its key
    // (sort_key, indexed with the campaign), written with the name; the relay's roster sync
    // writes it in SQL through this function.
    db.function('natural_key', { deterministic: true }, (text: unknown) =>
      typeof text === 'string' ? naturalKey(text) : null,
    )
    // What the search compares (shared/roster/search-key.ts), kept the same way (search_key).
    db.function(
      'search_key',
      { deterministic: true },
      (name: unknown, company: unknown, phone: unknown, code: unknown) =>
        searchKey({
          name: text(name),
          company: text(company),
          phone: text(phone),
          code: text(code),
        }),
    )
    this.q = {
      byId: db.prepare(
        `SELECT ${COLUMNS}, campaign_id AS campaignId FROM roster_entries WHERE id = ?`,
      ),
      byRegistration: db.prepare(
        `SELECT ${COLUMNS}, campaign_id AS campaignId FROM roster_entries
         WHERE campaign_id = ? AND match_key = ?`,
      ),
      matchKey: db.prepare('SELECT match_key AS matchKey FROM roster_entries WHERE id = ?'),
      byOpenid: db.prepare(
        'SELECT id, name FROM roster_entries WHERE campaign_id = ? AND openid = ?',
      ),
      // instr, not LIKE: both sides are folded already, so a plain substring test; the index
      // holds search_key, so rows that do not match are never read from the table.
      search: db.prepare(
        `SELECT ${COLUMNS} FROM roster_entries INDEXED BY roster_by_sort_key
         WHERE campaign_id = ? AND instr(search_key, ?) > 0
         ORDER BY sort_key, name, id LIMIT ?`,
      ),
      upsert: db.prepare(
        `INSERT INTO roster_entries (id, campaign_id, name, company, phone, code, match_key, imported_at,
           sort_key, search_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (campaign_id, match_key) DO UPDATE SET
           name = excluded.name, sort_key = excluded.sort_key, search_key = excluded.search_key,
           company = excluded.company,
           phone = excluded.phone,
           code = excluded.code, imported_at = excluded.imported_at`,
      ),
      unbindOthers: db.prepare(
        'UPDATE roster_entries SET openid = NULL WHERE campaign_id = ? AND openid = ? AND id <> ?',
      ),
      bind: db.prepare('UPDATE roster_entries SET openid = ? WHERE id = ?'),
      // The latest check-in (a multi-day event's desk asks who came today), never moved back
      // by one delivered late.
      markCheckedIn: db.prepare(
        `UPDATE roster_entries SET checked_in_at = ${LATEST_CHECK_IN} WHERE id = ?`,
      ),
    }
    this.upsertTx = db.transaction((campaignId: string, rows: RosterInput[], now: number) => {
      for (const r of rows) {
        const id = `r_${randomBytes(9).toString('base64url')}`
        this.q.upsert.run(
          id,
          campaignId,
          r.name,
          r.company,
          r.phone,
          r.code,
          rosterMatchKey(r),
          now,
          naturalKey(r.name),
          searchKey(r),
        )
      }
    })
  }

  byId(id: string): EntryWithCampaign | null {
    return this.q.byId.get(id) ?? null
  }

  /** The entry this openid is bound to in the campaign, if any. */
  byOpenid(campaignId: string, openid: string): { id: string; name: string } | null {
    return this.q.byOpenid.get(campaignId, openid) ?? null
  }

  /**
   * Entries whose name, company, phone or code holds the query, folded as the desk types it
   * (shared/roster/search-key.ts: full-width forms, case, accents, spaces and punctuation, a
   * phone's country code); in natural order.
   */
  search(campaignId: string, query: string, limit: number): RosterEntry[] {
    return this.q.search.all(campaignId, searchQueryKey(query), limit)
  }

  /** Inserts or updates (keeping any openid binding); returns how many rows were written. */
  upsertMany(campaignId: string, rows: RosterInput[], now: number): number {
    this.upsertTx(campaignId, rows, now)
    return rows.length
  }

  /**
   * Desk mode: whoever scanned the entry's personal code is that entry. The desk's choice is the
   * latest truth: the openid is taken off any other entry of the campaign. The check-in is the
   * caller's (`markCheckedIn`), at the time it happened.
   */
  bind(entry: { id: string; campaignId: string }, openid: string): void {
    this.q.unbindOthers.run(entry.campaignId, openid, entry.id)
    this.q.bind.run(openid, entry.id)
  }

  /** Leaving demo mode: bindings and check-ins that scans through `kioskId` gave are undone. */
  forgetScansOf(kioskId: string): void {
    this.db
      .prepare(
        `UPDATE roster_entries SET openid = NULL, checked_in_at = NULL
         WHERE (campaign_id, openid) IN (SELECT campaign_id, openid FROM attendance WHERE kiosk_id = ?)`,
      )
      .run(kioskId)
  }

  /**
   * The entry of a relay registration in `campaignId`. A relay's registration id is the same
   * in every campaign that lists the person (it is derived from the match key), so a kiosk
   * row is found by campaign and registration (its match key), never by the id alone.
   */
  byRegistration(campaignId: string, registrationId: string): EntryWithCampaign | null {
    return this.q.byRegistration.get(campaignId, relayMatchKey(registrationId)) ?? null
  }

  /** The relay registration an entry stands for; null for an entry imported here. */
  registrationIdOf(entryId: string): string | null {
    const key = this.q.matchKey.get(entryId)?.matchKey
    return key?.startsWith(RELAY_KEY) ? key.slice(RELAY_KEY.length) : null
  }

  /**
   * A relay roster (contract v2) that finished arriving in `roster_staging` (owned by
   * campaigns/relay-roster.ts) becomes the campaign's roster, in the caller's transaction:
   * entries are the relay's registrations by campaign and id (check-ins made here are kept),
   * the relay's openid binding wins, else one made here stays; entries the relay no longer
   * lists go. A registration new to the campaign keeps the relay's id as its kiosk id unless
   * another row has it (the same person in another campaign), then gets one of its own: that
   * is another row, with that campaign's check-in and binding.
   */
  replaceFromStaging(campaignId: string, now: number): void {
    const p = { campaign: campaignId, now }
    this.db
      .prepare(
        `DELETE FROM roster_entries WHERE campaign_id = @campaign
           AND match_key NOT IN (SELECT '${RELAY_KEY}' || id FROM roster_staging)`,
      )
      .run(p)
    // The relay's bindings are the latest truth: free those openids before they are given.
    this.db
      .prepare(
        `UPDATE roster_entries SET openid = NULL WHERE campaign_id = @campaign
           AND openid IN (SELECT openid FROM roster_staging WHERE openid IS NOT NULL)`,
      )
      .run(p)
    this.db
      .prepare(
        `INSERT INTO roster_entries (id, campaign_id, name, company, phone, code, match_key, openid,
           imported_at, sort_key, search_key)
         SELECT CASE WHEN EXISTS (SELECT 1 FROM roster_entries e WHERE e.id = s.id)
             THEN 'r_' || lower(hex(randomblob(9))) ELSE s.id END,
           @campaign, s.name, s.company, s.phone, s.code,
           '${RELAY_KEY}' || s.id,
           CASE WHEN s.position = (SELECT min(position) FROM roster_staging o WHERE o.openid = s.openid)
             THEN s.openid END,
           @now, natural_key(s.name), search_key(s.name, s.company, s.phone, s.code)
         FROM roster_staging s WHERE true ORDER BY s.position
         ON CONFLICT (campaign_id, match_key) DO UPDATE SET name = excluded.name,
           sort_key = excluded.sort_key, search_key = excluded.search_key, company = excluded.company, phone = excluded.phone, code = excluded.code,
           openid = COALESCE(excluded.openid, openid), imported_at = excluded.imported_at`,
      )
      .run(p)
  }

  deleteCampaign(campaignId: string): void {
    this.db.prepare('DELETE FROM roster_entries WHERE campaign_id = ?').run(campaignId)
  }

  /** The entry's latest check-in: an earlier one (a scan delivered late) does not move it back. */
  markCheckedIn(entryId: string, now: number): void {
    this.q.markCheckedIn.run(now, entryId)
  }
}
