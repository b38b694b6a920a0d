/** A bench child process (relay-child.ts, or kiosk-sink-child.ts) and its request/reply channel. */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'

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

export class Child {
  private readonly proc: ChildProcess
  private queue: Promise<unknown> = Promise.resolve()
  constructor(
    script:
      | 'relay-child.ts'
      | 'kiosk-sink-child.ts'
      | 'attendance-child.ts'
      | 'console-relay-child.ts'
      | 'screen-wall-child.ts' = 'relay-child.ts',
  ) {
    const file = fileURLToPath(new URL(`./${script}`, import.meta.url))
    const prof = process.env.BENCH_RELAY_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_RELAY_PROF}`]
      : []
    this.proc = fork(file, [], {
      execArgv: ['--import', 'tsx', ...prof],
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
