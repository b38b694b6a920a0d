/**
 * `/console/api/*`: one route table behind one guard. Every state-changing request (POST, PUT,
 * PATCH, DELETE) must come from this origin (403 otherwise, before anything else is looked
 * at); every route but login needs a live session (401 otherwise, unknown paths included, so
 * the table is not revealed). Other parts of the relay add routes (`extraRoutes`) and get the
 * same guard.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { storeRefusalMessage, type ConsoleErrorCode } from '../../shared/console-api'
import type { RelayConfig } from '../config'
import { BodyError, readJson as readJsonBody, sendApiError, sendBodyError } from '../http-util'
import { Router, type RouteParams, type RouteRequest } from '../../shared/server/routes'
import { errorMessage, type Logger } from '../log'
import type { RelayMetrics } from '../metrics'
import { storeErrorText } from '../store-health'
import type { SessionRecord } from '../store/console-types'
import type { RelayStore, StoreChange } from '../store/types'
import type { KdfGateOptions } from './passwords'
import { cameOverHttps, crossOriginReason } from './request-origin'
import { SESSION_COOKIE, clearedSessionCookies, resumeSession, sessionIdsOf } from './sessions'
import { isPageNavigation, sendSignedOutPage } from './signed-out-page'

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
  /** Served without a session (login, logout). The same-origin rule still holds. */
  public?: boolean
  /**
   * The handler reads the query itself (against a strict schema: relay/query-params.ts). A
   * route without it takes no query: one naming any parameter is refused 400, naming it, before
   * the handler runs (`GET /kiosks?campain=c` would list every kiosk as if filtered, `POST
   * /kiosks?dryRun=1` would add one).
   */
  query?: boolean
  handler(ctx: ConsoleRequestContext): Promise<void>
}

/** The kiosks' online state, from this instance's hub. */
export interface HubView {
  isOnline(kioskId: string): boolean
  /** Two devices use the kiosk's identity: their links keep replacing each other. */
  identityConflict(kioskId: string): boolean
}

/** Scans routed to each kiosk since local midnight (the attendance table's, att18). */
export type ScansToday = (
  kioskIds: readonly string[],
  now: number,
) => Promise<ReadonlyMap<string, number>>

export interface ConsoleDeps {
  config: Pick<RelayConfig, 'trustProxyHops' | 'uploadIdleTimeoutMs' | 'uploadTimeoutMs'>
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
  /**
   * A session ended on this instance (logout): whatever it holds open (the event streams) ends
   * at once, not at their next look at the store.
   */
  sessionEnded: (idHash: string) => void
  /** The sign-in scrypt gate's size (relay/console/passwords.ts KdfGate); tests make it small. */
  kdfGate?: KdfGateOptions
  /**
   * Whether the store has stopped answering (the push breaker is open, relay/store-breaker.ts):
   * requests are then answered 503 at once, naming that, instead of each waiting for the Redis
   * client's command timeout.
   */
  storeNotAnswering?: () => boolean
  /** Counts sign-ins refused by a lockout (absent in tests that do not look). */
  metrics?: Pick<RelayMetrics, 'countLimitHit'>
}

/**
 * The challenge on every console 401 (RFC 9110 15.5.2 requires one): the session cookie that
 * signing in sets, in the `Cookie` scheme's words (an Internet-Draft's, not a registered
 * scheme); not Basic, which would have a browser ask for a password the relay never reads.
 */
export const CONSOLE_SESSION_CHALLENGE =
  `Cookie realm="scandesk-console", form-action="${CONSOLE_API_PREFIX}/login", ` +
  `cookie-name="${SESSION_COOKIE}"`

export function sendConsoleError(
  res: ServerResponse,
  status: number,
  code: ConsoleErrorCode,
  message: string,
): void {
  if (status === 401) res.setHeader('WWW-Authenticate', CONSOLE_SESSION_CHALLENGE)
  sendApiError(res, status, code, message)
}

/**
 * A console request without a session it can take: the API's 401 JSON, or to a page navigation
 * (a download link opened from a WeChat chat, signed out or with two session cookies) the same
 * 401 as a page saying to sign in (signed-out-page.ts). Headers set before (the clearing
 * Set-Cookie lines) go out with either.
 */
function refuseSignedOut(
  r: RouteRequest,
  code: 'unauthorized' | 'ambiguous_session',
  message: string,
): void {
  if (!isPageNavigation(r.req)) {
    sendConsoleError(r.res, 401, code, message)
    return
  }
  r.res.setHeader('WWW-Authenticate', CONSOLE_SESSION_CHALLENGE)
  sendSignedOutPage(r.req.method, r.res, 401)
}

/**
 * 415 for a body in a format the route does not take (RFC 9110 15.5.16; contract v2 names no
 * status for it): the code stays `bad_request`, which every console client already translates.
 * A POST also says what it takes in `Accept-Post` (there is no such header for a PUT).
 */
export function refuseMediaType(ctx: ConsoleRequestContext, types: readonly string[]): void {
  if (ctx.req.method === 'POST') ctx.res.setHeader('Accept-Post', types.join(', '))
  sendConsoleError(ctx.res, 415, 'bad_request', `send Content-Type: ${types.join(' or ')}`)
}

/**
 * The JSON body (at most `maxBytes`, 16 KiB unless the route says) checked against `schema`;
 * null once a 400/413/415 has been sent.
 */
export async function readJson<S extends z.ZodType>(
  ctx: ConsoleRequestContext,
  schema: S,
  maxBytes = MAX_JSON_BYTES,
): Promise<z.infer<S> | null> {
  const type = ctx.req.headers['content-type'] ?? ''
  if (!/^application\/json\b/i.test(type)) {
    refuseMediaType(ctx, ['application/json'])
    return null
  }
  let raw: unknown
  try {
    raw = await readJsonBody(ctx.req, maxBytes)
  } catch (err) {
    if (!(err instanceof BodyError)) throw err
    sendBodyError(ctx.res, err)
    return null
  }
  const proto = protoKeyPath(raw)
  if (proto !== null) {
    sendConsoleError(ctx.res, 400, 'bad_request', `${proto}: is not a known field`)
    return null
  }
  return checkedBody(ctx.res, schema, raw)
}

/**
 * Where the body has a `__proto__` key (JSON.parse makes it an own field), or null. zod's
 * objects and records skip that key rather than copy it (the copy's prototype would change), so
 * a route's schema would take the body without it instead of refusing it as unknown.
 */
function protoKeyPath(body: unknown): string | null {
  // A stack, not recursion (48 KiB of `[[[[...` nests deeper than the call stack goes); each
  // entry points at its parent, the path is built only when found.
  interface At {
    value: unknown
    key: string
    parent: At | null
  }
  const todo: At[] = [{ value: body, key: '', parent: null }]
  for (let at = todo.pop(); at !== undefined; at = todo.pop()) {
    if (typeof at.value !== 'object' || at.value === null) continue
    for (const [key, value] of Object.entries(at.value)) {
      const inner: At = { value, key, parent: at }
      if (key !== '__proto__') {
        todo.push(inner)
        continue
      }
      const path: string[] = []
      for (let p: At | null = inner; p?.parent != null; p = p.parent) path.unshift(p.key)
      return path.join('.')
    }
  }
  return null
}

/**
 * For a route that takes no body (a booth's new pairing code, its admin unlock, its revocation,
 * a campaign's new screen key): none, a blank one or `{}` (what a client sending "no fields"
 * may send) goes on; anything else is refused 400 before the route does anything, as a query
 * parameter is (`POST …/pairing {"dryRun":true}` replaced the booth's unused code, `DELETE
 * /kiosks/k1 {"id":"k2"}` revoked k1). False once the refusal is sent.
 */
export async function readNoFields(ctx: ConsoleRequestContext): Promise<boolean> {
  let raw: unknown
  try {
    raw = await readJsonBody(ctx.req, MAX_JSON_BYTES, { optional: true })
  } catch (err) {
    if (!(err instanceof BodyError)) throw err
    sendBodyError(ctx.res, err)
    return false
  }
  // Object.keys, not a zod object: JSON.parse makes `__proto__` an own key, which zod skips.
  const none =
    raw === undefined ||
    (typeof raw === 'object' &&
      raw !== null &&
      !Array.isArray(raw) &&
      Object.keys(raw).length === 0)
  if (!none) {
    sendConsoleError(
      ctx.res,
      400,
      'bad_request',
      'body: this endpoint takes no fields (send none, or {}); nothing was done',
    )
  }
  return none
}

/** A body that must be a JSON object before anything else is asked of it. */
export const jsonObjectSchema = z.record(z.string(), z.unknown())

/** `value` checked against `schema`; null once a 400 naming the first problem has been sent. */
export function checkedBody<S extends z.ZodType>(
  res: ServerResponse,
  schema: S,
  value: unknown,
): z.infer<S> | null {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const where = issue?.path.join('.') || 'body'
  sendConsoleError(res, 400, 'bad_request', `${where}: ${issue?.message ?? 'invalid'}`)
  return null
}

/** Params arrive as sent; the console's handlers get them decoded (null: not decodable). */
function decodeParams(params: RouteParams): Record<string, string> | null {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(params)) {
    try {
      out[name] = decodeURIComponent(value)
    } catch {
      return null
    }
  }
  return out
}

export interface ConsoleApi {
  /** Every route, for the guard tests: a new one cannot forget the session. */
  readonly routes: readonly ConsoleRoute[]
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>
}

export function createConsoleRouter(deps: ConsoleDeps, routes: ConsoleRoute[]): ConsoleApi {
  /**
   * The guard, for every outcome of the route table (404 and 405 too, so that nobody without a
   * session learns which paths exist): a live session unless the route is public.
   */
  async function guarded(
    r: RouteRequest,
    route: ConsoleRoute | null,
    then: (session: SessionRecord | null, now: number) => Promise<void> | void,
  ): Promise<void> {
    const now = deps.now()
    const write = r.req.method !== 'GET' && r.req.method !== 'HEAD'
    if (deps.storeNotAnswering?.() === true) {
      // Nothing of the request has reached the store: for a write, nothing was saved.
      r.res.removeHeader('Allow')
      const message = storeRefusalMessage({ cause: 'store did not answer in time', write })
      sendConsoleError(r.res, 503, 'internal', message)
      return
    }
    let session: SessionRecord | null = null
    if (route?.public !== true) {
      const ids = sessionIdsOf(r.req)
      if (ids.length > 1) {
        // Two different session cookies: one was planted (sessions.ts sessionIdsOf). Neither is
        // taken; every copy the relay can name is expired, so signing in again works.
        deps.log.info('console request refused: more than one session cookie')
        r.res.removeHeader('Allow')
        r.res.setHeader(
          'Set-Cookie',
          clearedSessionCookies(
            r.req,
            r.url.pathname,
            cameOverHttps(r.req, deps.config.trustProxyHops),
          ),
        )
        refuseSignedOut(
          r,
          'ambiguous_session',
          'more than one session cookie was sent (one may have been planted by another site): ' +
            'they are cleared, sign in again; if this repeats, clear this site’s cookies',
        )
        return
      }
      try {
        session = await resumeSession(deps.store.console, ids[0] ?? null, now)
      } catch (err) {
        deps.log.error('reading console session failed', { error: errorMessage(err) })
        r.res.removeHeader('Allow')
        // The store's cause, as a route's refusal names it (the route itself never ran, so a
        // write saved nothing): the organizer sees why, not "the server failed".
        const cause = storeErrorText(err)
        const message =
          cause === 'store error' ? 'store unavailable' : storeRefusalMessage({ cause, write })
        sendConsoleError(r.res, 503, 'internal', message)
        return
      }
      if (session === null) {
        r.res.removeHeader('Allow')
        refuseSignedOut(r, 'unauthorized', 'sign in first')
        return
      }
    }
    await then(session, now)
  }

  const table = new Router({
    notFound: (r) =>
      guarded(r, null, () => sendConsoleError(r.res, 404, 'not_found', 'no such console endpoint')),
    methodNotAllowed: (r) =>
      guarded(r, null, () =>
        sendConsoleError(
          r.res,
          405,
          'method_not_allowed',
          `${r.req.method ?? ''} not allowed here`,
        ),
      ),
  })
  for (const route of routes) {
    // A GET answers HEAD too (its headers, no body: Node drops what the handler writes).
    const methods = route.method === 'GET' ? (['GET', 'HEAD'] as const) : route.method
    table.add(methods, CONSOLE_API_PREFIX + route.path, (r) =>
      guarded(r, route, (session, now) => {
        const params = decodeParams(r.params)
        if (params === null) {
          sendConsoleError(r.res, 404, 'not_found', 'no such console endpoint')
          return
        }
        const unknown = route.query === true ? undefined : r.url.searchParams.keys().next().value
        if (unknown !== undefined) {
          sendConsoleError(
            r.res,
            400,
            'bad_request',
            `${unknown}: unknown parameter (this endpoint takes none); nothing was done`,
          )
          return
        }
        return Promise.resolve(
          route.handler({ req: r.req, res: r.res, url: r.url, params, session, now }),
        ).catch((err: unknown) => storeRefused(r, err))
      }),
    )
  }

  /**
   * A route's store read or write refused by the store (its disk full, a lock held by a
   * backup, Redis away): 503 naming that in the store's few fixed words (never its own message,
   * which can name a path), so the organizer knows the relay could not save and that waiting
   * or the operator will cure it. On SQLite each console write is one transaction, so a
   * refused one changed nothing.
   * Anything else goes on to the server's 500, and so does a write Redis did not answer in time
   * (relay/README.md "Stores"): its command was sent and may still run, so "nothing was saved"
   * could be false.
   */
  function storeRefused(r: RouteRequest, err: unknown): void {
    const text = storeErrorText(err)
    const write = r.req.method !== 'GET' && r.req.method !== 'HEAD'
    if (text === 'store error' || r.res.headersSent) throw err
    if (write && text === 'store did not answer in time') throw err
    deps.log.error('console request refused by the store', {
      method: r.req.method,
      path: r.url.pathname,
      error: errorMessage(err),
    })
    sendConsoleError(r.res, 503, 'internal', storeRefusalMessage({ cause: text, write }))
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('Referrer-Policy', 'no-referrer')
    if (STATE_CHANGING.has(req.method ?? 'GET')) {
      const why = crossOriginReason(req, deps.config.trustProxyHops)
      if (why !== null) {
        deps.log.info('console request refused: not same-origin', { reason: why })
        sendConsoleError(res, 403, 'forbidden', `cross-origin request refused (${why})`)
        return
      }
    }
    await table.handle(req, res, url)
  }
  return { routes, handle }
}
