/**
 * `coalescedFrames`: the frames a session sends in one turn leave the relay in one write,
 * in order, and a frame sent in a later turn is not held back.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { coalescedFrames } from '../../relay/kiosk-hub'
import type { FrameSocket } from '../../relay/kiosk-session'

interface Pair {
  frames: FrameSocket
  /** Writes the relay's socket handed to the kernel (one `_write` or `_writev` each). */
  writes: () => number
  received: string[]
  /** Resolves once the client holds `n` messages. */
  until: (n: number) => Promise<void>
}

const servers: Server[] = []
const clients: WebSocket[] = []

afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate()
  await Promise.all(
    servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  )
})

/** A ws server on loopback whose one connection is wrapped (or not) by `coalescedFrames`. */
async function pair(wrap: boolean): Promise<Pair> {
  const wss = new WebSocketServer({ noServer: true })
  const server = createServer()
  servers.push(server)
  let writes = 0
  const accepted = new Promise<FrameSocket>((resolve) => {
    server.on('upgrade', (req, socket: Duplex, head) => {
      // Count what reaches the socket's own writers, after any corking.
      const s = socket as Socket & {
        _write: (...args: unknown[]) => void
        _writev: (...args: unknown[]) => void
      }
      const write = s._write.bind(s)
      const writev = s._writev.bind(s)
      s._write = (...args) => {
        writes++
        write(...args)
      }
      s._writev = (...args) => {
        writes++
        writev(...args)
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const send = (data: string, cb: (err?: Error | null) => void) => ws.send(data, cb)
        resolve(
          wrap
            ? coalescedFrames(ws, socket)
            : {
                get bufferedAmount() {
                  return ws.bufferedAmount
                },
                send,
                close: (code, reason) => ws.close(code, reason),
              },
        )
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  const client = new WebSocket(`ws://127.0.0.1:${port}/`)
  client.on('error', () => client.terminate())
  clients.push(client)
  const received: string[] = []
  const waiters: Array<() => void> = []
  client.on('message', (data: Buffer) => {
    received.push(data.toString('utf8'))
    for (const w of waiters.splice(0)) w()
  })
  const frames = await accepted
  await new Promise<void>((resolve) => client.once('open', () => resolve()))
  const until = async (n: number) => {
    while (received.length < n) await new Promise<void>((resolve) => waiters.push(resolve))
  }
  return { frames, writes: () => writes, received, until }
}

const sendAll = (f: FrameSocket, texts: string[]) => {
  for (const t of texts) f.send(t, () => {})
}

describe('coalescedFrames', () => {
  const ten = Array.from({ length: 10 }, (_, i) => JSON.stringify({ type: 'scan', seq: i + 1 }))

  // Through ws alone (the control) the same ten frames are ten writes.
  it.each([
    [true, 1],
    [false, 10],
  ])(
    'ten frames of one turn, coalesced: %s, reach the client in order in %i write(s)',
    async (wrap, writes) => {
      const p = await pair(wrap)
      const before = p.writes()
      sendAll(p.frames, ten)
      await p.until(10)
      expect(p.received).toEqual(ten)
      expect(p.writes() - before).toBe(writes)
    },
  )

  it('does not hold a frame sent in a later turn, and counts what is buffered', async () => {
    const p = await pair(true)
    sendAll(p.frames, ten.slice(0, 3))
    // Corked until the next tick: the three frames wait in the socket.
    expect(p.frames.bufferedAmount).toBeGreaterThan(0)
    await p.until(3)
    await new Promise((resolve) => setImmediate(resolve))
    const before = p.writes()
    sendAll(p.frames, ten.slice(3, 4))
    await p.until(4)
    expect(p.received).toEqual(ten.slice(0, 4))
    expect(p.writes() - before).toBe(1)
    // And a later turn's batch is coalesced too, not only the first.
    await new Promise((resolve) => setImmediate(resolve))
    const later = p.writes()
    sendAll(p.frames, ten.slice(4))
    await p.until(10)
    expect(p.received).toEqual(ten)
    expect(p.writes() - later).toBe(1)
  })

  it('calls back every send (with null, as Node does), and closes the WebSocket', async () => {
    const p = await pair(true)
    const done: Array<Error | null | undefined> = []
    for (const t of ten.slice(0, 2)) p.frames.send(t, (err) => done.push(err))
    await p.until(2)
    await new Promise((resolve) => setImmediate(resolve))
    expect(done).toEqual([null, null])
    const closed = new Promise<number>((resolve) =>
      clients[0]?.once('close', (code: number) => resolve(code)),
    )
    p.frames.close(4000, 'bye')
    expect(await closed).toBe(4000)
  })
})
