// The setup file unheard-errors.ts: an error emitted on a socket nobody listens for names the
// socket. Emitted here by hand, so EventEmitter throws it to the test rather than the run.
import { createServer } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { afterEach, expect, it } from 'vitest'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A loopback HTTP server whose upgrades are handed to the test (with a listener meanwhile). */
async function upgradeServer(): Promise<{ port: number; upgraded: Promise<Socket> }> {
  const server = createServer()
  const held = new Set<Socket>()
  const upgraded = new Promise<Socket>((resolve) =>
    server.on('upgrade', (_req, socket: Socket) => {
      socket.on('error', () => socket.destroy())
      held.add(socket)
      resolve(socket)
    }),
  )
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  cleanups.push(async () => {
    // An upgraded socket is no longer the server's to close.
    for (const s of held) s.destroy()
    server.closeAllConnections()
    await new Promise<void>((r) => server.close(() => r()))
  })
  return { port: (server.address() as AddressInfo).port, upgraded }
}

function client(port: number): Socket {
  const socket = connect(port, '127.0.0.1')
  socket.on('error', () => socket.destroy())
  cleanups.push(() => void socket.destroy())
  return socket
}

/** What `socket` throws for an 'error' emitted with no listener on it. */
function unheard(socket: Socket, message: string): unknown {
  socket.removeAllListeners('error')
  try {
    socket.emit('error', Object.assign(new Error(message), { code: 'ECONNRESET' }))
  } catch (err) {
    return err
  } finally {
    socket.on('error', () => socket.destroy())
  }
  return null
}

it('names the stack that opened a client socket', async () => {
  const { port } = await upgradeServer()
  const socket = client(port)
  await new Promise<void>((r) => socket.once('connect', () => r()))
  const err = unheard(socket, 'read ECONNRESET')
  expect(err).toBeInstanceOf(Error)
  expect((err as Error).message).toMatch(
    /^read ECONNRESET \[no 'error' listener on a socket opened at:/,
  )
  expect((err as Error).message).toContain('unheard-errors.test.ts')
  expect((err as Error & { code?: string }).code).toBe('ECONNRESET')
})

it("names the upgrade and the server for a socket handed to 'upgrade'", async () => {
  const { port, upgraded } = await upgradeServer()
  client(port).write(
    'GET /kiosk HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
  )
  const err = unheard(await upgraded, 'read ECONNRESET')
  const message = (err as Error).message
  expect(message).toMatch(/'upgrade' listener \(for GET \/kiosk\)/)
  expect(message).toMatch(/accepted by the server that listened at:\n.*unheard-errors\.test\.ts/)
})

it('leaves an error someone listens for as it was', async () => {
  const { port } = await upgradeServer()
  const socket = client(port)
  const heard = new Promise<Error>((r) => socket.once('error', r))
  socket.emit('error', new Error('read ECONNRESET'))
  expect((await heard).message).toBe('read ECONNRESET')
})
