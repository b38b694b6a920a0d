// Visitor erasure on SQLite with attendance rows still pending (a scan stored after the
// erasure's wait for the indexer, or one the indexer could not move in time): the erasure's own
// transaction indexes them first, so those scans are rewritten to the pseudonym too (in the
// console's rows and in the queue a kiosk replays) and the visitor totals it corrects count
// them. A store that keeps no attendance rewrites the queue by the entries' own campaign.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { SqliteAttendance } from '../../relay/store/sqlite/attendance'
import { SqliteErasures } from '../../relay/store/sqlite/erasures'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import { campaignBody } from './campaign-helpers'
import { checkIn } from './draws-helpers'

const openids = z.array(z.object({ openid: z.string() }))
const count = z.object({ n: z.number() })

async function withStore(
  attendance: boolean,
  run: (
    db: Database.Database,
    erase: (openid: string, pseudonym: string) => Promise<unknown>,
  ) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'erasure-pending-'))
  // No chunk moves a row unless a reader waits: the rows stay pending.
  const store = openSqliteStore({ data: dir, attendance, indexing: { onlyForReaders: true } })
  // The erasure on a second connection whose wait for the indexer returns at once, as when a
  // push lands after it.
  const db = new Database(join(dir, 'relay.sqlite'))
  db.pragma('busy_timeout = 5000')
  const rows = new SqliteAttendance(
    db,
    { submit: (fn) => Promise.resolve(fn()), idle: () => true },
    { onlyForReaders: true },
  )
  const erasures = new SqliteErasures(
    db,
    () => {},
    () => Promise.resolve(),
    attendance ? rows : null,
  )
  try {
    const now = Date.now()
    for (const id of ['expo', 'fair']) {
      await store.campaigns.createCampaign(
        { ...campaignBody(), id, screenKey: 'k'.repeat(43) },
        now,
      )
    }
    await checkIn(store, 'expo', ['o-a', 'o-b'])
    await checkIn(store, 'fair', ['o-a'], 'k-fair')
    await run(db, (openid, pseudonym) =>
      erasures.erase({ campaignId: 'expo', openid, by: 'alice', at: now, pseudonym }),
    )
  } finally {
    rows.stop()
    db.close()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

const column = (db: Database.Database, sql: string): string[] =>
  openids
    .parse(db.prepare(sql).all())
    .map((r) => r.openid)
    .sort()

describe('visitor erasure with attendance rows pending (sqlite)', () => {
  it('indexes them in its transaction and rewrites them with the rest', async () => {
    await withStore(true, async (db, erase) => {
      expect(count.parse(db.prepare('SELECT COUNT(*) AS n FROM attendance_pending').get()).n).toBe(
        3,
      )
      await erase('o-a', 'erased:pending')
      expect(count.parse(db.prepare('SELECT COUNT(*) AS n FROM attendance_pending').get()).n).toBe(
        0,
      )
      expect(column(db, "SELECT openid FROM attendance WHERE campaign_id = 'expo'")).toEqual([
        'erased:pending',
        'o-b',
      ])
      expect(column(db, "SELECT openid FROM events WHERE kiosk_id = 'k-draw'")).toEqual([
        'erased:pending',
        'o-b',
      ])
      // The other campaign's row and queue entry of the same visitor keep the openid.
      expect(column(db, "SELECT openid FROM attendance WHERE campaign_id = 'fair'")).toEqual([
        'o-a',
      ])
      expect(column(db, "SELECT openid FROM events WHERE kiosk_id = 'k-fair'")).toEqual(['o-a'])
      // The campaign's distinct visitors: o-b alone.
      const visitors = db
        .prepare("SELECT visitors AS n FROM attendance_campaign_totals WHERE campaign_id = 'expo'")
        .get()
      expect(count.parse(visitors).n).toBe(1)
    })
  })

  it('rewrites the queue by campaign on a store that keeps no attendance', async () => {
    await withStore(false, async (db, erase) => {
      await erase('o-a', 'erased:queue')
      expect(column(db, "SELECT openid FROM events WHERE kiosk_id = 'k-draw'")).toEqual([
        'erased:queue',
        'o-b',
      ])
      expect(column(db, "SELECT openid FROM events WHERE kiosk_id = 'k-fair'")).toEqual(['o-a'])
    })
  })
})
