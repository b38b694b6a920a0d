/**
 * A streamed XLSX: the smallest OOXML package Excel, LibreOffice and exceljs open (content
 * types, relationships, workbook, styles, worksheets: a new one every SHEET_MAX_ROWS rows)
 * written through zip-writer.ts, the sheet's rows as inline strings (`t="inlineStr"`: no
 * shared-string table to hold in memory), numbers, and date-times (a serial day with the one
 * date-time style, so they sort and filter as times).
 * Each page of rows becomes one chunk of sheet XML that waits for the destination before the
 * next is built, so memory stays flat whatever the row count (exceljs's streaming writer
 * queued the XML whenever deflate lagged).
 */
import type { Writable } from 'node:stream'
import type { Locale } from '../domain'
import { SHEET_NAMES, type Cell } from './cells'
import { endStream, type SheetSink } from './sinks'
import { ZipWriter } from './zip-writer'

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
const PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships'
const DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

/** `[Content_Types].xml` for the workbook with `sheets` worksheets (sheet1.xml, sheet2.xml, …). */
const contentTypes = (sheets: number): string =>
  `${DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
  sheetNumbers(sheets)
    .map(
      (n) =>
        `<Override PartName="/xl/worksheets/sheet${n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`,
    )
    .join('') +
  '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
  '</Types>'
const ROOT_RELS =
  `${DECL}<Relationships xmlns="${PKG_REL}">` +
  `<Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/>` +
  '</Relationships>'
/** The workbook's relationships: the styles (rId1), then worksheet n as `rId${n + 1}`. */
const workbookRels = (sheets: number): string =>
  `${DECL}<Relationships xmlns="${PKG_REL}">` +
  `<Relationship Id="rId1" Type="${REL}/styles" Target="styles.xml"/>` +
  sheetNumbers(sheets)
    .map(
      (n) =>
        `<Relationship Id="rId${n + 1}" Type="${REL}/worksheet" Target="worksheets/sheet${n}.xml"/>`,
    )
    .join('') +
  '</Relationships>'

/** 1, 2, … `sheets`. */
const sheetNumbers = (sheets: number): number[] => Array.from({ length: sheets }, (_, i) => i + 1)

/**
 * The rows a worksheet of ours holds, the header among them: what every spreadsheet the
 * organizer may open it in holds (Excel and LibreOffice 1,048,576 a worksheet, Apple Numbers
 * 1,000,000 a table). A sheet with more goes on in another worksheet: rows past a reader's
 * limit were lost on opening.
 */
export const SHEET_MAX_ROWS = 1_000_000

/** What a date-time cell shows: the CSV's `YYYY-MM-DD HH:mm:ss`. */
export const DATE_TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss'
/** Its column's width in characters: 19 of them and a margin (narrower, Excel shows ####). */
const DATE_TIME_WIDTH = 20
/**
 * Style 0 is the default; style 1 (`s="1"`) the date-time format (custom formats start at 164).
 * The default font, the two fills Excel requires and one border are what every reader expects.
 */
const STYLES =
  `${DECL}<styleSheet xmlns="${MAIN}">` +
  `<numFmts count="1"><numFmt numFmtId="164" formatCode="${DATE_TIME_FORMAT}"/></numFmts>` +
  '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>' +
  '<fills count="2"><fill><patternFill patternType="none"/></fill>' +
  '<fill><patternFill patternType="gray125"/></fill></fills>' +
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
  '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>' +
  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
  '</styleSheet>'
/** One worksheet as the workbook lists it: its tab name and its last row. */
interface SheetEntry {
  name: string
  lastRow: number
}

/** A sheet's name as a formula reads it: quoted, its own quotes doubled. */
const sheetRef = (name: string): string => `'${name.replaceAll("'", "''")}'`

/**
 * The workbook, with the hidden name Excel writes beside each sheet's filter
 * (`_xlnm._FilterDatabase`, the filter's range): LibreOffice shows no filter without it, and
 * some Excel versions fail sorting through one that lacks it. Each sheet's heading row is its
 * print titles (`_xlnm.Print_Titles`): printed at the top of every page, not the first only.
 */
const workbook = (sheets: readonly SheetEntry[], last: string): string =>
  `${DECL}<workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets>` +
  sheets
    .map((s, i) => `<sheet name="${xmlText(s.name)}" sheetId="${i + 1}" r:id="rId${i + 2}"/>`)
    .join('') +
  '</sheets><definedNames>' +
  // By name, then sheet, as Excel itself writes them.
  sheets
    .map(
      (s, i) =>
        `<definedName name="_xlnm._FilterDatabase" localSheetId="${i}" hidden="1">` +
        `${xmlText(`${sheetRef(s.name)}!$A$1:$${last}$${s.lastRow}`)}</definedName>`,
    )
    .join('') +
  sheets
    .map(
      (s, i) =>
        `<definedName name="_xlnm.Print_Titles" localSheetId="${i}">` +
        `${xmlText(`${sheetRef(s.name)}!$1:$1`)}</definedName>`,
    )
    .join('') +
  '</definedNames></workbook>'

/* eslint-disable no-control-regex -- these match exactly the control characters XML forbids */
/** Characters XML 1.0 cannot hold at all (C0 controls but tab/LF/CR, DEL as exceljs did, lone surrogates, U+FFFE/F). */
const INVALID_XML =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
const SPECIAL = /[&<>"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ud800-\udfff\ufffe\uffff]/
/* eslint-enable no-control-regex */

/**
 * An underscore that starts what OOXML reads as an escaped character (`_x003D_` is `=` to
 * Excel): written as `_x005F_` (the underscore, escaped), so the cell shows the text as sent.
 */
const OOXML_ESCAPE_START = /_(?=x[0-9A-Fa-f]{4}_)/g

/**
 * Text as XML character data: markup escaped, characters XML cannot hold dropped, and text that
 * looks like OOXML's own `_xHHHH_` escapes kept literal.
 */
export function xmlText(text: string): string {
  const s = text.includes('_x') ? text.replace(OOXML_ESCAPE_START, '_x005F_') : text
  if (!SPECIAL.test(s)) return s
  return s
    .replace(INVALID_XML, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
}

/** `A`, `B`, … `Z`, `AA`, …: the column letters of a cell reference. */
export function columnLetters(index: number): string {
  let s = ''
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    s = String.fromCharCode(65 + ((n - 1) % 26)) + s
  }
  return s
}

/** Leading or trailing spaces (or tabs, newlines) are kept only when the `<t>` says so. */
const EDGE_SPACE = /^\s|\s$/

/**
 * One row's XML; an empty string is no cell at all (as exceljs reads an empty cell back). A
 * number in a date-time column (`styles[i]`: ` s="1"`) is a serial day shown as a date-time.
 */
function rowXml(
  r: number,
  cells: readonly Cell[],
  letters: readonly string[],
  styles: readonly string[],
): string {
  let xml = `<row r="${r}">`
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i] as Cell
    if (typeof cell === 'number') {
      if (Number.isFinite(cell))
        xml += `<c r="${letters[i]}${r}"${styles[i] ?? ''}><v>${cell}</v></c>`
    } else if (cell !== '') {
      const space = EDGE_SPACE.test(cell) ? ' xml:space="preserve"' : ''
      xml += `<c r="${letters[i]}${r}" t="inlineStr"><is><t${space}>${xmlText(cell)}</t></is></c>`
    }
  }
  return `${xml}</row>`
}

export interface XlsxOptions {
  /** The worksheet's tab name, in the sheet's language (SHEET_NAMES; default: English). */
  sheetName?: string
  /**
   * `dateTimes[i]` true: column i's numbers are Excel serial days (`excelLocalTime`), shown as
   * `yyyy-mm-dd hh:mm:ss` in a column wide enough for it; its text cells stay text.
   */
  dateTimes?: readonly boolean[]
  /**
   * Rows a worksheet holds, its header among them (default SHEET_MAX_ROWS): rows past them go
   * on in the next worksheet, named `<sheetName> (2)`, … (smaller in tests).
   */
  maxSheetRows?: number
  /**
   * What the printed pages' header says (the campaign's name, the sheet's: organizers' text,
   * any characters; default: the sheet's name). Cut to fit a header's 255 characters.
   */
  title?: string
  /** The language of the printed pages' footer (第 1 页，共 3 页 / Page 1 of 3; default: English). */
  locale?: Locale
}

/**
 * The header row frozen (it stays on screen while the organizer scrolls 2,000 scans) and the
 * first cell below it selected, as Excel writes a "Freeze top row".
 */
const FROZEN_HEADER =
  '<sheetViews><sheetView workbookViewId="0">' +
  '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' +
  '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'

/**
 * How a worksheet prints, which Excel and WPS take as their print defaults: every column on one
 * page's width (`fitToPage` with `fitToWidth="1" fitToHeight="0"`: as many pages down as the
 * rows need), on A4 (`paperSize="9"`), landscape once the columns are wider than a portrait
 * page holds at full size; grid lines printed (the cells have no borders of their own),
 * margins narrow enough for a wide sheet, the title on top of every page and its page number
 * at the bottom. The heading row on every page is the workbook's `_xlnm.Print_Titles`.
 */
const FIT_TO_PAGE = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
/**
 * The character widths an A4 portrait page holds at 100% between our margins (~7.5 inches at
 * about 13 characters of the default 11-point font an inch): a sheet wider goes landscape.
 */
export const PORTRAIT_MAX_WIDTH = 100
/** Margins in inches: 1 cm at the sides, a little more where the header and footer go. */
const PAGE_MARGINS =
  '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
/** The footer's page number, `&P` the page and `&N` the page count. */
const PAGE_NUMBER: Record<Locale, string> = {
  'zh-CN': '第 &P 页，共 &N 页',
  en: 'Page &P of &N',
}
/** What Excel takes in one header or footer, its codes included (it refuses a longer one). */
export const HEADER_FOOTER_MAX = 255
/** The header's code putting the text that follows in the middle. */
const CENTER = '&C'

/**
 * The title as header text: on one line, its `&` doubled (a single one starts a code: `&P` is
 * the page number), cut at a whole character so that with `&C` it fits HEADER_FOOTER_MAX.
 */
export function headerText(title: string): string {
  let text = CENTER
  // eslint-disable-next-line no-control-regex -- line breaks and control characters: one space
  const line = title.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ')
  for (const ch of line.trim()) {
    const piece = ch === '&' ? '&&' : ch
    if (text.length + piece.length > HEADER_FOOTER_MAX) break
    text += piece
  }
  return text
}

/** A printed sheet's title from its parts (`春季展会 · 签到记录`), the empty ones left out. */
export const sheetTitle = (...parts: readonly string[]): string =>
  parts.filter((p) => p.trim() !== '').join(' · ')

/** `<printOptions>` to `<headerFooter>`, in the order the worksheet schema has them. */
function printXml(widths: readonly number[], header: string, locale: Locale): string {
  const orientation =
    widths.reduce((a, b) => a + b, 0) > PORTRAIT_MAX_WIDTH ? 'landscape' : 'portrait'
  return (
    '<printOptions horizontalCentered="1" gridLines="1"/>' +
    PAGE_MARGINS +
    `<pageSetup paperSize="9" orientation="${orientation}" fitToWidth="1" fitToHeight="0"/>` +
    `<headerFooter><oddHeader>${xmlText(header)}</oddHeader>` +
    `<oddFooter>${xmlText(CENTER + PAGE_NUMBER[locale])}</oddFooter></headerFooter>`
  )
}

/** Characters a spreadsheet draws two columns wide: CJK, Hangul, full-width forms, emoji. */
const WIDE =
  /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\ud800-\udbff][\udc00-\udfff]/g
/** Bounds of a text column's width, in characters: Excel's default, and a screen's third. */
const MIN_WIDTH = 9
const MAX_WIDTH = 60

/** How many character widths `cell` takes on screen: its longest line, a wide character two. */
export function displayWidth(cell: Cell): number {
  if (typeof cell === 'number') return String(cell).length
  let widest = 0
  for (const line of cell.split('\n')) {
    const w = line.length + (line.match(WIDE)?.length ?? 0)
    // An astral pair is two UTF-16 units already: counted wide once, not four.
    const astral = line.match(/[\ud800-\udbff][\udc00-\udfff]/g)?.length ?? 0
    widest = Math.max(widest, w - astral)
  }
  return widest
}

/**
 * `<cols>`: each column as wide as its heading and the widest cell of the first page (and a
 * margin), within MIN_WIDTH–MAX_WIDTH; a date-time column at least as wide as its format.
 */
function columnWidths(widths: readonly number[], dateTimes: readonly boolean[]): number[] {
  return widths.map((w, i) => {
    const fit = Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, w + 2))
    return dateTimes[i] === true ? Math.max(DATE_TIME_WIDTH, fit) : fit
  })
}

function colsXml(columns: readonly number[]): string {
  const xml = columns
    .map((width, i) => `<col min="${i + 1}" max="${i + 1}" width="${width}" customWidth="1"/>`)
    .join('')
  return xml === '' ? '' : `<cols>${xml}</cols>`
}

/**
 * The XLSX writer as a sheet sink (same contract as sinks.ts's: `write` a page, `end` once).
 * Text stays text: an inline string is never a formula, so "=1+1" needs no escaping here.
 */
export async function xlsxStreamSink<R>(
  out: Writable,
  header: readonly string[],
  toCells: (r: R, cells: Cell[]) => void,
  options: XlsxOptions = {},
): Promise<SheetSink<R>> {
  const dateTimes = Array.from(header, (_, i) => options.dateTimes?.[i] === true)
  const maxRows = options.maxSheetRows ?? SHEET_MAX_ROWS
  if (!Number.isInteger(maxRows) || maxRows < 2 || maxRows > SHEET_MAX_ROWS) {
    throw new RangeError(`maxSheetRows must be an integer from 2 to ${SHEET_MAX_ROWS}`)
  }
  const baseName = options.sheetName ?? SHEET_NAMES.attendance.en
  const pageHeader = headerText(options.title ?? baseName)
  const locale = options.locale ?? 'en'
  const zip = new ZipWriter(out)
  await zip.add('_rels/.rels', ROOT_RELS)
  await zip.add('xl/styles.xml', STYLES)
  const sheets: SheetEntry[] = [{ name: baseName, lastRow: 1 }]
  let sheet = await zip.open('xl/worksheets/sheet1.xml')
  const letters = header.map((_, i) => columnLetters(i))
  const last = letters[letters.length - 1] ?? 'A'
  const styles = dateTimes.map((dt) => (dt ? ' s="1"' : ''))
  // The columns' widths come before the rows in the sheet's XML: they are measured on the
  // header and the first page (a bounded sample), and the sheet starts with that page.
  const widths = header.map((h) => displayWidth(h))
  const start = (rowsXml: string): Promise<void> =>
    sheet.write(
      Buffer.from(
        `${DECL}<worksheet xmlns="${MAIN}">${FIT_TO_PAGE}${FROZEN_HEADER}` +
          `${colsXml(columnWidths(widths, dateTimes))}` +
          `<sheetData>${rowXml(1, header, letters, [])}${rowsXml}`,
        'utf8',
      ),
    )
  /**
   * The current worksheet's end: a filter on every heading, over every row it holds, and no
   * "number stored as text" mark on those rows (Excel and WPS put a green triangle on every
   * phone and code that is all digits, kept as text so its zeros and digits stay).
   */
  const closeSheet = async (): Promise<void> => {
    const entry = sheets[sheets.length - 1] as SheetEntry
    entry.lastRow = r
    const range = `A1:${last}${r}`
    const print = printXml(columnWidths(widths, dateTimes), pageHeader, locale)
    const tail =
      `</sheetData><autoFilter ref="${range}"/>${print}<ignoredErrors>` +
      `<ignoredError sqref="${range}" numberStoredAsText="1"/></ignoredErrors></worksheet>`
    await sheet.write(Buffer.from(tail, 'utf8'))
    await sheet.end()
  }
  /** The next worksheet (`签到记录 (2)`, …), its header and columns as the first one's. */
  const nextSheet = async (rowsXml: string): Promise<void> => {
    await closeSheet()
    const n = sheets.length + 1
    sheets.push({ name: continuedName(baseName, n), lastRow: 1 })
    sheet = await zip.open(`xl/worksheets/sheet${n}.xml`)
    await start(rowsXml)
  }
  let started = false
  let r = 1
  const cells: Cell[] = new Array<Cell>(header.length)
  return {
    async write(records) {
      // The page's rows as XML, a new piece where a worksheet is full: pieces[0] goes on in
      // the current worksheet, each further one starts the next worksheet.
      const pieces: string[] = []
      let xml = ''
      let row = r
      for (const rec of records) {
        toCells(rec, cells)
        if (!started) {
          for (let i = 0; i < cells.length; i++) {
            // A date-time's serial day is shown as its format, whatever its digits.
            if (dateTimes[i] !== true || typeof cells[i] === 'string') {
              widths[i] = Math.max(widths[i] ?? 0, displayWidth(cells[i] as Cell))
            }
          }
        }
        if (row === maxRows) {
          pieces.push(xml)
          xml = ''
          row = 1
        }
        xml += rowXml(++row, cells, letters, styles)
      }
      pieces.push(xml)
      for (let i = 0; i < pieces.length; i++) {
        const piece = pieces[i] as string
        if (i > 0) {
          await nextSheet(piece)
        } else if (started) {
          await sheet.write(Buffer.from(piece, 'utf8'))
        } else {
          await start(piece)
        }
        started = true
        r = i < pieces.length - 1 ? maxRows : row
      }
    },
    async end() {
      if (!started) {
        started = true
        await start('')
      }
      await closeSheet()
      // Written last, when the worksheets and their filters' rows are known (a zip's parts may
      // come in any order; exceljs's streaming writer also wrote these after the sheets).
      await zip.add('[Content_Types].xml', contentTypes(sheets.length))
      await zip.add('xl/_rels/workbook.xml.rels', workbookRels(sheets.length))
      await zip.add('xl/workbook.xml', workbook(sheets, last))
      await zip.finish()
      await endStream(out)
    },
  }
}

/** A tab name holds at most 31 characters (Excel refuses a longer one). */
const MAX_SHEET_NAME = 31

/** Worksheet n's tab name: `签到记录 (2)`, within a tab name's 31 characters. */
export function continuedName(name: string, n: number): string {
  const suffix = ` (${n})`
  return [...name].slice(0, MAX_SHEET_NAME - suffix.length).join('') + suffix
}
