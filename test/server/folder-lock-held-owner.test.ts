// A kiosk (or relay) stopping removes the lock's owner file, then lets go of the lock. On a
// Windows booth laptop an antivirus scanner or the search indexer may have that small file open
// for a moment: the removal fails with EBUSY. release() threw it before letting go of the lock:
// a kiosk whose start failed (a damaged settings.json) showed the EBUSY instead of what to
// repair, and a stop reported a failure with the lock still held. Injected at rmSync: this core
// runs on Linux here.
import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { lockFolder, OWNER_FILE } from '../../shared/server/folder-lock'

const held = vi.hoisted(() => ({ owner: false }))

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>()
  const mocked = {
    ...real,
    rmSync: (path: fs.PathLike, options?: fs.RmOptions) => {
      if (held.owner && String(path).endsWith(OWNER_FILE)) {
        throw Object.assign(new Error('EBUSY: resource busy or locked, unlink'), { code: 'EBUSY' })
      }
      real.rmSync(path, options)
    },
  }
  return { ...mocked, default: mocked }
})

const dirs: string[] = []
afterAll(() => {
  held.owner = false
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
})

describe('the lock let go while its owner file is held by another program', () => {
  it('release does not throw, and the folder can be locked again', () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'folder-lock-held-'))
    dirs.push(dir)
    const first = lockFolder(dir, { program: 'kiosk' })
    held.owner = true
    expect(() => first.release()).not.toThrow()
    held.owner = false
    const second = lockFolder(dir, { program: 'kiosk' })
    second.release()
  })
})
