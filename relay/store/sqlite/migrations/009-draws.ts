// Relay store migration 9: lucky draws (issue 21), each stored whole with its re-check data.
import type { Migration } from '../../../../shared/server/migrate'

export const m009Draws: Migration = {
  version: 9,
  name: 'draws',
  up: `
      -- The draw as validated JSON (shared/screen-api.ts drawRecordSchema), redraws included.
      CREATE TABLE campaign_draws (
        campaign_id TEXT NOT NULL,
        id TEXT NOT NULL,
        at INTEGER NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (campaign_id, id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX campaign_draws_at ON campaign_draws (campaign_id, at);

      -- Each campaign's draw version: the fence that serialises its draws (draw-types.ts).
      CREATE TABLE campaign_draw_versions (
        campaign_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
}
