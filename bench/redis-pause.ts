/**
 * `tsx bench/redis-pause.ts [rate…]` (not in `npm run bench`): the built relay on its own
 * redis-server takes open-loop signed pushes at `rate`/s; after 10 s Redis is paused (SIGSTOP,
 * as across a partition) for 30 s, then resumed, the pushes going on for 30 s more. Every 5 s:
 * the relay's RSS and heap (from a preloaded sampler) and the pushes answered by status. Prints
 * one JSON line per sample and a summary: peak growth, time to the first 200 after SIGCONT.
 */
import { Agent, request } from 'node:http'
import { rmSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { z } from 'zod'
import { openRedisStore } from '../relay/store/redis/store'
import { startRedis } from '../test/helpers/redis'
import { putBenchKiosks, scanXml, signedPushUrl, spawnBuiltRelay, tempDir } from './env'

const KIOSKS = 50
const kioskId = (i: number) => `booth-${String(i).padStart(3, '0')}`
const memSchema = z.object({ rss: z.number(), heapUsed: z.number(), external: z.number() })
const SAMPLER =
  'data:text/javascript,setInterval(()=>process.stderr.write("MEM "+JSON.stringify(process.memoryUsage())+"\\n"),1000).unref()'
const MB = 1024 * 1024

async function run(rate: number): Promise<void> {
  const dir = tempDir('bench-redis-pause-')
  const redis = await startRedis()
  const store = await openRedisStore({ url: redis.url, prefix: 'scandesk:' })
  await putBenchKiosks(store, KIOSKS, kioskId)
  await store.close()
  const { proc, url } = await spawnBuiltRelay({
    nodeArgs: ['--import', SAMPLER],
    args: ['--port', '0', '--host', '127.0.0.1', '--data', dir, '--redis', redis.url],
    stderr: 'pipe',
  })
  let mem = { rss: 0, heapUsed: 0, external: 0 }
  createInterface({ input: proc.stderr ?? process.stdin }).on('line', (l) => {
    if (l.startsWith('MEM ')) mem = memSchema.parse(JSON.parse(l.slice(4)))
  })
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity })
  const counts = new Map<string, number>()
  let inFlight = 0
  let resumedAt = 0
  let firstOkAfter = 0
  const post = (i: number) => {
    inFlight++
    const req = request(
      signedPushUrl(url),
      { method: 'POST', agent, headers: { 'content-type': 'text/xml' } },
      (res) => {
        res.resume()
        res.on('end', () => {
          inFlight--
          const s = String(res.statusCode)
          counts.set(s, (counts.get(s) ?? 0) + 1)
          if (s === '200' && resumedAt > 0 && firstOkAfter === 0)
            firstOkAfter = performance.now() - resumedAt
        })
      },
    )
    req.on('error', () => {
      inFlight--
      counts.set('err', (counts.get('err') ?? 0) + 1)
    })
    req.end(scanXml(`o-${i % 5000}`, `${kioskId(i % KIOSKS)}:p${i}`))
  }
  const t0 = performance.now()
  let sent = 0
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate)
    while (sent < due) post(sent++)
  }, 5)
  const sample = (phase: string) => {
    const line = {
      rate,
      t: Math.round((performance.now() - t0) / 1000),
      phase,
      rssMB: Math.round(mem.rss / MB),
      heapMB: Math.round(mem.heapUsed / MB),
      extMB: Math.round(mem.external / MB),
      inFlight,
      answered: Object.fromEntries(counts),
    }
    counts.clear()
    console.log(JSON.stringify(line))
    return line
  }
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))
  for (let i = 0; i < 2; i++) {
    await wait(5000)
    sample('running')
  }
  const before = sample('before')
  process.kill(redis.pid, 'SIGSTOP')
  let peak = before.rssMB
  let peakHeap = before.heapMB
  for (let i = 0; i < 6; i++) {
    await wait(5000)
    const s = sample('paused')
    peak = Math.max(peak, s.rssMB)
    peakHeap = Math.max(peakHeap, s.heapMB)
  }
  process.kill(redis.pid, 'SIGCONT')
  resumedAt = performance.now()
  let last = before
  for (let i = 0; i < 6; i++) {
    await wait(5000)
    last = sample('resumed')
    peak = Math.max(peak, last.rssMB)
    peakHeap = Math.max(peakHeap, last.heapMB)
  }
  clearInterval(timer)
  await wait(3000)
  const idle = sample('idle')
  console.log(
    JSON.stringify({
      rate,
      summary: {
        rssBeforeMB: before.rssMB,
        rssPeakMB: peak,
        heapBeforeMB: before.heapMB,
        heapPeakMB: peakHeap,
        rssGrowthMBPerMin: Math.round(((peak - before.rssMB) * 60) / 30),
        firstOkAfterContMs: Math.round(firstOkAfter),
        rssEndMB: last.rssMB,
        heapEndMB: last.heapMB,
        rssIdleMB: idle.rssMB,
        heapIdleMB: idle.heapMB,
      },
    }),
  )
  agent.destroy()
  const exited = new Promise((ok) => proc.once('exit', ok))
  proc.kill('SIGTERM')
  await exited
  await redis.stop()
  rmSync(dir, { recursive: true, force: true })
}

const rates = process.argv.slice(2).map(Number)
for (const rate of rates.length > 0 ? rates : [200, 1000]) await run(rate)
