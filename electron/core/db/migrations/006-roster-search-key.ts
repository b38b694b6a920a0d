import type { Migration } from '../../../../shared/server/migrate'
import { searchKey } from '../../../../shared/roster/search-key'

/**
 * The desk search's folded text kept with each roster entry (`search_key`: name, company, phone
 * and code through shared/roster/search-key.ts, so `王 小明`, `ＳＤ００１`, `jose` and a phone
 * typed with dashes find the guest), and carried in the order's index: a keystroke's search
 * reads the index alone in order, and the table only for the rows it returns.
 */
export const m006RosterSearchKey: Migration = {
  version: 6,
  name: 'roster-search-key',
  up(db) {
    db.exec(`ALTER TABLE roster_entries ADD COLUMN search_key TEXT NOT NULL DEFAULT ''`)
    const update = db.prepare<[string, string]>(
      'UPDATE roster_entries SET search_key = ? WHERE id = ?',
    )
    const entries = db.prepare<
      [],
      { id: string; name: string; company: string; phone: string; code: string }
    >('SELECT id, name, company, phone, code FROM roster_entries')
    for (const e of entries.all()) update.run(searchKey(e), e.id)
    db.exec(`DROP INDEX roster_by_sort_key;
      CREATE INDEX roster_by_sort_key ON roster_entries (campaign_id, sort_key, name, id, search_key)`)
  },
}
