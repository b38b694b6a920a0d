// Folder attendance/: the console's view of the consolidated attendance. routes.ts (the
// `/console/api` handlers), sheet.ts (here: the export), live-events.ts (server-sent events).
/**
 * The consolidated export: every kiosk's rows in one sheet, streamed page by page from the store
 * into the response with shared/export's writers (CSV: BOM, formula escaping, ~64 KiB writes;
 * XLSX: our own streamed zip, xlsx-writer.ts). The columns are the kiosk export's, in its
 * order, with the booth first (contract v2), and the stamp rally's completion last when a
 * campaign in scope has one. What only a kiosk can know is left empty: whether its pool knew
 * the ticket (未知二维码), and the campaign, first visit and number of a row stored before rows
 * kept them. 活动 is the campaign's name as organizers gave it (read once per export,
 * campaign-names.ts), its id when the relay no longer has the campaign.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { acceptedCodings } from '../../shared/server/accept-encoding'
import type { Locale } from '../../shared/domain'
import {
  firstVisitCell,
  kindLabel,
  SHEET_LABELS,
  SHEET_NAMES,
  yesNo,
  type Cell,
} from '../../shared/export/cells'
import { campaignFilePart, fileStamp, rfc5987, sheetWord } from '../../shared/export/file-name'
import { csvSink } from '../../shared/export/sinks'
import { excelTimeCache, localTimeCache } from '../../shared/export/time-cache'
import { sheetTitle, xlsxStreamSink } from '../../shared/export/xlsx-writer'
import type { AttendanceReader, AttendanceScope, ExportRow } from '../store/attendance'
import type { PersonOf, RosterPerson } from './people'
import { dayWindow, rowsIn } from './days'

/**
 * A row as the sheet writes it: with its visitor's roster entry, and the stamp rally's
 * completion when one is in scope.
 */
type SheetRow = ExportRow & { person?: RosterPerson | null; stampsComplete?: boolean | null }

/**
 * What a column's value may use: the sheet's locale, its (cached) time cell (the local time's
 * text in CSV, its Excel serial day in XLSX: a `time` column, shown as a date-time), and the
 * campaigns' names.
 */
interface CellContext {
  locale: Locale
  time: (ms: number) => Cell
  campaignNames: ReadonlyMap<string, string>
}

/**
 * Every column of the consolidated sheet, in order: the one place a column is added (its
 * heading, and its cell from a row). Numbers stay numbers in XLSX; '' is an empty cell.
 */
export const SHEET_COLUMNS: readonly {
  label: Record<Locale, string>
  value: (r: SheetRow, c: CellContext) => Cell
  /**
   * The cell is always our own text (a label, a formatted time, a number): CSV writes it with
   * no formula or quoting check. Never set on a column that carries pushed data.
   */
  plain?: true
  /** Only in a sheet whose scope has a stamp rally. */
  rallyOnly?: true
  /** Its cell is `c.time(…)`: a date-time cell in XLSX. */
  time?: true
}[] = [
  { label: SHEET_LABELS.kioskId, value: (r) => r.kioskId },
  { label: SHEET_LABELS.checkInNumber, value: (r) => r.number ?? '', plain: true },
  { label: SHEET_LABELS.name, value: (r) => r.person?.name ?? '' },
  { label: SHEET_LABELS.company, value: (r) => r.person?.company ?? '' },
  { label: SHEET_LABELS.phone, value: (r) => r.person?.phone ?? '' },
  { label: SHEET_LABELS.code, value: (r) => r.person?.code ?? '' },
  {
    label: SHEET_LABELS.firstVisit,
    value: (r, c) => firstVisitCell(r.firstInCampaign, r.openid, c.locale),
    plain: true,
  },
  { label: SHEET_LABELS.kind, value: (r, c) => kindLabel(r.event, c.locale), plain: true },
  {
    label: SHEET_LABELS.scannedAt,
    value: (r, c) => c.time(r.createTime * 1000),
    plain: true,
    time: true,
  },
  {
    label: SHEET_LABELS.receivedAt,
    value: (r, c) => c.time(r.receivedAt),
    plain: true,
    time: true,
  },
  { label: SHEET_LABELS.openid, value: (r) => r.openid },
  { label: SHEET_LABELS.scene, value: (r) => r.scene },
  // The kiosk's own finding (its pool did not hold the ticket): the relay cannot tell.
  { label: SHEET_LABELS.unknownTicket, value: () => '', plain: true },
  { label: SHEET_LABELS.fallback, value: (r, c) => yesNo(r.fallback, c.locale), plain: true },
  // The name organizers gave it; the id of a campaign the relay no longer has.
  {
    label: SHEET_LABELS.campaign,
    value: (r, c) =>
      r.campaignId === undefined ? '' : (c.campaignNames.get(r.campaignId) ?? r.campaignId),
  },
  { label: SHEET_LABELS.eventId, value: (r) => r.id },
  {
    label: SHEET_LABELS.stampsComplete,
    value: (r, c) => (r.stampsComplete == null ? '' : yesNo(r.stampsComplete, c.locale)),
    plain: true,
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
  stampsComplete?: (r: ExportRow) => boolean | null
  /** Each row's visitor's roster entry (absent: no campaign in scope has a bound visitor). */
  personOf?: PersonOf
  /** The campaign in scope, for the file's name (absent: every campaign). */
  campaign?: SheetCampaign
  /** The campaigns' names by id, for the 活动 column (absent, or a campaign not in it: its id). */
  campaignNames?: ReadonlyMap<string, string>
  /** One local day's rows only (`YYYY-MM-DD`, in the file's name too); absent: every day's. */
  day?: string
  /** Send a CSV gzip-compressed (`sheetGzip`); an XLSX is never (a zip already). */
  gzip?: boolean
}

/**
 * Whether the sheet goes gzip-compressed: a CSV to a client whose Accept-Encoding takes gzip
 * (a browser's does; 100,000 rows go as a quarter of their bytes). Safe from BREACH-style guessing:
 * the sheet's body holds attendance rows and nothing secret (no session, token, key or code;
 * the session cookie is in the request, and headers are not compressed), so a visitor who puts
 * text in a row learns nothing by its size. An XLSX is a zip already: always as it is.
 */
export function sheetGzip(format: 'csv' | 'xlsx', headers: IncomingHttpHeaders): boolean {
  return format === 'csv' && acceptedCodings(headers['accept-encoding'], ['gzip']).length > 0
}

/** The CSV's coding headers (Vary either way, for a cache in between); an XLSX's: none. */
function sheetCodingHeaders(format: 'csv' | 'xlsx', gzip: boolean): Record<string, string> {
  if (format !== 'csv') return {}
  return gzip
    ? { Vary: 'Accept-Encoding', 'Content-Encoding': 'gzip' }
    : { Vary: 'Accept-Encoding' }
}

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
}

/** The campaign a sheet is scoped to, as its file is named. */
export interface SheetCampaign {
  id: string
  /** Its name as the organizer gave it (any text: Chinese, slashes, quotes …). */
  name: string
}

/**
 * `scandesk-attendance-20260501-1430.csv` (a campaign's: `scandesk-attendance-<id>-…`; one
 * day's: `…-day-2026-05-01-…`): the relay's local time, ASCII only (a campaign id is), safe in
 * any file system and header.
 */
export function sheetFileName(
  format: 'csv' | 'xlsx',
  now: number,
  campaignId?: string,
  day?: string,
): string {
  const stamp = fileStamp(now)
  const scope = campaignId === undefined ? '' : `${campaignId}-`
  const oneDay = day === undefined ? '' : `day-${day}-`
  return `scandesk-attendance-${scope}${oneDay}${stamp}.${format}`
}

/**
 * A campaign's sheet as the organizer saves it: `春季展会-签到记录-20260501-1430.xlsx`, the
 * name's characters a file name cannot hold replaced by `_` (the id when nothing is left).
 */
export function campaignSheetFileName(
  format: 'csv' | 'xlsx',
  now: number,
  campaign: SheetCampaign,
  locale: Locale,
  day?: string,
): string {
  const stamp = fileStamp(now)
  const oneDay = day === undefined ? '' : `${day}-`
  return `${campaignFilePart(campaign)}-${sheetWord(locale)}-${oneDay}${stamp}.${format}`
}

/** What a sheet's response headers depend on: a GET's request and the HEAD that asks about it. */
export type SheetHeadersFor = Pick<SheetRequest, 'format' | 'now' | 'campaign' | 'day' | 'gzip'> & {
  locale?: Locale
}

/**
 * The sheet's response headers, the same for a GET (before its rows) and a HEAD (alone). A
 * campaign's sheet carries its name as `filename*` (RFC 6266/5987, UTF-8) with the ASCII name as
 * the fallback; a CSV adds its coding headers (`sheetCodingHeaders`), gzip only when `gzip` is set.
 */
export function sheetHeaders(q: SheetHeadersFor): Record<string, string> {
  const { format, now, campaign, day } = q
  const ascii = sheetFileName(format, now, campaign?.id, day)
  const disposition =
    campaign === undefined
      ? `attachment; filename="${ascii}"`
      : `attachment; filename="${ascii}"; filename*=UTF-8''${rfc5987(campaignSheetFileName(format, now, campaign, q.locale ?? 'zh-CN', day))}`
  return {
    'Content-Type': CONTENT_TYPES[format],
    'Content-Disposition': disposition,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...sheetCodingHeaders(format, format === 'csv' && q.gzip === true),
  }
}

/** How a streamed sheet went: the rows handed to the socket, and whether all of it was. */
export interface SheetResult {
  rows: number
  /** False: the client went (or the socket was cut) before the sheet's end was sent. */
  complete: boolean
}

/**
 * Streams the sheet into `res`. The first page is read before the headers go: a store that
 * fails by then (SQLite's pending rows that cannot be built) throws with nothing sent, for the
 * caller to answer. Stops reading the store as soon as the client goes; a store failure after
 * the headers went out cuts the response short (the download is incomplete, never silently
 * truncated).
 */
export async function streamSheet(
  attendance: AttendanceReader,
  res: ServerResponse,
  q: SheetRequest,
): Promise<SheetResult> {
  const all = attendance.rows(q.scope, EXPORT_PAGE_ROWS)
  const pages = (q.day === undefined ? all : rowsIn(all, dayWindow(q.day)))[Symbol.asyncIterator]()
  let next = await pages.next()
  const gzip = q.format === 'csv' && q.gzip === true
  res.writeHead(200, sheetHeaders(q))
  const rally = q.stampsComplete
  const personOf = q.personOf
  const columns = SHEET_COLUMNS.filter((c) => c.rallyOnly !== true || rally !== undefined)
  const header = columns.map((c) => c.label[q.locale])
  const context: CellContext = {
    locale: q.locale,
    time: q.format === 'csv' ? localTimeCache() : excelTimeCache(),
    campaignNames: q.campaignNames ?? new Map(),
  }
  const values = columns.map((c) => c.value)
  const toCells = (r: SheetRow, cells: Cell[]): void => {
    for (let i = 0; i < values.length; i++) cells[i] = (values[i] as (typeof values)[0])(r, context)
  }
  // Already gone (the reader left, or the relay's shutdown cut it, while the page was read):
  // its 'close' has been and will not come again.
  let gone = res.destroyed
  const closed = gone
    ? Promise.resolve()
    : new Promise<void>((resolve) =>
        res.once('close', () => {
          gone = true
          resolve()
        }),
      )
  // Compressed: the rows go through gzip into the response (zlib's default level: 100,000 rows
  // 4× smaller for ~0.3 s more relay CPU, docs/BENCHMARKS.md); the client going
  // closes the gzip stream too, so the sink's next write fails as it would on the response.
  const compressor = gzip ? createGzip() : null
  const out: Writable = compressor ?? res
  const piped = compressor === null ? null : settled(pipeline(compressor, res))
  let rows = 0
  try {
    const sink =
      q.format === 'csv'
        ? csvSink(
            out,
            header,
            toCells,
            columns.map((c) => c.plain === true),
          )
        : await xlsxStreamSink(res, header, toCells, {
            sheetName: SHEET_NAMES.attendance[q.locale],
            dateTimes: columns.map((c) => c.time === true),
            title: sheetTitle(
              q.campaign?.name ?? '',
              SHEET_NAMES.attendance[q.locale],
              q.day ?? '',
            ),
            locale: q.locale,
          })
    for (; next.done !== true; next = await pages.next()) {
      const page = next.value
      // The store's page is ours: marked in place, no copy per row.
      if (rally !== undefined) for (const r of page as SheetRow[]) r.stampsComplete = rally(r)
      if (personOf !== undefined) for (const r of page as SheetRow[]) r.person = personOf(r)
      // A reader that went away never drains: stop waiting for it.
      await Promise.race([settled(sink.write(page)), closed])
      if (gone) return { rows, complete: false }
      rows += page.length
    }
    await Promise.race([settled(sink.end()), closed])
    // Compressed: its last bytes through to the response.
    if (piped !== null) await Promise.race([piped, closed])
    // Closed before the end was flushed: the sheet never reached its end.
    if (!res.writableFinished) return { rows, complete: false }
  } catch (err) {
    // The reader went while a write was under way (seen by the compressor first): abandoned.
    if (gone && compressor !== null) return { rows, complete: false }
    compressor?.destroy()
    res.destroy(err instanceof Error ? err : new Error(String(err)))
    throw err
  } finally {
    // Stopped early (the reader went, a write failed): the store's reads end here too.
    if (next.done !== true) await pages.return?.()
  }
  return { rows, complete: true }
}

/**
 * `p`, also handled on its own: a write still pending when the reader went away fails later
 * (the zip writer's "destination closed"), after the race has moved on, and must not become an
 * unhandled rejection (which would end the relay).
 */
function settled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {})
  return p
}
