// Shared test plumbing: a controllable clock, sandboxes on port 0, and a local push receiver.
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/server'

/** 2025-01-15 12:00 in Beijing. */
export const T0 = Date.UTC(2025, 0, 15, 4, 0, 0)

export interface Clock {
  now: () => number
  advance(ms: number): void
  set(ms: number): void
}

export function fakeClock(start = T0): Clock {
  let t = start
  return {
    now: () => t,
    advance: (ms) => {
      t += ms
    },
    set: (ms) => {
      t = ms
    },
  }
}

const open: Array<{ close(): Promise<void> }> = []

export async function sandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const sb = await startSandbox({ port: 0, ...opts })
  open.push(sb)
  return sb
}

/** Closes every sandbox and receiver the test started; call from afterEach. */
export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((s) => s.close()))
}

export interface ApiAnswer {
  status: number
  json: Record<string, unknown>
}

export async function getJson(url: string): Promise<ApiAnswer> {
  const res = await fetch(url)
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}

export async function postJson(url: string, body: unknown, raw = false): Promise<ApiAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: raw ? (body as string) : JSON.stringify(body),
  })
  const text = await res.text()
  let json: Record<string, unknown>
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    json = { text }
  }
  return { status: res.status, json }
}

export async function basicToken(sb: Sandbox): Promise<string> {
  const o = sb.options
  const r = await getJson(
    `${sb.url}/cgi-bin/token?grant_type=client_credential&appid=${o.appId}&secret=${o.appSecret}`,
  )
  const token = r.json.access_token
  if (typeof token !== 'string') throw new Error(`no token: ${JSON.stringify(r.json)}`)
  return token
}

export function createQr(sb: Sandbox, token: string, body: unknown): Promise<ApiAnswer> {
  return postJson(`${sb.url}/cgi-bin/qrcode/create?access_token=${encodeURIComponent(token)}`, body)
}

/** Creates a temporary string-scene code and returns its ticket and url. */
export async function tempCode(
  sb: Sandbox,
  scene: string,
  expireSeconds = 600,
): Promise<{ ticket: string; url: string }> {
  const token = await basicToken(sb)
  const r = await createQr(sb, token, {
    expire_seconds: expireSeconds,
    action_name: 'QR_STR_SCENE',
    action_info: { scene: { scene_str: scene } },
  })
  const { ticket, url } = r.json
  if (typeof ticket !== 'string' || typeof url !== 'string') {
    throw new Error(`create failed: ${JSON.stringify(r.json)}`)
  }
  return { ticket, url }
}

export interface ReceivedPush {
  query: URLSearchParams
  body: string
  headers: http.IncomingHttpHeaders
  /** performance.now() when the push had arrived. */
  at: number
}

export type ReceiverAnswer = { status?: number; body?: string; delayMs?: number }

export interface Receiver {
  url: string
  received: ReceivedPush[]
  /**
   * Down (true) or up again: while down the server keeps its port but resets every connection
   * as it comes (the sender sees ECONNRESET, nothing is received). A test that closed the
   * server and listened again on its port could find it taken by a test running beside it.
   */
  setDown(down: boolean): void
  /** The connections reset while down. */
  resets(): number
  close(): Promise<void>
}

/** A developer server stand-in: records every push and answers as `answer` says. */
export async function receiver(
  answer: (push: ReceivedPush, index: number) => ReceiverAnswer,
): Promise<Receiver> {
  const received: ReceivedPush[] = []
  const timers = new Set<NodeJS.Timeout>()
  let down = false
  let resets = 0
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const push: ReceivedPush = {
        query: new URL(req.url ?? '/', 'http://x').searchParams,
        body: Buffer.concat(chunks).toString('utf8'),
        headers: req.headers,
        at: performance.now(),
      }
      received.push(push)
      const a = answer(push, received.length - 1)
      const reply = () => {
        if (res.destroyed) return
        res.writeHead(a.status ?? 200, { 'Content-Type': 'text/plain' })
        res.end(a.body ?? 'success')
      }
      if (a.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer)
          reply()
        }, a.delayMs)
        timers.add(timer)
      } else reply()
    })
  })
  // Before the HTTP server's own listener: a connection reset here is never read from.
  server.prependListener('connection', (socket: Socket) => {
    if (!down) return
    resets++
    socket.resetAndDestroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const r: Receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/wechat`,
    received,
    setDown: (value) => {
      down = value
    },
    resets: () => resets,
    close: async () => {
      for (const t of timers) clearTimeout(t)
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
    },
  }
  open.push(r)
  return r
}
