// Folder shared/export/: spreadsheet output shared by the kiosk's export (electron/core/export)
// and the relay's consolidated one (relay/console). cells.ts (here) turns values into cells and
// CSV text; sinks.ts streams rows to a CSV or XLSX file.
/**
 * Cell formatting for attendance sheets: local times, yes/no, formula-injection escaping and
 * RFC 4180 CSV records. Plain TS (no Node), so any process can format a sheet the same way.
 */
import { isErasedOpenid } from '../console-api'
import type { Locale } from '../domain'

export type Cell = string | number

export const yesNo = (b: boolean, locale: Locale): string =>
  locale === 'zh-CN' ? (b ? '是' : '否') : b ? 'yes' : 'no'

/**
 * A row's 首次到访 / First visit, in both attendance sheets: yes or no, or empty when not known (a
 * relay row stored before rows kept it) or when the row is an erased visitor's (its openid an
 * `erased:…` pseudonym). Such a row stays as a scan, but is no one's visit: the stats and the
 * days leave it out of the visitors, and the visitor scanning again is a new one, whose new
 * first row is 是. Kept 是, the sheet's "one row per visitor" filter counted the erased visitor,
 * and one who came back twice.
 */
export const firstVisitCell = (
  first: boolean | undefined,
  openid: string,
  locale: Locale,
): string => (first === undefined || isErasedOpenid(openid) ? '' : yesNo(first, locale))

/**
 * Column headings both attendance sheets (a kiosk's, the relay's consolidated one) use: the
 * words the console and the kiosk use for the same things (docs/GLOSSARY.md; test/repo/glossary).
 */
export const SHEET_LABELS = {
  kioskId: { 'zh-CN': '签到台', en: 'Booth' },
  kind: { 'zh-CN': '类型', en: 'Kind' },
  scannedAt: { 'zh-CN': '扫码时间', en: 'Scanned at' },
  receivedAt: { 'zh-CN': '接收时间', en: 'Received at' },
  openid: { 'zh-CN': 'OpenID', en: 'OpenID' },
  scene: { 'zh-CN': '场景值', en: 'Scene' },
  fallback: { 'zh-CN': '备用码', en: 'Fallback code' },
  eventId: { 'zh-CN': '事件ID', en: 'Event ID' },
  checkInNumber: { 'zh-CN': '签到号', en: 'Check-in no.' },
  name: { 'zh-CN': '姓名', en: 'Name' },
  company: { 'zh-CN': '单位', en: 'Company' },
  phone: { 'zh-CN': '电话', en: 'Phone' },
  code: { 'zh-CN': '编号', en: 'Code' },
  firstVisit: { 'zh-CN': '首次到访', en: 'First visit' },
  unknownTicket: { 'zh-CN': '未知二维码', en: 'Unknown code' },
  campaign: { 'zh-CN': '活动', en: 'Campaign' },
  stampsComplete: { 'zh-CN': '集章完成', en: 'Stamp rally completed' },
} as const satisfies Record<string, Record<Locale, string>>

/**
 * Worksheet tab names, in the sheet's language like its headings: the kiosk's and the relay's
 * attendance sheet (the console's and the kiosk's page name), the winners sheet (the console's
 * winners download). docs/GLOSSARY.md.
 */
export const SHEET_NAMES = {
  attendance: { 'zh-CN': '签到记录', en: 'Attendance' },
  winners: { 'zh-CN': '中奖名单', en: 'Winners' },
} as const satisfies Record<string, Record<Locale, string>>

/** The event's kind as organizers read it: a new follower, or a scan by a follower. */
export const kindLabel = (kind: 'subscribe' | 'scan', locale: Locale): string =>
  kind === 'subscribe'
    ? locale === 'zh-CN'
      ? '新关注'
      : 'New follower'
    : locale === 'zh-CN'
      ? '扫码'
      : 'Scan'

/** Two digits; at module level, as a closure per call showed up in the 100k-row profile. */
const p = (n: number): string => (n < 10 ? `0${n}` : String(n))

/** Local wall-clock time, `YYYY-MM-DD HH:mm:ss`: what organizers expect to read in Excel. */
export function formatLocalTime(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

/** 1970-01-01 as an Excel serial day (the 1900 date system every spreadsheet reads). */
export const EXCEL_UNIX_EPOCH_DAYS = 25569

/**
 * Local wall-clock time, to the second, as an Excel date-time serial (days since 1899-12-30):
 * the XLSX's cell for a time, shown with a date-time format; the same second `formatLocalTime`
 * writes (dropped milliseconds, as there: Excel would round 07:59:59.900 up to 08:00:00).
 */
export function excelLocalTime(ms: number): number {
  const s = Math.floor(ms / 1000)
  return EXCEL_UNIX_EPOCH_DAYS + (s - new Date(s * 1000).getTimezoneOffset() * 60) / 86_400
}

/*
 * What a spreadsheet runs as a formula when it opens a CSV: a cell whose first character is
 * `=`, `+`, `-` or `@`, also behind leading white space (LibreOffice's import trims spaces when
 * asked, and remembers the choice; Google Sheets and many converters trim), and one starting
 * with tab or CR, which some programs strip first. docs/DESIGN.md "The kiosk" (its formula
 * escaping item) says which characters were looked at and left (the full-width ＝＋－＠ among
 * them).
 */
const TRIGGERS = '=+-@\t\r'
const BEHIND_SPACE = /^\s+[=+\-@]/

/**
 * A cell a spreadsheet would run as a formula gets a leading apostrophe. The first character
 * decides for almost every cell (this runs for each cell of a 100,000-row sheet); only one that
 * starts with white space is looked at further.
 */
export function escapeFormula(cell: Cell): Cell {
  if (typeof cell !== 'string' || cell === '') return cell
  const first = cell[0] as string
  if (TRIGGERS.includes(first)) return `'${cell}`
  return first.trim() === '' && BEHIND_SPACE.test(cell) ? `'${cell}` : cell
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

/**
 * One CSV record with its CRLF; `escape` applies formula escaping to every cell but those
 * `plain` marks: a plain cell (our own text: a label, a formatted time, a number) is written as
 * it is, with neither escaping nor quoting.
 */
export function csvRecord(
  cells: readonly Cell[],
  escape: boolean,
  plain: readonly boolean[] = [],
): string {
  let line = ''
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i] as Cell
    if (i > 0) line += ','
    if (plain[i] === true) line += String(cell)
    else line += csvField(escape ? escapeFormula(cell) : cell)
  }
  return `${line}\r\n`
}
