// The relay's export (SQLite) reads one snapshot of the attendance: an erasure applied while its
// pages go out is in none of the erased visitor's rows or in all of them, and a scan stored
// meanwhile is in neither the sheet nor out of step with it. Paged by key with no read
// transaction, each page read the table as it was then: an erasure between two pages left the
// visitor's first rows under their openid and the rest under the pseudonym.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { ERASED_OPENID_PREFIX } from '../../shared/console-api'
import type { ExportRow } from '../../relay/store/attendance'
import { Checkpointer } from '../../relay/store/sqlite/checkpointer'
import { openSqliteStore } from '../../relay/store/sqlite/store'
import type { RelayStore } from '../../relay/store/types'
import { campaignBody } from './campaign-helpers'
import { checkIn } from './draws-helpers'
import { UNDER_LOAD } from '../helpers/wait'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function store(dir = mkdtempSync(join(tmpdir(), 'export-snapshot-'))): Promise<RelayStore> {
  const s = openSqliteStore({ data: dir })
  cleanups.push(async () => {
    await s.close()
    rmSync(dir, { recursive: true, force: true })
  })
  await s.campaigns.createCampaign({ ...campaignBody(), id: 'expo', screenKey: 'k'.repeat(43) }, 1)
  // 30 scans at one booth, every third the visitor to erase: their rows on every page.
  for (let i = 0; i < 30; i++) {
    await checkIn(s, 'expo', [i % 3 === 0 ? 'o_erased' : `o-${i}`], 'k1', 1_700_000_000_000 + i)
  }
  return s
}

const PAGE = 5
const pseudonym = `${ERASED_OPENID_PREFIX}x1`

async function allRows(s: RelayStore): Promise<ExportRow[]> {
  const out: ExportRow[] = []
  for await (const page of s.attendance.rows({ kioskIds: null }, PAGE)) out.push(...page)
  return out
}

describe('the SQLite export and an erasure applied while it runs', () => {
  it('reads the attendance as it was when the export began, in every page', async () => {
    const s = await store()
    const rows: ExportRow[] = []
    let pages = 0
    for await (const page of s.attendance.rows({ kioskIds: null }, PAGE)) {
      rows.push(...page)
      if (++pages !== 1) continue
      // After the first page, as an organizer's erasure and a new scan would be stored.
      const erased = await s.erasures.erase({
        campaignId: 'expo',
        openid: 'o_erased',
        by: 'alice',
        at: 2,
        pseudonym,
      })
      expect(erased).not.toBeNull()
      await checkIn(s, 'expo', ['o-new'], 'k1', 1_700_000_001_000)
    }
    expect(pages).toBe(6)
    expect(rows).toHaveLength(30)
    expect(rows.filter((r) => r.openid === 'o_erased')).toHaveLength(10)
    expect(rows.some((r) => r.openid === pseudonym)).toBe(false)
    expect(rows.some((r) => r.openid === 'o-new')).toBe(false)
    // Both are stored: the next export has them whole.
    const next = await allRows(s)
    expect(next).toHaveLength(31)
    expect(next.filter((r) => r.openid === pseudonym)).toHaveLength(10)
    expect(next.some((r) => r.openid === 'o_erased')).toBe(false)
    expect(next.some((r) => r.openid === 'o-new')).toBe(true)
  })
})

const checkpoint = z.array(z.object({ busy: z.number(), log: z.number() }))

/**
 * Whether the WAL could be checkpointed whole and emptied now: not while a read transaction
 * still holds an older snapshot of it, nor while the store's checkpoint worker is running one of
 * its own (every 100 ms; a loaded machine stretches each one).
 */
function walEmptied(dir: string): boolean {
  const db = new Database(join(dir, 'relay.sqlite'))
  try {
    db.pragma('busy_timeout = 0')
    const [r] = checkpoint.parse(db.pragma('wal_checkpoint(TRUNCATE)'))
    return r?.busy === 0 && r.log === 0
  } finally {
    db.close()
  }
}

/**
 * Waits until a checkpoint empties the WAL: one that found the worker's own checkpoint running
 * says busy like one a snapshot held back, and only the snapshot stays.
 */
async function walEmptiedOnce(dir: string): Promise<void> {
  await vi.waitFor(() => expect(walEmptied(dir)).toBe(true), UNDER_LOAD)
}

describe("the SQLite export's snapshot ends with it", () => {
  it('when the client goes after a page, and when it ends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'export-snapshot-'))
    const s = await store(dir)
    for await (const page of s.attendance.rows({ kioskIds: null }, PAGE)) {
      expect(page).toHaveLength(PAGE)
      // A scan committed meanwhile: the WAL holds frames the export's snapshot predates.
      await checkIn(s, 'expo', ['o-new'], 'k1', 1_700_000_001_000)
      expect(walEmptied(dir)).toBe(false)
      break
    }
    await walEmptiedOnce(dir)
    expect(await allRows(s)).toHaveLength(31)
    await walEmptiedOnce(dir)
  })

  it('when the relay shuts down during a download: the store closes it, and the WAL goes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'export-snapshot-'))
    const s = await store(dir)
    const pages = s.attendance.rows({ kioskIds: null }, PAGE)[Symbol.asyncIterator]()
    expect((await pages.next()).done).toBe(false)
    await checkIn(s, 'expo', ['o-new'], 'k1', 1_700_000_001_000)
    await s.close()
    // The store's connection closed last: its checkpoint emptied the WAL and removed it.
    expect(existsSync(join(dir, 'relay.sqlite-wal'))).toBe(false)
    await expect(pages.next()).rejects.toThrow()
  })
})

describe("the checkpoints while an export's snapshot is open", () => {
  it('never make a push wait for the download, and start the WAL over once it ends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'export-snapshot-'))
    const file = join(dir, 'relay.sqlite')
    const db = new Database(file)
    db.pragma('journal_mode = WAL')
    db.pragma('busy_timeout = 0')
    db.exec('CREATE TABLE t (x TEXT)')
    // Every tick past the restart mark (one page), every 10 ms.
    const checkpointer = new Checkpointer(db, file, 10, 1)
    const reader = new Database(file, { readonly: true })
    cleanups.push(async () => {
      reader.close()
      await checkpointer.stop()
      db.close()
      rmSync(dir, { recursive: true, force: true })
    })
    const write = (): void => {
      db.transaction(() => db.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(8000))).immediate()
    }
    const ticks = async (n: number): Promise<void> => {
      const until = checkpointer.checkpoints + n
      await vi.waitFor(() => expect(checkpointer.checkpoints).toBeGreaterThanOrEqual(until), {
        timeout: 10_000,
      })
    }
    write()
    const release = checkpointer.hold()
    await ticks(2)
    // The export's snapshot, older than every write below.
    reader.exec('BEGIN')
    reader.prepare('SELECT count(*) FROM t').get()
    const restarts = checkpointer.restarts
    // A push's commit with no wait at all: never behind a RESTART waiting for the reader.
    for (let i = 0; i < 20; i++) {
      write()
      await ticks(1)
    }
    expect(checkpointer.restarts).toBe(restarts)
    reader.exec('COMMIT')
    release()
    await vi.waitFor(() => expect(checkpointer.restarts).toBeGreaterThan(restarts), {
      timeout: 10_000,
    })
  })
})
