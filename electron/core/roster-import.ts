/**
 * Roster files (CSV or XLSX) into roster rows, with a row-level error report. Headers are
 * recognised in Chinese and English; unknown columns are ignored. CSV may be UTF-8, UTF-16 with
 * a BOM or GB18030/GBK (Excel in China); other encodings are refused (see roster-encoding.ts).
 * Rows are counted while the file is read, so an oversized file is refused before it is held.
 */
import { parse } from 'csv-parse/sync'
import type { RosterImportResult } from '../../shared/ipc'
import type { RosterInput } from './roster-store'
import { rosterMatchKey } from './roster-store'
import { decodeRoster, EncodingError } from './roster-encoding'
import { Workbook, XLSX_LIMITS, XlsxRefusedError, checkXlsxSize } from './xlsx'

type Field = keyof RosterInput
type ImportError = RosterImportResult['errors'][number]

export interface ParsedRoster {
  rows: RosterInput[]
  errors: ImportError[]
  /** Rows with at least one error. */
  badRows: number
  /** An error in the file itself (no header, unreadable): nothing can be imported. */
  fatal: boolean
}

const MAX_ROWS = 100_000
/**
 * XLSX only: exceljs holds ~240 bytes per cell, empty ones too, so 1,000,000 cells (ten columns
 * of 100,000 rows) stay near 250 MB; the 100 MiB unpacked limit alone would allow ~8 million.
 */
const MAX_XLSX_CELLS = 1_000_000
/** XLSX only: the columns read from each row; the roster's columns must be among them. */
const MAX_COLUMNS = 256

/** Header aliases, compared lower-cased with spaces, underscores and dashes removed. */
const ALIASES: Record<Field, string[]> = {
  name: ['name', 'fullname', 'attendee', 'visitor', '姓名', '名字', '参会人', '嘉宾姓名'],
  company: [
    'company',
    'organization',
    'organisation',
    'org',
    'employer',
    '公司',
    '单位',
    '公司名称',
    '工作单位',
    '机构',
  ],
  phone: [
    'phone',
    'mobile',
    'tel',
    'telephone',
    'cell',
    'phonenumber',
    '电话',
    '手机',
    '手机号',
    '手机号码',
    '联系电话',
  ],
  code: [
    'code',
    'registrationcode',
    'regcode',
    'ticket',
    'ticketcode',
    'id',
    '编号',
    '报名码',
    '签到码',
    '票号',
    '注册码',
    '代码',
  ],
}
const LIMITS: Record<Field, number> = { name: 100, company: 200, phone: 40, code: 64 }
const PHONE = /^\+?[\d\s()-]{3,40}$/

const normalize = (h: string): string =>
  h
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '')

/** A problem with the file as a whole: nothing in it can be imported. */
class RosterFileError extends Error {
  override name = 'RosterFileError'
  constructor(
    readonly code: string,
    readonly params: Record<string, string | number>,
    message: string,
  ) {
    super(message)
  }
}

const tooManyRows = () =>
  new RosterFileError('too_many_rows', { max: MAX_ROWS }, `more than ${MAX_ROWS} rows`)

export async function parseRosterFile(format: 'csv' | 'xlsx', data: Buffer): Promise<ParsedRoster> {
  let table: string[][]
  try {
    table = format === 'csv' ? readCsv(data) : await readXlsx(data)
  } catch (err) {
    if (err instanceof XlsxRefusedError && err.code === 'too_many_rows') return fatal(tooManyRows())
    if (err instanceof RosterFileError || err instanceof XlsxRefusedError) return fatal(err)
    if (err instanceof EncodingError) return fatal(err)
    const message = `the file cannot be read as ${format.toUpperCase()}: ${(err as Error).message}`
    return fatal(new RosterFileError('unreadable', { format: format.toUpperCase() }, message))
  }
  return validateTable(table)
}

/** `table[0]` is the header row; row numbers in errors are 1-based file rows. */
export function validateTable(table: string[][]): ParsedRoster {
  const header = table[0]
  if (!header || header.every((h) => h.trim() === ''))
    return fatal(new RosterFileError('file_empty', {}, 'the file is empty'))
  if (table.length - 1 > MAX_ROWS) return fatal(tooManyRows())
  const columns = new Map<Field, number>()
  header.forEach((h, i) => {
    const key = normalize(h)
    for (const field of Object.keys(ALIASES) as Field[]) {
      if (!columns.has(field) && ALIASES[field].includes(key)) columns.set(field, i)
    }
  })
  if (!columns.has('name')) {
    return fatal(
      new RosterFileError(
        'no_name_column',
        {},
        'no name column (e.g. "name" or "姓名") in the first row',
      ),
    )
  }

  const rows: RosterInput[] = []
  const errors: ImportError[] = []
  const seen = new Map<string, number>()
  let badRows = 0
  for (let i = 1; i < table.length; i++) {
    const cells = table[i] ?? []
    if (cells.every((c) => c.trim() === '')) continue
    const rowNumber = i + 1
    const value = (f: Field): string => {
      const col = columns.get(f)
      return col === undefined ? '' : (cells[col] ?? '').trim()
    }
    const entry: RosterInput = {
      name: value('name'),
      company: value('company'),
      phone: value('phone'),
      code: value('code'),
    }
    const rowErrors: ImportError[] = []
    if (entry.name === '')
      rowErrors.push({ row: rowNumber, column: 'name', message: 'name is empty' })
    for (const f of Object.keys(LIMITS) as Field[]) {
      if (entry[f].length > LIMITS[f]) {
        rowErrors.push({
          row: rowNumber,
          column: f,
          message: `${f} is longer than ${LIMITS[f]} characters`,
        })
      }
    }
    if (entry.phone !== '' && !PHONE.test(entry.phone)) {
      rowErrors.push({
        row: rowNumber,
        column: 'phone',
        message: 'phone has characters a phone number cannot have',
      })
    }
    const key = rosterMatchKey(entry)
    const earlier = seen.get(key)
    if (rowErrors.length === 0 && earlier !== undefined) {
      const column = entry.code !== '' ? 'code' : 'name'
      rowErrors.push({ row: rowNumber, column, message: `duplicate of row ${earlier}` })
    }
    if (rowErrors.length > 0) {
      badRows++
      errors.push(...rowErrors)
      continue
    }
    seen.set(key, rowNumber)
    rows.push(entry)
  }
  return { rows, errors, badRows, fatal: false }
}

function fatal(err: {
  code: string
  params: Record<string, string | number>
  message: string
}): ParsedRoster {
  const error: ImportError = {
    row: 1,
    column: null,
    message: err.message,
    code: err.code,
    params: err.params,
  }
  return { rows: [], errors: [error], badRows: 0, fatal: true }
}

/** Shared by every blank row: blank rows count toward the limit but hold no memory of their own. */
const BLANK: string[] = []

function readCsv(data: Buffer): string[][] {
  const text = decodeRoster(data).text
  let records = 0
  return parse(text, {
    // Excel's "Unicode Text" is tab-separated: a header with tabs and no comma says so.
    delimiter: delimiterOf(text),
    relax_column_count: true,
    skip_empty_lines: false,
    // Counted as they are parsed: the header plus MAX_ROWS, then stop.
    on_record: (record: string[]) => {
      if (++records > MAX_ROWS + 1) throw tooManyRows()
      return record.every((c) => c.trim() === '') ? BLANK : record
    },
  })
}

function delimiterOf(text: string): string {
  const end = text.indexOf('\n')
  const header = end === -1 ? text : text.slice(0, end)
  return header.includes('\t') && !header.includes(',') ? '\t' : ','
}

async function readXlsx(data: Buffer): Promise<string[][]> {
  // Before exceljs, which inflates the whole workbook in memory: refuse a zip bomb, and a
  // worksheet with more rows or cells than a roster may have (counted while inflating).
  await checkXlsxSize(data, {
    ...XLSX_LIMITS,
    maxSheetRows: MAX_ROWS + 1,
    maxSheetCells: MAX_XLSX_CELLS,
  })
  const wb = new Workbook()
  await wb.xlsx.load(data as unknown as ArrayBuffer)
  const ws = wb.worksheets[0]
  if (!ws) return []
  const table: string[][] = []
  ws.eachRow({ includeEmpty: true }, (row, rowNumber) => {
    // A row numbered past the limit (rows can skip numbers) would make the table that long.
    if (rowNumber > MAX_ROWS + 1) throw tooManyRows()
    // Only the cells that exist, and only the first MAX_COLUMNS: exceljs's own iteration with
    // empty cells makes a cell object for every column up to the last one, so a single cell
    // at column XFD per row cost 16,384 objects a row (20,000 such rows hung the kiosk).
    const width = Math.min(row.cellCount, MAX_COLUMNS)
    const cells = new Array<string>(width)
    for (let c = 1; c <= width; c++) cells[c - 1] = row.findCell(c)?.text ?? ''
    table[rowNumber - 1] = cells
  })
  return Array.from(table, (r) => r ?? BLANK)
}
