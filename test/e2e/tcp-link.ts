/**
 * A TCP forwarder standing in for the venue network between the kiosk and the relay: the test
 * can cut it (every connection dropped, new ones closed at once and counted, so a test can wait
 * for the kiosk's reconnect attempts) and bring it back, or stall it (the connections open now
 * go silent without a word, new ones pass), or slow what the client sends to a trickle (a venue
 * uplink: a roster upload that takes a while).
 */
import { connect, createServer, type Server, type Socket } from 'node:net'
import { Transform } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { pacer } from '../helpers/pace'

export interface TcpLink {
  port: number
  /** Connections tried while the link was cut. */
  refused(): number
  cut(): Promise<void>
  restore(): Promise<void>
  /**
   * The connections open now carry nothing more either way, and neither end hears of it (no
   * FIN, no reset: a venue Wi-Fi switch, a proxy's idle cut, a laptop asleep), even when the
   * other end closes; connections made after it pass as before.
   */
  stall(): Promise<void>
  /**
   * From now on what clients send passes at about `bytesPerSecond` (null: at full speed again;
   * 0: held until the rate changes), on the connections open now and new ones; what the other
   * end answers is not slowed.
   */
  throttle(bytesPerSecond: number | null): void
  /** Connections accepted so far (made through the link, stalled ones included). */
  accepted(): number
  close(): Promise<void>
}

export async function startTcpLink(targetPort: number): Promise<TcpLink> {
  const sockets = new Set<Socket>()
  let down = false
  let refused = 0
  let accepted = 0
  let rate: number | null = null
  /** Passes a chunk on at `rate` while it is set, by the clock (see pacer). */
  const paced = (): Transform => {
    const pace = pacer(() => rate)
    return new Transform({
      transform(chunk: Buffer, _encoding, done) {
        void (async () => {
          for (let at = 0; at < chunk.length;) {
            const piece = pace.take(chunk.length - at)
            if (piece > 0) {
              this.push(chunk.subarray(at, at + piece))
              at += piece
            }
            if (at < chunk.length) await sleep(50)
          }
        })().then(() => done(), done)
      },
    })
  }
  /** Each live pair's stall: stops forwarding and keeps either end from hearing a close. */
  const stalls = new Set<() => void>()

  const track = (s: Socket): void => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => s.destroy())
  }

  const server: Server = createServer((client) => {
    if (down) {
      refused++
      client.on('error', () => {})
      client.destroy()
      return
    }
    accepted++
    const upstream = connect(targetPort, '127.0.0.1')
    track(client)
    track(upstream)
    const up = paced()
    client.pipe(up).pipe(upstream)
    upstream.pipe(client)
    let stalled = false
    const stall = (): void => {
      stalled = true
      client.unpipe(up)
      up.unpipe(upstream)
      upstream.unpipe(client)
      client.pause()
      upstream.pause()
    }
    stalls.add(stall)
    client.on('close', () => {
      stalls.delete(stall)
      if (!stalled) upstream.destroy()
    })
    upstream.on('close', () => {
      stalls.delete(stall)
      if (!stalled) client.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0

  const cut = (): Promise<void> => {
    down = true
    for (const socket of sockets) socket.destroy()
    return Promise.resolve()
  }

  return {
    port,
    refused: () => refused,
    cut,
    restore: () => {
      down = false
      return Promise.resolve()
    },
    stall: () => {
      for (const stall of [...stalls]) stall()
      stalls.clear()
      return Promise.resolve()
    },
    throttle: (bytesPerSecond) => {
      rate = bytesPerSecond
    },
    accepted: () => accepted,
    close: async () => {
      await cut()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
