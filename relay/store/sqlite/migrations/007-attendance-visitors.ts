// Relay store migration 7: distinct visitors read from one (openid, kiosk_id) index on the
// rows, not from two visitor tables each push also had to write.
import type { Migration } from '../../../../shared/server/migrate'

export const m007AttendanceVisitors: Migration = {
  version: 7,
  name: 'attendance-visitors',
  up: `
      -- Each push wrote the row, its openid and scene index entries and two visitor counters
      -- keyed by openid: four random-key B-tree inserts, a dirty page each per commit. The
      -- openid index, led by openid then kiosk_id, answers "first scan here / anywhere?" with
      -- a read of the page the insert just dirtied, and still serves the prefix search.
      DROP INDEX attendance_openid;
      CREATE INDEX attendance_openid_kiosk ON attendance (openid, kiosk_id);
      DROP TABLE attendance_kiosk_visitors;
      DROP TABLE attendance_visitors;
    `,
}
