/**
 * `node --import tsx xlsx-bomb-child.ts <file>`: parses one XLSX roster in a fresh process and
 * prints the result with how far the import raised the process's peak RSS (a high-water mark
 * the parent cannot get from inside the vitest worker).
 */
import { readFileSync } from 'node:fs'
import { parseRosterFile } from '../../shared/roster/roster-import'
import { Workbook } from '../../shared/roster/xlsx'

const file = process.argv[2]
if (file === undefined) {
  console.error('usage: xlsx-bomb-child.ts <file.xlsx>')
  process.exit(2)
}
const data = readFileSync(file)
// Warm up: load exceljs's lazily required modules so their memory is in the baseline.
const wb = new Workbook()
wb.addWorksheet('w').addRow(['name'])
await parseRosterFile('xlsx', Buffer.from(await wb.xlsx.writeBuffer()))
const before = process.resourceUsage().maxRSS
const r = await parseRosterFile('xlsx', data)
const after = process.resourceUsage().maxRSS
console.log(
  JSON.stringify({
    fatal: r.fatal,
    rows: r.rows.length,
    message: r.errors[0]?.message ?? '',
    peakGrowthMb: Math.round((after - before) / 1024),
  }),
)
