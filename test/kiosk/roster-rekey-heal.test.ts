/**
 * A guest imported twice before (the phone written two ways, or the name encoded two ways) keeps
 * both entries once the kiosk keys them anew, and the copy staff see at the desk (checked in,
 * bound) takes the new key, so a re-import updates that one — even when the other copy already
 * held the new key, having been written the plain way. Checked from a version-8 database (009
 * then 010 run) and from a version-9 database written by 009 as it was released, whose
 * UPDATE OR IGNORE left the checked-in copy on its old key: 010 heals it.
 */
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openKioskDb } from '../../electron/core/db/db'
import { migrations } from '../../electron/core/db/migrations'
import { naturalKey } from '../../electron/core/roster/natural-key'
import { RosterStore } from '../../electron/core/roster/roster-store'
import { rosterMatchKey } from '../../shared/roster/roster-input'
import { searchKey } from '../../shared/roster/search-key'
import { migrate as migrateWith } from '../../shared/server/migrate'
import { cleanup, tempDir } from './helpers'
import { released009 } from './released-009'

afterEach(cleanup)

const NFC_NAME = 'Nguyễn Thị Ánh'.normalize('NFC')
const NFD_NAME = NFC_NAME.normalize('NFD')
const guest = (name: string, phone: string) => ({ name, company: '', phone, code: '' })

/** id, name, phone, openid, checked in at: one campaign, keyed by name + phone as written. */
const ROWS = [
  // 张伟 imported three times: the plain way, then with spaces (checked in), then with dashes.
  ['p1', '张伟', '13600000000', null, null],
  ['p2', '张伟', '136 0000 0000', 'o2', 8],
  ['p3', '张伟', '136-0000-0000', null, null],
  // Nguyễn imported from a Mac (decomposed, checked in), then from a phone (precomposed).
  ['n1', NFD_NAME, '13800138000', 'o1', 5],
  ['n2', NFC_NAME, '13800138000', null, null],
] as const

/** A kiosk database holding ROWS, brought to the version `before` leaves it at, then closed. */
function storedDb(before: readonly Parameters<typeof migrateWith>[1][number][]): string {
  const file = join(tempDir(), 'kiosk.sqlite')
  const old = new Database(file)
  try {
    migrateWith(old, migrations.slice(0, 8), 'kiosk database')
    const insert = old.prepare(
      `INSERT INTO roster_entries (id, campaign_id, name, company, phone, code, match_key,
         imported_at, openid, checked_in_at, sort_key, search_key)
       VALUES (?, 'expo', ?, '', ?, '', ?, 0, ?, ?, ?, ?)`,
    )
    for (const [id, name, phone, openid, at] of ROWS) {
      const sortAndSearch = [naturalKey(name), searchKey({ name, company: '', phone, code: '' })]
      insert.run(id, name, phone, `name:${name}\u0000${phone}`, openid, at, ...sortAndSearch)
    }
    migrateWith(old, [...migrations.slice(0, 8), ...before], 'kiosk database')
  } finally {
    old.close()
  }
  return file
}

function matchKeys(db: Database.Database): Map<string, string> {
  return new Map(
    db
      .prepare<[], { id: string; key: string }>('SELECT id, match_key AS key FROM roster_entries')
      .all()
      .map((r) => [r.id, r.key]),
  )
}

describe.each([
  ['version 8', []],
  ['version 9, written by 009 as released', [released009]],
])('a guest imported twice, from a %s database', (_, before) => {
  it('the checked-in copy takes the new key; both copies stay; a re-import updates it', () => {
    const file = storedDb(before)
    const db = openKioskDb(file)
    try {
      const keys = matchKeys(db)
      expect(keys.size).toBe(ROWS.length)
      expect(keys.get('p2')).toBe(rosterMatchKey(guest('张伟', '13600000000')))
      // The copy that held the new key takes the one the checked-in copy gave up; p3 keeps its own.
      expect(keys.get('p1')).toBe('name:张伟\u0000136 0000 0000')
      expect(keys.get('p3')).not.toBe(keys.get('p2'))
      expect(keys.get('n1')).toBe(rosterMatchKey(guest(NFC_NAME, '13800138000')))
      expect(keys.get('n2')).not.toBe(keys.get('n1'))

      const store = new RosterStore(db)
      store.upsertMany(
        'expo',
        [
          { ...guest('张伟', '+86 136 0000 0000'), company: 'Y' },
          { ...guest(NFC_NAME, '138 0013 8000'), company: 'VinGroup' },
        ],
        9,
      )
      const all = store.search('expo', '', 10)
      expect(all).toHaveLength(ROWS.length)
      expect(all.filter((e) => e.company !== '')).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: 'p2', company: 'Y', openid: 'o2', checkedInAt: 8 }),
          expect.objectContaining({ id: 'n1', company: 'VinGroup', openid: 'o1', checkedInAt: 5 }),
        ]),
      )
      expect(all.filter((e) => e.company !== '')).toHaveLength(2)
    } finally {
      db.close()
    }
  })
})
