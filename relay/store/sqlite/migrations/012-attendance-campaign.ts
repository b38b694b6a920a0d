// Relay store migration 12: each attendance row keeps the campaign its kiosk ran when the scan
// arrived, and whether the scan took the visitor's number there (first in the campaign): the
// consolidated export's 活动 and 首次签到 columns, and a row's roster name, follow the scan
// even after its booth moves to another campaign.
import type { Migration } from '../../../../shared/server/migrate'

export const m012AttendanceCampaign: Migration = {
  version: 12,
  name: 'attendance-campaign',
  up: `
      -- NULL: no campaign, or a row stored before this migration (its campaign is not known;
      -- its first-in-campaign flag is, while its queue entry is kept).
      ALTER TABLE attendance ADD COLUMN campaign_id TEXT;
      ALTER TABLE attendance ADD COLUMN first_in_campaign INTEGER
        CHECK (first_in_campaign IN (0, 1));
      UPDATE attendance SET first_in_campaign = events.first_in_campaign FROM events
        WHERE events.kiosk_id = attendance.kiosk_id AND events.seq = attendance.seq
          AND events.first_in_campaign IS NOT NULL;
  `,
}
