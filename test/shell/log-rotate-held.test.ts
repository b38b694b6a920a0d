// On a Windows booth laptop a log shipper, an antivirus scanner or an editor may hold main.log
// open when it is due to rotate: the rename fails with EBUSY (or EPERM). The rotation threw
// into the logger's fallback, so that line and every line after went to stderr (nowhere, in
// the packaged app) until the file was let go, and each try shifted the older files once more,
// the oldest removed each time. Injected at renameSync: this shell's logger runs on Linux here.
import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createFileLogger } from '../../electron/main/log'

const held = vi.hoisted(() => ({ main: false }))

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>()
  const mocked = {
    ...real,
    renameSync: (from: fs.PathLike, to: fs.PathLike) => {
      if (held.main && String(from).endsWith('main.log')) {
        throw Object.assign(new Error('EBUSY: resource busy or locked, rename'), { code: 'EBUSY' })
      }
      real.renameSync(from, to)
    },
  }
  return { ...mocked, default: mocked }
})

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'log-held-'))
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
})
afterEach(() => {
  held.main = false
  vi.restoreAllMocks()
  fs.rmSync(dir, { recursive: true, force: true })
})

const read = (name: string): string => fs.readFileSync(join(dir, name), 'utf8')

describe('main.log held open when it is due to rotate', () => {
  it('keeps writing to main.log, keeps the older files, and rotates once it is let go', () => {
    fs.writeFileSync(join(dir, 'main.log.1'), 'old one\n')
    fs.writeFileSync(join(dir, 'main.log.2'), 'old two\n')
    const log = createFileLogger({ dir, maxBytes: 400, maxFiles: 2 })
    held.main = true
    for (let i = 0; i < 30; i++) log.info(`line ${String(i).padStart(3, '0')} ${'x'.repeat(40)}`)
    expect(read('main.log')).toContain('line 000')
    expect(read('main.log')).toContain('line 029')
    expect(read('main.log.1')).toBe('old one\n')
    expect(read('main.log.2')).toBe('old two\n')

    held.main = false
    for (let i = 30; i < 40; i++) log.info(`line ${String(i).padStart(3, '0')} ${'x'.repeat(40)}`)
    expect(read('main.log.1')).toContain('line 029')
    expect(read('main.log')).toContain('line 039')
    expect(fs.readdirSync(dir).sort()).toEqual(['main.log', 'main.log.1', 'main.log.2'])
  })
})
