/**
 * Test helpers for the relay: WeChat-signed pushes built independently of the relay's code
 * (sha1 over the sorted parts, straight from docs/WECHAT.md "Signatures"), and a kiosk
 * websocket client.
 */
import { createHash, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import {
  relayFrameSchema,
  type HelloFrame,
  type RelayFrame,
  type ScanFrame,
} from '../../shared/relay-protocol'
import type { RelayConfigInput } from '../../relay/config'
import { startRelay, type RelayHandle, type StartRelayOptions } from '../../relay/server'
import { UNDER_LOAD } from '../helpers/wait'

export const TOKEN = 'relayTestToken123'
export const ACCOUNT = 'gh_relaytest'

export function sha1Sorted(parts: string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex')
}

let nonceCounter = 0
export function signedQuery(token: string, nowMs: number = Date.now()): URLSearchParams {
  const timestamp = String(Math.floor(nowMs / 1000))
  const nonce = String(100_000 + ++nonceCounter)
  return new URLSearchParams({ signature: sha1Sorted([token, timestamp, nonce]), timestamp, nonce })
}

export interface EventXmlInput {
  openid: string
  createTime: number
  event: 'subscribe' | 'SCAN' | 'unsubscribe'
  eventKey?: string
  ticket?: string
  toUser?: string
}

export function eventXml(e: EventXmlInput): string {
  let xml =
    `<xml><ToUserName><![CDATA[${e.toUser ?? ACCOUNT}]]></ToUserName>` +
    `<FromUserName><![CDATA[${e.openid}]]></FromUserName>` +
    `<CreateTime>${e.createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
    `<Event><![CDATA[${e.event}]]></Event>`
  if (e.eventKey !== undefined) xml += `<EventKey><![CDATA[${e.eventKey}]]></EventKey>`
  if (e.ticket !== undefined) xml += `<Ticket><![CDATA[${e.ticket}]]></Ticket>`
  return xml + '</xml>'
}

/** A SCAN push for `scene` (the visitor already follows). */
export function scanXml(openid: string, scene: string, createTime = 1_700_000_000): string {
  return eventXml({ openid, createTime, event: 'SCAN', eventKey: scene, ticket: `tk-${scene}` })
}

export async function postPush(
  relayUrl: string,
  body: string | Buffer,
  query: URLSearchParams = signedQuery(TOKEN),
): Promise<{ status: number; body: string }> {
  const res = await fetch(`${relayUrl}/wechat?${query.toString()}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body,
  })
  return { status: res.status, body: await res.text() }
}

export function tempDir(prefix = 'relay-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export type Backend = 'sqlite' | 'redis'

/** A relay on port 0 with either store; Redis tests pass the socket of their redis-server. */
export async function startTestRelay(
  backend: Backend,
  redisUrl: string | null,
  config: RelayConfigInput = {},
  opts: StartRelayOptions = {},
): Promise<RelayHandle> {
  const dir = tempDir()
  const relay = await startRelay(
    {
      port: 0,
      data: dir,
      redis: backend === 'redis' ? redisUrl : null,
      ...config,
      wechat: { token: TOKEN, ...config.wechat },
    },
    { redisPrefix: `t-${randomUUID()}:`, storePollMs: 50, ...opts },
  )
  const close = () => relay.close()
  return {
    ...relay,
    close: async () => {
      await close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface Closed {
  code: number
  reason: string
}

/** A kiosk's side of `/kiosk`: records every frame, validating it against the shared schema. */
export class KioskClient {
  readonly frames: RelayFrame[] = []
  readonly closed: Promise<Closed>
  private waiters: Array<() => void> = []

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.frames.push(relayFrameSchema.parse(JSON.parse(data.toString('utf8'))))
      this.wake()
    })
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() })
        this.wake()
      })
    })
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  /** Rejects with the HTTP status when the relay refuses the upgrade. */
  static connect(relayUrl: string, token: string | null, opts: WebSocket.ClientOptions = {}) {
    const headers: Record<string, string> =
      token === null ? {} : { Authorization: `Bearer ${token}` }
    const ws = new WebSocket(`${relayUrl.replace(/^http/, 'ws')}/kiosk`, { headers, ...opts })
    return new Promise<KioskClient>((resolve, reject) => {
      ws.once('open', () => resolve(new KioskClient(ws)))
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`HTTP ${res.statusCode}`))
        ws.terminate()
      })
      ws.once('error', reject)
    })
  }

  static async hello(
    relayUrl: string,
    token: string,
    hello: Omit<HelloFrame, 'type'>,
  ): Promise<KioskClient> {
    const c = await KioskClient.connect(relayUrl, token)
    c.send({ type: 'hello', ...hello })
    await c.waitFor((f) => f.type === 'welcome')
    return c
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  ack(seq: number): void {
    this.send({ type: 'ack', seq })
  }

  get welcome() {
    const w = this.frames.find((f) => f.type === 'welcome')
    if (w?.type !== 'welcome') throw new Error('no welcome yet')
    return w
  }

  get scans(): ScanFrame[] {
    return this.frames.filter((f): f is ScanFrame => f.type === 'scan')
  }

  /**
   * Resolves once `pred` holds for a received frame (or, with `count`, for that many frames).
   * The deadline only bounds a failure: a hello's welcome behind a Redis round trip took longer
   * than 5 s on a two-core CI running every file at once.
   */
  async waitFor(
    pred: (f: RelayFrame) => boolean,
    count = 1,
    timeoutMs: number = UNDER_LOAD.timeout,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.frames.filter(pred).length < count) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error('socket closed while waiting')
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting; got ${JSON.stringify(this.frames)}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  waitForScans(count: number, timeoutMs: number = UNDER_LOAD.timeout): Promise<void> {
    return this.waitFor((f) => f.type === 'scan', count, timeoutMs)
  }

  async close(): Promise<Closed> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close(1000)
    return this.closed
  }
}

/** Resolves after the event loop has had a chance to deliver anything in flight. */
export async function settle(ms = 100): Promise<void> {
  await new Promise((r) => setTimeout(r, ms))
}
