import type { Migration } from '../../../../shared/server/migrate'

export const m004RelayScreens: Migration = {
  version: 4,
  name: 'relay-screens',
  up(db) {
    db.exec(`
      -- The relay campaign's big-screen paths (the screens frame, JSON {wall, draw} with the
      -- screen key): kept with the campaign they belong to, NULL when there are none.
      ALTER TABLE relay_campaigns ADD COLUMN screens TEXT;
    `)
  },
}
