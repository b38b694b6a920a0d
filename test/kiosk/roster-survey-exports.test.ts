// Rosters as registration and survey platforms export them (问卷星, 腾讯问卷, Google Forms,
// Eventbrite): question-style headings, split first and last names, number columns beside the
// names. Built here with exceljs and as CSV text, the way those exports lay them out.
import { afterEach, describe, expect, it } from 'vitest'
import { rosterImportResultSchema } from '../../shared/ipc'
import { Workbook } from '../../shared/roster/xlsx'
import { parseRosterFile, type ParsedRoster } from '../../shared/roster/roster-import'
import { MemoryVault } from '../../electron/core/config/vault'
import { openCampaignStore } from '../../electron/core/campaigns/campaign-store'
import { defaultSettings, saveSettings } from '../../electron/core/config/settings'
import { cleanup, startCore, tempDir, testCampaign, TEST_PIN } from './helpers'

afterEach(cleanup)

const csv = (...lines: string[]): Promise<ParsedRoster> =>
  parseRosterFile('csv', Buffer.from(lines.join('\r\n')))
const entries = (r: ParsedRoster) => r.rows.map((e) => [e.name, e.company, e.phone, e.code])

async function xlsx(rows: Array<Array<string | number>>, sheet = 'Sheet1'): Promise<Buffer> {
  const wb = new Workbook()
  const ws = wb.addWorksheet(sheet)
  for (const row of rows) ws.addRow(row)
  return Buffer.from(await wb.xlsx.writeBuffer())
}

describe('survey-style headings', () => {
  it('reads numbered questions as their column: 1、您的姓名：, 2.手机号码（必填）, Q3. 单位', async () => {
    // 问卷星's "按选项文本下载" heads each answer with its question, numbered: the roster was
    // refused as having no name column, though every guest's name was there.
    const wjx = await csv(
      '序号,提交答卷时间,所用时间,来源,来源详情,来自IP,1、您的姓名：,2、您的手机号码：,3、您的工作单位：',
      '1,2026/3/1 10:02:11,35秒,微信,N/A,1.2.3.4(北京),张三,13800138000,华为',
      '2,2026/3/1 10:05:40,41秒,微信,N/A,5.6.7.8(上海),李四,13900139000,腾讯',
    )
    expect(wjx.errors).toEqual([])
    expect(entries(wjx)).toEqual([
      ['张三', '华为', '13800138000', ''],
      ['李四', '腾讯', '13900139000', ''],
    ])
    // 腾讯问卷 and hand-made forms: "1.", "1)", "Q1.", "第1题", full-width forms and a question mark.
    for (const header of [
      ['编号', '1.姓名', '2.手机号码（必填）', '3.单位'],
      ['ID', '1) 姓名', '2) 手机', '3) 公司'],
      ['报名码', 'Q1. 姓名', 'Q2: 联系电话', 'Q3、单位名称'],
      ['签到码', '第1题 您的姓名', '第2题 您的手机号', '第3题 您的单位'],
      ['code', '１．请填写您的姓名：', '２．请输入手机号码（必填）：', '３．您的工作单位？'],
    ]) {
      const r = await csv(header.join(','), 'C1,王五,13700137000,阿里')
      expect({ header, errors: r.errors, rows: entries(r) }).toEqual({
        header,
        errors: [],
        rows: [['王五', '阿里', '13700137000', 'C1']],
      })
    }
  })

  it('reads Google Forms questions in English: Your name, What is your name?', async () => {
    const r = await csv(
      'Timestamp,What is your name?,Your company,Your phone number,Email address',
      '2026/03/01 10:00:00 AM GMT+8,Ada Lovelace,Engines,+44 20 7946 0000,ada@example.org',
    )
    expect(r.errors).toEqual([])
    expect(entries(r)).toEqual([['Ada Lovelace', 'Engines', '+44 20 7946 0000', '']])
    const short = await csv('Timestamp,Your name', '2026/03/01 10:00:00,Ada')
    expect(entries(short)).toEqual([['Ada', '', '', '']])
  })

  it('still takes no other question for the name: 紧急联系人姓名, 推荐人的姓名', async () => {
    for (const header of [
      '1、紧急联系人姓名：',
      '推荐人的姓名',
      'Your friend’s name',
      '2026姓名',
    ]) {
      const r = await csv(`${header},电话`, '赵六,13600136000')
      expect({ header, codes: r.errors.map((e) => e.code) }).toEqual({
        header,
        codes: ['no_name_column'],
      })
    }
  })

  it('finds a numbered-question header in a workbook below the survey title', async () => {
    const data = await xlsx(
      [
        ['2026 春季展报名（问卷星导出）'],
        ['序号', '1、您的姓名：', '2、您的手机号码：'],
        [1, '张三', 13800138000],
      ],
      '问卷数据',
    )
    const r = await parseRosterFile('xlsx', data)
    expect(r.errors).toEqual([])
    expect(entries(r)).toEqual([['张三', '', '13800138000', '']])
  })
})

describe('first and last names, number columns', () => {
  it('reads an Eventbrite attendee report: First Name + Last Name, not the Attendee # column', async () => {
    // "Attendee #" folded to "attendee", a name heading: every guest was imported under their
    // attendee number (456789012), silently, and the real names were dropped.
    const r = await csv(
      'Order #,Order Date,First Name,Last Name,Email,Quantity,Ticket Type,Attendee #,Group,Order Type,Currency,Total Paid,Attendee Status,Barcode #',
      '1234567890,2026-03-01 10:00,Ada,Lovelace,ada@example.org,1,General Admission,456789012,,Eventbrite Completed,USD,0.00,Attending,1234567890456789012001',
      '1234567891,2026-03-01 10:04,Grace,Hopper,grace@example.org,1,General Admission,456789013,,Eventbrite Completed,USD,0.00,Attending,1234567891456789013001',
    )
    expect(r.errors).toEqual([])
    expect(r.rows.map((e) => e.name)).toEqual(['Ada Lovelace', 'Grace Hopper'])
  })

  it('takes a first name alone, and a name column over first and last', async () => {
    const first = await csv('First name,Phone', 'Ada,13800138000', 'Grace,13900139000')
    expect(first.rows.map((e) => e.name)).toEqual(['Ada', 'Grace'])
    const both = await csv('Name,First name,Last name', 'Ada King,Ada,Lovelace')
    expect(both.rows.map((e) => e.name)).toEqual(['Ada King'])
    // Either part alone is the name; neither is an empty name.
    const gaps = await csv('Given name,Surname,Code', 'Cher,,C1', ',Hopper,C2', ',,C3')
    expect(gaps.rows.map((e) => e.name)).toEqual(['Cher', 'Hopper'])
    expect(gaps.errors.map((e) => [e.row, e.column, e.code])).toEqual([[4, 'name', 'name_empty']])
  })

  it('refuses a file whose only "name" is a number column (Guest #, Attendee #)', async () => {
    for (const header of ['Guest #,Phone', 'Attendee #,Email', '嘉宾姓名＃,电话']) {
      const r = await csv(header, '17,13800138000')
      expect({ header, codes: r.errors.map((e) => e.code) }).toEqual({
        header,
        codes: ['no_name_column'],
      })
    }
  })

  it('finds First Name / Last Name in a workbook too', async () => {
    const data = await xlsx([
      ['First Name', 'Last Name', 'Attendee #', 'Company'],
      ['Ada', 'Lovelace', 456789012, 'Engines'],
    ])
    const r = await parseRosterFile('xlsx', data)
    expect(r.errors).toEqual([])
    expect(entries(r)).toEqual([['Ada Lovelace', 'Engines', '', '']])
  })
})

describe('workbooks with more than one sheet', () => {
  it('reads the sheet with guests, not an empty template of the same headings before it', async () => {
    // The workbook opened on a blank 模板 (or last year's emptied sheet): its headings have a
    // name column, so it was the roster, with nobody in it. The kiosk imported 0 guests and the
    // console's upload would have replaced the campaign's roster with an empty one.
    const wb = new Workbook()
    wb.addWorksheet('模板').addRow(['姓名', '单位', '手机号码'])
    const cover = wb.addWorksheet('汇总')
    cover.addRow(['报名统计'])
    cover.addRow(['姓名', '人数'])
    const list = wb.addWorksheet('名单')
    list.addRow(['姓名', '单位', '手机号码'])
    list.addRow(['张三', '华为', '13800138000'])
    const r = await parseRosterFile('xlsx', Buffer.from(await wb.xlsx.writeBuffer()))
    expect(r.errors).toEqual([])
    expect(entries(r)).toEqual([['张三', '华为', '13800138000', '']])
    // Only empty ones: the first, with its headings and nobody, as before.
    const empty = new Workbook()
    empty.addWorksheet('说明').addRow(['请填写'])
    empty.addWorksheet('模板').addRow(['姓名', '单位'])
    empty.addWorksheet('备用').addRow(['姓名'])
    const none = await parseRosterFile('xlsx', Buffer.from(await empty.xlsx.writeBuffer()))
    expect({ fatal: none.fatal, errors: none.errors, rows: none.rows }).toEqual({
      fatal: false,
      errors: [],
      rows: [],
    })
  })
})

describe('the kiosk import', () => {
  it('imports a 问卷星 export as the guests it lists', async () => {
    const dir = tempDir()
    openCampaignStore(dir).save(testCampaign())
    saveSettings(dir, { ...defaultSettings(), activeCampaignId: 'expo' })
    const core = startCore(dir, new MemoryVault(), { tickMs: 0 })
    await core.call('unlockAdmin', { pin: TEST_PIN })
    const data = Buffer.from(
      [
        '序号,提交答卷时间,1、您的姓名：,2、您的手机号码：',
        '1,2026/3/1 10:02:11,张三,13800138000',
        '2,2026/3/1 10:05:40,李四,13900139000',
      ].join('\r\n'),
    )
    const result = rosterImportResultSchema.parse(
      await core.call('importRoster', {
        fileName: 'wjx.csv',
        format: 'csv',
        dataBase64: data.toString('base64'),
        skipBadRows: false,
      }),
    )
    expect(result).toEqual({ imported: 2, skipped: 0, errors: [] })
    const found = (await core.call('searchRoster', { query: '', limit: 10 })) as Array<{
      name: string
      phone: string
    }>
    expect(found.map((r) => [r.name, r.phone]).sort()).toEqual([
      ['张三', '13800138000'],
      ['李四', '13900139000'],
    ])
  })
})
