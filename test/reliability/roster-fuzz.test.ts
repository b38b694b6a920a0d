// Roster files that are broken, hostile or huge: the import reports, never throws or hangs,
// and formula payloads stay inert text.
import { describe, expect, it } from 'vitest'
import { parseRosterFile } from '../../shared/roster/roster-import'
import { Workbook } from '../../shared/roster/xlsx'
import { escapeFormula } from '../../electron/core/export/export'
import { prng } from './push-fuzz-gen'

const GOOD_CSV = [
  '姓名,公司,手机号,编号',
  '张三,华为,13800138000,C001',
  'Ada,Engines,+44 20 7946 0000,C002',
].join('\n')

async function goodXlsx(): Promise<Buffer> {
  const wb = new Workbook()
  const ws = wb.addWorksheet('r')
  ws.addRow(['name', 'company', 'phone', 'code'])
  ws.addRow(['张三', '华为', '13800138000', 'C001'])
  ws.addRow(['=HYPERLINK("http://evil.example","x")', '+cmd|calc', '13800138001', '@SUM(A1)'])
  ws.addRow([{ formula: 'CONCAT("a","b")', result: 'ab' }, 'co', '123456', 'C003'])
  return Buffer.from(await wb.xlsx.writeBuffer())
}

function mutate(rnd: () => number, input: Buffer): Buffer {
  const b = Buffer.from(input)
  const flips = 1 + Math.floor(rnd() * 8)
  for (let i = 0; i < flips; i++) {
    const at = Math.floor(rnd() * b.length)
    b[at] = Math.floor(rnd() * 256)
  }
  return rnd() < 0.3 ? b.subarray(0, Math.floor(rnd() * b.length)) : b
}

describe('roster import under bad input', () => {
  it('300 mutated CSV and 60 mutated XLSX files: a report every time, never a throw', async () => {
    const rnd = prng(3)
    const csv = Buffer.from(GOOD_CSV)
    for (let i = 0; i < 300; i++) {
      const r = await parseRosterFile('csv', mutate(rnd, csv))
      // A well-formed report: a fatal file imports nothing; bad rows come with errors.
      if (r.fatal) expect(r.rows).toEqual([])
      if (r.badRows > 0) expect(r.errors.length).toBeGreaterThan(0)
      for (const row of r.rows) expect(row.name.trim()).not.toBe('')
    }
    const xlsx = await goodXlsx()
    let fatal = 0
    for (let i = 0; i < 60; i++) {
      const r = await parseRosterFile('xlsx', mutate(rnd, xlsx))
      if (r.fatal) fatal++
    }
    expect(fatal).toBeGreaterThan(0) // the mutations did break files
    // Random bytes claiming to be either format.
    for (let i = 0; i < 20; i++) {
      const junk = Buffer.from(
        Array.from({ length: 1 + Math.floor(rnd() * 4000) }, () => Math.floor(rnd() * 256)),
      )
      expect((await parseRosterFile('xlsx', junk)).fatal).toBe(true)
      await expect(parseRosterFile('csv', junk)).resolves.toBeDefined()
    }
    // Each XLSX is read by a worker thread of its own, which loads exceljs (from the sources,
    // through tsx): about 0.55 s a file on a quiet 2-core machine (33 s for the 60), but
    // 124 s in a CI run sharing the machine, past the 120 s this had. The limit only catches
    // a hang.
  }, 300_000)

  it('unbalanced quotes, a single 5 MB cell and more than 100,000 rows are refused as a whole', async () => {
    expect((await parseRosterFile('csv', Buffer.from('name,phone\n"unterminated,1\n'))).fatal).toBe(
      true,
    )
    // A line past 1 MiB is not split at all (a header of commas would be millions of cells).
    const bigCell = await parseRosterFile('csv', Buffer.from(`name\n${'x'.repeat(5_000_000)}\n`))
    expect(bigCell.rows).toEqual([])
    expect(bigCell).toMatchObject({ fatal: true, errors: [{ code: 'unreadable' }] })
    const many = Buffer.from(
      ['name', ...Array.from({ length: 100_001 }, (_, i) => `n${i}`)].join('\n'),
    )
    const r = await parseRosterFile('csv', many)
    expect(r.fatal).toBe(true)
    expect(r.rows).toEqual([])
  })

  it('formula payloads are read as text, and escaped on the way out', async () => {
    const r = await parseRosterFile('xlsx', await goodXlsx())
    expect(r.errors).toEqual([])
    const hostile = r.rows.find((row) => row.name.startsWith('=HYPERLINK'))
    expect(hostile?.name).toBe('=HYPERLINK("http://evil.example","x")')
    // A real formula cell contributes its cached value, never the formula to run.
    expect(r.rows.map((row) => row.name)).toContain('ab')
    for (const payload of ['=1+1', '+cmd|calc', '-1+1', '@SUM(A1)', '\t=1', '\r=1']) {
      const out = escapeFormula(payload)
      expect(typeof out === 'string' && /^[=+\-@\t\r]/.test(out)).toBe(false)
    }
  })
})
