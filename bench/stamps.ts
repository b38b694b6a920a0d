/**
 * The stamp rally (issue 20) on the push's answer path: a rally booth's push takes one more
 * store step after the append (the stamp, durable before the answer). Push answer latency
 * through the real relay's `/wechat`, for booths of a campaign with a rally against booths of
 * one without, interleaved push by push so the machine's load falls on both alike; one push at
 * a time (the step's own cost) and 16 at a time (under load). SQLite and Redis.
 */
import {
  assignBooth,
  postPush,
  scanXml,
  startBenchRelay,
  type Backend,
  BENCH_CAMPAIGN,
} from './env'
import { percentile, ratio, round, type Results } from './result'

const RALLY = ['r1', 'r2', 'r3']
const PLAIN = ['p1', 'p2', 'p3']

async function latencies(backend: Backend, pushes: number, concurrency: number): Promise<Results> {
  const bench = await startBenchRelay(backend)
  const { relay } = bench
  try {
    const now = Date.now()
    for (const id of [...RALLY, ...PLAIN]) await relay.addKiosk(id)
    const c = relay.store.campaigns
    await c.createCampaign(
      { ...BENCH_CAMPAIGN, id: 'rally', screenKey: 'k'.repeat(43), stamps: RALLY },
      now,
    )
    await c.createCampaign({ ...BENCH_CAMPAIGN, id: 'plain', screenKey: 'k'.repeat(43) }, now)
    for (const id of RALLY) await assignBooth(relay.store, id, 'rally')
    for (const id of PLAIN) await assignBooth(relay.store, id, 'plain')
    const times = { on: [] as number[], off: [] as number[] }
    let failed = 0
    /** Push i: a visitor's booth i % 3, at a rally booth for even visitors' rounds. */
    const one = async (i: number, tag: string): Promise<void> => {
      const rally = i % 2 === 0
      const booths = rally ? RALLY : PLAIN
      const visitor = Math.floor(i / 6)
      const booth = booths[Math.floor(i / 2) % 3] ?? 'r1'
      const t = performance.now()
      const status = await postPush(relay.url, scanXml(`${tag}-v${visitor}`, `${booth}:${tag}${i}`))
      const ms = performance.now() - t
      if (status !== 200) failed++
      if (tag !== 'warm') (rally ? times.on : times.off).push(ms)
    }
    const run = async (n: number, tag: string) => {
      for (let i = 0; i < n; i += concurrency) {
        await Promise.all(
          Array.from({ length: Math.min(concurrency, n - i) }, (_, j) => one(i + j, tag)),
        )
      }
    }
    await run(Math.min(200, pushes), 'warm')
    await run(pushes, 'run')
    const on = [...times.on].sort((a, b) => a - b)
    const off = [...times.off].sort((a, b) => a - b)
    const key = `stamps.${backend}.c${concurrency}`
    const note = `${pushes} pushes through /wechat, ${concurrency} at a time, rally and plain booths interleaved${failed ? `; ${failed} not 200` : ''}`
    const out: Results = {}
    for (const p of [50, 99] as const) {
      const a = percentile(on, p)
      const b = percentile(off, p)
      out[`${key}.p${p}.rally_off_ms`] = { value: round(b, 2), unit: 'ms', note }
      out[`${key}.p${p}.rally_on_ms`] = {
        value: round(a, 2),
        unit: 'ms',
        compare: { against: 'rally off', ratio: ratio(a, b) },
        note: 'the same pushes at rally booths: the append, then the stamp, then the answer',
      }
    }
    return out
  } finally {
    await bench.close()
  }
}

export async function benchStamps(quick: boolean): Promise<Results> {
  const pushes = quick ? 600 : 3000
  const results: Results = {}
  for (const backend of ['sqlite', 'redis'] as const) {
    Object.assign(results, await latencies(backend, pushes, 1))
    Object.assign(results, await latencies(backend, pushes, 16))
  }
  return results
}
