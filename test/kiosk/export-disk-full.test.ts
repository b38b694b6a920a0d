// An admin-area export the disk refuses says what staff can do: a full disk (free space, export
// again) and a folder the kiosk may not write (technical support) are told apart from any other
// failed write, and nothing is left in the export folder. The refusal is the system's own error
// (code ENOSPC, EACCES…) thrown where the sheet is written, as a full disk throws it there.
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type * as ExportModule from '../../electron/core/export/export'
import type { ExportProgress } from '../../shared/domain'
import { cleanup, exportJobsIn, tempDir, waitFor } from './helpers'

const refusal: { error: Error | null } = { error: null }

vi.mock('../../electron/core/export/export', async (importOriginal) => {
  const real = await importOriginal<typeof ExportModule>()
  return {
    ...real,
    exportAttendance: async (options: Parameters<typeof real.exportAttendance>[0]) => {
      if (refusal.error === null) return real.exportAttendance(options)
      options.out.write('kioskId,openid\n')
      throw refusal.error
    },
  }
})

afterEach(async () => {
  refusal.error = null
  await cleanup()
})

const systemError = (code: string): Error =>
  Object.assign(new Error(`${code}: refused, write`), { code, syscall: 'write' })

async function failedWith(dir: string): Promise<ExportProgress> {
  const { jobs, seen } = exportJobsIn(dir)
  jobs.start('expo', 'csv')
  await jobs.whenIdle()
  return waitFor(() => seen.find((p) => p.state === 'failed'), 'export failed')
}

describe('a kiosk export the disk refuses', () => {
  it.each([
    ['ENOSPC', 'export_disk_full'],
    ['EDQUOT', 'export_disk_full'],
    ['EACCES', 'export_no_access'],
    ['EROFS', 'export_no_access'],
    ['EIO', 'export_failed'],
  ])('%s is told as %s, and no file is left', async (code, expected) => {
    refusal.error = systemError(code)
    const dir = join(tempDir(), 'exports')
    const failed = await failedWith(dir)
    expect(failed.error).toEqual({ code: expected, params: {} })
    expect(failed.savedPath).toBeNull()
    expect(readdirSync(dir)).toEqual([])
  })

  it('a folder that cannot be made fails the export with its reason, not the call', async () => {
    // A file where the export folder should be: mkdir refuses it (ENOTDIR / EEXIST).
    const blocked = join(tempDir(), 'blocked')
    writeFileSync(blocked, '')
    const failed = await failedWith(join(blocked, 'exports'))
    expect(failed.error).toEqual({ code: 'export_failed', params: {} })
  })
})
