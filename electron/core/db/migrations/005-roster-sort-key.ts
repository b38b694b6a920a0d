import type { Migration } from '../../../../shared/server/migrate'
import { naturalKey } from '../../roster/natural-key'

/**
 * The desk search's order kept with each roster entry (`naturalKey(name)`, "Guest 2" before
 * "Guest 10") and indexed with the campaign: a keystroke's search walks the index in that order
 * and stops at its 50th match, instead of computing the key for every matching row and sorting
 * them (23.6 ms against 5.5 ms for SQLite's own order on 20,000 guests: `kiosk.desk-search`).
 */
export const m005RosterSortKey: Migration = {
  version: 5,
  name: 'roster-sort-key',
  up(db) {
    db.exec(`ALTER TABLE roster_entries ADD COLUMN sort_key TEXT NOT NULL DEFAULT ''`)
    const update = db.prepare<[string, string]>(
      'UPDATE roster_entries SET sort_key = ? WHERE id = ?',
    )
    const entries = db.prepare<[], { id: string; name: string }>(
      'SELECT id, name FROM roster_entries',
    )
    for (const e of entries.all()) update.run(naturalKey(e.name), e.id)
    db.exec('CREATE INDEX roster_by_sort_key ON roster_entries (campaign_id, sort_key, name, id)')
  },
}
