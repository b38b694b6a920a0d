/**
 * The console's reads at a national campaign's scale (the server side of `console-scale`), on
 * each store: 2,000 booths on 100 campaigns, a 50,000-entry roster, 500,000 scans over 3 days
 * (100,000 quick) and 20 draws, seeded through the store. Each console API read the pages make,
 * and the screens' wall: its time, its size and, on Redis, the commands it cost and Redis's own
 * time in them (INFO commandstats before and after, this bench's own INFO left out); the slow log after.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { localDay } from '../relay/attendance/routes'
import { addOrganizer } from '../relay/console/organizer-admin'
import { startRelay, type RelayHandle } from '../relay/server'
import type { AttendanceRow } from '../relay/store/attendance'
import { startRedis, type TestRedis } from '../test/helpers/redis'
import { BENCH_CAMPAIGN, TOKEN, type Backend } from './env'
import { guestName } from './names'
import { round, type Results } from './result'

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
const DAY_MS = 86_400_000
const KIOSKS = 2000
const CAMPAIGNS = 100
const ROSTER = 50_000
const DRAWS = 20
const SCREEN_KEY = 'k'.repeat(43)
const booth = (i: number): string => `booth-${String(i).padStart(4, '0')}`

/** The reads, as the pages make them (c0: the campaign with the roster and the draws). */
const READS: ReadonlyArray<[string, string]> = [
  ['kiosks', '/console/api/kiosks'],
  // The booths page's next refresh (about a second later while scans flow).
  ['kiosks-again', '/console/api/kiosks'],
  ['campaigns', '/console/api/campaigns'],
  ['campaign', '/console/api/campaigns/c0'],
  ['stats-campaign', '/console/api/stats?campaign=c0'],
  ['stats-all', '/console/api/stats'],
  ['attendance-csv', '/console/api/attendance?campaign=c0&format=csv'],
  // The attendance page's list: a page of the campaign's rows, and of every booth's.
  ['attendance-page', '/console/api/attendance?campaign=c0'],
  ['attendance-page-all', '/console/api/attendance'],
  ['draws', '/console/api/campaigns/c0/draws'],
  ['wall', `/screen/api/c0/wall?key=${SCREEN_KEY}`],
  ['wall-again', `/screen/api/c0/wall?key=${SCREEN_KEY}`],
]

/** Calls and microseconds of Redis's time per command name (INFO commandstats). */
async function commandStats(c: Redis): Promise<Map<string, { calls: number; usec: number }>> {
  const out = new Map<string, { calls: number; usec: number }>()
  const info = await c.info('commandstats')
  for (const m of info.matchAll(/cmdstat_([^:]+):calls=(\d+),usec=(\d+)/g)) {
    out.set(m[1] ?? '', { calls: Number(m[2]), usec: Number(m[3]) })
  }
  return out
}

/** Commands run between two commandstats, INFO itself left out: the total and by name. */
function commandsBetween(
  before: Map<string, { calls: number; usec: number }>,
  after: Map<string, { calls: number; usec: number }>,
): { total: number; usec: number; by: string } {
  let total = 0
  let usec = 0
  const by: string[] = []
  for (const [cmd, a] of after) {
    const n = a.calls - (before.get(cmd)?.calls ?? 0)
    if (cmd === 'info' || n === 0) continue
    total += n
    usec += a.usec - (before.get(cmd)?.usec ?? 0)
    by.push(`${cmd} ${n}`)
  }
  return { total, usec, by: by.join(', ') }
}

/** 2,000 booths, 100 campaigns, c0's roster, `scans` over 3 days, the organizer's cookie. */
async function seed(relay: RelayHandle, scans: number): Promise<Record<string, string>> {
  const store = relay.store
  for (let i = 0; i < KIOSKS; i += 100) {
    const ids = Array.from({ length: Math.min(100, KIOSKS - i) }, (_, j) => booth(i + j))
    await Promise.all(ids.map((id) => relay.addKiosk(id)))
  }
  for (let c = 0; c < CAMPAIGNS; c++) {
    await store.campaigns.createCampaign(
      { ...BENCH_CAMPAIGN, id: `c${c}`, name: `活动 ${c}`, screenKey: SCREEN_KEY },
      Date.now(),
    )
  }
  for (let i = 0; i < KIOSKS; i++) await store.campaigns.assignKiosk(booth(i), `c${i % CAMPAIGNS}`)
  const roster = Array.from({ length: ROSTER }, (_, i) => ({
    id: `r${i}`,
    name: guestName(i),
    company: `Company ${i % 97}`,
    phone: `1380000${String(i).padStart(4, '0')}`,
    code: `R${i}`,
  }))
  const rosterState = await store.campaigns.replaceRoster('c0', roster)
  if (rosterState === null || rosterState === 'stale') throw new Error('roster not stored')
  // `scans` over the last 3 days (today's so far included), 200,000 visitors.
  const now = Date.now()
  const from = localDay(now).start - 2 * DAY_MS
  const seqs = new Array<number>(KIOSKS).fill(0)
  // 5,000 rows a call, as the attendance bench (Redis: SEED_VISITORS takes two arguments a row).
  for (let b = 0; b < scans; b += 5000) {
    const rows: AttendanceRow[] = []
    for (let i = b; i < Math.min(scans, b + 5000); i++) {
      const k = i % KIOSKS
      const receivedAt = from + Math.floor(((now - from) * i) / scans)
      seqs[k] = (seqs[k] ?? 0) + 1
      rows.push({
        kioskId: booth(k),
        seq: seqs[k] ?? 0,
        id: `ev_${randomBytes(16).toString('hex')}`,
        event: i % 7 === 0 ? 'subscribe' : 'scan',
        openid: `o${String((i * 7919) % 200_000).padStart(27, '0')}`,
        scene: `${booth(k)}:${randomBytes(6).toString('base64url')}`,
        ticket: `gQ${randomBytes(48).toString('base64url')}`,
        fallback: false,
        createTime: Math.floor(receivedAt / 1000),
        receivedAt,
        number: 1 + Math.floor(i / CAMPAIGNS),
        campaignId: `c${k % CAMPAIGNS}`,
      })
    }
    await store.attendance.seed(rows)
  }
  // 500 check-ins in c0 through the push's own write (SQLite's seed takes no numbers): the draws'.
  for (let i = 0; i < 500; i++) {
    const k = booth((i % (KIOSKS / CAMPAIGNS)) * CAMPAIGNS)
    const at = Date.now()
    await store.appendEvent(
      k,
      {
        id: `ev_${randomBytes(16).toString('hex')}`,
        event: 'scan',
        openid: `o-c0-${i}`,
        scene: `${k}:c0-${i}`,
        ticket: 't',
        createTime: Math.floor(at / 1000),
        receivedAt: at,
      },
      'c0',
    )
  }
  await store.attendance.settled()
  const password = await addOrganizer(store, 'bench', Date.now())
  const login = await fetch(`${relay.url}/console/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: relay.url },
    body: JSON.stringify({ name: 'bench', password }),
  })
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  const headers = { cookie, origin: relay.url }
  for (let d = 0; d < DRAWS; d++) {
    const res = await fetch(`${relay.url}/console/api/campaigns/c0/draws`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ count: 10, prize: `奖品 ${d}` }),
    })
    await res.arrayBuffer()
    if (res.status !== 201 && res.status !== 200) throw new Error(`draw: ${res.status}`)
  }
  return headers
}

async function readsOn(backend: Backend, scans: number): Promise<Results> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-console-reads-'))
  let redis: TestRedis | null = null
  if (backend === 'redis') redis = await startRedis()
  const admin = redis === null ? null : new Redis(redis.url)
  const relay = await startRelay(
    { port: 0, host: '127.0.0.1', data: dir, redis: redis?.url ?? null, wechat: { token: TOKEN } },
    { redisPrefix: `b-${randomUUID()}:`, log: silent, storePollMs: 1000 },
  )
  try {
    const headers = await seed(relay, scans)
    await admin?.config('SET', 'slowlog-log-slower-than', '10000')
    await admin?.slowlog('RESET')
    const results: Results = {}
    const m = `console-scale.${backend}`
    for (const [name, path] of READS) {
      const before = admin === null ? null : await commandStats(admin)
      const t0 = performance.now()
      const res = await fetch(`${relay.url}${path}`, { headers })
      let firstByte = NaN
      let bytes = 0
      for await (const chunk of res.body ?? []) {
        if (Number.isNaN(firstByte)) firstByte = performance.now() - t0
        bytes += (chunk as Uint8Array).byteLength
      }
      const total = performance.now() - t0
      results[`${m}.${name}.ms`] = { value: round(total, 1), unit: 'ms', note: `${res.status}` }
      results[`${m}.${name}.bytes`] = { value: bytes, unit: 'B' }
      if (name === 'attendance-csv') {
        results[`${m}.${name}.first-byte`] = { value: round(firstByte, 1), unit: 'ms' }
      }
      if (admin !== null && before !== null) {
        const c = commandsBetween(before, await commandStats(admin))
        results[`${m}.${name}.commands`] = { value: c.total, unit: 'commands', note: c.by }
        results[`${m}.${name}.redis-time`] = {
          value: round(c.usec / 1000, 1),
          unit: 'ms',
          note: "Redis's own time in those commands (commandstats usec)",
        }
      }
    }
    if (admin !== null) {
      const slow = (await admin.slowlog('GET', 100)) as Array<[number, number, number, string[]]>
      results[`${m}.slowlog`] = {
        value: slow.length,
        unit: 'entries ≥ 10 ms',
        note: slow
          .slice(0, 3)
          .map((e) => `${round(e[2] / 1000, 1)} ms ${e[3][0] ?? ''}`)
          .join('; '),
      }
    }
    return results
  } finally {
    admin?.disconnect()
    await relay.close()
    await redis?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Both stores, one after the other (`npm run bench -- --only console-scale-reads`). */
export async function benchConsoleReads(quick: boolean): Promise<Results> {
  const scans = quick ? 100_000 : 500_000
  return { ...(await readsOn('sqlite', scans)), ...(await readsOn('redis', scans)) }
}
