/**
 * A roster CSV's import (shared/roster/roster-import.ts `parseRosterFile`, which the relay's
 * upload and the kiosk's import both call): a 100,000-row file as Excel saves it (UTF-8 with a
 * BOM, CRLF; Chinese names, companies, mobile numbers, codes, a notes column), parsed and
 * validated in this process, with every gap between two turns of the event loop measured.
 * - `roster.import.csv-100k.total`: the whole `parseRosterFile('csv', …)`, compared with the
 *   one-shot read the code did before (decode, `csv-parse/sync` over the whole text with the
 *   same options, `validateTable`), timed the same way.
 * - `roster.import.csv-100k.longest-stall`: the longest the loop waited during the import (a
 *   chain of setImmediate callbacks; the gaps between them), against the one-shot's.
 * - `roster.import.csv-100k.validate`: `validateTable` alone on the same table in one go (no turn
 *   between its rows): the validation's work, which the import spreads over batches of rows.
 * Median of 5 runs each, the two taking turns (2 in quick mode).
 */
import { parse as parseSync } from 'csv-parse/sync'
import { decodeRoster } from '../shared/roster/roster-encoding'
import {
  CSV_SLICE_BYTES,
  delimiterOf,
  VALIDATE_ROWS_PER_TURN,
  parseRosterFile,
  validateTable,
  type ParsedRoster,
} from '../shared/roster/roster-import'
import { guestName } from './names'
import { percentile, ratio, round, type Results } from './result'

const ROWS = 100_000
const CITIES = ['北京', '上海', '深圳', '广州', '杭州', '成都', '南京', '武汉', '苏州', '西安']
const TRADES = ['星辰', '华信', '远航', '博达', '创新', '鼎盛', '中科', '天成', '海纳', '恒通']
const KINDS = [
  '科技有限公司',
  '信息技术有限公司',
  '贸易有限公司',
  '文化传媒有限公司',
  '医疗器械股份有限公司',
]
const NOTES = ['', '', '', '', 'VIP', '素食', '需要发票', '嘉宾, 第一排']

/** One field as Excel writes it: quoted (inner quotes doubled) when it holds a comma or quote. */
function field(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

/** The roster file: a BOM, a Chinese header, ROWS guests, CRLF line ends. */
export function rosterCsv(rows: number): Buffer {
  const lines = ['姓名,单位,电话,编号,备注']
  for (let i = 0; i < rows; i++) {
    const h = Math.imul(i + 7, 2246822519) >>> 0
    // One company in 20 names its branch after a comma (a quoted field, as Excel writes it).
    const company =
      `${CITIES[h % 10]!}${TRADES[(h >>> 4) % 10]!}${KINDS[(h >>> 8) % 5]!}` +
      (h % 20 === 0 ? `, ${CITIES[(h >>> 12) % 10]!}分公司` : '')
    const phone = `1${'3589'[(h >>> 16) % 4]!}${String(h % 1e9).padStart(9, '0')}`
    const note = NOTES[(h >>> 20) % NOTES.length]!
    const cells = [guestName(i), company, phone, `R${String(i).padStart(6, '0')}`, note]
    lines.push(cells.map(field).join(','))
  }
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join('\r\n'), 'utf8')])
}

/** The read before slicing: the whole text through csv-parse in one synchronous call. */
function oneShotTable(data: Buffer): string[][] {
  const text = decodeRoster(data).text
  return parseSync(text, {
    delimiter: delimiterOf(text),
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: false,
  })
}

interface Timed {
  ms: number
  /** The longest gap between two turns of the loop while `work` ran, ms. */
  longestStall: number
  /** The same without the last gap (before the loop's last turn, the import's end). */
  longestBeforeEnd: number
  turns: number
  parsed: ParsedRoster
}

/** Runs `work` with a setImmediate chain beside it: its time and the loop's longest gap. */
async function timedWithStalls(work: () => Promise<ParsedRoster>): Promise<Timed> {
  let running = true
  let turns = 0
  let longestStall = 0
  const t0 = performance.now()
  let last = t0
  const turn = (): void => {
    const now = performance.now()
    longestStall = Math.max(longestStall, now - last)
    last = now
    turns++
    if (running) setImmediate(turn)
  }
  setImmediate(turn)
  const parsed = await work()
  const end = performance.now()
  running = false
  const longestBeforeEnd = longestStall
  longestStall = Math.max(longestStall, end - last)
  return { ms: end - t0, longestStall, longestBeforeEnd, turns, parsed }
}

const median = (xs: number[]): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  )

export async function benchRosterImport(quick: boolean): Promise<Results> {
  const data = rosterCsv(ROWS)
  const runs = quick ? 2 : 5
  const sliced: Timed[] = []
  const oneShot: Timed[] = []
  const validate: number[] = []
  // A warm-up of each (the parser's code compiled), then the two in turns.
  await parseRosterFile('csv', data)
  await validateTable(oneShotTable(data), Infinity)
  for (let i = 0; i < runs; i++) {
    const pair = [
      async () => sliced.push(await timedWithStalls(() => parseRosterFile('csv', data))),
      async () =>
        oneShot.push(await timedWithStalls(() => validateTable(oneShotTable(data), Infinity))),
    ]
    for (const run of i % 2 === 0 ? pair : pair.reverse()) await run()
    const table = oneShotTable(data)
    const v0 = performance.now()
    await validateTable(table, Infinity)
    validate.push(performance.now() - v0)
  }
  for (const t of [...sliced, ...oneShot]) {
    if (t.parsed.errors.length > 0 || t.parsed.rows.length !== ROWS) {
      throw new Error(
        `roster import read ${t.parsed.rows.length} rows, ${t.parsed.errors.length} problems`,
      )
    }
  }
  const total = median(sliced.map((t) => t.ms))
  const totalOneShot = median(oneShot.map((t) => t.ms))
  const stall = median(sliced.map((t) => t.longestStall))
  const stallOneShot = median(oneShot.map((t) => t.longestStall))
  const mb = round(data.length / 1024 / 1024, 1)
  const of = `${ROWS} rows, ${mb} MB (UTF-8 with BOM, CRLF; 姓名,单位,电话,编号,备注), median of ${runs}`
  const range = (xs: number[]) =>
    `${round(Math.min(...xs), 1)}–${round(Math.max(...xs), 1)} ms over the runs`
  return {
    'roster.import.csv-100k.total': {
      value: round(total, 1),
      unit: 'ms',
      compare: {
        against: `one-shot csv-parse/sync + validate, the read before slicing (${round(totalOneShot, 1)} ms)`,
        ratio: ratio(total, totalOneShot),
      },
      note: `parseRosterFile('csv'): decode, checks, csv-parse in ${CSV_SLICE_BYTES / 1024} KiB slices, validate in batches of ${VALIDATE_ROWS_PER_TURN} rows; ${of}; ${range(sliced.map((t) => t.ms))}`,
    },
    'roster.import.csv-100k.longest-stall': {
      value: round(stall, 1),
      unit: 'ms',
      compare: {
        against: `the one-shot read's (${round(stallOneShot, 1)} ms: the whole read)`,
        ratio: ratio(stall, stallOneShot),
      },
      note: `the longest gap between two turns of the event loop (setImmediate chain) during the import; ${range(sliced.map((t) => t.longestStall))}; before the last gap ${round(median(sliced.map((t) => t.longestBeforeEnd)), 1)} ms; ${median(sliced.map((t) => t.turns))} turns (one-shot: ${median(oneShot.map((t) => t.turns))})`,
    },
    'roster.import.csv-100k.validate': {
      value: round(median(validate), 1),
      unit: 'ms',
      note: `validateTable alone on the ${ROWS}-row table in one go (the import's validation, whose batches of ${VALIDATE_ROWS_PER_TURN} rows have a turn between); ${range(validate)}`,
    },
  }
}
