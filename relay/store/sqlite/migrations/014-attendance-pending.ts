// Relay store migration 14: the push's commit marks its attendance row as pending (which
// queue entry, its campaign and fallback flag) in an append-only table with no index; the indexer
// (relay/store/sqlite/attendance-indexer.ts) builds the attendance row, its index entries and
// the console's counters from the queue entry after the commit, in chunks the push does not
// wait for.
import type { Migration } from '../../../../shared/server/migrate'

export const m014AttendancePending: Migration = {
  version: 14,
  name: 'attendance-pending',
  up: `
      -- Queue entries whose attendance row is not written yet. The rowid is the order they
      -- were committed in; a chunk writes the oldest rows into the attendance, with their
      -- counters, and deletes them, in one transaction. The queue keeps an entry while it is
      -- pending (the prune stops at the oldest received_at here). What the push knew and the
      -- queue entry does not hold: campaign_id, the kiosk's campaign when the scan arrived
      -- (NULL: none), and fallback, whether the scene was the kiosk's fallback code's then.
      CREATE TABLE attendance_pending (
        kiosk_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        campaign_id TEXT,
        fallback INTEGER NOT NULL,
        received_at INTEGER NOT NULL
      ) STRICT;
  `,
}
