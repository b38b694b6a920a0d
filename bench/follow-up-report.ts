/**
 * The console's follow-up report (`GET /console/api/campaigns/<id>/follow-up`: counts and the
 * first failures) read on a campaign of 10,000 and 50,000 recorded visitors, per store: the
 * time of one read and, on Redis, the commands and bytes Redis sends back for it. The console
 * polls it every 5 s while the panel is open, so its cost is paid per open panel per instance.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { openStore } from '../relay/store/open-store'
import type { MessageWrite, NewFollowUpVisitor } from '../relay/store/follow-up-types'
import type { RelayStore } from '../relay/store/types'
import { MAX_FOLLOW_UP_FAILURES } from '../shared/follow-up-api'
import { startRedis, type TestRedis } from '../test/helpers/redis'
import type { Backend } from './env'
import { percentile, round, type Results } from './result'

const CAMPAIGN = 'report'
const CHUNK = 1000

/** `n` visitors recorded, every 10th tag failed, every 7th text sent, every 13th failed. */
async function fill(store: RelayStore, n: number): Promise<void> {
  const f = store.followUp
  for (let start = 0; start < n; start += CHUNK) {
    const list: NewFollowUpVisitor[] = []
    for (let i = start; i < Math.min(n, start + CHUNK); i++) {
      list.push({
        campaignId: CAMPAIGN,
        openid: `oreport${String(i).padStart(6, '0')}`,
        kioskId: 'k1',
        number: i + 1,
        scannedAt: 1_700_000_000_000 + i,
        tag: 'pending',
        message: 'pending',
      })
    }
    await f.record('k1', start + list.length, list)
    const ids = list.map((v) => v.openid)
    await f.updateTags(
      CAMPAIGN,
      ids.filter((_, i) => i % 10 !== 0),
      { state: 'tagged', attempted: true },
    )
    await f.updateTags(
      CAMPAIGN,
      ids.filter((_, i) => i % 10 === 0),
      { state: 'failed', errcode: 40003 },
    )
    await f.updateMessages(
      CAMPAIGN,
      ids.flatMap((openid, i): MessageWrite[] =>
        i % 7 === 0
          ? [{ openid, u: { state: 'sent' } }]
          : i % 13 === 0
            ? [{ openid, u: { state: 'failed', errcode: 45015 } }]
            : [],
      ),
    )
  }
}

interface Cost {
  ms: number
  commands: number | null
  bytes: number | null
}

async function redisCounters(admin: Redis): Promise<{ commands: number; bytes: number }> {
  const stats = await admin.info('stats')
  const num = (name: string): number => Number(new RegExp(`${name}:(\\d+)`).exec(stats)?.[1] ?? NaN)
  return { commands: num('total_commands_processed'), bytes: num('total_net_output_bytes') }
}

/** One report read (counts and failures, as the route asks), median of `reads`. */
async function measure(store: RelayStore, admin: Redis | null, reads: number): Promise<Cost> {
  const times: number[] = []
  let commands: number | null = null
  let bytes: number | null = null
  for (let r = 0; r < reads; r++) {
    const before = admin === null ? null : await redisCounters(admin)
    const t0 = performance.now()
    await Promise.all([
      store.followUp.counts(CAMPAIGN),
      store.followUp.failures(CAMPAIGN, MAX_FOLLOW_UP_FAILURES),
    ])
    times.push(performance.now() - t0)
    if (admin !== null && before !== null) {
      const after = await redisCounters(admin)
      // The INFO call itself is one command and its answer's bytes: not the report's.
      commands = after.commands - before.commands - 1
      bytes = after.bytes - before.bytes
    }
  }
  times.sort((a, b) => a - b)
  return { ms: percentile(times, 50), commands, bytes }
}

async function one(backend: Backend, n: number, reads: number): Promise<Cost> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-follow-up-report-'))
  let redis: TestRedis | null = null
  if (backend === 'redis') redis = await startRedis()
  const store = await openStore(
    { redis: redis?.url ?? null, data: dir },
    { prefix: `b-${randomUUID()}:` },
  )
  const admin = redis === null ? null : new Redis({ path: redis.url })
  try {
    await fill(store, n)
    return await measure(store, admin, reads)
  } finally {
    admin?.disconnect()
    await store.close()
    await redis?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function benchFollowUpReport(quick: boolean): Promise<Results> {
  const out: Results = {}
  const sizes = quick ? [10_000] : [10_000, 50_000]
  for (const backend of ['sqlite', 'redis'] as const) {
    for (const n of sizes) {
      const c = await one(backend, n, quick ? 5 : 15)
      const p = `follow-up.${backend}.report_${n}`
      out[`${p}_ms`] = {
        value: round(c.ms, 2),
        unit: 'ms',
        note: `one console report read (counts + first ${MAX_FOLLOW_UP_FAILURES} failures), ${n} visitors, median`,
      }
      if (c.commands !== null) out[`${p}_redis_commands`] = { value: c.commands, unit: 'commands' }
      if (c.bytes !== null) out[`${p}_redis_bytes`] = { value: c.bytes, unit: 'bytes' }
    }
  }
  return out
}
