// A booth on day 3 holds a week of used tickets (one per rotation: ~2,900 a day at 30 s) and
// only a handful still alive. The pool's reads run at every tick (once a second) while the
// fallback code or the spinner is up (relay unreachable, the day's quota or budget spent): each
// must find the live tickets through the index's expiry, not read every ticket the connection
// ever had (5 ms a tick on day 3 here, growing each day, ~4× that on a booth PC).
import { afterEach, describe, expect, it } from 'vitest'
import { openKioskDb, type KioskDb } from '../../electron/core/db/db'
import { MetaTable } from '../../electron/core/db/meta-table'
import { TicketRepo } from '../../electron/core/tickets/ticket-repo'
import { cleanup, onCleanup } from './helpers'
import { preparedBy } from '../helpers/prepared-sql'

afterEach(cleanup)

type PlanLine = { detail: string }

function db(): KioskDb {
  const d = openKioskDb(':memory:')
  onCleanup(() => {
    d.close()
  })
  return d
}

describe("the ticket pool's reads on a week of used tickets", () => {
  it('each finds the live tickets by the index, bounded by their expiry', () => {
    const d = db()
    const poolReads = preparedBy(d, () => new TicketRepo(d, new MetaTable(d))).filter((sql) =>
      /FROM tickets WHERE connection_id = \?/.test(sql),
    )
    // countReady, nextReady, longestLivedUsed
    expect(poolReads).toHaveLength(3)
    for (const sql of poolReads) {
      const reads = d
        .prepare<unknown[], PlanLine>(`EXPLAIN QUERY PLAN ${sql}`)
        .all('c', 0, 0)
        .map((l) => l.detail)
        .filter((l) => /^(?:SCAN|SEARCH) tickets/.test(l))
      expect(reads, sql).toEqual([
        'SEARCH tickets USING INDEX tickets_by_state (connection_id=? AND state=? AND expires_at>?)',
      ])
    }
  })

  it('still puts up the longest-lived anonymous code already used, shown or scanned', () => {
    const d = db()
    const repo = new TicketRepo(d, new MetaTable(d))
    const T0 = Date.UTC(2026, 11, 1)
    const made = (i: number, at: number, expireSeconds = 600) =>
      repo.storeCreated(
        'c',
        [{ scene: `k1:${i}`, ticket: `t${i}`, url: `https://w.example/q/${i}`, expireSeconds }],
        at,
      )
    // Three days of codes, long expired.
    for (let i = 0; i < 3000; i++) made(i, T0 + i * 60_000)
    const now = T0 + 3 * 86_400_000
    made(9001, now - 60_000) // scanned, lives 9 more minutes
    made(9002, now - 10_000, 3600) // shown to a registered visitor (desk): never reused
    made(9003, now - 30_000, 1200) // shown, lives 19.5 more minutes: the one
    made(9004, now - 5_000, 7200) // ready: not used yet
    d.prepare(`UPDATE tickets SET state = 'shown' WHERE scene NOT IN ('k1:9001', 'k1:9004')`).run()
    repo.markScanned('k1:9001')
    d.prepare(`UPDATE tickets SET roster_entry_id = 'r1' WHERE scene = 'k1:9002'`).run()
    expect(repo.longestLivedUsed('c', now + 20_000, now + 5_000)?.scene).toBe('k1:9003')
    d.prepare(`UPDATE tickets SET state = 'scanned' WHERE scene = 'k1:9003'`).run()
    expect(repo.longestLivedUsed('c', now + 20_000, now + 5_000)?.scene).toBe('k1:9003')
    expect(repo.longestLivedUsed('c', now + 1_300_000, now + 5_000)).toBeNull()
  })
})
