/**
 * Numbered, append-only schema migrations for the relay's SQLite store. `PRAGMA user_version`
 * records the last one applied; never edit a shipped migration, add the next number.
 */
export interface Migration {
  version: number
  sql: string
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
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
  },
  {
    version: 2,
    sql: `
      -- One permanent fallback code per kiosk, created once by the ticket proxy.
      CREATE TABLE fallback_codes (
        kiosk_id TEXT PRIMARY KEY,
        ticket TEXT NOT NULL,
        url TEXT NOT NULL,
        scene TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    sql: `
      CREATE TABLE signed_queries (
        key TEXT PRIMARY KEY,
        body_hash TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX signed_queries_expiry ON signed_queries (expires_at);

      -- One row the health probe rewrites: a cheap write through the group commit.
      CREATE TABLE health_probe (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 4,
    sql: `
      -- Consolidated attendance (docs/DESIGN.md "Consolidated attendance"): one row per routed
      -- scan, written with the queue append, never pruned. (kiosk_id, seq) orders the export
      -- and the console's table; openid and scene serve its prefix search. No index on
      -- event_id: the queue's de-duplicates (a random-key index costs every push a page write).
      CREATE TABLE attendance (
        kiosk_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        event_id TEXT NOT NULL,
        event TEXT NOT NULL CHECK (event IN ('subscribe', 'scan')),
        openid TEXT NOT NULL,
        scene TEXT NOT NULL,
        ticket TEXT NOT NULL,
        fallback INTEGER NOT NULL CHECK (fallback IN (0, 1)),
        create_time INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (kiosk_id, seq)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX attendance_openid ON attendance (openid);
      CREATE INDEX attendance_scene ON attendance (scene);

      -- Counters kept on the same write, so the console's stats never scan the rows.
      CREATE TABLE attendance_kiosk_stats (
        kiosk_id TEXT PRIMARY KEY,
        scans INTEGER NOT NULL,
        visitors INTEGER NOT NULL,
        new_followers INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE attendance_kiosk_visitors (
        kiosk_id TEXT NOT NULL,
        openid TEXT NOT NULL,
        scans INTEGER NOT NULL,
        PRIMARY KEY (kiosk_id, openid)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE attendance_visitors (
        openid TEXT PRIMARY KEY,
        scans INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE attendance_totals (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        visitors INTEGER NOT NULL,
        returning_visitors INTEGER NOT NULL
      ) STRICT;
      -- Scans per 10-minute slot (by receive time) and kiosk: today's timeline is a range.
      CREATE TABLE attendance_slots (
        slot_at INTEGER NOT NULL,
        kiosk_id TEXT NOT NULL,
        scans INTEGER NOT NULL,
        PRIMARY KEY (slot_at, kiosk_id)
      ) STRICT, WITHOUT ROWID;
    `,
  },
]
