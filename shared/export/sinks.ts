/**
 * The streaming CSV writer (UTF-8 with BOM so Excel opens Chinese correctly, formula escaped)
 * and what both sheet writers share; the XLSX one is xlsx-writer.ts. Rows go out page by page
 * and each page waits for the destination to drain, so memory stays flat whatever the row
 * count.
 */
import type { Writable } from 'node:stream'
import { csvRecord, type Cell } from './cells'
import { closedError, drained } from './zip-writer'

export interface SheetSink<R> {
  write(records: readonly R[]): Promise<void>
  end(): Promise<void>
}

/** What a CSV sink gathers before one write (UTF-16 code units: ~64 KiB of mostly ASCII). */
export const CSV_CHUNK_CHARS = 64 * 1024

/**
 * What a sink may leave queued in its destination before it waits for it to drain. Waiting at
 * the destination's own mark (16 KiB for a socket) made the writer stop after every ~64 KiB
 * chunk until the reader had taken it all: ~2,500 waits per 1,000,000-row export, each
 * leaving the socket idle while the next chunk was being formatted. A bounded amount, so
 * memory stays flat whatever the row count.
 */
export const QUEUED_BYTES = 1024 * 1024

export async function writeWithBackpressure(out: Writable, chunk: string | Buffer): Promise<void> {
  // Past the destination's mark write() returns false and 'drain' follows once it empties.
  if (out.write(chunk)) return
  // A destination destroyed (its reader gone) takes nothing more: the export stops here
  // instead of formatting the rest of the rows for nobody.
  if (out.destroyed) throw closedError(out)
  if (out.writableLength >= QUEUED_BYTES) await drained(out)
}

/**
 * `toCells` fills the row's cells into the array it is given (reused: no array per row).
 * `plain[i]` true: column i's cells are written as they are (`csvRecord`): half the cells of an
 * attendance row, and the checks on them were a large part of a 1,000,000-row export.
 */
export function csvSink<R>(
  out: Writable,
  header: readonly string[],
  toCells: (r: R, cells: Cell[]) => void,
  plain: readonly boolean[] = [],
): SheetSink<R> {
  let started = false
  const start = async () => {
    started = true
    await writeWithBackpressure(out, `\uFEFF${csvRecord(header, false)}`)
  }
  const cells: Cell[] = new Array<Cell>(header.length)
  const isPlain = Array.from(header, (_, i) => plain[i] === true)
  return {
    async write(records) {
      if (!started) await start()
      // Chunks of ~64 KiB, each encoded once: a write per row (or per cell) is where the time
      // went, and a whole page in one string is a large allocation for nothing.
      let text = ''
      for (const r of records) {
        toCells(r, cells)
        text += csvRecord(cells, true, isPlain)
        if (text.length >= CSV_CHUNK_CHARS) {
          await writeWithBackpressure(out, Buffer.from(text))
          text = ''
        }
      }
      if (text !== '') await writeWithBackpressure(out, Buffer.from(text))
    },
    async end() {
      if (!started) await start()
      await endStream(out)
    },
  }
}

/**
 * Ends and flushes the destination (callers pass a PassThrough for stdout, never stdout itself).
 * Rejects when any write failed, before or during the end (a full disk, a file that could not
 * be opened): the error came and went while the rows were being written, and 'finish' never
 * comes after it, so a listener added here alone would miss it and the export would read done.
 */
export async function endStream(out: Writable): Promise<void> {
  if (out.errored) throw out.errored
  await new Promise<void>((resolve, reject) => {
    out.end((err?: Error | null) => (err ? reject(err) : resolve()))
  })
}
