// Folder export/: attendance out to files. export.ts (here) streams CSV/XLSX, export-jobs.ts runs
// the admin area's exports to disk, atomic-file.ts writes a file whole or not at all.
/**
 * Attendance export, streamed page by page from SQLite: CSV (UTF-8 with BOM so Excel opens
 * Chinese correctly, formula-injection escaped) or XLSX (our own streamed zip, as the relay's
 * consolidated export writes it: memory stays flat). The cells and writers are shared/export's.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Writable } from 'node:stream'
import type { Locale } from '../../../shared/domain'
import {
  formatLocalTime,
  kindLabel,
  SHEET_LABELS,
  SHEET_NAMES,
  firstVisitCell,
  yesNo,
  type Cell,
} from '../../../shared/export/cells'
import { csvSink } from '../../../shared/export/sinks'
import { excelTimeCache } from '../../../shared/export/time-cache'
import { sheetTitle, xlsxStreamSink } from '../../../shared/export/xlsx-writer'
import { openSnapshotReader, type KioskDb } from '../db/db'
import { countAttendance } from '../scans/attendance-queries'
import { ROSTER_JOIN } from '../scans/attendance-store'

export { csvField, csvRecord, escapeFormula, formatLocalTime } from '../../../shared/export/cells'

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

/**
 * What a column's value may use: the sheet's locale, its time cell (text in CSV, a serial day
 * in XLSX) and the campaign's name as organizers gave it.
 */
interface CellContext {
  locale: Locale
  time: (ms: number) => Cell
  campaign: (campaignId: string) => string
}

interface Column {
  key: string
  label: Record<Locale, string>
  value: (r: ExportRecord, c: CellContext) => Cell
  /** Its cell is `c.time(…)`: a date-time cell in XLSX. */
  time?: true
}

export const EXPORT_COLUMNS: readonly Column[] = [
  {
    key: 'checkInNumber',
    label: SHEET_LABELS.checkInNumber,
    value: (r) => r.checkInNumber,
  },
  { key: 'name', label: SHEET_LABELS.name, value: (r) => r.name ?? '' },
  { key: 'company', label: SHEET_LABELS.company, value: (r) => r.company ?? '' },
  { key: 'phone', label: SHEET_LABELS.phone, value: (r) => r.phone ?? '' },
  { key: 'code', label: SHEET_LABELS.code, value: (r) => r.code ?? '' },
  {
    key: 'firstVisit',
    label: SHEET_LABELS.firstVisit,
    value: (r, c) => firstVisitCell(r.firstVisit === 1, r.openid, c.locale),
  },
  {
    key: 'kind',
    label: SHEET_LABELS.kind,
    value: (r, c) => kindLabel(r.kind, c.locale),
  },
  {
    key: 'scannedAt',
    label: SHEET_LABELS.scannedAt,
    value: (r, c) => c.time(r.createTime * 1000),
    time: true,
  },
  {
    key: 'receivedAt',
    label: SHEET_LABELS.receivedAt,
    value: (r, c) => c.time(r.receivedAt),
    time: true,
  },
  { key: 'openid', label: SHEET_LABELS.openid, value: (r) => r.openid },
  { key: 'scene', label: SHEET_LABELS.scene, value: (r) => r.scene },
  {
    key: 'unknownTicket',
    label: SHEET_LABELS.unknownTicket,
    value: (r, c) => yesNo(r.unknownTicket === 1, c.locale),
  },
  {
    key: 'fallback',
    label: SHEET_LABELS.fallback,
    value: (r, c) => yesNo(r.fallback === 1, c.locale),
  },
  { key: 'campaign', label: SHEET_LABELS.campaign, value: (r, c) => c.campaign(r.campaignId) },
  { key: 'eventId', label: SHEET_LABELS.eventId, value: (r) => r.eventId },
]

export interface ExportOptions {
  db: KioskDb
  /** null: every campaign. */
  campaignId: string | null
  format: 'csv' | 'xlsx'
  out: Writable
  locale: Locale
  /**
   * A campaign's name, for the 活动 column (null: a campaign no longer there; its id then).
   * Asked once per campaign in the sheet. Absent: the column holds ids.
   */
  campaignName?: (campaignId: string) => string | null
  onProgress?: (rowsDone: number, rowsTotal: number) => void
  pageSize?: number
}

/** `name` asked once per campaign: a Map lookup per row, not the caller's. */
function campaignNames(name: ExportOptions['campaignName']): (campaignId: string) => string {
  if (name === undefined) return (id) => id
  const known = new Map<string, string>()
  return (id) => {
    let text = known.get(id)
    if (text === undefined) {
      text = name(id) ?? id
      known.set(id, text)
    }
    return text
  }
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
  FROM attendance a ${ROSTER_JOIN}
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
  // One snapshot for the count and every page: paged on the core's connection, an erasure
  // applied between two pages left some of the visitor's rows in the sheet and not others.
  const snapshot = openSnapshotReader(o.db)
  try {
    return await exportFrom(snapshot?.db ?? o.db, o)
  } finally {
    snapshot?.done()
  }
}

async function exportFrom(db: KioskDb, o: ExportOptions): Promise<{ rows: number }> {
  const total = countAttendance(db, o.campaignId)
  // 500 rows: one page is the longest a scan waits behind the export (below); 2,000-row pages
  // held the loop 36-91 ms here, 500-row ones 14-22 ms, and the export was no slower.
  const pageSize = o.pageSize ?? 500
  // Rows as arrays: building a named-property object per row in the driver cost more than
  // formatting the row.
  const page = db
    .prepare<[string | null, string | null, number, number], ExportTuple>(EXPORT_SELECT)
    .raw(true)
  const header = EXPORT_COLUMNS.map((c) => c.label[o.locale])
  const columns = EXPORT_COLUMNS.map((c) => c.value)
  const context: CellContext = {
    locale: o.locale,
    time: o.format === 'csv' ? formatLocalTime : excelTimeCache(),
    campaign: campaignNames(o.campaignName),
  }
  const toCells = (r: ExportRecord, cells: Cell[]): void => {
    for (let i = 0; i < columns.length; i++) cells[i] = (columns[i] as Column['value'])(r, context)
  }
  const sink =
    o.format === 'csv'
      ? csvSink(o.out, header, toCells)
      : await xlsxStreamSink(o.out, header, toCells, {
          sheetName: SHEET_NAMES.attendance[o.locale],
          dateTimes: EXPORT_COLUMNS.map((c) => c.time === true),
          title: sheetTitle(
            o.campaignId === null ? '' : context.campaign(o.campaignId),
            SHEET_NAMES.attendance[o.locale],
          ),
          locale: o.locale,
        })
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
    // The export runs on the core's event loop, the one scans, greetings and the screen's calls
    // arrive on. The sink waits only when a megabyte is queued, which a local file takes at
    // once: a day-3 booth's 60,000 rows went out in stretches of ~10,000 rows without a turn,
    // 100-240 ms here, 4 times that on a cheap booth PC, a scan's greeting held all along.
    // A turn after each page holds one back for one page at most.
    await nextTurn()
  }
  await sink.end()
  return { rows: done }
}
