/**
 * Exports started from the admin area: written to `<data>/exports`, progress as events. A file
 * appears under its name only when complete (see atomic-file.ts).
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { ExportProgress, Locale } from '../../../shared/domain'
import { removeStalePartials, writeAtomically } from './atomic-file'
import { errorBody } from '../../../shared/errors'
import type { KioskDb } from '../db/db'
import { exportAttendance } from './export'
import { formatLocalTime } from '../../../shared/export/cells'
import { campaignFilePart, sheetWord } from '../../../shared/export/file-name'
import type { Logger } from '../../../shared/server/log'
import { errorCode } from '../../../shared/error-code'

export interface ExportJobsOptions {
  db: KioskDb
  dir: string
  now: () => number
  locale: () => Locale
  /**
   * The campaign's name, for the file's and the sheet's 活动 column (null: a campaign no longer
   * there; its id then).
   */
  campaignName?: (campaignId: string) => string | null
  onProgress: (p: ExportProgress) => void
  /** Web mode: where the browser downloads a finished file. Without it, `savedPath` is set. */
  downloadUrl?: (exportId: string) => string
  /** Where a failed export's detail goes (the UI gets only the code). */
  log?: Logger
}

/**
 * What staff can do about a failed export: a full disk (free space) and a folder the kiosk may
 * not write (technical support) are said as such; anything else as a failed write.
 */
export function exportFailure(
  err: unknown,
): 'export_disk_full' | 'export_no_access' | 'export_failed' {
  const code = errorCode(err)
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'export_disk_full'
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'export_no_access'
  return 'export_failed'
}

/**
 * Finished exports whose file the web bridge still serves: the latest ones (the Export page shows
 * one at a time). An older one's link is answered as not found, and the page offers it again; its
 * file stays in `<data>/exports`. A failed export is forgotten once reported.
 */
export const KEPT_EXPORTS = 20

interface Job {
  path: string
  fileName: string
  state: ExportProgress['state']
}

export class ExportJobs {
  private readonly jobs = new Map<string, Job>()
  private readonly running = new Set<Promise<void>>()

  constructor(private readonly o: ExportJobsOptions) {
    // What an export killed with the kiosk left behind: no job will ever finish it.
    removeStalePartials(o.dir)
  }

  start(campaignId: string, format: 'csv' | 'xlsx'): string {
    const exportId = `x_${randomBytes(9).toString('base64url')}`
    // Local time, as the sheet's times are (`20260502-073015`), not UTC.
    const stamp = formatLocalTime(this.o.now()).slice(0, 19).replace(/[-:]/g, '').replace(' ', '-')
    // Named as the relay names a campaign's sheet: `春季展会-签到记录-<stamp>.xlsx`.
    const name = this.o.campaignName?.(campaignId) ?? ''
    const campaignPart = campaignFilePart({ id: campaignId.replace(/[^\w-]/g, '_'), name })
    const fileName = `${campaignPart}-${sheetWord(this.o.locale())}-${stamp}.${format}`
    const path = join(this.o.dir, `${exportId}-${fileName}`)
    const job: Job = { path, fileName, state: 'running' }
    this.jobs.set(exportId, job)
    const progress = (
      state: ExportProgress['state'],
      rowsDone: number,
      rowsTotal: number,
      error: ExportProgress['error'],
    ) => {
      job.state = state
      const finished = state === 'done'
      this.o.onProgress({
        exportId,
        state,
        rowsDone,
        rowsTotal,
        fileName,
        downloadUrl: finished && this.o.downloadUrl ? this.o.downloadUrl(exportId) : null,
        savedPath: finished && !this.o.downloadUrl ? path : null,
        error,
      })
    }
    let last = { done: 0, total: 0 }
    // The folder made inside the run: a disk that refuses it fails the export with its reason,
    // as a refused write does, instead of the call failing as an internal error.
    const run = Promise.resolve()
      .then(() => mkdirSync(this.o.dir, { recursive: true }))
      .then(() =>
        writeAtomically(path, (out) =>
          exportAttendance({
            db: this.o.db,
            campaignId,
            format,
            out,
            locale: this.o.locale(),
            campaignName: this.o.campaignName,
            onProgress: (done, total) => {
              last = { done, total }
              progress('running', done, total, null)
            },
          }),
        ),
      )
      .then(({ rows }) => progress('done', rows, rows, null))
      .catch((err: unknown) => {
        this.o.log?.error(
          `export ${exportId} failed: ${err instanceof Error ? err.message : String(err)}`,
        )
        progress('failed', last.done, last.total, errorBody(exportFailure(err)))
        this.jobs.delete(exportId)
      })
      .finally(() => {
        this.running.delete(run)
        // Last in the map, which `forgetOldest` reads from its start: the exports kept are those
        // finished last, not started last (a long export started first is the one just waited on).
        if (this.jobs.delete(exportId)) this.jobs.set(exportId, job)
        this.forgetOldest()
      })
    this.running.add(run)
    return exportId
  }

  /** How many exports are remembered (running, or finished and downloadable). */
  size(): number {
    return this.jobs.size
  }

  /**
   * The exports finished longest ago past KEPT_EXPORTS (a running one is never forgotten, the one
   * just finished never by its own finish).
   */
  private forgetOldest(): void {
    let over = this.jobs.size - KEPT_EXPORTS
    for (const [id, job] of this.jobs) {
      if (over <= 0) return
      if (job.state === 'running') continue
      this.jobs.delete(id)
      over--
    }
  }

  /** A finished export's file, for the web bridge's download route. */
  file(exportId: string): { path: string; fileName: string } | null {
    const job = this.jobs.get(exportId)
    return job && job.state === 'done' ? { path: job.path, fileName: job.fileName } : null
  }

  async whenIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running])
  }
}
