// Relay store migration 8: the stamp rally (relay/store/stamp-types.ts), each visitor's stamped
// booths per campaign and the rally's completions, kept like attendance (never pruned).
import type { Migration } from '../../../../shared/server/migrate'

export const m008Stamps: Migration = {
  version: 8,
  name: 'stamps',
  up: `
      CREATE TABLE stamps (
        campaign_id TEXT NOT NULL,
        openid TEXT NOT NULL,
        kiosk_id TEXT NOT NULL,
        stamped_at INTEGER NOT NULL,
        PRIMARY KEY (campaign_id, openid, kiosk_id)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE stamp_completions (
        campaign_id TEXT NOT NULL,
        openid TEXT NOT NULL,
        completed_at INTEGER NOT NULL,
        PRIMARY KEY (campaign_id, openid)
      ) STRICT, WITHOUT ROWID;
    `,
}
