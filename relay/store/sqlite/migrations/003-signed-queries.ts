// Relay store migration 3: replay claims of signed push queries, and the health probe row.
import type { Migration } from '../../../../shared/server/migrate'

export const m003SignedQueries: Migration = {
  version: 3,
  name: 'signed-queries',
  up: `
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
}
