// The attendance sheet as the organizer prints it from Excel or WPS the evening of the event
// (the console's 下载 Excel, the kiosk's own export, the winners): every column on one page's
// width, landscape when the columns are many, the heading row on top of every printed page, the
// campaign's name in the page header and 第 1 页，共 3 页 in the footer. The print settings are
// read back with exceljs, and the worksheet's elements checked against the schema's order,
// which Excel holds to (LibreOffice is not needed: what it would render is the same XML).
import { PassThrough } from 'node:stream'
import ExcelJS from 'exceljs'
import JSZip from 'jszip'
import { describe, expect, it } from 'vitest'
import type { Locale } from '../../shared/domain'
import type { Cell } from '../../shared/export/cells'
import {
  HEADER_FOOTER_MAX,
  headerText,
  PORTRAIT_MAX_WIDTH,
  sheetTitle,
  xlsxStreamSink,
} from '../../shared/export/xlsx-writer'
import { rootChildren, worksheetOrderErrors } from '../helpers/worksheet-order'

interface Written {
  bytes: Buffer
  sheets: ExcelJS.Worksheet[]
  /** Each worksheet's XML, sheet1.xml first. */
  xml: string[]
  book: string
}

async function write(
  header: string[],
  rows: Cell[][],
  options: { title?: string; locale?: Locale; maxSheetRows?: number; sheetName?: string } = {},
): Promise<Written> {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  out.on('error', () => {})
  const sink = await xlsxStreamSink<Cell[]>(
    out,
    header,
    (r, cells) => r.forEach((c, i) => (cells[i] = c)),
    { sheetName: '签到记录', ...options },
  )
  if (rows.length > 0) await sink.write(rows)
  await sink.end()
  const bytes = Buffer.concat(chunks)
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(new Uint8Array(bytes).buffer)
  const zip = await JSZip.loadAsync(bytes)
  const text = async (name: string): Promise<string> => {
    const f = zip.file(name)
    if (f === null) throw new Error(`no ${name} in the zip`)
    return f.async('string')
  }
  const xml: string[] = []
  for (let n = 1; n <= wb.worksheets.length; n++)
    xml.push(await text(`xl/worksheets/sheet${n}.xml`))
  return { bytes, sheets: wb.worksheets, xml, book: await text('xl/workbook.xml') }
}

/** The attendance sheet's columns (the console's, 14 of them). */
const WIDE_HEADER = [
  '展位',
  '签到号',
  '姓名',
  '单位',
  '电话',
  '编号',
  '扫码时间',
  '收到时间',
  '类型',
  '首次到访',
  '场景值',
  'OpenID',
  '活动',
  '事件ID',
]
const WIDE_ROW: Cell[] = [
  'booth-a',
  12,
  '欧阳娜娜',
  '深圳市腾讯计算机系统有限公司',
  '13800138000',
  'A0012',
  46_000.5,
  46_000.5,
  '扫码',
  '是',
  'booth-a:12',
  'oXyZ1234567890abcdefghijklmn',
  '2026 春季展会',
  'ev_0123456789abcdef0123456789abcdef',
]
const NARROW_HEADER = ['奖项', '名次', '姓名']
const NARROW_ROW: Cell[] = ['一等奖', 1, '王小明']

function only<T>(list: readonly T[]): T {
  expect(list).toHaveLength(1)
  return list[0] as T
}

describe('the XLSX as Excel and WPS print it', () => {
  it('fits every column on one page wide, as many pages down as the rows need, on A4', async () => {
    const { sheets } = await write(WIDE_HEADER, [WIDE_ROW, WIDE_ROW])
    const ps = only(sheets).pageSetup
    expect(ps.fitToPage).toBe(true)
    expect(ps.fitToWidth).toBe(1)
    expect(ps.fitToHeight).toBe(0)
    expect(ps.paperSize).toBe(9)
    expect(ps.margins).toEqual({
      left: 0.4,
      right: 0.4,
      top: 0.6,
      bottom: 0.6,
      header: 0.3,
      footer: 0.3,
    })
    // No borders on the cells: the grid is printed, the sheet centred across the page.
    expect(ps.showGridLines).toBe(true)
    expect(ps.horizontalCentered).toBe(true)
  })

  it('prints landscape when the columns are wider than a portrait page, portrait otherwise', async () => {
    const wide = await write(WIDE_HEADER, [WIDE_ROW])
    expect(only(wide.sheets).pageSetup.orientation).toBe('landscape')
    const narrow = await write(NARROW_HEADER, [NARROW_ROW])
    const narrowXml = only(narrow.xml)
    expect(only(narrow.sheets).pageSetup.orientation).toBe('portrait')
    expect(narrowXml).toContain('orientation="portrait"')
    // The bound is the columns' summed widths: as many narrow columns as make it wider turn it.
    const many = Array.from({ length: Math.ceil(PORTRAIT_MAX_WIDTH / 9) + 1 }, (_, i) => `c${i}`)
    const manyNarrow = await write(many, [many])
    expect(only(manyNarrow.sheets).pageSetup.orientation).toBe('landscape')
  })

  it('repeats the heading row on every printed page, on every worksheet of a long sheet', async () => {
    const { sheets, book } = await write(
      NARROW_HEADER,
      Array.from({ length: 5 }, () => NARROW_ROW),
      { maxSheetRows: 4, sheetName: "Tom's & Co" },
    )
    expect(sheets.map((s) => s.name)).toEqual(["Tom's & Co", "Tom's & Co (2)"])
    for (const ws of sheets) {
      expect(ws.pageSetup.printTitlesRow).toBe('1:1')
      expect(ws.pageSetup.fitToPage).toBe(true)
      expect(ws.headerFooter.oddFooter).toBe('&CPage &P of &N')
    }
    // Each sheet's own name, as Excel writes it (localSheetId: the sheet's place in the book).
    expect(book).toContain(
      `<definedName name="_xlnm.Print_Titles" localSheetId="0">'Tom''s &amp; Co'!$1:$1</definedName>`,
    )
    expect(book).toContain(
      `<definedName name="_xlnm.Print_Titles" localSheetId="1">'Tom''s &amp; Co (2)'!$1:$1</definedName>`,
    )
  })

  it("puts the title in the page header and the page number in the footer, in the sheet's language", async () => {
    const zh = await write(NARROW_HEADER, [NARROW_ROW], {
      title: sheetTitle('春季展会', '签到记录'),
      locale: 'zh-CN',
    })
    expect(only(zh.sheets).headerFooter).toEqual({
      oddHeader: '&C春季展会 · 签到记录',
      oddFooter: '&C第 &P 页，共 &N 页',
    })
    const en = await write(NARROW_HEADER, [NARROW_ROW], { sheetName: 'Attendance', locale: 'en' })
    // No title given: the sheet's name.
    expect(only(en.sheets).headerFooter).toEqual({
      oddHeader: '&CAttendance',
      oddFooter: '&CPage &P of &N',
    })
    // A sheet with no rows prints its heading the same way.
    const empty = await write(NARROW_HEADER, [], { title: '空', locale: 'zh-CN' })
    expect(only(empty.sheets).headerFooter.oddHeader).toBe('&C空')
    expect(only(empty.sheets).pageSetup.printTitlesRow).toBe('1:1')
  })

  it('prints an organizer\'s campaign name as typed: "&" and markup, quotes, emoji, line breaks', async () => {
    const name = 'R&D <春季> "展会" 🎉 Tom\'s\n第二行\u0007 _x0041_ &P'
    const { sheets, xml } = await write(NARROW_HEADER, [NARROW_ROW], { title: name })
    // `&` doubled (a single one starts a code: `&P` would print the page number), one line.
    // (exceljs leaves OOXML's `_xHHHH_` escapes as written; Excel reads `_x005F_` as `_`.)
    expect(only(sheets).headerFooter.oddHeader).toBe(
      '&CR&&D <春季> "展会" 🎉 Tom\'s 第二行 _x005F_x0041_ &&P',
    )
    expect(only(xml)).toContain('<oddHeader>&amp;CR&amp;&amp;D &lt;春季&gt; &quot;展会&quot;')
    expect(worksheetOrderErrors(only(xml))).toEqual([])
  })

  it("cuts a long title to a header's 255 characters at a whole character, never half an emoji or an &&", async () => {
    for (const title of [
      '展'.repeat(200),
      'A'.repeat(300),
      `${'a'.repeat(252)}🎉🎉`,
      `${'a'.repeat(252)}&&&`,
      '&'.repeat(200),
    ]) {
      const text = headerText(title)
      expect(text.length).toBeLessThanOrEqual(HEADER_FOOTER_MAX)
      expect(text.startsWith('&C')).toBe(true)
      // Every `&` past the code is doubled: an even run of them, whatever the cut.
      for (const run of text.slice(2).match(/&+/g) ?? []) expect(run.length % 2).toBe(0)
      expect(text).not.toMatch(/[\ud800-\udbff]$/)
      const { sheets, xml } = await write(NARROW_HEADER, [NARROW_ROW], { title })
      expect(only(sheets).headerFooter.oddHeader).toBe(text)
      expect(worksheetOrderErrors(only(xml))).toEqual([])
    }
    expect(headerText('展'.repeat(200))).toBe(`&C${'展'.repeat(200)}`)
    expect(headerText('A'.repeat(300))).toBe(`&C${'A'.repeat(HEADER_FOOTER_MAX - 2)}`)
    expect(headerText(`${'a'.repeat(252)}🎉🎉`)).toBe(`&C${'a'.repeat(252)}`)
    expect(headerText(`${'a'.repeat(252)}&&&`)).toBe(`&C${'a'.repeat(252)}`)
  })

  it("writes the worksheet's elements in the schema's order, the print settings among them", async () => {
    const { xml } = await write(WIDE_HEADER, [WIDE_ROW, WIDE_ROW, WIDE_ROW], { maxSheetRows: 2 })
    expect(xml).toHaveLength(3)
    for (const sheet of xml) {
      expect(rootChildren(sheet)).toEqual([
        'sheetPr',
        'sheetViews',
        'cols',
        'sheetData',
        'autoFilter',
        'printOptions',
        'pageMargins',
        'pageSetup',
        'headerFooter',
        'ignoredErrors',
      ])
      expect(worksheetOrderErrors(sheet)).toEqual([])
    }
  })

  it('the order check itself finds an element out of place, unknown or repeated', () => {
    const doc = (body: string) => `<?xml version="1.0"?><worksheet>${body}</worksheet>`
    expect(worksheetOrderErrors(doc('<sheetData/><pageSetup/><headerFooter/>'))).toEqual([])
    expect(worksheetOrderErrors(doc('<sheetData/><ignoredErrors/><pageSetup/>'))).toEqual([
      '<pageSetup> comes after <ignoredErrors>',
    ])
    expect(worksheetOrderErrors(doc('<sheetViews/><sheetPr/><sheetData/>'))).toEqual([
      '<sheetPr> comes after <sheetViews>',
    ])
    expect(worksheetOrderErrors(doc('<sheetData><row/></sheetData><printTitles/>'))).toEqual([
      '<printTitles> is not a worksheet element',
    ])
    expect(worksheetOrderErrors(doc('<pageSetup/><pageSetup/>'))).toEqual(['<pageSetup> twice'])
  })
})
