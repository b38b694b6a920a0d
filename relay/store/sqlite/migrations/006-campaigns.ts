// Relay store migration 6: campaigns (contract v2) and campaign-wide check-in numbers.
import type { Migration } from '../../../../shared/server/migrate'

export const m006Campaigns: Migration = {
  version: 6,
  name: 'campaigns',
  up: `
      -- The campaign as validated JSON (shared/campaign.ts, with its screen key), its version
      -- (from the clock below), its roster's version and size.
      CREATE TABLE campaigns (
        id TEXT PRIMARY KEY,
        campaign TEXT NOT NULL,
        version INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        roster_version INTEGER NOT NULL DEFAULT 0,
        roster_total INTEGER NOT NULL DEFAULT 0
      ) STRICT;

      -- The current roster of each campaign, in upload order (idx from 0).
      CREATE TABLE campaign_roster (
        campaign_id TEXT NOT NULL,
        idx INTEGER NOT NULL,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        company TEXT NOT NULL,
        phone TEXT NOT NULL,
        code TEXT NOT NULL,
        PRIMARY KEY (campaign_id, idx)
      ) STRICT, WITHOUT ROWID;

      -- Registration ↔ WeChat user, made at a desk; the latest at wins.
      CREATE TABLE campaign_bindings (
        campaign_id TEXT NOT NULL,
        registration_id TEXT NOT NULL,
        openid TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (campaign_id, registration_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX campaign_bindings_openid ON campaign_bindings (campaign_id, openid);

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

      -- The last check-in number handed out: a row of its own, so a push's UPDATE rewrites a
      -- few bytes, not the campaign's JSON.
      CREATE TABLE campaign_counters (
        campaign_id TEXT PRIMARY KEY,
        last_number INTEGER NOT NULL
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
