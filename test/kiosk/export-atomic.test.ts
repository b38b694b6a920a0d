// An export killed mid-write must not leave a truncated file under its final name: exports are
// written to a hidden temporary beside it and renamed when complete; temporaries a killed
// export left are removed on the next start.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { removeStalePartials, writeAtomically } from '../../electron/core/export/atomic-file'
import { openKioskDb } from '../../electron/core/db/db'
import { MemoryVault } from '../../electron/core/config/vault'
import { cleanup, onCleanup, startCore, tempDir, waitFor } from './helpers'

afterEach(cleanup)

const ROOT = join(import.meta.dirname, '..', '..')
const ROWS = 60_000

/** A kiosk data folder holding `ROWS` check-ins. */
function seededDataDir(): string {
  const dir = tempDir()
  const db = openKioskDb(join(dir, 'kiosk.db'))
  const insert = db.prepare(
    `INSERT INTO attendance (event_id, campaign_id, kiosk_id, openid, scene, ticket, kind, create_time,
       received_at, first_visit, check_in_number, roster_entry_id, unknown_ticket)
     VALUES (?, 'expo', 'k1', ?, 'k1:abc', 'T', 'scan', ?, ?, 1, ?, NULL, 0)`,
  )
  db.transaction(() => {
    for (let i = 0; i < ROWS; i++) insert.run(`e${i}`, `o_${i}`, 1_700_000_000 + i, 1e12 + i, i + 1)
  })()
  db.close()
  return dir
}

function exportCli(dataDir: string, out: string) {
  const child = spawn(
    process.execPath,
    [
      join('node_modules', 'tsx', 'dist', 'cli.mjs'),
      'electron/core/cli/cli.ts',
      'export',
      '--data',
      dataDir,
      '--campaign',
      'expo',
      '--out',
      out,
    ],
    { cwd: ROOT, stdio: 'ignore' },
  )
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  onCleanup(async () => {
    if (child.exitCode === null) child.kill('SIGKILL')
    await exited
  })
  return { child, exited }
}

const sizes = (dir: string) =>
  readdirSync(dir).map((name) => ({ name, size: statSync(join(dir, name)).size }))

describe('exports are written whole or not at all', () => {
  it('a CLI export killed mid-write leaves no file under its name; the next run cleans up', async () => {
    const dataDir = seededDataDir()
    const outDir = join(dataDir, 'out')
    mkdirSync(outDir)
    const final = join(outDir, 'attendance.csv')
    const first = exportCli(dataDir, final)
    // Kill it once the export has written a good part of the file (under whatever name).
    // Up to 90 s: the CLI's start and first half megabyte passed 30 s at load ~34 (two CPU hogs).
    await waitFor(() => sizes(outDir).some((f) => f.size > 512 * 1024), 'export under way', 90_000)
    first.child.kill('SIGKILL')
    await first.exited
    expect(existsSync(final)).toBe(false)
    const left = readdirSync(outDir)
    expect(left).toHaveLength(1)
    expect(left[0]).toMatch(/^\.attendance\.csv\.[0-9a-f]{12}\.partial$/)

    const second = exportCli(dataDir, final)
    expect(await second.exited).toBe(0)
    expect(readdirSync(outDir)).toEqual(['attendance.csv'])
    const lines = readFileSync(final, 'utf8').trimEnd().split('\r\n')
    expect(lines).toHaveLength(ROWS + 1)
  }, 180_000)

  it('the kiosk removes temporaries in its exports folder on start, and keeps finished exports', () => {
    const dir = tempDir()
    const exportsDir = join(dir, 'exports')
    mkdirSync(exportsDir)
    writeFileSync(join(exportsDir, '.x_abc-attendance-expo.csv.0123456789ab.partial'), 'half')
    writeFileSync(join(exportsDir, 'x_abc-attendance-expo.csv'), 'whole')
    startCore(dir, new MemoryVault(), { tickMs: 0 })
    expect(readdirSync(exportsDir)).toEqual(['x_abc-attendance-expo.csv'])
  })

  it('a failing write leaves neither the file nor a temporary', async () => {
    const dir = tempDir()
    const final = join(dir, 'a.csv')
    await expect(
      writeAtomically(final, async (out) => {
        out.write('half a file')
        await new Promise((r) => setImmediate(r))
        throw new Error('disk gone')
      }),
    ).rejects.toThrow('disk gone')
    expect(readdirSync(dir)).toEqual([])
    await writeAtomically(final, async (out) => {
      out.end('whole')
      await new Promise((r) => out.on('finish', r))
    })
    expect(readFileSync(final, 'utf8')).toBe('whole')
    expect(statSync(final).mode & 0o777).toBe(0o600)
  })

  it('a write the disk refused leaves neither the file nor a temporary, and says the error', async () => {
    // A full disk: the stream fails its own write (destroyed, its 'error' not yet emitted) and
    // the export throws what it sees. Waiting for 'close' met that 'error' and the temporary,
    // as big as the disk, stayed behind.
    const dir = tempDir()
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      syscall: 'write',
    })
    await expect(
      writeAtomically(join(dir, 'a.csv'), (out) => {
        out.write('half a file')
        out.destroy(full)
        return Promise.reject(full)
      }),
    ).rejects.toBe(full)
    expect(readdirSync(dir)).toEqual([])
  })

  it('stale temporaries of other names, and other files, are left alone in a chosen folder', () => {
    const dir = tempDir()
    for (const name of [
      '.a.csv.0123456789ab.partial',
      '.a.csv.x.0123456789ab.partial',
      '.b.csv.0123456789ab.partial',
      'notes.partial',
    ])
      writeFileSync(join(dir, name), '')
    expect(removeStalePartials(dir, 'a.csv')).toBe(1)
    expect(readdirSync(dir).sort()).toEqual([
      '.a.csv.x.0123456789ab.partial',
      '.b.csv.0123456789ab.partial',
      'notes.partial',
    ])
  })
})
