// Folder attendance/: the console's view of the consolidated attendance. routes.ts (the
// `/console/api` handlers), sheet.ts (here: the export), live-events.ts (server-sent events).
/**
 * The consolidated export: every kiosk's rows in one sheet, streamed page by page from the store
 * into the response with shared/export's writers (BOM, formula escaping, exceljs streaming).
 * The columns are the kiosk export's that the relay knows, with the booth first.
 */
import type { ServerResponse } from 'node:http'
import type { Locale } from '../../shared/domain'
import {
  formatLocalTime,
  kindLabel,
  SHEET_LABELS,
  yesNo,
  type Cell,
} from '../../shared/export/cells'
import { csvSink, xlsxSink } from '../../shared/export/sinks'
import type { AttendanceReader, AttendanceRow, AttendanceScope } from '../store/attendance'

/** A row as the sheet writes it: with the stamp rally's completion when one is in scope. */
type SheetRow = AttendanceRow & { stampsComplete?: boolean | null }

const COLUMNS: readonly {
  label: Record<Locale, string>
  value: (r: SheetRow, l: Locale) => Cell
  /** Only in a sheet whose scope has a stamp rally. */
  rallyOnly?: true
}[] = [
  { label: SHEET_LABELS.kioskId, value: (r) => r.kioskId },
  { label: SHEET_LABELS.kind, value: (r, l) => kindLabel(r.event, l) },
  { label: SHEET_LABELS.scannedAt, value: (r) => formatLocalTime(r.createTime * 1000) },
  { label: SHEET_LABELS.receivedAt, value: (r) => formatLocalTime(r.receivedAt) },
  { label: SHEET_LABELS.openid, value: (r) => r.openid },
  { label: SHEET_LABELS.scene, value: (r) => r.scene },
  { label: SHEET_LABELS.ticket, value: (r) => r.ticket },
  { label: SHEET_LABELS.fallback, value: (r, l) => yesNo(r.fallback, l) },
  { label: SHEET_LABELS.eventId, value: (r) => r.id },
  {
    label: { 'zh-CN': '集章完成', en: 'Stamps complete' },
    value: (r, l) => (r.stampsComplete == null ? '' : yesNo(r.stampsComplete, l)),
    rallyOnly: true,
  },
]

/** Rows read from the store per page: one page is all the export holds at a time. */
export const EXPORT_PAGE_ROWS = 2000

export interface SheetRequest {
  format: 'csv' | 'xlsx'
  locale: Locale
  scope: AttendanceScope
  now: number
  /** Whether each row's visitor completed the rally of its booth's campaign (null: none). */
  stampsComplete?: (r: AttendanceRow) => boolean | null
}

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
}

/** `scandesk-attendance-20260501-1430.csv`: the relay's local time, safe in any file system. */
export function sheetFileName(format: 'csv' | 'xlsx', now: number): string {
  const stamp = formatLocalTime(now).replace(/[-:]/g, '').replace(' ', '-').slice(0, 13)
  return `scandesk-attendance-${stamp}.${format}`
}

/**
 * Streams the sheet into `res`. Stops reading the store as soon as the client goes; a store
 * failure after the headers went out cuts the response short (the download is incomplete,
 * never silently truncated).
 */
export async function streamSheet(
  attendance: AttendanceReader,
  res: ServerResponse,
  q: SheetRequest,
): Promise<number> {
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES[q.format],
    'Content-Disposition': `attachment; filename="${sheetFileName(q.format, q.now)}"`,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  })
  const rally = q.stampsComplete
  const columns = COLUMNS.filter((c) => c.rallyOnly !== true || rally !== undefined)
  const header = columns.map((c) => c.label[q.locale])
  const toCells = (r: SheetRow, cells: Cell[]): void => {
    for (let i = 0; i < columns.length; i++)
      cells[i] = (columns[i] as (typeof columns)[0]).value(r, q.locale)
  }
  let gone = false
  const closed = new Promise<void>((resolve) =>
    res.once('close', () => {
      gone = true
      resolve()
    }),
  )
  let rows = 0
  try {
    const sink =
      q.format === 'csv' ? csvSink(res, header, toCells) : await xlsxSink(res, header, toCells)
    for await (const page of attendance.rows(q.scope, EXPORT_PAGE_ROWS)) {
      // The store's page is ours: marked in place, no copy per row.
      if (rally !== undefined) for (const r of page as SheetRow[]) r.stampsComplete = rally(r)
      // A reader that went away never drains: stop waiting for it.
      await Promise.race([sink.write(page), closed])
      if (gone) return rows
      rows += page.length
    }
    await Promise.race([sink.end(), closed])
  } catch (err) {
    res.destroy(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
  return rows
}
