/**
 * `tsx bench/saturation-profile.ts <floor|sqlite|redis> <rate> [seconds]`: runs one target of
 * the saturation bench under `node --cpu-prof` at a fixed open-loop rate and prints where its
 * CPU went by self time: per area (Node's own modules, ours, each package, GC) and the top
 * functions. Only the samples taken while the load ran are counted (not start-up or tsx).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { Child } from './child'
import { areaOf, selfTime, type Frame } from './cpu-profile'
import { scanXml, signedPushUrl } from './env'
import { rawOpenLoop, rawPost } from './raw-client'
import { percentile, round } from './result'

const Started = z.object({ url: z.string() })

async function main(): Promise<void> {
  const [target = 'sqlite', rateArg = '3000', secondsArg = '6'] = process.argv.slice(2)
  const rate = Number(rateArg)
  const count = Math.round(rate * Number(secondsArg))
  const dir = mkdtempSync(join(tmpdir(), 'sat-prof-'))
  process.env.BENCH_RELAY_PROF = dir
  const child = new Child()
  const msg =
    target === 'floor' ? { cmd: 'floor', durable: false } : { cmd: 'start', backend: target }
  const { url } = Started.parse(await child.call(msg))
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
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  if (file === undefined) throw new Error('no profile written')
  const raw: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'))
  rmSync(dir, { recursive: true, force: true })
  const lat = [...run.latency].sort((a, b) => a - b)
  console.log(
    `${target} at ${rate}/s × ${count}: p50 ${round(percentile(lat, 50), 2)} ms, p99 ` +
      `${round(percentile(lat, 99), 2)} ms, ${run.errors} errors, achieved ${round(run.achievedRate, 0)}/s`,
  )
  const show = (title: string, key: (f: Frame) => string, n: number) => {
    const { total, rows } = selfTime(raw, key, from, to)
    console.log(`\n${title} (busy ${round(total / 1000, 0)} ms):`)
    for (const [k, us] of rows.slice(0, n)) {
      console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`)
    }
  }
  show('self time by area', areaOf, 15)
  show(
    'top functions by self time',
    (f) => `${f.functionName || '(anonymous)'}  ${areaOf(f)}:${f.lineNumber + 1}`,
    25,
  )
}

await main()
