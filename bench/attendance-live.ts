/**
 * The consolidated download while the event runs (issue 18, contract v2): the built relay
 * (`out/relay/relay.mjs`, as deployed) on SQLite and on Redis, seeded directly with hundreds of
 * thousands of scans, takes signed pushes at a steady 200/s while organizers download the sheet
 * as CSV and XLSX: at full speed, through a slow reader (64 KB/s with a 30 s pause), aborted
 * mid-download, and three at once from two organizers. Per case: the pushes' p50/p99 against
 * the same pushes with no download, the relay's peak RSS, SQLite's -wal size before and after,
 * after an abort whether the relay still reads the store, and whether each sheet read back is
 * whole (no duplicate event id, no short row, its rows between the stats before and after it).
 */
import type { ChildProcess } from 'node:child_process'
import { get, type IncomingMessage } from 'node:http'
import { readFileSync, rmSync, statSync } from 'node:fs'
import { Readable } from 'node:stream'
import ExcelJS from 'exceljs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { z } from 'zod'
import { addOrganizer } from '../relay/console/organizer-admin'
import { openRedisStore } from '../relay/store/redis/store'
import { openSqliteStore } from '../relay/store/sqlite/store'
import type { RelayStore } from '../relay/store/types'
import { startRedis, type TestRedis } from '../test/helpers/redis'
import {
  postPush,
  putBenchKiosks,
  scanXml,
  seedBenchScans,
  spawnBuiltRelay,
  tempDir,
  type Backend,
} from './env'
import { percentile, ratio, round, type Results } from './result'

const KIOSKS = 200
const PUSH_RATE = 200
const statsSchema = z.object({ scans: z.number() })

/** A relay process on a seeded place, and two organizers' sessions. */
interface LiveRelay {
  backend: Backend
  url: string
  proc: ChildProcess
  dir: string
  redis: TestRedis | null
  cookies: [string, string]
}

const kioskId = (i: number) => `booth-${String(i).padStart(3, '0')}`

/** `rows` scans over the booths, straight into the store, and two organizers; closed after. */
async function seed(store: RelayStore, rows: number): Promise<[string, string]> {
  await putBenchKiosks(store, KIOSKS, kioskId)
  await seedBenchScans(store, rows, KIOSKS, kioskId)
  const now = Date.now()
  const a = await addOrganizer(store, 'alice', now)
  const b = await addOrganizer(store, 'bob', now)
  return [a, b]
}

async function login(url: string, name: string, password: string): Promise<string> {
  const res = await fetch(`${url}/console/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ name, password }),
  })
  const cookie = res.headers
    .getSetCookie()
    .find((c) => c.startsWith('scandesk_session='))
    ?.split(';')[0]
  if (res.status !== 200 || cookie === undefined) throw new Error(`login ${res.status}`)
  return cookie
}

async function startLive(backend: Backend, rows: number): Promise<LiveRelay & { seedMs: number }> {
  const dir = tempDir('bench-attendance-live-')
  const redis = backend === 'redis' ? await startRedis() : null
  const store =
    redis === null
      ? openSqliteStore({ data: dir })
      : await openRedisStore({ url: redis.url, prefix: 'scandesk:' })
  const t0 = performance.now()
  const [pa, pb] = await seed(store, rows)
  const seedMs = performance.now() - t0
  await store.close()
  const args = ['--port', '0', '--host', '127.0.0.1', '--data', dir]
  if (redis !== null) args.push('--redis', redis.url)
  const { proc, url } = await spawnBuiltRelay({
    nodeArgs: ['--enable-source-maps'],
    args,
    stderr: 'inherit',
    onLine: (line) => {
      if (line.includes('"error"')) process.stderr.write(`relay: ${line}\n`)
    },
  })
  const cookies: [string, string] = [await login(url, 'alice', pa), await login(url, 'bob', pb)]
  return { backend, url, proc, dir, redis, cookies, seedMs }
}

async function stopLive(r: LiveRelay): Promise<void> {
  const exited = new Promise((ok) => r.proc.once('exit', ok))
  r.proc.kill('SIGTERM')
  await exited
  await r.redis?.stop()
  rmSync(r.dir, { recursive: true, force: true })
}

/** Signed pushes at PUSH_RATE on a fixed schedule, latency from each one's scheduled time. */
class PushLoad {
  private timer: NodeJS.Timeout | null = null
  private sent = 0
  /** Each answered push: its scheduled time and its latency (ms). */
  answered: Array<{ at: number; ms: number }> = []
  failed = 0
  failures: Array<{ at: number; status: number }> = []
  constructor(private readonly url: string) {}
  start(): void {
    const t0 = performance.now()
    this.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - t0) / 1000) * PUSH_RATE)
      while (this.sent < due) {
        const i = this.sent++
        const at = t0 + (i / PUSH_RATE) * 1000
        const k = kioskId(i % KIOSKS)
        void postPush(this.url, scanXml(`o-live-${i % 3000}`, `${k}:live${i}`)).then((s) => {
          if (s !== 200) {
            this.failed++
            this.failures.push({ at: performance.now(), status: s })
          }
          this.answered.push({ at, ms: performance.now() - at })
        })
      }
    }, 5)
  }
  /**
   * The latencies (sorted) of the pushes scheduled from `from` to `to` (performance.now()):
   * what the bench itself does after a case (reading a sheet back) is no case's.
   */
  between(from: number, to: number): number[] {
    const out = this.answered.filter((a) => a.at >= from && a.at < to).map((a) => a.ms)
    this.answered = this.answered.filter((a) => a.at >= to)
    return out.sort((a, b) => a - b)
  }
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer)
  }
}

/** The relay's resident memory (bytes), from /proc. */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(m?.[1] ?? 0) * 1024
}

/** The relay's user+system CPU so far (ms), from /proc (clock ticks of 10 ms). */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) * 10
}

function walBytes(dir: string): number {
  try {
    return statSync(join(dir, 'relay.sqlite-wal')).size
  } catch {
    return 0
  }
}

interface Reading {
  status: number
  bytes: number
  body: Buffer | null
  ms: number
  aborted: boolean
}

/**
 * GETs the sheet as `cookie`'s organizer. `slow`: read 64 KB a second, pausing 30 s after the
 * first MB; `abortAfter`: destroy the socket after that many bytes. Keeps the body when `keep`.
 */
function downloadSheet(
  r: LiveRelay,
  cookie: string,
  format: 'csv' | 'xlsx',
  opts: { slow?: { bytesPerSecond: number; pauseMs: number }; abortAfter?: number; keep?: boolean },
): Promise<Reading> {
  const t0 = performance.now()
  return new Promise((ok, fail) => {
    const req = get(
      `${r.url}/console/api/attendance?format=${format}`,
      { headers: { cookie, origin: r.url } },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = []
        let bytes = 0
        let paused = false
        const slow = opts.slow
        const done = (aborted: boolean) =>
          ok({
            status: res.statusCode ?? 0,
            bytes,
            body: opts.keep === true ? Buffer.concat(chunks) : null,
            ms: performance.now() - t0,
            aborted,
          })
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length
          if (opts.keep === true) chunks.push(chunk)
          if (opts.abortAfter !== undefined && bytes >= opts.abortAfter) {
            req.destroy()
            done(true)
            return
          }
          // Slow for the first MB, then a pause, then as fast as it comes.
          if (slow !== undefined && !paused) {
            res.pause()
            const pause = bytes > 1024 * 1024
            if (pause) paused = true
            const wait = pause ? slow.pauseMs : (chunk.length / slow.bytesPerSecond) * 1000
            setTimeout(() => res.resume(), wait)
          }
        })
        res.on('end', () => done(false))
        res.on('error', fail)
      },
    )
    req.on('error', (err) => {
      if (opts.abortAfter === undefined) fail(err)
    })
  })
}

async function scans(r: LiveRelay): Promise<number> {
  const res = await fetch(`${r.url}/console/api/stats`, {
    headers: { cookie: r.cookies[0], origin: r.url },
  })
  return statsSchema.parse(await res.json()).scans
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Redis's XRANGE calls so far (the export's reads), 0 on SQLite. */
async function xrangeCalls(r: LiveRelay): Promise<number> {
  if (r.redis === null) return 0
  const c = new Redis(r.redis.url)
  const info = await c.info('commandstats')
  await c.quit()
  return Number(/cmdstat_xrange:calls=(\d+)/.exec(info)?.[1] ?? 0)
}

/**
 * The sheet read back: CSV split into lines (the seeded and pushed cells hold no comma, quote
 * or newline) with a BOM, every line as many cells as the header, no event id twice; XLSX
 * opened with exceljs, its rows counted.
 */
async function readBack(
  format: 'csv' | 'xlsx',
  body: Buffer,
): Promise<{ rows: number; whole: boolean; note: string }> {
  if (format === 'xlsx') {
    let rows = -1
    let sheets = 0
    for await (const ws of new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([body]), {})) {
      sheets++
      for await (const _row of ws) rows++
    }
    return { rows, whole: sheets === 1, note: `${sheets} sheet, read back with exceljs` }
  }
  const text = body.toString('utf8')
  const bom = text.charCodeAt(0) === 0xfeff
  const lines = text.slice(1).split('\r\n')
  const last = lines.pop()
  const cells = lines[0]?.split(',').length ?? 0
  const ids = new Set<string>()
  let dup = 0
  let short = 0
  for (const line of lines.slice(1)) {
    const c = line.split(',')
    if (c.length !== cells) short++
    const id = c[c.length - 1] ?? ''
    if (ids.has(id)) dup++
    ids.add(id)
  }
  return {
    rows: lines.length - 1,
    whole: bom && last === '' && dup === 0 && short === 0,
    note: `BOM ${bom}, ${dup} event ids twice, ${short} rows short of ${cells} cells`,
  }
}

/** One case's figures, beside the pushes with no download. */
interface Case {
  name: string
  run: (r: LiveRelay) => Promise<string>
}

export async function benchAttendanceLive(
  backend: Backend,
  rows: number,
  results: Results,
): Promise<void> {
  const r = await startLive(backend, rows)
  const load = new PushLoad(r.url)
  const pid = r.proc.pid ?? 0
  let peak = 0
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssOf(pid))
  }, 50)
  const at = `${backend}.attendance.live`
  try {
    load.start()
    await sleep(5000) // warm
    let t = performance.now()
    peak = 0
    const cpu0 = cpuOf(pid)
    await sleep(10_000)
    const base = load.between(t, performance.now())
    const baseCpu = (cpuOf(pid) - cpu0) / 10
    const baseRss = peak
    const p = (xs: number[], q: number) => round(percentile(xs, q), 1)
    results[`${at}.baseline.push-p99`] = {
      value: p(base, 99),
      unit: 'ms',
      note: `signed pushes at ${PUSH_RATE}/s to the built relay (out/relay) over ${rows} seeded scans, no download: p50 ${p(base, 50)} ms, ${base.length} pushes, relay RSS ${round(baseRss / 1048576, 1)} MB, CPU ${round(baseCpu / 10, 1)} % of a core`,
    }
    const full = (format: 'csv' | 'xlsx'): Case => ({
      name: `full-${format}`,
      run: async () => {
        const before = await scans(r)
        const d = await downloadSheet(r, r.cookies[0], format, { keep: true })
        const after = await scans(r)
        const back = await readBack(format, d.body ?? Buffer.alloc(0))
        const inRange = back.rows >= before && back.rows <= after
        results[`${at}.${format}.sheet-whole`] = {
          value: back.whole && inRange ? 1 : 0,
          unit: 'bool',
          goal: '1: whole rows, none twice, between the stats before and after',
          met: back.whole && inRange,
          note: `${back.rows} rows; stats ${before} before and ${after} after the download (pushes flowing); ${back.note}`,
        }
        return `${round(d.ms / 1000, 1)} s, ${round(d.bytes / 1048576, 1)} MB`
      },
    })
    const abort = (format: 'csv' | 'xlsx'): Case => ({
      name: `abort-${format}`,
      run: async () => {
        const d = await downloadSheet(r, r.cookies[0], format, { abortAfter: 2_000_000 })
        await sleep(1000)
        const x0 = await xrangeCalls(r)
        const c0 = cpuOf(pid)
        await sleep(3000)
        const after = (cpuOf(pid) - c0) / 3
        const x1 = await xrangeCalls(r)
        results[`${at}.abort-${format}.cpu-after`] = {
          value: round(after / 10, 1),
          unit: '% core',
          compare: { against: 'the pushes alone', ratio: ratio(after, baseCpu) },
          note: `relay CPU 1-4 s after the organizer cut the download at ${round(d.bytes / 1e6, 1)} MB${backend === 'redis' ? `; XRANGE calls meanwhile: ${x1 - x0}` : ''}`,
        }
        return `cut at ${d.bytes} bytes`
      },
    })
    const cases: Case[] = [
      full('csv'),
      full('xlsx'),
      {
        name: 'slow-csv',
        run: async () => {
          const d = await downloadSheet(r, r.cookies[0], 'csv', {
            slow: { bytesPerSecond: 64 * 1024, pauseMs: 25_000 },
          })
          return `64 KB/s for the first MB, a 25 s pause, then full speed: ${round(d.ms / 1000, 1)} s, ${round(d.bytes / 1048576, 1)} MB, status ${d.status}`
        },
      },
      abort('csv'),
      abort('xlsx'),
      {
        name: 'three',
        run: async () => {
          const ds = await Promise.all([
            downloadSheet(r, r.cookies[0], 'csv', {}),
            downloadSheet(r, r.cookies[0], 'xlsx', {}),
            downloadSheet(r, r.cookies[1], 'csv', {}),
          ])
          return `CSV + XLSX by one organizer, CSV by another: ${ds.map((d) => `${round(d.ms / 1000, 1)} s`).join(', ')}`
        },
      },
    ]
    for (const c of cases) {
      peak = 0
      const wal0 = walBytes(r.dir)
      let walMax = wal0
      const w = setInterval(() => {
        walMax = Math.max(walMax, walBytes(r.dir))
      }, 200)
      t = performance.now()
      const note = await c.run(r)
      clearInterval(w)
      const lat = load.between(t, performance.now())
      const wal =
        backend === 'sqlite'
          ? `; -wal ${round(wal0 / 1048576, 1)} MB before, ${round(walMax / 1048576, 1)} MB at most, ${round(walBytes(r.dir) / 1048576, 1)} MB after`
          : ''
      results[`${at}.${c.name}.push-p99`] = {
        value: p(lat, 99),
        unit: 'ms',
        compare: {
          against: `no download (p99 ${p(base, 99)} ms)`,
          ratio: ratio(p(lat, 99), p(base, 99)),
        },
        note: `p50 ${p(lat, 50)} ms (${p(base, 50)} without), ${lat.length} pushes; ${note}${wal}`,
      }
      results[`${at}.${c.name}.rss-growth`] = {
        value: round((peak - baseRss) / 1048576, 1),
        unit: 'MB',
        note: "the relay's peak RSS during the case less its peak with pushes alone",
      }
    }
    load.stop()
    await sleep(2000)
    const quiet = await scans(r)
    const d = await downloadSheet(r, r.cookies[1], 'csv', { keep: true })
    const back = await readBack('csv', d.body ?? Buffer.alloc(0))
    results[`${at}.quiet-rows-equal-stats`] = {
      value: back.rows === quiet && back.whole ? 1 : 0,
      unit: 'bool',
      goal: '1',
      met: back.rows === quiet && back.whole,
      note: `pushes stopped: ${back.rows} CSV rows, stats ${quiet}; ${load.failed} pushes failed during the run (statuses: ${[...new Set(load.failures.map((f) => f.status))].join(', ') || 'none'}; 0 is a socket error)`,
    }
  } finally {
    load.stop()
    clearInterval(sampler)
    await stopLive(r)
  }
}
