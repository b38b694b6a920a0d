// Relay store migration 5: campaigns (contract v2) and campaign-wide check-in numbers.
import type { Migration } from '../../../../shared/server/migrate'

export const m005Campaigns: Migration = {
  version: 5,
  name: 'campaigns',
  up: `
      -- The campaign as validated JSON (shared/campaign.ts, with its screen key), its version
      -- (from the clock below), and the last check-in number handed out.
      CREATE TABLE campaigns (
        id TEXT PRIMARY KEY,
        campaign TEXT NOT NULL,
        version INTEGER NOT NULL,
        last_number INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
      ) STRICT;

      -- One relay-wide version clock for campaign edits and kiosk assignments.
      CREATE TABLE campaign_clock (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        value INTEGER NOT NULL
      ) STRICT;
      INSERT INTO campaign_clock (id, value) VALUES (1, 0);

      CREATE TABLE kiosk_campaign_versions (
        kiosk_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;

      -- One number per visitor per campaign; first_event_id is the push that took it, so a
      -- retry of that push answers firstInCampaign = true again and no other push does.
      CREATE TABLE campaign_visitors (
        campaign_id TEXT NOT NULL,
        openid TEXT NOT NULL,
        number INTEGER NOT NULL,
        first_event_id TEXT NOT NULL,
        PRIMARY KEY (campaign_id, openid)
      ) STRICT, WITHOUT ROWID;

      ALTER TABLE events ADD COLUMN number INTEGER;
      ALTER TABLE events ADD COLUMN first_in_campaign INTEGER;
  `,
}
