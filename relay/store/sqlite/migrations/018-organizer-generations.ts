// Relay store migration 18: each organizer gets a generation (32 random hex digits, a new one
// whenever the name is added again), and each session the generation of the organizer it
// belongs to (relay/console/sessions.ts). A session holding under the rule before this one (its
// organizer not newer than it) takes its organizer's generation and keeps working; the others
// were dead already and go. The empty default is only for ALTER TABLE: the store always writes
// a generation, and an empty one matches no organizer's.
import type { Migration } from '../../../../shared/server/migrate'

export const m018OrganizerGenerations: Migration = {
  version: 18,
  name: 'organizer-generations',
  up: `
      ALTER TABLE organizers ADD COLUMN generation TEXT NOT NULL DEFAULT '';
      UPDATE organizers SET generation = lower(hex(randomblob(16)));

      ALTER TABLE console_sessions ADD COLUMN generation TEXT NOT NULL DEFAULT '';
      DELETE FROM console_sessions WHERE NOT EXISTS (
        SELECT 1 FROM organizers o
          WHERE o.name = console_sessions.name AND o.created_at <= console_sessions.created_at
      );
      UPDATE console_sessions SET generation =
        (SELECT o.generation FROM organizers o WHERE o.name = console_sessions.name);
  `,
}
