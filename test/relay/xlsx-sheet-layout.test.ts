// What an organizer sees on opening a streamed XLSX (the consolidated attendance, a kiosk's own
// export, the winners): the header row stays on screen while scrolling, every column has a
// filter, and columns are wide enough for what they hold (an OpenID, an event id, a company's
// Chinese name) instead of Excel's default 8.43 characters cutting them off.
import { PassThrough } from 'node:stream'
import ExcelJS from 'exceljs'
import JSZip from 'jszip'
import { describe, expect, it } from 'vitest'
import type { Cell } from '../../shared/export/cells'
import { SHEET_MAX_ROWS, xlsxStreamSink } from '../../shared/export/xlsx-writer'

/** Every worksheet of a streamed XLSX, read back with exceljs. */
async function sheetsOf(
  header: string[],
  pages: Cell[][][],
  options: { dateTimes?: boolean[]; maxSheetRows?: number } = {},
): Promise<ExcelJS.Worksheet[]> {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  const sink = await xlsxStreamSink<Cell[]>(
    out,
    header,
    (r, cells) => r.forEach((c, i) => (cells[i] = c)),
    { sheetName: '签到记录', ...options },
  )
  for (const page of pages) await sink.write(page)
  await sink.end()
  const wb = new ExcelJS.Workbook()
  const bytes = Buffer.concat(chunks)
  await wb.xlsx.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
  return wb.worksheets
}

async function sheetOf(
  header: string[],
  pages: Cell[][][],
  dateTimes?: boolean[],
): Promise<ExcelJS.Worksheet> {
  const ws = (await sheetsOf(header, pages, dateTimes !== undefined ? { dateTimes } : {}))[0]
  if (ws === undefined) throw new Error('no worksheet')
  return ws
}

const HEADER = ['签到号', '姓名', '单位', 'OpenID', '扫码时间', '事件ID']
const ROW: Cell[] = [
  12,
  '欧阳娜娜',
  '深圳市腾讯计算机系统有限公司',
  'oXyZ1234567890abcdefghijklmn',
  46_000.5,
  'ev_0123456789abcdef0123456789abcdef',
]

/** The raw workbook and sheet XML of a streamed XLSX (what LibreOffice and Excel read). */
async function partsOf(
  sheetName: string,
  rows: Cell[][],
): Promise<{ book: string; sheet: string }> {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  const sink = await xlsxStreamSink<Cell[]>(
    out,
    HEADER,
    (r, cells) => r.forEach((c, i) => (cells[i] = c)),
    { sheetName },
  )
  if (rows.length > 0) await sink.write(rows)
  await sink.end()
  const zip = await JSZip.loadAsync(Buffer.concat(chunks))
  const text = (name: string): Promise<string> => {
    const f = zip.file(name)
    if (f === null) throw new Error(`no ${name} in the zip`)
    return f.async('string')
  }
  return { book: await text('xl/workbook.xml'), sheet: await text('xl/worksheets/sheet1.xml') }
}

describe('streamed XLSX layout', () => {
  it("names the filter's range in the workbook as Excel does (LibreOffice shows no filter without it)", async () => {
    const three = await partsOf('签到记录', [ROW, ROW, ROW])
    expect(three.sheet).toContain('<autoFilter ref="A1:F4"/>')
    expect(three.book).toContain(
      '<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">' +
        "'签到记录'!$A$1:$F$4</definedName>",
    )
    const none = await partsOf("Tom's & Co", [])
    expect(none.sheet).toContain('<autoFilter ref="A1:F1"/>')
    expect(none.book).toContain(">'Tom''s &amp; Co'!$A$1:$F$1</definedName>")
  })

  it('digits kept as text (a phone, a code with leading zeros) carry no "number stored as text" warning', async () => {
    // Excel (and WPS) mark every text cell that looks like a number with a green triangle: the
    // phone and code columns were full of them, though text is what keeps their zeros and digits.
    const phone: Cell[] = [7, '王小明', '0755 ACME', '13800138000', 46_000.5, '000123']
    const three = await partsOf('签到记录', [phone, phone])
    expect(three.sheet).toContain('<autoFilter ref="A1:F3"/>')
    expect(three.sheet).toContain(
      '<ignoredErrors><ignoredError sqref="A1:F3" numberStoredAsText="1"/></ignoredErrors></worksheet>',
    )
    expect(three.sheet).toContain('<t>13800138000</t>')
    expect(three.sheet).toContain('<t>000123</t>')
  })

  it('freezes the header row and puts a filter on every column of every row', async () => {
    const ws = await sheetOf(HEADER, [[ROW, ROW], [ROW]], [false, false, false, false, true, false])
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 })
    expect(ws.autoFilter).toBe('A1:F4')
  })

  it('a sheet with no rows still has its header, frozen and filterable', async () => {
    const ws = await sheetOf(HEADER, [])
    expect(ws.rowCount).toBe(1)
    expect(ws.getRow(1).values).toEqual([undefined, ...HEADER])
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 })
    expect(ws.autoFilter).toBe('A1:F1')
  })

  it('columns are as wide as their text (a CJK character counts two), within a bound', async () => {
    const long = 'x'.repeat(500)
    const ws = await sheetOf(
      [...HEADER, '备注'],
      [[[...ROW, long]]],
      [false, false, false, false, true, false, false],
    )
    const width = (i: number): number => ws.getColumn(i).width ?? 0
    // The heading 签到号 (6) is wider than the number 12.
    expect(width(1)).toBeGreaterThanOrEqual(6)
    expect(width(2)).toBeGreaterThanOrEqual(8) // 欧阳娜娜
    expect(width(3)).toBeGreaterThanOrEqual(28) // 14 CJK characters
    expect(width(4)).toBeGreaterThanOrEqual(28) // the OpenID
    expect(width(5)).toBeGreaterThanOrEqual(19) // yyyy-mm-dd hh:mm:ss
    expect(width(6)).toBeGreaterThanOrEqual(35) // the event id
    // A 500-character note does not make a column screens wide.
    expect(width(7)).toBeGreaterThan(8)
    expect(width(7)).toBeLessThanOrEqual(60)
  })

  it("rows past a worksheet's last row go on to the next worksheet, each with the header, frozen and filtered", async () => {
    // A worksheet holds 1,048,576 rows in Excel and LibreOffice, a table 1,000,000 in Numbers: a
    // day of a large event holds more scans, and the rows past a limit were lost on opening.
    expect(SHEET_MAX_ROWS).toBe(1_000_000)
    const rows = Array.from({ length: 7 }, (_, i): Cell[] => [i + 1, `访客${i + 1}`, 46_000 + i])
    // Three rows a worksheet (its header and two): pages cross the worksheets' ends.
    const sheets = await sheetsOf(
      ['签到号', '姓名', '扫码时间'],
      [rows.slice(0, 3), rows.slice(3)],
      {
        dateTimes: [false, false, true],
        maxSheetRows: 3,
      },
    )
    expect(sheets.map((ws) => ws.name)).toEqual([
      '签到记录',
      '签到记录 (2)',
      '签到记录 (3)',
      '签到记录 (4)',
    ])
    const back: Cell[][] = []
    for (const ws of sheets) {
      expect(ws.getRow(1).values).toEqual([undefined, '签到号', '姓名', '扫码时间'])
      expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 })
      expect(ws.autoFilter).toBe(`A1:C${ws.rowCount}`)
      expect(ws.rowCount).toBeLessThanOrEqual(3)
      for (let r = 2; r <= ws.rowCount; r++) {
        const row = ws.getRow(r)
        // The time is a date-time cell on every worksheet, not a bare serial number.
        expect(row.getCell(3).numFmt).toBe('yyyy-mm-dd hh:mm:ss')
        const time = row.getCell(3).value
        expect(time).toBeInstanceOf(Date)
        back.push([
          row.getCell(1).value as number,
          row.getCell(2).value as string,
          Math.round((time as Date).getTime() / 86_400_000 + 25_569),
        ])
      }
    }
    // Every row once, in order.
    expect(back).toEqual(rows)
  })

  it('a sheet exactly as long as a worksheet holds stays one worksheet', async () => {
    const rows = Array.from({ length: 2 }, (_, i): Cell[] => [i + 1, `访客${i + 1}`, 46_000 + i])
    const sheets = await sheetsOf(['签到号', '姓名', '扫码时间'], [rows], { maxSheetRows: 3 })
    expect(sheets.map((ws) => [ws.name, ws.rowCount])).toEqual([['签到记录', 3]])
  })
})
