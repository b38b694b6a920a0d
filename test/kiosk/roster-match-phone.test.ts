/**
 * A guest without a code is the same guest by name and phone, whatever way the phone is
 * written: `138 0013 8000`, `138-0013-8000`, `+86 13800138000` and `13800138000` are one
 * number, so re-importing a roster saved from another system updates the guest instead of
 * adding them twice. Rows a kiosk stored before (their keys hold the phone as written) are
 * matched the same way once the kiosk opens its database.
 */
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openKioskDb } from '../../electron/core/db/db'
import { migrations } from '../../electron/core/db/migrations'
import { RosterStore } from '../../electron/core/roster/roster-store'
import { rosterMatchKey } from '../../shared/roster/roster-input'
import { normalizePhone, parseRosterFile } from '../../shared/roster/roster-import'
import { searchQueryKey } from '../../shared/roster/search-key'
import { withoutInvisible } from '../../shared/search-fold'
import { migrate as migrateWith } from '../../shared/server/migrate'
import { naturalKey } from '../../electron/core/roster/natural-key'
import { searchKey } from '../../shared/roster/search-key'
import { cleanup, tempDir } from './helpers'

afterEach(cleanup)

const guest = (phone: string, name = '王小明') => ({ name, company: '', phone, code: '' })

describe('rosterMatchKey', () => {
  it('is the same for one phone number however it is written', () => {
    const key = rosterMatchKey(guest('13800138000'))
    for (const phone of [
      '138 0013 8000',
      '138-0013-8000',
      '+86 138 0013 8000',
      '(0086)138-0013-8000',
      '８６１３８００１３８０００',
      '\u200e138 0013 8000',
    ])
      expect(rosterMatchKey(guest(phone)), phone).toBe(key)
  })

  it('still tells different numbers, names and codes apart', () => {
    const key = rosterMatchKey(guest('13800138000'))
    expect(rosterMatchKey(guest('13800138001'))).not.toBe(key)
    expect(rosterMatchKey(guest('13800138000', '王小红'))).not.toBe(key)
    expect(rosterMatchKey(guest(''))).not.toBe(key)
    // A code decides alone, as written.
    expect(rosterMatchKey({ ...guest('1'), code: 'SD-1' })).toBe('code:SD-1')
  })

  it('a file with one guest twice, the phone written two ways, lists the second as a duplicate', async () => {
    const parsed = await parseRosterFile(
      'csv',
      Buffer.from('name,phone\n王小明,138 0013 8000\n王小明,13800138000\n'),
    )
    expect(parsed.rows).toHaveLength(1)
    expect(parsed.errors).toMatchObject([{ row: 3, code: 'duplicate_row' }])
  })
})

describe('invisible characters in a phone (one rule for the import and the search)', () => {
  it('are dropped alike by the import, the desk search and the match key', () => {
    // A BOM, a soft hyphen, LRI…PDI isolates, a word joiner: all Unicode Cf.
    const pasted = '\ufeff138\u00ad0013\u2066 8000\u2069\u2060'
    expect(normalizePhone(pasted)).toBe('1380013 8000')
    expect(searchQueryKey(pasted)).toBe('13800138000')
    expect(withoutInvisible(pasted)).toBe('1380013 8000')
    expect(rosterMatchKey(guest(pasted))).toBe(rosterMatchKey(guest('13800138000')))
  })
})

describe('re-importing a roster whose phones are written another way', () => {
  it('updates each guest, never adds them twice', () => {
    const db = openKioskDb(join(tempDir(), 'kiosk.sqlite'))
    try {
      const store = new RosterStore(db)
      store.upsertMany('expo', [guest('138 0013 8000')], 1)
      store.upsertMany('expo', [{ ...guest('13800138000'), company: '腾讯' }], 2)
      expect(store.search('expo', '', 10)).toMatchObject([
        { name: '王小明', company: '腾讯', phone: '13800138000' },
      ])
    } finally {
      db.close()
    }
  })
})

/** A row as a version-8 kiosk stored it: id, name, phone, code, openid, checked in at. */
type Version8Row = readonly [string, string, string, string, string | null, number | null]

/**
 * A kiosk database at version 8 holding `rows` in campaign `expo`, keyed as it keyed them (by
 * code, or by name + phone as written), still open for more.
 */
function version8Db(rows: readonly Version8Row[]): { file: string; old: Database.Database } {
  const file = join(tempDir(), 'kiosk.sqlite')
  const old = new Database(file)
  migrateWith(old, migrations.slice(0, 8), 'kiosk database')
  const insert = old.prepare(
    `INSERT INTO roster_entries (id, campaign_id, name, company, phone, code, match_key,
       imported_at, openid, checked_in_at, sort_key, search_key)
     VALUES (?, 'expo', ?, '', ?, ?, ?, 0, ?, ?, ?, ?)`,
  )
  for (const [id, name, phone, code, openid, at] of rows) {
    const key = code !== '' ? `code:${code}` : `name:${name}\u0000${phone}`
    const sortAndSearch = [naturalKey(name), searchKey({ name, company: '', phone, code })]
    insert.run(id, name, phone, code, key, openid, at, ...sortAndSearch)
  }
  return { file, old }
}

/** Each entry's match key, by id. */
function matchKeys(db: Database.Database): Map<string, string> {
  return new Map(
    db
      .prepare<[], { id: string; key: string }>('SELECT id, match_key AS key FROM roster_entries')
      .all()
      .map((r) => [r.id, r.key]),
  )
}

describe('a roster stored before phones were matched as numbers (database version 8)', () => {
  it('is matched by number once the kiosk opens it; doubles stored before are both kept', () => {
    const { file, old } = version8Db([
      // Keyed by name + phone as written, checked in.
      ['r1', '王小明', '138 0013 8000', '', 'o1', 5],
      // The same guest imported twice before (one number, two spellings): both stay.
      ['r2', '李雷', '139-0000-0000', '', null, null],
      ['r3', '李雷', '139 0000 0000', '', 'o3', 7],
      ['r4', '韩梅梅', '137 0000 0000', 'SD-4', null, null],
    ])
    old
      .prepare(
        `INSERT INTO roster_entries (id, campaign_id, name, company, phone, code, match_key,
         imported_at) VALUES ('r5', 'expo', 'Relay guest', '', '138 1111 2222', '', 'relay:r-x', 0)`,
      )
      .run()
    old.close()

    const db = openKioskDb(file)
    try {
      const keys = matchKeys(db)
      expect(keys.get('r1')).toBe(rosterMatchKey(guest('13800138000')))
      expect(keys.get('r4')).toBe('code:SD-4')
      expect(keys.get('r5')).toBe('relay:r-x')
      expect(keys.size).toBe(5)
      // A re-import of the same guests, phones written the plain way: updated, check-ins kept.
      const store = new RosterStore(db)
      store.upsertMany('expo', [{ ...guest('13800138000'), company: '腾讯' }], 9)
      const now = store.search('expo', '王小明', 10)
      expect(now).toMatchObject([{ id: 'r1', company: '腾讯', openid: 'o1', checkedInAt: 5 }])
      store.upsertMany('expo', [{ ...guest('+86 139 0000 0000', '李雷'), company: 'X' }], 9)
      expect(store.search('expo', '李雷', 10)).toHaveLength(2)
      // The one a re-import updates is the checked-in guest (r3, imported second), as the
      // relay keeps the bound one of such a pair: staff see that one at the desk.
      expect(store.search('expo', '李雷', 10).filter((e) => e.company === 'X')).toMatchObject([
        { id: 'r3', openid: 'o3', checkedInAt: 7 },
      ])
    } finally {
      db.close()
    }
  })

  it('gives the new key to the checked-in copy even when the other copy already holds it', () => {
    // The same guest imported twice before: once the plain way (its key already the new one),
    // once written with spaces, and that copy checked in at the desk.
    const { file, old } = version8Db([
      ['r6', '张伟', '13600000000', '', null, null],
      ['r7', '张伟', '136 0000 0000', '', 'o7', 8],
    ])
    old.close()

    const db = openKioskDb(file)
    try {
      const keys = matchKeys(db)
      // Both stay; the checked-in one holds the new key, the other the one it gave up.
      expect(keys.get('r7')).toBe(rosterMatchKey(guest('13600000000', '张伟')))
      expect(keys.get('r6')).toBe('name:张伟\u0000136 0000 0000')
      const store = new RosterStore(db)
      store.upsertMany('expo', [{ ...guest('136-0000-0000', '张伟'), company: 'Y' }], 9)
      expect(store.search('expo', '张伟', 10)).toHaveLength(2)
      expect(store.search('expo', '张伟', 10).filter((e) => e.company === 'Y')).toMatchObject([
        { id: 'r7', openid: 'o7', checkedInAt: 8 },
      ])
    } finally {
      db.close()
    }
  })
})
