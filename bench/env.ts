/**
 * What the end-to-end benches share: a relay on loopback (SQLite or Redis store), WeChat-signed
 * plain pushes, and a kiosk side that commits each scan the way the kiosk core does (the core's
 * RelayLink and AttendanceStore on a kiosk database with synchronous=FULL).
 */
import { randomUUID } from 'node:crypto'
import { Agent, request } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { plainSignature } from '../shared/wechat'
import type { ScanFrame } from '../shared/relay-protocol'
import { startRelay, type RelayHandle } from '../relay/server'
import { AttendanceStore } from '../electron/core/attendance-store'
import { openKioskDb, type KioskDb } from '../electron/core/db'
import { RelayLink, type RelayCursor } from '../electron/core/relay-link'
import { startRedis, type TestRedis } from '../test/helpers/redis'

export const TOKEN = 'benchToken123'
export type Backend = 'sqlite' | 'redis'

export interface BenchRelay {
  relay: RelayHandle
  /** The redis-server's unix socket (Redis store only). */
  redisUrl: string | null
  close(): Promise<void>
}

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

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

/** POSTs one signed push; resolves with the HTTP status (0 on a network error). */
export function postPush(url: string, body: string): Promise<number> {
  const ts = String(Math.floor(Date.now() / 1000))
  const n = String(++nonce)
  const q = new URLSearchParams({
    signature: plainSignature(TOKEN, ts, n),
    timestamp: ts,
    nonce: n,
  })
  return postRaw(`${url}/wechat?${q.toString()}`, body)
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

export interface KioskSink {
  db: KioskDb
  link: RelayLink
  /** Scene → commit time (performance.now()) for every scan committed, first time only. */
  committed: Map<string, number>
  duplicates: number
  close(): Promise<void>
}

/** A kiosk that commits every scan in the kiosk core's attendance table before acking it. */
export function startKioskSink(
  relayUrl: string,
  kioskId: string,
  token: string,
  dir: string,
): KioskSink {
  const db = openKioskDb(join(dir, `${kioskId}.sqlite`))
  const attendance = new AttendanceStore(db)
  let cursor: RelayCursor = { epoch: null, lastSeq: 0 }
  const committed = new Map<string, number>()
  const sink = { duplicates: 0 }
  const link = new RelayLink({
    relayUrl,
    kioskId,
    token,
    loadCursor: () => cursor,
    resetCursor: (epoch) => (cursor = { epoch, lastSeq: 0 }),
    onScan: (frame: ScanFrame) => {
      const r = attendance.record(
        {
          eventId: frame.id,
          kioskId,
          openid: frame.openid,
          scene: frame.scene,
          ticket: frame.ticket,
          kind: frame.event,
          createTime: frame.createTime,
          receivedAt: frame.receivedAt,
          fallbackCampaignId: 'bench',
        },
        Date.now(),
      )
      cursor = { epoch: cursor.epoch, lastSeq: frame.seq }
      if (!r.inserted || committed.has(frame.scene)) sink.duplicates++
      else committed.set(frame.scene, performance.now())
    },
    onState: () => {},
    backoffBaseMs: 50,
    backoffMaxMs: 500,
  })
  link.start()
  return {
    db,
    link,
    committed,
    get duplicates() {
      return sink.duplicates
    },
    close: async () => {
      await link.stop()
      db.close()
    },
  }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix))
}
