import type { Migration } from '../../../../shared/server/migrate'

export const m007RelayCampaignHistory: Migration = {
  version: 7,
  name: 'relay-campaign-history',
  up(db) {
    db.exec(`
      -- Every campaign the relay has run this kiosk in, per connection (the last version of
      -- each, JSON as the campaign frame sent it): a booth moved to another campaign keeps the
      -- earlier one's attendance viewable and exportable under its name.
      CREATE TABLE relay_campaign_history (
        connection_id TEXT NOT NULL,
        campaign_id TEXT NOT NULL,
        campaign TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (connection_id, campaign_id)
      ) STRICT;
      INSERT OR REPLACE INTO relay_campaign_history (connection_id, campaign_id, campaign, received_at)
        SELECT connection_id, json_extract(campaign, '$.id'), campaign, received_at
        FROM relay_campaigns
        WHERE campaign IS NOT NULL AND json_valid(campaign)
          AND json_type(campaign, '$.id') = 'text';
    `)
  },
}
