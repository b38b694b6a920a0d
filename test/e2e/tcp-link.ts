/**
 * A TCP forwarder standing in for the venue network between the kiosk and the relay: the test
 * can cut it (every connection dropped, new ones refused) and bring it back on the same port.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'

export interface TcpLink {
  port: number
  cut(): Promise<void>
  restore(): Promise<void>
  close(): Promise<void>
}

export async function startTcpLink(targetPort: number): Promise<TcpLink> {
  const sockets = new Set<Socket>()
  let server: Server | null = null
  let port = 0

  const track = (s: Socket): void => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => s.destroy())
  }

  const open = (listenPort: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(targetPort, '127.0.0.1')
        track(client)
        track(upstream)
        client.pipe(upstream).pipe(client)
        client.on('close', () => upstream.destroy())
        upstream.on('close', () => client.destroy())
      })
      s.once('error', reject)
      s.listen(listenPort, '127.0.0.1', () => {
        const address = s.address()
        port = typeof address === 'object' && address ? address.port : listenPort
        server = s
        resolve()
      })
    })

  const cut = async (): Promise<void> => {
    const s = server
    server = null
    for (const socket of sockets) socket.destroy()
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
  }

  await open(0)
  return { port, cut, restore: () => open(port), close: cut }
}
