import type { Migration } from '../../../../shared/server/migrate'

export const m003RelayCampaign: Migration = {
  version: 3,
  name: 'relay-campaign',
  up(db) {
    db.exec(`
      -- The campaign the relay runs this kiosk in (contract v2), per connection like tickets:
      -- another relay has its own versions. campaign NULL: the relay said "none".
      CREATE TABLE relay_campaigns (
        connection_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        campaign TEXT,
        received_at INTEGER NOT NULL
      ) STRICT;

      -- The roster version being received: its slices land in roster_staging and replace the
      -- campaign's roster_entries in one transaction once the last one is in.
      CREATE TABLE roster_sync (
        connection_id TEXT PRIMARY KEY,
        campaign_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        received INTEGER NOT NULL,
        total INTEGER NOT NULL,
        complete INTEGER NOT NULL CHECK (complete IN (0, 1))
      ) STRICT;
      CREATE TABLE roster_staging (
        position INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        company TEXT NOT NULL,
        phone TEXT NOT NULL,
        code TEXT NOT NULL,
        openid TEXT
      ) STRICT;
      CREATE INDEX roster_staging_by_openid ON roster_staging (openid) WHERE openid IS NOT NULL;

      -- Desk bindings made here, kept until the relay acknowledges them.
      CREATE TABLE bind_outbox (
        connection_id TEXT NOT NULL,
        campaign_id TEXT NOT NULL,
        registration_id TEXT NOT NULL,
        openid TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (connection_id, campaign_id, registration_id, openid, at)
      ) STRICT;
    `)
  },
}
