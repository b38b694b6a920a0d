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
import { searchKey } from '../../shared/roster/search-key'
import { cleanup, startCore, tempDir, testCampaign, TEST_PIN } from './helpers'

afterEach(cleanup)

async function coreWith(names: string[]) {
  return coreWithCsv(['name', ...names].join('\n'))
}

/** A kiosk in desk mode with `csv` imported as the active campaign's roster. */
async function coreWithCsv(csv: string) {
  const dir = tempDir()
  openCampaignStore(dir).save(testCampaign())
  saveSettings(dir, { ...defaultSettings(), activeCampaignId: 'expo' })
  const core = startCore(dir, new MemoryVault(), { tickMs: 0 })
  await core.call('unlockAdmin', { pin: TEST_PIN })
  const importCsv = (text: string) =>
    core.call('importRoster', {
      fileName: 'r.csv',
      format: 'csv',
      dataBase64: Buffer.from(text).toString('base64'),
      skipBadRows: false,
    })
  await importCsv(csv)
  const search = async (query: string, limit: number) =>
    ((await core.call('searchRoster', { query, limit })) as Array<{ name: string }>).map(
      (r) => r.name,
    )
  return { search, importCsv }
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

describe('desk search finds guests the way staff type them', () => {
  // As rosters arrive: accents, spaces, phones with dashes, brackets and country codes, codes
  // in either case.
  const roster = [
    'name,company,phone,code',
    '王小明,腾讯科技,138-0013-8000,SD-001',
    '张 伟,阿里巴巴,+86 139 1234 5678,SD-002',
    'Mary Ann Smith,Acme Corp.,(021) 6234 5678,sd-003',
    'José Álvarez,Café Société,+34 612 345 678,SD-004',
    'ÉLODIE Durand,Müller GmbH,0033 6 12 34 56 78,SD-005',
    "Seán O'Brien,Groß & Co,0086 137 0000 1111,SD-006",
  ].join('\n')

  it.each([
    // A Chinese input method's full-width letters and digits
    ['ＳＤ－００１', ['王小明']],
    ['１３８００', ['王小明']],
    ['ｍａｒｙ', ['Mary Ann Smith']],
    // A space typed or left out inside a name
    ['王 小明', ['王小明']],
    ['张伟', ['张 伟']],
    ['maryann', ['Mary Ann Smith']],
    ['mary ann smith', ['Mary Ann Smith']],
    ['obrien', ["Seán O'Brien"]],
    // Phones typed with or without dashes, spaces, brackets or the country code
    ['13800138000', ['王小明']],
    ['138 0013 8000', ['王小明']],
    ['139-1234-5678', ['张 伟']],
    ['+86 139 1234 5678', ['张 伟']],
    ['+8613912345678', ['张 伟']],
    ['8613912345678', ['张 伟']],
    ['+86 137 0000 1111', ["Seán O'Brien"]],
    ['021-62345678', ['Mary Ann Smith']],
    ['1111', ["Seán O'Brien"]],
    // Accents and case beyond ASCII
    ['jose', ['José Álvarez']],
    ['JOSÉ ÁLVAREZ', ['José Álvarez']],
    ['élodie', ['ÉLODIE Durand']],
    ['elodie', ['ÉLODIE Durand']],
    ['cafe societe', ['José Álvarez']],
    ['muller', ['ÉLODIE Durand']],
    ['gross', ["Seán O'Brien"]],
    // Codes in either case, with or without the dash; a barcode scanner's Enter
    ['sd002', ['张 伟']],
    ['SD003', ['Mary Ann Smith']],
    ['SD-004\n', ['José Álvarez']],
    ['sd-005\r\n', ['ÉLODIE Durand']],
  ])('%j finds %j', async (query, names) => {
    const { search } = await coreWithCsv(roster)
    expect(await search(query, 50)).toEqual(names)
  })

  it('matches within one field, never across two', async () => {
    const { search } = await coreWithCsv(roster)
    // The end of a name and the start of its company: no guest is called that.
    expect(await search('smithacme', 50)).toEqual([])
    expect(await search('王小明腾讯', 50)).toEqual([])
  })

  it('finds nothing for text no guest has, and everyone for punctuation alone', async () => {
    const { search } = await coreWithCsv(roster)
    expect(await search('李雷', 50)).toEqual([])
    expect(await search('%', 50)).toHaveLength(6)
    expect(await search('-', 50)).toHaveLength(6)
  })

  it('finds a guest re-imported with new details by those, not the old ones', async () => {
    const { search, importCsv } = await coreWithCsv(roster)
    await importCsv('name,company,phone,code\nZoë Wang,Nordisk,150-0000-0001,SD-001')
    expect(await search('zoe', 50)).toEqual(['Zoë Wang'])
    expect(await search('15000000001', 50)).toEqual(['Zoë Wang'])
    expect(await search('王小明', 50)).toEqual([])
  })
})

describe('desk search finds guests of a Chinese event roster the way staff type them', () => {
  // Names and phones as an organizer's sheet holds them: a middle dot written four ways, a name
  // typed on a Mac (NFD), CJK beyond the BMP, Uyghur and Tibetan script, phones with the
  // country code in brackets, a trailing tab or non-breaking space from Excel, a zero-width
  // space pasted from WeChat.
  const roster = [
    'name,company,phone,code',
    '艾力·买买提,新疆果业,(0086)13800138000,A-1',
    '古丽•努尔,𠮷野家\u200b,138 0013 8001\t,A-2',
    'Zoe\u0308 Wang,Ｎｏｒｄｉｓｋ,+86 138-0013-8002\u00a0,A-3',
    'ئەخمەت قادىر,,(+86) 138 0013 8003,A-4',
    'བཀྲ་ཤིས་,,0086-138-0013-8004,A-5',
    '\u200b𡈼𪚥\u200b,,138\u200b0013\u200b8005,A-6',
  ].join('\n')
  const named = (n: number) =>
    ['艾力·买买提', '古丽•努尔', 'Zoe\u0308 Wang', 'ئەخمەت قادىر', 'བཀྲ་ཤིས་', '𡈼𪚥'][n]

  it.each([
    // A middle dot as another person writes it, or left out
    ['买买提', 0],
    ['艾力•买买提', 0],
    ['艾力・买买提', 0],
    ['艾力‧买买提', 0],
    ['艾力买买提', 0],
    ['古丽·努尔', 1],
    // NFC typed for an NFD name, and the other way round
    ['Zoë', 2],
    ['zoe\u0308', 2],
    // Outside the BMP, and a zero-width space pasted around it
    ['𠮷野家', 1],
    ['𡈼𪚥', 5],
    ['\u200b𪚥', 5],
    ['ＮＯＲＤＩＳＫ', 2],
    ['ئەخمەت', 3],
    ['བཀྲ', 4],
    // Phones however they were written in the sheet or are typed at the desk
    ['13800138000', 0],
    ['+86 138-0013-8000', 0],
    ['(0086)13800138000', 0],
    ['(0086) 138 0013 8000', 0],
    ['（００８６）１３８００１３８０００', 0],
    ['13800138001', 1],
    ['138 0013 8002', 2],
    ['(0086)13800138002', 2],
    ['13800138003', 3],
    ['+8613800138004', 4],
    ['138-0013-8005', 5],
    // Pasted with the direction marks an iPhone or a web page copies around a number
    ['\u202a0086 138 0013 8000\u202c', 0],
    ['\u200e(0086)13800138002', 2],
  ])('%j finds guest %i', async (query, n) => {
    const { search } = await coreWithCsv(roster)
    expect(await search(query, 50)).toEqual([named(n)])
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

describe('a roster imported before the search was folded (database version 5)', () => {
  it('is given its search keys when the kiosk opens it, and the desk finds it as typed', () => {
    const file = join(tempDir(), 'kiosk.sqlite')
    const old = new Database(file)
    migrateWith(old, migrations.slice(0, 5), 'kiosk database')
    const insert = old.prepare(
      `INSERT INTO roster_entries (id, campaign_id, name, company, phone, code, match_key,
         imported_at, sort_key) VALUES (?, 'expo', ?, ?, ?, ?, ?, 0, ?)`,
    )
    const guests = [
      ['王 小明', '腾讯科技', '138-0013-8000', 'SD-001'],
      ['José Álvarez', 'Café Société', '+34 612 345 678', 'SD-002'],
      ['Guest 10', '', '', ''],
      ['Guest 2', '', '', ''],
    ] as const
    for (const [i, [name, company, phone, code]] of guests.entries()) {
      insert.run(`r${i}`, name, company, phone, code, `name:${name}`, naturalKey(name))
    }
    old.close()
    const db = openKioskDb(file)
    try {
      const rows = db
        .prepare<
          [],
          { name: string; company: string; phone: string; code: string; searchKey: string }
        >('SELECT name, company, phone, code, search_key AS searchKey FROM roster_entries')
        .all()
      for (const r of rows) expect(r.searchKey).toBe(searchKey(r))
      const store = new RosterStore(db)
      const found = (q: string) => store.search('expo', q, 10).map((e) => e.name)
      expect(found('王小明')).toEqual(['王 小明'])
      expect(found('13800138000')).toEqual(['王 小明'])
      expect(found('jose')).toEqual(['José Álvarez'])
      expect(found('ｓｄ００２')).toEqual(['José Álvarez'])
      expect(found('guest')).toEqual(['Guest 2', 'Guest 10'])
    } finally {
      db.close()
    }
  })
})
