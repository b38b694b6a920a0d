/**
 * `/console/api/*`: one route table behind one guard. Every state-changing request (POST, PUT,
 * PATCH, DELETE) must come from this origin (403 otherwise, before anything else is looked
 * at); every route but login needs a live session (401 otherwise, unknown paths included, so
 * the table is not revealed). Other parts of the relay add routes (`extraRoutes`) and get the
 * same guard.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { z } from 'zod'
import type { ConsoleErrorCode } from '../../shared/console-api'
import type { RelayConfig } from '../config'
import { BodyTooLargeError, closeAfterResponse, readBody, sendApiError } from '../http-util'
import { errorMessage, type Logger } from '../log'
import type { SessionRecord } from '../store/console-types'
import type { RelayStore, StoreChange } from '../store/types'
import { crossOriginReason } from './request-origin'
import { resumeSession, sessionIdOf } from './sessions'

export const CONSOLE_API_PREFIX = '/console/api'
export type ConsoleMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const MAX_JSON_BYTES = 16 * 1024

export interface ConsoleRequestContext {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  /** `:name` segments of the route's path. */
  params: Readonly<Record<string, string>>
  /** The organizer's session; null only on a `public` route. */
  session: SessionRecord | null
  now: number
}

export interface ConsoleRoute {
  method: ConsoleMethod
  /** Below `/console/api`, e.g. `/kiosks/:id`. */
  path: string
  /** Served without a session (login only). The same-origin rule still holds. */
  public?: boolean
  handler(ctx: ConsoleRequestContext): Promise<void>
}

/** The kiosks' online state, from this instance's hub. */
export interface HubView {
  isOnline(kioskId: string): boolean
}

/** Scans routed to each kiosk since local midnight (the attendance table's, att18). */
export type ScansToday = (
  kioskIds: readonly string[],
  now: number,
) => Promise<ReadonlyMap<string, number>>

export interface ConsoleDeps {
  config: Pick<RelayConfig, 'trustProxyHops'>
  store: RelayStore
  /**
   * This instance's campaign cache: a change made here is dropped from it at once (other
   * instances hear of it through the store's feed, as this one does too, a moment later).
   */
  campaignCache?: { forget(change: StoreChange): void }
  log: Logger
  now: () => number
  hub: HubView
  scansToday: ScansToday
}

export function sendConsoleError(
  res: ServerResponse,
  status: number,
  code: ConsoleErrorCode,
  message: string,
): void {
  sendApiError(res, status, code, message)
}

/** The JSON body checked against `schema`; null once a 400/413 has been sent. */
export async function readJson<S extends z.ZodType>(
  ctx: ConsoleRequestContext,
  schema: S,
): Promise<z.infer<S> | null> {
  const type = ctx.req.headers['content-type'] ?? ''
  if (!/^application\/json\b/i.test(type)) {
    sendConsoleError(ctx.res, 400, 'bad_request', 'send Content-Type: application/json')
    return null
  }
  let raw: unknown
  try {
    raw = JSON.parse((await readBody(ctx.req, MAX_JSON_BYTES)).toString('utf8'))
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      closeAfterResponse(ctx.res)
      sendConsoleError(ctx.res, 413, 'too_large', `body over ${MAX_JSON_BYTES} bytes`)
    } else {
      sendConsoleError(ctx.res, 400, 'bad_request', 'body is not JSON')
    }
    return null
  }
  const parsed = schema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.join('.') || 'body'
    sendConsoleError(ctx.res, 400, 'bad_request', `${where}: ${issue?.message ?? 'invalid'}`)
    return null
  }
  return parsed.data
}

function match(route: ConsoleRoute, path: string): Record<string, string> | null {
  const want = route.path.split('/')
  const got = path.split('/')
  if (want.length !== got.length) return null
  const params: Record<string, string> = {}
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? ''
    const g = got[i] ?? ''
    if (w.startsWith(':')) {
      if (g === '') return null
      try {
        params[w.slice(1)] = decodeURIComponent(g)
      } catch {
        return null
      }
    } else if (w !== g) return null
  }
  return params
}

export interface ConsoleApi {
  /** Every route, for the guard tests: a new one cannot forget the session. */
  readonly routes: readonly ConsoleRoute[]
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>
}

export function createConsoleRouter(deps: ConsoleDeps, routes: ConsoleRoute[]): ConsoleApi {
  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('Referrer-Policy', 'no-referrer')
    const method = req.method ?? 'GET'
    if (STATE_CHANGING.has(method)) {
      const why = crossOriginReason(req)
      if (why !== null) {
        deps.log.info('console request refused: not same-origin', { reason: why })
        sendConsoleError(res, 403, 'forbidden', `cross-origin request refused (${why})`)
        return
      }
    }
    const path = url.pathname.slice(CONSOLE_API_PREFIX.length) || '/'
    let found: { route: ConsoleRoute; params: Record<string, string> } | null = null
    let pathKnown = false
    for (const route of routes) {
      const params = match(route, path)
      if (params === null) continue
      pathKnown = true
      if (route.method === method) {
        found = { route, params }
        break
      }
    }
    const now = deps.now()
    let session: SessionRecord | null = null
    if (found?.route.public !== true) {
      try {
        session = await resumeSession(deps.store.console, sessionIdOf(req), now)
      } catch (err) {
        deps.log.error('reading console session failed', { error: errorMessage(err) })
        sendConsoleError(res, 503, 'internal', 'store unavailable')
        return
      }
      if (session === null) {
        sendConsoleError(res, 401, 'unauthorized', 'sign in first')
        return
      }
    }
    if (found === null) {
      if (pathKnown) sendConsoleError(res, 405, 'bad_request', `${method} not allowed here`)
      else sendConsoleError(res, 404, 'not_found', 'no such console endpoint')
      return
    }
    await found.route.handler({ req, res, url, params: found.params, session, now })
  }
  return { routes, handle }
}
