/**
 * Lucky draws (issue 21): how long a draw takes among 100,000 checked-in visitors (10,000 in
 * quick mode), on each store, from the store's snapshot to the stored record (what the console's
 * `POST …/draws` waits for, less HTTP), against the snapshot read alone (the floor: a draw must
 * read who is eligible). The rest is sorting and hashing the eligible list, the CSPRNG picks
 * and the fenced commit.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ConsoleCampaign } from '../shared/campaign'
import { makeDraw } from '../relay/draws/draw-service'
import { startRelay } from '../relay/server'
import type { NewEvent } from '../relay/store/types'
import { startRedis, type TestRedis } from '../test/helpers/redis'
import { BENCH_CAMPAIGN, TOKEN, type Backend } from './env'
import { percentile, ratio, round, type Results } from './result'

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
const RUNS = 7

function campaign(id: string): ConsoleCampaign {
  return { ...BENCH_CAMPAIGN, id, screenKey: 'k'.repeat(43), name: 'Bench draws' }
}

const median = (xs: number[]): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  )

async function drawsOn(backend: Backend, visitors: number): Promise<Results> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-draws-'))
  let redis: TestRedis | null = null
  if (backend === 'redis') redis = await startRedis()
  const relay = await startRelay(
    { port: 0, data: dir, redis: redis?.url ?? null, wechat: { token: TOKEN } },
    { redisPrefix: `b-${randomUUID()}:`, log: silent, storePollMs: 1000 },
  )
  try {
    const store = relay.store
    const id = 'c-benchdraws000000000'
    await store.campaigns.createCampaign(campaign(id), Date.now())
    await relay.addKiosk('k1')
    const ev = (i: number): NewEvent => ({
      id: `bench-draw-${i}`,
      event: 'scan',
      openid: `oBench${String(i).padStart(22, '0')}`,
      scene: 'k1:s',
      ticket: 't',
      createTime: 1_700_000_000,
      receivedAt: Date.now(),
    })
    for (let i = 0; i < visitors; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, visitors - i) }, (_, j) =>
          store.appendEvent('k1', ev(i + j), id),
        ),
      )
    }
    const snapshotMs: number[] = []
    const draw1Ms: number[] = []
    const draw10Ms: number[] = []
    for (let r = 0; r < RUNS; r++) {
      let t = performance.now()
      const snap = await store.draws.snapshot(id)
      snapshotMs.push(performance.now() - t)
      if (snap?.visitors.length !== visitors) throw new Error('visitors missing')
      for (const [count, into] of [
        [1, draw1Ms],
        [10, draw10Ms],
      ] as const) {
        t = performance.now()
        const out = await makeDraw(
          store.draws,
          id,
          { prize: 'Bench', count, excludeWinners: false, rosterOnly: false },
          { organizer: 'bench', clock: Date.now },
        )
        into.push(performance.now() - t)
        if (!out.ok) throw new Error(out.message)
      }
    }
    const floor = median(snapshotMs)
    const key = `draws.${backend}`
    const note = `${visitors} eligible, median of ${RUNS}`
    return {
      [`${key}.snapshot_${visitors}_ms`]: { value: round(floor, 1), unit: 'ms', note },
      [`${key}.draw_1_of_${visitors}_ms`]: {
        value: round(median(draw1Ms), 1),
        unit: 'ms',
        compare: { against: 'snapshot read', ratio: ratio(median(draw1Ms), floor) },
        note,
      },
      [`${key}.draw_10_of_${visitors}_ms`]: {
        value: round(median(draw10Ms), 1),
        unit: 'ms',
        compare: { against: 'snapshot read', ratio: ratio(median(draw10Ms), floor) },
        note,
      },
    }
  } finally {
    await relay.close()
    await redis?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function benchDraws(quick: boolean): Promise<Results> {
  const visitors = quick ? 10_000 : 100_000
  const results: Results = {}
  for (const backend of ['sqlite', 'redis'] as const) {
    Object.assign(results, await drawsOn(backend, visitors))
  }
  return results
}
