// Exports read back and checked row by row: CSV (BOM, formula escaping) of 100,000 rows,
// XLSX, the admin-area export job with progress, and the export CLI.
import { execFile } from 'node:child_process'
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parse } from 'csv-parse/sync'
import { afterEach, describe, expect, it } from 'vitest'
import { exportProgressSchema, type ExportProgress } from '../../shared/domain'
import { openKioskDb, type KioskDb } from '../../electron/core/db/db'
import {
  EXPORT_COLUMNS,
  exportAttendance,
  type ExportOptions,
} from '../../electron/core/export/export'
import ExcelJS from 'exceljs'
import { Workbook } from '../../shared/roster/xlsx'
import { MemoryVault } from '../../electron/core/config/vault'
import { RosterStore } from '../../electron/core/roster/roster-store'
import { openCampaignStore } from '../../electron/core/campaigns/campaign-store'
import { defaultSettings, saveSettings } from '../../electron/core/config/settings'
import { RelayCampaignStore } from '../../electron/core/campaigns/relay-campaign'
import type { RelayCampaign } from '../../shared/campaign'
import { relayCampaign } from './fake-v2-relay'
import { cleanup, onCleanup, startCore, tempDir, testCampaign, TEST_PIN, waitFor } from './helpers'

afterEach(cleanup)

const ExcelValueType = ExcelJS.ValueType

const T = Date.UTC(2025, 4, 20, 1, 0, 0)
const tricky = [
  '=1+1',
  '+SUM(A1)',
  '-2+3',
  '@cmd',
  '\tTAB',
  '\rCR',
  '王小明',
  'Ada "the" Count, Esq.',
  'line\nbreak',
]

interface Expected {
  openid: string
  checkInNumber: number
  name: string
  firstVisit: boolean
  kind: 'subscribe' | 'scan'
  createTime: number
}

/** Fills `n` attendance rows straight into SQLite; returns what each row must export as. */
function seed(db: KioskDb, n: number, campaignId = 'expo'): Expected[] {
  const expected: Expected[] = []
  const insertRoster = db.prepare(
    `INSERT INTO roster_entries (id, campaign_id, name, company, phone, code, match_key, imported_at)
     VALUES (?, ?, ?, '', '', '', ?, 0)`,
  )
  const insert = db.prepare(
    `INSERT INTO attendance (event_id, campaign_id, kiosk_id, openid, scene, ticket, kind, create_time,
       received_at, first_visit, check_in_number, roster_entry_id, unknown_ticket)
     VALUES (?, ?, 'k1', ?, 'k1:abc', 'T', ?, ?, ?, ?, ?, ?, 0)`,
  )
  db.transaction(() => {
    tricky.forEach((name, i) => insertRoster.run(`${campaignId}-r${i}`, campaignId, name, `m${i}`))
    for (let i = 0; i < n; i++) {
      const visitor = i % 70_000
      const firstVisit = i < 70_000
      const rosterIndex = i % 1000 < tricky.length ? i % 1000 : null
      const kind = firstVisit && i % 3 === 0 ? 'subscribe' : 'scan'
      const createTime = Math.floor(T / 1000) + i
      insert.run(
        `${campaignId}-e${i}`,
        campaignId,
        `o_${visitor}`,
        kind,
        createTime,
        T + i * 1000 + 250,
        firstVisit ? 1 : 0,
        visitor + 1,
        rosterIndex === null ? null : `${campaignId}-r${rosterIndex}`,
      )
      expected.push({
        openid: `o_${visitor}`,
        checkInNumber: visitor + 1,
        name: rosterIndex === null ? '' : (tricky[rosterIndex] ?? ''),
        firstVisit,
        kind,
        createTime,
      })
    }
  })()
  return expected
}

const col = (key: string) => EXPORT_COLUMNS.findIndex((c) => c.key === key)

/** The attendance exported to `file`. */
async function exportFile(file: string, o: Omit<ExportOptions, 'out'>) {
  return exportAttendance({ ...o, out: createWriteStream(file) })
}

/** The first worksheet of the XLSX at `file`, read back with exceljs. */
async function firstSheet(file: string) {
  const wb = new Workbook()
  await wb.xlsx.readFile(file)
  const ws = wb.worksheets[0]
  if (!ws) throw new Error('no sheet')
  return ws
}

/** `kiosk export ...args`, run from the sources; its stdout. */
async function exportCli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join('node_modules', 'tsx', 'dist', 'cli.mjs'), 'electron/core/cli/cli.ts', 'export', ...args],
    { cwd: join(import.meta.dirname, '..', '..'), maxBuffer: 10_000_000 },
  )
  return stdout
}
const parseLocal = (s: string) => new Date(s.replace(' ', 'T')).getTime()

describe('attendance export', () => {
  it('CSV of 100,000 rows: BOM, escaped formulas, every row as stored', async () => {
    const dir = tempDir()
    const db = openKioskDb(join(dir, 'kiosk.db'))
    onCleanup(() => {
      db.close()
    })
    const expected = seed(db, 100_000)
    const file = join(dir, 'out.csv')
    const progress: number[] = []
    const { rows } = await exportAttendance({
      db,
      campaignId: 'expo',
      format: 'csv',
      out: createWriteStream(file),
      locale: 'en',
      onProgress: (done) => progress.push(done),
    })
    expect(rows).toBe(100_000)
    expect(progress.length).toBeGreaterThan(10)
    expect(progress.at(-1)).toBe(100_000)

    const raw = readFileSync(file)
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const table = parse(raw.subarray(3).toString('utf8'))
    expect(table[0]).toEqual(EXPORT_COLUMNS.map((c) => c.label.en))
    expect(table).toHaveLength(100_001)
    const [cNum, cName, cOpenid, cFirst, cKind, cScanned] = [
      col('checkInNumber'),
      col('name'),
      col('openid'),
      col('firstVisit'),
      col('kind'),
      col('scannedAt'),
    ]
    for (let i = 0; i < expected.length; i++) {
      const row = table[i + 1] ?? []
      const e = expected[i] as Expected
      const name = /^(?:[\t\r]|\s*[=+\-@])/.test(e.name) ? `'${e.name}` : e.name
      if (
        row[cOpenid] !== e.openid ||
        row[cNum] !== String(e.checkInNumber) ||
        row[cName] !== name ||
        row[cFirst] !== (e.firstVisit ? 'yes' : 'no') ||
        row[cKind] !== (e.kind === 'subscribe' ? 'New follower' : 'Scan') ||
        parseLocal(row[cScanned] ?? '') !== e.createTime * 1000
      ) {
        expect({ row: i, got: row }).toEqual({ row: i, expected: e })
      }
    }
    // No cell a spreadsheet would run as a formula.
    const dangerous = table.flat().filter((cell) => /^(?:[\t\r]|\s*[=+\-@])/.test(cell))
    expect(dangerous).toEqual([])
  }, 60_000)

  it('XLSX read back row by row', async () => {
    const dir = tempDir()
    const db = openKioskDb(join(dir, 'kiosk.db'))
    onCleanup(() => {
      db.close()
    })
    const expected = seed(db, 3000)
    const file = join(dir, 'out.xlsx')
    await exportFile(file, { db, campaignId: 'expo', format: 'xlsx', locale: 'zh-CN' })
    const ws = await firstSheet(file)
    expect(ws.rowCount).toBe(3001)
    // The tab is named in the sheet's language, like its headings.
    expect(ws.name).toBe('签到记录')
    expect(ws.getRow(1).getCell(col('name') + 1).text).toBe('姓名')
    for (let i = 0; i < expected.length; i++) {
      const r = ws.getRow(i + 2)
      const e = expected[i] as Expected
      expect(r.getCell(col('checkInNumber') + 1).value).toBe(e.checkInNumber)
      expect(r.getCell(col('openid') + 1).text).toBe(e.openid)
      // XML turns a lone CR into LF; everything else comes back exactly (and unescaped: XLSX
      // cells are typed as text, so a leading = is not a formula there).
      expect(r.getCell(col('name') + 1).text).toBe(e.name.replace(/\r/g, '\n'))
      expect(r.getCell(col('firstVisit') + 1).text).toBe(e.firstVisit ? '是' : '否')
    }
  })

  it("names a visitor's scans made before a desk bound them, in that campaign only, as the relay's sheet does", async () => {
    const dir = tempDir()
    const db = openKioskDb(join(dir, 'kiosk.db'))
    onCleanup(() => {
      db.close()
    })
    const roster = new RosterStore(db)
    roster.upsertMany(
      'expo',
      [{ name: 'Smith, "Bob"', company: 'ACME', phone: '+86 138', code: 'R1' }],
      T,
    )
    const entry = roster.search('expo', 'Smith', 1)[0]
    if (!entry) throw new Error('no roster entry')
    const insert = db.prepare(
      `INSERT INTO attendance (event_id, campaign_id, kiosk_id, openid, scene, ticket, kind,
         create_time, received_at, first_visit, check_in_number, roster_entry_id, unknown_ticket)
       VALUES (?, ?, 'k1', ?, 'k1:abc', 'T', 'scan', 0, ?, ?, ?, NULL, 0)`,
    )
    // A walk-up scan at the booth, then the registration desk binds the visitor; another
    // campaign's scan by the same person and a visitor never bound stay unnamed.
    insert.run('e1', 'expo', 'o-walk', T, 1, 1)
    insert.run('e2', 'expo', 'o-other', T + 1000, 1, 2)
    insert.run('e3', 'c-next', 'o-walk', T + 2000, 1, 1)
    roster.bind({ id: entry.id, campaignId: 'expo' }, 'o-walk')
    const cells = [col('openid'), col('name'), col('company'), col('phone'), col('code')]
    const csvFile = join(dir, 'out.csv')
    await exportFile(csvFile, { db, campaignId: null, format: 'csv', locale: 'en' })
    const table: string[][] = parse(readFileSync(csvFile, 'utf8').slice(1))
    expect(table.slice(1).map((r) => cells.map((c) => r[c]))).toEqual([
      ['o-walk', 'Smith, "Bob"', 'ACME', "'+86 138", 'R1'],
      ['o-other', '', '', '', ''],
      ['o-walk', '', '', '', ''],
    ])
    const xlsxFile = join(dir, 'out.xlsx')
    await exportFile(xlsxFile, { db, campaignId: 'expo', format: 'xlsx', locale: 'en' })
    const ws = await firstSheet(xlsxFile)
    expect(cells.map((c) => ws.getRow(2).getCell(c + 1).text)).toEqual([
      'o-walk',
      'Smith, "Bob"',
      'ACME',
      '+86 138',
      'R1',
    ])
  })

  it("prints as the organizer needs it: the campaign's name on every page, numbered, one page wide", async () => {
    const dir = tempDir()
    const db = openKioskDb(join(dir, 'kiosk.db'))
    onCleanup(() => {
      db.close()
    })
    seed(db, 3)
    const file = join(dir, 'out.xlsx')
    await exportFile(file, {
      db,
      campaignId: 'expo',
      format: 'xlsx',
      locale: 'zh-CN',
      campaignName: () => 'R&D <春季> 展会',
    })
    const ws = await firstSheet(file)
    expect(ws.headerFooter).toEqual({
      oddHeader: '&CR&&D <春季> 展会 · 签到记录',
      oddFooter: '&C第 &P 页，共 &N 页',
    })
    expect(ws.pageSetup).toMatchObject({
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      printTitlesRow: '1:1',
    })
    // Every campaign's rows: the sheet's name alone.
    const all = join(dir, 'all.xlsx')
    await exportFile(all, { db, campaignId: null, format: 'xlsx', locale: 'en' })
    expect((await firstSheet(all)).headerFooter).toEqual({
      oddHeader: '&CAttendance',
      oddFooter: '&CPage &P of &N',
    })
  })

  it('what Excel would change on opening a CSV stays as written: the CSV as text, every XLSX cell typed text', async () => {
    // An organizer's roster: a code with leading zeros, an 18-digit ID number (a number past 15
    // digits loses the rest in Excel), a phone with its trunk 0, and cells Excel reads as a date
    // or a boolean. The CSV keeps them as text for programs (the console and kiosk point people
    // to the XLSX, docs/DESIGN.md); the XLSX must give each as text.
    const dir = tempDir()
    const db = openKioskDb(join(dir, 'kiosk.db'))
    onCleanup(() => {
      db.close()
    })
    const people = [
      ['TRUE', '3-4', '01087654321', '110101199003077777'],
      ['1/2', '2026-12-06 08:00', '008613800138000', '000123'],
    ]
    const insertRoster = db.prepare(
      `INSERT INTO roster_entries (id, campaign_id, name, company, phone, code, match_key, imported_at)
       VALUES (?, 'expo', ?, ?, ?, ?, ?, 0)`,
    )
    const insert = db.prepare(
      `INSERT INTO attendance (event_id, campaign_id, kiosk_id, openid, scene, ticket, kind,
         create_time, received_at, first_visit, check_in_number, roster_entry_id, unknown_ticket)
       VALUES (?, 'expo', 'k1', ?, '0012345678901234567', 'T', 'scan', 0, ?, 1, ?, ?, 0)`,
    )
    people.forEach((p, i) => {
      insertRoster.run(`r${i}`, ...p, `m${i}`)
      insert.run(`e${i}`, `o-${i}`, T + i, i + 1, `r${i}`)
    })
    const keys = ['name', 'company', 'phone', 'code', 'scene']
    const wanted = people.map((p) => [...p, '0012345678901234567'])

    const csvFile = join(dir, 'out.csv')
    await exportFile(csvFile, { db, campaignId: 'expo', format: 'csv', locale: 'zh-CN' })
    const bytes = readFileSync(csvFile)
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const table: string[][] = parse(bytes.subarray(3).toString('utf8'))
    expect(table.slice(1).map((r) => keys.map((k) => r[col(k)]))).toEqual(wanted)

    const xlsxFile = join(dir, 'out.xlsx')
    await exportFile(xlsxFile, { db, campaignId: 'expo', format: 'xlsx', locale: 'zh-CN' })
    const ws = await firstSheet(xlsxFile)
    const rows = [2, 3].map((r) => keys.map((k) => ws.getRow(r).getCell(col(k) + 1)))
    expect(rows.map((r) => r.map((c) => c.value))).toEqual(wanted)
    expect(rows.flat().map((c) => c.type)).toEqual(Array(10).fill(ExcelValueType.String))
  })

  it("活动 shows the campaign's name: formula-escaped in CSV, text in XLSX, the id when unknown", async () => {
    const dir = tempDir()
    const db = openKioskDb(join(dir, 'kiosk.db'))
    onCleanup(() => {
      db.close()
    })
    seed(db, 2, 'c-spring')
    seed(db, 2, 'c-evil')
    seed(db, 2, 'c-gone') // removed since: only its rows still name it
    const formulaName = '=HYPERLINK("http://x","点我")'
    const names: Record<string, string> = { 'c-spring': '2026 春季发布会', 'c-evil': formulaName }
    const asked: string[] = []
    const campaignName = (id: string): string | null => (asked.push(id), names[id] ?? null)
    const c = col('campaign')
    // One row a page: the names are still looked up once per campaign, not per row or page.
    const csvFile = join(dir, 'out.csv')
    const csvOut = createWriteStream(csvFile)
    await exportAttendance({
      db,
      campaignId: null,
      format: 'csv',
      out: csvOut,
      locale: 'zh-CN',
      campaignName,
      pageSize: 1,
    })
    const table: string[][] = parse(readFileSync(csvFile, 'utf8').slice(1))
    expect(table.map((r) => r[c])).toEqual([
      '活动',
      '2026 春季发布会',
      '2026 春季发布会',
      `'${formulaName}`,
      `'${formulaName}`,
      'c-gone',
      'c-gone',
    ])
    expect(asked).toEqual(['c-spring', 'c-evil', 'c-gone'])
    const xlsxFile = join(dir, 'out.xlsx')
    await exportAttendance({
      db,
      campaignId: 'c-evil',
      format: 'xlsx',
      out: createWriteStream(xlsxFile),
      locale: 'en',
      campaignName,
    })
    const ws = await firstSheet(xlsxFile)
    // An inline string, never a formula: the name as the organizer typed it.
    expect([1, 2, 3].map((i) => ws.getRow(i).getCell(c + 1).value)).toEqual([
      'Campaign',
      formulaName,
      formulaName,
    ])
    // Without a way to name campaigns (as before): the id.
    const plainFile = join(dir, 'plain.csv')
    await exportFile(plainFile, { db, campaignId: 'c-spring', format: 'csv', locale: 'en' })
    const plain: string[][] = parse(readFileSync(plainFile, 'utf8').slice(1))
    expect(plain.slice(1).map((r) => r[c])).toEqual(['c-spring', 'c-spring'])
  })

  it('export job from the admin area: progress events, then the file', async () => {
    const dir = tempDir()
    openCampaignStore(dir).save(testCampaign())
    saveSettings(dir, { ...defaultSettings(), activeCampaignId: 'expo', locale: 'en' })
    const core = startCore(dir, new MemoryVault(), { tickMs: 0 })
    seed(core.db, 5000)
    const events: ExportProgress[] = []
    core.on('exportProgress', (p) => events.push(p))
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const { exportId } = (await core.call('startExport', {
      campaignId: 'expo',
      format: 'csv',
    })) as { exportId: string }
    const done = await waitFor(() => events.find((e) => e.state === 'done'), 'export done')
    for (const e of events) expect(exportProgressSchema.safeParse(e).success).toBe(true)
    expect(events.some((e) => e.state === 'running' && e.rowsDone > 0 && e.rowsDone < 5000)).toBe(
      true,
    )
    expect(done).toMatchObject({ exportId, rowsDone: 5000, rowsTotal: 5000, downloadUrl: null })
    const file = core.exports.file(exportId)
    expect(file?.path).toBe(done.savedPath)
    const lines = readFileSync(file?.path ?? '', 'utf8')
      .trim()
      .split('\r\n')
    expect(lines).toHaveLength(5001)
    // The campaign as staff named it (testCampaign's), not its id.
    const table: string[][] = parse(readFileSync(file?.path ?? '', 'utf8').slice(1))
    expect(new Set(table.slice(1).map((r) => r[col('campaign')]))).toEqual(new Set(['Expo']))
  })

  it('the export CLI writes CSV to stdout', async () => {
    const dir = tempDir()
    openCampaignStore(dir).save(testCampaign({ id: 'other', name: '-其他 Other' }))
    const db = openKioskDb(join(dir, 'kiosk.db'))
    seed(db, 50, 'other')
    seed(db, 0)
    db.close()
    const stdout = await exportCli('--data', dir, '--campaign', 'other')
    expect(stdout.charCodeAt(0)).toBe(0xfeff)
    const table: string[][] = parse(stdout.slice(1))
    expect(table).toHaveLength(51)
    expect(table.slice(1).map((r) => r[col('openid')])).toEqual(
      Array.from({ length: 50 }, (_, i) => `o_${i}`),
    )
    // The campaign's name from campaigns.json, escaped like any text a user typed.
    expect(new Set(table.slice(1).map((r) => r[col('campaign')]))).toEqual(
      new Set(["'-其他 Other"]),
    )
  })

  it('the export CLI refuses a --campaign this kiosk never had, and writes no file', async () => {
    const dir = tempDir()
    const store = openCampaignStore(dir)
    store.save(testCampaign({ id: 'expo' }))
    store.save(testCampaign({ id: 'empty-day' }))
    const db = openKioskDb(join(dir, 'kiosk.db'))
    seed(db, 3)
    seed(db, 2, 'archived')
    db.close()
    const out = join(dir, 'out.csv')
    const failed = await exportCli('--data', dir, '--campaign', 'expo-typo', '--out', out).then(
      () => null,
      (e: unknown) => e as { code: number; stderr: string },
    )
    expect(failed?.code).toBe(1)
    expect(failed?.stderr).toMatch(/no campaign "expo-typo".*archived, empty-day, expo/)
    expect(existsSync(out)).toBe(false)
    // A campaign set up here without scans yet, or one only its scans still name, exports.
    expect(
      parse((await exportCli('--data', dir, '--campaign', 'empty-day')).slice(1)),
    ).toHaveLength(1)
    expect(parse((await exportCli('--data', dir, '--campaign', 'archived')).slice(1))).toHaveLength(
      3,
    )
  })

  it('the export CLI exports a named campaign even when settings.json is damaged', async () => {
    const dir = tempDir()
    const db = openKioskDb(join(dir, 'kiosk.db'))
    seed(db, 4)
    db.close()
    // Damaged by hand or by the disk: the kiosk will not start, yet the scans are all there.
    writeFileSync(join(dir, 'settings.json'), '{"version": 1, "kioskId": ')
    const out = join(dir, 'out.csv')
    const run = await promisify(execFile)(
      process.execPath,
      [
        join('node_modules', 'tsx', 'dist', 'cli.mjs'),
        'electron/core/cli/cli.ts',
        'export',
        '--data',
        dir,
        '--campaign',
        'expo',
        '--out',
        out,
      ],
      { cwd: join(import.meta.dirname, '..', '..') },
    )
    expect(run.stderr).toMatch(/settings\.json is invalid/)
    const table = parse(readFileSync(out, 'utf8').slice(1))
    expect(table).toHaveLength(5)
    expect(table[0]?.[col('openid')]).toBe('OpenID')
    // Without --campaign the kiosk's active campaign is unknown: refused, naming the way out.
    const failed = await exportCli('--data', dir).then(
      () => null,
      (e: unknown) => e as { code: number; stderr: string },
    )
    expect(failed?.code).toBe(1)
    expect(failed?.stderr).toMatch(/settings\.json is invalid[\s\S]*--campaign[\s\S]*expo/)
  })

  it('the export CLI, without --campaign, exports the campaign the kiosk scans for', async () => {
    // expo was active locally; then the kiosk was paired to a relay that runs it in expo-2026.
    const dir = tempDir()
    const settings = { ...defaultSettings(), activeCampaignId: 'expo' }
    saveSettings(dir, settings)
    const dbFile = join(dir, 'kiosk.db')
    const db = openKioskDb(dbFile)
    seed(db, 5)
    seed(db, 3, 'expo-2026')
    db.close()
    /** The relay's last campaign frame for the kiosk's connection, stored as the link does. */
    const relaySends = (version: number, campaign: RelayCampaign | null) => {
      const db = openKioskDb(dbFile)
      const frame = { type: 'campaign', version, campaign } as const
      new RelayCampaignStore(db).apply(settings.connectionId, frame, 'e1', T)
      db.close()
    }
    const exported = async (...args: string[]) => {
      const table = parse((await exportCli('--data', dir, ...args)).slice(1))
      return new Set(table.slice(1).map((r) => r[col('campaign')]))
    }
    relaySends(1, relayCampaign())
    // The admin area's export starts from the screen's campaign: the relay's.
    const core = startCore(dir, new MemoryVault(), { tickMs: 0 })
    expect(core.screenState().campaign?.id).toBe('expo-2026')
    await core.stop()
    // Named as the relay named it.
    expect(await exported()).toEqual(new Set(['Expo 2026']))

    // The organizer moves the booth to another campaign: expo-2026's sheet, asked for by id,
    // still names it as the relay did (not by its id).
    relaySends(2, relayCampaign({ id: 'next-2026', name: 'Next 2026' }))
    expect(await exported('--campaign', 'expo-2026')).toEqual(new Set(['Expo 2026']))

    // The relay hands the kiosk back to its own campaigns: the local choice again (not in
    // campaigns.json here: its id).
    relaySends(3, null)
    expect(await exported()).toEqual(new Set(['expo']))
  })
})
