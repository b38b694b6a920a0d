/**
 * Reads an XLSX roster's table in a worker thread (shared/roster/xlsx-worker.ts): exceljs's
 * `xlsx.load` of a 100,000-row workbook is seconds of one synchronous call (1–2 s stretches,
 * 600 MB), which on the main thread held the relay's WeChat pushes and kiosk links, and the
 * kiosk's screen and relay link, until it was done. The worker has its own heap, capped, so a
 * workbook that gets past the size checks and still needs more kills the worker, not the
 * process. The table comes back a batch of rows at a time, each asked for from a new turn of
 * the loop, so taking it in does not hold the loop either.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'

/** The worker's heap: far above what the largest roster the size checks let through takes. */
export const XLSX_WORKER_HEAP_MB = 1024
/** Rows per message back: a batch is taken in within a millisecond or two. */
export const XLSX_ROWS_PER_MESSAGE = 2000
/** The worker entry's name in every bundle (scripts/bundle-node.mjs, electron.vite.config.ts). */
export const XLSX_WORKER_NAME = 'roster-xlsx-worker'

/** What the worker sends: rows, then `done` or `failed`; the parent answers `next` to rows. */
export type FromXlsxWorker =
  { type: 'rows'; rows: string[][] } | { type: 'done' } | { type: 'failed'; error: XlsxWorkerError }
export type ToXlsxWorker = { type: 'next' }

/** An error from the worker: its class's name, and the code and params when it has them. */
export interface XlsxWorkerError {
  name: string
  message: string
  code?: string
  params?: Record<string, string | number>
}

/** A failure the worker reported, or the worker's own death (out of memory, crashed). */
export class XlsxWorkerFailure extends Error {
  override name = 'XlsxWorkerFailure'
  constructor(readonly error: XlsxWorkerError) {
    super(error.message)
  }
}

/**
 * How to start the worker: bundled, its file beside the bundle (`out/relay`, `out/cli`,
 * `out/main`), which is this code's folder or the one above it (a chunk); from the sources
 * (tests, tsx), the .ts file through tsx's require hook (Node 20's module hooks do not reach
 * worker threads).
 */
function workerSource(): { script: string | URL; eval: boolean } {
  const here = new URL(import.meta.url)
  const ext = extname(here.pathname)
  if (ext === '.ts') {
    const tsx = createRequire(here).resolve('tsx/cjs')
    const entry = fileURLToPath(new URL('./xlsx-worker.ts', here))
    return {
      script: `require(${JSON.stringify(tsx)}); require(${JSON.stringify(entry)})`,
      eval: true,
    }
  }
  for (const dir of ['./', '../']) {
    const url = new URL(`${dir}${XLSX_WORKER_NAME}${ext}`, here)
    if (existsSync(url)) return { script: url, eval: false }
  }
  throw new Error(`${XLSX_WORKER_NAME}${ext} is missing beside the bundle`)
}

/** The workbook's table as the worker reads it (`readXlsxTable`); rejects with XlsxWorkerFailure. */
export function readXlsxInWorker(data: Buffer): Promise<string[][]> {
  const { script, eval: isEval } = workerSource()
  const worker = new Worker(script, {
    eval: isEval,
    workerData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    resourceLimits: { maxOldGenerationSizeMb: XLSX_WORKER_HEAP_MB },
    // Not the parent's flags (a test runner's, --inspect), and no stdin.
    execArgv: [],
    stdin: false,
  })
  const table: string[][] = []
  return new Promise<string[][]>((resolve, reject) => {
    let settled = false
    const settle = (err: XlsxWorkerFailure | null) => {
      if (settled) return
      settled = true
      if (err === null) resolve(table)
      else reject(err)
      void worker.terminate()
    }
    worker.on('message', (m: FromXlsxWorker) => {
      if (m.type === 'rows') {
        for (const row of m.rows) table.push(row)
        const next: ToXlsxWorker = { type: 'next' }
        setImmediate(() => {
          if (!settled) worker.postMessage(next)
        })
      } else if (m.type === 'done') settle(null)
      else settle(new XlsxWorkerFailure(m.error))
    })
    worker.on('error', (err: Error & { code?: string }) => {
      const message =
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `reading the workbook took more than ${XLSX_WORKER_HEAP_MB} MB`
          : err.message
      settle(new XlsxWorkerFailure({ name: 'Error', message }))
    })
    worker.on('exit', (code) => {
      settle(new XlsxWorkerFailure({ name: 'Error', message: `the XLSX reader stopped (${code})` }))
    })
  })
}
