/**
 * A TCP proxy on 127.0.0.1 that carries the server → client direction at a bounded rate (a
 * booth on bad Wi-Fi): what the server writes is taken at once (the server's socket never
 * fills, as behind a deep network buffer) and handed on at `bytesPerSecond`, by the clock: a
 * tick that fires late (a busy machine) hands on what the time gone allows, so the rate holds
 * under load instead of falling with the timers.
 * The client → server direction is not slowed. `throttle(null)` lifts the limit.
 * `retarget(port)` sends the connections opened after it to another port (a managed Redis's
 * endpoint moved to the new primary); those already open stay where they are.
 */
import net from 'node:net'
import { pacer, type Pacer } from './pace'

export interface ThrottleProxy {
  /** `http://127.0.0.1:<port>`: connect here instead of the server. */
  readonly url: string
  throttle(bytesPerSecond: number | null): void
  retarget(port: number): void
  close(): Promise<void>
}

const TICK_MS = 50

interface Pair {
  client: net.Socket
  server: net.Socket
  /** Server bytes not yet handed to the client. */
  queue: Buffer[]
  pace: Pacer
}

export async function throttleProxy(
  targetPort: number,
  bytesPerSecond: number | null,
): Promise<ThrottleProxy> {
  let rate = bytesPerSecond
  let target = targetPort
  const pairs = new Set<Pair>()
  const flush = (): void => {
    for (const p of pairs) {
      const queued = p.queue.reduce((sum, b) => sum + b.length, 0)
      let left = queued === 0 ? 0 : p.pace.take(queued)
      while (left > 0 && p.queue.length > 0) {
        const head = p.queue[0] as Buffer
        const n = Math.min(left, head.length)
        p.client.write(head.subarray(0, n))
        left -= n
        if (n === head.length) p.queue.shift()
        else p.queue[0] = head.subarray(n)
      }
    }
  }
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1')
    const p: Pair = { client, server: upstream, queue: [], pace: pacer(() => rate) }
    pairs.add(p)
    client.on('data', (d: Buffer) => upstream.write(d))
    upstream.on('data', (d: Buffer) => {
      p.queue.push(d)
      if (rate === null) flush()
    })
    const end = (): void => {
      pairs.delete(p)
      client.destroy()
      upstream.destroy()
    }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  })
  const timer = setInterval(flush, TICK_MS)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('proxy has no port')
  return {
    url: `http://127.0.0.1:${address.port}`,
    throttle: (bps) => {
      rate = bps
      if (bps === null) flush()
    },
    retarget: (port) => {
      target = port
    },
    close: async () => {
      clearInterval(timer)
      for (const p of pairs) {
        p.client.destroy()
        p.server.destroy()
      }
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
