/**
 * A TCP forwarder standing in for the venue network between the kiosk and the relay: the test
 * can cut it (every connection dropped, new ones closed at once and counted, so a test can wait
 * for the kiosk's reconnect attempts) and bring it back.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'

export interface TcpLink {
  port: number
  /** Connections tried while the link was cut. */
  refused(): number
  cut(): Promise<void>
  restore(): Promise<void>
  close(): Promise<void>
}

export async function startTcpLink(targetPort: number): Promise<TcpLink> {
  const sockets = new Set<Socket>()
  let down = false
  let refused = 0

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
    const upstream = connect(targetPort, '127.0.0.1')
    track(client)
    track(upstream)
    client.pipe(upstream).pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
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
    close: async () => {
      await cut()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
