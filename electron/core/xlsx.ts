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
 * the memory an import takes.
 */
export const XLSX_LIMITS = { maxUnpackedBytes: 100 * 1024 * 1024, maxEntries: 10_000 }

/** The workbook would unpack to more than the limits allow, or lies about its sizes. */
export class XlsxRefusedError extends Error {
  override name = 'XlsxRefusedError'
}

const MIB = 1024 * 1024
const tooLarge = (limit: number) =>
  new XlsxRefusedError(
    `the XLSX file unpacks to more than ${Math.round(limit / MIB)} MiB (a zip bomb or not a roster); nothing was imported`,
  )

/** The size an entry's zip headers declare (JSZip keeps it on a private field). */
function declaredSize(entry: JSZip.JSZipObject): number {
  const data: unknown = Reflect.get(entry, '_data')
  if (typeof data !== 'object' || data === null) return 0
  const size: unknown = Reflect.get(data, 'uncompressedSize')
  return typeof size === 'number' && Number.isFinite(size) && size > 0 ? size : 0
}

/** Inflates one entry chunk by chunk, stopping as soon as the running total passes `budget`. */
function inflatedSize(entry: JSZip.JSZipObject, budget: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = entry.nodeStream('nodebuffer')
    let size = 0
    const onData = (chunk: Buffer | string) => {
      size += chunk.length
      if (size > budget) {
        // Stop inflating: the paused stream stops pulling from JSZip and is dropped.
        stream.pause()
        stream.removeListener('data', onData)
        resolve(size)
      }
    }
    stream.on('data', onData)
    stream.on('error', (err: Error) => {
      // JSZip checks each part's inflated size against its header at the end of the part.
      reject(
        size !== declaredSize(entry)
          ? new XlsxRefusedError(
              'the XLSX file is damaged: a part unpacks to another size than its header says; nothing was imported',
            )
          : err,
      )
    })
    stream.on('end', () => resolve(size))
  })
}

/**
 * Throws `XlsxRefusedError` if the workbook's entries declare, or actually inflate to, more
 * than `limits.maxUnpackedBytes` in total (or there are more than `limits.maxEntries` entries).
 * Declared sizes are checked first (no inflating); the entries are then inflated as a stream
 * and counted, since a zip can lie about its sizes. Memory stays at a chunk at a time.
 * Other damage (not a zip) throws JSZip's own error.
 */
export async function checkXlsxSize(data: Buffer, limits = XLSX_LIMITS): Promise<void> {
  const zip = await JSZip.loadAsync(data)
  const entries = Object.values(zip.files).filter((e) => !e.dir)
  if (entries.length > limits.maxEntries) {
    throw new XlsxRefusedError(
      `the XLSX file has more than ${limits.maxEntries} parts; nothing was imported`,
    )
  }
  const declared = entries.reduce((sum, e) => sum + declaredSize(e), 0)
  if (declared > limits.maxUnpackedBytes) throw tooLarge(limits.maxUnpackedBytes)
  let total = 0
  for (const entry of entries) {
    total += await inflatedSize(entry, limits.maxUnpackedBytes - total)
    if (total > limits.maxUnpackedBytes) throw tooLarge(limits.maxUnpackedBytes)
  }
}
