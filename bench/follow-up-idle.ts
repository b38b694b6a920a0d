/**
 * `npm run bench -- --only follow-up-idle` (1,000 campaigns and 1,000 booths; 200 of each and a
 * 3 s window with `--quick`), or `tsx bench/follow-up-idle.ts [campaigns] [booths]` for the JSON
 * alone: what an idle relay's follow-up worker costs its store with `campaigns` (default 1,000)
 * campaigns, each with a tag and a follow-up text, and `booths` (default 1,000) booths, and no
 * scans. Prints one JSON object.
 *
 * - `<store>.idle` (Redis only): the relay in-process with its worker running (WeChat
 *   unreachable; nothing to send), after 3 s to take the lease and read the backlog once, and
 *   its start-up reads over (`settled`): the commands Redis processed and the bytes it sent
 *   over the next 10 s, per second (INFO stats deltas of a private redis-server; the relay's
 *   own PUBLISH-free idle). The worker's sweep of every booth (one read each, every 60 s)
 *   falls outside that window.
 * - `<store>.round`: one worker round (`FollowUpWorker.round`) on a store with no relay, median
 *   and p95 of 50 after a first one, and on Redis the commands and bytes of one such round.
 */
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { CampaignDirectory } from '../relay/campaign-directory'
import { FollowUpWorker } from '../relay/follow-up/worker'
import type { RelayStore } from '../relay/store/types'
import { WechatClient } from '../shared/wechat'
import {
  BENCH_CAMPAIGN,
  benchPlace,
  NOWHERE,
  putBenchKiosks,
  redisStats,
  silent,
  type Backend,
} from './env'
import { percentile, printTable, round, type Results } from './result'

async function fill(store: RelayStore, n: number, booths: number): Promise<void> {
  await putBenchKiosks(store, booths, (i) => `booth-${i}`)
  for (let i = 0; i < n; i++) {
    const id = `c${String(i).padStart(5, '0')}`
    await store.campaigns.createCampaign(
      { ...BENCH_CAMPAIGN, id, screenKey: 'k'.repeat(43), tag: `tag${i}`, followUp: '谢谢' },
      Date.now(),
    )
  }
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Waits out the relay's start-up reads (its first round reads every booth and campaign, which
 * on a loaded machine can outlast the first 3 s): until two 1 s windows in a row count about
 * as many Redis commands (within a quarter, or 20), at most 30 s.
 */
async function settled(admin: Redis): Promise<void> {
  let last = await redisStats(admin)
  let prev: number | null = null
  for (let i = 0; i < 30; i++) {
    await wait(1000)
    const now = await redisStats(admin)
    const n = now.commands - last.commands
    last = now
    if (prev !== null && Math.abs(n - prev) <= Math.max(20, prev / 4)) return
    prev = n
  }
}

async function idle(n: number, booths: number, idleMs: number) {
  const p = await benchPlace('redis', 'bench-fu-idle-')
  const url = p.redis?.url ?? null
  const store = await p.openStore()
  await fill(store, n, booths)
  await store.close()
  const admin = new Redis({ path: url ?? '' })
  const relay = await p.startRelay()
  try {
    await wait(3000)
    await settled(admin)
    const before = await redisStats(admin)
    await wait(idleMs)
    const after = await redisStats(admin)
    const s = idleMs / 1000
    return {
      commandsPerS: round((after.commands - before.commands - 1) / s, 1),
      bytesPerS: round((after.bytes - before.bytes) / s, 0),
    }
  } finally {
    await relay.close()
    admin.disconnect()
    await p.remove()
  }
}

async function rounds(backend: Backend, n: number, booths: number) {
  const p = await benchPlace(backend, 'bench-fu-idle-')
  const store = await p.openStore()
  const admin = p.redis === null ? null : new Redis({ path: p.redis.url })
  const campaigns = new CampaignDirectory(store, Date.now)
  try {
    await fill(store, n, booths)
    const worker = new FollowUpWorker({
      store,
      campaigns,
      client: new WechatClient({ appId: 'wxbench', appSecret: 's', apiBase: NOWHERE }),
      log: silent,
      now: Date.now,
      batchWindowMs: 1000,
      windowMs: 60_000,
      // Not the backlog's 15 s read: the rounds alone.
      backlogRefreshMs: 3_600_000,
    })
    await worker.round()
    const times: number[] = []
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now()
      await worker.round()
      times.push(performance.now() - t0)
    }
    times.sort((a, b) => a - b)
    let commands: number | null = null
    let bytes: number | null = null
    if (admin !== null) {
      const before = await redisStats(admin)
      await worker.round()
      const after = await redisStats(admin)
      commands = after.commands - before.commands - 1
      bytes = after.bytes - before.bytes
    }
    return {
      p50Ms: round(percentile(times, 50), 2),
      p95Ms: round(percentile(times, 95), 2),
      redisCommands: commands,
      redisBytes: bytes,
    }
  } finally {
    campaigns.close()
    admin?.disconnect()
    await store.close()
    await p.remove()
  }
}

/** The suite: the idle relay's Redis traffic and one round's time (and Redis cost) per store. */
export async function benchFollowUpIdle(quick: boolean): Promise<Results> {
  const n = quick ? 200 : 1000
  const about = `${n} campaigns with a tag and a text, ${n} booths, no scans`
  const results: Results = {}
  const quiet = await idle(n, n, quick ? 3000 : 10_000)
  results['follow-up-idle.redis.commands-per-s'] = {
    value: quiet.commandsPerS,
    unit: 'cmd/s',
    note: `Redis commands/s from an idle relay, ${about} (4,422/s before rounds read only the booths the feed named, 1,000 of each; 17/s more on average for the minute's sweep)`,
  }
  results['follow-up-idle.redis.bytes-per-s'] = {
    value: quiet.bytesPerS,
    unit: 'B/s',
    note: `bytes/s Redis sent to that relay (809 KB/s before, 1,000 of each)`,
  }
  for (const backend of ['sqlite', 'redis'] as const) {
    const r = await rounds(backend, n, n)
    results[`follow-up-idle.${backend}.round.p50`] = {
      value: r.p50Ms,
      unit: 'ms',
      note: `one worker round, ${about}`,
    }
    if (r.redisCommands !== null) {
      results[`follow-up-idle.${backend}.round.commands`] = {
        value: r.redisCommands,
        unit: 'cmd',
        note: 'Redis commands of one idle round (1,005 before, 1,000 booths; a sweep round each minute: 1 + booths more)',
      }
    }
  }
  return results
}

async function main(): Promise<void> {
  if (process.argv.includes('--table')) {
    printTable(await benchFollowUpIdle(process.argv.includes('--quick')))
    return
  }
  const [n = 1000, booths = 1000] = process.argv
    .slice(2)
    .filter((a) => /^\d+$/.test(a))
    .map(Number)
  const out: Record<string, unknown> = { campaigns: n, booths }
  out['redis.idle'] = await idle(n, booths, 10_000)
  for (const backend of ['sqlite', 'redis'] as const) {
    out[`${backend}.round`] = await rounds(backend, n, booths)
  }
  console.log(JSON.stringify(out, null, 2))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err)
    process.exitCode = 1
  })
}
