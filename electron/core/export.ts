/**
 * Attendance export, streamed page by page from SQLite: CSV (UTF-8 with BOM so Excel opens
 * Chinese correctly, formula-injection escaped) or XLSX (exceljs streaming writer).
 */
import { once } from 'node:events'
import { finished } from 'node:stream/promises'
import type { Writable } from 'node:stream'
import { stringify } from 'csv-stringify/sync'
import type { Locale } from '../../shared/domain'
import type { KioskDb } from './db'
import { countAttendance } from './attendance-queries'
import { WorkbookWriter } from './xlsx'

export interface ExportRecord {
  id: number
  campaignId: string
  checkInNumber: number
  name: string | null
  company: string | null
  phone: string | null
  code: string | null
  firstVisit: number
  kind: 'subscribe' | 'scan'
  createTime: number
  receivedAt: number
  openid: string
  scene: string
  unknownTicket: number
  eventId: string
}

type Cell = string | number

interface Column {
  key: string
  label: Record<Locale, string>
  value: (r: ExportRecord, locale: Locale) => Cell
}

const yesNo = (b: boolean, locale: Locale): string =>
  locale === 'zh-CN' ? (b ? '是' : '否') : b ? 'yes' : 'no'

export const EXPORT_COLUMNS: readonly Column[] = [
  {
    key: 'checkInNumber',
    label: { 'zh-CN': '签到号', en: 'Check-in no.' },
    value: (r) => r.checkInNumber,
  },
  { key: 'name', label: { 'zh-CN': '姓名', en: 'Name' }, value: (r) => r.name ?? '' },
  { key: 'company', label: { 'zh-CN': '公司', en: 'Company' }, value: (r) => r.company ?? '' },
  { key: 'phone', label: { 'zh-CN': '电话', en: 'Phone' }, value: (r) => r.phone ?? '' },
  { key: 'code', label: { 'zh-CN': '编号', en: 'Code' }, value: (r) => r.code ?? '' },
  {
    key: 'firstVisit',
    label: { 'zh-CN': '首次签到', en: 'First visit' },
    value: (r, l) => yesNo(r.firstVisit === 1, l),
  },
  {
    key: 'kind',
    label: { 'zh-CN': '类型', en: 'Kind' },
    value: (r, l) =>
      r.kind === 'subscribe'
        ? l === 'zh-CN'
          ? '新关注'
          : 'new follower'
        : l === 'zh-CN'
          ? '扫码'
          : 'scan',
  },
  {
    key: 'scannedAt',
    label: { 'zh-CN': '扫码时间', en: 'Scanned at' },
    value: (r) => formatLocalTime(r.createTime * 1000),
  },
  {
    key: 'receivedAt',
    label: { 'zh-CN': '接收时间', en: 'Received at' },
    value: (r) => formatLocalTime(r.receivedAt),
  },
  { key: 'openid', label: { 'zh-CN': 'OpenID', en: 'OpenID' }, value: (r) => r.openid },
  { key: 'scene', label: { 'zh-CN': '场景值', en: 'Scene' }, value: (r) => r.scene },
  {
    key: 'unknownTicket',
    label: { 'zh-CN': '未知二维码', en: 'Unknown code' },
    value: (r, l) => yesNo(r.unknownTicket === 1, l),
  },
  { key: 'campaignId', label: { 'zh-CN': '活动', en: 'Campaign' }, value: (r) => r.campaignId },
  { key: 'eventId', label: { 'zh-CN': '事件ID', en: 'Event ID' }, value: (r) => r.eventId },
]

/** Local wall-clock time, `YYYY-MM-DD HH:mm:ss`: what organizers expect to read in Excel. */
export function formatLocalTime(ms: number): string {
  const d = new Date(ms)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

/**
 * A cell a spreadsheet would run as a formula (`= + - @`, or tab / CR which some programs
 * strip first) gets a leading apostrophe, as OWASP recommends for CSV.
 */
export function escapeFormula(cell: Cell): Cell {
  return typeof cell === 'string' && /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell
}

export interface ExportOptions {
  db: KioskDb
  /** null: every campaign. */
  campaignId: string | null
  format: 'csv' | 'xlsx'
  out: Writable
  locale: Locale
  onProgress?: (rowsDone: number, rowsTotal: number) => void
  pageSize?: number
}

export async function exportAttendance(o: ExportOptions): Promise<{ rows: number }> {
  const total = countAttendance(o.db, o.campaignId)
  const pageSize = o.pageSize ?? 2000
  const page = o.db.prepare<[string | null, string | null, number, number], ExportRecord>(
    `SELECT a.id, a.campaign_id AS campaignId, a.check_in_number AS checkInNumber, r.name, r.company,
       r.phone, r.code, a.first_visit AS firstVisit, a.kind, a.create_time AS createTime,
       a.received_at AS receivedAt, a.openid, a.scene, a.unknown_ticket AS unknownTicket,
       a.event_id AS eventId
     FROM attendance a LEFT JOIN roster_entries r ON r.id = a.roster_entry_id
     WHERE (? IS NULL OR a.campaign_id = ?) AND a.id > ? ORDER BY a.id LIMIT ?`,
  )
  const header = EXPORT_COLUMNS.map((c) => c.label[o.locale])
  const toCells = (r: ExportRecord): Cell[] => EXPORT_COLUMNS.map((c) => c.value(r, o.locale))
  const sink = o.format === 'csv' ? csvSink(o.out, header) : xlsxSink(o.out, header)
  let done = 0
  let lastId = 0
  o.onProgress?.(0, total)
  for (;;) {
    const records = page.all(o.campaignId, o.campaignId, lastId, pageSize)
    if (records.length === 0) break
    lastId = records[records.length - 1]?.id ?? lastId
    await sink.write(records.map(toCells))
    done += records.length
    o.onProgress?.(done, Math.max(total, done))
  }
  await sink.end()
  return { rows: done }
}

interface Sink {
  write(rows: Cell[][]): Promise<void>
  end(): Promise<void>
}

async function writeWithBackpressure(out: Writable, chunk: string | Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain')
}

function csvSink(out: Writable, header: string[]): Sink {
  let started = false
  return {
    async write(rows) {
      const text = stringify(
        rows.map((r) => r.map(escapeFormula)),
        { record_delimiter: 'windows' },
      )
      if (!started) {
        started = true
        await writeWithBackpressure(
          out,
          `\uFEFF${stringify([header], { record_delimiter: 'windows' })}`,
        )
      }
      await writeWithBackpressure(out, text)
    },
    async end() {
      if (!started)
        await writeWithBackpressure(
          out,
          `\uFEFF${stringify([header], { record_delimiter: 'windows' })}`,
        )
      await endStream(out)
    },
  }
}

function xlsxSink(out: Writable, header: string[]): Sink {
  // Inline strings, no formulas: a cell reading "=1+1" stays text in XLSX, so it needs no escaping.
  const wb = new WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false })
  const ws = wb.addWorksheet('Attendance')
  ws.addRow(header).commit()
  return {
    async write(rows) {
      for (const r of rows) ws.addRow(r).commit()
      // Let the zip stream flush between pages instead of buffering the whole export.
      await new Promise((resolve) => setImmediate(resolve))
    },
    async end() {
      ws.commit()
      const flushed = finished(out)
      await wb.commit()
      await flushed
    },
  }
}

/** Ends and flushes the destination (callers pass a PassThrough for stdout, never stdout itself). */
async function endStream(out: Writable): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject)
    out.end(() => resolve())
  })
}
