// Relay store migration 25: where a campaign's current roster is in campaign_roster (null: under
// the campaign's own id, as before). An upload writes its rows in slices under a key of its own
// (`<campaign id>/<n>`) between turns of the event loop, and makes them current by setting this
// in one short step: 100,000 guests in one transaction held the loop (relay/store/sqlite/campaigns.ts).
import type { Migration } from '../../../../shared/server/migrate'

export const m025RosterKey: Migration = {
  version: 25,
  name: 'roster-key',
  up: `
      ALTER TABLE campaigns ADD COLUMN roster_key TEXT;
  `,
}
