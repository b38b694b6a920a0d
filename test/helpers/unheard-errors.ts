/**
 * Vitest setup (vitest.config.ts `setupFiles`): a socket 'error' that nobody listens for is
 * thrown by Node as an uncaught exception, and vitest then fails the run even when every test
 * passed. Such an error ("read ECONNRESET") carries no stack of ours, so the report said which
 * file was running but not which socket. Here its message is given where the socket came from:
 * the stack that opened it (a client), the request a server's 'upgrade' listener was handed it
 * for (Node's server stops listening for that socket's errors there), and the stack that started
 * the server that accepted it. Nothing is caught or hidden: the error is thrown as before, only
 * better named, and only when it was going to be uncaught anyway.
 */
import { Server as HttpServer, type IncomingMessage } from 'node:http'
import { Server as HttpsServer } from 'node:https'
import { Server as NetServer, Socket } from 'node:net'

/** Once per worker: setup files run again for every test file, on the same built-in modules. */
const PATCHED = Symbol.for('scandesk.test.unheardSocketErrors')

type Marked = typeof globalThis & { [PATCHED]?: true }

/** Where each client socket came from, as said in its unheard error. */
const origins = new WeakMap<Socket, string>()
/** What a server's 'upgrade' listener was handed each upgraded socket for. */
const upgrades = new WeakMap<Socket, string>()
/** The stack that started each server listening: the test (or helper) that owns it. */
const listenedAt = new WeakMap<NetServer, string>()

/** The stack that called `connect` or `listen`, less this file's frame. */
function openedAt(): string {
  const stack = new Error().stack ?? ''
  return stack.split('\n').slice(3).join('\n')
}

/** A socket a server accepted: which server, and what it was upgraded for if it was. */
function accepted(s: Socket): string {
  const { server } = s as Socket & { server?: unknown }
  const upgrade = upgrades.get(s)
  const by =
    server instanceof NetServer && listenedAt.has(server)
      ? `the server that listened at:\n${listenedAt.get(server) ?? ''}`
      : `a server (local ${s.localAddress ?? '?'}:${s.localPort ?? '?'}, remote ${s.remoteAddress ?? '?'}:${s.remotePort ?? '?'})`
  return upgrade === undefined
    ? `a socket accepted by ${by}`
    : `a socket ${upgrade}; accepted by ${by}`
}

/** The error's message (and the first line of its stack) with `note` after it. */
function annotate(err: Error, note: string): void {
  const before = err.message
  err.message = `${before} [${note}]`
  if (typeof err.stack === 'string' && before !== '') {
    err.stack = err.stack.replace(before, err.message)
  }
}

type Method = (this: unknown, ...args: unknown[]) => unknown

/** Puts `around(original)` in place of `proto[name]`. */
function wrap(proto: object, name: string, around: (original: Method) => Method): void {
  const original: unknown = Reflect.get(proto, name)
  if (typeof original !== 'function') throw new Error(`nothing to wrap at ${name}`)
  Object.defineProperty(proto, name, {
    configurable: true,
    writable: true,
    value: around(original as Method),
  })
}

function patch(): void {
  const marked = globalThis as Marked
  if (marked[PATCHED] === true) return
  marked[PATCHED] = true

  wrap(
    Socket.prototype,
    'connect',
    (connect) =>
      function (this: unknown, ...args: unknown[]) {
        if (this instanceof Socket && !origins.has(this)) {
          origins.set(this, `a socket opened at:\n${openedAt()}`)
        }
        return connect.apply(this, args)
      },
  )

  wrap(
    NetServer.prototype,
    'listen',
    (listen) =>
      function (this: unknown, ...args: unknown[]) {
        if (this instanceof NetServer) listenedAt.set(this, openedAt())
        return listen.apply(this, args)
      },
  )

  for (const proto of [HttpServer.prototype, HttpsServer.prototype]) {
    wrap(
      proto,
      'emit',
      (emit) =>
        function (this: unknown, ...args: unknown[]) {
          const [event, req, socket] = args
          if (event === 'upgrade' && socket instanceof Socket) {
            const r = req as IncomingMessage
            upgrades.set(
              socket,
              `handed to an 'upgrade' listener (for ${r.method ?? '?'} ${r.url ?? '?'}), which must listen for its errors itself`,
            )
          }
          return emit.apply(this, args)
        },
    )
  }

  wrap(
    Socket.prototype,
    'emit',
    (emit) =>
      function (this: unknown, ...args: unknown[]) {
        const [event, err] = args
        if (
          event === 'error' &&
          err instanceof Error &&
          this instanceof Socket &&
          this.listenerCount('error') === 0
        ) {
          annotate(err, `no 'error' listener on ${origins.get(this) ?? accepted(this)}`)
        }
        return emit.apply(this, args)
      },
  )
}

patch()
