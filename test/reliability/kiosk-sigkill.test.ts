// The kiosk core process killed with SIGKILL (no shutdown code runs) in the middle of replaying a
// backlog, then started again: every push the relay answered 200 is recorded exactly once.
import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryVault } from '../../electron/core/config/vault'
import { cleanup, onCleanup, provisionDir, startPlatform, tempDir, waitFor } from '../kiosk/helpers'

afterEach(cleanup)

// Over three times the relay's in-flight window (100): the kiosk commits a burst in one
// transaction, so a smaller backlog could be replayed whole before the SIGKILL lands.
const BACKLOG = 300
const ROOT = resolve(import.meta.dirname, '../..')

/** `killAfterRows`: SIGKILL from the stdout handler itself, so the replay can't finish first. */
function spawnKiosk(
  dataDir: string,
  token: string,
  killAfterRows = Infinity,
): { child: ChildProcess; rows: () => number } {
  const child = spawn(
    process.execPath, // `--import tsx` keeps it one process: the tsx CLI would leave a grandchild to outlive SIGKILL.
    ['--import', 'tsx', 'test/reliability/kiosk-child.ts', dataDir],
    {
      cwd: ROOT,
      env: { ...process.env, SCANDESK_KIOSK_TOKEN: token },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let rows = 0
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    rows += (s.match(/^row /gm) ?? []).length
    if (rows >= killAfterRows && child.exitCode === null) child.kill('SIGKILL')
  })
  return { child, rows: () => rows }
}

// A process killed by a signal has signalCode set and exitCode null.
const exited = (child: ChildProcess) =>
  new Promise<void>((r) =>
    child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r()),
  )

function firstTicket(dataDir: string): { url: string } | undefined {
  let db: Database.Database
  try {
    db = new Database(`${dataDir}/kiosk.db`, { readonly: true, fileMustExist: true })
  } catch {
    return undefined
  }
  try {
    return db.prepare<[], { url: string }>('SELECT url FROM tickets LIMIT 1').get()
  } catch {
    return undefined // not migrated yet
  } finally {
    db.close()
  }
}

function attendance(dataDir: string): Array<{ event_id: string; openid: string }> {
  const db = new Database(`${dataDir}/kiosk.db`, { readonly: true, fileMustExist: true })
  try {
    return db
      .prepare<[], { event_id: string; openid: string }>('SELECT event_id, openid FROM attendance')
      .all()
  } finally {
    db.close()
  }
}

// Three kiosk processes, each about a second of CPU to load through tsx, and 300 scans through
// the sandbox: 16 s on a quiet machine, past the default 30 s on a loaded one (its own waits
// allow 20 s each), so the test's limit is the sum of those waits.
describe('kiosk process SIGKILLed mid-replay', () => {
  it('records every push answered 200 exactly once after the restart', async () => {
    const p = await startPlatform()
    const token = await p.relay.addKiosk('booth-1')
    const dataDir = tempDir()
    provisionDir(dataDir, new MemoryVault(), { relayUrl: p.relay.url, kioskId: 'booth-1', token })

    // First run only to get a code on screen (tickets come through the relay's proxy).
    const first = spawnKiosk(dataDir, token)
    const shown = await waitFor(() => firstTicket(dataDir), 'a ticket in the pool', 20_000)
    first.child.kill('SIGKILL')
    await exited(first.child)

    const openids = Array.from({ length: BACKLOG }, (_, i) => `o_kill_${i}`)
    const answered: string[] = []
    for (const openid of openids) {
      const r = await p.sandbox.scan(shown.url, openid)
      if (r.attempts.some((a) => a.status === 200)) answered.push(openid)
    }
    expect(answered).toHaveLength(BACKLOG)

    const second = spawnKiosk(dataDir, token, 2)
    await waitFor(() => second.rows() >= 2, 'part of the replay', 20_000)
    await exited(second.child)
    const partial = attendance(dataDir).length
    expect(partial).toBeGreaterThan(0)
    expect(partial).toBeLessThan(BACKLOG)

    const third = spawnKiosk(dataDir, token)
    await waitFor(() => attendance(dataDir).length >= BACKLOG, 'the whole backlog', 20_000)
    await waitFor(
      async () => (await p.relay.store.getKiosk('booth-1'))?.ackedSeq === BACKLOG,
      'all acked',
    )
    const rows = attendance(dataDir)
    expect(rows.map((r) => r.openid).sort()).toEqual([...answered].sort())
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(BACKLOG)
    third.child.kill('SIGTERM')
    await exited(third.child)
  }, 120_000)
})
