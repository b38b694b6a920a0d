// A bare websocket server standing in for the relay, for tests of the kiosk's link alone: the
// server, its address and its cleanup here; what each upgrade gets is the test's.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { onCleanup } from './helpers'

/** Takes one upgrade: `wss.handleUpgrade(req, socket, head, …)` accepts it; or refuse on `socket`. */
export type UpgradeHandler = (
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
) => void

/**
 * Listens on 127.0.0.1 (port 0) and returns its http:// address; at the test's cleanup every
 * socket is cut and the server closed.
 */
export async function relayStandIn(onUpgrade: UpgradeHandler): Promise<string> {
  const server = createServer()
  const wss = new WebSocketServer({ noServer: true })
  server.on('upgrade', (req, socket, head) => {
    // Node's server stops listening for the socket's errors when it hands it to 'upgrade': a
    // kiosk that resets a refusal's socket (`socket.end(...)` below) must not be an uncaught
    // ECONNRESET that fails the run.
    socket.on('error', () => socket.destroy())
    onUpgrade(wss, req, socket, head)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  onCleanup(async () => {
    for (const c of wss.clients) c.terminate()
    await new Promise<void>((r) => server.close(() => r()))
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Accepts the upgrade and answers the kiosk's hello with a welcome (epoch ep1, head 0). */
export function welcomeHello(
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  welcomed: (ws: WebSocket) => void,
): void {
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.once('message', () => {
      ws.send(JSON.stringify({ type: 'welcome', epoch: 'ep1', headSeq: 0 }))
      welcomed(ws)
    })
  })
}

/**
 * An address that is not a relay: `status` to every request, the websocket upgrade too (the
 * upgrade's socket is ours once Node hands it over: the kiosk resetting it must not be an
 * uncaught error). Listens on 127.0.0.1 (port 0); closed at the test's cleanup.
 */
export async function refusingAddress(status: number, reason: string): Promise<string> {
  const server = createServer((_req, res) => res.writeHead(status).end())
  server.on('upgrade', (_req, socket: Duplex) => {
    socket.on('error', () => socket.destroy())
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  onCleanup(async () => {
    server.closeAllConnections()
    await new Promise<void>((r) => server.close(() => r()))
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}
