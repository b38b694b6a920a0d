// On a Windows booth laptop an antivirus scanner, the search indexer or OneDrive opens a file
// just written (settings.json's temporary, an export's) for a few hundred milliseconds; a rename
// over or from it meanwhile fails with EPERM, EACCES or EBUSY. Windows software retries with a
// short, bounded backoff; a save or an export that failed at the first refusal told staff the
// PIN was not changed, or the export folder was not writable, for a lock that was gone a moment
// later. Watched with the refusal injected at renameSync: this core runs on Linux here.
import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { writeJsonFile } from '../../electron/core/config/json-file'
import { writeAtomically } from '../../electron/core/export/atomic-file'
import { cleanup, tempDir } from './helpers'

const refusal = vi.hoisted(() => ({ code: '', times: 0, tries: 0 }))

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>()
  const mocked = {
    ...real,
    renameSync: (from: fs.PathLike, to: fs.PathLike) => {
      refusal.tries++
      if (refusal.times > 0) {
        refusal.times--
        throw Object.assign(new Error(`${refusal.code}: operation not permitted, rename`), {
          code: refusal.code,
        })
      }
      real.renameSync(from, to)
    },
  }
  return { ...mocked, default: mocked }
})

afterEach(cleanup)
beforeEach(() => {
  refusal.code = 'EPERM'
  refusal.times = 0
  refusal.tries = 0
})

function refuse(code: string, times: number): void {
  refusal.code = code
  refusal.times = times
}

describe('a rename refused while another program holds the file for a moment', () => {
  it.each(['EPERM', 'EACCES', 'EBUSY'])('settings.json is saved after %s twice', (code) => {
    const dir = tempDir()
    const file = join(dir, 'settings.json')
    refuse(code, 2)
    writeJsonFile(file, { adminPin: 'new' })
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ adminPin: 'new' })
    expect(refusal.tries).toBe(3)
    expect(fs.readdirSync(dir)).toEqual(['settings.json'])
  })

  it('an export is saved under its name after EPERM twice', async () => {
    const dir = tempDir()
    const file = join(dir, '春季展会-签到记录-20260501-143000.csv')
    refuse('EPERM', 2)
    await writeAtomically(file, (out) => {
      out.end('a,b\r\n')
      return Promise.resolve()
    })
    expect(fs.readFileSync(file, 'utf8')).toBe('a,b\r\n')
    expect(fs.readdirSync(dir)).toEqual([file.slice(dir.length + 1)])
  })

  it('a lock that stays: the save fails with its code after a bounded number of tries', async () => {
    const dir = tempDir()
    const file = join(dir, 'settings.json')
    fs.writeFileSync(file, '{"adminPin":"old"}\n')
    refuse('EPERM', 1000)
    expect(() => writeJsonFile(file, { adminPin: 'new' })).toThrow(
      expect.objectContaining({ code: 'EPERM' }),
    )
    const syncTries = refusal.tries
    expect(syncTries).toBeGreaterThan(1)
    expect(syncTries).toBeLessThanOrEqual(10)
    expect(fs.readFileSync(file, 'utf8')).toBe('{"adminPin":"old"}\n')
    expect(fs.readdirSync(dir)).toEqual(['settings.json'])

    refusal.tries = 0
    const sheet = join(dir, 'attendance.csv')
    await expect(
      writeAtomically(sheet, (out) => {
        out.end('a\r\n')
        return Promise.resolve()
      }),
    ).rejects.toMatchObject({ code: 'EPERM' })
    expect(refusal.tries).toBe(syncTries)
    expect(fs.readdirSync(dir)).toEqual(['settings.json'])
  })

  it('a refusal no wait will change (a cross-device rename) is not retried', () => {
    const dir = tempDir()
    refuse('EXDEV', 1000)
    expect(() => writeJsonFile(join(dir, 'campaigns.json'), { version: 1 })).toThrow(
      expect.objectContaining({ code: 'EXDEV' }),
    )
    expect(refusal.tries).toBe(1)
    expect(fs.readdirSync(dir)).toEqual([])
  })
})
