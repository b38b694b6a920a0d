/**
 * Saturation (issue 22 item 2): open-loop signed pushes at rising rates against one relay
 * process (SQLite, Redis, and with no store at all) and against the floor, a bare `http`
 * server answering `success` in the same kind of child process, until p99 passes 100 ms. The
 * targets take turns at each rate (short runs, interleaved), so the machine's neighbours weigh on all alike and the
 * ratios mean something even when the absolute rates do not.
 */
import { z } from 'zod'
import { Child } from './child'
import { scanXml, signedPushUrl } from './env'
import { rawOpenLoop, rawPost, type OpenLoopRun } from './raw-client'
import { percentile, ratio, round, type Results } from './result'

/**
 * `no-store`: the relay with a store that keeps nothing (bench/relay-child.ts `keepNothing`),
 * the ceiling of any store; no goal, it says how much of the gap to the floor is not the store.
 */
export type Target = 'floor' | 'sqlite' | 'redis' | 'no-store'
const TARGETS: readonly Target[] = ['floor', 'no-store', 'sqlite', 'redis']
/** The goal for ours ÷ floor, per store (issue 22). */
const GOAL: Partial<Record<Target, number>> = { sqlite: 0.5, redis: 0.6 }
const P99_LIMIT_MS = 100
const SOCKETS = 64

const Started = z.object({ url: z.string() })
const Tokens = z.object({ tokens: z.array(z.string()) })
const Cpu = z.object({ ms: z.number() })

export interface Step {
  rate: number
  p50: number
  p99: number
  errors: number
  achieved: number
  /** CPU of the server process per push, µs, and its share of one core over the run. */
  serverCpuUs: number
  serverCores: number
  /** The same for this process, the load generator. */
  clientCpuUs: number
  clientCores: number
  sendLagMs: number
  ok: boolean
}

interface Server {
  child: Child
  port: number
  url: string
  kiosks: number
}

/** What bench/relay-child.ts is asked to start for a target. */
export function startMessage(target: Target): object {
  if (target === 'floor') return { cmd: 'floor', durable: false }
  if (target === 'no-store') return { cmd: 'start', backend: 'sqlite', storeless: true }
  return { cmd: 'start', backend: target }
}

async function startServer(target: Target): Promise<Server> {
  // The relay as it ships, bundled, not through tsx (bench/child.ts `bundled`); the floor too.
  const child = new Child('relay-child.ts', { bundled: true })
  const msg = startMessage(target)
  const { url } = Started.parse(await child.call(msg))
  return { child, url, port: Number(new URL(url).port), kiosks: 0 }
}

/** `count` pushes ready to send: signed now, each for a fresh kiosk's scene (for the floor too). */
async function requestsFor(s: Server, count: number, floor: boolean): Promise<Buffer[]> {
  const k = ++s.kiosks
  if (!floor) Tokens.parse(await s.child.call({ cmd: 'kiosks', from: k, n: 1, events: 0 }))
  return Array.from({ length: count }, (_, i) => {
    const url = new URL(signedPushUrl(s.url))
    return rawPost(url.pathname + url.search, scanXml(`o-${i % 500}`, `s${k}:${i}`))
  })
}

async function cpuMs(s: Server): Promise<number> {
  return Cpu.parse(await s.child.call({ cmd: 'cpu' })).ms
}

export function judge(run: OpenLoopRun, rate: number): { p50: number; p99: number; ok: boolean } {
  const s = [...run.latency].sort((a, b) => a - b)
  const p50 = round(percentile(s, 50), 2)
  const p99 = round(percentile(s, 99), 2)
  const ok = run.errors === 0 && p99 <= P99_LIMIT_MS && run.achievedRate >= 0.95 * rate
  return { p50, p99, ok }
}

async function step(s: Server, target: Target, rate: number, seconds: number): Promise<Step> {
  const count = Math.max(200, Math.round(rate * seconds))
  const requests = await requestsFor(s, count, target === 'floor')
  const server0 = await cpuMs(s)
  const client0 = process.cpuUsage()
  const t0 = performance.now()
  const run = await rawOpenLoop(s.port, requests, rate, SOCKETS)
  const wall = performance.now() - t0
  const client = process.cpuUsage(client0)
  const serverMs = (await cpuMs(s)) - server0
  const clientMs = (client.user + client.system) / 1000
  return {
    rate,
    ...judge(run, rate),
    errors: run.errors,
    achieved: round(run.achievedRate, 0),
    serverCpuUs: round((serverMs * 1000) / count, 1),
    serverCores: round(serverMs / wall, 2),
    clientCpuUs: round((clientMs * 1000) / count, 1),
    clientCores: round(clientMs / wall, 2),
    sendLagMs: round(run.sendLagMs, 1),
  }
}

/** The rates tried: ×1.25 steps (×1.5 quick) from 1,000/s, up to 60,000/s. */
function ladder(quick: boolean): number[] {
  const out: number[] = []
  for (let r = 1000; r <= 60_000; r *= quick ? 1.5 : 1.25) out.push(Math.round(r / 100) * 100)
  return out
}

/**
 * Every target's steps, interleaved: at each rate each target still standing runs once
 * (the order rotating from rate to rate). A failed step is tried again, up to `tries` in all:
 * on a shared machine one neighbour's burst (the process descheduled for 100 ms) breaks a
 * short run's p99 at any rate, while a server past its capacity fails every try. Failing
 * them all ends that target's ladder.
 */
export async function saturate(
  quick: boolean,
  targets: readonly Target[] = TARGETS,
): Promise<Map<Target, Step[]>> {
  const seconds = quick ? 1 : 3
  const tries = quick ? 2 : 3
  const servers = new Map<Target, Server>()
  const steps = new Map<Target, Step[]>()
  try {
    for (const t of targets) {
      const s = await startServer(t)
      servers.set(t, s)
      steps.set(t, [])
      // Warm-up, not recorded: JIT compilation (on its own threads, counted in the process's
      // CPU) is not what a relay that runs for days spends.
      await step(s, t, 1000, 3)
    }
    const standing = new Set(targets)
    let turn = 0
    for (const rate of ladder(quick)) {
      if (standing.size === 0) break
      const order = [...standing]
      order.push(...order.splice(0, turn++ % order.length))
      for (const t of order) {
        const s = servers.get(t)
        if (s === undefined) continue
        let r = await step(s, t, rate, seconds)
        for (let retry = 1; !r.ok && retry < tries; retry++) r = await step(s, t, rate, seconds)
        steps.get(t)?.push(r)
        if (!r.ok) standing.delete(t)
      }
    }
  } finally {
    await Promise.all([...servers.values()].map((s) => s.child.stop()))
  }
  return steps
}

/** The highest rate passed before the first failed one. */
export function sustained(steps: readonly Step[]): Step | null {
  let best: Step | null = null
  for (const s of steps) {
    if (!s.ok) break
    best = s
  }
  return best
}

function describe(s: Step): string {
  return (
    `at ${s.rate}/s: p50 ${s.p50} ms, p99 ${s.p99} ms, achieved ${s.achieved}/s; server ` +
    `${s.serverCpuUs} µs/push (${s.serverCores} cores), load generator ${s.clientCpuUs} µs/push ` +
    `(${s.clientCores} cores)`
  )
}

export async function benchSaturation(quick: boolean): Promise<Results> {
  const all = await saturate(quick)
  const results: Results = {}
  const floorBest = sustained(all.get('floor') ?? [])
  for (const t of TARGETS) {
    const steps = all.get(t) ?? []
    const best = sustained(steps)
    const broke = steps.find((s) => !s.ok)
    const note =
      (best ? describe(best) : 'no rate sustained') +
      (broke
        ? `; broke at ${broke.rate}/s (p99 ${broke.p99} ms, ${broke.errors} errors, achieved ` +
          `${broke.achieved}/s; server ${broke.serverCores} cores, load generator ${broke.clientCores})`
        : '; never broke')
    const base = `saturation.${t}`
    if (t === 'floor') {
      results[`${base}.max-rate`] = { value: best?.rate ?? null, unit: 'pushes/s', note }
    } else {
      const r = best && floorBest ? ratio(best.rate, floorBest.rate) : null
      const goal = GOAL[t]
      results[`${base}.max-rate`] = {
        value: best?.rate ?? null,
        unit: 'pushes/s',
        compare: { against: 'floor max-rate', ratio: r },
        ...(goal === undefined ? {} : { goal: `>= ${goal}x floor`, met: r !== null && r >= goal }),
        note,
      }
    }
    if (best) {
      // CPU per push at the sustained rate: the per-core capacity, robust to neighbours.
      // Against the floor's at the same rate (batching makes it fall as the rate rises).
      const floorAt = (all.get('floor') ?? []).find((f) => f.rate === best.rate)
      results[`${base}.cpu-per-push`] = {
        value: best.serverCpuUs,
        unit: 'µs (user+sys)',
        ...(t === 'floor' || floorAt === undefined
          ? {}
          : {
              compare: {
                against: `floor at ${best.rate}/s`,
                ratio: ratio(best.serverCpuUs, floorAt.serverCpuUs),
              },
            }),
        note: `${round(1e6 / best.serverCpuUs, 0)} pushes per CPU-second`,
      }
    }
  }
  return results
}

/**
 * One target at one fixed rate, after the warm-up: for before/after comparisons of a change
 * (run against two checkouts in turn; docs/BENCHMARKS.md "Saturation").
 */
export async function fixedRate(target: Target, rate: number, seconds: number): Promise<Step> {
  const s = await startServer(target)
  try {
    await step(s, target, 1000, 3)
    return await step(s, target, rate, seconds)
  } finally {
    await s.child.stop()
  }
}
