import type { Migration } from '../../../../shared/server/migrate'
import { rosterMatchKey } from '../../../../shared/roster/roster-input'

/**
 * Entries keyed by a name or a code as it was encoded (a decomposed `Nguyễn`, saved from a Mac or
 * a web form) keyed as it reads (NFC, shared/roster/roster-input.ts), so re-importing the
 * precomposed spelling updates the guest. As in 009: two entries of one campaign that now share a
 * key both stay, the bound or checked-in one taking the new key (OR IGNORE for the others), and
 * relay rows (`relay:`) are not touched. Only keys that change are written.
 */
export const m010RosterNameNfc: Migration = {
  version: 10,
  name: 'roster-name-nfc',
  up(db) {
    const update = db.prepare<[string, string]>(
      'UPDATE OR IGNORE roster_entries SET match_key = ? WHERE id = ?',
    )
    const entries = db.prepare<
      [],
      { id: string; name: string; phone: string; code: string; matchKey: string }
    >(
      `SELECT id, name, phone, code, match_key AS matchKey FROM roster_entries
       WHERE match_key LIKE 'name:%' OR match_key LIKE 'code:%'
       ORDER BY campaign_id, openid IS NULL, checked_in_at IS NULL, imported_at, id`,
    )
    for (const e of entries.all()) {
      const key = rosterMatchKey({ name: e.name, company: '', phone: e.phone, code: e.code })
      if (key !== e.matchKey) update.run(key, e.id)
    }
  },
}
