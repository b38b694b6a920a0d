import type { Migration } from '../../../../shared/server/migrate'

export const m002FallbackCode: Migration = {
  version: 2,
  name: 'fallback-code',
  up(db) {
    db.exec(`
      -- The booth's one permanent code, shown when the pool has no fresh one. Per connection,
      -- like tickets: another account or relay means another code.
      CREATE TABLE fallback_codes (
        connection_id TEXT PRIMARY KEY,
        scene TEXT NOT NULL,
        ticket TEXT NOT NULL,
        url TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_shown_at INTEGER
      ) STRICT;

      -- Scans of the fallback code: several visitors share it, so it names no one visitor's code.
      ALTER TABLE attendance ADD COLUMN fallback INTEGER NOT NULL DEFAULT 0
        CHECK (fallback IN (0, 1));
    `)
  },
}
