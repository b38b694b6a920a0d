/**
 * A scriptable stand-in for a contract v2 relay (campaign, roster and binding frames): each test
 * says what to send after a hello. Also answers the ticket proxy, so the kiosk has codes.
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import {
  kioskFrameSchema,
  type HelloFrame,
  type KioskFrame,
  type RelayFrame,
  type ScanFrame,
} from '../../shared/relay-protocol'
import type { RelayCampaign } from '../../shared/campaign'
import { onCleanup } from './helpers'

export interface FakeConn {
  hello: HelloFrame
  /** Frames sent together in one socket write (so they arrive in one read). */
  send(...frames: RelayFrame[]): void
  /** Sends `text` as one text frame, as it is: for malformed or unknown frames. */
  sendRaw(text: string): void
  /** Drops the connection without a close frame (venue Wi-Fi). */
  cut(): void
  open(): boolean
}

export interface FakeV2Relay {
  url: string
  hellos: HelloFrame[]
  /** Every frame the kiosk sent after its hello, in order. */
  received: KioskFrame[]
  onHello(fn: (c: FakeConn) => void): void
  onFrame(fn: (c: FakeConn, f: KioskFrame) => void): void
  current(): FakeConn | null
  close(): Promise<void>
}

/** The fields of a contract v1 hello: a v1 relay checks it strictly and refuses any other. */
const V1_HELLO_FIELDS = new Set(['type', 'kioskId', 'epoch', 'lastSeq'])

/**
 * `v1Hello`: behave as a relay from before contract v2 did (e.g. a57c5b5) at a hello with any
 * other field: close 4400 "bad frame" without a welcome, hearing nothing of it.
 */
/**
 * `clock`: the relay's clock, sent as the upgrade's `Date` as the real relay does
 * (relay/kiosk-hub.ts); without it no `Date` goes, and the kiosk keeps its own clock.
 */
export async function fakeV2Relay(
  o: { v1Hello?: boolean; clock?: () => number } = {},
): Promise<FakeV2Relay> {
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/api/tickets') {
      const nonce = randomBytes(9)
        .toString('base64url')
        .replace(/[^a-z0-9]/gi, 'x')
      const ticket = {
        ticket: `t-${nonce}`,
        url: `https://weixin.qq.com/q/${nonce}`,
        scene: `booth-1:${nonce}`,
        expireSeconds: 600,
        createdAt: Date.now(),
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(JSON.stringify({ tickets: [ticket] }))
    }
    res.writeHead(503).end()
  })
  const wss = new WebSocketServer({ noServer: true })
  const clock = o.clock
  if (clock !== undefined) {
    wss.on('headers', (headers: string[]) => {
      headers.push(`Date: ${new Date(clock()).toUTCString()}`)
    })
  }
  const sockets = new Set<Socket>()
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  const hellos: HelloFrame[] = []
  const received: KioskFrame[] = []
  let helloFn: (c: FakeConn) => void = () => {}
  let frameFn: (c: FakeConn, f: KioskFrame) => void = () => {}
  let current: FakeConn | null = null
  server.on('upgrade', (req, socket: Socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      let conn: FakeConn | null = null
      ws.on('message', (data) => {
        const text = Array.isArray(data)
          ? Buffer.concat(data).toString('utf8')
          : Buffer.isBuffer(data)
            ? data.toString('utf8')
            : Buffer.from(new Uint8Array(data)).toString('utf8')
        const frame = kioskFrameSchema.parse(JSON.parse(text))
        if (frame.type === 'hello') {
          hellos.push(frame)
          if (o.v1Hello === true && Object.keys(frame).some((k) => !V1_HELLO_FIELDS.has(k))) {
            return ws.close(4400, 'bad frame')
          }
          conn = {
            hello: frame,
            send: (...frames) => {
              if (ws.readyState !== ws.OPEN) return
              socket.cork()
              for (const f of frames) ws.send(JSON.stringify(f))
              process.nextTick(() => socket.uncork())
            },
            sendRaw: (text) => {
              if (ws.readyState === ws.OPEN) ws.send(text)
            },
            cut: () => ws.terminate(),
            open: () => ws.readyState === ws.OPEN,
          }
          current = conn
          helloFn(conn)
          return
        }
        received.push(frame)
        if (conn) frameFn(conn, frame)
      })
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  const close = async (): Promise<void> => {
    for (const c of wss.clients) c.terminate()
    for (const s of sockets) s.destroy()
    await new Promise<void>((r) => server.close(() => r()))
  }
  onCleanup(() => (server.listening ? close() : undefined))
  return {
    url: `http://127.0.0.1:${port}`,
    hellos,
    received,
    onHello: (fn) => (helloFn = fn),
    onFrame: (fn) => (frameFn = fn),
    current: () => current,
    close,
  }
}

/** A numbered scan frame as the relay sends it; `o` changes any field (the scene, the number…). */
export function scanFrame(seq: number, o: Partial<ScanFrame> = {}): ScanFrame {
  const receivedAt = o.receivedAt ?? Date.now()
  return {
    type: 'scan',
    seq,
    id: `ev-${seq}`,
    event: 'scan',
    openid: `o_${seq}`,
    scene: `booth-1:unknown${seq}`,
    ticket: 't',
    // Scanned as WeChat pushed it, at once (a CreateTime minutes before is a late push).
    createTime: Math.floor(receivedAt / 1000),
    receivedAt,
    ...o,
  }
}

export function relayCampaign(overrides: Partial<RelayCampaign> = {}): RelayCampaign {
  const texts = (lang: string) => ({
    first: `${lang} first #{number}`,
    returning: `${lang} welcome back #{number}`,
    named: `${lang} hello {name} #{number}`,
  })
  return {
    id: 'expo-2026',
    name: 'Expo 2026',
    startsAt: '2026-12-01',
    endsAt: '2026-12-03',
    rotationSeconds: 60,
    ticketTtlSeconds: 600,
    mode: 'booth',
    greetings: { 'zh-CN': texts('zh'), en: texts('en') },
    reply: { subscribe: 'Thanks for following', scan: 'Welcome' },
    tag: null,
    followUp: null,
    stamps: [],
    ...overrides,
  }
}
