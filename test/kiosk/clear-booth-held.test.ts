// A booth cleared on Windows while another program holds one of its files open for a moment
// (an antivirus scanner or the search indexer reading the database, a spreadsheet open on a
// saved export): the removal is tried again and the clear finishes; a hold that stays ends the
// clear with what to close and that `kiosk clear` (or the next start) finishes it, in zh-CN and
// English, not a bare "EBUSY". Injected at rmSync: this core runs on Linux here.
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BoothClearHeld, CLEARING_MARKER, clearBooth } from '../../electron/core/clear-booth'
import { found, tempBooth } from './booth-folder'
import { cleanup } from './helpers'

/** Refusals left for the held file (Infinity: held for good). */
const held = vi.hoisted(() => ({ file: '', refusals: 0 }))

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>()
  const mocked = {
    ...real,
    rmSync: (path: fs.PathLike, options?: fs.RmOptions) => {
      if (held.file !== '' && String(path).endsWith(held.file) && held.refusals > 0) {
        held.refusals--
        throw Object.assign(new Error(`EBUSY: resource busy or locked, unlink '${String(path)}'`), {
          code: 'EBUSY',
          syscall: 'unlink',
        })
      }
      real.rmSync(path, options)
    },
  }
  return { ...mocked, default: mocked }
})

afterEach(cleanup)
beforeEach(() => {
  held.file = ''
  held.refusals = 0
})

describe('clearing a booth while a file is held open for a moment', () => {
  it('tries the removal again and clears everything', () => {
    const { dataDir, logs } = tempBooth()
    held.file = 'kiosk.db-wal'
    held.refusals = 2

    clearBooth(dataDir, { confirmLoss: true, logDirs: [logs] })

    expect(held.refusals).toBe(0)
    expect(fs.readdirSync(dataDir)).toEqual([])
    expect(found([dataDir, logs])).toEqual([])
  })

  it('says what to close and to run it again when the hold stays; the marker stays', () => {
    const { dataDir, logs } = tempBooth()
    held.file = 'kiosk.db-wal'
    held.refusals = Infinity

    let error: unknown
    try {
      clearBooth(dataDir, { confirmLoss: true, logDirs: [logs] })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(BoothClearHeld)
    const message = (error as Error).message
    expect(message).toContain(join(dataDir, 'kiosk.db-wal'))
    expect(message).toMatch(/关闭.*再运行一次/)
    expect(message).toMatch(/close it.*run it again/i)
    // The secrets went first; the clear is finished by the next run or start.
    expect(fs.existsSync(join(dataDir, CLEARING_MARKER))).toBe(true)
    expect(fs.existsSync(join(dataDir, 'vault.json'))).toBe(false)

    held.refusals = 0
    clearBooth(dataDir, { confirmLoss: false, logDirs: [logs] })
    expect(fs.readdirSync(dataDir)).toEqual([])
  })
})
