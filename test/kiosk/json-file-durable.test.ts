// A setting saved (a PIN changed, a pairing's relay and kiosk id) must survive a power cut once
// the kiosk said it was saved. The file's bytes are flushed before the rename; the rename itself
// is an entry in the folder, on disk only once the folder is flushed too (fsync(2): "an explicit
// fsync() on a file descriptor for the directory is also needed"). Without it a power cut in the
// seconds after the save brings back the previous settings.json: the old PIN, or a kiosk no
// longer paired whose one-time code is spent. Watched at the file-system calls, as no test can
// pull a real plug.
import * as fs from 'node:fs'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { writeJsonFile } from '../../electron/core/config/json-file'
import { writeAtomically } from '../../electron/core/export/atomic-file'
import { loadOrCreateVaultKey } from '../../electron/core/config/vault'
import { cleanup, tempDir } from './helpers'

const calls = vi.hoisted(() => ({ log: [] as string[], paths: new Map<number, string>() }))

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>()
  const mocked = {
    ...real,
    openSync: (...args: Parameters<typeof real.openSync>) => {
      const fd = real.openSync(...args)
      calls.paths.set(fd, String(args[0]))
      return fd
    },
    fsyncSync: (fd: number) => {
      real.fsyncSync(fd)
      calls.log.push(`fsync ${calls.paths.get(fd) ?? '?'}`)
    },
    renameSync: (from: fs.PathLike, to: fs.PathLike) => {
      real.renameSync(from, to)
      calls.log.push(`rename ${String(to)}`)
    },
  }
  return { ...mocked, default: mocked }
})

afterEach(cleanup)
beforeEach(() => {
  calls.log.length = 0
  calls.paths.clear()
})

/** The folder flushed after the file took its name there. */
function folderFlushedAfterRename(file: string): boolean {
  const renamed = calls.log.indexOf(`rename ${file}`)
  return renamed !== -1 && calls.log.slice(renamed + 1).includes(`fsync ${dirname(file)}`)
}

describe.skipIf(process.platform === 'win32')('a saved file survives a power cut', () => {
  it('settings.json, vault.json, campaigns.json: the folder is flushed after the rename', () => {
    const file = join(tempDir(), 'settings.json')
    writeJsonFile(file, { adminPin: 'x' })
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ adminPin: 'x' })
    expect(folderFlushedAfterRename(file)).toBe(true)
  })

  it('vault.key: the folder is flushed once the new key is written', () => {
    const dir = tempDir()
    loadOrCreateVaultKey(dir)
    const key = calls.log.indexOf(`fsync ${join(dir, 'vault.key')}`)
    expect(key).not.toBe(-1)
    expect(calls.log.slice(key + 1)).toContain(`fsync ${dir}`)
  })

  it('an export: the folder is flushed after the rename', async () => {
    const file = join(tempDir(), 'attendance.csv')
    await writeAtomically(file, (out) => {
      out.end('a,b\n')
      return Promise.resolve()
    })
    expect(fs.readFileSync(file, 'utf8')).toBe('a,b\n')
    expect(folderFlushedAfterRename(file)).toBe(true)
  })
})
