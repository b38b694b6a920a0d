// Roster files with mistakes: a row-level report, and nothing imported unless asked to skip.
import { afterEach, describe, expect, it } from 'vitest'
import type { RosterImportResult } from '../../shared/ipc'
import { rosterImportResultSchema } from '../../shared/ipc'
import { Workbook } from '../../electron/core/xlsx'
import { MemoryVault } from '../../electron/core/vault'
import { openCampaignStore } from '../../electron/core/campaign-store'
import { defaultSettings, saveSettings } from '../../electron/core/settings'
import { cleanup, startCore, tempDir, testCampaign, TEST_PIN } from './helpers'

afterEach(cleanup)

async function adminCore() {
  const dir = tempDir()
  openCampaignStore(dir).save(testCampaign())
  saveSettings(dir, { ...defaultSettings(), activeCampaignId: 'expo' })
  const core = startCore(dir, new MemoryVault(), { tickMs: 0 })
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
  return { core, importFile, names }
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
    expect(r.errors[2]?.message).toContain('row 2')
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

  it('reports a file that is not XLSX at all', async () => {
    const { importFile } = await adminCore()
    const r = await importFile('xlsx', Buffer.from('name\nnot a zip'), true)
    expect(r.imported).toBe(0)
    expect(r.errors[0]?.message).toMatch(/cannot be read as XLSX/)
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
