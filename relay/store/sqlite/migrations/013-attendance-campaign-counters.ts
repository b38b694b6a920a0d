// Relay store migration 13: the consolidated attendance's counters per campaign, so the
// console's `?campaign=` stats count the scans that counted in the campaign (the row's own
// campaign, migration 12) rather than the scans of the booths it runs now. The visitor index
// carries the row's campaign, so the push's counts of a visitor in a campaign read the index
// alone. The counters of rows already stored are built from them here.
import type { Migration } from '../../../../shared/server/migrate'

export const m013AttendanceCampaignCounters: Migration = {
  version: 13,
  name: 'attendance-campaign-counters',
  up: `
      DROP INDEX attendance_openid_kiosk;
      CREATE INDEX attendance_openid_kiosk ON attendance (openid, kiosk_id, campaign_id);

      CREATE TABLE attendance_campaign_kiosk_stats (
        campaign_id TEXT NOT NULL,
        kiosk_id TEXT NOT NULL,
        scans INTEGER NOT NULL,
        visitors INTEGER NOT NULL,
        new_followers INTEGER NOT NULL,
        PRIMARY KEY (campaign_id, kiosk_id)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE attendance_campaign_totals (
        campaign_id TEXT PRIMARY KEY,
        visitors INTEGER NOT NULL,
        returning_visitors INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE attendance_campaign_slots (
        campaign_id TEXT NOT NULL,
        slot_at INTEGER NOT NULL,
        scans INTEGER NOT NULL,
        PRIMARY KEY (campaign_id, slot_at)
      ) STRICT, WITHOUT ROWID;

      INSERT INTO attendance_campaign_kiosk_stats
        SELECT campaign_id, kiosk_id, COUNT(*), COUNT(DISTINCT openid), SUM(event = 'subscribe')
          FROM attendance WHERE campaign_id IS NOT NULL GROUP BY campaign_id, kiosk_id;
      INSERT INTO attendance_campaign_totals
        SELECT campaign_id, COUNT(*), SUM(n >= 2) FROM (
          SELECT campaign_id, COUNT(*) AS n FROM attendance WHERE campaign_id IS NOT NULL
            GROUP BY campaign_id, openid)
          GROUP BY campaign_id;
      INSERT INTO attendance_campaign_slots
        SELECT campaign_id, received_at - received_at % 600000, COUNT(*)
          FROM attendance WHERE campaign_id IS NOT NULL GROUP BY 1, 2;
  `,
}
