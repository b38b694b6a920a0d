// exceljs is CommonJS: Node's ESM loader only offers its exports as the default import.
import ExcelJS from 'exceljs'
// exceljs reads workbooks with JSZip (its own dependency): checking with the same zip reader
// means the check sees exactly the entries exceljs will inflate.
import JSZip from 'jszip'

export const { Workbook } = ExcelJS
export const WorkbookWriter = ExcelJS.stream.xlsx.WorkbookWriter

/**
 * A roster of 100,000 rows unpacks to a few tens of MiB; exceljs inflates every entry whole, in
 * memory, before parsing, so the upload cap (which bounds the compressed size) does not bound
 * the memory an import takes. Rows are counted too: exceljs builds an object per row and cell,
 * so a million short rows (5 MB zipped, well under 100 MiB unpacked) took 1.6 GB.
 */
export const XLSX_LIMITS = {
  maxUnpackedBytes: 100 * 1024 * 1024,
  maxEntries: 10_000,
  /** Per worksheet. */
  maxSheetRows: Number.POSITIVE_INFINITY,
  /**
   * In all worksheets together: exceljs loads every worksheet, not only the one a roster
   * reads, so a per-sheet cap let three sheets of a million cells each through (700 MB). An
   * empty cell `<c r="A1"/>` is 12 bytes unpacked and ~240 bytes in exceljs.
   */
  maxCells: Number.POSITIVE_INFINITY,
  /**
   * Entries of the shared-string table, which exceljs also turns into objects: 5.5 million
   * `<si><t>a</t></si>` unpack to 94 MB (under the byte limit) and took 800 MB. Every text a
   * cell shows is one entry at most, so a workbook within `maxCells` needs no more than that.
   */
  maxSharedStrings: Number.POSITIVE_INFINITY,
  /**
   * Elements of every other XML part together (styles, workbook, comments, relationships):
   * exceljs turns those into objects too, and they were not counted, so a 270 KB workbook
   * whose styles.xml held 3 million `<xf/>` (54 MB unpacked) took 650 MB and 6 s to read.
   * A roster's are a few thousand.
   */
  maxOtherElements: Number.POSITIVE_INFINITY,
}
export type XlsxLimits = typeof XLSX_LIMITS

export type XlsxRefusal =
  'xlsx_too_large' | 'xlsx_too_many_parts' | 'xlsx_damaged' | 'too_many_rows' | 'too_many_cells'

/** The workbook would unpack to more than the limits allow, or lies about its sizes. */
export class XlsxRefusedError extends Error {
  override name = 'XlsxRefusedError'
  constructor(
    readonly code: XlsxRefusal,
    readonly params: Record<string, number>,
    message: string,
  ) {
    super(message)
  }
}

const MIB = 1024 * 1024
const tooLarge = (limit: number) =>
  new XlsxRefusedError(
    'xlsx_too_large',
    { mib: Math.round(limit / MIB) },
    `the XLSX file unpacks to more than ${Math.round(limit / MIB)} MiB (a zip bomb or not a roster); nothing was imported`,
  )

/** The size an entry's zip headers declare (JSZip keeps it on a private field). */
function declaredSize(entry: JSZip.JSZipObject): number {
  const data: unknown = Reflect.get(entry, '_data')
  if (typeof data !== 'object' || data === null) return 0
  const size: unknown = Reflect.get(data, 'uncompressedSize')
  return typeof size === 'number' && Number.isFinite(size) && size > 0 ? size : 0
}

/** The parts exceljs reads as worksheets (its own pattern, unanchored as it uses it). */
const WORKSHEET = /xl\/worksheets\/sheet\d+[.]xml/
/** The shared-string table, as exceljs finds it. */
const SHARED_STRINGS = /xl\/sharedStrings[.]xml/
/**
 * Row, cell and shared-string elements as exceljs's parser recognises them: unprefixed, then a
 * space, `/` or `>`.
 */
const TAG = /<(row|c|si)[\s/>]/g
const LONGEST_TAG = 5
/** Any element's start tag (not `</`, `<?` or `<!`), for the other XML parts. */
const ELEMENT = /<[A-Za-z_]/g
const XML_PART = /[.](xml|rels|vml)$/i

/** What the workbook's parts hold so far, counted while they inflate. */
interface WorkbookCounts {
  cells: number
  sharedStrings: number
  otherElements: number
}

/**
 * Counts row, cell and shared-string elements in XML that arrives in chunks: rows per part,
 * cells and shared strings into the workbook's totals. The last few characters of each chunk
 * are scanned again with the next one, so a tag split across chunks is counted once.
 */
class TagCounter {
  rows = 0
  private tail = ''

  /** `other`: a part that is neither a worksheet nor the shared strings (every element counts). */
  constructor(
    readonly totals: WorkbookCounts,
    private readonly other = false,
  ) {}

  private get pattern(): RegExp {
    return this.other ? ELEMENT : TAG
  }

  add(chunk: Buffer | string): void {
    // latin1 maps bytes 1:1, and the tags are ASCII: no decoding cost, no split characters.
    const text = this.tail + (typeof chunk === 'string' ? chunk : chunk.toString('latin1'))
    const settled = text.length - LONGEST_TAG
    const re = this.pattern
    re.lastIndex = 0
    for (let m = re.exec(text); m !== null && m.index < settled; m = re.exec(text)) this.count(m)
    this.tail = text.slice(Math.max(0, settled))
  }

  end(): void {
    for (const m of this.tail.matchAll(this.pattern)) this.count(m)
    this.tail = ''
  }

  private count(m: RegExpExecArray | RegExpMatchArray): void {
    if (this.other) this.totals.otherElements++
    else if (m[1] === 'row') this.rows++
    else if (m[1] === 'c') this.totals.cells++
    else this.totals.sharedStrings++
  }
}

const tooMany = (what: 'rows' | 'cells' | 'shared strings' | 'elements', limit: number) =>
  new XlsxRefusedError(
    what === 'rows' ? 'too_many_rows' : 'too_many_cells',
    { max: limit },
    `${what === 'rows' ? 'a worksheet' : 'the workbook'} has more than ${limit} ${what}; nothing was imported`,
  )

/**
 * Inflates one entry chunk by chunk, stopping as soon as the running total passes `budget`
 * (or a worksheet passes the row limit, or the workbook the cell or shared-string limit, which
 * throws).
 */
function inflatedSize(
  entry: JSZip.JSZipObject,
  budget: number,
  limits: XlsxLimits,
  totals: WorkbookCounts,
): Promise<number> {
  const counted = WORKSHEET.test(entry.name) || SHARED_STRINGS.test(entry.name)
  const tags = counted
    ? new TagCounter(totals)
    : XML_PART.test(entry.name)
      ? new TagCounter(totals, true)
      : null
  const overLimit = () =>
    tags === null
      ? null
      : totals.otherElements > limits.maxOtherElements
        ? tooMany('elements', limits.maxOtherElements)
        : tags.rows > limits.maxSheetRows
          ? tooMany('rows', limits.maxSheetRows)
          : totals.cells > limits.maxCells
            ? tooMany('cells', limits.maxCells)
            : totals.sharedStrings > limits.maxSharedStrings
              ? tooMany('shared strings', limits.maxSharedStrings)
              : null
  return new Promise((resolve, reject) => {
    const stream = entry.nodeStream('nodebuffer')
    let size = 0
    const stop = () => {
      // Stop inflating: the paused stream stops pulling from JSZip and is dropped.
      stream.pause()
      stream.removeListener('data', onData)
    }
    const onData = (chunk: Buffer | string) => {
      size += chunk.length
      tags?.add(chunk)
      const over = overLimit()
      if (over) {
        stop()
        reject(over)
      } else if (size > budget) {
        stop()
        resolve(size)
      }
    }
    stream.on('data', onData)
    stream.on('error', (err: Error) => {
      // JSZip checks each part's inflated size against its header at the end of the part.
      reject(
        size !== declaredSize(entry)
          ? new XlsxRefusedError(
              'xlsx_damaged',
              {},
              'the XLSX file is damaged: a part unpacks to another size than its header says; nothing was imported',
            )
          : err,
      )
    })
    stream.on('end', () => {
      tags?.end()
      const over = overLimit()
      if (over) reject(over)
      else resolve(size)
    })
  })
}

/** How a ZIP starts (a local file header) and the record every ZIP ends with. */
const ZIP_START = Buffer.from([0x50, 0x4b, 0x03, 0x04])
const ZIP_END = Buffer.from([0x50, 0x4b, 0x05, 0x06])

/** The end-of-central-directory record's fixed part; a comment of up to 65,535 bytes follows. */
const ZIP_END_SIZE = 22
const ZIP_MAX_COMMENT = 0xffff

/**
 * Whether the bytes are a ZIP by its end, as a ZIP reader finds one (JSZip does, so exceljs
 * does): an end-of-central-directory record in the last 64 KiB whose comment length reaches the
 * file's last byte exactly and whose directory lies before it. A ZIP with bytes before it (a
 * text preamble, a self-extractor's stub) is found however long that preamble is; a CSV that
 * happens to hold `PK\x05\x06` is not taken for one, as its "record" does not add up.
 */
export function endsAsZip(data: Buffer): boolean {
  const last = data.length - ZIP_END_SIZE
  for (let at = last; at >= 0 && at >= last - ZIP_MAX_COMMENT; at--) {
    at = data.lastIndexOf(ZIP_END, at)
    if (at === -1) return false
    if (at < last - ZIP_MAX_COMMENT) return false
    if (data.readUInt16LE(at + 20) !== data.length - at - ZIP_END_SIZE) continue
    const dirSize = data.readUInt32LE(at + 12)
    const dirOffset = data.readUInt32LE(at + 16)
    // ZIP64 keeps the real figures in its own record and writes 0xffffffff here.
    if (dirOffset === 0xffffffff || dirSize === 0xffffffff) return true
    if (dirOffset + dirSize <= at) return true
  }
  return false
}

/**
 * Throws JSZip's own error for bytes that cannot be a ZIP: no local header at the start and no
 * end-of-directory record anywhere, which is JSZip's first test, so it refuses them before
 * reading anything else (a scan of the bytes). The worker that reads a workbook takes 0.5 s to
 * start bundled, seconds from the sources; a PNG or a PDF named .xlsx no longer starts one, and
 * gets the answer the worker gave it. A ZIP with bytes before it, or an empty one, passes, and
 * is read or refused by the worker as before.
 */
export async function refuseNonZip(data: Buffer): Promise<void> {
  if (data.subarray(0, ZIP_START.length).equals(ZIP_START) || data.includes(ZIP_END)) return
  await JSZip.loadAsync(data)
}

/**
 * Throws `XlsxRefusedError` if the workbook's entries declare, or actually inflate to, more
 * than `limits.maxUnpackedBytes` in total (or there are more than `limits.maxEntries` entries,
 * a worksheet has more than `limits.maxSheetRows` rows, or the workbook more than
 * `limits.maxCells` cells or `limits.maxSharedStrings` shared strings).
 * Declared sizes are checked first (no inflating); the entries are then inflated as a stream
 * and counted, since a zip can lie about its sizes. Memory stays at a chunk at a time.
 * Other damage (not a zip) throws JSZip's own error.
 */
export async function checkXlsxSize(data: Buffer, limits: XlsxLimits = XLSX_LIMITS): Promise<void> {
  const zip = await JSZip.loadAsync(data)
  const entries = Object.values(zip.files).filter((e) => !e.dir)
  if (entries.length > limits.maxEntries) {
    throw new XlsxRefusedError(
      'xlsx_too_many_parts',
      { max: limits.maxEntries },
      `the XLSX file has more than ${limits.maxEntries} parts; nothing was imported`,
    )
  }
  const declared = entries.reduce((sum, e) => sum + declaredSize(e), 0)
  if (declared > limits.maxUnpackedBytes) throw tooLarge(limits.maxUnpackedBytes)
  let total = 0
  const totals: WorkbookCounts = { cells: 0, sharedStrings: 0, otherElements: 0 }
  for (const entry of entries) {
    total += await inflatedSize(entry, limits.maxUnpackedBytes - total, limits, totals)
    if (total > limits.maxUnpackedBytes) throw tooLarge(limits.maxUnpackedBytes)
  }
}
