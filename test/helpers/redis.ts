/**
 * Starts a throw-away redis-server for a test file: no TCP port (unix socket in a temp dir;
 * with `tcp`, also a loopback port, as a Cluster's nodes have), no persistence. A missing binary is a failure, not a skip: CI installs it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createConnection, createServer, type AddressInfo } from 'node:net'
import { Redis } from 'ioredis'

export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server'

export interface TestRedis {
  /** What the relay's `redis` setting takes: the unix socket path (`tcp`: `redis://…`). */
  url: string
  /** The redis-server process (a test may SIGSTOP it to play a Redis that stops answering). */
  pid: number
  stop(): Promise<void>
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection(path)
    sock.once('connect', () => {
      sock.destroy()
      resolve(true)
    })
    sock.once('error', () => resolve(false))
  })
}

/** A loopback port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo
      s.close(() => resolve(port))
    })
  })
}

export async function startRedis(opts: { tcp?: boolean } = {}): Promise<TestRedis> {
  if (!existsSync(REDIS_SERVER_BIN)) {
    throw new Error(
      `${REDIS_SERVER_BIN} not found: the Redis store tests need a real redis-server ` +
        '(Debian: apt-get install redis-server, or set REDIS_SERVER_BIN)',
    )
  }
  const dir = mkdtempSync(join(tmpdir(), 'scandesk-redis-'))
  const socket = join(dir, 'redis.sock')
  const port = opts.tcp ? await freePort() : 0
  const child: ChildProcess = spawn(
    REDIS_SERVER_BIN,
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--unixsocket', socket],
      ...['--save', '', '--appendonly', 'no', '--dir', dir],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))

  // Bounded wait: 200 × 25 ms.
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break
    if (existsSync(socket) && (await canConnect(socket))) {
      return {
        url: opts.tcp ? `redis://127.0.0.1:${port}` : socket,
        pid: child.pid ?? 0,
        async stop() {
          if (child.exitCode === null) child.kill('SIGCONT')
          if (child.exitCode === null) child.kill('SIGTERM')
          await exited
          rmSync(dir, { recursive: true, force: true })
        },
      }
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
  throw new Error(`redis-server did not start: ${stderr.trim() || 'no output'}`)
}

/**
 * `CONFIG SET appendonly yes` on a running server, returning once its first AOF is written:
 * until then Redis refuses to stop ("Writing initial AOF, can't exit") and `stop()` would hang.
 */
export async function turnOnAppendOnly(admin: {
  config(op: 'SET', key: string, value: string): Promise<unknown>
  info(section: string): Promise<string>
}): Promise<void> {
  await admin.config('SET', 'appendonly', 'yes')
  // Bounded wait: 400 × 25 ms.
  for (let i = 0; i < 400; i++) {
    const info = await admin.info('persistence')
    if (
      /^aof_rewrite_in_progress:0\r?$/m.test(info) &&
      /^aof_rewrite_scheduled:0\r?$/m.test(info)
    ) {
      return
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error('redis-server did not write its first append-only file')
}

/**
 * The commands clients sent the server at `url` (not those scripts ran), while `during` ran;
 * each as its args (MONITOR).
 */
export async function monitorCommands(
  url: string,
  during: () => Promise<void>,
): Promise<string[][]> {
  const mon = new Redis(url)
  const seen: string[][] = []
  const m = await mon.monitor()
  m.on('monitor', (_time: string, args: string[], source: string) => {
    if (source !== 'lua') seen.push(args)
  })
  // MONITOR shows commands from when it is set up: one of our own marks that moment.
  const probe = new Redis(url)
  const heard = async (mark: string): Promise<void> => {
    // Bounded wait: 500 × 10 ms.
    for (let i = 0; i < 500 && !seen.some((a) => a[1] === mark); i++) {
      await new Promise((r) => setTimeout(r, 10))
    }
    if (!seen.some((a) => a[1] === mark)) throw new Error(`MONITOR never showed ${mark}`)
  }
  try {
    await probe.echo('monitor-ready')
    await heard('monitor-ready')
    await during()
    await probe.echo('monitor-done')
    await heard('monitor-done')
  } finally {
    probe.disconnect()
    m.disconnect()
    mon.disconnect()
  }
  return seen
}
