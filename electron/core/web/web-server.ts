// Folder web/: web mode, the kiosk in a browser on loopback. web-server.ts (here) is the bridge,
// static-files.ts serves the built renderer.
/**
 * Web mode's bridge: the built renderer plus the kiosk API on loopback only. Every API
 * request needs the per-start secret; requests whose Host is not our loopback address (DNS
 * rebinding) or whose Origin is another site are refused before anything else, so other pages
 * in the same browser cannot drive the kiosk.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { statSync } from 'node:fs'
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  errorBody,
  kioskErrorCodes,
  type KioskErrorCode,
  type ParamsArg,
} from '../../../shared/errors'
import {
  answerBodyError,
  BodyError,
  readJson,
  Router,
  sendEvent,
  sendJson,
  type RouteRequest,
} from '../../../shared/server'
import type { Greeting } from '../../../shared/domain'
import { adminEventNames, type KioskEventName } from '../../../shared/ipc'
import { rfc5987 } from '../../../shared/export/file-name'
import type { Logger } from '../../../shared/server/log'
import type { KioskCall } from '../api/kiosk-api'
import { KioskError } from '../api/kiosk-error'
import type { KioskEvents } from '../api/kiosk-events'
import { sendFile, serveStatic } from './static-files'

export interface WebBridgeTarget {
  call: KioskCall
  events: Pick<KioskEvents, 'onAny'>
  exports: { file(exportId: string): { path: string; fileName: string } | null }
  /** The recent greetings not yet shown (KioskCore.unshownGreetings), oldest first. */
  unshownGreetings(): readonly Greeting[]
  /**
   * Whether the admin area is unlocked with the PIN (an admin use: it extends the session), as
   * the dispatcher asks for every admin method: an export is the attendance sheet.
   */
  isAdminUnlocked(): boolean
  /** The same without extending the session: the admin events (adminEventNames) ask it. */
  adminSessionOpen(): boolean
}

export interface WebServerOptions {
  target: WebBridgeTarget
  secret: string
  staticDir: string
  port?: number
  log?: Logger
  /** SSE keep-alive comment interval. */
  keepAliveMs?: number
  /** The relay's origin, whose big-screen pages the kiosk screen may frame; null: none. */
  frameOrigin?: () => string | null
}

/**
 * Added to the page's own <meta> policy (browsers enforce both): frames only from the relay
 * (the big screen), and what a <meta> tag cannot say.
 */
export function webPolicy(frameOrigin: string | null): string {
  return [
    `frame-src ${frameOrigin ?? "'none'"}`,
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'none'",
  ].join('; ')
}

export interface WebServer {
  url: string
  /** The address to open: includes the secret. */
  kioskUrl: string
  port: number
  close(): Promise<void>
}

const MAX_BODY = 16 * 1024 * 1024

export function newWebSecret(): string {
  return randomBytes(24).toString('base64url')
}

/**
 * The web server's port, taken before the kiosk is set up: the listen itself is the check that
 * it is free (`kiosk web` says so and stops before making a PIN or spending a pairing code), and
 * nothing else can take the port while the kiosk starts. Until `serve`, every request is
 * answered 503.
 */
export interface WebListener {
  /** The port taken: the one asked for, or the free one given for 0. */
  port: number
  /** Serves the bridge on the port taken. */
  serve(o: Omit<WebServerOptions, 'port'>): WebServer
  /** Lets the port go unserved (the kiosk did not start). */
  close(): Promise<void>
}

/** Listens on 127.0.0.1:`port` (0: any free one); rejects with the listen's error (EADDRINUSE). */
export async function listenWeb(port = 0): Promise<WebListener> {
  const sockets = new Set<ServerResponse>()
  let handler: RequestListener = (_req, res) => {
    res
      .writeHead(503, {
        'content-type': 'text/plain; charset=utf-8',
        'x-content-type-options': 'nosniff',
        'retry-after': '1',
      })
      .end('the kiosk is starting')
  }
  const server = createServer((req, res) => handler(req, res))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    // Loopback only: web mode is for this machine's browser, never the venue network.
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const taken = (server.address() as AddressInfo).port
  const close = async () => {
    for (const r of sockets) r.end()
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeAllConnections()
    await closed
  }
  return {
    port: taken,
    serve: (o) => {
      handler = bridge(o, taken, sockets)
      const url = `http://127.0.0.1:${taken}`
      return { url, port: taken, kioskUrl: `${url}/?key=${encodeURIComponent(o.secret)}`, close }
    },
    close,
  }
}

export async function startWebServer(o: WebServerOptions): Promise<WebServer> {
  return (await listenWeb(o.port ?? 0)).serve(o)
}

/** The bridge's answers on `port`; its open event streams are kept in `sockets` (ended on close). */
function bridge(
  o: Omit<WebServerOptions, 'port'>,
  port: number,
  sockets: Set<ServerResponse>,
): RequestListener {
  const secret = Buffer.from(o.secret, 'utf8')

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`])
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`])
  const keyMatches = (candidate: string | null | undefined): boolean => {
    if (!candidate) return false
    const c = Buffer.from(candidate, 'utf8')
    return c.length === secret.length && timingSafeEqual(c, secret)
  }

  const listener: RequestListener = (req, res) => {
    res.setHeader('x-content-type-options', 'nosniff')
    // The secret rides in the page URL: never send it on as a Referer.
    res.setHeader('referrer-policy', 'no-referrer')
    res.setHeader('x-frame-options', 'DENY')
    handle(req, res).catch((err: unknown) => {
      o.log?.error('web bridge: request failed', {
        error: err instanceof Error ? err.message : String(err),
      })
      if (!res.headersSent) sendError(res, 'internal')
      else res.destroy()
    })
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts().has(req.headers.host ?? '')) {
      return void res.writeHead(421, { 'content-type': 'text/plain' }).end('wrong host')
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`)
    if (!url.pathname.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end()
      res.setHeader('content-security-policy', webPolicy(o.frameOrigin?.() ?? null))
      return serveStatic(o.staticDir, url.pathname, res, req.method === 'HEAD')
    }
    const origin = req.headers.origin
    const fetchSite = req.headers['sec-fetch-site']
    // Only our own page (same-origin) or a request no browser page made (header absent, or
    // 'none' for a typed address). 'same-site' matters: another port on 127.0.0.1 is the same
    // site to the browser, and its no-cors GETs carry no Origin header.
    const pageOk = fetchSite === undefined || fetchSite === 'same-origin' || fetchSite === 'none'
    if ((origin !== undefined && !allowedOrigins().has(origin)) || !pageOk) {
      return sendError(res, 'foreign_origin')
    }
    res.setHeader('cache-control', 'no-store')
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    if (!keyMatches(bearer ?? url.searchParams.get('key'))) {
      // RFC 9110 15.5.2: a 401 names how to authenticate; Bearer is the header the page sends
      // (no browser answers it with a password dialog).
      res.setHeader('www-authenticate', 'Bearer realm="scandesk-kiosk"')
      return sendError(res, 'web_key_rejected')
    }
    return api.handle(req, res, url)
  }

  const api = new Router({
    notFound: ({ res }) => sendError(res, 'not_found'),
    methodNotAllowed: ({ res }) => void res.writeHead(405).end(),
  })
    .add('POST', '/api/call/:name', callMethod, { name: /^[A-Za-z]{1,64}$/ })
    .add('GET', '/api/events', ({ req, res }) => streamEvents(req, res))
    // HEAD: the export page asks first, so a file no longer there is said on the page rather
    // than only as "failed" in the browser's download bar.
    .add(
      ['GET', 'HEAD'],
      '/api/exports/:id',
      ({ req, res, params }) => download(params.id ?? '', req.method === 'HEAD', res),
      { id: /^[\w-]{1,64}$/ },
    )

  async function callMethod({ req, res, params }: RouteRequest): Promise<void> {
    // JSON only: a cross-site form post cannot send it without a (refused) preflight.
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
      return sendError(res, 'bad_input', { field: 'content-type' }, 415)
    }
    let body: unknown
    try {
      body = await readJson(req, MAX_BODY)
    } catch (err) {
      if (!(err instanceof BodyError)) throw err
      return answerBodyError(res, err, (status) =>
        status === 413
          ? sendError(res, 'body_too_large')
          : sendError(res, 'bad_input', { field: 'body' }),
      )
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return sendError(res, 'bad_input', { field: 'body' })
    }
    try {
      const result = await o.target.call(params.name ?? '', (body as { input?: unknown }).input)
      sendJson(res, 200, { result })
    } catch (err) {
      // Code and params only: the English detail stays in the core's log.
      const e: KioskError =
        err instanceof KioskError ? (err as KioskError) : new KioskError('internal', 'call failed')
      sendJson(res, kioskErrorCodes[e.code].status, { error: e.body })
    }
  }

  function streamEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    })
    res.write('retry: 2000\n\n')
    sockets.add(res)
    const send = (name: KioskEventName, payload: unknown) => {
      // The admin area's data (every check-in's openid and name, an export's download) only
      // while it is unlocked: the key alone is the kiosk screen's.
      if (adminEventNames.has(name) && !o.target.adminSessionOpen()) return
      sendEvent(res, `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`)
    }
    // Events are not numbered or sent again: what was emitted while this page had no stream
    // (reconnecting, loading) is gone, but a visitor's greeting still matters while they are at
    // the booth. The recent ones not yet shown come first (the page ignores those it has seen),
    // then everything from now on, in the same turn so nothing falls between.
    for (const greeting of o.target.unshownGreetings()) send('greeting', greeting)
    const off = o.target.events.onAny(send)
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), o.keepAliveMs ?? 15_000)
    req.on('close', () => {
      off()
      clearInterval(keepAlive)
      sockets.delete(res)
    })
  }

  function download(exportId: string, headOnly: boolean, res: ServerResponse): void {
    // The key is the kiosk screen's; the sheet (every visitor's openid and name) is the admin
    // area's, which listAttendance and startExport need the PIN for. Checked first, so a page
    // with the admin area locked learns nothing of which exports exist.
    if (!o.target.isAdminUnlocked()) return sendError(res, 'admin_locked')
    const file = o.target.exports.file(exportId)
    // Gone from the folder since it was written (cleared by hand, a disk cleanup): not found,
    // as one this kiosk never made, not a failed read halfway into the answer.
    const size = file ? fileSize(file.path) : null
    if (!file || size === null) return sendError(res, 'not_found')
    const type = file.fileName.endsWith('.xlsx')
      ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
      : 'text/csv; charset=utf-8'
    res.writeHead(200, {
      'content-type': type,
      'content-length': size,
      'content-disposition': `attachment; filename="${file.fileName.replace(/[^\w.-]/g, '_')}"; filename*=UTF-8''${rfc5987(file.fileName)}`,
    })
    if (headOnly) return void res.end()
    sendFile(file.path, res, (err) =>
      o.log?.warn('web bridge: export download failed', { exportId, error: err.message }),
    )
  }

  return listener
}

/** The size of what is at `path`, or null when nothing is (or it cannot be looked at). */
function fileSize(path: string): number | null {
  try {
    return statSync(path).size
  } catch {
    return null
  }
}

/** A refusal as `{error: {code, params}}` (shared/errors.ts), with the code's HTTP status. */
function sendError<C extends KioskErrorCode>(
  res: ServerResponse,
  code: C,
  params?: ParamsArg<C>[0],
  status: number = kioskErrorCodes[code].status,
): void {
  sendJson(res, status, { error: errorBody(code, ...([params] as ParamsArg<C>)) })
}
