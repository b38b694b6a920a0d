/**
 * Migration 009 as kiosks ran it when it was released (e4260568), frozen here with the match key
 * of that release (the name as encoded, the phone folded to its number): UPDATE OR IGNORE, so of
 * a guest imported twice, the checked-in copy kept its old key when the other copy was written
 * the plain way. Tests build a version-9 database with it to check that 010 heals such a kiosk.
 */
import type { Migration } from '../../shared/server/migrate'
import { searchQueryKey } from '../../shared/roster/search-key'

export const released009: Migration = {
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
      const key = `name:${e.name}\u0000${searchQueryKey(e.phone)}`
      if (key !== e.matchKey) update.run(key, e.id)
    }
  },
}
