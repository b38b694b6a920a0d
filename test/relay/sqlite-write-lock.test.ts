/**
 * The SQLite store shares its file with other writers: the checkpointer worker, whose RESTART
 * checkpoint holds the write lock for a moment, and a `relay kiosk` command run beside it. A
 * store write that comes meanwhile must wait for the lock (busy_timeout), not fail: SQLite
 * does not wait for a transaction that read first and then upgrades to a write, so each one
 * takes the write lock when it begins. Run in a child process (fixtures/sqlite-lock-child.ts),
 * where another process's lock is seen as in production.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'

const ROOT = join(__dirname, '..', '..')
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('SQLite store writes while another process holds the write lock', () => {
  it('a desk binding (read, then write) waits for the lock; a read does not take it', async () => {
    const data = mkdtempSync(join(tmpdir(), 'scandesk-lock-'))
    dirs.push(data)
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'test/relay/fixtures/sqlite-lock-child.ts', data],
      { cwd: ROOT, timeout: 20_000 },
    )
    const results = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, string>
    expect(results.putBinding).toBe('ok')
    expect(JSON.parse(results.bound ?? '[]')).toEqual([
      { registrationId: 'r1', openid: 'o2', at: 2 },
    ])
    // A read (the draw's snapshot) takes no write lock: held past the busy timeout, it answers.
    expect(results.drawSnapshot).toBe('ok')
  })
})
