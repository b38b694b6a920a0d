// The kiosk's export in the kiosk's time zone: the file's name and the sheet's times are the same
// local time. The zone is set for this process (Asia/Shanghai, 8 hours ahead of UTC), so the
// test means the same on a machine on UTC and on one in China.
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { ExportJobs } from '../../electron/core/export/export-jobs'
import { EXPORT_COLUMNS, exportAttendance } from '../../electron/core/export/export'
import ExcelJS from 'exceljs'
import { openKioskDb } from '../../electron/core/db/db'
import type { ExportProgress } from '../../shared/domain'
import { cleanup, onCleanup, tempDir, waitFor } from './helpers'
import { inTimeZone } from '../helpers/time-zone'

inTimeZone('Asia/Shanghai')
afterEach(cleanup)

describe('kiosk export in the local time zone', () => {
  it("names the admin area's export file by local time, as the sheet's times are", async () => {
    const dir = tempDir()
    const db = openKioskDb(join(dir, 'kiosk.db'))
    onCleanup(() => {
      db.close()
    })
    const seen: ExportProgress[] = []
    // 2026-05-01 23:30:15 UTC is 2026-05-02 07:30:15 in China.
    const now = Date.UTC(2026, 4, 1, 23, 30, 15)
    const jobs = new ExportJobs({
      db,
      dir: join(dir, 'exports'),
      now: () => now,
      locale: () => 'zh-CN',
      onProgress: (p) => seen.push(p),
    })
    jobs.start('expo', 'csv')
    await jobs.whenIdle()
    const done = await waitFor(() => seen.find((p) => p.state === 'done'), 'export done')
    expect(done.fileName).toBe('expo-签到记录-20260502-073015.csv')
  })

  it('names the file after the campaign as staff know it, in the UI language', async () => {
    const dir = tempDir()
    const db = openKioskDb(join(dir, 'kiosk.db'))
    onCleanup(() => {
      db.close()
    })
    const seen: ExportProgress[] = []
    let locale: 'zh-CN' | 'en' = 'zh-CN'
    const names: Record<string, string> = {
      'c-mp3x9k-a1b2c3': '春季展会 Spring Expo 2026',
      'c-slash': 'A/B: "Day 1"',
      'c-dots': '...',
    }
    const jobs = new ExportJobs({
      db,
      dir: join(dir, 'exports'),
      now: () => Date.UTC(2026, 4, 1, 23, 30, 15),
      locale: () => locale,
      campaignName: (id) => names[id] ?? null,
      onProgress: (p) => seen.push(p),
    })
    const named = async (campaignId: string, format: 'csv' | 'xlsx'): Promise<string> => {
      const id = jobs.start(campaignId, format)
      await jobs.whenIdle()
      const done = await waitFor(
        () => seen.find((p) => p.exportId === id && p.state === 'done'),
        'export done',
      )
      return done.fileName
    }
    // Not the campaign's generated id: the name staff gave it.
    await expect(named('c-mp3x9k-a1b2c3', 'xlsx')).resolves.toBe(
      '春季展会 Spring Expo 2026-签到记录-20260502-073015.xlsx',
    )
    locale = 'en'
    await expect(named('c-mp3x9k-a1b2c3', 'csv')).resolves.toBe(
      '春季展会 Spring Expo 2026-attendance-20260502-073015.csv',
    )
    // What a file name cannot hold is replaced; nothing left, or no such campaign: the id.
    await expect(named('c-slash', 'csv')).resolves.toBe(
      'A_B_ _Day 1_-attendance-20260502-073015.csv',
    )
    await expect(named('c-dots', 'csv')).resolves.toBe('c-dots-attendance-20260502-073015.csv')
    await expect(named('gone', 'csv')).resolves.toBe('gone-attendance-20260502-073015.csv')
  })

  it('XLSX times are date-time cells in local time, the second the CSV shows', async () => {
    const dir = tempDir()
    const db = openKioskDb(join(dir, 'kiosk.db'))
    onCleanup(() => {
      db.close()
    })
    // 2026-05-01 23:59:59.900 UTC: 2026-05-02 07:59:59 in China (the CSV drops the 900 ms).
    const at = Date.UTC(2026, 4, 1, 23, 59, 59, 900)
    const insert = db.prepare(
      `INSERT INTO attendance (event_id, campaign_id, kiosk_id, openid, scene, ticket, kind,
         create_time, received_at, first_visit, check_in_number, unknown_ticket)
       VALUES (?, 'expo', 'k1', ?, 'k1:abc', 'T', 'scan', ?, ?, 1, ?, 0)`,
    )
    insert.run('e1', 'o_1', Math.floor(at / 1000) - 3600, at, 1)
    insert.run('e2', 'o_2', Math.floor(at / 1000), at + 1000, 2)
    const csvOut = new PassThrough()
    const chunks: Buffer[] = []
    csvOut.on('data', (c: Buffer) => chunks.push(c))
    await exportAttendance({ db, campaignId: 'expo', format: 'csv', out: csvOut, locale: 'zh-CN' })
    const csv = Buffer.concat(chunks)
      .toString('utf8')
      .slice(1)
      .trimEnd()
      .split('\r\n')
      .map((line) => line.split(','))
    const scanned = EXPORT_COLUMNS.findIndex((c) => c.key === 'scannedAt')
    const received = EXPORT_COLUMNS.findIndex((c) => c.key === 'receivedAt')
    expect(csv[1]![scanned]).toBe('2026-05-02 06:59:59')
    expect(csv[1]![received]).toBe('2026-05-02 07:59:59')
    const file = join(dir, 'out.xlsx')
    await exportAttendance({
      db,
      campaignId: 'expo',
      format: 'xlsx',
      out: createWriteStream(file),
      locale: 'zh-CN',
    })
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.readFile(file)
    const ws = wb.worksheets[0]!
    for (const row of [1, 2]) {
      for (const c of [scanned, received]) {
        const cell = ws.getRow(row + 1).getCell(c + 1)
        expect(cell.type, `row ${row} column ${c}`).toBe(ExcelJS.ValueType.Date)
        expect(cell.numFmt).toBe('yyyy-mm-dd hh:mm:ss')
        // exceljs reads a serial as a UTC date: its UTC fields are the sheet's wall clock.
        const wall = (cell.value as Date).toISOString().slice(0, 19).replace('T', ' ')
        expect(wall, `row ${row} column ${c}`).toBe(csv[row]![c])
      }
    }
    expect(ws.getColumn(scanned + 1).width).toBeGreaterThanOrEqual(19)
  })
})
