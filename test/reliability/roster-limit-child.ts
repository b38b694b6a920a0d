/**
 * `node --import tsx roster-limit-child.ts <file> <csv|xlsx>`: parses one roster file in a fresh
 * process (started with a bounded heap) and prints the result with how far the parse raised
 * the process's peak RSS.
 */
import { readFileSync } from 'node:fs'
import { parseRosterFile } from '../../shared/roster/roster-import'
import { Workbook } from '../../shared/roster/xlsx'

const [file, format] = process.argv.slice(2)
if (file === undefined || (format !== 'csv' && format !== 'xlsx')) {
  console.error('usage: roster-limit-child.ts <file> <csv|xlsx>')
  process.exit(2)
}
const data = readFileSync(file)
// Warm up: load the parsers' lazily required modules so their memory is in the baseline.
const wb = new Workbook()
wb.addWorksheet('w').addRow(['name'])
await parseRosterFile('xlsx', Buffer.from(await wb.xlsx.writeBuffer()))
await parseRosterFile('csv', Buffer.from('name\nx\n'))
const before = process.resourceUsage().maxRSS
const r = await parseRosterFile(format, data)
const after = process.resourceUsage().maxRSS
console.log(
  JSON.stringify({
    fatal: r.fatal,
    rows: r.rows.length,
    code: r.errors[0]?.code ?? null,
    message: r.errors[0]?.message ?? '',
    peakGrowthMb: Math.round((after - before) / 1024),
  }),
)
