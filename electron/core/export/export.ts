// Folder export/: attendance out to files. export.ts (here) streams CSV/XLSX, export-jobs.ts runs
// the admin area's exports to disk, atomic-file.ts writes a file whole or not at all.
/**
 * Attendance export, streamed page by page from SQLite: CSV (UTF-8 with BOM so Excel opens
 * Chinese correctly, formula-injection escaped) or XLSX (exceljs streaming writer, loaded only
 * when an XLSX export is asked for).
 */
import { once } from 'node:events'
import { finished } from 'node:stream/promises'
import type { Writable } from 'node:stream'
import type { Locale } from '../../../shared/domain'
import type { KioskDb } from '../db/db'
import { countAttendance } from '../scans/attendance-queries'

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
  fallback: number
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
  {
    key: 'fallback',
    label: { 'zh-CN': '备用码', en: 'Fallback code' },
    value: (r, l) => yesNo(r.fallback === 1, l),
  },
  { key: 'campaignId', label: { 'zh-CN': '活动', en: 'Campaign' }, value: (r) => r.campaignId },
  { key: 'eventId', label: { 'zh-CN': '事件ID', en: 'Event ID' }, value: (r) => r.eventId },
]

/** Two digits; at module level, as a closure per call showed up in the 100k-row profile. */
const p = (n: number): string => (n < 10 ? `0${n}` : String(n))

/** Local wall-clock time, `YYYY-MM-DD HH:mm:ss`: what organizers expect to read in Excel. */
export function formatLocalTime(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

/**
 * A cell a spreadsheet would run as a formula (`= + - @`, or tab / CR which some programs
 * strip first) gets a leading apostrophe, as OWASP recommends for CSV.
 */
export function escapeFormula(cell: Cell): Cell {
  if (typeof cell !== 'string') return cell
  switch (cell.charCodeAt(0)) {
    case 0x3d: // =
    case 0x2b: // +
    case 0x2d: // -
    case 0x40: // @
    case 0x09: // tab
    case 0x0d: // CR
      return `'${cell}`
    default:
      return cell
  }
}

const NEEDS_QUOTES = /[",\r\n]/

/**
 * One CSV field as RFC 4180 (and csv-stringify, which this replaced) writes it: quoted only
 * when it holds a quote, comma, CR or LF, with quotes doubled.
 */
export function csvField(cell: Cell): string {
  if (typeof cell === 'number') return String(cell)
  return NEEDS_QUOTES.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell
}

/** One CSV record with its CRLF; `escape` applies formula escaping to every cell. */
export function csvRecord(cells: readonly Cell[], escape: boolean): string {
  let line = ''
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i] as Cell
    if (i > 0) line += ','
    line += csvField(escape ? escapeFormula(cell) : cell)
  }
  return `${line}\r\n`
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

/** `ExportRecord`'s fields in the order of `EXPORT_SELECT`'s columns (raw rows are arrays). */
type ExportTuple = [
  id: number,
  campaignId: string,
  checkInNumber: number,
  name: string | null,
  company: string | null,
  phone: string | null,
  code: string | null,
  firstVisit: number,
  kind: 'subscribe' | 'scan',
  createTime: number,
  receivedAt: number,
  openid: string,
  scene: string,
  unknownTicket: number,
  eventId: string,
  fallback: number,
]

const EXPORT_SELECT = `SELECT a.id, a.campaign_id, a.check_in_number, r.name, r.company, r.phone,
    r.code, a.first_visit, a.kind, a.create_time, a.received_at, a.openid, a.scene,
    a.unknown_ticket, a.event_id, a.fallback
  FROM attendance a LEFT JOIN roster_entries r ON r.id = a.roster_entry_id
  WHERE (? IS NULL OR a.campaign_id = ?) AND a.id > ? ORDER BY a.id LIMIT ?`

function toRecord(t: ExportTuple): ExportRecord {
  return {
    id: t[0],
    campaignId: t[1],
    checkInNumber: t[2],
    name: t[3],
    company: t[4],
    phone: t[5],
    code: t[6],
    firstVisit: t[7],
    kind: t[8],
    createTime: t[9],
    receivedAt: t[10],
    openid: t[11],
    scene: t[12],
    unknownTicket: t[13],
    eventId: t[14],
    fallback: t[15],
  }
}

export async function exportAttendance(o: ExportOptions): Promise<{ rows: number }> {
  const total = countAttendance(o.db, o.campaignId)
  const pageSize = o.pageSize ?? 2000
  // Rows as arrays: building a named-property object per row in the driver cost more than
  // formatting the row.
  const page = o.db
    .prepare<[string | null, string | null, number, number], ExportTuple>(EXPORT_SELECT)
    .raw(true)
  const header = EXPORT_COLUMNS.map((c) => c.label[o.locale])
  const sink =
    o.format === 'csv' ? csvSink(o.out, header, o.locale) : await xlsxSink(o.out, header, o.locale)
  let done = 0
  let lastId = 0
  o.onProgress?.(0, total)
  for (;;) {
    const rows = page.all(o.campaignId, o.campaignId, lastId, pageSize)
    const last = rows[rows.length - 1]
    if (last === undefined) break
    lastId = last[0]
    await sink.write(rows.map(toRecord))
    done += rows.length
    o.onProgress?.(done, Math.max(total, done))
  }
  await sink.end()
  return { rows: done }
}

interface Sink {
  write(records: ExportRecord[]): Promise<void>
  end(): Promise<void>
}

async function writeWithBackpressure(out: Writable, chunk: string | Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain')
}

function csvSink(out: Writable, header: string[], locale: Locale): Sink {
  let started = false
  const start = async () => {
    started = true
    await writeWithBackpressure(out, `\uFEFF${csvRecord(header, false)}`)
  }
  const columns = EXPORT_COLUMNS.map((c) => c.value)
  const cells: Cell[] = new Array<Cell>(columns.length)
  return {
    async write(records) {
      if (!started) await start()
      // One string per page: a write per row (or per cell) is where the time went.
      let text = ''
      for (const r of records) {
        for (let i = 0; i < columns.length; i++)
          cells[i] = (columns[i] as Column['value'])(r, locale)
        text += csvRecord(cells, true)
      }
      await writeWithBackpressure(out, text)
    },
    async end() {
      if (!started) await start()
      await endStream(out)
    },
  }
}

async function xlsxSink(out: Writable, header: string[], locale: Locale): Promise<Sink> {
  const { WorkbookWriter } = await import('../../../shared/roster/xlsx')
  // Inline strings, no formulas: a cell reading "=1+1" stays text in XLSX, so it needs no escaping.
  const wb = new WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false })
  const ws = wb.addWorksheet('Attendance')
  ws.addRow(header).commit()
  return {
    async write(records) {
      for (const r of records) ws.addRow(EXPORT_COLUMNS.map((c) => c.value(r, locale))).commit()
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
