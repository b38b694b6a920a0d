// Relay store migration 21: the audit of visitor erasures (relay/store/erasure-types.ts): who
// erased a visitor of which campaign, and when; nothing about the visitor.
import type { Migration } from '../../../../shared/server/migrate'

export const m021Erasures: Migration = {
  version: 21,
  name: 'erasures',
  up: `
      CREATE TABLE campaign_erasures (
        campaign_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        by TEXT NOT NULL
      ) STRICT;
      CREATE INDEX campaign_erasures_at ON campaign_erasures (campaign_id, at);
  `,
}
