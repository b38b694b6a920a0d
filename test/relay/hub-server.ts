/**
 * A KioskHub alone on its own loopback server (port 0), for the hub's tests that need no
 * relay around it: the upgrade handed to the hub, nothing else served.
 */
import { createServer, type IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { KioskHub, type KioskHubOptions } from '../../relay/kiosk-hub'
import { RelayCloseCode } from '../../shared/relay-protocol'

export interface HubServer {
  url: string
  hub: KioskHub
  /** Sockets the server holds open. */
  connections: () => Promise<number>
  /** Closes the hub (sockets ended within `waitMs`, the hub's default if not given), then the server. */
  close: (waitMs?: number) => Promise<void>
}

export async function serveKioskHub(options: KioskHubOptions): Promise<HubServer> {
  const hub = new KioskHub(options)
  const server = createServer()
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    hub.handleUpgrade(req, socket, head),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return {
    url: `http://127.0.0.1:${address.port}`,
    hub,
    connections: () =>
      new Promise<number>((resolve, reject) =>
        server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
      ),
    close: async (waitMs) => {
      await hub.close(RelayCloseCode.goingAway, waitMs)
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
