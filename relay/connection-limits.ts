/**
 * Limits on the relay's HTTP connections. Node checks the headers and request deadlines of
 * open connections only every `connectionsCheckingInterval` (30 s by default), so a 10 s
 * deadline could hold an idle socket for 40 s: the interval is derived from the deadlines.
 */
import { readFileSync } from 'node:fs'
import type { Server, ServerOptions } from 'node:http'
import { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { RelayConfig } from './config'
import type { BodyPace } from './http-util'
import type { Logger } from './log'
import type { RelayMetrics } from './metrics'

/**
 * File descriptors kept free for everything but inbound connections: stdio, the SQLite file,
 * its WAL and shared memory, the Redis connections, libuv's own, outgoing HTTPS to WeChat.
 */
export const RESERVED_FDS = 128

/** How often Node looks for connections past their deadline: a quarter of the shortest. */
export function checkingIntervalMs(c: Pick<RelayConfig, 'headersTimeoutMs' | 'requestTimeoutMs'>) {
  return Math.max(
    25,
    Math.min(1000, Math.floor(Math.min(c.headersTimeoutMs, c.requestTimeoutMs) / 4)),
  )
}

/**
 * The open-file limit of this process (Node raises the soft limit to the hard one at start),
 * from /proc on Linux; null where that cannot be read.
 */
export function openFileLimit(read: (path: string) => string = (p) => readFileSync(p, 'utf8')) {
  try {
    const line = read('/proc/self/limits')
      .split('\n')
      .find((l) => l.startsWith('Max open files'))
    const soft = line?.split(/\s+/)[3]
    if (soft === undefined || !/^[0-9]+$/.test(soft)) return null
    return Number(soft)
  } catch {
    return null
  }
}

/**
 * The connection cap: the configured one, lowered so that a full house of connections leaves
 * the store and WeChat their descriptors (else the next push fails with EMFILE, not a refusal).
 */
export function connectionCap(configured: number, fileLimit: number | null): number {
  if (fileLimit === null) return configured
  return Math.max(1, Math.min(configured, fileLimit - RESERVED_FDS))
}

/**
 * The least average rate of a file upload (a roster) once its first `uploadIdleTimeoutMs` is
 * past: 4 KiB/s, a tenth of a badly shared 1 Mbit/s uplink; 10 MiB at this rate is 43 minutes.
 */
export const UPLOAD_MIN_BYTES_PER_SECOND = 4096

/** Every request body but a file upload's: whole within `requestTimeoutMs` of its reading. */
export function requestBodyPace(c: Pick<RelayConfig, 'requestTimeoutMs'>): BodyPace {
  return { totalMs: c.requestTimeoutMs }
}

/**
 * A file upload's (relay/README.md "Connections"): as long as it keeps coming, up to
 * `uploadTimeoutMs` in all; cut when no byte came for `uploadIdleTimeoutMs`, or when after that
 * long it averages under UPLOAD_MIN_BYTES_PER_SECOND.
 */
export function uploadBodyPace(
  c: Pick<RelayConfig, 'uploadIdleTimeoutMs' | 'uploadTimeoutMs'>,
): BodyPace {
  return {
    totalMs: c.uploadTimeoutMs,
    idleMs: c.uploadIdleTimeoutMs,
    minBytesPerSecond: UPLOAD_MIN_BYTES_PER_SECOND,
  }
}

/**
 * What `createServer` takes of the config; the checking interval can only be set here. Node's
 * request deadline is one for the whole server, so it is the longest a request may take (a file
 * upload's); each body is held to its own pace as it is read (`requestBodyPace`,
 * `uploadBodyPace`), and an answer given without reading the body closes the connection.
 */
export function httpServerOptions(c: RelayConfig): ServerOptions {
  return {
    headersTimeout: c.headersTimeoutMs,
    requestTimeout: Math.max(c.requestTimeoutMs, c.uploadTimeoutMs),
    keepAliveTimeout: c.keepAliveTimeoutMs,
    connectionsCheckingInterval: checkingIntervalMs(c),
  }
}

/** The idle timeout and the connection cap, and a count of connections refused at the cap. */
export function limitConnections(
  server: Server,
  c: RelayConfig,
  deps: { log: Logger; metrics: RelayMetrics },
): void {
  // Without a 'timeout' listener Node destroys a socket idle this long.
  server.timeout = c.idleTimeoutMs
  server.keepAliveTimeout = c.keepAliveTimeoutMs
  const limit = openFileLimit()
  server.maxConnections = connectionCap(c.maxConnections, limit)
  if (server.maxConnections < c.maxConnections) {
    deps.log.warn('connection cap lowered to fit the open-file limit', {
      maxConnections: server.maxConnections,
      configured: c.maxConnections,
      openFileLimit: limit,
    })
  }
  server.on('drop', () => deps.metrics.countRefusedConnection())
}

/** An upgraded (kiosk websocket) socket lives as long as its ping/pong says. */
export function exemptFromIdleTimeout(socket: Duplex): void {
  if (socket instanceof Socket) socket.setTimeout(0)
}
