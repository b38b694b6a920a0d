/**
 * `npm run bench -- --only metrics` (1,000 campaigns; 200 with `--quick`), or
 * `tsx bench/metrics-scrape.ts [--scrape-only] [campaigns]` for the JSON alone: what the
 * operator's /metrics costs with `campaigns` (default 1,000) campaigns, each with a tag, a
 * follow-up text and 5 visitors waiting for both, on each store. Prints one JSON object.
 *
 * - `scrape`: the relay in-process with its follow-up worker running (WeChat unreachable:
 *   nothing leaves the queue), 200 `GET /metrics` once the worker has read the backlog (or 10 s,
 *   on a relay without scandesk_relay_follow_up_waiting): median and p95 ms.
 * - `backlog` (left out with `--scrape-only`, for a relay from before it): the worker's read of
 *   how many follow-ups wait (`FollowUpWorker.readBacklog`, every 15 s on the instance holding
 *   the lease), on a store with no relay: median of 10 ms, and on Redis the commands and bytes
 *   Redis sent for one (and of those, the campaign list's, which each worker round reads too).
 */
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { CampaignDirectory } from '../relay/campaign-directory'
import { FollowUpWorker } from '../relay/follow-up/worker'
import type { NewFollowUpVisitor } from '../relay/store/follow-up-types'
import type { RelayStore } from '../relay/store/types'
import { WechatClient } from '../shared/wechat'
import { BENCH_CAMPAIGN, benchPlace, NOWHERE, redisStats, silent, type Backend } from './env'
import { percentile, printTable, round, type Results } from './result'

const VISITORS = 5

/** `n` campaigns with a tag and a text, `VISITORS` visitors of each waiting for both. */
async function fill(store: RelayStore, n: number): Promise<void> {
  let seq = 0
  for (let i = 0; i < n; i++) {
    const id = `c${String(i).padStart(5, '0')}`
    await store.campaigns.createCampaign(
      { ...BENCH_CAMPAIGN, id, screenKey: 'k'.repeat(43), tag: `tag${i}`, followUp: '谢谢' },
      Date.now(),
    )
    const list: NewFollowUpVisitor[] = Array.from({ length: VISITORS }, (_, j) => ({
      campaignId: id,
      openid: `o${id}v${j}`,
      kioskId: 'k1',
      number: j + 1,
      scannedAt: Date.now(),
      tag: 'pending',
      message: 'pending',
    }))
    await store.followUp.record('k1', ++seq, list)
  }
}

async function scrape(backend: Backend, n: number) {
  const p = await benchPlace(backend, 'bench-metrics-')
  const store = await p.openStore()
  await fill(store, n)
  await store.close()
  const relay = await p.startRelay()
  try {
    const get = async () => (await fetch(`${relay.url}/metrics`)).text()
    const until = Date.now() + 10_000
    let shown = false
    while (Date.now() < until && !shown) {
      shown = /^scandesk_relay_follow_up_waiting\{what="tag"\} (\d+)$/m.test(await get())
      if (!shown) await new Promise((r) => setTimeout(r, 100))
    }
    const line = /^scandesk_relay_follow_up_waiting\{what="tag"\} (\d+)$/m.exec(await get())
    const times: number[] = []
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now()
      await get()
      times.push(performance.now() - t0)
    }
    times.sort((a, b) => a - b)
    return {
      waitingTag: line === null ? null : Number(line[1]),
      p50Ms: round(percentile(times, 50), 2),
      p95Ms: round(percentile(times, 95), 2),
    }
  } finally {
    await relay.close()
    await p.remove()
  }
}

async function backlog(backend: Backend, n: number) {
  const p = await benchPlace(backend, 'bench-metrics-')
  const store = await p.openStore()
  const admin = p.redis === null ? null : new Redis({ path: p.redis.url })
  try {
    await fill(store, n)
    const worker = new FollowUpWorker({
      store,
      campaigns: new CampaignDirectory(store, Date.now),
      client: new WechatClient({ appId: 'wxbench', appSecret: 's', apiBase: NOWHERE }),
      log: silent,
      now: Date.now,
      batchWindowMs: 1000,
      windowMs: 60_000,
    })
    // The first read builds each campaign's counters on Redis (once per campaign ever).
    const first = await worker.readBacklog()
    const times: number[] = []
    let commands: number | null = null
    let bytes: number | null = null
    for (let i = 0; i < 10; i++) {
      const before = admin === null ? null : await redisStats(admin)
      const t0 = performance.now()
      await worker.readBacklog()
      times.push(performance.now() - t0)
      if (admin !== null && before !== null) {
        const after = await redisStats(admin)
        commands = after.commands - before.commands - 1
        bytes = after.bytes - before.bytes
      }
    }
    times.sort((a, b) => a - b)
    // Of which the campaign list (which every round of the worker also reads, each 200 ms).
    let listCommands: number | null = null
    let listBytes: number | null = null
    if (admin !== null) {
      const before = await redisStats(admin)
      await store.campaigns.listCampaigns()
      const after = await redisStats(admin)
      listCommands = after.commands - before.commands - 1
      listBytes = after.bytes - before.bytes
    }
    return {
      tag: first.tag,
      message: first.message,
      p50Ms: round(percentile(times, 50), 2),
      redisCommands: commands,
      redisBytes: bytes,
      listRedisCommands: listCommands,
      listRedisBytes: listBytes,
    }
  } finally {
    admin?.disconnect()
    await store.close()
    await p.remove()
  }
}

/** The suite: a scrape's time and the backlog read's cost, per store. */
export async function benchMetricsScrape(quick: boolean): Promise<Results> {
  const n = quick ? 200 : 1000
  const about = `${n} campaigns, each with a tag, a text and ${VISITORS} visitors waiting`
  const results: Results = {}
  for (const backend of ['sqlite', 'redis'] as const) {
    const s = await scrape(backend, n)
    results[`metrics.${backend}.scrape.p50`] = {
      value: s.p50Ms,
      unit: 'ms',
      note: `GET /metrics with the follow-up worker running, ${about}`,
    }
    const b = await backlog(backend, n)
    results[`metrics.${backend}.backlog-read.p50`] = {
      value: b.p50Ms,
      unit: 'ms',
      note: "the worker's count of follow-ups waiting (every 15 s on the lease holder)",
    }
    if (b.redisCommands !== null) {
      results[`metrics.${backend}.backlog-read.commands`] = {
        value: b.redisCommands,
        unit: 'cmd',
        note: 'Redis commands of one backlog read',
      }
    }
  }
  return results
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  if (args.includes('--table')) {
    printTable(await benchMetricsScrape(args.includes('--quick')))
    return
  }
  const scrapeOnly = args.includes('--scrape-only')
  const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 1000)
  const out: Record<string, unknown> = { campaigns: n, visitorsEach: VISITORS }
  for (const backend of ['sqlite', 'redis'] as const) {
    out[`${backend}.scrape`] = await scrape(backend, n)
    if (!scrapeOnly) out[`${backend}.backlog`] = await backlog(backend, n)
  }
  console.log(JSON.stringify(out, null, 2))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err)
    process.exitCode = 1
  })
}
