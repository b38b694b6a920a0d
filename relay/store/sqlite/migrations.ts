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
      -- Contract v2's console: organizers (scrypt hashes), sessions (SHA-256 of the id),
      -- login lockout counters, pairing codes (SHA-256 of the code), what the console shows.
      CREATE TABLE organizers (
        name TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE console_sessions (
        id_hash TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX console_sessions_name ON console_sessions (name);
      CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);

      CREATE TABLE login_attempts (
        key TEXT PRIMARY KEY,
        count INTEGER NOT NULL,
        locked_until INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE pairing_codes (
        code_hash TEXT PRIMARY KEY,
        kiosk_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX pairing_codes_kiosk ON pairing_codes (kiosk_id);

      CREATE TABLE kiosk_meta (
        kiosk_id TEXT PRIMARY KEY,
        connected_at INTEGER,
        last_seen_at INTEGER,
        campaign_id TEXT,
        version TEXT
      ) STRICT;
    `,
  },
]
