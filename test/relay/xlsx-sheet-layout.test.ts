// What an organizer sees on opening a streamed XLSX (the consolidated attendance, a kiosk's own
// export, the winners): the header row stays on screen while scrolling and every column has a
// filter.
import { PassThrough } from 'node:stream'
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import type { Cell } from '../../shared/export/cells'
import { xlsxStreamSink } from '../../shared/export/xlsx-writer'

async function sheetOf(
  header: string[],
  pages: Cell[][][],
  dateTimes?: boolean[],
): Promise<ExcelJS.Worksheet> {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  const sink = await xlsxStreamSink<Cell[]>(
    out,
    header,
    (r, cells) => r.forEach((c, i) => (cells[i] = c)),
    { sheetName: '签到记录', ...(dateTimes !== undefined && { dateTimes }) },
  )
  for (const page of pages) await sink.write(page)
  await sink.end()
  const wb = new ExcelJS.Workbook()
  const bytes = Buffer.concat(chunks)
  await wb.xlsx.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
  const ws = wb.worksheets[0]
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

describe('streamed XLSX layout', () => {
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
})
