/**
 * Desk search lists guests in the order people read names: numbers inside a name by their
 * value ("Guest 2" before "Guest 10"), letters without regard to case, full-width digits as
 * digits. The order holds before the result limit, so a broad search shows the first guests,
 * not whichever sort first as text ("Guest 1", "Guest 10", "Guest 100", …).
 */
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openKioskDb } from '../../electron/core/db/db'
import { migrations } from '../../electron/core/db/migrations'
import { RosterStore } from '../../electron/core/roster/roster-store'
import { migrate as migrateWith } from '../../shared/server/migrate'
import { MemoryVault } from '../../electron/core/config/vault'
import { openCampaignStore } from '../../electron/core/campaigns/campaign-store'
import { defaultSettings, saveSettings } from '../../electron/core/config/settings'
import { naturalKey } from '../../electron/core/roster/natural-key'
import { cleanup, startCore, tempDir, testCampaign, TEST_PIN } from './helpers'

afterEach(cleanup)

async function coreWith(names: string[]) {
  const dir = tempDir()
  openCampaignStore(dir).save(testCampaign())
  saveSettings(dir, { ...defaultSettings(), activeCampaignId: 'expo' })
  const core = startCore(dir, new MemoryVault(), { tickMs: 0 })
  await core.call('unlockAdmin', { pin: TEST_PIN })
  const csv = ['name', ...names].join('\n')
  await core.call('importRoster', {
    fileName: 'r.csv',
    format: 'csv',
    dataBase64: Buffer.from(csv).toString('base64'),
    skipBadRows: false,
  })
  const search = async (query: string, limit: number) =>
    ((await core.call('searchRoster', { query, limit })) as Array<{ name: string }>).map(
      (r) => r.name,
    )
  return { search }
}

describe('desk search order', () => {
  it('puts numbers in names in number order, ignoring case', async () => {
    const { search } = await coreWith(['Guest 10', 'guest 2', 'Guest 1', 'Guest 100', 'Guest 11'])
    expect(await search('guest', 50)).toEqual([
      'Guest 1',
      'guest 2',
      'Guest 10',
      'Guest 11',
      'Guest 100',
    ])
  })

  it('applies the order before the limit', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `Table ${30 - i}`)
    const { search } = await coreWith(names)
    expect(await search('Table', 5)).toEqual([
      'Table 1',
      'Table 2',
      'Table 3',
      'Table 4',
      'Table 5',
    ])
  })
})

describe('naturalKey', () => {
  const sorted = (xs: string[]) =>
    [...xs].sort((a, b) =>
      naturalKey(a) < naturalKey(b) ? -1 : naturalKey(a) > naturalKey(b) ? 1 : 0,
    )

  it('orders digit runs by value, leading zeros and full-width digits included', () => {
    expect(sorted(['A10', 'A９', 'A007', 'a2', 'A0'])).toEqual(['A0', 'a2', 'A007', 'A９', 'A10'])
  })

  it('keeps text before and after the numbers in order', () => {
    expect(sorted(['B1', 'A2', 'A1b', 'A1a', 'A'])).toEqual(['A', 'A1a', 'A1b', 'A2', 'B1'])
  })
})

describe('a roster imported before the order was kept (database version 4)', () => {
  it('is given its order when the kiosk opens it, and the desk search uses it', () => {
    const file = join(tempDir(), 'kiosk.sqlite')
    const old = new Database(file)
    migrateWith(old, migrations.slice(0, 4), 'kiosk database')
    const insert = old.prepare(
      `INSERT INTO roster_entries (id, campaign_id, name, company, phone, code, match_key,
         imported_at) VALUES (?, 'expo', ?, '', '', '', ?, 0)`,
    )
    for (const [i, name] of ['Guest 10', 'guest 2', 'Guest 1', '来宾 ２'].entries()) {
      insert.run(`r${i}`, name, `name:${name}`)
    }
    old.close()
    const db = openKioskDb(file)
    try {
      const rows = db
        .prepare<[], { name: string; sortKey: string }>(
          'SELECT name, sort_key AS sortKey FROM roster_entries ORDER BY id',
        )
        .all()
      for (const r of rows) expect(r.sortKey).toBe(naturalKey(r.name))
      const found = new RosterStore(db).search('expo', '', 10).map((e) => e.name)
      expect(found).toEqual(['Guest 1', 'guest 2', 'Guest 10', '来宾 ２'])
    } finally {
      db.close()
    }
  })
})
