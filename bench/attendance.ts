/**
 * The consolidated attendance (issue 18), on both stores, against a store in a child process
 * (attendance-child.ts) seeded directly with 1,000,000 scans over 200 kiosks (200,000 with
 * --quick) and, on its two campaigns, rosters with desk bindings: the stats query, the console's
 * table pages and its search by openid and by name, the CSV and XLSX exports over HTTP
 * (time, and the serving process's RSS growth while it streams), and appends per second with
 * the attendance written against the same store without it; and, on a store of its own, the
 * bind check for a campaign the booth left (`hasScan`) against a point read and the old check.
 */
import { get } from 'node:http'
import { z } from 'zod'
import { benchAttendanceLive } from './attendance-live'
import { Child } from './child'
import { onlyFromEnv, postPush, scanXml, type Backend } from './env'
import { percentile, ratio, round, type Results } from './result'

const KIOSKS = 200
/** Pushes in flight: enough that the store's capacity, not one commit's latency, sets the rate. */
const IN_FLIGHT = 256
const startedSchema = z.object({
  url: z.string(),
  seedMs: z.number(),
  bytes: z.number(),
  rosterMs: z.number(),
  bound: z.number(),
  named: z.record(z.string(), z.number()),
})
/** A part of a name (surname and first given character) and a surname alone, for the search. */
const NAME = '王伟'
const SURNAME = '王'
const pageSchema = z.object({ total: z.number() })
const peakSchema = z.object({ baseline: z.number(), peak: z.number() })
const rateSchema = z.object({ perSecond: z.number() })
const commandsSchema = z.object({ perPush: z.number(), scripts: z.number() })
const floorSchema = z.object({ ms: z.number(), rows: z.number() })
const cpuSchema = z.object({ micros: z.number() })
const settleSchema = z.object({ ms: z.number() })
const bindCheckSchema = z.object({
  samples: z.number(),
  floor: z.array(z.number()),
  hit: z.array(z.number()),
  miss: z.array(z.number()),
  oldHit: z.array(z.number()),
  oldMiss: z.array(z.number()),
})
/** Rows at the one booth the bind check reads (the figure 540ef1a's message gives). */
const BIND_CHECK_ROWS = 50_000

/** GETs `url`, reading and discarding the body; ms, bytes and CRLF-ended lines. */
function download(
  url: string,
): Promise<{ ms: number; bytes: number; lines: number; status: number }> {
  const t0 = performance.now()
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let bytes = 0
      let lines = 0
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++
      })
      res.on('end', () =>
        resolve({ ms: performance.now() - t0, bytes, lines, status: res.statusCode ?? 0 }),
      )
      res.on('error', reject)
    }).on('error', reject)
  })
}

/** GETs a JSON attendance page: ms and the rows it matched. */
async function pageTotal(url: string): Promise<{ ms: number; total: number }> {
  const t0 = performance.now()
  const res = await fetch(url)
  const body = pageSchema.parse(await res.json())
  return { ms: performance.now() - t0, total: body.total }
}

/** p50 and p99 of `runs` timed GETs after 3 warm-ups. */
async function timeGets(url: string, runs: number): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 3; i++) await download(url)
  const ms: number[] = []
  for (let i = 0; i < runs; i++) ms.push((await download(url)).ms)
  ms.sort((a, b) => a - b)
  return { p50: round(percentile(ms, 50), 1), p99: round(percentile(ms, 99), 1) }
}

export async function benchAttendanceQueries(
  backend: Backend,
  rows: number,
  guests: number,
  results: Results,
): Promise<void> {
  const child = new Child('attendance-child.ts')
  try {
    const s = startedSchema.parse(
      await child.call({
        cmd: 'start',
        backend,
        kiosks: KIOSKS,
        rows,
        attendance: true,
        roster: guests,
        needles: [NAME, SURNAME],
      }),
    )
    const at = `${backend}.attendance`
    results[`${at}.seed`] = {
      value: round(rows / (s.seedMs / 1000), 0),
      unit: 'rows/s',
      note: `${rows} rows over ${KIOSKS} kiosks, direct batch writes (row + counters)`,
    }
    results[`${at}.size-per-row`] = {
      value: round(s.bytes / rows, 0),
      unit: 'bytes',
      note:
        backend === 'sqlite'
          ? 'file + WAL after seeding, over rows'
          : 'Redis used_memory after seeding, over rows',
    }
    const stats = await timeGets(`${s.url}/console/api/stats`, 20)
    results[`${at}.stats.p99`] = {
      value: stats.p99,
      unit: 'ms',
      goal: '< 50 ms over 1,000,000 scans',
      met: stats.p99 < 50,
      note: `p50 ${stats.p50} ms, ${rows} scans, all kiosks`,
    }
    const c20 = await timeGets(`${s.url}/console/api/stats?campaign=c20`, 10)
    results[`${at}.stats.campaign20.p50`] = {
      value: c20.p50,
      unit: 'ms',
      note: "campaign c20, 20 of 200 kiosks' rows (10 %): its own counters",
    }

    // By name, before any page reads the campaigns' name books: the first call reads them.
    const rosters = `${guests} guests on each of the 2 campaigns' rosters, ${s.bound} bound to scanned visitors by desks (seeded in ${round(s.rosterMs / 1000, 1)} s)`
    const byName = (q: string) =>
      `${s.url}/console/api/attendance?format=json&q=${encodeURIComponent(q)}&limit=100`
    const cold = await pageTotal(byName(NAME))
    results[`${at}.page.search-name.cold`] = {
      value: round(cold.ms, 1),
      unit: 'ms',
      note: `the first search by name: both name books read (${rosters})`,
    }
    const named = await timeGets(byName(NAME), 10)
    results[`${at}.page.search-name.p50`] = {
      value: named.p50,
      unit: 'ms',
      note: `q=${NAME} (part of a name): ${s.named[NAME] ?? 0} visitors, ${cold.total} rows; ${rosters}`,
    }
    const surname = await timeGets(byName(SURNAME), 10)
    const surnameTotal = (await pageTotal(byName(SURNAME))).total
    results[`${at}.page.search-surname.p50`] = {
      value: surname.p50,
      unit: 'ms',
      note: `q=${SURNAME} (a surname, 1 in 20 guests): ${s.named[SURNAME] ?? 0} visitors, ${surnameTotal} rows`,
    }

    const page = await timeGets(
      `${s.url}/console/api/attendance?offset=${Math.floor(rows * 0.9)}&limit=100`,
      10,
    )
    results[`${at}.page.deep.p50`] = {
      value: page.p50,
      unit: 'ms',
      note: '100 rows at offset 90 %',
    }
    const search = await timeGets(`${s.url}/console/api/attendance?q=o00000123&limit=100`, 10)
    results[`${at}.page.search.p50`] = {
      value: search.p50,
      unit: 'ms',
      note: 'openid prefix search',
    }

    const c20csv = await download(`${s.url}/console/api/attendance?format=csv&campaign=c20`)
    results[`${at}.export.campaign20.csv`] = {
      value: round(c20csv.ms / 1000, 2),
      unit: 's',
      note: `campaign c20's rows only (20 of 200 kiosks, ${c20csv.lines - 1} data lines), status ${c20csv.status}`,
    }

    const floor = floorSchema.parse(await child.call({ cmd: 'read-floor' }))
    results[`${at}.export.read-floor`] = {
      value: round(floor.ms / 1000, 2),
      unit: 's',
      note: `${floor.rows} rows read from the store in the export's pages and order, nothing formatted or sent (best of 2): what no export can beat`,
    }
    for (const format of ['csv', 'xlsx'] as const) {
      await child.call({ cmd: 'watch' })
      const d = await download(`${s.url}/console/api/attendance?format=${format}`)
      const mem = peakSchema.parse(await child.call({ cmd: 'peak' }))
      const growthMb = round((mem.peak - mem.baseline) / 1024 / 1024, 1)
      const goalS = format === 'csv' ? 3 : 30
      results[`${at}.export.${format}`] = {
        value: round(d.ms / 1000, 2),
        unit: 's',
        compare: { against: 'reading the rows alone (read-floor)', ratio: ratio(d.ms, floor.ms) },
        goal: `< ${goalS} s for 1,000,000 rows`,
        met: d.ms / 1000 < goalS && rows >= 1_000_000,
        note: `${rows} rows, ${round(d.bytes / 1024 / 1024, 1)} MB${format === 'csv' ? `, ${d.lines - 1} data lines` : ''}, status ${d.status}`,
      }
      results[`${at}.export.${format}.rss-growth`] = {
        value: growthMb,
        unit: 'MB',
        goal: '< 100 MB',
        met: growthMb < 100,
        note: 'peak RSS of the serving process during the export less its RSS after GC before',
      }
    }
  } finally {
    await child.stop()
  }
}

/** Signed pushes over HTTP, `concurrency` in flight, to the 200 kiosks in turn: pushes/s. */
async function pushRate(url: string, n: number, concurrency: number): Promise<number> {
  let next = 0
  let failed = 0
  const t0 = performance.now()
  const worker = async () => {
    while (next < n) {
      const i = next++
      const kiosk = `booth-${String(i % KIOSKS).padStart(3, '0')}`
      const status = await postPush(url, scanXml(`o-bench-${i % 5000}`, `${kiosk}:p${i}`))
      if (status !== 200) failed++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  if (failed > 0) throw new Error(`${failed} pushes failed`)
  return n / ((performance.now() - t0) / 1000)
}

/**
 * Push throughput (the relay's push endpoint over HTTP) and raw store appends, with the
 * attendance written and without, in alternating fresh processes; the best of each.
 */
async function throughput(backend: Backend, n: number, results: Results): Promise<void> {
  const rates = { with: [] as number[], without: [] as number[] }
  const appends = { with: [] as number[], without: [] as number[] }
  /** The serving process's CPU per push (µs): waiting on a busy machine does not count. */
  const cpu = { with: [] as number[], without: [] as number[] }
  /** How long the rows took to reach the console's table after the last push was answered. */
  const catchUp: number[] = []
  for (let round_ = 0; round_ < 3; round_++) {
    for (const attendance of [true, false]) {
      const side = attendance ? 'with' : 'without'
      const child = new Child('attendance-child.ts')
      try {
        const s = startedSchema.parse(
          await child.call({ cmd: 'start', backend, kiosks: KIOSKS, rows: 0, attendance }),
        )
        await pushRate(`${s.url}`, Math.floor(n / 5), IN_FLIGHT) // warm-up
        // The warm-up's rows in before the timed run: its indexing is not the run's.
        await child.call({ cmd: 'settle' })
        const before = cpuSchema.parse(await child.call({ cmd: 'cpu' })).micros
        rates[side].push(await pushRate(`${s.url}`, n, IN_FLIGHT))
        // The CPU counted up to the last row in the console's table: a row moved after the
        // push's commit is paid for here, not left out.
        const settled = settleSchema.parse(await child.call({ cmd: 'settle' })).ms
        if (attendance) catchUp.push(settled)
        const after = cpuSchema.parse(await child.call({ cmd: 'cpu' })).micros
        cpu[side].push((after - before) / n)
        const a = rateSchema.parse(await child.call({ cmd: 'append', n, concurrency: 256 }))
        appends[side].push(a.perSecond)
      } finally {
        await child.stop()
      }
    }
  }
  if (backend === 'redis') await commandsPerPush(results)
  const best = (xs: number[]) => Math.max(...xs)
  const r = ratio(best(rates.with), best(rates.without))
  results[`${backend}.attendance.push-throughput`] = {
    value: round(best(rates.with), 0),
    unit: 'pushes/s',
    compare: {
      against: `the same relay without attendance (${round(best(rates.without), 0)}/s)`,
      ratio: r,
    },
    goal: '>= 0.9x without',
    met: r !== null && r >= 0.9,
    note: `signed plain pushes over HTTP to the push endpoint, ${IN_FLIGHT} in flight, ${n} per run, best of 3 alternating runs`,
  }
  const least = (xs: number[]) => Math.min(...xs)
  results[`${backend}.attendance.push-cpu`] = {
    value: round(least(cpu.with), 1),
    unit: 'µs/push',
    compare: {
      against: `the same relay without attendance (${round(least(cpu.without), 1)} µs)`,
      ratio: ratio(least(cpu.with), least(cpu.without)),
    },
    note: `the serving process's user+system CPU from the throughput run's first push until its last row is in the console's table (SQLite moves rows after the push's commit), every thread (the checkpointer's too), least of 3: what a push costs the relay, whatever else the machine runs`,
  }
  results[`${backend}.attendance.catch-up`] = {
    value: round(Math.max(...catchUp), 1),
    unit: 'ms',
    note: `after the throughput run's last answer, until its rows were all in the console's table (worst of 3; ${n} pushes a run). Redis writes them with the push: ~0`,
  }
  const ra = ratio(best(appends.with), best(appends.without))
  results[`${backend}.attendance.append-throughput`] = {
    value: round(best(appends.with), 0),
    unit: 'appends/s',
    compare: { against: `without attendance (${round(best(appends.without), 0)}/s)`, ratio: ra },
    note: `store appendEvent alone (no HTTP, no crypto), 256 in flight, ${n} appends: the store's own cost`,
  }
}

/** Redis commands the relay sends per push with the attendance written (MONITOR). */
async function commandsPerPush(results: Results): Promise<void> {
  const child = new Child('attendance-child.ts')
  try {
    const s = startedSchema.parse(
      await child.call({
        cmd: 'start',
        backend: 'redis',
        kiosks: KIOSKS,
        rows: 0,
        attendance: true,
      }),
    )
    await pushRate(s.url, KIOSKS, 16) // every kiosk once: warm
    const c = commandsSchema.parse(await child.call({ cmd: 'commands', n: 200 }))
    results['redis.attendance.push-commands'] = {
      value: round(c.perPush, 2),
      unit: 'commands/push',
      note: `commands the relay sends to a single Redis per push (${round(c.scripts, 2)} of them scripts; those the scripts run not counted), 200 pushes one at a time`,
    }
  } finally {
    await child.stop()
  }
}

/**
 * The relay's check of a bind for a campaign the booth has left (`attendance.hasScan`, one
 * exact look-up since 540ef1a), with BIND_CHECK_ROWS rows at that booth, all in the campaign:
 * p50/p99 of a scan that is there and of one that is not (the openid being the booth's own id,
 * what a flooding kiosk sent), each against the check it replaced (the console's search, paged).
 */
async function bindCheck(backend: Backend, quick: boolean, results: Results): Promise<void> {
  const child = new Child('attendance-child.ts')
  try {
    startedSchema.parse(
      await child.call({
        cmd: 'start',
        backend,
        kiosks: 1,
        rows: BIND_CHECK_ROWS,
        attendance: true,
      }),
    )
    const n = quick ? 500 : 2000
    const oldRuns = quick ? 5 : 10
    const r = bindCheckSchema.parse(await child.call({ cmd: 'bind-check', n, oldRuns }))
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b)
    const [floor, hit, miss, oldHit, oldMiss] = [r.floor, r.hit, r.miss, r.oldHit, r.oldMiss].map(
      sorted,
    )
    /** The q-th percentile in µs. */
    const us = (xs: number[] | undefined, q: number) => round(percentile(xs ?? [], q) * 1000, 1)
    const ms = (xs: number[] | undefined, q: number) => round(percentile(xs ?? [], q), 2)
    const at = `${backend}.attendance.has-scan`
    const where = `${BIND_CHECK_ROWS} rows at the one booth, all in its former campaign; ${n} calls one at a time after 100 untimed, in the store's process`
    const againstFloor = (xs: number[] | undefined) => ({
      against: `hasKiosk, a point read the store had (p50 ${us(floor, 50)} µs)`,
      ratio: ratio(us(xs, 50), us(floor, 50)),
    })
    results[`${at}.hit.p50`] = {
      value: us(hit, 50),
      unit: 'µs',
      compare: againstFloor(hit),
      note: `a scan that is there (a seeded row's kiosk, openid and campaign, ${r.samples} of them in turn); ${where}`,
    }
    results[`${at}.hit.p99`] = { value: us(hit, 99), unit: 'µs', note: 'as .hit.p50' }
    results[`${at}.miss.p50`] = {
      value: us(miss, 50),
      unit: 'µs',
      compare: againstFloor(miss),
      note: `a scan that is not there: the openid is the booth's own id, what a flooding kiosk sent${backend === 'sqlite' ? ' (SQLite looks, waits for settled() and looks again)' : ''}; ${where}`,
    }
    results[`${at}.miss.p99`] = {
      value: us(miss, 99),
      unit: 'µs',
      note: `as .miss.p50; hasKiosk's p99 ${us(floor, 99)} µs`,
    }
    const old = `the check before 540ef1a (settled, then the console's search for the openid over the booth's rows, pages of 100, up to 10), ${oldRuns} runs`
    results[`${at}.before-540ef1a.hit.p50`] = {
      value: ms(oldHit, 50),
      unit: 'ms',
      compare: {
        against: `hasScan now (${us(hit, 50)} µs)`,
        ratio: ratio(us(oldHit, 50), us(hit, 50)),
      },
      note: `${old}, for the scans of .hit; worst ${ms(oldHit, 100)} ms`,
    }
    results[`${at}.before-540ef1a.miss.p50`] = {
      value: ms(oldMiss, 50),
      unit: 'ms',
      compare: {
        against: `hasScan now (${us(miss, 50)} µs)`,
        ratio: ratio(us(oldMiss, 50), us(miss, 50)),
      },
      note: `${old}, for .miss's openid (the booth's id: the search matched all its rows, 10 pages read and counted); worst ${ms(oldMiss, 100)} ms`,
    }
  } finally {
    await child.stop()
  }
}

/** `BENCH_ATTENDANCE_BACKENDS=redis`: one store only (a before/after of one store's change). */
function backends(): Backend[] {
  return onlyFromEnv('BENCH_ATTENDANCE_BACKENDS', ['sqlite', 'redis'] as const)
}

/** `BENCH_ATTENDANCE_PARTS=throughput` (or `queries`, `bind-check`, `live`): some parts only. */
function parts(): { queries: boolean; throughput: boolean; bindCheck: boolean; live: boolean } {
  const only = onlyFromEnv('BENCH_ATTENDANCE_PARTS', [
    'queries',
    'throughput',
    'bind-check',
    'live',
  ] as const)
  return {
    queries: only.includes('queries'),
    throughput: only.includes('throughput'),
    bindCheck: only.includes('bind-check'),
    live: only.includes('live'),
  }
}

export async function benchAttendance(quick: boolean): Promise<Results> {
  const results: Results = {}
  const run = parts()
  for (const backend of backends()) {
    if (run.queries) {
      const rows = quick ? 200_000 : 1_000_000
      await benchAttendanceQueries(backend, rows, quick ? 5_000 : 20_000, results)
    }
    if (run.throughput) await throughput(backend, quick ? 5_000 : 20_000, results)
    if (run.bindCheck) await bindCheck(backend, quick, results)
    if (run.live) await benchAttendanceLive(backend, quick ? 100_000 : 300_000, results)
  }
  return results
}
