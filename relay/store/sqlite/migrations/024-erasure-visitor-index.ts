// Relay store migration 24: an index on each erasure's tombstone, so a desk binding is checked
// against the visitor's own erasures (relay/store/erasure-types.ts `erasedAt`) without reading
// every tombstone of the campaign.
import type { Migration } from '../../../../shared/server/migrate'

export const m024ErasureVisitorIndex: Migration = {
  version: 24,
  name: 'erasure-visitor-index',
  up: `
      CREATE INDEX campaign_erasures_visitor ON campaign_erasures (campaign_id, visitor, at);
  `,
}
