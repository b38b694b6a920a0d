// Relay store migration 19: the tickets each kiosk had created through the ticket proxy per
// quota day (relay/ticket-proxy.ts), so its daily budget outlives a restart. Rows of past days
// go in `prune`.
import type { Migration } from '../../../../shared/server/migrate'

export const m019TicketBudget: Migration = {
  version: 19,
  name: 'ticket-budget',
  up: `
      CREATE TABLE ticket_budget (
        kiosk_id TEXT NOT NULL,
        day TEXT NOT NULL,
        spent INTEGER NOT NULL,
        PRIMARY KEY (kiosk_id, day)
      ) STRICT, WITHOUT ROWID;
  `,
}
