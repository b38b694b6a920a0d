/**
 * Metric 2: a signed push POSTed to the relay → the scan committed in the kiosk's SQLite, at
 * fixed open-loop rates, per store; and the floor in the same run: a bare HTTP POST whose body
 * a bare server forwards as one ws message, on the same loopback, the same load generator.
 */
import { openLoop } from './load'
import { z } from 'zod'
import { onlyFromEnv, postRaw, scanXml, signedPushUrl, type Backend } from './env'
import { Child } from './child'
import { percentile, ratio, round, type Metric, type Results } from './result'

interface Lat {
  p50: number
  p99: number
  max: number
  done: number
  count: number
  non200: number
  /** POST → 200 (the relay has stored the push), p50 and p99. */
  answer50: number
  answer99: number
}

function summarize(lat: number[], count: number, statuses: number[], answer: number[]): Lat {
  const s = [...lat].sort((a, b) => a - b)
  const a = [...answer].sort((x, y) => x - y)
  return {
    answer50: round(percentile(a, 50), 2),
    answer99: round(percentile(a, 99), 2),
    p50: round(percentile(s, 50), 2),
    p99: round(percentile(s, 99), 2),
    max: round(s[s.length - 1] ?? NaN, 2),
    done: s.length,
    count,
    non200: statuses.filter((x) => x !== 200).length,
  }
}

const CpuReply = z.object({ ms: z.number() })
const Collected = z.object({
  times: z.array(z.tuple([z.number(), z.number()])),
  duplicates: z.number(),
})

export interface Run extends Lat {
  /** CPU per push, µs: the relay (or bare server), the kiosk (or bare client), the load generator. */
  relayCpu: number
  kioskCpu: number
  loadCpu: number
  /** The rate the load generator actually sent at (it must keep up with the offered rate). */
  sentRate: number
  duplicates: number
}

async function cpuMs(child: Child): Promise<number> {
  return CpuReply.parse(await child.call({ cmd: 'cpu' })).ms
}

/**
 * One open-loop run: `fire(i)` POSTs push i; the kiosk child (already connected) reports when
 * each was committed. Both sides and the load generator time on `monoMs()`.
 */
async function measure(
  server: Child,
  kiosk: Child,
  rate: number,
  count: number,
  fire: (i: number) => Promise<number>,
): Promise<Run> {
  const [relay0, kiosk0] = [await cpuMs(server), await cpuMs(kiosk)]
  const load0 = process.cpuUsage()
  const { sentAt, answeredAt, statuses } = await openLoop(rate, count, fire)
  const load = process.cpuUsage(load0)
  const got = Collected.parse(await kiosk.call({ cmd: 'collect', count, timeoutMs: 15_000 }))
  const [relay1, kiosk1] = [await cpuMs(server), await cpuMs(kiosk)]
  const lat = got.times.map(([i, t]) => t - (sentAt[i] ?? t))
  const span = (sentAt[count - 1] ?? 0) - (sentAt[0] ?? 0)
  return {
    ...summarize(lat, count, statuses, answerTimes(sentAt, answeredAt)),
    relayCpu: round(((relay1 - relay0) * 1000) / count, 0),
    kioskCpu: round(((kiosk1 - kiosk0) * 1000) / count, 0),
    loadCpu: round((load.user + load.system) / count, 0),
    sentRate: span > 0 ? round(((count - 1) * 1000) / span, 0) : rate,
    duplicates: got.duplicates,
  }
}

/** A warm-up run first: a relay runs for days, so JIT compilation is not what we measure. */
export const WARM_UP = { rate: 500, count: 500 }

/**
 * The floor at each rate. `durable`: both ends also write and fdatasync each push before going
 * on (the server before forwarding and answering, the client before noting it), i.e. the
 * least any relay and kiosk that keep what they acknowledge must do on this disk.
 */
async function floor(
  rates: number[],
  seconds: number,
  durable: boolean,
): Promise<Map<number, Run>> {
  // The same processes as ours: the bare server where the relay runs, the bare client where
  // the kiosk runs, the load generator here.
  const server = new Child()
  const kiosk = new Child('kiosk-sink-child.ts')
  const out = new Map<number, Run>()
  try {
    const { url, wsUrl } = z
      .object({ url: z.string(), wsUrl: z.string() })
      .parse(await server.call({ cmd: 'floor', durable }))
    const mode = durable ? 'bare-durable' : 'bare'
    const run = async (rate: number, count: number): Promise<Run> => {
      await kiosk.call({ cmd: 'start', mode, url: wsUrl, kioskId: 'floor', token: '' })
      return measure(server, kiosk, rate, count, (i) => postRaw(`${url}/`, String(i)))
    }
    await run(WARM_UP.rate, WARM_UP.count)
    for (const rate of rates) out.set(rate, await run(rate, Math.round(rate * seconds)))
  } finally {
    await Promise.all([server.stop(), kiosk.stop()])
  }
  return out
}

function answerTimes(sentAt: Float64Array, answeredAt: Float64Array): number[] {
  return [...answeredAt].map((t, i) => t - (sentAt[i] ?? t))
}

/**
 * One run of `count` pushes at `rate` to a kiosk the relay registers now (`s<kioskNo>`), which
 * the kiosk child connects as before the clock starts.
 */
export async function runOnNewKiosk(
  on: { relay: Child; kiosk: Child; url: string },
  kioskNo: number,
  rate: number,
  count: number,
): Promise<Run> {
  const { relay, kiosk, url } = on
  const kioskId = `s${kioskNo}`
  const { tokens } = z
    .object({ tokens: z.array(z.string()) })
    .parse(await relay.call({ cmd: 'kiosks', from: kioskNo, n: 1, events: 0 }))
  await kiosk.call({ cmd: 'start', mode: 'core', url, kioskId, token: tokens[0] ?? '' })
  // Signed ahead, so the load generator only sends (WeChat signs on its own machines).
  const pushes = Array.from({ length: count }, (_, i) => ({
    url: signedPushUrl(url),
    body: scanXml(`o-${i % 500}`, `${kioskId}:${i}`),
  }))
  return measure(relay, kiosk, rate, count, (i) =>
    pushes[i] === undefined ? Promise.resolve(0) : postRaw(pushes[i].url, pushes[i].body),
  )
}

async function endToEnd(
  backend: Backend,
  rates: number[],
  seconds: number,
): Promise<Map<number, Run>> {
  // The relay and the kiosk each in their own process, as on their own hosts: neither takes
  // the load generator's turns (nor each other's).
  const relay = new Child()
  const kiosk = new Child('kiosk-sink-child.ts')
  const out = new Map<number, Run>()
  try {
    const { url } = z.object({ url: z.string() }).parse(await relay.call({ cmd: 'start', backend }))
    const run = (kioskNo: number, rate: number, count: number): Promise<Run> =>
      runOnNewKiosk({ relay, kiosk, url }, kioskNo, rate, count)
    await run(1, WARM_UP.rate, WARM_UP.count)
    for (const rate of rates) out.set(rate, await run(rate, rate, Math.round(rate * seconds)))
  } finally {
    await Promise.all([relay.stop(), kiosk.stop()])
  }
  return out
}

/** CPU per push of each process, and whether the load generator kept to the offered rate. */
function cpuMetrics(base: string, rate: number, r: Run): Results {
  const perPush = 'µs/push (user+sys)'
  return {
    [`${base}.relay-cpu`]: { value: r.relayCpu, unit: perPush },
    [`${base}.kiosk-cpu`]: { value: r.kioskCpu, unit: perPush },
    [`${base}.load-cpu`]: {
      value: r.loadCpu,
      unit: perPush,
      note: `load generator sent at ${r.sentRate}/s of ${rate}/s offered`,
    },
  }
}

/** `BENCH_E2E_STORES=redis`, `BENCH_E2E_RATES=1000`: one store or rate only. */
export async function benchEndToEnd(quick: boolean): Promise<Results> {
  const rates = onlyFromEnv('BENCH_E2E_RATES', quick ? [100, 1000] : [100, 1000, 5000])
  const seconds = quick ? 1 : 3
  const results: Results = {}
  const floors = await floor(rates, seconds, false)
  const durableFloors = await floor(rates, seconds, true)
  for (const [name, runs] of [
    ['floor', floors],
    ['floor-durable', durableFloors],
  ] as const) {
    for (const [rate, f] of runs) {
      for (const k of ['p50', 'p99', 'max'] as const) {
        results[`e2e.${name}.${rate}/s.${k}`] = { value: f[k], unit: 'ms' }
      }
      results[`e2e.${name}.${rate}/s.post-200.p50`] = { value: f.answer50, unit: 'ms' }
      Object.assign(results, cpuMetrics(`e2e.${name}.${rate}/s`, rate, f))
    }
  }
  for (const backend of onlyFromEnv('BENCH_E2E_STORES', ['sqlite', 'redis'] as const)) {
    const lats = await endToEnd(backend, rates, seconds)
    for (const [rate, l] of lats) {
      const f = floors.get(rate)
      const d = durableFloors.get(rate)
      const base = `e2e.${backend}.${rate}/s`
      const note = `${l.done}/${l.count} committed, ${l.duplicates} duplicated, ${l.non200} non-200`
      // Issue 22 item 3: p50 against the durable floor (a relay and a kiosk that each fsync
      // what they acknowledge) at 100/s and 1,000/s; ≤ 1.2× is the SQLite store's goal. At
      // 5,000/s the durable floor (one fsync per push, in turn) cannot keep up, so the plain
      // floor is the reference there.
      const durable = rate !== 5000 && d !== undefined
      const p50: Metric = {
        value: l.p50,
        unit: 'ms',
        compare: durable
          ? { against: 'durable floor p50', ratio: ratio(l.p50, d.p50) }
          : { against: 'floor p50', ratio: f ? ratio(l.p50, f.p50) : null },
        note: `${note}; ${f ? ratio(l.p50, f.p50) : '?'}x the plain floor's p50`,
      }
      if (durable && backend === 'sqlite') {
        p50.goal = '<= 1.2x durable floor'
        p50.met = (p50.compare?.ratio ?? Infinity) <= 1.2
      }
      const p99: Metric = {
        value: l.p99,
        unit: 'ms',
        compare: { against: 'floor p99', ratio: f ? ratio(l.p99, f.p99) : null },
      }
      if (rate === 1000 || (rate === 5000 && backend === 'sqlite')) {
        const limit = rate === 1000 ? 20 : 10
        p99.goal = `< ${limit} ms`
        p99.met = l.p99 < limit
      }
      results[`${base}.p50`] = p50
      results[`${base}.p99`] = p99
      results[`${base}.max`] = { value: l.max, unit: 'ms' }
      results[`${base}.post-200.p50`] = {
        value: l.answer50,
        unit: 'ms',
        compare: { against: 'floor POST p50', ratio: f ? ratio(l.answer50, f.answer50) : null },
      }
      results[`${base}.post-200.p99`] = { value: l.answer99, unit: 'ms' }
      results[`${base}.committed`] = { value: l.done, unit: `of ${l.count}`, note }
      Object.assign(results, cpuMetrics(base, rate, l))
    }
  }
  return results
}
