// Relay store migration 23: each erasure's tombstone (relay/store/erasure-types.ts `Tombstone`),
// the SHA-256 of the campaign id and the openid, sent to the campaign's kiosks so they erase
// their own copies. Erasures from before have none (their kiosks are not told).
import type { Migration } from '../../../../shared/server/migrate'

export const m023ErasureTombstones: Migration = {
  version: 23,
  name: 'erasure-tombstones',
  up: `
      ALTER TABLE campaign_erasures ADD COLUMN visitor TEXT;
  `,
}
