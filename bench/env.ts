/**
 * What the end-to-end benches share: a relay on loopback (SQLite or Redis store) and
 * WeChat-signed plain pushes. The kiosk side is in kiosk-sink-child.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { Agent, request } from 'node:http'
import { fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import type { Redis } from 'ioredis'
import { z } from 'zod'
import { plainSignature } from '../shared/wechat'
import { startRelay, type RelayHandle } from '../relay/server'
import { startRedis, type TestRedis } from '../test/helpers/redis'
import { CAMPAIGN_DEFAULTS, type CampaignInput } from '../shared/campaign'
import type { RelayStore } from '../relay/store/types'
import type { AttendanceRow } from '../relay/store/attendance'
import { openStore } from '../relay/store/open-store'

export const TOKEN = 'benchToken123'
const ROOT = resolve(import.meta.dirname, '..')
export type Backend = 'sqlite' | 'redis'

/**
 * `all`, or those of them named in the comma-separated variable `name` (for example
 * `BENCH_E2E_STORES=redis`): a bench run on one store, rate or part, for a before/after.
 */
export function onlyFromEnv<T extends string | number>(name: string, all: readonly T[]): T[] {
  const only = process.env[name]?.split(',')
  return only === undefined ? [...all] : all.filter((x) => only.includes(String(x)))
}

export interface BenchRelay {
  relay: RelayHandle
  /** The redis-server's unix socket (Redis store only). */
  redisUrl: string | null
  close(): Promise<void>
}

export const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
/** Nothing listens there: a WeChat call made to it fails at once. */
export const NOWHERE = 'http://127.0.0.1:9'

export async function startBenchRelay(backend: Backend): Promise<BenchRelay> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-relay-'))
  let redis: TestRedis | null = null
  if (backend === 'redis') redis = await startRedis()
  const relay = await startRelay(
    { port: 0, data: dir, redis: redis?.url ?? null, wechat: { token: TOKEN } },
    { redisPrefix: `b-${randomUUID()}:`, log: silent, storePollMs: 1000 },
  )
  return {
    relay,
    redisUrl: redis?.url ?? null,
    close: async () => {
      await relay.close()
      await redis?.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export function scanXml(openid: string, scene: string): string {
  return (
    `<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>` +
    `<FromUserName><![CDATA[${openid}]]></FromUserName>` +
    `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
    `<Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[${scene}]]></EventKey>` +
    `<Ticket><![CDATA[tk-${scene}]]></Ticket></xml>`
  )
}

let nonce = 0
export const agent = new Agent({ keepAlive: true, maxSockets: 128 })

/** The URL of one signed push to `relayUrl` (a fresh nonce each time, as WeChat sends). */
export function signedPushUrl(relayUrl: string): string {
  const ts = String(Math.floor(Date.now() / 1000))
  const n = String(++nonce)
  const q = new URLSearchParams({
    signature: plainSignature(TOKEN, ts, n),
    timestamp: ts,
    nonce: n,
  })
  return `${relayUrl}/wechat?${q.toString()}`
}

/** POSTs one signed push; resolves with the HTTP status (0 on a network error). */
export function postPush(url: string, body: string): Promise<number> {
  return postRaw(signedPushUrl(url), body)
}

export function postRaw(url: string, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'text/xml' } },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', () => resolve(0))
    req.end(body)
  })
}

/**
 * A durable append-only log for the durable floor: each record is written and fdatasync'ed
 * before the call returns, padded to one 4 KiB page as a WAL frame is.
 */
export function appendLog(dir: string): (record: Buffer) => void {
  const fd = openSync(join(dir, 'floor.log'), 'a')
  const page = Buffer.alloc(4096)
  return (record) => {
    page.fill(0)
    record.copy(page, 0, 0, Math.min(record.length, page.length))
    writeSync(fd, page)
    fdatasyncSync(fd)
  }
}

/** Booths kioskId(0)…kioskId(n - 1) straight into the store (ticket proxy on, no integer scenes). */
export async function putBenchKiosks(
  store: Pick<RelayStore, 'putKiosk'>,
  n: number,
  kioskId: (i: number) => string,
): Promise<void> {
  for (let i = 0; i < n; i++) {
    await store.putKiosk({
      kioskId: kioskId(i),
      tokenHash: 'h',
      ticketProxy: true,
      sceneRanges: [],
      now: 1,
    })
  }
}

/**
 * `rows` scans over `kiosks` booths straight into the store's attendance (batches of 5,000),
 * received within the last hour, one in 7 a subscribe, over 200,000 possible visitors.
 */
export async function seedBenchScans(
  store: Pick<RelayStore, 'attendance'>,
  rows: number,
  kiosks: number,
  kioskId: (i: number) => string,
): Promise<void> {
  const seqs = new Array<number>(kiosks).fill(0)
  const now = Date.now()
  for (let from = 0; from < rows; from += 5000) {
    const batch: AttendanceRow[] = []
    for (let i = from; i < Math.min(rows, from + 5000); i++) {
      const k = i % kiosks
      const receivedAt = now - Math.floor(Math.random() * 3_600_000)
      batch.push({
        kioskId: kioskId(k),
        seq: ++seqs[k]!,
        id: `ev_${randomBytes(16).toString('hex')}`,
        event: i % 7 === 0 ? 'subscribe' : 'scan',
        openid: `o${String(Math.floor(Math.random() * 200_000)).padStart(27, '0')}`,
        scene: `${kioskId(k)}:${randomBytes(6).toString('base64url')}`,
        ticket: `gQ${randomBytes(24).toString('base64url')}`,
        fallback: false,
        createTime: Math.floor(receivedAt / 1000),
        receivedAt,
      })
    }
    await store.attendance.seed(batch)
  }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** Where a single-process bench keeps a store: a temp dir and, on Redis, a private server. */
export interface BenchPlace {
  dir: string
  /** The private redis-server (Redis store only). */
  redis: TestRedis | null
  /** A key prefix of its own, as a relay sharing the server would have. */
  prefix: string
  /** The store there (close it before startRelay, as a relay opens its own). */
  openStore(): Promise<RelayStore>
  /** A relay in-process on the store there, its follow-up worker running, WeChat at NOWHERE. */
  startRelay(): Promise<RelayHandle>
  /** Stops the redis-server and removes the dir. */
  remove(): Promise<void>
}

export async function benchPlace(backend: Backend, dirPrefix: string): Promise<BenchPlace> {
  const dir = tempDir(dirPrefix)
  const redis = backend === 'redis' ? await startRedis() : null
  const prefix = `b-${randomUUID()}:`
  const url = redis?.url ?? null
  return {
    dir,
    redis,
    prefix,
    openStore: () => openStore({ redis: url, data: dir }, { prefix }),
    startRelay: () =>
      startRelay(
        {
          port: 0,
          data: dir,
          redis: url,
          wechat: {
            token: TOKEN,
            appId: 'wxbench0000000000',
            appSecret: 's'.repeat(32),
            apiBase: NOWHERE,
          },
        },
        { redisPrefix: prefix, log: silent },
      ),
    async remove() {
      await redis?.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The commands a redis-server has processed and the bytes it has sent, from INFO stats. */
export async function redisStats(admin: Redis): Promise<{ commands: number; bytes: number }> {
  const stats = await admin.info('stats')
  const num = (name: string): number => Number(new RegExp(`${name}:(\\d+)`).exec(stats)?.[1] ?? NaN)
  return { commands: num('total_commands_processed'), bytes: num('total_net_output_bytes') }
}

/** The campaign the benches run (the fields that matter to one bench are spread over it). */
/** Assigns booth `kioskId` to `campaignId` as the console does: stored, noted, announced. */
export async function assignBooth(
  store: RelayStore,
  kioskId: string,
  campaignId: string,
): Promise<void> {
  await store.console.setKioskCampaign(kioskId, campaignId)
  await store.campaigns.noteAssignment(kioskId)
  await store.announce({ type: 'campaign', campaignId, kioskId })
}

export const BENCH_CAMPAIGN: CampaignInput = {
  name: 'Bench',
  ...CAMPAIGN_DEFAULTS,
  greetings: {
    'zh-CN': { first: '欢迎', returning: '欢迎回来', named: '你好 {name}' },
    en: { first: 'Welcome', returning: 'Welcome back', named: 'Hi {name}' },
  },
  reply: { subscribe: '谢谢', scan: '欢迎' },
  tag: null,
  followUp: null,
  stamps: [],
}

/**
 * The built relay (out/relay/relay.mjs) in a process of its own, Node's `nodeArgs` before it and
 * the relay's `args` after, signing with TOKEN: resolves with its URL once it says it is
 * listening. Its other stdout lines go to `onLine`; its stderr is the caller's to read (`pipe`)
 * or this process's.
 */
export function spawnBuiltRelay(opts: {
  nodeArgs: string[]
  args: string[]
  stderr: 'pipe' | 'inherit'
  onLine?: (line: string) => void
}): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(
    process.execPath,
    [...opts.nodeArgs, join('out', 'relay', 'relay.mjs'), ...opts.args],
    {
      cwd: ROOT,
      env: { ...process.env, SCANDESK_RELAY_WECHAT_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', opts.stderr],
    },
  )
  return new Promise((ok, fail) => {
    createInterface({ input: proc.stdout ?? process.stdin }).on('line', (line) => {
      if (line.includes('"relay listening"'))
        ok({ proc, url: z.object({ url: z.string() }).parse(JSON.parse(line)).url })
      else opts.onLine?.(line)
    })
    proc.once('exit', (code) => fail(new Error(`relay exited (${code}) before listening`)))
  })
}
