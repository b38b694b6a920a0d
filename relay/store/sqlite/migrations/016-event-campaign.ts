// Relay store migration 16: each queued event keeps the campaign its number counts in (the
// booth's campaign when the push was stored), so WeChat's retry of the push, de-duplicated by
// event id, is answered and stamped in that campaign even when the booth has moved since.
import type { Migration } from '../../../../shared/server/migrate'

export const m016EventCampaign: Migration = {
  version: 16,
  name: 'event-campaign',
  up: `
      -- NULL with a number: stored before this migration (its campaign is not known here);
      -- NULL without one: no campaign.
      ALTER TABLE events ADD COLUMN campaign_id TEXT;
  `,
}
