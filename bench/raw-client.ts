/**
 * The saturation bench's load generator: open-loop HTTP/1.1 POSTs over a pool of keep-alive
 * sockets, each request pre-serialized to bytes. Node's `http.request` costs the client about
 * as much CPU per request as a bare server spends answering it, so with it the floor would
 * measure the client; here a request is one `socket.write` and a response one header scan.
 * One request in flight per socket (no pipelining, as WeChat's servers send); requests due
 * while every socket is busy wait in order, and their wait counts in their latency.
 */
import { connect, type Socket } from 'node:net'
import { monoMs } from './load'

/** A request ready to send: request line, headers and body as one buffer. */
export function rawPost(path: string, body: string): Buffer {
  const b = Buffer.from(body)
  const head =
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n` +
    `Content-Length: ${b.length}\r\nConnection: keep-alive\r\n\r\n`
  return Buffer.concat([Buffer.from(head, 'latin1'), b])
}

const HEAD_END = Buffer.from('\r\n\r\n')
const CHUNKED_END = Buffer.from('\r\n0\r\n\r\n')

/**
 * The length of the first complete response in `buf` and its status, or null if `buf` holds
 * less than one response. Enough of HTTP/1.1 for our servers' answers: Content-Length or chunked.
 */
export function parseResponse(buf: Buffer): { length: number; status: number } | null {
  const end = buf.indexOf(HEAD_END)
  if (end < 0) return null
  const head = buf.toString('latin1', 0, end)
  const status = Number(head.slice(9, 12))
  const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head)
  if (cl?.[1] !== undefined) {
    const length = end + 4 + Number(cl[1])
    return buf.length >= length ? { length, status } : null
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const last = buf.indexOf(CHUNKED_END, end)
    return last < 0 ? null : { length: last + CHUNKED_END.length, status }
  }
  return { length: end + 4, status }
}

export interface OpenLoopRun {
  /** Latency of each answered request from its scheduled send time, ms. */
  latency: number[]
  /** Non-200 answers plus requests lost to a socket error or close. */
  errors: number
  /**
   * Answers per second, from the first answer to the last: a server that keeps up answers at
   * the offered rate; one that falls behind answers the last ones late.
   */
  achievedRate: number
  /** How late the schedule's last request was written, ms (the client falling behind). */
  sendLagMs: number
}

class Conn {
  buf: Buffer = Buffer.alloc(0)
  current = -1
  constructor(readonly socket: Socket) {}
}

async function openPool(port: number, n: number): Promise<Conn[]> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Conn>((resolve, reject) => {
          const s = connect(port, '127.0.0.1', () => resolve(new Conn(s)))
          s.setNoDelay(true)
          s.once('error', reject)
        }),
    ),
  )
}

/**
 * Sends `requests[i]` at `start + i / rate` whatever earlier ones did, over `sockets`
 * keep-alive connections to `port`, and waits for every answer (or socket loss).
 */
export async function rawOpenLoop(
  port: number,
  requests: readonly Buffer[],
  rate: number,
  sockets: number,
): Promise<OpenLoopRun> {
  const conns = await openPool(port, sockets)
  const count = requests.length
  const latency: number[] = []
  let errors = 0
  let settled = 0
  let lastAnswer = 0
  let firstAnswer = 0
  let sendLagMs = 0
  const idle: Conn[] = [...conns]
  let alive = conns.length
  const waiting: number[] = []
  let head = 0
  let done: () => void = () => {}
  const finished = new Promise<void>((r) => (done = r))
  const start = monoMs()
  const due = (i: number) => start + (i * 1000) / rate

  const settle = (i: number, ok: boolean) => {
    const t = monoMs()
    if (ok) latency.push(t - due(i))
    else errors++
    if (firstAnswer === 0) firstAnswer = t
    lastAnswer = t
    if (++settled === count) done()
  }
  const send = (c: Conn, i: number) => {
    c.current = i
    if (i === count - 1) sendLagMs = monoMs() - due(i)
    c.socket.write(requests[i] ?? Buffer.alloc(0))
  }
  const release = (c: Conn) => {
    c.current = -1
    if (head < waiting.length) send(c, waiting[head++] ?? 0)
    else idle.push(c)
  }
  for (const c of conns) {
    c.socket.on('data', (d: Buffer) => {
      c.buf = c.buf.length === 0 ? d : Buffer.concat([c.buf, d])
      const r = parseResponse(c.buf)
      if (r === null || c.current < 0) return
      c.buf = c.buf.subarray(r.length)
      const i = c.current
      settle(i, r.status === 200)
      release(c)
    })
    let gone = false
    const lost = () => {
      if (gone) return
      gone = true
      const at = idle.indexOf(c)
      if (at >= 0) idle.splice(at, 1)
      if (c.current >= 0) settle(c.current, false)
      c.current = -1
      if (--alive === 0 && settled < count) {
        // Every socket gone: nothing will answer the rest.
        errors += count - settled
        settled = count
        done()
      }
    }
    c.socket.on('error', lost)
    c.socket.on('close', lost)
  }

  let next = 0
  const tick = () => {
    const now = monoMs()
    while (next < count && due(next) <= now) {
      const c = idle.pop()
      if (c === undefined) waiting.push(next++)
      else send(c, next++)
    }
    if (next < count && settled < count) setTimeout(tick, 1)
  }
  tick()
  await finished
  for (const c of conns) c.socket.destroy()
  const span = lastAnswer - firstAnswer
  return {
    latency,
    errors,
    achievedRate: span > 0 ? ((count - errors - 1) * 1000) / span : 0,
    sendLagMs,
  }
}
