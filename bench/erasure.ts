/**
 * Visitor erasure (`POST /console/api/campaigns/<id>/erasures`) on a relay holding many scans,
 * both stores: one erasure's time, for a visitor with a few rows in the campaign and for one with
 * many, and what pushes at a steady rate pay while erasures go on. On SQLite the erasure is one
 * write transaction that indexes the pending rows and rewrites the visitor's attendance rows and
 * queue entries to the pseudonym: the store's write lock and the relay's event loop are held
 * meanwhile. The store is attendance-child.ts's (seeded directly, 1,000,000 rows over 200 kiosks;
 * 50,000 with --quick), each erasure made through `erasures.erase` as the route makes it, the
 * pushes through the relay's own push endpoint over HTTP.
 *
 * Also what the tombstones cost a kiosk's welcome once many visitors were erased
 * (`benchTombstones`): the relay's read of a campaign's tombstones (SQLite), the bytes of the
 * `erasure` frames, and the kiosk applying them all to a booth holding many visitors.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { RelayErasures } from '../electron/core/campaigns/relay-erasures'
import { openKioskDb } from '../electron/core/db/db'
import { openSqliteStore } from '../relay/store/sqlite/store'
import { MAX_TOMBSTONES_PER_FRAME, type ErasureFrame } from '../shared/relay-protocol'
import { visitorTombstone } from '../shared/server/visitor-tombstone'
import { Child } from './child'
import { BENCH_CAMPAIGN, onlyFromEnv, postPush, scanXml, tempDir, type Backend } from './env'
import { percentile, ratio, round, type Results } from './result'

const KIOSKS = 200
/** Erasures timed per kind of visitor. */
const SAMPLES = 20
/** Erasures made while pushes run (few rows and many in turn), over ROUNDS runs. */
const DURING = 18
const ROUNDS = 3
const PUSH_RATE = 500
const startedSchema = z.object({
  url: z.string(),
  seedMs: z.number(),
  erasable: z.object({
    few: z.array(z.string()),
    fewRows: z.array(z.number()),
    heavy: z.array(z.string()),
    heavyRows: z.number(),
  }),
})
const eraseSchema = z.object({ ms: z.array(z.number()), maxStallMs: z.number() })

const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)
const p = (xs: readonly number[], q: number, digits = 1) => round(percentile(sorted(xs), q), digits)

/**
 * Signed pushes at `rate` per second for `seconds`, each sent at its time whatever the earlier
 * ones are doing (open loop), to the 200 kiosks in turn: each answer's latency from its send, ms,
 * and the answers other than 200 by status (reported, not thrown: a bench never fails).
 */
async function pacedPushes(
  url: string,
  rate: number,
  seconds: number,
  tag: string,
): Promise<{ ms: number[]; failed: string }> {
  const n = Math.round(rate * seconds)
  const ms: number[] = []
  const failed = new Map<number, number>()
  const inFlight: Array<Promise<void>> = []
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now()
    if (wait >= 1) await new Promise((r) => setTimeout(r, wait))
    const kiosk = `booth-${String(i % KIOSKS).padStart(3, '0')}`
    const sent = performance.now()
    inFlight.push(
      postPush(url, scanXml(`o-erasure-bench-${tag}-${i}`, `${kiosk}:${tag}${i}`)).then((s) => {
        ms.push(performance.now() - sent)
        if (s !== 200) failed.set(s, (failed.get(s) ?? 0) + 1)
      }),
    )
  }
  await Promise.all(inFlight)
  const by = [...failed].map(([status, count]) => `${count} × ${status}`).join(', ')
  return { ms, failed: by === '' ? '' : `${by} (0: no answer)` }
}

async function benchStore(backend: Backend, quick: boolean, results: Results): Promise<void> {
  const rows = quick ? 50_000 : 1_000_000
  const heavyRows = quick ? 200 : 1000
  const seconds = quick ? 3 : 8
  const child = new Child('attendance-child.ts')
  try {
    const s = startedSchema.parse(
      await child.call({
        cmd: 'start',
        backend,
        kiosks: KIOSKS,
        rows,
        attendance: true,
        // Creates the campaigns c20 and c-rest (an erasure needs its campaign), 75 bound.
        roster: 100,
        erasable: { few: SAMPLES + DURING / 2, heavy: SAMPLES + DURING / 2, heavyRows },
      }),
    )
    const e = s.erasable
    if (e.few.length < SAMPLES + DURING / 2) throw new Error(`only ${e.few.length} visitors`)
    const erase = async (openids: string[], gapMs: number) =>
      eraseSchema.parse(await child.call({ cmd: 'erase', openids, campaignId: 'c-rest', gapMs }))
    const at = `${backend}.erasure`
    const where = `${rows} seeded rows over ${KIOSKS} kiosks (+${e.heavy.length * heavyRows} of the heavy visitors), campaign c-rest; the store's erasures.erase as the console's route calls it, one at a time, nothing else running`
    const fewRows = e.fewRows.slice(0, SAMPLES)
    const few = await erase(e.few.slice(0, SAMPLES), 20)
    results[`${at}.few.p50`] = {
      value: p(few.ms, 50),
      unit: 'ms',
      note: `a visitor with ${Math.min(...fewRows)}–${Math.max(...fewRows)} rows in the campaign (${SAMPLES} erasures); ${where}`,
    }
    results[`${at}.few.p99`] = {
      value: p(few.ms, 99),
      unit: 'ms',
      goal: '< 1000 ms',
      met: p(few.ms, 99) < 1000,
      note: `as .few.p50; the event loop's longest stall meanwhile ${round(few.maxStallMs, 1)} ms`,
    }
    const many = await erase(e.heavy.slice(0, SAMPLES), 20)
    results[`${at}.many.p50`] = {
      value: p(many.ms, 50),
      unit: 'ms',
      compare: {
        against: `a visitor with few rows (p50 ${p(few.ms, 50)} ms)`,
        ratio: ratio(p(many.ms, 50), p(few.ms, 50)),
      },
      note: `a visitor with ${heavyRows} rows in the campaign over its booths (${SAMPLES} erasures); ${where}`,
    }
    results[`${at}.many.p99`] = {
      value: p(many.ms, 99),
      unit: 'ms',
      goal: '< 1000 ms',
      met: p(many.ms, 99) < 1000,
      note: `as .many.p50; the event loop's longest stall meanwhile ${round(many.maxStallMs, 1)} ms`,
    }

    // Pushes at a steady rate, in ROUNDS pairs: without erasures, then with DURING / ROUNDS of
    // them spread over the run; each kind's median p99 of its rounds (the machine's other work
    // falls on both alike, a spike in one round does not decide the ratio).
    await pacedPushes(s.url, PUSH_RATE, 1, 'warm')
    const targets = e.few
      .slice(SAMPLES)
      .flatMap((openid, i) => [openid, e.heavy[SAMPLES + i] ?? openid])
      .slice(0, DURING)
    const per = DURING / ROUNDS
    const without: number[][] = []
    const during: number[][] = []
    const failed = { without: [] as string[], during: [] as string[] }
    const erasing = { ms: [] as number[], maxStallMs: 0 }
    for (let round_ = 0; round_ < ROUNDS; round_++) {
      const calm = await pacedPushes(s.url, PUSH_RATE, seconds, `a${round_}-`)
      without.push(calm.ms)
      if (calm.failed !== '') failed.without.push(calm.failed)
      const [pushed, erased] = await Promise.all([
        pacedPushes(s.url, PUSH_RATE, seconds, `b${round_}-`),
        erase(targets.slice(round_ * per, (round_ + 1) * per), (seconds * 1000) / per),
      ])
      during.push(pushed.ms)
      if (pushed.failed !== '') failed.during.push(pushed.failed)
      erasing.ms.push(...erased.ms)
      erasing.maxStallMs = Math.max(erasing.maxStallMs, erased.maxStallMs)
    }
    const p99s = (runs: number[][]) => runs.map((r) => p(r, 99))
    const median = (xs: number[]) => p(xs, 50)
    const floor = median(p99s(without))
    const busy = median(p99s(during))
    const r = ratio(busy, floor)
    const all = (runs: number[][]) => runs.flat()
    const notAnswered = (runs: string[]) =>
      runs.length === 0 ? '; every push answered 200' : `; not answered 200: ${runs.join('; ')}`
    const run = `${PUSH_RATE} signed pushes/s over HTTP for ${seconds} s, open loop (each sent at its time), latency from send to answer; median p99 of ${ROUNDS} runs alternating with the other kind`
    results[`${at}.push-p99.without`] = {
      value: floor,
      unit: 'ms',
      note: `${run}, no erasure; runs' p99 ${p99s(without).join(', ')} ms; all pushes' p50 ${p(all(without), 50)} ms, max ${p(all(without), 100)} ms${notAnswered(failed.without)}`,
    }
    results[`${at}.push-p99.during`] = {
      value: busy,
      unit: 'ms',
      compare: { against: `the same pushes without erasures (p99 ${floor} ms)`, ratio: r },
      goal: '<= 2x without',
      met: r !== null && r <= 2,
      note: `${run}, ${per} erasures spread over each (few and many rows in turn); runs' p99 ${p99s(during).join(', ')} ms; all pushes' p50 ${p(all(during), 50)} ms, max ${p(all(during), 100)} ms${notAnswered(failed.during)}`,
    }
    results[`${at}.during.p99`] = {
      value: p(erasing.ms, 99),
      unit: 'ms',
      goal: '< 1000 ms',
      met: p(erasing.ms, 99) < 1000,
      note: `the ${erasing.ms.length} erasures made while the pushes ran; p50 ${p(erasing.ms, 50)} ms; the event loop's longest stall ${round(erasing.maxStallMs, 1)} ms`,
    }
  } finally {
    await child.stop()
  }
}

/**
 * A welcome's tombstones: `erased` visitors erased from one campaign on a SQLite relay (through
 * `erasures.erase`, no attendance), then the read each welcome makes (median of 20) and the
 * frames' bytes; and a kiosk DB holding `held` visitors of the campaign (two scans each, 50 of
 * them among the erased) applying every frame, the first time (50 erased) and again (the next
 * welcome: nothing left to change). In process, one store.
 */
export async function benchTombstones(quick: boolean, results: Results): Promise<void> {
  const erased = quick ? 1_000 : 5_000
  const held = quick ? 2_000 : 20_000
  const campaignId = 'c-tomb'
  const dir = tempDir('bench-tombstones-')
  const store = openSqliteStore({ data: dir })
  try {
    await store.campaigns.createCampaign(
      { ...BENCH_CAMPAIGN, id: campaignId, name: campaignId, screenKey: 'k'.repeat(43) },
      Date.now(),
    )
    const openid = (i: number) => `o-tomb-${i}`
    // The first 50 of the held visitors are among the erased; the rest of the erased are not here.
    for (let i = 0; i < erased; i++) {
      const o = i < 50 ? openid(i) : openid(held + i)
      await store.erasures.erase({
        campaignId,
        openid: o,
        by: 'bench',
        at: 1_000 + i,
        pseudonym: `erased:b${i}`,
      })
    }
    const reads: number[] = []
    let tombstones = await store.erasures.tombstones(campaignId)
    for (let r = 0; r < 20; r++) {
      const t0 = performance.now()
      tombstones = await store.erasures.tombstones(campaignId)
      reads.push(performance.now() - t0)
    }
    const frames: ErasureFrame[] = []
    for (let i = 0; i < tombstones.length; i += MAX_TOMBSTONES_PER_FRAME) {
      const visitors = tombstones.slice(i, i + MAX_TOMBSTONES_PER_FRAME)
      frames.push({ type: 'erasure', campaignId, visitors })
    }
    const bytes = frames.reduce((n, f) => n + Buffer.byteLength(JSON.stringify(f)), 0)
    const at = 'sqlite.erasure.welcome'
    results[`${at}.tombstones-read.p50`] = {
      value: p(reads, 50),
      unit: 'ms',
      note: `the relay's read of a campaign's ${tombstones.length} tombstones, once per kiosk link and campaign (median of 20); sent as ${frames.length} erasure frames, ${round(bytes / 1024, 1)} KiB in all`,
    }

    const db = openKioskDb(join(dir, 'kiosk.db'))
    try {
      const insert = db.prepare(
        `INSERT INTO attendance (event_id, campaign_id, kiosk_id, openid, scene, ticket, kind,
           create_time, received_at, first_visit, check_in_number, unknown_ticket)
         VALUES (?, ?, 'booth-1', ?, 'booth-1:x', '', 'scan', 1, 500, ?, ?, 0)`,
      )
      const visitor = db.prepare(
        'INSERT INTO visitors (campaign_id, openid, check_in_number, first_seen) VALUES (?, ?, ?, 500)',
      )
      db.transaction(() => {
        for (let i = 0; i < held; i++) {
          visitor.run(campaignId, openid(i), i + 1)
          insert.run(`ev-${i}-a`, campaignId, openid(i), 1, i + 1)
          insert.run(`ev-${i}-b`, campaignId, openid(i), 0, i + 1)
        }
      })()
      // The tombstones are the relay's; a check that the kiosk hashes as the relay does.
      if (tombstones.every((t) => t.visitor !== visitorTombstone(campaignId, openid(0)))) {
        throw new Error('no tombstone of a held visitor')
      }
      const erasures = new RelayErasures(db)
      const applyAll = () => {
        let found = 0
        const t0 = performance.now()
        for (const f of frames) found += erasures.apply(f).visitors
        return { ms: performance.now() - t0, found }
      }
      const first = applyAll()
      const again = applyAll()
      results[`${at}.kiosk-apply.first`] = {
        value: round(first.ms, 1),
        unit: 'ms',
        note: `a kiosk holding ${held} visitors of the campaign (${2 * held} scans) applying the ${frames.length} frames of ${tombstones.length} tombstones, ${first.found} of its visitors among them (one transaction a frame; each frame hashes the kiosk's openids of the campaign)`,
      }
      results[`${at}.kiosk-apply.again`] = {
        value: round(again.ms, 1),
        unit: 'ms',
        note: `as .first, the same frames at the next welcome (${again.found} left to change)`,
      }
    } finally {
      db.close()
    }
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** `BENCH_ERASURE_BACKENDS=sqlite`: one store only. */
export async function benchErasure(quick: boolean): Promise<Results> {
  const results: Results = {}
  for (const backend of onlyFromEnv('BENCH_ERASURE_BACKENDS', ['sqlite', 'redis'] as const)) {
    await benchStore(backend, quick, results)
  }
  await benchTombstones(quick, results)
  return results
}
