/**
 * Runs the built kiosk CLI (`node out/cli/cli.mjs web`, scripts/build-cli.mjs) as a child
 * process, the way staff run `npm run kiosk:web`, and reads the addresses it prints.
 *
 * Plain `node` keeps the kiosk in the child itself (the tsx CLI, `node tsx/dist/cli.mjs`, ran
 * scripts in a grandchild, which a SIGKILL to the child would orphan). The kiosk starts no
 * processes of its own, so signalling the child is enough.
 * (Not `detached`: Ctrl-C on a test run still reaches it through the terminal.)
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { z } from 'zod'

const ROOT = resolve(import.meta.dirname, '../..')
const STARTUP_MS = 60_000
const STOP_MS = 10_000

export interface KioskProcess {
  kioskUrl: string
  relayUrl: string | null
  sandboxUrl: string | null
  adminPin: string | null
  /** Everything printed so far (for failure messages). */
  output(): string
  /** The kiosk's own pid. */
  pid: number
  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  stop(): Promise<void>
  /** SIGKILL at once (a crash, not a shutdown). */
  kill(): Promise<void>
}

export function assertRendererBuilt(): void {
  if (!existsSync(resolve(ROOT, 'out/renderer/index.html'))) {
    throw new Error('out/renderer is missing: run `npx electron-vite build` first (npm test does)')
  }
}

const CLI = 'out/cli/cli.mjs'
const metaSchema = z.object({ inputs: z.record(z.string(), z.unknown()) })

let cliChecked = false

/** out/cli exists and is newer than every source file bundled into it (checked once). */
export function assertCliBuilt(): void {
  if (cliChecked) return
  const rebuild = 'run `npm run build:cli` (npm test and npm run kiosk:web do)'
  const meta = resolve(ROOT, 'out/cli/meta.json')
  if (!existsSync(resolve(ROOT, CLI)) || !existsSync(meta)) {
    throw new Error(`out/cli is missing: ${rebuild}`)
  }
  const builtAt = statSync(resolve(ROOT, CLI)).mtimeMs
  const inputs = Object.keys(metaSchema.parse(JSON.parse(readFileSync(meta, 'utf8'))).inputs)
  const newer = inputs.find((f) => {
    const file = resolve(ROOT, f)
    return !f.includes('node_modules/') && (!existsSync(file) || statSync(file).mtimeMs > builtAt)
  })
  if (newer !== undefined) throw new Error(`out/cli is older than ${newer}: ${rebuild}`)
  cliChecked = true
}

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** `kiosk <args>` on the built CLI, run to its end: its status and output (killed after 30 s). */
export async function runKioskCli(args: string[]): Promise<CliRun> {
  assertCliBuilt()
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      timeout: 30_000,
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string }
    return {
      code: typeof e.code === 'number' ? e.code : null,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }
  }
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true)
  return new Promise((done) => {
    const timer = setTimeout(() => done(false), ms)
    child.once('exit', () => {
      clearTimeout(timer)
      done(true)
    })
  })
}

export async function startKioskProcess(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<KioskProcess> {
  assertCliBuilt()
  const child = spawn(process.execPath, ['--enable-source-maps', CLI, 'web', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const pid = child.pid
  if (pid === undefined) throw new Error('kiosk web could not be started')
  let out = ''
  let err = ''
  /** Called on every chunk of output and on exit, so waits below react at once. */
  let onOutput = (): void => {}
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk
    onOutput()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
  child.once('exit', () => onOutput())
  /** Resolves true once `ready()` holds after some output, false at the deadline. */
  const outputUntil = (ready: () => boolean, ms: number): Promise<boolean> =>
    new Promise((done) => {
      const check = () => {
        if (!ready() && child.exitCode === null && child.signalCode === null) return
        clearTimeout(timer)
        onOutput = () => {}
        done(ready())
      }
      const timer = setTimeout(() => {
        onOutput = () => {}
        done(ready())
      }, ms)
      onOutput = check
      check()
    })
  const line = (label: string) => out.match(new RegExp(`^${label}: (\\S+)`, 'm'))?.[1] ?? null

  const exited = () => child.exitCode !== null || child.signalCode !== null
  const kill = async (): Promise<void> => {
    if (exited()) return
    child.kill('SIGKILL')
    await waitForExit(child, STOP_MS)
  }
  const stop = async (): Promise<void> => {
    if (exited()) return
    child.kill('SIGTERM')
    if (!(await waitForExit(child, STOP_MS))) await kill()
  }

  if (!(await outputUntil(() => line('kiosk') !== null, STARTUP_MS))) {
    if (child.exitCode !== null)
      throw new Error(`kiosk web exited (${child.exitCode}):\n${out}\n${err}`)
    await stop()
    throw new Error(`kiosk web did not print its url in time:\n${out}\n${err}`)
  }
  // The PIN line follows the kiosk line at once on a first start (none when it was set).
  await outputUntil(() => /^admin PIN:/m.test(out), 2_000)

  return {
    kioskUrl: line('kiosk') ?? '',
    relayUrl: line('relay'),
    sandboxUrl: line('sandbox'),
    adminPin: out.match(/^admin PIN: (\d+)/m)?.[1] ?? null,
    output: () => `${out}\n${err}`,
    pid,
    stop,
    kill,
  }
}

/**
 * Calls the kiosk's web API as its page does (the key is in the address the kiosk printed), and
 * returns the answer's status and parsed JSON body.
 */
export async function callKiosk(
  kiosk: KioskProcess,
  name: string,
  input?: unknown,
): Promise<{ status: number; body: unknown }> {
  const url = new URL(kiosk.kioskUrl)
  const res = await fetch(`${url.origin}/api/call/${name}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${url.searchParams.get('key') ?? ''}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(input === undefined ? {} : { input }),
  })
  return { status: res.status, body: await res.json() }
}
