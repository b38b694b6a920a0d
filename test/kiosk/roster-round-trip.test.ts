// Roster files that are well-formed but odd (property test, fixed seed): names and companies
// with commas, quotes, line breaks, formula-like starts, emoji and CJK; written as CSV in UTF-8,
// UTF-8 with BOM or UTF-16 LE with BOM, or as XLSX; each reads back row for row, exactly, with
// no errors — a formula-like cell stays inert text, nothing is lost or changed.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseRosterFile } from '../../shared/roster/roster-import'
import { Workbook } from '../../shared/roster/xlsx'

interface Row {
  name: string
  company: string
  phone: string
  code: string
}

const piece = fc.constantFrom(
  '张',
  '三',
  '李',
  'Ada',
  'Émile',
  "O'Brien",
  ',',
  '"',
  ';',
  '\t',
  '\n',
  '=1+1',
  '+86',
  '-',
  '@SUM(A1)',
  '🙂',
  '𠀋',
  '華為',
  ' ',
  '#',
  '0',
)
/** No leading or trailing white space (trimmed on import) and not blank. */
const text = (max: number) =>
  fc
    .array(piece, { minLength: 1, maxLength: max })
    .map((p) => p.join('').trim())
    .filter((t) => t !== '' && !/[\t\n]/.test(t))

const rows: fc.Arbitrary<Row[]> = fc
  .array(
    fc.record({
      name: text(6),
      company: fc.oneof(fc.constant(''), text(6)),
      phone: fc.stringMatching(/^1[3-9]\d{9}$/),
    }),
    { minLength: 1, maxLength: 30 },
  )
  .map((rs) => rs.map((r, i) => ({ ...r, code: `C${String(i).padStart(3, '0')}` })))

const quote = (v: string) => `"${v.replaceAll('"', '""')}"`

function csv(rs: Row[], encoding: 'utf8' | 'utf8-bom' | 'utf16le'): Buffer {
  const lines = [
    ['姓名', '公司', '手机号', '编号'],
    ...rs.map((r) => [r.name, r.company, r.phone, r.code]),
  ]
  const text = `${lines.map((l) => l.map(quote).join(',')).join('\r\n')}\r\n`
  if (encoding === 'utf8') return Buffer.from(text, 'utf8')
  if (encoding === 'utf8-bom') return Buffer.from(`\uFEFF${text}`, 'utf8')
  return Buffer.from(`\uFEFF${text}`, 'utf16le')
}

async function xlsx(rs: Row[]): Promise<Buffer> {
  const wb = new Workbook()
  const ws = wb.addWorksheet('名单')
  ws.addRow(['name', 'company', 'phone', 'code'])
  for (const r of rs) ws.addRow([r.name, r.company, r.phone, r.code])
  return Buffer.from(await wb.xlsx.writeBuffer())
}

async function readsBack(rs: Row[], how: 'utf8' | 'utf8-bom' | 'utf16le' | 'xlsx') {
  const file = how === 'xlsx' ? await xlsx(rs) : csv(rs, how)
  const r = await parseRosterFile(how === 'xlsx' ? 'xlsx' : 'csv', file)
  expect(r.errors).toEqual([])
  expect(r.fatal).toBeFalsy()
  const read = r.rows.map((x) => ({
    name: x.name,
    company: x.company,
    phone: x.phone,
    code: x.code,
  }))
  expect(read).toEqual(rs)
}

describe('odd but well-formed roster files', () => {
  it('CSV in UTF-8, UTF-8 with BOM and UTF-16 LE reads back exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        rows,
        fc.constantFrom('utf8' as const, 'utf8-bom' as const, 'utf16le' as const),
        readsBack,
      ),
      { seed: 194, numRuns: 150 },
    )
  })

  // Few runs: each XLSX is read in a worker thread (seconds on a loaded machine).
  it('XLSX reads back exactly', async () => {
    await fc.assert(
      fc.asyncProperty(rows, (rs) => readsBack(rs, 'xlsx')),
      { seed: 194, numRuns: 4, endOnFailure: true },
    )
  }, 60_000)
})
