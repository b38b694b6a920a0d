// Relay store migration 5: the consolidated attendance (rows and counters) the console reads.
import type { Migration } from '../../../../shared/server/migrate'

export const m005Attendance: Migration = {
  version: 5,
  name: 'attendance',
  up: `
      -- Consolidated attendance (docs/DESIGN.md "Consolidated attendance"): one row per routed
      -- scan, written with the queue append, never pruned. (kiosk_id, seq) orders the export
      -- and the console's table; openid and scene serve its prefix search. No index on
      -- event_id: the queue's de-duplicates (a random-key index costs every push a page write).
      CREATE TABLE attendance (
        kiosk_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        event_id TEXT NOT NULL,
        event TEXT NOT NULL CHECK (event IN ('subscribe', 'scan')),
        openid TEXT NOT NULL,
        scene TEXT NOT NULL,
        ticket TEXT NOT NULL,
        fallback INTEGER NOT NULL CHECK (fallback IN (0, 1)),
        create_time INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (kiosk_id, seq)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX attendance_openid ON attendance (openid);
      CREATE INDEX attendance_scene ON attendance (scene);

      -- Counters kept on the same write, so the console's stats never scan the rows.
      CREATE TABLE attendance_kiosk_stats (
        kiosk_id TEXT PRIMARY KEY,
        scans INTEGER NOT NULL,
        visitors INTEGER NOT NULL,
        new_followers INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE attendance_kiosk_visitors (
        kiosk_id TEXT NOT NULL,
        openid TEXT NOT NULL,
        scans INTEGER NOT NULL,
        PRIMARY KEY (kiosk_id, openid)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE attendance_visitors (
        openid TEXT PRIMARY KEY,
        scans INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE attendance_totals (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        visitors INTEGER NOT NULL,
        returning_visitors INTEGER NOT NULL
      ) STRICT;
      -- Scans per 10-minute slot (by receive time) and kiosk: today's timeline is a range.
      CREATE TABLE attendance_slots (
        slot_at INTEGER NOT NULL,
        kiosk_id TEXT NOT NULL,
        scans INTEGER NOT NULL,
        PRIMARY KEY (slot_at, kiosk_id)
      ) STRICT, WITHOUT ROWID;
    `,
}
