// Roster files with mistakes: a row-level report, and nothing imported unless asked to skip.
import { afterEach, describe, expect, it } from 'vitest'
import type { RosterImportResult } from '../../shared/ipc'
import { rosterImportResultSchema } from '../../shared/ipc'
import { Workbook } from '../../shared/roster/xlsx'
import { parseRosterFile, type ParsedRoster } from '../../shared/roster/roster-import'
import { MemoryVault } from '../../electron/core/config/vault'
import { openCampaignStore } from '../../electron/core/campaigns/campaign-store'
import { defaultSettings, saveSettings } from '../../electron/core/config/settings'
import { cleanup, startCore, tempDir, testCampaign, TEST_PIN } from './helpers'
import { lineLogger } from '../../shared/server/log'
import { UNREADABLE_ENCRYPTED, UNREADABLE_XLS } from '../../shared/errors'
import { encryptedXlsx, oldXls } from '../helpers/office-files'
import { rosterProblemMessages } from '../../shared/ui/roster-messages'

afterEach(cleanup)

async function adminCore() {
  const dir = tempDir()
  openCampaignStore(dir).save(testCampaign())
  saveSettings(dir, { ...defaultSettings(), activeCampaignId: 'expo' })
  const log: string[] = []
  const core = startCore(dir, new MemoryVault(), {
    tickMs: 0,
    log: lineLogger((line) => log.push(line)),
  })
  await core.call('unlockAdmin', { pin: TEST_PIN })
  const importFile = async (format: 'csv' | 'xlsx', data: Buffer, skipBadRows: boolean) => {
    const result = await core.call('importRoster', {
      fileName: `r.${format}`,
      format,
      dataBase64: data.toString('base64'),
      skipBadRows,
    })
    return rosterImportResultSchema.parse(result)
  }
  const names = async () =>
    ((await core.call('searchRoster', { query: '', limit: 200 })) as Array<{ name: string }>)
      .map((r) => r.name)
      .sort()
  return { core, importFile, names, log }
}

const withErrors = [
  '姓名,公司,手机号,编号',
  '张三,华为,13800138000,C001',
  ',无名公司,13800138001,C002', // row 3: no name
  '李四,腾讯,call me maybe,C003', // row 4: bad phone
  '王五,阿里,13800138003,C001', // row 5: duplicate code of row 2
  'Ada Lovelace,Engines,+44 20 7946 0000,C004',
].join('\n')

describe('roster import', () => {
  it('reports bad CSV rows with row and column, and imports nothing', async () => {
    const { importFile, names } = await adminCore()
    const r: RosterImportResult = await importFile('csv', Buffer.from(withErrors), false)
    expect(r.imported).toBe(0)
    expect(r.errors.map((e) => [e.row, e.column])).toEqual([
      [3, 'name'],
      [4, 'phone'],
      [5, 'code'],
    ])
    // Codes and params, never sentences: the admin area words them in its language.
    expect(r.errors).toEqual([
      { row: 3, column: 'name', code: 'name_empty', params: {} },
      { row: 4, column: 'phone', code: 'phone_invalid', params: {} },
      { row: 5, column: 'code', code: 'duplicate_row', params: { duplicateOf: 2 } },
    ])
    expect(await names()).toEqual([])
  })

  it('imports the good rows when asked to skip the bad ones', async () => {
    const { importFile, names } = await adminCore()
    const r = await importFile('csv', Buffer.from(`\uFEFF${withErrors}`), true)
    expect(r).toMatchObject({ imported: 2, skipped: 3 })
    expect(await names()).toEqual(['Ada Lovelace', '张三'])
    // Importing again updates instead of doubling.
    await importFile('csv', Buffer.from(withErrors), true)
    expect(await names()).toEqual(['Ada Lovelace', '张三'])
  })

  it('reads GB18030 CSV as saved by Excel in China, with English headers too', async () => {
    const { importFile, core } = await adminCore()
    const text = 'Name,Company,Phone\n赵六,字节跳动,13900000000\n'
    const gb = Buffer.from(new Uint8Array([...encodeGb(text)]))
    const r = await importFile('csv', gb, false)
    expect(r).toMatchObject({ imported: 1, errors: [] })
    const [row] = (await core.call('searchRoster', { query: '赵' })) as Array<
      Record<string, unknown>
    >
    expect(row).toMatchObject({ name: '赵六', company: '字节跳动', phone: '13900000000' })
  })

  it('refuses a file without a name column even when skipping bad rows', async () => {
    const { importFile } = await adminCore()
    const r = await importFile('csv', Buffer.from('company,phone\nAcme,123456\n'), true)
    expect(r.imported).toBe(0)
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toMatchObject({ row: 1, column: null })
  })

  it('reports bad XLSX rows the same way', async () => {
    const { importFile, names } = await adminCore()
    const wb = new Workbook()
    const ws = wb.addWorksheet('名单')
    ws.addRow(['Name', 'Company', 'Mobile', 'Code'])
    ws.addRow(['Grace Hopper', 'Navy', 13700000000, 'G1'])
    ws.addRow(['', 'Nobody Inc', '', 'G2'])
    ws.addRow(['x'.repeat(101), 'Long', '', 'G3'])
    ws.addRow(['Linus', 'Kernel', '', 'G4'])
    const data = Buffer.from(await wb.xlsx.writeBuffer())
    const strict = await importFile('xlsx', data, false)
    expect(strict.imported).toBe(0)
    expect(strict.errors.map((e) => [e.row, e.column])).toEqual([
      [3, 'name'],
      [4, 'name'],
    ])
    const lenient = await importFile('xlsx', data, true)
    expect(lenient).toMatchObject({ imported: 2, skipped: 2 })
    expect(await names()).toEqual(['Grace Hopper', 'Linus'])
  })

  it('reads a code Excel turned into a date as the date, not as JavaScript prints one', async () => {
    // Typed "2026-3-15" (or "3-15") into a General cell, Excel keeps a date; so does the
    // roster an organizer exports from a registration system with a date-like code.
    const wb = new Workbook()
    const ws = wb.addWorksheet('名单')
    ws.addRow(['姓名', '编号'])
    ws.addRow(['王小明', new Date(Date.UTC(2026, 2, 15))])
    ws.addRow(['李四', new Date(Date.UTC(2026, 2, 15, 9, 30, 5))])
    const parsed = await parseRosterFile('xlsx', Buffer.from(await wb.xlsx.writeBuffer()))
    expect(parsed.errors).toEqual([])
    expect(parsed.rows.map((r) => r.code)).toEqual(['2026-03-15', '2026-03-15 09:30:05'])
  })

  it('reads the first visible worksheet with a name column, behind a notes sheet', async () => {
    // Only the first worksheet was read: a workbook opening on a 说明 (notes) tab, or keeping
    // last year's list on a hidden one, was refused with "no name column in the first row".
    const wb = new Workbook()
    wb.addWorksheet('说明').addRow(['请在“名单”页填写来宾'])
    const old = wb.addWorksheet('去年名单', { state: 'hidden' })
    old.addRow(['姓名'])
    old.addRow(['去年的来宾'])
    const ws = wb.addWorksheet('名单')
    ws.addRow(['姓名', '单位'])
    ws.addRow(['王小明', '华为'])
    const parsed = await parseRosterFile('xlsx', Buffer.from(await wb.xlsx.writeBuffer()))
    expect(parsed.errors).toEqual([])
    expect(parsed.rows.map((r) => [r.name, r.company])).toEqual([['王小明', '华为']])
    // No sheet with a name column: the first sheet's problem, as before.
    const none = new Workbook()
    none.addWorksheet('说明').addRow(['说明'])
    none.addWorksheet('其他').addRow(['备注'])
    const refused = await parseRosterFile('xlsx', Buffer.from(await none.xlsx.writeBuffer()))
    expect(refused.errors.map((e) => e.code)).toEqual(['no_name_column'])
  })

  it('keeps the leading zeros a zero-padding number format shows (codes 00123, 010 phones)', async () => {
    // Excel keeps 00123 typed into a "00000" cell as the number 123 and shows the zeros; the
    // import read 123, so the desk's search for the ticket's 00123 found nobody.
    const wb = new Workbook()
    const ws = wb.addWorksheet('名单')
    ws.addRow(['姓名', '编号', '电话'])
    ws.addRow(['王小明', 123, 1012345678])
    ws.addRow(['李四', 45, 13800138000])
    ws.addRow(['赵六', 1234567, 2.5])
    ws.getCell('B2').numFmt = '00000'
    ws.getCell('C2').numFmt = '00000000000'
    ws.getCell('B3').numFmt = '0'
    ws.getCell('B4').numFmt = '00000'
    ws.getCell('C4').numFmt = '000'
    const parsed = await parseRosterFile('xlsx', Buffer.from(await wb.xlsx.writeBuffer()))
    expect(parsed.rows.map((r) => [r.code, r.phone])).toEqual([
      ['00123', '01012345678'],
      ['45', '13800138000'],
    ])
    // A fraction under a padding format is not a whole number: as it is (and no phone).
    expect(problems(parsed)).toEqual([
      { row: 4, column: 'phone', code: 'phone_invalid', params: {} },
    ])
  })

  it('reads a formula cell as the value Excel shows: its error, its date', async () => {
    // Rosters built with VLOOKUP show #N/A where the lookup failed; a code column of =DATE()
    // shows a date. exceljs's text gave "[object Object]" and JavaScript's Date printout.
    const wb = new Workbook()
    const ws = wb.addWorksheet('名单')
    ws.addRow(['姓名', '编号', '电话'])
    ws.addRow([
      { formula: 'VLOOKUP(A9,报名!A:B,2,FALSE)', result: { error: '#N/A' } },
      { formula: 'DATE(2026,3,15)', result: new Date(Date.UTC(2026, 2, 15)) },
      { formula: 'TEXT(13800138000,"0")', result: '13800138000' },
    ])
    ws.addRow(['王五', { formula: 'DATE(2026,4,1)', result: new Date(Date.UTC(2026, 3, 1)) }])
    ws.addRow(['李四', { formula: '1+1', result: 2 }, { formula: 'B9' }])
    ws.getCell('B2').numFmt = 'yyyy-mm-dd'
    const parsed = await parseRosterFile('xlsx', Buffer.from(await wb.xlsx.writeBuffer()))
    // A name that is a formula's error is no name: the row is refused (and can be left out).
    expect(problems(parsed)).toEqual([{ row: 2, column: 'name', code: 'name_empty', params: {} }])
    expect(parsed.rows.map((r) => [r.name, r.code, r.phone])).toEqual([
      ['王五', '2026-04-01', ''],
      ['李四', '2', ''],
    ])
  })

  it('refuses a name that is a formula error, as Excel saves it in CSV too (#N/A, #REF!)', async () => {
    // A VLOOKUP that found nothing shows #N/A; saved as CSV the cell holds the text "#N/A".
    // Imported as a name, "#N/A" greeted a guest on the kiosk's screen.
    const errors = ['#N/A', '#REF!', '#VALUE!', '#DIV/0!', '#NAME?', ' #N/A ', '#NUM!', '#NULL!']
    const r = await csv('姓名,编号', ...errors.map((e, i) => `${e},C${i}`), '#1 Fan,C9')
    expect(problems(r)).toEqual(
      errors.map((_, i) => ({ row: i + 2, column: 'name', code: 'name_empty', params: {} })),
    )
    expect(r.errors[0]?.message).toBe('name is a formula error (#N/A)')
    // A name that only starts with "#" is a name.
    expect(r.rows.map((e) => e.name)).toEqual(['#1 Fan'])
  })

  it('reads a sheet with merged cells, empty ones too (a merged blank 备注 column)', async () => {
    // A merged range whose first cell is empty: exceljs's text for the other cells of the
    // range threw, and the whole workbook was refused as unreadable.
    const wb = new Workbook()
    const ws = wb.addWorksheet('名单')
    ws.addRow(['姓名', '单位', '备注'])
    ws.addRow(['王小明', '华为', null])
    ws.addRow(['李四', null, null])
    ws.addRow(['赵六', '腾讯', '贵宾'])
    ws.mergeCells('C2:C3')
    ws.mergeCells('B4:C4')
    const parsed = await parseRosterFile('xlsx', Buffer.from(await wb.xlsx.writeBuffer()))
    expect(parsed.errors).toEqual([])
    expect(parsed.rows.map((r) => [r.name, r.company])).toEqual([
      ['王小明', '华为'],
      ['李四', ''],
      ['赵六', '腾讯'],
    ])
  })

  it('sends a parser failure as a code; its English detail only to the log', async () => {
    const { core, log } = await adminCore()
    const result = await core.call('importRoster', {
      fileName: 'r.csv',
      format: 'csv',
      dataBase64: Buffer.from('name,company\nAda,"never closed\n').toString('base64'),
      skipBadRows: true,
    })
    expect(result).toEqual({
      imported: 0,
      skipped: 0,
      errors: [{ row: 1, column: null, code: 'unreadable', params: { format: 'CSV' } }],
    })
    expect(JSON.stringify(result)).not.toMatch(/Quote/)
    expect(log.join('\n')).toMatch(/roster import refused \(csv\): .*Quote Not Closed/)
  })

  it('reads a file as what it holds, not as its name says: CSV renamed .xlsx, XLSX renamed .csv', async () => {
    // The kiosk sends the format its file name says; a roster saved as CSV and renamed .xlsx
    // (or the reverse) was refused as unreadable.
    const { importFile, names } = await adminCore()
    const asXlsx = await importFile('xlsx', Buffer.from('姓名,电话\n王小明,13800138000'), false)
    expect(asXlsx).toEqual({ imported: 1, skipped: 0, errors: [] })
    const wb = new Workbook()
    wb.addWorksheet('名单').addRows([
      ['姓名', '电话'],
      ['李四', '13900139000'],
    ])
    const asCsv = await importFile('csv', Buffer.from(await wb.xlsx.writeBuffer()), false)
    expect(asCsv).toEqual({ imported: 1, skipped: 0, errors: [] })
    expect(await names()).toEqual(['李四', '王小明'])
  })

  it('names a password-protected workbook and an old .xls, whatever their file name', async () => {
    // Both are OLE2 containers, not ZIPs: refused as "cannot be read as XLSX" with nothing
    // to do about it. The code stays `unreadable`; its format says what the file is.
    const { importFile, names } = await adminCore()
    for (const format of ['xlsx', 'csv'] as const) {
      expect((await importFile(format, encryptedXlsx(), true)).errors).toEqual([
        { row: 1, column: null, code: 'unreadable', params: { format: UNREADABLE_ENCRYPTED } },
      ])
      expect((await importFile(format, oldXls(), true)).errors).toEqual([
        { row: 1, column: null, code: 'unreadable', params: { format: UNREADABLE_XLS } },
      ])
    }
    expect(await names()).toEqual([])
  })

  it('reports a file that is neither XLSX nor text as unreadable XLSX', async () => {
    const { importFile } = await adminCore()
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d])
    const r = await importFile('xlsx', png, true)
    expect(r.imported).toBe(0)
    expect(r.errors).toEqual([
      { row: 1, column: null, code: 'unreadable', params: { format: 'XLSX' } },
    ])
  })
})

/** GB18030 byte pairs of the characters the tests use (Node has decoders only). */
const GBK_PAIRS: Record<string, [number, number]> = {
  年: [0xc4, 0xea],
  会: [0xbb, 0xe1],
  签: [0xc7, 0xa9],
  到: [0xb5, 0xbd],
  姓: [0xd0, 0xd5],
  名: [0xc3, 0xfb],
  单: [0xb5, 0xa5],
  位: [0xce, 0xbb],
  手: [0xca, 0xd6],
  机: [0xbb, 0xfa],
  李: [0xc0, 0xee],
  四: [0xcb, 0xc4],
  华: [0xbb, 0xaa],
  为: [0xce, 0xaa],
}
function gbkBytes(text: string): Buffer {
  const out: number[] = []
  for (const ch of text) out.push(...(GBK_PAIRS[ch] ?? [ch.charCodeAt(0)]))
  return Buffer.from(out)
}

const csv = (...lines: string[]): Promise<ParsedRoster> =>
  parseRosterFile('csv', Buffer.from(lines.join('\r\n')))
const problems = (r: ParsedRoster) =>
  r.errors.map(({ row, column, code, params }) => ({ row, column, code, params }))

describe('row problems as codes, at the row the spreadsheet shows', () => {
  it('an empty name', async () => {
    const r = await csv('name,company', 'Ada,Engines', ',Nobody Inc')
    expect(problems(r)).toEqual([{ row: 3, column: 'name', code: 'name_empty', params: {} }])
    expect(r.errors[0]?.message).toBe('name is empty') // English, for the log only
  })

  it('a name of only blank-looking characters, as a WeChat nickname that looks empty', async () => {
    // Hangul fillers (ㅤ, the "blank" WeChat nickname), a braille blank, ideographic and
    // no-break spaces, a soft hyphen, a variation selector, a zero-width joiner between spaces:
    // each greeted a guest as "欢迎 ！" and listed a row with no name at the desk.
    const blanks = ['\u3164', '\u3164\u3164', '\u115f\u1160', '\uffa0', '\u2800', '\u3000\u00a0']
    const more = ['\u00ad', '\ufe0f', ' \u200d ', '\u034f']
    const all = [...blanks, ...more]
    const r = await csv('name,code', ...all.map((n, i) => `${n},C${i}`), 'ㅤ김민준,K1', '🎉,K2')
    expect(problems(r)).toEqual(
      all.map((_, i) => ({ row: i + 2, column: 'name', code: 'name_empty', params: {} })),
    )
    expect(r.errors[0]?.message).toBe('name has no visible character')
    // A name with something to see stays, blank marks and all; an emoji alone is a name.
    expect(r.rows.map((e) => e.name)).toEqual(['ㅤ김민준', '🎉'])
  })

  it('a cell longer than its column allows, with the limit', async () => {
    const r = await csv(
      'name,company,phone,code',
      `${'n'.repeat(101)},x,,`,
      `Ada,${'c'.repeat(201)},,`,
      `Bob,,,${'k'.repeat(65)}`,
      `${'n'.repeat(100)},${'c'.repeat(200)},,${'k'.repeat(64)}`,
    )
    expect(problems(r)).toEqual([
      { row: 2, column: 'name', code: 'too_long', params: { limit: 100 } },
      { row: 3, column: 'company', code: 'too_long', params: { limit: 200 } },
      { row: 4, column: 'code', code: 'too_long', params: { limit: 64 } },
    ])
    expect(r.rows).toHaveLength(1)
  })

  it('a name, company or code with a control or bidi control character: the row, its column', async () => {
    // A quoted CSV cell can hold a line break, a tab or an escape; a copied name a U+202E (a NUL
    // makes the file read as UTF-16, a file problem of its own).
    const r = await csv(
      'name,company,phone,code',
      '"Ada\u001b",x,,',
      'Bob,"A\tB 公司",,',
      'Cy,,,"K\t1"',
      '"张\u202e三",,,',
      '"Di\u0085",,,',
      '"Ed\u2066",,,',
      '🎉 王五,Acme 公司,13800138000,R1',
    )
    expect(problems(r)).toEqual([
      { row: 2, column: 'name', code: 'control_chars', params: {} },
      { row: 3, column: 'company', code: 'control_chars', params: {} },
      { row: 4, column: 'code', code: 'control_chars', params: {} },
      { row: 5, column: 'name', code: 'control_chars', params: {} },
      { row: 6, column: 'name', code: 'control_chars', params: {} },
      { row: 7, column: 'name', code: 'control_chars', params: {} },
    ])
    expect(r.rows.map((x) => x.name)).toEqual(['🎉 王五'])
    // A company over two lines is kept, as a spreadsheet cell has it.
    const lines = await csv('name,company', 'Ada,"A 公司\n市场部"', '"Bob\nSmith",x')
    expect(problems(lines)).toEqual([{ row: 3, column: 'name', code: 'control_chars', params: {} }])
    expect(lines.rows.map((x) => x.company)).toEqual(['A 公司\n市场部'])
  })

  it('a phone with characters a phone number cannot have', async () => {
    const r = await csv('name,phone', 'Ada,call me', 'Bob,13800138000')
    expect(problems(r)).toEqual([{ row: 2, column: 'phone', code: 'phone_invalid', params: {} }])
  })

  it('a phone Excel wrote in scientific notation (1.38E+10): its digits are lost, and it says so', async () => {
    // A phone column Excel took for numbers, too narrow to show 11 digits, is saved in CSV as
    // "1.38E+10": the digits are gone. The generic words (only digits, spaces…) left the
    // organizer looking for a stray character.
    const r = await csv('name,phone', 'Ada,1.38E+10', 'Bob,1.38001E+10', 'Cy,13800138000')
    expect(problems(r)).toEqual([
      { row: 2, column: 'phone', code: 'phone_invalid', params: {} },
      { row: 3, column: 'phone', code: 'phone_invalid', params: {} },
    ])
    expect(r.errors[0]?.message).toBe('phone is in scientific notation (1.38E+10): digits lost')
    expect(rosterProblemMessages['zh-CN'].phone_invalid).toContain(
      '科学计数法（如 1.38E+10），请把该列设为文本后重新导出',
    )
    expect(rosterProblemMessages.en.phone_invalid).toContain(
      'scientific notation (such as 1.38E+10): in Excel, format the column as Text and export again',
    )
  })

  it('a phone too short to be one: its length, not its characters, is the problem', async () => {
    // "1" and "-" have only characters a phone number may have; they are too short.
    const r = await csv('name,phone', 'Ada,1', 'Bob,-', 'Cy,1 2', 'Di,123', 'Ed,(0)')
    expect(problems(r)).toEqual([
      { row: 2, column: 'phone', code: 'phone_too_short', params: { min: 3 } },
      { row: 3, column: 'phone', code: 'phone_too_short', params: { min: 3 } },
    ])
    expect(r.rows.map((x) => x.phone)).toEqual(['1 2', '123', '(0)'])
  })

  it('a "+" past the start is a bad character; a long phone only too long', async () => {
    const r = await csv('name,phone', `Ada,138+0013`, `Bob,${'1'.repeat(41)}`, 'Cy,+1 415')
    expect(problems(r)).toEqual([
      { row: 2, column: 'phone', code: 'phone_invalid', params: {} },
      { row: 3, column: 'phone', code: 'too_long', params: { limit: 40 } },
    ])
    expect(r.rows.map((x) => x.phone)).toEqual(['+1 415'])
  })

  it('a duplicate, naming the earlier row: by code, else by name and phone', async () => {
    const r = await csv(
      'name,phone,code',
      'Ada,1380000,A1',
      'Bob,1390000,',
      'Ada Again,1380000,A1',
      'Bob,1390000,',
    )
    expect(problems(r)).toEqual([
      { row: 4, column: 'code', code: 'duplicate_row', params: { duplicateOf: 2 } },
      { row: 5, column: 'name', code: 'duplicate_row', params: { duplicateOf: 3 } },
    ])
  })

  it('counts blank rows and a quoted cell over two lines as the spreadsheet does', async () => {
    // Row 2 is blank, row 3 holds a two-line company, row 4 has no name.
    const r = await csv('name,company', '', 'Ada,"Line one', 'line two"', ',x')
    expect(problems(r)).toEqual([{ row: 4, column: 'name', code: 'name_empty', params: {} }])
    expect(r.rows).toEqual([{ name: 'Ada', company: 'Line one\r\nline two', phone: '', code: '' }])
  })

  it('takes the first row that is not blank as the header, and keeps the spreadsheet rows', async () => {
    // A sheet whose table starts at row 2 or 3 (row 1 left blank) was refused as "the file is
    // empty"; a file of blank rows only still is.
    const r = await csv('', ',,', '姓名,电话', ',13800138000', '张三,13800138001')
    expect(problems(r)).toEqual([{ row: 4, column: 'name', code: 'name_empty', params: {} }])
    expect(r.rows.map((e) => e.name)).toEqual(['张三'])
    // The separator, too, is the header line's.
    const semi = await csv('', '姓名;单位', '李四;示例科技, 北京')
    expect(semi.rows.map((e) => [e.name, e.company])).toEqual([['李四', '示例科技, 北京']])
    const wb = new Workbook()
    const ws = wb.addWorksheet('名单')
    ws.getCell('A3').value = '姓名'
    ws.getCell('A4').value = '王小明'
    const x = await parseRosterFile('xlsx', Buffer.from(await wb.xlsx.writeBuffer()))
    expect(x.errors).toEqual([])
    expect(x.rows.map((e) => e.name)).toEqual(['王小明'])
    expect(problems(await csv('', ' , ', ''))).toEqual([
      { row: 1, column: null, code: 'file_empty', params: {} },
    ])
  })

  it('finds the header below a title and a date line (a sheet made for printing), keeping the spreadsheet rows', async () => {
    // Refused as "no name column in the first row" though the headings were on row 3: the
    // organizer's export from Excel, a merged title across the table, as CSV (Excel pads each
    // line to the table's width) and as a workbook.
    const r = await csv(
      '春季展报名表,,',
      '导出时间：2026-12-01,,',
      '姓名,单位,手机',
      ',示例科技,',
      '张三,华为,13800138001',
      '张三,华为,13800138001',
    )
    expect(problems(r)).toEqual([
      { row: 4, column: 'name', code: 'name_empty', params: {} },
      { row: 6, column: 'name', code: 'duplicate_row', params: { duplicateOf: 5 } },
    ])
    expect(r.rows.map((e) => [e.name, e.company, e.phone])).toEqual([
      ['张三', '华为', '13800138001'],
    ])
    const wb = new Workbook()
    wb.addWorksheet('说明').addRow(['请在“名单”页填写来宾'])
    const ws = wb.addWorksheet('名单')
    ws.getCell('A1').value = '春季展报名表'
    ws.mergeCells('A1:C1')
    ws.getCell('A3').value = '姓名'
    ws.getCell('B3').value = '单位'
    ws.getCell('A4').value = '王小明'
    ws.getCell('B4').value = '华为'
    const x = await parseRosterFile('xlsx', Buffer.from(await wb.xlsx.writeBuffer()))
    expect(x.errors).toEqual([])
    expect(x.rows.map((e) => [e.name, e.company])).toEqual([['王小明', '华为']])
    // Not past five rows that are not blank: a table whose headings no row names is refused.
    const deep = await csv('a,b', 'c,d', 'e,f', 'g,h', 'i,j', '姓名,单位', '张三,华为')
    expect(problems(deep)).toEqual([{ row: 1, column: null, code: 'no_name_column', params: {} }])
    const none = await csv('客户名称,手机', '张三,13800138001')
    expect(problems(none)).toEqual([{ row: 1, column: null, code: 'no_name_column', params: {} }])
  })

  it('a file the parser cannot read: a code, with the parser detail kept for the log', async () => {
    const r = await csv('name,company', 'Ada,"never closed')
    expect(problems(r)).toEqual([
      { row: 1, column: null, code: 'unreadable', params: { format: 'CSV' } },
    ])
    expect(r.errors[0]?.message).toMatch(/Quote Not Closed/)
    expect(r.fatal).toBe(true)
  })
})

describe('forgiving imports', () => {
  it('keeps a stray quote inside an unquoted field as text (Notepad, Excel)', async () => {
    const r = await csv('姓名,单位', '王"小"明,示例科技', 'Ada,"Engines" Ltd', 'Bob,5" screens')
    expect(r.errors).toEqual([])
    expect(r.rows.map((e) => [e.name, e.company])).toEqual([
      ['王"小"明', '示例科技'],
      ['Ada', '"Engines" Ltd'],
      ['Bob', '5" screens'],
    ])
  })

  it('reads semicolon- and tab-separated files, detected from the header line', async () => {
    const semi = await csv('姓名;单位;电话', '"Smith, John";ACME, Inc.;13800138000')
    expect(semi.rows).toEqual([
      { name: 'Smith, John', company: 'ACME, Inc.', phone: '13800138000', code: '' },
    ])
    const tab = await csv('name\tcompany\tphone', 'Ada\tEngines, Ltd\t+44 20')
    expect(tab.rows).toEqual([{ name: 'Ada', company: 'Engines, Ltd', phone: '+44 20', code: '' }])
    // Separators inside a quoted header cell do not count.
    const comma = await csv('"Dept; team; unit",name', 'R&D,Ada')
    expect(comma.rows.map((e) => e.name)).toEqual(['Ada'])
  })

  it('finds the separator on the header row, below a title typed without one', async () => {
    // "2026 年会签到名单" typed above the headings decided the separator (a comma, and none on
    // the line: one column), so a semicolon or tab file was one column "姓名;单位;电话" and
    // refused as having no name column; a comma file read "Smith, John" whole as one name.
    const title = '2026 年会签到名单'
    const semi = await csv(title, '姓名;单位;电话', '"Smith, John";ACME, Inc.;13800138000')
    expect(problems(semi)).toEqual([])
    expect(semi.rows).toEqual([
      { name: 'Smith, John', company: 'ACME, Inc.', phone: '13800138000', code: '' },
    ])
    const tab = await csv(title, '', 'name\tcompany', 'Ada\tEngines, Ltd')
    expect(tab.rows).toEqual([{ name: 'Ada', company: 'Engines, Ltd', phone: '', code: '' }])
    const comma = await csv(title, '姓名,单位', '张三,华为')
    expect(comma.rows.map((e) => [e.name, e.company])).toEqual([['张三', '华为']])
    // A title with commas above a semicolon table (Excel in a European locale): the header's.
    const padded = await csv('Anmeldungen, Berlin, 2026;;', 'Name;Company', 'Müller, Anna;ACME')
    expect(padded.rows.map((e) => [e.name, e.company])).toEqual([['Müller, Anna', 'ACME']])
    // A one-column list below a title with commas stays one column.
    const one = await csv('签到名单, 北京', '姓名', 'Smith, John')
    expect(one.rows.map((e) => e.name)).toEqual(['Smith, John'])
    // A full-width comma is text: a company name keeps it, and it separates no headings.
    const cn = await csv(title, '姓名,单位', '张三,华为，市场部')
    expect(cn.rows.map((e) => e.company)).toEqual(['华为，市场部'])
    // Headings typed with a Chinese input method's comma are one heading: refused, said why.
    expect(problems(await csv(title, '姓名，单位', '张三，华为'))).toEqual([
      { row: 1, column: null, code: 'no_name_column', params: {} },
    ])
    // UTF-8 with a BOM, LF line ends; and GBK (Excel's "CSV" in China) with CRLF.
    const bom = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(`${title}\n姓名;单位\n李四;华为\n`),
    ])
    expect((await parseRosterFile('csv', bom)).rows.map((e) => [e.name, e.company])).toEqual([
      ['李四', '华为'],
    ])
    const gbk = gbkBytes('年会签到\r\n姓名\t单位\t手机\r\n李四\t华为\t13800138000\r\n')
    expect(new TextDecoder('gb18030').decode(gbk)).toContain('李四\t华为')
    const g = await parseRosterFile('csv', gbk)
    expect(problems(g)).toEqual([])
    expect(g.rows).toEqual([{ name: '李四', company: '华为', phone: '13800138000', code: '' }])
  })

  it('reads lone-CR line ends (Excel for Mac\'s "CSV (Macintosh)"), past 1 MiB too', async () => {
    // The line limit and the separator detection looked for LF only: the whole file was one
    // line (refused past 1 MiB), and the data's commas outvoted the header's semicolons.
    const guest = (i: number) => [`来宾${i}`, '示例科技, 北京, 有限公司', `138${1e7 + i}`]
    const lines = ['姓名;单位;电话']
    for (let i = 0; i < 40_000; i++) lines.push(guest(i).join(';'))
    const text = lines.join('\r')
    expect(text.length).toBeGreaterThan(1024 * 1024)
    const r = await parseRosterFile('csv', Buffer.from(text))
    expect(r.errors).toEqual([])
    expect(r.rows).toHaveLength(40_000)
    const [name, company, phone] = guest(39_999)
    expect(r.rows.at(-1)).toEqual({ name, company, phone, code: '' })
    const small = await parseRosterFile('csv', Buffer.from(lines.slice(0, 3).join('\r')))
    expect(small.rows.map((e) => e.company)).toEqual([company, company])
  })

  it('trims zero-width characters at cell edges, as white space (text copied from the web)', async () => {
    // A cell of one U+200B looks empty in Excel: it was imported as a guest with an invisible
    // name, and "\u200b张三" was another guest than "张三" (no duplicate found). A header with one
    // was no column at all. A ZWJ inside an emoji stays.
    const r = await csv(
      '\u200b姓名\u2060,电话',
      '\u200b,13800138000',
      '\ufeff\u200b张三\u200c,13800138001',
      '张三,13800138001',
      '👩\u200d💻 Ada\u200b,13800138002',
    )
    expect(problems(r)).toEqual([
      { row: 2, column: 'name', code: 'name_empty', params: {} },
      { row: 4, column: 'name', code: 'duplicate_row', params: { duplicateOf: 3 } },
    ])
    expect(r.rows.map((e) => e.name)).toEqual(['张三', '👩\u200d💻 Ada'])
  })

  it('keeps a one-column list whole: an unquoted comma is part of the name', async () => {
    // A list of names typed or pasted into Notepad, one a line: "Smith, John" was cut to
    // "Smith". With one column there is nothing to separate.
    const r = await csv('姓名', 'Smith, John', '王小明', '"Lovelace, Ada"', 'Dr. Who, Jr.,')
    expect(r.errors).toEqual([])
    expect(r.rows.map((e) => e.name)).toEqual([
      'Smith, John',
      '王小明',
      'Lovelace, Ada',
      'Dr. Who, Jr.,',
    ])
    // Blank lines before the header; and a header with two columns still separates.
    expect((await csv('', 'name', 'Smith, John')).rows.map((e) => e.name)).toEqual(['Smith, John'])
    expect((await csv('name,company', 'Smith, John')).rows).toEqual([
      { name: 'Smith', company: 'John', phone: '', code: '' },
    ])
  })

  it('ignores a trailing empty column', async () => {
    const r = await csv('姓名,单位,', '张三,华为,', '李四,腾讯,,')
    expect(r.errors).toEqual([])
    expect(r.rows.map((e) => e.name)).toEqual(['张三', '李四'])
  })

  it('normalizes full-width digits, plus, spaces, brackets and dashes in phone numbers', async () => {
    const r = await csv(
      'name,phone',
      'A,１３８００１３８０００',
      'B,＋８６　１３８－００１３－８０００',
      'C,（０１０）１２３４ ５６７８',
      'D,138—0013–8000',
      'E,+86\u00a0138\u2010 0013',
    )
    expect(r.errors).toEqual([])
    expect(r.rows.map((e) => e.phone)).toEqual([
      '13800138000',
      '+86 138-0013-8000',
      '(010)1234 5678',
      '138-0013-8000',
      '+86 138- 0013',
    ])
  })

  it('takes a phone with the country code in brackets, as Chinese rosters write it', async () => {
    const r = await csv(
      'name,phone',
      'A,(+86) 138 0013 8000',
      'B,（＋８６）１３８００１３８０００',
      'C,(0086)13800138000',
    )
    expect(r.errors).toEqual([])
    expect(r.rows.map((e) => e.phone)).toEqual([
      '(+86) 138 0013 8000',
      '(+86)13800138000',
      '(0086)13800138000',
    ])
  })

  it('drops the zero-width characters a phone pasted from WeChat or a web page holds', async () => {
    // Invisible in the sheet: the row looked right and was refused for "characters a phone
    // number cannot have".
    const r = await csv(
      'name,phone',
      'A,138\u200b0013\u200b8000',
      'B,\ufeff+86 138\u2060 0013 8000\u200d',
      'C,\u200b',
    )
    expect(r.errors).toEqual([])
    expect(r.rows.map((e) => e.phone)).toEqual(['13800138000', '+86 138 0013 8000', ''])
  })

  it('drops the direction marks a phone copied from an iPhone or a web page holds', async () => {
    // iOS copies a contact's number between U+202A and U+202C (or U+202D); a web page in Arabic
    // or Uyghur marks it U+200E. Invisible in the sheet, and the row was refused all the same.
    const r = await csv(
      'name,phone',
      'A,\u202a+86 138 0013 8000\u202c',
      'B,\u202d138\u200e0013\u200f8000\u202c',
      'C,\u2066(+86) 138 0013 8000\u2069',
    )
    expect(r.errors).toEqual([])
    expect(r.rows.map((e) => e.phone)).toEqual([
      '+86 138 0013 8000',
      '13800138000',
      '(+86) 138 0013 8000',
    ])
  })

  it('refuses a plus anywhere but at the start of the number or its bracket', async () => {
    const r = await csv('name,phone', 'A,138+0013', 'B,(+86)+138', 'C,((+86)138')
    expect(r.errors.map((e) => [e.row, e.code])).toEqual([
      [2, 'phone_invalid'],
      [3, 'phone_invalid'],
      [4, 'phone_invalid'],
    ])
  })

  it('recognizes headers in either language, any case, spacing or width', async () => {
    const headers: Array<[string, string, string, string]> = [
      ['姓名', '单位', '电话', '编号'],
      ['name', '公司', '手机', 'ID'],
      [' NAME ', 'Company Name', 'Mobile Phone', 'id'],
      ['姓名*', '工作单位', '手机号码（必填）', '签到码'],
      ['Ｎａｍｅ', 'ＣＯＭＰＡＮＹ', 'Phone No.', 'Registration_Code'],
      ['Full Name', 'organization', 'TEL', 'Ticket-Code'],
    ]
    for (const header of headers) {
      const r = await csv(header.join(','), '张三,华为,13800138000,C1')
      expect({ header, errors: r.errors, rows: r.rows }).toEqual({
        header,
        errors: [],
        rows: [{ name: '张三', company: '华为', phone: '13800138000', code: 'C1' }],
      })
    }
  })

  it('reports bad rows and keeps the good ones for import', async () => {
    const r = await csv('姓名,电话', '张三,138', ',139', '李四,bad!')
    expect(r.rows.map((e) => e.name)).toEqual(['张三'])
    expect(r.badRows).toBe(2)
    expect(r.fatal).toBe(false)
  })
})

/** GB18030 encoding of the few characters used above (Node has no encoder, only a decoder). */
function encodeGb(text: string): number[] {
  const table: Record<string, number[]> = {
    赵: [0xd5, 0xd4],
    六: [0xc1, 0xf9],
    字: [0xd7, 0xd6],
    节: [0xbd, 0xda],
    跳: [0xcc, 0xf8],
    动: [0xb6, 0xaf],
  }
  const out: number[] = []
  for (const ch of text) out.push(...(table[ch] ?? [ch.charCodeAt(0)]))
  const decoded = new TextDecoder('gb18030').decode(new Uint8Array(out))
  if (decoded !== text) throw new Error('test table is wrong')
  return out
}
