import type { Migration } from '../../../../shared/server/migrate'
import { rosterMatchKey } from '../../../../shared/roster/roster-input'

/**
 * Entries keyed by name + phone (no code) keyed by the phone's number instead of its spelling
 * (shared/roster/roster-input.ts), so re-importing `13800138000` updates the guest imported as
 * `138 0013 8000`. Two entries of one campaign that now share a key (the same guest imported
 * twice before, the phone written two ways) both stay: the first keeps the new key, the others
 * their old one (OR IGNORE), with their check-ins and bindings. A bound or checked-in one comes
 * first (as the relay keeps a bound one of such a pair), so a re-import updates the guest staff
 * see at the desk; one already written the plain way keeps the key it has. Relay rows (`relay:`) and
 * entries keyed by code are not touched.
 */
export const m009RosterPhoneMatch: Migration = {
  version: 9,
  name: 'roster-phone-match',
  up(db) {
    const update = db.prepare<[string, string]>(
      'UPDATE OR IGNORE roster_entries SET match_key = ? WHERE id = ?',
    )
    const entries = db.prepare<[], { id: string; name: string; phone: string; matchKey: string }>(
      `SELECT id, name, phone, match_key AS matchKey FROM roster_entries
       WHERE match_key LIKE 'name:%'
       ORDER BY campaign_id, openid IS NULL, checked_in_at IS NULL, imported_at, id`,
    )
    for (const e of entries.all()) {
      const key = rosterMatchKey({ name: e.name, company: '', phone: e.phone, code: '' })
      if (key !== e.matchKey) update.run(key, e.id)
    }
  },
}
