// Folder shared/roster/ (Node only): roster files for the kiosk's import and the relay's upload.
// roster-import.ts (here) parses CSV/XLSX files, roster-encoding.ts decodes CSV bytes, xlsx.ts
// wraps exceljs (also used by the kiosk's XLSX export), roster-input.ts the row and its key.
/**
 * Roster files (CSV or XLSX) into roster rows, with a row-level problem report: codes and
 * params (shared/errors.ts `rosterProblemCodes`), worded by the admin area; the English
 * `message` of each problem is for the log only. Forgiving about what spreadsheet users
 * produce: headers in Chinese or English (case, spaces and full-width forms ignored; unknown
 * columns ignored), comma, semicolon or tab delimiters, stray quotes inside unquoted fields,
 * full-width digits and dashes in phone numbers. CSV may be UTF-8, UTF-16 with a BOM or
 * GB18030/GBK (Excel in China); other encodings are refused (see roster-encoding.ts).
 * Rows are counted while the file is read, so an oversized file is refused before it is held.
 */
import { parse } from 'csv-parse'
import type { RosterImportResult } from '../ipc'
import { rosterMatchKey, type RosterInput } from './roster-input'
import { decodeRosterInTurns, EncodingError, type RosterEncoding } from './roster-encoding'
import {
  Workbook,
  XLSX_LIMITS,
  XlsxRefusedError,
  checkXlsxSize,
  endsAsZip,
  refuseNonZip,
  type XlsxRefusal,
} from './xlsx'
import { XlsxWorkerFailure, readXlsxInWorker } from './xlsx-thread'
import type { Row, Worksheet } from 'exceljs'
import { isLinesText, isLineText } from '../typed-text'
import { UNREADABLE_ENCRYPTED, UNREADABLE_XLS } from '../errors'
import { withoutInvisible } from '../search-fold'

type Field = keyof RosterInput
/** A problem as the admin area gets it, plus its English detail for the log. */
export type ImportError = RosterImportResult['errors'][number] & { message: string }

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
/**
 * XLSX only: elements of the parts that are not worksheets or shared strings (styles, workbook,
 * comments, relationships), which exceljs also builds objects of; Excel itself stops at 64,000
 * cell formats, and a roster's parts hold a few thousand elements.
 */
const MAX_XLSX_OTHER_ELEMENTS = 200_000
/** XLSX only: the columns read from each row; the roster's columns must be among them. */
const MAX_COLUMNS = 256

/** Header aliases, compared as `normalizeHeader` leaves them. */
const ALIASES: Record<Field, string[]> = {
  name: [
    'name',
    'fullname',
    'attendee',
    'visitor',
    'guest',
    'guestname',
    '姓名',
    '名字',
    '参会人',
    '嘉宾姓名',
    '来宾姓名',
    '参会人姓名',
  ],
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
    '单位名称',
    '机构',
    'companyname',
  ],
  phone: [
    'phone',
    'mobile',
    'tel',
    'telephone',
    'cell',
    'phonenumber',
    'mobilephone',
    'cellphone',
    'phoneno',
    '电话',
    '电话号码',
    '手机',
    '手机号',
    '手机号码',
    '联系电话',
    '移动电话',
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
/**
 * A name in two columns (Eventbrite's attendee report, Google Forms, English registration
 * forms): read as "first last" where the header has no name column of its own; a row with one
 * of them filled in has that as its name. The header needs the first name's column.
 */
const NAME_PARTS: Record<'given' | 'family', string[]> = {
  given: ['firstname', 'givenname', 'forename'],
  family: ['lastname', 'surname', 'familyname'],
}
/** A roster column a header names: a field, or one part of a name in two columns. */
type Column = Field | keyof typeof NAME_PARTS
const COLUMN_ALIASES: Record<Column, string[]> = { ...ALIASES, ...NAME_PARTS }
/** A heading with a number sign is a number column, never names: Eventbrite's "Attendee #". */
const NUMBER_SIGN = /[#＃№]/
const LIMITS: Record<Field, number> = { name: 100, company: 200, phone: 40, code: 64 }
/**
 * The values Excel (and WPS) show for a formula that failed, as a cell of the XLSX holds them
 * and as Excel writes them into a CSV.
 */
const FORMULA_ERRORS: ReadonlySet<string> = new Set([
  '#N/A',
  '#REF!',
  '#VALUE!',
  '#DIV/0!',
  '#NAME?',
  '#NUM!',
  '#NULL!',
  '#SPILL!',
  '#CALC!',
  '#FIELD!',
  '#BLOCKED!',
  '#CONNECT!',
  '#BUSY!',
  '#UNKNOWN!',
  '#GETTING_DATA',
])
/**
 * What a phone number may hold: digits, spaces, brackets and dashes, a "+" only at the start,
 * or just inside its opening bracket (`(+86) 138 0013 8000`, as Chinese rosters write it).
 */
const PHONE_CHARS = /^\(?\+?[\d\s()-]*$/
/**
 * A number as Excel writes one in scientific notation ("1.38E+10"): a phone column Excel took
 * for numbers, too narrow to show its digits, saved as CSV. The digits past the shown ones are lost.
 */
const SCIENTIFIC = /^\d+(\.\d+)?E\+\d+$/i
/** Shorter than this it is no phone number ("1", "-"); the longest is `LIMITS.phone`. */
const PHONE_MIN = 3

/**
 * A question's number before its heading, as survey platforms head their answer columns
 * (问卷星 "1、您的姓名：", 腾讯问卷 "1.姓名", "Q1:", "1)", "第1题"), after NFKC.
 */
const QUESTION_NUMBER = /^(?:q?\d{1,3}\s*[、.):]|第\d{1,3}题)\s*/
/** The words a question asks for its field with, spaces removed: "请填写您的", "what is your". */
const ASKING_ZH = /^(?:请(?:填写|输入))?(?:您的|你的)?/
const ASKING_EN = /^(?:whatis)?your/

/**
 * "  Phone No. ", "ＰＨＯＮＥ", "手机号(必填)", "姓名*" → "phoneno", "phone", "手机号", "姓名":
 * full-width forms folded (NFKC), case, spaces, punctuation and a trailing note ignored; a
 * survey's question too ("1、您的姓名：", "2.请输入手机号码（必填）", "What is your name?" →
 * "姓名", "手机号码", "name"): its number, the words asking and the colon or question mark
 * after it. Only those words: "紧急联系人姓名" and "推荐人的姓名" name other people.
 */
export const normalizeHeader = (h: string): string => {
  const key = trimCell(h.normalize('NFKC').toLowerCase())
    .replace(QUESTION_NUMBER, '')
    .replace(/\([^()]*\)[\s:?]*$/, '')
    .replace(/[\s\u200b-\u200d\u2060_.*:?#-]+/g, '')
  return key.replace(ASKING_ZH, '').replace(ASKING_EN, '')
}

/**
 * A name nothing of which shows: white space and the characters Unicode draws as nothing
 * (Default_Ignorable_Code_Point: the Hangul fillers `ㅤ` a "blank" WeChat nickname is made of,
 * soft hyphens, variation selectors, joiners), and the braille blank (U+2800) used the same way.
 * The greeting would read "欢迎 ！" and the desk list a row with no name.
 */
const NOTHING_TO_SEE = /^[\s\p{Default_Ignorable_Code_Point}\u2800]*$/u

/** Zero-width space, non-joiner, joiner, word joiner and BOM: invisible in a spreadsheet. */
const ZERO_WIDTH = '\u200b\u200c\u200d\u2060\ufeff'
const isEdge = (ch: string): boolean => ch.trim() === '' || ZERO_WIDTH.includes(ch)

/**
 * A cell without white space or zero-width characters at its edges (text copied from a web
 * page carries U+200B): a cell of only those is empty, as the spreadsheet shows it. A loop, not
 * a regex: `[…]+$` retried from every character of a long run of spaces inside a cell.
 */
function trimCell(cell: string): string {
  let start = 0
  let end = cell.length
  while (start < end && isEdge(cell[start] as string)) start++
  while (end > start && isEdge(cell[end - 1] as string)) end--
  return start === 0 && end === cell.length ? cell : cell.slice(start, end)
}

/** Dashes people type in phone numbers (hyphen, en and em dash, minus, small forms). */
const DASHES = /[\u2010-\u2015\u2212\uFE58\uFE63]/g

/**
 * Full-width digits, ＋, brackets and spaces (a Chinese input method's) and dashes, as ASCII;
 * zero-width characters and direction marks dropped (a number pasted from WeChat, an iPhone or
 * a web page holds them around or between its digits, where nobody sees them).
 */
export const normalizePhone = (p: string): string =>
  withoutInvisible(p.normalize('NFKC')).replace(DASHES, '-').replace(/\s+/g, ' ').trim()

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

/** The first bytes of a ZIP file, which an XLSX workbook is. */
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04])
/** How much of a file not a ZIP is looked at for a NUL byte, which no CSV text holds. */
const SNIFF_BYTES = 8192

/**
 * What a file holds, whatever its name says (`declared`: the kiosk's file name, the relay's
 * Content-Type): a roster saved as CSV and renamed .xlsx, or the reverse, is read as what it is.
 * A ZIP is XLSX, by its first bytes or, with other bytes before it, by its end record (a ZIP
 * after more than `SNIFF_BYTES` of text was read as CSV); a file with a NUL byte near its start
 * (and no UTF-16 byte-order mark) is no text, so it stays what it was declared as and is refused
 * as that.
 */
export function rosterFormatOf(declared: 'csv' | 'xlsx', data: Buffer): 'csv' | 'xlsx' {
  if (data.subarray(0, ZIP_MAGIC.length).equals(ZIP_MAGIC) || endsAsZip(data)) return 'xlsx'
  if (declared === 'csv') return 'csv'
  const utf16 = (data[0] === 0xff && data[1] === 0xfe) || (data[0] === 0xfe && data[1] === 0xff)
  return utf16 || !data.subarray(0, SNIFF_BYTES).includes(0) ? 'csv' : 'xlsx'
}

/** The first bytes of an OLE2 compound file: an Excel 97–2003 workbook, or an encrypted one. */
const CFB_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])
const utf16Name = (name: string): Buffer => Buffer.from(`${name}\u0000`, 'utf16le')
/** The stream Excel keeps a password-protected workbook in (MS-OFFCRYPTO). */
const ENCRYPTED_PACKAGE = utf16Name('EncryptedPackage')
/** The streams an .xls keeps its sheets in (BIFF8, and BIFF5 from Excel 95). */
const XLS_STREAMS = [utf16Name('Workbook'), utf16Name('Book')]

/**
 * An OLE2 file the roster cannot take but can name, so the person knows what to do: a
 * password-protected workbook (Excel encrypts an XLSX into an OLE2 container) or an old .xls.
 * The directory entries' names are looked for in the bytes (UTF-16, as OLE2 writes them).
 */
function officeFileProblem(data: Buffer): RosterFileError | null {
  if (!data.subarray(0, CFB_MAGIC.length).equals(CFB_MAGIC)) return null
  if (data.includes(ENCRYPTED_PACKAGE)) {
    return new RosterFileError(
      'unreadable',
      { format: UNREADABLE_ENCRYPTED },
      'the file is a password-protected workbook',
    )
  }
  if (XLS_STREAMS.some((name) => data.includes(name))) {
    return new RosterFileError(
      'unreadable',
      { format: UNREADABLE_XLS },
      'the file is an Excel 97-2003 workbook (.xls)',
    )
  }
  return null
}

export async function parseRosterFile(
  declared: 'csv' | 'xlsx',
  data: Buffer,
): Promise<ParsedRoster> {
  const office = officeFileProblem(data)
  if (office !== null) return fatal(office)
  const format = rosterFormatOf(declared, data)
  let table: string[][]
  try {
    table = format === 'csv' ? await readCsv(data) : await readXlsx(data)
  } catch (err) {
    if (err instanceof XlsxRefusedError && err.code === 'too_many_rows') return fatal(tooManyRows())
    if (err instanceof RosterFileError || err instanceof XlsxRefusedError) return fatal(err)
    if (err instanceof EncodingError) return fatal(err)
    // The parser's own words (English, with positions) are for the log, not the person.
    const message = `the file cannot be read as ${format.toUpperCase()}: ${(err as Error).message}`
    return fatal(new RosterFileError('unreadable', { format: format.toUpperCase() }, message))
  }
  return validateTable(table)
}

/** A turn of the event loop (the relay's pushes and links, the kiosk's screen) between two stretches. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

const isBlank = (cells: readonly string[]): boolean => cells.every((c) => trimCell(c) === '')

/**
 * Rows validated between two turns of the event loop: 100,000 rows in one call held it ~170 ms
 * (the relay's pushes and kiosk links, the kiosk's screen waited); this many take ~8 ms.
 */
export const VALIDATE_ROWS_PER_TURN = 5_000

/**
 * How many rows that are not blank the header may sit below: a sheet exported for printing
 * often starts with a title ("春季展报名表", a merged cell across the table) and a date line
 * above the column headings.
 */
export const HEADER_SEARCH_ROWS = 5

/**
 * The index of a table's header: the first of its first HEADER_SEARCH_ROWS rows that are not
 * blank with a name column, else (no such row) the first row not blank, whose missing name
 * column is then the problem reported; -1 for a table of blank rows.
 */
function headerIndex(rows: number, cellsAt: (i: number) => readonly string[]): number {
  let first = -1
  let seen = 0
  for (let i = 0; i < rows && seen < HEADER_SEARCH_ROWS; i++) {
    const cells = cellsAt(i)
    if (isBlank(cells)) continue
    if (first === -1) first = i
    if (hasNames(columnsOf(cells))) return i
    seen++
  }
  return first
}

/**
 * The header is the first row with a name column among the first rows that are not blank (a
 * table may start below a blank row 1, or below a title: HEADER_SEARCH_ROWS), rows above it
 * ignored;
 * `table[i]` is spreadsheet row i + 1 (blank rows keep their place), so a problem's row is the
 * number the person sees beside it in their spreadsheet. The loop turns after every
 * `rowsPerTurn` rows (Infinity: one synchronous stretch, as the benchmark's read before slicing).
 */
export async function validateTable(
  table: string[][],
  rowsPerTurn = VALIDATE_ROWS_PER_TURN,
): Promise<ParsedRoster> {
  const start = headerIndex(table.length, (i) => table[i] ?? BLANK)
  const header = table[start]
  if (header === undefined) return fatal(new RosterFileError('file_empty', {}, 'the file is empty'))
  if (table.length - 1 > MAX_ROWS) return fatal(tooManyRows())
  const columns = columnsOf(header)
  if (!hasNames(columns)) {
    return fatal(
      new RosterFileError(
        'no_name_column',
        {},
        `no name column (e.g. "name" or "姓名") in the first ${HEADER_SEARCH_ROWS} rows that are not blank`,
      ),
    )
  }

  const rows: RosterInput[] = []
  const errors: ImportError[] = []
  const seen = new Map<string, number>()
  let badRows = 0
  for (let i = start + 1; i < table.length; i++) {
    if ((i - start) % rowsPerTurn === 0) await nextTurn()
    const cells = table[i] ?? []
    if (isBlank(cells)) continue
    const row = i + 1
    const value = (f: Column): string => {
      const col = columns.get(f)
      return col === undefined ? '' : trimCell(cells[col] ?? '')
    }
    const entry: RosterInput = {
      name: columns.has('name')
        ? value('name')
        : [value('given'), value('family')].filter((part) => part !== '').join(' '),
      company: value('company'),
      phone: normalizePhone(value('phone')),
      code: value('code'),
    }
    const rowErrors: ImportError[] = []
    // A formula's error (a VLOOKUP that found nothing shows #N/A, in CSV too) is no name, nor
    // is a name nothing of which shows.
    if (entry.name === '' || FORMULA_ERRORS.has(entry.name) || NOTHING_TO_SEE.test(entry.name))
      rowErrors.push({
        row,
        column: 'name',
        code: 'name_empty',
        params: {},
        message:
          entry.name === ''
            ? 'name is empty'
            : FORMULA_ERRORS.has(entry.name)
              ? `name is a formula error (${entry.name})`
              : 'name has no visible character',
      })
    for (const f of Object.keys(LIMITS) as Field[]) {
      if (entry[f].length > LIMITS[f]) {
        rowErrors.push({
          row,
          column: f,
          code: 'too_long',
          params: { limit: LIMITS[f] },
          message: `${f} is longer than ${LIMITS[f]} characters`,
        })
      }
    }
    // Names and codes are one line (shared/typed-text.ts): a line break, tab or NUL would break
    // the desk's list and the sheet's cells, a bidi control turn a name around on the screen. A
    // company may hold a line break (a cell over two lines, kept as before), nothing else. The
    // row is refused, as a bad phone is, and can be left out; the phone's own check (spaces
    // folded, then only phone characters) covers it.
    for (const f of ['name', 'company', 'code'] as const) {
      const ok = f === 'company' ? isLinesText(entry[f]) : isLineText(entry[f])
      if (!ok) {
        rowErrors.push({
          row,
          column: f,
          code: 'control_chars',
          params: {},
          message: `${f} holds a control character or a text-direction control`,
        })
      }
    }
    // One reason each, the one to fix: its characters, else its length (too long is above).
    if (entry.phone !== '' && !PHONE_CHARS.test(entry.phone)) {
      rowErrors.push({
        row,
        column: 'phone',
        code: 'phone_invalid',
        params: {},
        // The words say what to do about both (shared/ui/roster-messages.ts).
        message: SCIENTIFIC.test(entry.phone)
          ? `phone is in scientific notation (${entry.phone}): digits lost`
          : 'phone has characters a phone number cannot have',
      })
    } else if (entry.phone !== '' && entry.phone.length < PHONE_MIN) {
      rowErrors.push({
        row,
        column: 'phone',
        code: 'phone_too_short',
        params: { min: PHONE_MIN },
        message: `phone is shorter than ${PHONE_MIN} characters`,
      })
    }
    const key = rosterMatchKey(entry)
    const earlier = seen.get(key)
    if (rowErrors.length === 0 && earlier !== undefined) {
      rowErrors.push({
        row,
        column: entry.code !== '' ? 'code' : 'name',
        code: 'duplicate_row',
        params: { duplicateOf: earlier },
        message: `duplicate of row ${earlier}`,
      })
    }
    if (rowErrors.length > 0) {
      badRows++
      errors.push(...rowErrors)
      continue
    }
    seen.set(key, row)
    rows.push(entry)
  }
  return { rows, errors, badRows, fatal: false }
}

/**
 * The roster's columns a header row holds, each at the first cell its aliases name; a heading
 * with a number sign names no name column ("Attendee #" holds numbers).
 */
function columnsOf(header: readonly string[]): Map<Column, number> {
  const columns = new Map<Column, number>()
  header.forEach((h, i) => {
    const key = normalizeHeader(h)
    for (const column of Object.keys(COLUMN_ALIASES) as Column[]) {
      if (columns.has(column) || !COLUMN_ALIASES[column].includes(key)) continue
      if ((column === 'name' || column === 'given') && NUMBER_SIGN.test(h)) continue
      columns.set(column, i)
    }
  })
  return columns
}

/** Whether a header's columns give a name: a name column, or at least a first name's. */
const hasNames = (columns: ReadonlyMap<Column, number>): boolean =>
  columns.has('name') || columns.has('given')

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

/**
 * The longest line a roster CSV may have. csv-parse builds a line's whole record before
 * `on_record` sees it, so a header of 10 MiB of commas became ten million strings (6 s and
 * 260 MB); a real roster line is a few hundred characters.
 */
const MAX_CSV_LINE_CHARS = 1024 * 1024
/**
 * The most separators a roster CSV may have in all (in quoted text too: an upper bound on its
 * fields). The line limit alone bounds one line: ten lines of a million commas each are the
 * same ten million strings in 10 MiB. Twenty columns of 100,000 rows stay under it.
 */
const MAX_CSV_SEPARATORS = 2_000_000

/**
 * The most bytes csv-parse is given at a time: a 10 MiB roster parsed in one go held the event
 * loop for over a second (a relay's pushes and kiosk links, the kiosk's screen waited); a slice
 * this size parses in ~12 ms, and the loop runs between slices. Measured on a 7 MB roster
 * (docs/BENCHMARKS.md group 21): 64 KiB cost ~4 % more CPU in all for the same longest stretch;
 * 512 KiB and 1 MiB held the loop 70–120 ms a slice.
 */
export const CSV_SLICE_BYTES = 256 * 1024

async function readCsv(data: Buffer): Promise<string[][]> {
  const { encoding, text } = await decodeRosterInTurns(data)
  await nextTurn()
  const eol = lineEndOf(text)
  for (let start = 0; start < text.length;) {
    const newline = text.indexOf(eol, start)
    const end = newline === -1 ? text.length : newline
    if (end - start > MAX_CSV_LINE_CHARS) {
      throw new RosterFileError(
        'unreadable',
        { format: 'CSV' },
        `the file cannot be read as CSV: a line is longer than ${MAX_CSV_LINE_CHARS} characters`,
      )
    }
    start = end + 1
  }
  await nextTurn()
  // After the line check: the first lines are split here, to find the header's.
  const { delimiter, oneColumn } = headerSeparators(text, eol)
  let separators = 0
  for (let at = text.indexOf(delimiter); at !== -1; at = text.indexOf(delimiter, at + 1)) {
    if (++separators > MAX_CSV_SEPARATORS) {
      throw new RosterFileError(
        'unreadable',
        { format: 'CSV' },
        `the file cannot be read as CSV: more than ${MAX_CSV_SEPARATORS} fields`,
      )
    }
  }
  const table: string[][] = []
  const parser = parse({
    delimiter,
    // A quote inside an unquoted field (王"小"明, 5" screen) is text, as Excel reads it.
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: false,
  })
  let failure: Error | null = null
  const done = new Promise<void>((resolve, reject) => {
    parser.on('error', (err: Error) => {
      failure = err
      reject(err)
    })
    parser.on('end', resolve)
  })
  // Keeps `done` from counting as unhandled while the slices are still being written.
  done.catch(() => undefined)
  // Counted as they are parsed: the header plus MAX_ROWS, then no more slices. Here, not in
  // csv-parse's on_record, which built an info object for every record (~190 ms of 100,000).
  let over = false
  parser.on('data', (record: string[]) => {
    if (table.length > MAX_ROWS) over = true
    else if (record.every((c) => c.trim() === '')) table.push(BLANK)
    // One column: the line's separators were part of its cell ("Smith, John").
    else table.push(oneColumn && record.length > 1 ? [record.join(delimiter)] : record)
  })
  for (const slice of csvSlices(data, encoding, text)) {
    if (failure !== null || over) break
    parser.write(slice)
    await nextTurn()
  }
  if (over) {
    parser.destroy()
    throw tooManyRows()
  }
  if (failure === null) parser.end()
  await done
  // The last record, parsed at the end.
  if (over) throw tooManyRows()
  return table
}

/**
 * The text as UTF-8 bytes, `CSV_SLICE_BYTES` at a time. A UTF-8 file's own bytes past its BOM
 * (what the decoded text encodes to: no copy of the whole text); csv-parse keeps a character
 * cut between two slices whole. Another encoding's text is encoded a slice at a time, never
 * cut inside a surrogate pair (an emoji).
 */
function* csvSlices(data: Buffer, encoding: RosterEncoding, text: string): Generator<Buffer> {
  if (encoding === 'utf-8') {
    const bom = data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? 3 : 0
    for (let at = bom; at < data.length; at += CSV_SLICE_BYTES) {
      yield data.subarray(at, at + CSV_SLICE_BYTES)
    }
    return
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes.
  const units = Math.floor(CSV_SLICE_BYTES / 3)
  for (let at = 0; at < text.length;) {
    let end = Math.min(at + units, text.length)
    const last = text.charCodeAt(end - 1)
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--
    yield Buffer.from(text.slice(at, end), 'utf8')
    at = end
  }
}

/**
 * The character that ends the file's lines, as csv-parse finds its record delimiter (the first
 * line end decides): CR alone for Excel for Mac's "CSV (Macintosh)", else LF (CRLF's CR stays
 * at the end of each line, which the line limit may count).
 */
function lineEndOf(text: string): '\r' | '\n' {
  const at = text.search(/[\r\n]/)
  return at !== -1 && text[at] === '\r' && text[at + 1] !== '\n' ? '\r' : '\n'
}

/**
 * The header line's separator outside quotes: Excel writes ';' where the decimal separator is
 * a comma, and tabs for "Unicode Text"; a tie (or none) stays a comma. See `headerSeparators`
 * for which line is the header.
 */
export function delimiterOf(text: string, eol: '\r' | '\n' = lineEndOf(text)): string {
  return headerSeparators(text, eol).delimiter
}

const SEPARATORS = [',', ';', '\t'] as const

/**
 * A line's cells split at `delimiter` outside double quotes, quotes removed ("" is one quote):
 * enough to recognise a header line, which is all it is used for.
 */
function splitLine(line: string, delimiter: string): string[] {
  const cells: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string
    if (ch === '"') {
      if (quoted && line[i + 1] === '"') {
        cell += '"'
        i++
      } else quoted = !quoted
    } else if (ch === delimiter && !quoted) {
      cells.push(cell)
      cell = ''
    } else cell += ch
  }
  cells.push(cell)
  return cells
}

/**
 * The header line, outside quotes: its separator (`delimiterOf`), and whether it has none of
 * any kind (`oneColumn`): a list of names typed one a line, where a comma ("Smith, John") is
 * part of the name, not a column. The header line is found as validateTable finds its row: the
 * first of the first HEADER_SEARCH_ROWS lines that are not blank (nothing but separators and
 * spaces: Excel pads a title line to the table's width) whose cells, split at one of comma,
 * semicolon or tab, hold a name column; more than one separator giving one: the line's most
 * frequent. No such line: the first line not blank, whose missing name column validateTable
 * then reports. A typed title without separators ("2026 年会签到名单") above the headings
 * decided a comma and one column before, so "姓名;电话" and "姓名\t电话" were one cell each.
 * A Chinese full-width comma (，) is text, never a separator: Excel and WPS never write it
 * between cells, and it is common inside a company's or department's name.
 */
function headerSeparators(
  text: string,
  eol: '\r' | '\n',
): { delimiter: string; oneColumn: boolean } {
  let first: string | null = null
  let seen = 0
  for (let start = 0; start <= text.length && seen < HEADER_SEARCH_ROWS;) {
    const end = text.indexOf(eol, start)
    const line = text.slice(start, end === -1 ? text.length : end)
    start = end === -1 ? text.length + 1 : end + 1
    if (/^[\s,;\t"\ufeff\u200b-\u200d\u2060]*$/.test(line)) continue
    seen++
    const outside = line.replace(/"[^"]*"/g, '')
    first ??= outside
    const count = (d: string) => outside.split(d).length - 1
    let found: string | null = null
    for (const d of SEPARATORS) {
      if (!hasNames(columnsOf(splitLine(line, d)))) continue
      if (found === null || count(d) > count(found)) found = d
    }
    if (found !== null) return { delimiter: found, oneColumn: count(found) === 0 }
  }
  const header = first ?? ''
  const count = (d: string) => header.split(d).length - 1
  let delimiter = ','
  for (const d of [';', '\t']) if (count(d) > count(delimiter)) delimiter = d
  return { delimiter, oneColumn: !/[,;\t]/.test(header) }
}

/**
 * In a worker thread (shared/roster/xlsx-thread.ts): exceljs reads a workbook in one
 * synchronous stretch of seconds. Its refusals come back as the same errors. Bytes that are no
 * ZIP at all are refused first, here, with the worker's own error, and no worker is started
 * for them (`refuseNonZip`).
 */
async function readXlsx(data: Buffer): Promise<string[][]> {
  await refuseNonZip(data)
  try {
    return await readXlsxInWorker(data)
  } catch (err) {
    if (!(err instanceof XlsxWorkerFailure)) throw err
    const { name, code, params = {}, message } = err.error
    if (name === 'XlsxRefusedError' && code !== undefined) {
      const numbers = Object.fromEntries(
        Object.entries(params).filter((e): e is [string, number] => typeof e[1] === 'number'),
      )
      throw new XlsxRefusedError(code as XlsxRefusal, numbers, message)
    }
    if (name === 'RosterFileError' && code !== undefined) {
      throw new RosterFileError(code, params, message)
    }
    throw new Error(message, { cause: err })
  }
}

/** The workbook's table, read here (the XLSX worker thread's work). */
export async function readXlsxTable(data: Buffer): Promise<string[][]> {
  // Before exceljs, which inflates the whole workbook in memory: refuse a zip bomb, and a
  // workbook with more rows, cells or texts than a roster may have (counted while inflating).
  await checkXlsxSize(data, {
    ...XLSX_LIMITS,
    maxSheetRows: MAX_ROWS + 1,
    maxCells: MAX_XLSX_CELLS,
    maxSharedStrings: MAX_XLSX_CELLS,
    maxOtherElements: MAX_XLSX_OTHER_ELEMENTS,
  })
  const wb = new Workbook()
  await wb.xlsx.load(data as unknown as ArrayBuffer)
  // The first worksheet whose header (found as validateTable finds it) has a name column and a
  // row below it, a visible one before a hidden one: a workbook may open on a notes tab or an
  // empty 模板 of the same headings, or keep last year's list on a hidden one. None with a
  // row: the first with a name column (its headings and nobody). None: the first worksheet,
  // whose missing name column is the problem reported.
  const sheets = wb.worksheets
  const byVisibility = [
    ...sheets.filter((w) => w.state === 'visible'),
    ...sheets.filter((w) => w.state !== 'visible'),
  ]
  let headedOnly: Worksheet | undefined
  for (const ws of byVisibility) {
    const at = headerIndex(ws.rowCount, (i) => rowCells(ws.findRow(i + 1)))
    if (at === -1 || !hasNames(columnsOf(rowCells(ws.findRow(at + 1))))) continue
    if (hasRowBelow(ws, at)) return sheetTable(ws)
    headedOnly ??= ws
  }
  const chosen = headedOnly ?? sheets[0]
  return chosen === undefined ? [] : sheetTable(chosen)
}

/** Whether a worksheet has a row not blank below its header (`at`, from 0). */
function hasRowBelow(ws: Worksheet, at: number): boolean {
  for (let n = at + 2; n <= ws.rowCount; n++) if (!isBlank(rowCells(ws.findRow(n)))) return true
  return false
}

function rowCells(row: Row | undefined): string[] {
  if (row === undefined) return []
  // Only the cells that exist, and only the first MAX_COLUMNS: exceljs's own iteration with
  // empty cells makes a cell object for every column up to the last one, so a single cell
  // at column XFD per row cost 16,384 objects a row (20,000 such rows hung the kiosk).
  const width = Math.min(row.cellCount, MAX_COLUMNS)
  const cells = new Array<string>(width)
  for (let c = 1; c <= width; c++) cells[c - 1] = cellText(row.findCell(c))
  return cells
}

function sheetTable(ws: Worksheet): string[][] {
  const table: string[][] = []
  ws.eachRow({ includeEmpty: true }, (row, rowNumber) => {
    // A row numbered past the limit (rows can skip numbers) would make the table that long.
    if (rowNumber > MAX_ROWS + 1) throw tooManyRows()
    table[rowNumber - 1] = rowCells(row)
  })
  return Array.from(table, (r) => r ?? BLANK)
}

/**
 * A cell as the roster reads it: what the spreadsheet shows. exceljs's text, except
 * - a date (a code Excel took for one, such as "3-15"), which its text would give as JavaScript
 *   prints a Date ("Sun Mar 15 2026 08:00:00 GMT+0800 (China Standard Time)", differing by the
 *   machine's zone). Excel's dates are wall-clock times, which exceljs holds as UTC: written
 *   `YYYY-MM-DD`, with the time when there is one;
 * - a formula, whose text exceljs gives from its last result without looking at it: an error
 *   (`#N/A` where a VLOOKUP found nothing) became "[object Object]", a date as above. Its
 *   result is read as a value of its own; none (never calculated) is an empty cell;
 * - a whole number under a zero-padding format ("00000"), which Excel shows with its zeros;
 * - an empty cell, also a merged one whose range starts with an empty cell (exceljs's text for
 *   it threw, which refused the whole workbook).
 */
function cellText(cell: { value: unknown; text: string; numFmt?: string } | undefined): string {
  if (cell === undefined) return ''
  const v = cell.value
  if (v === null || v === undefined) return ''
  // 00123 typed into a cell formatted "00000" is the number 123, shown with its zeros (codes,
  // phones with a leading 0): read as shown.
  const format = cell.numFmt ?? ''
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && ZERO_PADDING.test(format))
    return String(v).padStart(format.length, '0')
  if (typeof v === 'object' && ('formula' in v || 'sharedFormula' in v)) {
    const result: unknown = Reflect.get(v, 'result')
    return result === null || result === undefined ? '' : valueText(result)
  }
  return v instanceof Date ? valueText(v) : cell.text
}

/** A number format that only pads a whole number with zeros: "00000", "00000000000". */
const ZERO_PADDING = /^0+$/

/** A formula's result, or a date: a number, text, true/false, a date or an error. */
function valueText(v: unknown): string {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return ''
    const iso = v.toISOString()
    const time = iso.slice(11, 19)
    return time === '00:00:00' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${time}`
  }
  if (typeof v === 'object' && v !== null) {
    const error: unknown = Reflect.get(v, 'error')
    return typeof error === 'string' ? error : ''
  }
  return String(v)
}
