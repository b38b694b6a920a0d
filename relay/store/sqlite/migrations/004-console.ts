// Relay store migration 4: the console (organizers, sessions, login attempts, pairing codes, kiosk meta).
import type { Migration } from '../../../../shared/server/migrate'

export const m004Console: Migration = {
  version: 4,
  name: 'console',
  up: `
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
}
