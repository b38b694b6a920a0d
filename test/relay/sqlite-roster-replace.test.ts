/**
 * A roster upload on SQLite (the largest allowed: 100,000 guests) on a one-core VM: its write
 * used to be one synchronous transaction (delete the old rows, insert the new ones), which held
 * the event loop for half a second on this machine, seconds on a slow cloud disk, while WeChat's
 * pushes and the kiosks' links waited. The new roster is now written in slices between turns of
 * the loop under a key of its own and made current in one short step: meanwhile other calls are
 * answered and read the old roster whole, and no row of either is left behind.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { CAMPAIGN_DEFAULTS } from '../../shared/campaign'
import type { StoredRosterEntry } from '../../relay/store/campaign-types'
import { openSqliteStore, RELAY_DB_FILE } from '../../relay/store/sqlite/store'
import { ROSTER_ROWS_PER_WRITE } from '../../relay/store/sqlite/campaigns'
import { turnsDuring } from '../helpers/turns'
import { eachRosterEntry } from '../../relay/attendance/people'
import { entriesById, registrationIdOf } from '../../relay/console/roster-routes'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const entries = (n: number, tag: string): StoredRosterEntry[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `r-${tag}-${i}`,
    name: `${tag}${i}`,
    company: '公司',
    phone: `1380000${String(i).padStart(5, '0')}`,
    code: `${tag}${i}`,
  }))

async function place() {
  const data = mkdtempSync(join(tmpdir(), 'scandesk-roster-replace-'))
  dirs.push(data)
  const store = openSqliteStore({ data })
  const campaign = {
    ...CAMPAIGN_DEFAULTS,
    id: 'c1',
    name: 'c1',
    screenKey: 'k'.repeat(43),
    tag: null,
    followUp: null,
    stamps: [],
  }
  await store.campaigns.createCampaign(campaign, 1)
  return { data, store }
}

/** Rows in the table whatever their key: the current roster's and any left behind. */
function rowsOnDisk(data: string): number {
  const db = new Database(join(data, RELAY_DB_FILE), { readonly: true })
  try {
    return (db.prepare('SELECT count(*) AS n FROM campaign_roster').get() as { n: number }).n
  } finally {
    db.close()
  }
}

/** Rows written under each key straight into the table, as an upload cut short leaves them. */
function leaveRows(data: string, rows: Array<[key: string, entries: StoredRosterEntry[]]>): void {
  const db = new Database(join(data, RELAY_DB_FILE))
  try {
    const insert = db.prepare(
      `INSERT INTO campaign_roster (campaign_id, idx, id, name, company, phone, code)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    db.transaction(() => {
      for (const [key, list] of rows)
        list.forEach((e, i) => insert.run(key, i, e.id, e.name, e.company, e.phone, e.code))
    })()
  } finally {
    db.close()
  }
}

describe('SQLite roster replace', () => {
  it('answers other calls while 100,000 guests are written, which read the old roster whole', async () => {
    const { data, store } = await place()
    const old = await store.campaigns.replaceRoster('c1', entries(1_000, 'old'))
    if (old === null || old === 'stale') throw new Error('no roster')
    const order: string[] = []
    const replacing = store.campaigns
      .replaceRoster('c1', entries(100_000, 'new'))
      .then((state) => (order.push('replaced'), state))
    // Issued after the replace began: answered before it ends, from the roster as it was.
    const during = await store.campaigns.readRoster('c1', 990, 100)
    order.push('read')
    const stateDuring = await store.campaigns.readRoster('c1', 0, 0)
    const state = await replacing
    expect(order).toEqual(['read', 'replaced'])
    expect(during.version).toBe(old.version)
    expect(stateDuring).toEqual({ version: old.version, total: 1_000, entries: [] })
    expect(during.entries.map((e) => e.id)).toEqual(
      Array.from({ length: 10 }, (_, i) => `r-old-${990 + i}`),
    )
    if (state === null || state === 'stale') throw new Error('not replaced')
    expect(state.total).toBe(100_000)
    const after = await store.campaigns.readRoster('c1', 99_999, 10)
    expect(after).toMatchObject({ version: state.version, total: 100_000 })
    expect(after.entries.map((e) => e.id)).toEqual(['r-new-99999'])
    await store.close()
    expect(rowsOnDisk(data)).toBe(100_000)
  })

  it('a stale replace changes nothing and leaves no row behind', async () => {
    const { data, store } = await place()
    const first = await store.campaigns.replaceRoster('c1', entries(10, 'a'))
    if (first === null || first === 'stale') throw new Error('no roster')
    const slow = store.campaigns.replaceRoster('c1', entries(20_000, 'slow'), [first.version])
    const fast = await store.campaigns.replaceRoster('c1', entries(5, 'fast'), [first.version])
    expect(fast).not.toBe('stale')
    expect(await slow).toBe('stale')
    const now = await store.campaigns.readRoster('c1', 0, 100)
    expect(now.entries.map((e) => e.id)).toEqual(entries(5, 'fast').map((e) => e.id))
    await store.close()
    expect(rowsOnDisk(data)).toBe(5)
  })

  it('rows left by a crashed upload are deleted by the next one, the roster read meanwhile intact', async () => {
    // A relay stopped (crash, power cut) in the middle of an upload leaves its slices under a
    // key no campaign points at; stopped after the switch, the old roster's rows, or a roster
    // from before migration 25 under the campaign's own id. The next upload drops them all.
    const { data, store } = await place()
    const kept = await store.campaigns.replaceRoster('c1', entries(7, 'kept'))
    if (kept === null || kept === 'stale') throw new Error('no roster')
    await store.close()
    // Plus rows of another campaign whose id starts with this one's: none of them go.
    leaveRows(data, [
      ...['c1/cut-mid-upload', 'c1/old-after-switch', 'c1'].map(
        (key) => [key, entries(12_000, key)] as [string, StoredRosterEntry[]],
      ),
      ['c1-other', entries(3, 'other')],
    ])
    const reopened = openSqliteStore({ data })
    const before = await reopened.campaigns.readRoster('c1', 0, 100)
    expect(before.entries.map((e) => e.id)).toEqual(entries(7, 'kept').map((e) => e.id))
    const state = await reopened.campaigns.replaceRoster('c1', entries(4, 'next'))
    if (state === null || state === 'stale') throw new Error('not replaced')
    const after = await reopened.campaigns.readRoster('c1', 0, 100)
    expect(after.entries.map((e) => e.id)).toEqual(entries(4, 'next').map((e) => e.id))
    await reopened.close()
    expect(rowsOnDisk(data)).toBe(4 + 3)
  })

  it('an upload that drops leftovers never drops the roster another upload just made current', async () => {
    // Upload A (two slices) is being written; B starts with an If-Match of the roster before A,
    // and first drops rows A never saw (a failed upload's, being dropped): A is made current
    // meanwhile. B, once past them, must not take A's rows for leftovers (it read the current
    // roster's key before A's switch), and B itself then goes stale: A's roster is the one kept.
    const { data, store } = await place()
    const first = await store.campaigns.replaceRoster('c1', entries(10, 'first'))
    if (first === null || first === 'stale') throw new Error('no roster')
    const a = store.campaigns.replaceRoster('c1', entries(ROSTER_ROWS_PER_WRITE + 5, 'a'))
    // A turn of the loop: A's first slice is written, A not yet current.
    await new Promise((resolve) => setImmediate(resolve))
    // '!' sorts before every key an upload makes (base64url): B drops these before A's key.
    leaveRows(data, [['c1/!failed', entries(30_000, 'failed')]])
    const b = store.campaigns.replaceRoster('c1', entries(3, 'b'), [first.version])
    const stateA = await a
    if (stateA === null || stateA === 'stale') throw new Error('A not replaced')
    expect(await b).toBe('stale')
    const now = await store.campaigns.readRoster('c1', 0, 100)
    expect(now.version).toBe(stateA.version)
    expect(now.total).toBe(ROSTER_ROWS_PER_WRITE + 5)
    expect(now.entries.map((e) => e.id)).toEqual(entries(100, 'a').map((e) => e.id))
    const last = await store.campaigns.readRoster('c1', ROSTER_ROWS_PER_WRITE, 100)
    expect(last.entries).toHaveLength(5)
    await store.close()
    expect(rowsOnDisk(data)).toBe(ROSTER_ROWS_PER_WRITE + 5)
  })

  it('a draw still names its winners from the current roster', async () => {
    const { store } = await place()
    await store.campaigns.replaceRoster('c1', entries(3, 'a'))
    await store.campaigns.replaceRoster('c1', entries(3, 'b'))
    await store.campaigns.putBinding('c1', { registrationId: 'r-b-1', openid: 'o1', at: 5 })
    const snap = await store.draws.snapshot('c1')
    expect(snap?.names.get('o1')).toBe('b1')
    await store.close()
  })

  it('a whole roster read page by page gives the event loop a turn between pages', async () => {
    // The upload's match against the stored roster, the export's names, the big screens' name
    // book and the follow-up read every page; on SQLite each page answered at once, so 100 pages
    // were one task of ~1 s on a small VM, sockets unread.
    const { store } = await place()
    await store.campaigns.replaceRoster('c1', entries(100_000, 'g'))
    let seen = 0
    const { turns } = await turnsDuring(() =>
      eachRosterEntry(
        store.campaigns,
        'c1',
        () => (seen = 0),
        () => seen++,
      ),
    )
    expect(seen).toBe(100_000)
    // One page is 1,000 entries: a turn at least every other page.
    expect(turns).toBeGreaterThanOrEqual(50)
    await store.close()
  })

  it("an upload's 100,000 rows are matched to ids with turns of the event loop between", async () => {
    const rows = entries(100_000, 'm').map(({ id: _id, ...r }) => r)
    // The same guest twice: one registration, the later row in the later place.
    rows.push({ ...rows[0]!, company: '后来' })
    const stored = new Map([['code:m1', 'r-kept']])
    const { result: byId, turns } = await turnsDuring(() => entriesById(rows, stored))
    expect(turns).toBeGreaterThanOrEqual(10)
    expect(byId.size).toBe(100_000)
    expect(byId.get('r-kept')?.name).toBe('m1')
    const first = registrationIdOf('code:m0')
    expect(byId.get(first)?.company).toBe('后来')
    expect([...byId.keys()].at(-1)).toBe(first)
  })
})
