/**
 * One-off relay commands whose stdout reader is gone (`relay kiosk list | head -1`, `| true`):
 * the first line written met EPIPE, an unhandled 'error' event that ended the command with a
 * stack trace and status 1, after `kiosk add` had stored a token nobody saw. Now a list ends
 * quietly (one note on stderr, status 0), and a secret that was not taken says how to get a
 * new one (status 1). Tested on the deployed bundle with its stdout's read end closed before
 * it writes anything.
 */
import { spawn, spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TOKEN, tempDir } from './harness'
import { ROOT, buildRelayBundle } from './relay-process'

let bundle: ReturnType<typeof buildRelayBundle>
const dir = tempDir('relay-cli-epipe-')
const env = { ...process.env, SCANDESK_RELAY_WECHAT_TOKEN: TOKEN }

beforeAll(() => {
  bundle = buildRelayBundle()
  for (const args of [
    ['kiosk', 'add', 'k1'],
    ['organizer', 'add', 'alice'],
  ]) {
    const r = spawnSync(process.execPath, [bundle.entry, ...args, '--data', dir], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    })
    expect(r.status, r.stderr).toBe(0)
  }
}, 120_000)
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
  bundle.remove()
})

/** `relay <args> --data dir` with nobody reading its stdout: its status and stderr. */
async function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bundle.entry, ...args, '--data', dir], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // The reader is gone before the command writes its first line.
  child.stdout.destroy()
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)))
  clearTimeout(timer)
  return { code, stderr }
}

function listOf(args: string[]): string {
  const r = spawnSync(process.execPath, [bundle.entry, ...args, '--data', dir], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 30_000,
  })
  expect(r.status, r.stderr).toBe(0)
  return r.stdout
}

describe('one-off relay commands with a closed stdout', () => {
  it.each([[['kiosk', 'list']], [['organizer', 'list']], [['--help']]])(
    '%j ends with status 0 and one note, no stack trace',
    async (args) => {
      const { code, stderr } = await withClosedStdout(args)
      expect(stderr).not.toMatch(/^\s+at /m)
      expect(stderr).not.toContain('Unhandled')
      expect(stderr.match(/relay: stdout is closed \(EPIPE\)/g)).toHaveLength(1)
      expect(code, stderr).toBe(0)
    },
    60_000,
  )

  it('kiosk add and organizer add say the secret was lost and how to make a new one', async () => {
    const kiosk = await withClosedStdout(['kiosk', 'add', 'k2'])
    expect(kiosk.stderr).not.toMatch(/^\s+at /m)
    expect(kiosk.stderr).toContain(
      'the token of kiosk k2 was not shown (stdout is closed); make a new one with: ' +
        'relay kiosk add k2 --rotate',
    )
    expect(kiosk.code).toBe(1)
    // The work itself was done (the store was closed, not cut off): k2 is there.
    expect(listOf(['kiosk', 'list'])).toMatch(/^k2\tactive/m)

    const organizer = await withClosedStdout(['organizer', 'add', 'bob'])
    expect(organizer.stderr).not.toMatch(/^\s+at /m)
    expect(organizer.stderr).toContain('the password of organizer bob was not shown')
    expect(organizer.code).toBe(1)
    expect(listOf(['organizer', 'list'])).toMatch(/^bob\tadded /m)
  }, 60_000)
})
