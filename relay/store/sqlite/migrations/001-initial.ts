// Relay store migration 1: kiosks, their scene ranges, the event queues and unrouted pushes.
import type { Migration } from '../../../../shared/server/migrate'

export const m001Initial: Migration = {
  version: 1,
  name: 'initial',
  up: `
      CREATE TABLE kiosks (
        kiosk_id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL,
        epoch TEXT NOT NULL,
        head_seq INTEGER NOT NULL DEFAULT 0,
        acked_seq INTEGER NOT NULL DEFAULT 0,
        ticket_proxy INTEGER NOT NULL DEFAULT 1 CHECK (ticket_proxy IN (0, 1)),
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT;

      CREATE TABLE scene_ranges (
        lo INTEGER PRIMARY KEY,
        hi INTEGER NOT NULL CHECK (hi >= lo),
        kiosk_id TEXT NOT NULL REFERENCES kiosks (kiosk_id) ON DELETE CASCADE
      ) STRICT;

      CREATE TABLE events (
        kiosk_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        id TEXT NOT NULL UNIQUE,
        event TEXT NOT NULL CHECK (event IN ('subscribe', 'scan')),
        openid TEXT NOT NULL,
        scene TEXT NOT NULL,
        ticket TEXT NOT NULL,
        create_time INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        acked_at INTEGER,
        PRIMARY KEY (kiosk_id, seq)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX events_received ON events (received_at);
      CREATE INDEX events_acked ON events (acked_at) WHERE acked_at IS NOT NULL;

      CREATE TABLE unrouted (
        id TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        event TEXT NOT NULL,
        openid TEXT NOT NULL,
        scene TEXT NOT NULL,
        ticket TEXT NOT NULL,
        create_time INTEGER NOT NULL,
        received_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX unrouted_received ON unrouted (received_at);
  `,
}
