/**
 * The relay as deployed: the bundle scripts/build-relay.mjs makes, built into a scratch folder
 * under out/ (so a test checks the build, not a stale out/relay), run as a child process.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { z } from 'zod'

export const ROOT = resolve(import.meta.dirname, '../..')

/**
 * Builds the relay bundle into `<dir>/<sub>` (`sub` = `out/relay` lays `dir` out like the
 * image's /app); `entry` is its relay.mjs. Packages resolve from the repo's node_modules above.
 */
export function buildRelayBundle(sub = ''): { dir: string; entry: string; remove: () => void } {
  mkdirSync(join(ROOT, 'out'), { recursive: true })
  const dir = mkdtempSync(join(ROOT, 'out', 'relay-test-'))
  const outdir = join(dir, sub)
  execFileSync(process.execPath, ['scripts/build-relay.mjs', '--outdir', outdir], { cwd: ROOT })
  return {
    dir,
    entry: join(outdir, 'relay.mjs'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

const logLineSchema = z.looseObject({ msg: z.string(), url: z.string().optional() })
export type LogLine = z.infer<typeof logLineSchema>

/** What a child relay has printed on stdout so far. */
export interface StdoutLines {
  /** Its JSON log lines. */
  log: LogLine[]
  /**
   * Any other line (a Node warning, a library's note such as ioredis's "Skipping the ready
   * check"), kept for a failure message rather than thrown on: a throw in the reader is an
   * uncaught exception that fails the whole vitest run.
   */
  other: string[]
}

/** Reads `stdout` line by line into `lines`, calling `onEntry` with each JSON log line. */
export function readLogLines(
  stdout: Readable,
  onEntry: (entry: LogLine) => void = () => undefined,
): StdoutLines {
  const lines: StdoutLines = { log: [], other: [] }
  createInterface({ input: stdout }).on('line', (line) => {
    let json: unknown
    try {
      json = JSON.parse(line)
    } catch {
      lines.other.push(line)
      return
    }
    const entry = logLineSchema.safeParse(json)
    if (!entry.success) return void lines.other.push(line)
    lines.log.push(entry.data)
    onEntry(entry.data)
  })
  return lines
}

export interface RelayProcess extends StdoutLines {
  child: ChildProcess
  url: string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Spawns `command args` and resolves once the relay logs "relay listening". */
export function spawnRelay(
  command: string,
  args: readonly string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<RelayProcess> {
  const child = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  )
  return new Promise((resolvePromise, reject) => {
    const lines = readLogLines(child.stdout, (entry) => {
      if (entry.msg === 'relay listening' && entry.url !== undefined) {
        resolvePromise({ child, url: entry.url, ...lines, exited })
      }
    })
    // On 'close', not 'exit': by then every line it printed has been read.
    child.once('close', (code) =>
      reject(
        new Error(
          `relay exited early (${code}): ${stderr}${lines.other.map((l) => `\nstdout: ${l}`).join('')}`,
        ),
      ),
    )
  })
}

/** Runs the relay's CLI once (e.g. `kiosk add k1`) and returns its stdout lines. */
export function relayCli(
  entry: string,
  args: readonly string[],
  opts: { cwd?: string; env: NodeJS.ProcessEnv },
): string[] {
  const out = execFileSync(process.execPath, [entry, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: opts.env,
    encoding: 'utf8',
  })
  return out.trimEnd().split('\n')
}
