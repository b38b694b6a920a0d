// Relay store migration 10: each attendance row keeps the visitor's campaign-wide check-in
// number the push took or found (issue 19), for the console's table and the exports.
import type { Migration } from '../../../../shared/server/migrate'

export const m010AttendanceNumber: Migration = {
  version: 10,
  name: 'attendance-number',
  up: `
      -- NULL: the kiosk had no campaign when the scan arrived. Rows stored before this
      -- migration take the number their queue entry still holds (pruned ones stay NULL).
      ALTER TABLE attendance ADD COLUMN number INTEGER;
      UPDATE attendance SET number = events.number FROM events
        WHERE events.kiosk_id = attendance.kiosk_id AND events.seq = attendance.seq
          AND events.number IS NOT NULL;
  `,
}
