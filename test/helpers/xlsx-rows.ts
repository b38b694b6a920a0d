/**
 * An XLSX download as a person reads it: the first worksheet's rows, every column up to the
 * sheet's widest, cells as exceljs gives them (null when empty), dates as `date:<ISO>` text so
 * two sheets compare cell for cell.
 */
import ExcelJS from 'exceljs'

export async function xlsxRows(raw: Buffer): Promise<unknown[][]> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(new Uint8Array(raw).buffer)
  const ws = wb.worksheets[0]
  if (!ws) throw new Error('no worksheet')
  const rows: unknown[][] = []
  ws.eachRow((row) => {
    const cells: unknown[] = []
    for (let i = 1; i <= ws.columnCount; i++) {
      const v = row.getCell(i).value
      cells.push(v instanceof Date ? `date:${v.toISOString()}` : v)
    }
    rows.push(cells)
  })
  return rows
}
