/**
 * Every kiosk CLI command with its stdout's read end closed before it writes (`kiosk --help |
 * true`, `kiosk export | head -1`, a log shipper gone): `--help` died on an unhandled EPIPE with
 * a stack trace and status 1, and so did an export to stdout. Now a command ends cleanly (one
 * note on stderr), an export stops reading the database and exits 1, and `kiosk web` says on
 * stderr when the admin PIN or its page's address was not shown, and how to get new ones
 * (`kiosk reset-pin`, which itself says so and exits 1 when its new PIN was not shown).
 * The built bundle (out/cli/cli.mjs), as users run it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openKioskDb } from '../../electron/core/db/db'
import { defaultSettings } from '../../electron/core/config/settings'
import { assertCliBuilt } from './kiosk-process'

const ROOT = resolve(import.meta.dirname, '../..')
const ROWS = 30_000
const dir = mkdtempSync(join(tmpdir(), 'kiosk-cli-epipe-'))
const seeded = join(dir, 'seeded')
const children = new Set<ChildProcess>()

beforeAll(() => {
  assertCliBuilt()
  mkdirSync(seeded)
  const db = openKioskDb(join(seeded, 'kiosk.db'))
  const insert = db.prepare(
    `INSERT INTO attendance (event_id, campaign_id, kiosk_id, openid, scene, ticket, kind,
       create_time, received_at, first_visit, check_in_number, roster_entry_id, unknown_ticket)
     VALUES (?, 'expo', 'k1', ?, 'k1:abc', 'T', 'scan', ?, ?, 1, ?, NULL, 0)`,
  )
  db.transaction(() => {
    for (let i = 0; i < ROWS; i++)
      insert.run(`e${i}`, `o_${i}_${'x'.repeat(20)}`, 1_700_000_000 + i, 1e12 + i, i + 1)
  })()
  db.close()
})

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

interface Run {
  child: ChildProcess
  stderr: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** `kiosk <args>` with nobody reading its stdout: the reader is gone before it writes. */
function withClosedStdout(args: string[]): Run {
  const child = spawn(process.execPath, ['out/cli/cli.mjs', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  child.stdout.destroy()
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('close', (code, signal) => r({ code, signal })),
  )
  return { child, stderr: () => stderr, exited }
}

/** Its exit, or SIGKILL after 30 s (a hang shows as signal SIGKILL). */
async function ended(run: Run): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 30_000)
  try {
    return await run.exited
  } finally {
    clearTimeout(timer)
  }
}

function expectNoStackTrace(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m)
  expect(stderr).not.toContain('Unhandled')
}

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const address = s.address()
  await new Promise<void>((r) => s.close(() => r()))
  return typeof address === 'object' && address !== null ? address.port : 0
}

describe('kiosk CLI with a closed stdout', () => {
  it.each([[['--help']], [['web', '--help']], [['export', '--help']], [['reset-pin', '--help']]])(
    '%j ends with status 0 and one note, no stack trace',
    async (args) => {
      const run = withClosedStdout(args)
      const { code, signal } = await ended(run)
      expectNoStackTrace(run.stderr())
      expect(run.stderr().match(/kiosk: stdout is closed \(EPIPE\)/g)).toHaveLength(1)
      expect({ code, signal }).toEqual({ code: 0, signal: null })
    },
    60_000,
  )

  it.each(['csv', 'xlsx'])(
    'export --format %s to stdout stops reading the database and exits 1',
    async (format) => {
      const run = withClosedStdout([
        'export',
        '--data',
        seeded,
        '--campaign',
        'expo',
        '--format',
        format,
      ])
      const { code, signal } = await ended(run)
      const stderr = run.stderr()
      expectNoStackTrace(stderr)
      expect(stderr.match(/kiosk: stdout is closed \(EPIPE\)/g)).toHaveLength(1)
      const stopped = /the export stopped after (\d+) of (\d+) rows/.exec(stderr)
      expect(stopped, stderr).not.toBeNull()
      // It did not go on through the database once nobody read it.
      expect(Number(stopped?.[1])).toBeLessThan(ROWS)
      expect(Number(stopped?.[2])).toBe(ROWS)
      expect({ code, signal }).toEqual({ code: 1, signal: null })
    },
    60_000,
  )

  it('kiosk web says the admin PIN and its address were lost, keeps serving, and the advice gives a new PIN', async () => {
    const data = join(dir, 'web')
    const port = await freePort()
    const run = withClosedStdout(['web', '--port', String(port), '--data', data])
    const settingsFile = join(data, 'settings.json')
    for (const deadline = Date.now() + 30_000; !run.stderr().includes('admin PIN was not shown');) {
      if (run.child.exitCode !== null) throw new Error(`kiosk exited: ${run.stderr()}`)
      if (Date.now() > deadline) throw new Error(`no note on the PIN: ${run.stderr()}`)
      await new Promise((r) => setTimeout(r, 100))
    }
    const stderr = run.stderr()
    expectNoStackTrace(stderr)
    expect(stderr).toContain(
      'kiosk: the admin PIN was not shown (stdout is closed); to get a new one, stop the kiosk ' +
        `and run npm run kiosk -- reset-pin --data ${data}`,
    )
    expect(stderr).toContain(
      "kiosk: the kiosk page's address was not shown (stdout is closed); " +
        'restart kiosk web to get a new one',
    )
    // The booth itself goes on.
    const page = await fetch(`http://127.0.0.1:${port}/`)
    expect(page.status).toBe(200)
    run.child.kill('SIGTERM')
    expect(await ended(run)).toEqual({ code: 0, signal: null })

    // The advice works: the command it names (run on a shell, as staff would) gives a new PIN
    // that the kiosk takes.
    const advice = /stop the kiosk and run npm run kiosk -- (reset-pin --data \S+)$/m.exec(stderr)
    expect(advice?.[1]).toBe(`reset-pin --data ${data}`)
    const before = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>
    const reset = spawnSync(
      process.execPath,
      ['out/cli/cli.mjs', ...(advice?.[1] ?? '').split(' ')],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 30_000,
      },
    )
    expect(reset.status, reset.stderr).toBe(0)
    expect(reset.stdout.trimEnd().split('\n').at(-1)).toMatch(/^\d{6}$/)
    const after = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>
    expect(after['adminPin']).not.toEqual(before['adminPin'])
  }, 90_000)

  it('reset-pin says the new PIN was lost and exits 1', async () => {
    const data = join(dir, 'reset')
    mkdirSync(data)
    writeFileSync(join(data, 'settings.json'), JSON.stringify(defaultSettings()))
    const run = withClosedStdout(['reset-pin', '--data', data])
    const { code, signal } = await ended(run)
    expectNoStackTrace(run.stderr())
    expect(run.stderr()).toContain(
      `kiosk: the new admin PIN was not shown (stdout is closed); run npm run kiosk -- reset-pin --data ${data} again`,
    )
    expect({ code, signal }).toEqual({ code: 1, signal: null })
  }, 90_000)
})
