/**
 * A kiosk whose stdout reader goes away (`kiosk web | head -1`, a log shipper that restarts)
 * keeps running: its next line met EPIPE on stdout, an unhandled 'error' event that ended the
 * booth. The built CLI as a process whose stdout is closed after its first line.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it } from 'vitest'
import { assertCliBuilt } from './kiosk-process'

const ROOT = resolve(import.meta.dirname, '../..')
const dir = mkdtempSync(join(tmpdir(), 'kiosk-epipe-'))
let child: ChildProcess | undefined

afterAll(() => {
  if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

/** A loopback port free a moment ago (the kiosk's URL goes to the stdout we close). */
async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const address = s.address()
  await new Promise<void>((r) => s.close(() => r()))
  return typeof address === 'object' && address !== null ? address.port : 0
}

describe('kiosk web with a closed stdout', () => {
  it('keeps serving the kiosk page, says so once on stderr, and stops cleanly', async () => {
    assertCliBuilt()
    const port = await freePort()
    const proc = spawn(
      process.execPath,
      ['out/cli/cli.mjs', 'web', '--port', String(port), '--data', join(dir, 'kiosk')],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child = proc
    let stderr = ''
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      proc.once('exit', (code, signal) => r({ code, signal })),
    )
    // As `| head -1`: the first line read, then the reader gone; the lines after it (relay:,
    // kiosk:, admin PIN) meet a closed pipe.
    const lines = createInterface({ input: proc.stdout })
    await new Promise<void>((r) => lines.once('line', () => r()))
    lines.close()
    proc.stdout.destroy()

    let page: Response | null = null
    for (const deadline = Date.now() + 30_000; page === null;) {
      if (proc.exitCode !== null) throw new Error(`kiosk exited (${proc.exitCode}): ${stderr}`)
      if (Date.now() > deadline) throw new Error(`kiosk page never served: ${stderr}`)
      page = await fetch(`http://127.0.0.1:${port}/`).catch(() => null)
      if (page === null) await new Promise((r) => setTimeout(r, 100))
    }
    expect(page.status).toBe(200)
    expect(proc.exitCode).toBeNull()
    // One note that stdout is closed (the lost address and PIN have their own lines, see
    // kiosk-cli-stdout-closed.test.ts).
    expect(stderr.match(/kiosk: stdout is closed \(/g)).toHaveLength(1)

    proc.kill('SIGTERM')
    expect(await exited).toEqual({ code: 0, signal: null })
  }, 60_000)
})
