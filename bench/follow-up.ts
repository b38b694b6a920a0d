/**
 * Issue 20: the push answer's latency with a campaign's tag and follow-up message on vs off
 * (goal: p99 unchanged within noise: the worker is off the answer path), and how long the
 * worker takes to tag every visitor and send every follow-up, against the sandbox, per store;
 * and the console's report read on a large campaign (bench/follow-up-report.ts).
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRelay } from '../relay/server'
import { startSandbox } from '../sandbox/server'
import { silentLogger } from '../shared/server/log'
import { startRedis, type TestRedis } from '../test/helpers/redis'
import { TOKEN, postPush, scanXml, type Backend, BENCH_CAMPAIGN } from './env'
import { benchFollowUpReport } from './follow-up-report'
import { percentile, ratio, round, type Results } from './result'

const PARALLEL = 8

interface Run {
  p50: number
  p99: number
  /** From the first push until every visitor is tagged and messaged (on only). */
  drainMs: number | null
}

async function run(backend: Backend, on: boolean, pushes: number, quick = false): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-follow-up-'))
  const sandbox = await startSandbox({ mode: 'plain' }, silentLogger)
  let redis: TestRedis | null = null
  if (backend === 'redis') redis = await startRedis()
  const o = sandbox.options
  const relay = await startRelay(
    {
      port: 0,
      data: dir,
      redis: redis?.url ?? null,
      wechat: { token: TOKEN, appId: o.appId, appSecret: o.appSecret, apiBase: sandbox.url },
    },
    { redisPrefix: `b-${randomUUID()}:`, log: silentLogger, storePollMs: 1000 },
  )
  try {
    const store = relay.store
    const input = on
      ? { ...BENCH_CAMPAIGN, tag: 'bench', followUp: '谢谢 {number}' }
      : BENCH_CAMPAIGN
    await store.campaigns.createCampaign({ ...input, id: 'bench', screenKey: 's'.repeat(32) }, 0)
    for (const k of ['k1', 'k2', 'k3']) {
      await relay.addKiosk(k)
      await store.console.setKioskCampaign(k, 'bench')
      // As the console's assignment does: caches (the worker's too) hear of it.
      await store.announce({ type: 'campaign', campaignId: 'bench', kioskId: k })
    }
    const openids = Array.from({ length: pushes }, (_, i) => `obench${String(i).padStart(6, '0')}`)
    // The sandbox knows them as followers who just scanned (their message window is open).
    for (const id of openids) sandbox.users.interacted(id)
    const latencies: number[] = []
    const t0 = performance.now()
    let next = 0
    async function lane(): Promise<void> {
      while (next < pushes) {
        const i = next++
        const started = performance.now()
        const status = await postPush(relay.url, scanXml(openids[i] ?? '', `k${(i % 3) + 1}:n`))
        if (status !== 200) throw new Error(`push: HTTP ${status}`)
        latencies.push(performance.now() - started)
      }
    }
    await Promise.all(Array.from({ length: PARALLEL }, lane))
    let drainMs: number | null = null
    if (on) {
      const until = Date.now() + (quick ? 15_000 : 120_000)
      for (;;) {
        const c = await store.followUp.counts('bench')
        if (c.tagged + c.failed === pushes && c.sent + c.outsideWindow + c.messageFailed === pushes)
          break
        if (Date.now() > until) throw new Error(`follow-up did not drain: ${JSON.stringify(c)}`)
        await new Promise((r) => setTimeout(r, 20))
      }
      drainMs = performance.now() - t0
    }
    latencies.sort((a, b) => a - b)
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), drainMs }
  } finally {
    await relay.close()
    await sandbox.close()
    await redis?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function benchFollowUp(quick: boolean): Promise<Results> {
  const pushes = quick ? 300 : 1500
  const out: Results = {}
  for (const backend of ['sqlite', 'redis'] as const) {
    // Untimed: the first run with the worker on loads and compiles what the off run never
    // touches (the worker, its store paths, fetch's HTTP client, the sandbox's handlers) on the
    // loop that answers the pushes; measured first, that one-time cost was most of "on"'s tail.
    await run(backend, true, Math.min(pushes, 300), true)
    const off = await run(backend, false, pushes, quick)
    const on = await run(backend, true, pushes, quick)
    const p = `follow-up.${backend}`
    out[`${p}.push_p50_off_ms`] = { value: round(off.p50, 2), unit: 'ms' }
    out[`${p}.push_p50_on_ms`] = {
      value: round(on.p50, 2),
      unit: 'ms',
      compare: { against: 'off', ratio: ratio(on.p50, off.p50) },
    }
    out[`${p}.push_p99_off_ms`] = { value: round(off.p99, 2), unit: 'ms' }
    const r = ratio(on.p99, off.p99)
    out[`${p}.push_p99_on_ms`] = {
      value: round(on.p99, 2),
      unit: 'ms',
      compare: { against: 'off', ratio: r },
      goal: 'p99 unchanged within noise (≤ 1.25× off)',
      met: r !== null && r <= 1.25,
      note: `${pushes} pushes, ${PARALLEL} at a time, 3 booths; tag + follow-up on vs off`,
    }
    out[`${p}.drain_${pushes}_ms`] = {
      value: on.drainMs === null ? null : round(on.drainMs, 0),
      unit: 'ms',
      note: 'first push until every visitor is tagged (batches of 50) and messaged',
    }
  }
  Object.assign(out, await benchFollowUpReport(quick))
  return out
}
