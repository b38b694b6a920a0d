// The admin area's attendance list on a booth's day-3 database: the open page re-reads its
// count and rows on every burst of live scans, on the core's event loop (the one the scans
// arrive on). Without a search, neither read may look up the roster per row (the count of
// 60,000 scans through the roster join took 25× the plain count; a deep offset walked its
// skipped rows through it too): the count reads attendance alone and the rows are the page's
// ids, found in attendance alone, then looked up by primary key. The answer is the same.
import { join } from 'node:path'
import { ERASED_OPENID_PREFIX } from '../../shared/console-api'
import { afterEach, describe, expect, it } from 'vitest'
import { AttendanceStore, ROSTER_JOIN, type Scan } from '../../electron/core/scans/attendance-store'
import { AttendanceQueries, type ListQuery } from '../../electron/core/scans/attendance-queries'
import { openKioskDb, type KioskDb } from '../../electron/core/db/db'
import { MetaTable } from '../../electron/core/db/meta-table'
import { escapeLike, RosterStore } from '../../electron/core/roster/roster-store'
import { TicketRepo } from '../../electron/core/tickets/ticket-repo'
import { cleanup, onCleanup, tempDir } from './helpers'
import { preparedBy } from '../helpers/prepared-sql'

afterEach(cleanup)

const DAY = 86_400_000
const T0 = 1_764_550_800_000

function seeded(): KioskDb {
  const db = openKioskDb(join(tempDir(), 'kiosk.db'))
  onCleanup(() => {
    db.close()
  })
  const roster = new RosterStore(db)
  const store = new AttendanceStore(db, {
    tickets: new TicketRepo(db, new MetaTable(db)),
    roster,
  })
  roster.upsertMany(
    'c1',
    [0, 1, 2].map((i) => ({
      name: `Guest ${i}`,
      company: 'Acme',
      phone: `1380000000${i}`,
      code: '',
    })),
    T0,
  )
  const entries = db
    .prepare<[], { id: string }>('SELECT id FROM roster_entries ORDER BY name')
    .all()
  entries.forEach((e, i) => roster.bind({ id: e.id, campaignId: 'c1' }, `o-${i}`))
  for (let i = 0; i < 30; i++) {
    const at = T0 + Math.floor(i / 10) * DAY + i * 60_000
    const scan: Scan = {
      id: `ev-${i}`,
      event: 'scan',
      openid: `o-${i % 6}`,
      scene: `k1:${i}`,
      ticket: `tk-${i}`,
      createTime: Math.floor(at / 1000),
      receivedAt: at,
    }
    store.record(scan, { kioskId: 'k1', fallbackCampaignId: i % 10 === 9 ? 'c2' : 'c1' }, at)
  }
  return db
}

type PlanLine = { id: number; parent: number; detail: string }

/** Each statement `list` prepares, with its query plan. */
function plansOf(db: KioskDb, q: ListQuery): Array<{ sql: string; plan: string[] }> {
  const queries = new AttendanceQueries(db)
  const sqls = preparedBy(db, () => queries.list(q))
  const params = {
    campaignId: q.campaignId,
    from: 0,
    to: 0,
    limit: 1,
    offset: 0,
    like: '',
    number: 0,
  }
  return sqls.map((sql) => ({
    sql,
    plan: db
      .prepare<[Record<string, unknown>], PlanLine>(`EXPLAIN QUERY PLAN ${sql}`)
      .all(Object.fromEntries(Object.entries(params).filter(([k]) => sql.includes(`@${k}`))))
      .map((l) => l.detail),
  }))
}

/** The tables a plan reads, by alias (`a` attendance; `r`, `b` the roster join). */
const aliasesRead = (plan: string[]): string[] =>
  plan.flatMap((d) => /^(?:SCAN|SEARCH) (\w+)/.exec(d)?.slice(1) ?? [])

const base: ListQuery = { campaignId: 'c1', query: '', from: null, to: null, offset: 0, limit: 5 }

describe('attendance list without a search', () => {
  for (const [label, q] of [
    ['all rows', base],
    ['a deep page', { ...base, offset: 10 }],
    ['one day', { ...base, from: T0 + DAY - 1, to: T0 + 2 * DAY - 1 }],
  ] as const) {
    it(`${label}: counts from attendance alone and joins the roster for the page's rows only`, () => {
      const db = seeded()
      const [count, rows] = plansOf(db, q)
      expect(count?.sql).toMatch(/^SELECT count\(\*\)/)
      expect(aliasesRead(count?.plan ?? [])).toEqual(['a'])
      // the page's ids from attendance alone (its index), then each row by its primary key
      expect(rows?.plan.join('\n')).toMatch(/SEARCH a USING INTEGER PRIMARY KEY/)
      expect(rows?.plan.join('\n')).toMatch(/LIST SUBQUERY/)
    })
  }

  it('answers as before: newest first, names from the roster, the filter and the total', () => {
    const db = seeded()
    const queries = new AttendanceQueries(db)
    const all = queries.list({ ...base, limit: 500 })
    expect(all.total).toBe(27)
    expect(all.rows.map((r) => r.eventId)).toEqual(
      Array.from({ length: 30 }, (_, i) => i)
        .filter((i) => i % 10 !== 9)
        .reverse()
        .map((i) => `ev-${i}`),
    )
    const page = queries.list({ ...base, offset: 5, limit: 4 })
    expect(page.total).toBe(27)
    expect(page.rows.map((r) => r.eventId)).toEqual(all.rows.slice(5, 9).map((r) => r.eventId))
    const named = all.rows.filter((r) => r.rosterName !== null).map((r) => r.openid)
    expect(new Set(named)).toEqual(new Set(['o-0', 'o-1', 'o-2']))
    const day = queries.list({ ...base, from: T0 + DAY - 1, to: T0 + 2 * DAY - 1, limit: 500 })
    expect(day.total).toBe(9)
    expect(day.rows.map((r) => r.eventId)).toEqual(
      [18, 17, 16, 15, 14, 13, 12, 11, 10].map((i) => `ev-${i}`),
    )
    const search = queries.list({ ...base, query: 'Guest 1', limit: 500 })
    expect(search.rows.every((r) => r.openid === 'o-1')).toBe(true)
    expect(search.total).toBe(search.rows.length)
    expect(search.total).toBe(4)
  })
})

/** The rows a search found through the roster join, row by row, as the list read them before. */
function joinedSearch(db: KioskDb, text: string): number[] {
  return db
    .prepare<[{ like: string }], { id: number }>(
      `SELECT a.id FROM attendance a ${ROSTER_JOIN}
       WHERE a.campaign_id = 'c1' AND (r.name LIKE @like ESCAPE '\\' OR r.company LIKE @like ESCAPE '\\'
         OR a.openid LIKE @like ESCAPE '\\' OR a.scene LIKE @like ESCAPE '\\')
       ORDER BY a.id DESC`,
    )
    .all({ like: `%${escapeLike(text)}%` })
    .map((r) => r.id)
}

describe('attendance list with a search', () => {
  it('counts and finds the page without looking the roster up per row', () => {
    const db = seeded()
    const [count, rows] = plansOf(db, { ...base, query: 'Guest' })
    expect(aliasesRead(count?.plan ?? [])).not.toContain('r')
    expect(rows?.plan.join('\n')).toMatch(/SEARCH a USING INTEGER PRIMARY KEY/)
  })

  it('finds the rows the roster join names, a desk walk-in and a bound visitor alike', () => {
    const db = seeded()
    const insertEntry = db.prepare(
      `INSERT INTO roster_entries (id, campaign_id, name, company, phone, code, match_key,
         imported_at) VALUES (?, 'c1', ?, ?, '', '', ?, 0)`,
    )
    insertEntry.run('walk-in', 'Wendy 100%', 'Solo_Co', 'm-walk-in')
    const insertRow = db.prepare(
      `INSERT INTO attendance (event_id, campaign_id, kiosk_id, openid, scene, ticket, kind,
         create_time, received_at, first_visit, check_in_number, roster_entry_id, unknown_ticket)
       VALUES (?, 'c1', 'k1', ?, 'desk:1', 'T', 'scan', 1, ?, 0, 99, ?, 0)`,
    )
    // Wendy's desk code scanned by an unbound visitor: the row is Wendy's.
    insertRow.run('desk-1', 'o-walk', T0 + 4 * DAY, 'walk-in')
    // The same code scanned by Guest 1's openid: the join names Guest 1, not Wendy.
    insertRow.run('desk-2', 'o-1', T0 + 4 * DAY + 1, 'walk-in')
    const queries = new AttendanceQueries(db)
    for (const text of ['Wendy', '100%', 'Solo_Co', 'Guest 1', 'Acme', 'o-1', 'desk', '_', 'zz']) {
      const expected = joinedSearch(db, text)
      const found = queries.list({ ...base, query: text, limit: 500 })
      expect({ text, ids: found.rows.map((r) => r.id), total: found.total }).toEqual({
        text,
        ids: expected,
        total: expected.length,
      })
    }
    expect(joinedSearch(db, 'Wendy')).toHaveLength(1)
    expect(joinedSearch(db, 'Guest 1').length).toBeGreaterThan(4)
  })

  it('names as the join does: an entry of another campaign, an erased visitor; pages and days', () => {
    const db = seeded()
    db.prepare(
      `INSERT INTO roster_entries (id, campaign_id, name, company, phone, code, match_key, openid,
         imported_at) VALUES ('other', 'c2', 'Otto', 'Elsewhere', '', '', 'm-other', ?, 0)`,
    ).run('o-walk')
    const insertRow = db.prepare(
      `INSERT INTO attendance (event_id, campaign_id, kiosk_id, openid, scene, ticket, kind,
         create_time, received_at, first_visit, check_in_number, roster_entry_id, unknown_ticket)
       VALUES (?, 'c1', 'k1', ?, 'desk:2', 'T', 'scan', 1, ?, 0, 98, ?, 0)`,
    )
    // A c1 row of a desk code whose entry is c2's (its openid bound there, not in c1): Otto's.
    insertRow.run('desk-3', 'o-walk', T0 + 4 * DAY, 'other')
    // An erased visitor's row (pseudonym, no entry), who had been Guest 2.
    insertRow.run('erased-1', `${ERASED_OPENID_PREFIX}x`, T0 + 4 * DAY + 1, null)
    const queries = new AttendanceQueries(db)
    for (const text of ['Otto', 'Elsewhere', 'Guest', 'Acme', ERASED_OPENID_PREFIX]) {
      const expected = joinedSearch(db, text)
      const found = queries.list({ ...base, query: text, limit: 500 })
      expect({ text, ids: found.rows.map((r) => r.id) }).toEqual({ text, ids: expected })
      // Paged: each page the join's rows at that offset, the total all of them.
      for (let offset = 0; offset < expected.length + 2; offset += 3) {
        const page = queries.list({ ...base, query: text, offset, limit: 3 })
        expect({ text, offset, ids: page.rows.map((r) => r.id), total: page.total }).toEqual({
          text,
          offset,
          ids: expected.slice(offset, offset + 3),
          total: expected.length,
        })
      }
    }
    expect(joinedSearch(db, 'Otto')).toHaveLength(1)
    // With a day's bounds as well: the join's rows of that day.
    const day = { from: T0 + DAY - 1, to: T0 + 2 * DAY - 1 }
    const inDay = new Set(queries.list({ ...base, ...day, limit: 500 }).rows.map((r) => r.id))
    const found = queries.list({ ...base, ...day, query: 'Guest', limit: 500 })
    expect(found.rows.map((r) => r.id)).toEqual(
      joinedSearch(db, 'Guest').filter((id) => inDay.has(id)),
    )
    expect(found.total).toBeGreaterThan(0)
  })
})

describe('the stats panel', () => {
  // Read again every 2 s while scans come: at a day-3 booth's 60,000 rows its count(DISTINCT)
  // sorted every openid in a temporary B-tree and each read looked every row up, 90-190 ms.
  it('reads every count from a covering index, the visitors without a sort', () => {
    const db = seeded()
    const sqls = preparedBy(db, () => new AttendanceQueries(db))
    expect(sqls).toHaveLength(3)
    for (const sql of sqls) {
      const params: unknown[] = sql.includes('@c')
        ? [{ c: 'c1' }]
        : sql.includes('% ?')
          ? [600_000, 'c1']
          : ['c1']
      const plan = db
        .prepare<unknown[], PlanLine>(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...params)
        .map((l) => l.detail)
      const reads = plan.filter((d) => /^(?:SCAN|SEARCH) attendance/.test(d))
      expect(reads.length, sql).toBeGreaterThan(0)
      for (const read of reads) expect(read, sql).toMatch(/USING COVERING INDEX/)
      // Only the timeline's ten-minute buckets, an expression of the time, are sorted.
      const sorts = plan.filter((d) => d.includes('TEMP B-TREE'))
      expect(sorts, sql).toEqual(sql.includes('% ?') ? ['USE TEMP B-TREE FOR GROUP BY'] : [])
    }
  })

  it('counts as before: scans, visitors, returning ones, followers and the timeline', () => {
    const db = seeded()
    const stats = new AttendanceQueries(db).stats('c1')
    const n = (sql: string): number => (db.prepare<[], { n: number }>(sql).get() as { n: number }).n
    const erased = `'${ERASED_OPENID_PREFIX}%'`
    expect(stats.total).toBe(n(`SELECT count(*) AS n FROM attendance WHERE campaign_id = 'c1'`))
    expect(stats.uniqueVisitors).toBe(
      n(`SELECT count(DISTINCT openid) AS n FROM attendance
         WHERE campaign_id = 'c1' AND openid NOT LIKE ${erased}`),
    )
    expect(stats.returning).toBe(
      n(`SELECT count(DISTINCT openid) AS n FROM attendance
         WHERE campaign_id = 'c1' AND first_visit = 0 AND openid NOT LIKE ${erased}`),
    )
    expect(stats.newFollowers).toBe(
      n(`SELECT count(*) AS n FROM attendance WHERE campaign_id = 'c1' AND kind = 'subscribe'`),
    )
    expect(stats.uniqueVisitors).toBeGreaterThan(0)
    expect(stats.returning).toBeGreaterThan(0)
    expect(stats.buckets.reduce((sum, b) => sum + b.scans, 0)).toBe(stats.total)
  })
})
