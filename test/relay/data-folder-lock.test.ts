/**
 * One relay per SQLite data folder, tested on the deployed bundle as processes: a second relay
 * on the folder is refused at start with who holds it; a SIGKILLed holder never blocks the
 * restart; a normal shutdown frees the folder; the CLI beside a running relay still works.
 */
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TOKEN, tempDir } from './harness'
import { ROOT, buildRelayBundle, relayCli, spawnRelay, type RelayProcess } from './relay-process'

let bundle: ReturnType<typeof buildRelayBundle>
const dirs: string[] = []
const running: RelayProcess[] = []
const env = { ...process.env, SCANDESK_RELAY_WECHAT_TOKEN: TOKEN }

beforeAll(() => {
  bundle = buildRelayBundle()
})
afterAll(() => {
  for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  bundle.remove()
})

function folder(): string {
  const dir = tempDir('relay-lock-')
  dirs.push(dir)
  return dir
}

async function serve(dir: string): Promise<RelayProcess> {
  const relay = await spawnRelay(process.execPath, [bundle.entry, '--port', '0', '--data', dir], {
    cwd: ROOT,
    env,
  })
  running.push(relay)
  return relay
}

/** Runs a relay expected to stop by itself (bounded: killed after 20 s). */
function runToExit(dir: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bundle.entry, '--port', '0', '--data', dir], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr })
    }),
  )
}

describe('relay data folder lock', () => {
  it('refuses a second relay on the folder, naming the folder and the running one', async () => {
    const dir = folder()
    const first = await serve(dir)
    const second = await runToExit(dir)
    expect(second.code).toBe(1)
    expect(second.stderr).toContain(`the data folder ${dir} is in use by another relay`)
    expect(second.stderr).toContain(`pid ${first.child.pid}`)
    expect(second.stderr).toMatch(/since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/)
    expect(second.stderr).toContain('stop that one first, or give this one its own --data')
    // The first one still serves.
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200)
    first.child.kill('SIGTERM')
    expect((await first.exited).code).toBe(0)
  })

  it('starts again at once after the holder was SIGKILLed', async () => {
    const dir = folder()
    const first = await serve(dir)
    first.child.kill('SIGKILL')
    expect((await first.exited).signal).toBe('SIGKILL')
    const again = await serve(dir)
    expect((await fetch(`${again.url}/healthz`)).status).toBe(200)
    // The dead holder's pid is nowhere in the refusal a third one gets: the new holder's is.
    const third = await runToExit(dir)
    expect(third.code).toBe(1)
    expect(third.stderr).toContain(`pid ${again.child.pid}`)
    again.child.kill('SIGTERM')
    expect((await again.exited).code).toBe(0)
  })

  it('frees the folder on a normal shutdown', async () => {
    const dir = folder()
    const first = await serve(dir)
    // Answered: its SIGTERM handler is in place (set up just after it logs that it listens).
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200)
    first.child.kill('SIGTERM')
    expect((await first.exited).code).toBe(0)
    const next = await serve(dir)
    expect((await fetch(`${next.url}/healthz`)).status).toBe(200)
    next.child.kill('SIGTERM')
    expect((await next.exited).code).toBe(0)
  })

  it('lets the CLI add and list organizers and kiosks beside the running relay', async () => {
    const dir = folder()
    const relay = await serve(dir)
    const added = relayCli(bundle.entry, ['organizer', 'add', 'alice', '--data', dir], { env })
    expect(added[0]).toContain('organizer alice added')
    expect(relayCli(bundle.entry, ['organizer', 'list', '--data', dir], { env })[0]).toMatch(
      /^alice\t/,
    )
    const token = relayCli(bundle.entry, ['kiosk', 'add', 'k1', '--data', dir], { env }).at(-1)
    expect(token).toMatch(/^k1\./)
    relay.child.kill('SIGTERM')
    expect((await relay.exited).code).toBe(0)
  })
})
