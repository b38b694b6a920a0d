/**
 * A relay store with the console's attendance routes in its own process, for the attendance
 * bench (attendance.ts): seeds rows directly, serves `/console/api/stats` and
 * `/console/api/attendance` over HTTP, samples its own RSS during an export, and times raw
 * appends with and without the attendance written. Driven over IPC.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { z } from 'zod'
import { createAttendanceRoutes, localDay, type AttendanceRoutes } from '../relay/attendance/routes'
import { RowNames } from '../relay/attendance/row-names'
import { EXPORT_PAGE_ROWS } from '../relay/attendance/sheet'
import { parseRelayConfig } from '../relay/config'
import { RelayMetrics } from '../relay/metrics'
import { createPushEndpoint } from '../relay/push-endpoint'
import type { AttendanceRow } from '../relay/store/attendance'
import { ERASED_OPENID_PREFIX } from '../relay/store/erasure-types'
import { openRedisStore } from '../relay/store/redis/store'
import { openSqliteStore } from '../relay/store/sqlite/store'
import type { NewEvent, RelayStore } from '../relay/store/types'
import { startRedis, type TestRedis } from '../test/helpers/redis'
import { answerParent } from './child'
import { guestName } from './names'
import { BENCH_CAMPAIGN, postRaw, putBenchKiosks, scanXml, tempDir, TOKEN } from './env'
import { plainSignature } from '../shared/wechat'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const msgSchema = z.discriminatedUnion('cmd', [
  z.object({
    cmd: z.literal('start'),
    backend: z.enum(['sqlite', 'redis']),
    kiosks: z.number(),
    rows: z.number(),
    attendance: z.boolean(),
    /** Guests on each campaign's roster (0: no campaigns, no names). */
    roster: z.number().default(0),
    /** Parts of names: how many bound visitors each matches is reported back. */
    needles: z.array(z.string()).default([]),
    /**
     * Visitors of campaign c-rest to erase (bench/erasure.ts): `few` drawn from the seeded scans
     * (their own few rows), `heavy` more with `heavyRows` rows each over its booths.
     */
    erasable: z
      .object({ few: z.number(), heavy: z.number(), heavyRows: z.number() })
      .default({ few: 0, heavy: 0, heavyRows: 0 }),
  }),
  z.object({ cmd: z.literal('append'), n: z.number(), concurrency: z.number() }),
  z.object({ cmd: z.literal('commands'), n: z.number() }),
  z.object({ cmd: z.literal('read-floor') }),
  z.object({ cmd: z.literal('watch') }),
  z.object({ cmd: z.literal('peak') }),
  z.object({ cmd: z.literal('cpu') }),
  z.object({ cmd: z.literal('settle') }),
  z.object({ cmd: z.literal('bind-check'), n: z.number(), oldRuns: z.number() }),
  z.object({
    cmd: z.literal('erase'),
    openids: z.array(z.string()),
    campaignId: z.string(),
    gapMs: z.number(),
  }),
  z.object({ cmd: z.literal('stop') }),
])

let store: RelayStore | null = null
let redis: TestRedis | null = null
let dir: string | null = null
let server: Server | null = null
let routes: AttendanceRoutes | null = null
let rowNames: RowNames | null = null
let watch: { baseline: number; peakNow: number; timer: NodeJS.Timeout } | null = null
let appended = 0
/** Every 50th seeded row of a campaign: a scan the bind check must find. */
const scanned: Array<{ kioskId: string; openid: string; campaignId: string }> = []

const kioskId = (i: number) => `booth-${String(i).padStart(3, '0')}`
/** A visitor pool of 400,000 for 1,000,000 scans: most come once, many come back. */
const visitorId = (n: number) => `o${String(n).padStart(27, '0')}`
const openidOf = (r: number) => visitorId(Math.floor(r * 400_000))

/** The seeded campaigns: the rows' `campaignId`s. */
const CAMPAIGNS = ['c20', 'c-rest'] as const
/** Of each roster's guests, this share came and was bound to a visitor at a desk. */
const BOUND_SHARE = 0.75

/**
 * The visitors a campaign's desks bound, BOUND_SHARE of its `guests`: distinct openids of the
 * pool, each made to scan in the campaign (the seed's first scans there are theirs).
 */
function boundVisitors(c: number, guests: number): string[] {
  return Array.from({ length: Math.floor(guests * BOUND_SHARE) }, (_, j) =>
    visitorId((j * 7919 + c * 104_729) % 400_000),
  )
}

/**
 * `write` again while SQLite says the database is locked. A binding waits out the store's busy
 * timeout (1 s) for the checkpointer's RESTART (past 10,000 WAL pages, which thousands of
 * bindings in a row reach); a restart over hundreds of MB of WAL can hold the lock longer.
 * (Before the store's read-then-write transactions began IMMEDIATE, SQLite answered at once.)
 */
async function whileLocked<T>(write: () => Promise<T>): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      return await write()
    } catch (err) {
      if (tries === 200 || !String(err).includes('database is locked')) throw err
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}

/**
 * Each campaign a roster of `guests` entries, its first BOUND_SHARE of them bound (as a desk
 * binds them) to `bound`'s visitors. Seeded before the rows, whose hundreds of MB of WAL would
 * keep SQLite's checkpointer restarting for seconds (so `.size-per-row` counts them too: a few
 * MB against hundreds). How many distinct bound visitors each needle's names match (any campaign).
 */
async function seedRosters(
  s: RelayStore,
  guests: number,
  bound: ReadonlyMap<string, readonly string[]>,
  needles: readonly string[],
): Promise<{ bound: number; named: Record<string, number> }> {
  const named = new Map(needles.map((n) => [n, new Set<string>()]))
  let boundCount = 0
  for (const [c, id] of CAMPAIGNS.entries()) {
    await s.campaigns.createCampaign(
      { ...BENCH_CAMPAIGN, id, name: id, screenKey: 'k'.repeat(43) },
      Date.now(),
    )
    const entries = Array.from({ length: guests }, (_, i) => ({
      id: `${id}-r${i}`,
      name: guestName(c * 1_000_000 + i),
      company: `Company ${i % 97}`,
      phone: `1380000${String(i).padStart(4, '0')}`,
      code: `R${i}`,
    }))
    const state = await s.campaigns.replaceRoster(id, entries)
    if (state === null || state === 'stale') throw new Error(`roster of ${id} not stored`)
    const openids = bound.get(id) ?? []
    const bindings = openids.map((openid, i) => ({ registrationId: entries[i]!.id, openid }))
    for (let i = 0; i < bindings.length; i += 500) {
      await Promise.all(
        bindings
          .slice(i, i + 500)
          .map((b) => whileLocked(() => s.campaigns.putBinding(id, { ...b, at: Date.now() }))),
      )
    }
    boundCount += bindings.length
    for (const [i, openid] of openids.entries()) {
      for (const [needle, set] of named) if (entries[i]!.name.includes(needle)) set.add(openid)
    }
  }
  return {
    bound: boundCount,
    named: Object.fromEntries([...named].map(([n, set]) => [n, set.size])),
  }
}

async function start(m: Extract<z.infer<typeof msgSchema>, { cmd: 'start' }>) {
  if (m.backend === 'redis') {
    redis = await startRedis()
    store = await openRedisStore({ url: redis.url, prefix: 'b:', attendance: m.attendance })
  } else {
    dir = tempDir('bench-attendance-')
    store = openSqliteStore({ data: dir, attendance: m.attendance })
  }
  const s = store
  await putBenchKiosks(s, m.kiosks, kioskId)
  const bound = new Map(CAMPAIGNS.map((id, c) => [id, boundVisitors(c, m.roster)]))
  const r0 = performance.now()
  const names =
    m.roster > 0 ? await seedRosters(s, m.roster, bound, m.needles) : { bound: 0, named: {} }
  const rosterMs = performance.now() - r0
  /** Per campaign, its scans so far: the first ones are its bound visitors'. */
  const scansIn = new Map<string, number>(CAMPAIGNS.map((id) => [id, 0]))
  const t0 = performance.now()
  const today = localDay(Date.now())
  const seqs = new Array<number>(m.kiosks).fill(0)
  /** Rows of campaign c-rest per openid (only when visitors are to be erased). */
  const restRows = new Map<string, number>()
  // Redis seeds a kiosk's rows of a batch as one script's arguments: at most 1,000 a kiosk (5,000
  // rows of one booth overflowed the call stack spreading them).
  const BATCH = Math.min(5000, 1000 * m.kiosks)
  for (let from = 0; from < m.rows; from += BATCH) {
    const rows: AttendanceRow[] = []
    for (let i = from; i < Math.min(m.rows, from + BATCH); i++) {
      const k = i % m.kiosks
      const receivedAt = today.start + Math.floor(Math.random() * (Date.now() - today.start))
      const campaignId = k < 20 ? 'c20' : k % 3 !== 0 ? 'c-rest' : undefined
      const n = campaignId === undefined ? 0 : (scansIn.get(campaignId) ?? 0)
      if (campaignId !== undefined) scansIn.set(campaignId, n + 1)
      const openid =
        (campaignId === undefined ? undefined : bound.get(campaignId)?.[n]) ??
        openidOf(Math.random())
      rows.push({
        kioskId: kioskId(k),
        seq: ++seqs[k]!,
        id: `ev_${randomBytes(16).toString('hex')}`,
        event: Math.random() < 0.15 ? 'subscribe' : 'scan',
        openid,
        scene: `${kioskId(k)}:${randomBytes(6).toString('base64url')}`,
        ticket: `gQ${randomBytes(48).toString('base64url')}`,
        fallback: false,
        createTime: Math.floor(receivedAt / 1000),
        receivedAt,
        // The first 20 booths' scans counted in campaign c20 (the scoped stats and export),
        // two in three of the others' in another: the check-in number column filled.
        ...(campaignId !== undefined && {
          number: 1 + Math.floor(Math.random() * 400_000),
          campaignId,
        }),
      })
      if (campaignId === 'c-rest' && m.erasable.few > 0) {
        restRows.set(openid, (restRows.get(openid) ?? 0) + 1)
      }
      if (campaignId !== undefined && i % 50 === 0) {
        scanned.push({ kioskId: kioskId(k), openid, campaignId })
      }
    }
    await s.attendance.seed(rows)
  }
  const erasable = await seedErasable(s, m.kiosks, m.erasable, seqs, restRows)
  const seedMs = performance.now() - t0
  // What the rows take: the SQLite file and its WAL, or Redis's used memory.
  let bytes = 0
  if (dir !== null) {
    for (const f of ['relay.sqlite', 'relay.sqlite-wal']) {
      try {
        bytes += statSync(join(dir, f)).size
      } catch {
        // no WAL file right now
      }
    }
  } else if (redis !== null) {
    const c = new Redis(redis.url)
    const info = await c.info('memory')
    await c.quit()
    bytes = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0)
  }
  rowNames = new RowNames(s)
  const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
  routes = createAttendanceRoutes({
    store: s,
    now: Date.now,
    log: silent,
    sessionLive: () => Promise.resolve(true), // no event stream is opened here
    names: rowNames, // the 姓名 column and the search by name, as relay/server.ts wires them
    campaignKiosks: (id) =>
      Promise.resolve(id === 'c20' ? Array.from({ length: 20 }, (_, i) => kioskId(i)) : null),
    // The 活动 column holds the campaigns' names, as the relay's own lookup gives them.
    campaignNames: () =>
      Promise.resolve(
        new Map([
          ['c20', '春季展会 前 20 个签到台'],
          ['c-rest', '春季展会 其余签到台'],
        ]),
      ),
  })
  const r = routes
  // The relay's own push endpoint on this store: the push throughput with and without.
  const handlePush = createPushEndpoint({
    config: parseRelayConfig({ port: 0, data: dir ?? '.', wechat: { token: TOKEN } }),
    store: s,
    log: silent,
    metrics: new RelayMetrics(),
    now: Date.now,
  })
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://relay.invalid')
    if (url.pathname === '/wechat') {
      void handlePush(req, res, url)
      return
    }
    const route = r.routes.find((x) => x.path === url.pathname)
    if (route === undefined) res.writeHead(404).end()
    else void route.handler(req, res, url, null)
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return { url: `http://127.0.0.1:${port}`, seedMs, bytes, rosterMs, ...names, erasable }
}

/** A booth of campaign c-rest (the seed's rule: past the first 20, two in three). */
const restKiosk = (k: number) => k >= 20 && k % 3 !== 0

/**
 * The visitors bench/erasure.ts erases, all in campaign c-rest: `few` distinct seeded visitors
 * with their own rows (counted in `restRows` while seeding), and `heavy` new ones with
 * `heavyRows` rows each over the campaign's booths, seeded here (after the main seed, each
 * booth's seq continued).
 */
async function seedErasable(
  s: RelayStore,
  kiosks: number,
  want: { few: number; heavy: number; heavyRows: number },
  seqs: number[],
  restRows: ReadonlyMap<string, number>,
): Promise<{ few: string[]; fewRows: number[]; heavy: string[]; heavyRows: number }> {
  const few: string[] = []
  const fewRows: number[] = []
  // Past the roster's bound visitors (the first scans of each campaign): plain visitors.
  for (const r of scanned.slice(Math.floor(scanned.length / 4))) {
    if (few.length >= want.few) break
    if (r.campaignId !== 'c-rest' || few.includes(r.openid)) continue
    few.push(r.openid)
    fewRows.push(restRows.get(r.openid) ?? 0)
  }
  const booths = Array.from({ length: kiosks }, (_, k) => k).filter(restKiosk)
  const heavy = Array.from({ length: want.heavy }, (_, j) => `oHeavy${String(j).padStart(22, '0')}`)
  const now = Date.now()
  for (const [j, openid] of heavy.entries()) {
    const rows: AttendanceRow[] = []
    for (let i = 0; i < want.heavyRows; i++) {
      const k = booths[i % booths.length] ?? 0
      rows.push({
        kioskId: kioskId(k),
        seq: ++seqs[k]!,
        id: `ev_${randomBytes(16).toString('hex')}`,
        event: 'scan',
        openid,
        scene: `${kioskId(k)}:${randomBytes(6).toString('base64url')}`,
        ticket: `gQ${randomBytes(48).toString('base64url')}`,
        fallback: false,
        createTime: Math.floor(now / 1000),
        receivedAt: now,
        number: 400_001 + j,
        campaignId: 'c-rest',
      })
    }
    for (let i = 0; i < rows.length; i += 1000) await s.attendance.seed(rows.slice(i, i + 1000))
  }
  return { few, fewRows, heavy, heavyRows: want.heavyRows }
}

/**
 * Erases `openids` from `campaignId` one after another, `gapMs` apart, each through the store's
 * `erasures.erase` as the console's route calls it: ms each (its wait for the pending rows
 * included), and the longest the event loop stalled meanwhile (SQLite's transaction is
 * synchronous: a push arriving then waits for it).
 */
async function erase(openids: readonly string[], campaignId: string, gapMs: number) {
  const s = store
  if (s === null) throw new Error('not started')
  const loop = monitorEventLoopDelay({ resolution: 1 })
  loop.enable()
  const ms: number[] = []
  try {
    for (const openid of openids) {
      const t0 = performance.now()
      const r = await s.erasures.erase({
        campaignId,
        openid,
        by: 'bench',
        at: Date.now(),
        pseudonym: `${ERASED_OPENID_PREFIX}${randomBytes(9).toString('base64url')}`,
      })
      ms.push(performance.now() - t0)
      if (r === null) throw new Error(`campaign ${campaignId} not found`)
      // Untimed: no row of the campaign keeps the openid (both stores).
      const left = await s.attendance.page({
        campaignId,
        booths: [],
        search: openid,
        offset: 0,
        limit: 1,
      })
      if (left.total > 0) throw new Error(`${left.total} rows still hold an erased openid`)
      if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs))
    }
  } finally {
    loop.disable()
  }
  return { ms, maxStallMs: loop.max / 1e6 }
}

/**
 * The export's floor: every row read from the store in the export's pages and order, nothing
 * formatted or sent (ms, best of 2).
 */
async function readFloor() {
  const s = store
  if (s === null) throw new Error('not started')
  let best = Infinity
  let rows = 0
  for (let i = 0; i < 2; i++) {
    rows = 0
    const t0 = performance.now()
    for await (const page of s.attendance.rows({ kioskIds: null }, EXPORT_PAGE_ROWS)) {
      rows += page.length
    }
    best = Math.min(best, performance.now() - t0)
  }
  return { ms: best, rows }
}

/** `n` appends, `concurrency` in flight, to kiosks in turn: appends per second (wall). */
async function append(n: number, concurrency: number, kiosks = 200) {
  const s = store
  if (s === null) throw new Error('not started')
  let next = 0
  const t0 = performance.now()
  const worker = async () => {
    while (next < n) {
      const i = next++
      const receivedAt = Date.now()
      const e: NewEvent = {
        id: `ev_a${++appended}_${i}`,
        event: 'scan',
        openid: openidOf(Math.random()),
        scene: `${kioskId(i % kiosks)}:${i}`,
        ticket: `gQ${i}`,
        createTime: Math.floor(receivedAt / 1000),
        receivedAt,
      }
      await s.appendEvent(kioskId(i % kiosks), e)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { perSecond: n / ((performance.now() - t0) / 1000) }
}

/**
 * Redis commands the relay sends per push (not those its scripts run), over `n` pushes one at
 * a time through the push endpoint, seen by MONITOR: each is a round trip unless pipelined.
 */
async function commandsPerPush(n: number): Promise<{ perPush: number; scripts: number }> {
  if (redis === null || server === null) throw new Error('redis relay not started')
  const port = (server.address() as AddressInfo).port
  const mon = new Redis(redis.url)
  const m = await mon.monitor()
  const seen: string[] = []
  m.on('monitor', (_t: string, args: string[], source: string) => {
    if (source !== 'lua') seen.push(String(args[0]).toLowerCase())
  })
  const probe = new Redis(redis.url)
  const mark = async (word: string): Promise<void> => {
    await probe.echo(word)
    while (!seen.includes('echo')) await new Promise((r) => setTimeout(r, 5))
    seen.length = 0
  }
  try {
    await mark('start')
    for (let i = 0; i < n; i++) {
      const k = kioskId(i % 200)
      // Nonces of its own: the parent's signed queries are already claimed.
      const ts = String(Math.floor(Date.now() / 1000))
      const nonce = `child${i}`
      const q = new URLSearchParams({
        signature: plainSignature(TOKEN, ts, nonce),
        timestamp: ts,
        nonce,
      })
      const url = `http://127.0.0.1:${port}/wechat?${q.toString()}`
      const status = await postRaw(url, scanXml(`o-c-${i}`, `${k}:c${i}`))
      if (status !== 200) throw new Error(`push answered ${status}`)
    }
    await probe.echo('end')
    while (!seen.includes('echo')) await new Promise((r) => setTimeout(r, 5))
    const commands = seen.filter((c) => c !== 'echo')
    const scripts = commands.filter((c) => c === 'eval' || c === 'evalsha').length
    return { perPush: commands.length / n, scripts: scripts / n }
  } finally {
    probe.disconnect()
    m.disconnect()
    mon.disconnect()
  }
}

/** Rows a page of the bind check before 540ef1a read, and the most it read. */
const OLD_CHECK_PAGE = 100
const OLD_CHECK_ROWS = 1000

/**
 * The check a bind for a campaign the booth left went through before 540ef1a (KioskSession's
 * scannedIn then): every row settled, then the console's search for the openid (prefixes of
 * openids and scenes, the kiosk id exactly) over the booth's rows, paged, each page checked.
 */
async function oldCheck(
  s: RelayStore,
  kiosk: string,
  openid: string,
  campaignId: string,
): Promise<boolean> {
  await s.attendance.settled()
  for (let offset = 0; offset < OLD_CHECK_ROWS; offset += OLD_CHECK_PAGE) {
    const page = await s.attendance.page({
      kioskIds: [kiosk],
      search: openid,
      offset,
      limit: OLD_CHECK_PAGE,
    })
    if (page.rows.some((r) => r.openid === openid && r.campaignId === campaignId)) return true
    if (page.rows.length < OLD_CHECK_PAGE) return false
  }
  return false
}

/**
 * The relay's check of a bind for a campaign the booth left (`attendance.hasScan`), each call
 * timed (ms): `n` scans that are there (a seeded row's kiosk, openid and campaign), `n` that
 * are not (the booth's own id as the openid, what a flooding kiosk sent), `n` of `hasKiosk` (a
 * point read the store had before), and `oldRuns` of each through the check it replaced. Every
 * answer is checked.
 */
async function bindCheck(n: number, oldRuns: number) {
  const s = store
  if (s === null) throw new Error('not started')
  const first = scanned[0]
  if (first === undefined) throw new Error('no campaign rows seeded')
  const timed = async (
    runs: number,
    check: (i: number) => Promise<boolean>,
    want: boolean,
  ): Promise<number[]> => {
    const ms: number[] = []
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now()
      const got = await check(i)
      ms.push(performance.now() - t0)
      if (got !== want) throw new Error(`bind check ${i} answered ${got}, not ${want}`)
    }
    return ms
  }
  const hitOf = (i: number) => scanned[i % scanned.length] ?? first
  const hit = (i: number) => {
    const r = hitOf(i)
    return s.attendance.hasScan(r.kioskId, r.openid, r.campaignId)
  }
  const miss = (i: number) => {
    const r = hitOf(i)
    return s.attendance.hasScan(r.kioskId, r.kioskId, r.campaignId)
  }
  const floor = (i: number) => s.hasKiosk(hitOf(i).kioskId)
  // Warm-ups, untimed: the floor's and the look-up's code paths compiled alike.
  await timed(Math.min(n, 100), floor, true)
  await timed(Math.min(n, 100), hit, true)
  return {
    samples: scanned.length,
    // The floor: a point read the store already had (the kiosk's row), timed the same way.
    floor: await timed(n, floor, true),
    hit: await timed(n, hit, true),
    miss: await timed(n, miss, false),
    oldHit: await timed(
      oldRuns,
      (i) => oldCheck(s, hitOf(i).kioskId, hitOf(i).openid, hitOf(i).campaignId),
      true,
    ),
    oldMiss: await timed(
      oldRuns,
      (i) => oldCheck(s, hitOf(i).kioskId, hitOf(i).kioskId, hitOf(i).campaignId),
      false,
    ),
  }
}

answerParent(async (raw) => {
  const m = msgSchema.parse(raw)
  switch (m.cmd) {
    case 'start':
      return start(m)
    case 'append':
      return append(m.n, m.concurrency)
    case 'commands':
      return commandsPerPush(m.n)
    case 'read-floor':
      return readFloor()
    case 'bind-check':
      return bindCheck(m.n, m.oldRuns)
    case 'erase':
      return erase(m.openids, m.campaignId, m.gapMs)
    case 'cpu': {
      // This process's CPU so far (every thread: the checkpointer's included), µs.
      const u = process.cpuUsage()
      return { micros: u.user + u.system }
    }
    case 'settle': {
      // Until every stored row is in what the console reads (SQLite moves them after the
      // push's commit): how long that took, ms.
      if (store === null) throw new Error('not started')
      const t0 = performance.now()
      await store.attendance.settled()
      return { ms: performance.now() - t0 }
    }
    case 'watch': {
      gc()
      const baseline = process.memoryUsage.rss()
      const w = { baseline, peak: baseline }
      const timer = setInterval(() => (w.peak = Math.max(w.peak, process.memoryUsage.rss())), 20)
      watch = {
        ...w,
        timer,
        get peakNow() {
          return w.peak
        },
      }
      return { baseline }
    }
    case 'peak': {
      if (watch === null) throw new Error('not watching')
      clearInterval(watch.timer)
      const out = { baseline: watch.baseline, peak: watch.peakNow }
      watch = null
      return out
    }
    case 'stop':
      routes?.close()
      rowNames?.close()
      server?.closeAllConnections()
      server?.close()
      await store?.close()
      await redis?.stop()
      if (dir !== null) rmSync(dir, { recursive: true, force: true })
      setImmediate(() => process.exit(0))
      return null
  }
})
