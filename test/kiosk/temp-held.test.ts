// A temporary the kiosk wants to remove may be open in another program for a moment: on a
// Windows booth laptop an antivirus scanner or the search indexer reading a leftover export
// temporary, or the settings temporary just written. Removing it then fails (EBUSY, EPERM).
// That removal is housekeeping: it must neither stop the kiosk from starting nor replace the
// error a failed save or export reports (a full disk told as "export failed, retry"). Injected
// at rmSync: this core runs on Linux here.
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { writeJsonFile } from '../../electron/core/config/json-file'
import { openKioskDb } from '../../electron/core/db/db'
import { removeStalePartials, writeAtomically } from '../../electron/core/export/atomic-file'
import { ExportJobs } from '../../electron/core/export/export-jobs'
import type { ExportProgress } from '../../shared/domain'
import { cleanup, onCleanup, tempDir, waitFor } from './helpers'

const held = vi.hoisted(() => ({ temporaries: false, fullDisk: false }))

const systemError = (code: string, syscall: string): Error =>
  Object.assign(new Error(`${code}: refused, ${syscall}`), { code, syscall })

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>()
  const mocked = {
    ...real,
    rmSync: (path: fs.PathLike, options?: fs.RmOptions) => {
      if (held.temporaries && /\.(partial|tmp)$/.test(String(path))) {
        throw systemError('EBUSY', 'unlink')
      }
      real.rmSync(path, options)
    },
    writeSync: (...args: Parameters<typeof real.writeSync>) => {
      if (held.fullDisk) throw systemError('ENOSPC', 'write')
      return real.writeSync(...args)
    },
  }
  return { ...mocked, default: mocked }
})

afterEach(cleanup)
beforeEach(() => {
  held.temporaries = false
  held.fullDisk = false
})

describe('a temporary held open by another program', () => {
  it('a leftover export temporary does not stop the kiosk exporting; it goes once free', async () => {
    const dir = tempDir()
    const leftover = join(dir, '.x_a-expo-签到记录-20260501-080000.csv.0123456789ab.partial')
    fs.writeFileSync(leftover, 'half a sheet')
    const db = openKioskDb(join(tempDir(), 'kiosk.db'))
    onCleanup(() => {
      db.close()
    })
    const seen: ExportProgress[] = []
    const options = {
      db,
      dir,
      now: () => Date.UTC(2026, 4, 1, 8),
      locale: () => 'zh-CN' as const,
      onProgress: (p: ExportProgress) => seen.push(p),
    }
    held.temporaries = true
    const jobs = new ExportJobs(options)
    jobs.start('expo', 'csv')
    await jobs.whenIdle()
    const done = await waitFor(() => seen.find((p) => p.state === 'done'), 'export done')
    expect(fs.existsSync(done.savedPath ?? '')).toBe(true)
    expect(fs.existsSync(leftover)).toBe(true)

    held.temporaries = false
    expect(removeStalePartials(dir)).toBe(1)
    expect(fs.existsSync(leftover)).toBe(false)
  })

  it('a failed export reports its own error, not the temporary it could not remove', async () => {
    const dir = tempDir()
    held.temporaries = true
    await expect(
      writeAtomically(join(dir, 'attendance.csv'), (out) => {
        out.write('a,b\r\n')
        return Promise.reject(systemError('ENOSPC', 'write'))
      }),
    ).rejects.toMatchObject({ code: 'ENOSPC' })
    expect(fs.existsSync(join(dir, 'attendance.csv'))).toBe(false)
  })

  it('a failed settings save reports its own error, not the temporary it could not remove', () => {
    const dir = tempDir()
    const file = join(dir, 'settings.json')
    fs.writeFileSync(file, '{"adminPin":"old"}\n')
    held.temporaries = true
    held.fullDisk = true
    expect(() => writeJsonFile(file, { adminPin: 'new' })).toThrow(
      expect.objectContaining({ code: 'ENOSPC' }),
    )
    expect(fs.readFileSync(file, 'utf8')).toBe('{"adminPin":"old"}\n')
  })
})
