// Relay store migration 22: the first push stored for each per-visitor scene (its openid and
// seq), so once the booth has acknowledged it, a photo of the booth's code scanned by someone
// else is kept aside rather than counted (relay/store/sqlite/scene-claims.ts). Rows older than
// any code can live go in `prune`.
import type { Migration } from '../../../../shared/server/migrate'

export const m022SceneClaims: Migration = {
  version: 22,
  name: 'scene-claims',
  up: `
      CREATE TABLE scene_claims (
        scene TEXT PRIMARY KEY,
        openid TEXT NOT NULL,
        seq INTEGER NOT NULL,
        create_time INTEGER NOT NULL,
        claimed_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX scene_claims_at ON scene_claims (claimed_at);
  `,
}
