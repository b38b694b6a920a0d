// Relay store migration 15: secrets the relay makes for itself (the console's device-cookie
// signing key), one per purpose, made once and shared by every process on the file.
import type { Migration } from '../../../../shared/server/migrate'

export const m015RelaySecrets: Migration = {
  version: 15,
  name: 'relay-secrets',
  up: `
      -- purpose: what the secret signs (relay/console/device-cookies.ts); value: base64url.
      CREATE TABLE relay_secrets (
        purpose TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
}
