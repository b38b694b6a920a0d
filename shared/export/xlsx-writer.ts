/**
 * A streamed XLSX: the smallest OOXML package Excel, LibreOffice and exceljs open (content
 * types, relationships, workbook, one worksheet) written through zip-writer.ts, the sheet's rows
 * as inline strings (`t="inlineStr"`: no shared-string table to hold in memory) and numbers.
 * Each page of rows becomes one chunk of sheet XML that waits for the destination before the
 * next is built, so memory stays flat whatever the row count (exceljs's streaming writer
 * queued the XML whenever deflate lagged).
 */
import type { Writable } from 'node:stream'
import type { Cell } from './cells'
import type { SheetSink } from './sinks'
import { ZipWriter } from './zip-writer'

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
const PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships'
const DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

const CONTENT_TYPES =
  `${DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
  '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
  '</Types>'
const ROOT_RELS =
  `${DECL}<Relationships xmlns="${PKG_REL}">` +
  `<Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/>` +
  '</Relationships>'
const WORKBOOK_RELS =
  `${DECL}<Relationships xmlns="${PKG_REL}">` +
  `<Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/>` +
  '</Relationships>'
const workbook = (sheetName: string): string =>
  `${DECL}<workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets>` +
  `<sheet name="${xmlText(sheetName)}" sheetId="1" r:id="rId1"/></sheets></workbook>`

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

/** One row's XML; an empty string is no cell at all (as exceljs reads an empty cell back). */
function rowXml(r: number, cells: readonly Cell[], letters: readonly string[]): string {
  let xml = `<row r="${r}">`
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i] as Cell
    if (typeof cell === 'number') {
      if (Number.isFinite(cell)) xml += `<c r="${letters[i]}${r}"><v>${cell}</v></c>`
    } else if (cell !== '') {
      const space = EDGE_SPACE.test(cell) ? ' xml:space="preserve"' : ''
      xml += `<c r="${letters[i]}${r}" t="inlineStr"><is><t${space}>${xmlText(cell)}</t></is></c>`
    }
  }
  return `${xml}</row>`
}

/**
 * The XLSX writer as a sheet sink (same contract as sinks.ts's: `write` a page, `end` once).
 * Text stays text: an inline string is never a formula, so "=1+1" needs no escaping here.
 */
export async function xlsxStreamSink<R>(
  out: Writable,
  header: readonly string[],
  toCells: (r: R, cells: Cell[]) => void,
  sheetName = 'Attendance',
): Promise<SheetSink<R>> {
  const zip = new ZipWriter(out)
  await zip.add('[Content_Types].xml', CONTENT_TYPES)
  await zip.add('_rels/.rels', ROOT_RELS)
  await zip.add('xl/workbook.xml', workbook(sheetName))
  await zip.add('xl/_rels/workbook.xml.rels', WORKBOOK_RELS)
  const sheet = await zip.open('xl/worksheets/sheet1.xml')
  const letters = header.map((_, i) => columnLetters(i))
  await sheet.write(
    Buffer.from(
      `${DECL}<worksheet xmlns="${MAIN}"><sheetData>${rowXml(1, header, letters)}`,
      'utf8',
    ),
  )
  let r = 1
  const cells: Cell[] = new Array<Cell>(header.length)
  return {
    async write(records) {
      let xml = ''
      for (const rec of records) {
        toCells(rec, cells)
        xml += rowXml(++r, cells, letters)
      }
      await sheet.write(Buffer.from(xml, 'utf8'))
    },
    async end() {
      await sheet.write(Buffer.from('</sheetData></worksheet>', 'utf8'))
      await sheet.end()
      await zip.finish()
      await new Promise<void>((resolve, reject) => {
        out.once('error', reject)
        out.end(() => resolve())
      })
    },
  }
}
