/**
 * Metric 6, relay start-up: spawn of the built relay (`node --enable-source-maps
 * out/relay/relay.mjs`, as `npm run relay`, the image and the systemd unit start it) to its
 * "relay listening" log line, with a fresh SQLite store each time; beside it the same from the
 * TypeScript source through tsx (how `npm run relay` ran before the production build), and the
 * floor: a `node` that prints the same line at once.
 */
import { execFileSync, spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { tempDir } from './env'
import { ratio, round, type Results } from './result'

const ROOT = resolve(import.meta.dirname, '..')

/** Milliseconds from spawn to the "relay listening" line; the relay is then stopped. */
function startOnce(args: readonly string[]): Promise<number> {
  const data = tempDir('bench-relay-start-')
  const started = performance.now()
  const child = spawn(process.execPath, [...args, '--port', '0', '--data', data], {
    cwd: ROOT,
    env: { ...process.env, SCANDESK_RELAY_WECHAT_TOKEN: 'benchToken' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise<number>((resolvePromise, reject) => {
    let ms: number | null = null
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (ms !== null || !line.includes('"relay listening"')) return
      ms = performance.now() - started
      child.kill('SIGTERM')
    })
    child.once('exit', (code) => {
      rmSync(data, { recursive: true, force: true })
      if (ms === null) reject(new Error(`relay exited (${code}) before listening`))
      else resolvePromise(ms)
    })
  })
}

async function median(runs: number, args: readonly string[]): Promise<number> {
  const times: number[] = []
  // Sequential: two relays starting at once would share the cores.
  for (let i = 0; i < runs; i++) times.push(await startOnce(args))
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)] ?? NaN
}

export async function benchRelayStart(quick: boolean): Promise<Results> {
  execFileSync(process.execPath, ['scripts/build-relay.mjs'], { cwd: ROOT })
  const runs = quick ? 3 : 9
  const built = await median(runs, ['--enable-source-maps', join('out', 'relay', 'relay.mjs')])
  const source = await median(runs, ['--import', 'tsx', join('relay', 'cli.ts')])
  const floor = await median(runs, ['-e', 'console.log(\'{"msg":"relay listening"}\')', '--'])
  return {
    'relay.start-to-listening': {
      value: round(built, 0),
      unit: 'ms',
      compare: { against: 'tsx relay/cli.ts', ratio: ratio(built, source) },
      note: `median of ${runs}`,
    },
    'relay.start-to-listening.tsx': {
      value: round(source, 0),
      unit: 'ms',
      note: `median of ${runs}`,
    },
    'relay.start-to-listening.node-floor': {
      value: round(floor, 0),
      unit: 'ms',
      note: `median of ${runs}`,
    },
  }
}
