// A kiosk database for the erasure frame's tests: roster, roster sync, attendance and
// RelayErasures on a temporary directory, wired as the kiosk core wires them.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RelayErasures } from '../../electron/core/campaigns/relay-erasures'
import { RelayRosterSync } from '../../electron/core/campaigns/relay-roster'
import { openKioskDb, type KioskDb } from '../../electron/core/db/db'
import { RosterStore } from '../../electron/core/roster/roster-store'
import { AttendanceStore } from '../../electron/core/scans/attendance-store'

export interface ErasureBed {
  db: KioskDb
  roster: RosterStore
  sync: RelayRosterSync
  attendance: AttendanceStore
  erasures: RelayErasures
  /** Closes the database and removes its directory (afterEach). */
  close: () => void
}

/**
 * Opens the bed in a new directory named from `prefix`. Scenes `desk:<entry>` are the desk's
 * personal codes of those roster entries (campaign day-1), any other scene no ticket; a desk
 * scan binds its entry here and queues the binding for the relay (connection 'conn') with the
 * relay's time, as the kiosk core does.
 */
export function openErasureBed(prefix: string): ErasureBed {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const db = openKioskDb(join(dir, 'kiosk.db'))
  const roster = new RosterStore(db)
  const sync = new RelayRosterSync(db, roster)
  const attendance = new AttendanceStore(db, {
    tickets: {
      byScene: (scene) =>
        scene.startsWith('desk:') ? { campaignId: 'day-1', rosterEntryId: scene.slice(5) } : null,
      markScanned: () => {},
    },
    roster: {
      byId: (id) => roster.byId(id),
      byOpenid: (c, o) => roster.byOpenid(c, o),
      markCheckedIn: (id, at) => roster.markCheckedIn(id, at),
      bind: (entry, openid, at) => {
        roster.bind(entry, openid)
        const registrationId = roster.registrationIdOf(entry.id)
        if (registrationId !== null)
          sync.queueBind('conn', { campaignId: entry.campaignId, registrationId, openid, at })
      },
    },
  })
  return {
    db,
    roster,
    sync,
    attendance,
    erasures: new RelayErasures(db),
    close: () => {
      db.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
