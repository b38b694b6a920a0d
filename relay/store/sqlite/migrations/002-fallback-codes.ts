// Relay store migration 2: one permanent fallback code per kiosk.
import type { Migration } from '../../../../shared/server/migrate'

export const m002FallbackCodes: Migration = {
  version: 2,
  name: 'fallback-codes',
  up: `
      -- One permanent fallback code per kiosk, created once by the ticket proxy.
      CREATE TABLE fallback_codes (
        kiosk_id TEXT PRIMARY KEY,
        ticket TEXT NOT NULL,
        url TEXT NOT NULL,
        scene TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
  `,
}
