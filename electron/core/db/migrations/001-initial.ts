import type { Migration } from '../../../../shared/server/migrate'

export const m001Initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

      -- Temporary QR tickets. connection_id ties a ticket to the account/relay that issued it,
      -- so a changed configuration (or a new demo sandbox) never shows a foreign code.
      CREATE TABLE tickets (
        id INTEGER PRIMARY KEY,
        connection_id TEXT NOT NULL,
        scene TEXT NOT NULL UNIQUE,
        ticket TEXT NOT NULL,
        url TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('ready', 'shown', 'scanned')),
        shown_at INTEGER,
        campaign_id TEXT,
        roster_entry_id TEXT
      ) STRICT;
      CREATE INDEX tickets_by_state ON tickets (connection_id, state, expires_at);

      -- Tickets created per WeChat quota day.
      CREATE TABLE quota_usage (day TEXT PRIMARY KEY, created INTEGER NOT NULL) STRICT;

      CREATE TABLE roster_entries (
        id TEXT PRIMARY KEY,
        campaign_id TEXT NOT NULL,
        name TEXT NOT NULL,
        company TEXT NOT NULL,
        phone TEXT NOT NULL,
        code TEXT NOT NULL,
        match_key TEXT NOT NULL,
        openid TEXT,
        checked_in_at INTEGER,
        imported_at INTEGER NOT NULL,
        UNIQUE (campaign_id, match_key)
      ) STRICT;
      CREATE UNIQUE INDEX roster_by_openid ON roster_entries (campaign_id, openid)
        WHERE openid IS NOT NULL;

      -- One row per visitor per campaign: their check-in number is given on the first scan.
      CREATE TABLE visitors (
        campaign_id TEXT NOT NULL,
        openid TEXT NOT NULL,
        check_in_number INTEGER NOT NULL,
        first_seen INTEGER NOT NULL,
        PRIMARY KEY (campaign_id, openid),
        UNIQUE (campaign_id, check_in_number)
      ) STRICT;

      CREATE TABLE attendance (
        id INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE,
        campaign_id TEXT NOT NULL,
        kiosk_id TEXT NOT NULL,
        openid TEXT NOT NULL,
        scene TEXT NOT NULL,
        ticket TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('subscribe', 'scan')),
        create_time INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        first_visit INTEGER NOT NULL CHECK (first_visit IN (0, 1)),
        check_in_number INTEGER NOT NULL,
        roster_entry_id TEXT,
        greeting_shown INTEGER NOT NULL DEFAULT 0 CHECK (greeting_shown IN (0, 1)),
        unknown_ticket INTEGER NOT NULL CHECK (unknown_ticket IN (0, 1))
      ) STRICT;
      CREATE INDEX attendance_by_campaign ON attendance (campaign_id, id);
      CREATE INDEX attendance_by_openid ON attendance (campaign_id, openid);
      CREATE INDEX attendance_by_received ON attendance (campaign_id, received_at);
    `)
  },
}
