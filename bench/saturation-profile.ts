/**
 * `tsx bench/saturation-profile.ts <floor|no-store|sqlite|redis> <rate> [seconds]`: runs one target of
 * the saturation bench under `node --cpu-prof` at a fixed open-loop rate and prints where its
 * CPU went by self time: per area (Node's own modules, ours, each package, GC) and the top
 * functions. Only the samples taken while the load ran are counted (not start-up or tsx).
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { Child } from './child'
import { printSelfTime, takeProfile } from './cpu-profile'
import { scanXml, signedPushUrl } from './env'
import { rawOpenLoop, rawPost } from './raw-client'
import { startMessage } from './saturation'
import { percentile, round } from './result'

const Started = z.object({ url: z.string() })
const TargetArg = z.enum(['floor', 'no-store', 'sqlite', 'redis'])

async function main(): Promise<void> {
  const [targetArg = 'sqlite', rateArg = '3000', secondsArg = '6'] = process.argv.slice(2)
  const target = TargetArg.parse(targetArg)
  const rate = Number(rateArg)
  const count = Math.round(rate * Number(secondsArg))
  const dir = mkdtempSync(join(tmpdir(), 'sat-prof-'))
  process.env.BENCH_RELAY_PROF = dir
  // As the saturation bench runs it: bundled, as the relay ships; frames named by source map.
  const child = new Child('relay-child.ts', { bundled: true })
  const { url } = Started.parse(await child.call(startMessage(target)))
  if (target !== 'floor') await child.call({ cmd: 'kiosks', from: 1, n: 1, events: 0 })
  const reqs = (n: number) =>
    Array.from({ length: n }, (_, i) => {
      const u = new URL(signedPushUrl(url))
      return rawPost(u.pathname + u.search, scanXml(`o-${i % 500}`, `s1:${i}`))
    })
  const port = Number(new URL(url).port)
  await rawOpenLoop(port, reqs(2000), 1000, 64) // warm-up
  const requests = reqs(count)
  // The child's profile clock is its own hrtime in µs; monotonic like ours, so a mark is one call.
  const from = Number(process.hrtime.bigint() / 1000n)
  const run = await rawOpenLoop(port, requests, rate, 64)
  const to = Number(process.hrtime.bigint() / 1000n)
  await child.stop()
  const raw = takeProfile(dir)
  const lat = [...run.latency].sort((a, b) => a - b)
  console.log(
    `${target} at ${rate}/s × ${count}: p50 ${round(percentile(lat, 50), 2)} ms, p99 ` +
      `${round(percentile(lat, 99), 2)} ms, ${run.errors} errors, achieved ${round(run.achievedRate, 0)}/s`,
  )
  printSelfTime(raw, from, to)
}

await main()
