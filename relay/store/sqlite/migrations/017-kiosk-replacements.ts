// Relay store migration 17: when each kiosk's live link was replaced by a newer one (the
// console's identity-conflict flag, relay/kiosk-hub.ts), so the flag survives a relay restart
// as it does on Redis. Rows older than the window go as new ones come.
import type { Migration } from '../../../../shared/server/migrate'

export const m017KioskReplacements: Migration = {
  version: 17,
  name: 'kiosk-replacements',
  up: `
      CREATE TABLE kiosk_replacements (
        kiosk_id TEXT NOT NULL,
        at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX kiosk_replacements_kiosk ON kiosk_replacements (kiosk_id, at);
  `,
}
