// Roster files over the 100,000-row limit are refused while they are read, before they cost
// memory: a million-row XLSX is 5 MB zipped and took the kiosk to 1.66 GB when parsed whole;
// 10 MiB of blank CSV lines took 1.28 GB. Each is parsed in a child with a bounded heap.
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  CSV_SLICE_BYTES,
  VALIDATE_ROWS_PER_TURN,
  parseRosterFile,
  validateTable,
} from '../../shared/roster/roster-import'
import { DECODE_PIECE_BYTES } from '../../shared/roster/roster-encoding'
import { Workbook, XLSX_LIMITS, checkXlsxSize } from '../../shared/roster/xlsx'
import { cleanup, tempDir } from '../kiosk/helpers'
import { entriesOf, streamedEntry, writeZip, type ZipEntry } from './zip-bomb'

afterEach(cleanup)

const ROOT = resolve(import.meta.dirname, '../..')
/** Far below what parsing these files whole takes; far above what counting takes. */
const HEAP_MB = 384
/** Deflate level for generated sheets: 1 is 8× faster than 9 and hardly larger on these. */
const FAST = 1
/** The generated files and the child processes take seconds on a loaded machine. */
const SLOW = 90_000

let parts: ZipEntry[] // an ordinary one-sheet workbook

beforeAll(async () => {
  const wb = new Workbook()
  wb.addWorksheet('r').addRow(['name'])
  parts = await entriesOf(Buffer.from(await wb.xlsx.writeBuffer()))
})

/** A workbook whose only sheet is a header and `rows` rows, written 10,000 rows at a time. */
async function workbookOfRows(rows: number): Promise<Buffer> {
  function* sheet() {
    yield Buffer.from(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
        '<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>',
    )
    for (let start = 2; start <= rows + 1; start += 10_000) {
      let xml = ''
      for (let r = start; r < Math.min(start + 10_000, rows + 2); r++) {
        xml += `<row r="${r}"><c r="A${r}" t="inlineStr"><is><t>n${r}</t></is></c></row>`
      }
      yield Buffer.from(xml)
    }
    yield Buffer.from('</sheetData></worksheet>')
  }
  const sheetEntry = await streamedEntry('xl/worksheets/sheet1.xml', sheet(), FAST)
  return writeZip([...parts.filter((p) => p.name !== sheetEntry.name), sheetEntry])
}

/**
 * Runs `read`, counting the turns of the event loop while it runs (a setImmediate chain, started
 * before `read` is called and stopped as it settles).
 */
async function loopTurnsDuring<T>(read: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0
  let reading = true
  const turn = () => {
    if (!reading) return
    turns++
    setImmediate(turn)
  }
  setImmediate(turn)
  const result = await read().finally(() => (reading = false))
  return { result, turns }
}

interface ChildResult {
  fatal: boolean
  rows: number
  code: string | null
  message: string
  peakGrowthMb: number
}

async function parseInChild(file: string, format: 'csv' | 'xlsx'): Promise<ChildResult> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      `--max-old-space-size=${HEAP_MB}`,
      '--import',
      'tsx',
      'test/reliability/roster-limit-child.ts',
      file,
      format,
    ],
    { cwd: ROOT, timeout: 60_000 },
  )
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as ChildResult
}

describe('roster row limit', () => {
  it(
    'a million-row XLSX (a few MB zipped) is refused while inflating, with memory bounded',
    async () => {
      const file = join(tempDir(), 'million.xlsx')
      const data = await workbookOfRows(1_000_000)
      expect(data.length).toBeLessThan(10 * 1024 * 1024) // fits the upload cap
      writeFileSync(file, data)
      const r = await parseInChild(file, 'xlsx')
      expect(r).toMatchObject({ fatal: true, rows: 0, code: 'too_many_rows' })
      expect(r.message).toBe('more than 100000 rows')
      expect(r.peakGrowthMb).toBeLessThan(100)
    },
    SLOW,
  )

  it(
    'a CSV line of 10 MiB of commas is refused before it is split, with memory bounded',
    async () => {
      const file = join(tempDir(), 'wide.csv')
      writeFileSync(
        file,
        Buffer.concat([Buffer.from('name'), Buffer.alloc(10 * 1024 * 1024, 0x2c)]),
      )
      const r = await parseInChild(file, 'csv')
      expect(r).toMatchObject({ fatal: true, rows: 0, code: 'unreadable' })
      expect(r.peakGrowthMb).toBeLessThan(100)
      // A long line that is still a roster's reads: a 1,000-character name.
      const long = await parseRosterFile('csv', Buffer.from(`name\n${'王'.repeat(1000)}\n`))
      expect(long.fatal).toBe(false)
    },
    SLOW,
  )

  it(
    'ten CSV lines of a million commas each (each under the line limit) are refused, with memory bounded',
    async () => {
      // The line limit bounds one line, not the file: 10 lines just under 1 MiB of commas were
      // ten million fields, built whole before any limit saw them (231 MB, 1.5 s in one turn).
      const file = join(tempDir(), 'wide-lines.csv')
      const line = Buffer.concat([Buffer.from('x'), Buffer.alloc(1024 * 1024 - 16, 0x2c)])
      const lines = Array.from({ length: 9 }, () => [line, Buffer.from('\n')]).flat()
      writeFileSync(file, Buffer.concat([Buffer.from('name,phone\n'), ...lines]))
      const r = await parseInChild(file, 'csv')
      expect(r).toMatchObject({ fatal: true, rows: 0, code: 'unreadable' })
      expect(r.peakGrowthMb).toBeLessThan(100)
      // A roster of 20 columns and 1,000 rows reads.
      const row = (i: number) =>
        Array.from({ length: 20 }, (_, c) => (c === 0 ? `p${i}` : c)).join(',')
      const wide = ['name' + ',h'.repeat(19), ...Array.from({ length: 1000 }, (_, i) => row(i))]
      const ok = await parseRosterFile('csv', Buffer.from(wide.join('\n')))
      expect(ok.fatal).toBe(false)
      expect(ok.rows).toHaveLength(1000)
    },
    SLOW,
  )

  it(
    '10 MiB of blank CSV lines is refused after the limit, with memory bounded',
    async () => {
      const file = join(tempDir(), 'blank.csv')
      writeFileSync(
        file,
        Buffer.concat([Buffer.from('name\n'), Buffer.alloc(10 * 1024 * 1024 - 5, 0x0a)]),
      )
      const r = await parseInChild(file, 'csv')
      expect(r).toMatchObject({ fatal: true, rows: 0, code: 'too_many_rows' })
      expect(r.peakGrowthMb).toBeLessThan(100)
    },
    SLOW,
  )

  it(
    'exactly 100,000 rows still import, blank lines among them count, one more is refused',
    async () => {
      const body = Array.from({ length: 99_998 }, (_, i) => `n${i}`)
      const ok = await parseRosterFile('csv', Buffer.from(['name', ...body, '', 'last'].join('\n')))
      expect(ok.fatal).toBe(false)
      expect(ok.rows).toHaveLength(99_999)
      const over = await parseRosterFile(
        'csv',
        Buffer.from(['name', ...body, '', '', 'last'].join('\n')),
      )
      expect(over.fatal).toBe(true)
      expect(over.errors[0]).toMatchObject({ code: 'too_many_rows', params: { max: 100_000 } })
    },
    SLOW,
  )

  it(
    'a 100,000-row CSV is read in slices, letting the relay and the kiosk answer in between',
    async () => {
      // Read in one go, a 5 MB roster held the event loop for a second and more (pushes,
      // kiosk links and the kiosk's screen waited). Turns of the loop during the read, counted:
      // one after each MiB decoded, after the decode, after the line check, after each slice
      // and in each batch of rows validated. UTF-8 is sliced from the file's own bytes, UTF-16
      // from its text (an emoji's surrogate pair never cut in two): the same rows.
      const body = Array.from(
        { length: 99_999 },
        (_, i) => `来宾${i},"示例科技, ""北京""",138${1e7 + i},C${i},😀`,
      )
      const text = ['姓名,单位,电话,编号,备注', ...body].join('\r\n')
      const utf8 = Buffer.from(`\ufeff${text}`)
      const utf16 = Buffer.from(`\ufeff${text}`, 'utf16le')
      for (const data of [utf8, utf16]) {
        const { result: r, turns } = await loopTurnsDuring(() => parseRosterFile('csv', data))
        expect(r.errors).toEqual([])
        expect(r.rows).toHaveLength(99_999)
        expect(r.rows.at(-1)).toEqual({
          name: '来宾99998',
          company: '示例科技, "北京"',
          phone: `138${1e7 + 99_998}`,
          code: 'C99998',
        })
        const pieces = Math.floor(data.length / DECODE_PIECE_BYTES)
        const slices = Math.floor((utf8.length - 3) / CSV_SLICE_BYTES)
        const batches = 100_000 / VALIDATE_ROWS_PER_TURN - 1
        expect(turns).toBeGreaterThanOrEqual(pieces + 2 + slices + batches)
      }
    },
    SLOW,
  )

  it(
    'validating 100,000 rows lets the loop turn every few thousand rows, with the same report',
    async () => {
      // After the CSV's last slice, validateTable ran over all rows in one call: ~170 ms of a
      // 100,000-row import with the loop held (the longest stall left). Now a turn between
      // batches; the report is the one-go run's: rows, problems at their rows, duplicates of
      // rows in an earlier batch, blank rows skipped but counted.
      const table: string[][] = [
        ['', ''],
        ['姓名', '电话'],
      ]
      for (let r = 3; table.length < 100_001; r++) {
        if (r % 9_973 === 0) table.push(['', ' '])
        else if (r % 4_001 === 0) table.push(['', '138'])
        // A row repeating one 7,000 rows up, in another batch.
        else if (r % 3_001 === 0) table.push([`来宾${r - 7_000}`, `138${1e7 + r - 7_000}`])
        else table.push([`来宾${r}`, `138${1e7 + r}`])
      }
      const { result: r, turns } = await loopTurnsDuring(() => validateTable(table))
      expect(turns).toBeGreaterThanOrEqual(Math.floor(100_000 / VALIDATE_ROWS_PER_TURN) - 1)
      const oneGo = await validateTable(table, Infinity)
      expect(r).toEqual(oneGo)
      const duplicates = r.errors.filter((e) => e.code === 'duplicate_row')
      expect(duplicates.length).toBeGreaterThan(25)
      expect(duplicates[0]).toMatchObject({ row: 9_003, params: { duplicateOf: 2_003 } })
      expect(r.errors.find((e) => e.code === 'name_empty')).toMatchObject({ row: 4_001 })
      expect(r.rows.length + r.badRows).toBeLessThan(100_000) // blank rows: neither
    },
    SLOW,
  )

  it(
    'a 50,000-row XLSX is read in a worker thread, the loop turning all along',
    async () => {
      // exceljs reads a workbook in one synchronous call: on the main thread, a 100,000-row
      // roster held the loop for 1–2 s at a time (a few hundred turns in all, between the size
      // check's inflated chunks). In the worker, the loop turns freely while it reads; the rows
      // come back in batches, a turn between each.
      const data = await workbookOfRows(49_999)
      const { result: r, turns } = await loopTurnsDuring(() => parseRosterFile('xlsx', data))
      expect(r.errors).toEqual([])
      expect(r.rows).toHaveLength(49_999)
      expect(r.rows.at(-1)).toEqual({ name: 'n50000', company: '', phone: '', code: '' })
      expect(turns).toBeGreaterThan(10_000)
    },
    SLOW,
  )

  it('XLSX rows and cells are counted exactly, across the inflated chunks', async () => {
    // 20,000 rows inflate to ~1.4 MB, many chunks: a tag split between two is counted once.
    const data = await workbookOfRows(19_999)
    await expect(
      checkXlsxSize(data, { ...XLSX_LIMITS, maxSheetRows: 20_000 }),
    ).resolves.toBeUndefined()
    await expect(checkXlsxSize(data, { ...XLSX_LIMITS, maxSheetRows: 19_999 })).rejects.toThrow(
      /more than 19999 rows/,
    )
    // One cell per row, the header's included.
    await expect(checkXlsxSize(data, { ...XLSX_LIMITS, maxCells: 20_000 })).resolves.toBeUndefined()
    await expect(checkXlsxSize(data, { ...XLSX_LIMITS, maxCells: 19_999 })).rejects.toThrow(
      /more than 19999 cells/,
    )
  })

  it('counts the cells of every worksheet together, and the shared strings', async () => {
    // Three sheets of 400 cells each (exceljs writes texts to the shared-string table).
    const wb = new Workbook()
    for (const name of ['名单', 'Sheet2', 'Sheet3']) {
      const ws = wb.addWorksheet(name)
      for (let r = 1; r <= 200; r++) ws.addRow([`${name}-${r}`, `${name}-${r}-x`])
    }
    const data = Buffer.from(await wb.xlsx.writeBuffer())
    const limits = { ...XLSX_LIMITS, maxCells: 1200, maxSharedStrings: 1200 }
    await expect(checkXlsxSize(data, limits)).resolves.toBeUndefined()
    // Each sheet is far under 1,199: only the workbook is over.
    await expect(checkXlsxSize(data, { ...limits, maxCells: 1199 })).rejects.toMatchObject({
      code: 'too_many_cells',
      params: { max: 1199 },
    })
    await expect(checkXlsxSize(data, { ...limits, maxSharedStrings: 1199 })).rejects.toThrow(
      /more than 1199 shared strings/,
    )
  })

  it(
    'an XLSX whose shared-string table outnumbers the cells a roster may have is refused',
    async () => {
      // One cell, and 1,000,001 tiny texts no cell uses: ~20 MB unpacked, under 100 MiB.
      function* strings() {
        yield Buffer.from(
          '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
        )
        for (let i = 0; i < 1_000_001; i += 100_000) {
          yield Buffer.from('<si><t>a</t></si>'.repeat(Math.min(100_000, 1_000_001 - i)))
        }
        yield Buffer.from('</sst>')
      }
      const entry = await streamedEntry('xl/sharedStrings.xml', strings(), FAST)
      const data = writeZip([...parts.filter((p) => p.name !== entry.name), entry])
      const r = await parseRosterFile('xlsx', data)
      expect(r.fatal).toBe(true)
      expect(r.errors[0]).toMatchObject({ code: 'too_many_cells', params: { max: 1_000_000 } })
    },
    SLOW,
  )

  it(
    'an XLSX of more than 1,000,000 cells (empty ones count) is refused while inflating',
    async () => {
      // 100,000 rows of 11 empty cells: 36 MB unpacked, well under 100 MiB; exceljs would hold
      // ~240 bytes per cell.
      const cells = 'ABCDEFGHIJK'.split('')
      function* sheet() {
        yield Buffer.from(
          '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>',
        )
        for (let start = 1; start <= 100_000; start += 10_000) {
          let xml = ''
          for (let r = start; r < start + 10_000; r++)
            xml += `<row r="${r}">${cells.map((c) => `<c r="${c}${r}" s="1"/>`).join('')}</row>`
          yield Buffer.from(xml)
        }
        yield Buffer.from('</sheetData></worksheet>')
      }
      const entry = await streamedEntry('xl/worksheets/sheet1.xml', sheet(), FAST)
      const data = writeZip([...parts.filter((p) => p.name !== entry.name), entry])
      const r = await parseRosterFile('xlsx', data)
      expect(r.fatal).toBe(true)
      expect(r.errors[0]).toMatchObject({ code: 'too_many_cells', params: { max: 1_000_000 } })
    },
    SLOW,
  )

  it(
    'an XLSX whose styles hold millions of formats is refused while inflating, with memory bounded',
    async () => {
      // One cell, and 3,000,000 `<xf/>` in styles.xml: 270 KB zipped, 54 MB unpacked (under
      // 100 MiB), no row, cell or shared string; exceljs took 650 MB and 6 s to read it.
      function* styles() {
        yield Buffer.from(
          '<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs>',
        )
        for (let i = 0; i < 3_000_000; i += 100_000) {
          yield Buffer.from('<xf numFmtId="0"/>'.repeat(100_000))
        }
        yield Buffer.from('</cellXfs></styleSheet>')
      }
      const entry = await streamedEntry('xl/styles.xml', styles(), FAST)
      const file = join(tempDir(), 'styles.xlsx')
      writeFileSync(file, writeZip([...parts.filter((p) => p.name !== entry.name), entry]))
      const r = await parseInChild(file, 'xlsx')
      expect(r).toMatchObject({ fatal: true, rows: 0, code: 'too_many_cells' })
      expect(r.peakGrowthMb).toBeLessThan(100)
    },
    SLOW,
  )

  it('a cell at the last column (XFD) does not make every row 16,384 cells wide', async () => {
    function* sheet() {
      yield Buffer.from(
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
          '<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>',
      )
      let xml = ''
      for (let r = 2; r <= 5001; r++) {
        xml += `<row r="${r}"><c r="A${r}" t="inlineStr"><is><t>n${r}</t></is></c>`
        xml += `<c r="XFD${r}" t="inlineStr"><is><t>x</t></is></c></row>`
      }
      yield Buffer.from(`${xml}</sheetData></worksheet>`)
    }
    const entry = await streamedEntry('xl/worksheets/sheet1.xml', sheet(), FAST)
    const data = writeZip([...parts.filter((p) => p.name !== entry.name), entry])
    const r = await parseRosterFile('xlsx', data)
    expect(r.errors).toEqual([])
    expect(r.rows).toHaveLength(5000)
    expect(r.rows[4999]?.name).toBe('n5001')
  })

  it('a row numbered past the limit is refused without building the rows in between', async () => {
    const sheet = Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
        '<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>' +
        '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>' +
        '</sheetData></worksheet>',
    )
    const entry = await streamedEntry('xl/worksheets/sheet1.xml', [sheet])
    const data = writeZip([...parts.filter((p) => p.name !== entry.name), entry])
    const r = await parseRosterFile('xlsx', data)
    expect(r.errors[0]).toMatchObject({ code: 'too_many_rows' })
  })
})
