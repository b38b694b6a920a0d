import type { Migration } from '../../../../shared/server/migrate'

export const m008AttendanceStatsCover: Migration = {
  version: 8,
  name: 'attendance-stats-cover',
  up(db) {
    db.exec(`
      -- The stats panel's reads answered from the indexes alone (no row looked up): the
      -- visitors, returning ones, followers and fallback scans in openid order, the timeline in
      -- time order. Both replace the index of the same name and prefix, so every use of those
      -- stays, and a scan's insert keeps three attendance indexes.
      DROP INDEX attendance_by_openid;
      CREATE INDEX attendance_by_openid
        ON attendance (campaign_id, openid, first_visit, kind, fallback);
      DROP INDEX attendance_by_received;
      CREATE INDEX attendance_by_received ON attendance (campaign_id, received_at, first_visit);
    `)
  },
}
