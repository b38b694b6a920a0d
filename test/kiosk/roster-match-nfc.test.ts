/**
 * A guest's name is the same name however a phone or a computer encoded its accents: Vietnamese
 * `Nguyễn Thị Ánh` typed on one phone is precomposed (NFC), saved from a Mac's Numbers or pasted
 * from some web forms it is decomposed (NFD, a letter then its stacked marks), and a Korean name
 * from a Mac may be in conjoining jamo. They look alike everywhere, so a roster re-imported from
 * the other system must update the guest, not add them twice, and a file with both spellings
 * lists the second as a duplicate. Rows a kiosk stored before are matched once it opens its
 * database.
 */
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openKioskDb } from '../../electron/core/db/db'
import { migrations } from '../../electron/core/db/migrations'
import { naturalKey } from '../../electron/core/roster/natural-key'
import { RosterStore } from '../../electron/core/roster/roster-store'
import { parseRosterFile } from '../../shared/roster/roster-import'
import { rosterMatchKey } from '../../shared/roster/roster-input'
import { searchKey } from '../../shared/roster/search-key'
import { migrate as migrateWith } from '../../shared/server/migrate'
import { cleanup, tempDir } from './helpers'

afterEach(cleanup)

const NFC_NAME = 'Nguyễn Thị Ánh'.normalize('NFC')
const NFD_NAME = NFC_NAME.normalize('NFD')
const KOREAN = '김민준'.normalize('NFC')
const guest = (name: string, phone = '13800138000', code = '') => ({
  name,
  company: '',
  phone,
  code,
})

describe('rosterMatchKey and canonically equal spellings', () => {
  it('is the same for a name precomposed and decomposed', () => {
    expect(NFD_NAME).not.toBe(NFC_NAME)
    expect(rosterMatchKey(guest(NFD_NAME))).toBe(rosterMatchKey(guest(NFC_NAME)))
    expect(rosterMatchKey(guest(KOREAN.normalize('NFD')))).toBe(rosterMatchKey(guest(KOREAN)))
    // A code with an accent (a badge printed from a French system) too.
    expect(rosterMatchKey(guest('x', '', 'ÉTÉ-01'.normalize('NFD')))).toBe(
      rosterMatchKey(guest('y', '', 'ÉTÉ-01'.normalize('NFC'))),
    )
  })

  it('still tells names apart that differ by more than their encoding', () => {
    expect(rosterMatchKey(guest('Nguyen Thi Anh'))).not.toBe(rosterMatchKey(guest(NFC_NAME)))
  })

  it('a file with one guest spelled both ways lists the second as a duplicate', async () => {
    const parsed = await parseRosterFile(
      'csv',
      Buffer.from(`name,phone\n${NFC_NAME},13800138000\n${NFD_NAME},138 0013 8000\n`),
    )
    expect(parsed.rows).toHaveLength(1)
    expect(parsed.errors).toMatchObject([{ row: 3, code: 'duplicate_row' }])
  })
})

describe('re-importing a roster saved by another system', () => {
  it('updates the guest, never adds them twice', () => {
    const db = openKioskDb(join(tempDir(), 'kiosk.sqlite'))
    try {
      const store = new RosterStore(db)
      store.upsertMany('expo', [guest(NFC_NAME)], 1)
      store.upsertMany('expo', [{ ...guest(NFD_NAME), company: 'VinGroup' }], 2)
      expect(store.search('expo', '', 10)).toMatchObject([{ company: 'VinGroup' }])
    } finally {
      db.close()
    }
  })
})

describe('a roster stored with decomposed names (database version 9)', () => {
  it('is matched by the name as it reads once the kiosk opens it', () => {
    const file = join(tempDir(), 'kiosk.sqlite')
    const old = new Database(file)
    migrateWith(old, migrations.slice(0, 9), 'kiosk database')
    const insert = old.prepare(
      `INSERT INTO roster_entries (id, campaign_id, name, company, phone, code, match_key,
         imported_at, openid, checked_in_at, sort_key, search_key)
       VALUES (?, 'expo', ?, '', '13800138000', ?, ?, 0, ?, ?, ?, ?)`,
    )
    const rows = [
      // Keyed by the decomposed name as imported, checked in.
      ['r1', NFD_NAME, '', 'o1', 5],
      ['r2', '김민준'.normalize('NFD'), '', null, null],
      ['r3', 'Léa', 'ÉTÉ-01'.normalize('NFD'), null, null],
    ] as const
    for (const [id, name, code, openid, at] of rows) {
      const key = code !== '' ? `code:${code}` : `name:${name}\u000013800138000`
      const sortAndSearch = [naturalKey(name), searchKey({ name, company: '', phone: '', code })]
      insert.run(id, name, code, key, openid, at, ...sortAndSearch)
    }
    old.close()

    const db = openKioskDb(file)
    try {
      const store = new RosterStore(db)
      store.upsertMany(
        'expo',
        [
          { ...guest(NFC_NAME), company: 'VinGroup' },
          { ...guest(KOREAN), company: 'Samsung' },
          { ...guest('Léa', '', 'ÉTÉ-01'.normalize('NFC')), company: 'Orange' },
        ],
        9,
      )
      const all = store.search('expo', '', 10)
      expect(all).toHaveLength(3)
      expect(all.find((e) => e.id === 'r1')).toMatchObject({
        company: 'VinGroup',
        openid: 'o1',
        checkedInAt: 5,
      })
      expect(all.find((e) => e.id === 'r2')).toMatchObject({ company: 'Samsung' })
      expect(all.find((e) => e.id === 'r3')).toMatchObject({ company: 'Orange' })
    } finally {
      db.close()
    }
  })
})
