/** A bench child process (relay-child.ts, or kiosk-sink-child.ts) and its request/reply channel. */
import { fork, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildSync } from 'esbuild'
import { z } from 'zod'
import { NODE_BUNDLE_BASE } from '../scripts/bundle-node.mjs'

const replySchema = z.object({
  ok: z.boolean(),
  r: z.unknown().optional(),
  error: z.string().optional(),
})
export const memSchema = z.object({
  heap: z.number(),
  rss: z.number(),
  redis: z.number().nullable(),
})

/** The child's side of `Child.call`: answers each message with `handle`'s result or error. */
export function answerParent(handle: (raw: unknown) => Promise<unknown>): void {
  process.on('message', (raw: unknown) => {
    handle(raw).then(
      (r) => process.send?.({ ok: true, r }),
      (err: unknown) => process.send?.({ ok: false, error: String(err) }),
    )
  })
}

type ChildScript =
  | 'relay-child.ts'
  | 'kiosk-sink-child.ts'
  | 'attendance-child.ts'
  | 'console-relay-child.ts'
  | 'screen-wall-child.ts'

export interface ChildOptions {
  /**
   * Run the script as the relay ships (scripts/bundle-node.mjs): one esbuild bundle on plain
   * `node`, not through tsx. tsx compiles with esbuild's `keepNames`, which names every function
   * a request creates by a call of its own (`__name`, an `Object.defineProperty`): 2–5 % of the
   * relay's busy time on the push path, which no deployed relay spends (docs/BENCHMARKS.md "The
   * relay's own push path, as shipped"). For benches that measure the relay's CPU.
   */
  bundled?: boolean
}

/** Each script's bundle, built once per bench process into a folder of its own. */
const bundles = new Map<ChildScript, string>()

function bundleOf(script: ChildScript): string {
  const known = bundles.get(script)
  if (known !== undefined) return known
  // Inside the repository, so the packages left out of it (better-sqlite3) resolve.
  const outdir = fileURLToPath(new URL(`../out/bench/${process.pid}`, import.meta.url))
  process.once('exit', () => rmSync(outdir, { recursive: true, force: true }))
  buildSync({
    ...NODE_BUNDLE_BASE,
    entryPoints: [fileURLToPath(new URL(`./${script}`, import.meta.url))],
    outdir,
    outExtension: { '.js': '.mjs' },
    // Read by bench/cpu-profile.ts to name the sources of a profile's frames.
    sourcemap: true,
    sourcesContent: false,
    external: ['better-sqlite3', 'ioredis'],
    logLevel: 'warning',
  })
  const file = join(outdir, script.replace(/\.ts$/, '.mjs'))
  bundles.set(script, file)
  return file
}

export class Child {
  private readonly proc: ChildProcess
  private queue: Promise<unknown> = Promise.resolve()
  constructor(script: ChildScript = 'relay-child.ts', opts: ChildOptions = {}) {
    const prof = process.env.BENCH_RELAY_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_RELAY_PROF}`]
      : []
    const file = opts.bundled
      ? bundleOf(script)
      : fileURLToPath(new URL(`./${script}`, import.meta.url))
    this.proc = fork(file, [], {
      execArgv: [...(opts.bundled ? [] : ['--import', 'tsx']), ...prof],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
  }
  /** One request at a time: replies come back in order. */
  call(msg: object): Promise<unknown> {
    const next = this.queue.then(
      () =>
        new Promise((resolve, reject) => {
          this.proc.once('message', (raw: unknown) => {
            const rep = replySchema.parse(raw)
            if (rep.ok) resolve(rep.r)
            else reject(new Error(rep.error))
          })
          this.proc.send(msg)
        }),
    )
    this.queue = next.catch(() => {})
    return next
  }
  async stop(): Promise<void> {
    const exited = new Promise((r) => this.proc.once('exit', r))
    await this.call({ cmd: 'stop' }).catch(() => this.proc.kill('SIGKILL'))
    await exited
  }
}
