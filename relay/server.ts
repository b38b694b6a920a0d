/**
 * The relay as a library: `startRelay(config)` opens the store, serves `/wechat`, `/kiosk`,
 * `/api/tickets`, `/api/fallback-code`, `/api/pair`, `/healthz`, `/metrics` and the
 * organizer's console (`/console/`, `/console/api/*`), the big screens (`/screen/*`), and prints nothing (pass `log` to see logs).
 * The kiosk core uses it in-process for demo mode; the CLI wraps it for deployments.
 */
import { existsSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { hostPort } from '../shared/net-address'
import { RelayCloseCode } from '../shared/relay-protocol'
import {
  envNameOf,
  flagNameOf,
  hasWechatCredentials,
  parseRelayConfig,
  RelayConfigError,
  type RelayConfig,
  type RelayConfigInput,
} from './config'
import { httpServerOptions, limitConnections, requestBodyPace } from './connection-limits'
import { Router } from '../shared/server/routes'
import { RELAY_DATA_SETTING, lockFolder } from '../shared/server/folder-lock'
import {
  BodyAbortedError,
  BodyTimeoutError,
  continueOnlyWhenRead,
  paceBody,
  sendApiError,
  sendBodyError,
  sendJson,
  sendText,
} from './http-util'
import type { DeliveryLimits } from './kiosk-session'
import { CampaignDirectory } from './campaign-directory'
import { KioskHub, refuseUpgrade } from './kiosk-hub'
import { addKiosk, revokeKiosk, type AddKioskOptions } from './kiosk-admin'
import { errorMessage, LogLimiter, SEE_HEALTHZ, silentLogger, type Logger } from './log'
import { RelayMetrics, type LimitHit } from './metrics'
import { createAttendanceRoutes, soFarToday } from './attendance/routes'
import { createCampaignNames } from './attendance/campaign-names'
import { createPeopleLookup } from './attendance/people'
import { RowNames } from './attendance/row-names'
import { createRallyLookup } from './attendance/rally'
import { createConsoleApi } from './console/console-api'
import type { KdfGateOptions } from './console/passwords'
import { CONSOLE_API_PREFIX } from './console/console-router'
import type { ConsoleDeps, ConsoleRoute, ScansToday } from './console/console-router'
import { STRICT_TRANSPORT_SECURITY, cameOverHttps } from './console/request-origin'
import { sessionIsLive } from './console/sessions'
import { createConsoleStatic, defaultConsoleDir } from './console/static-console'
import { createFallbackCodeEndpoint } from './fallback-code'
import { createPairEndpoint } from './pairing'
import { createPushEndpoint } from './push-endpoint'
import { proxyTrustWarning } from './proxy-trust'
import { createDrawFeed } from './draws/draw-feed'
import type { DrawFeed } from './screens/draw-source'
import { NameBook } from './screens/name-book'
import { createScreenRoutes, type ScreenRoutesOptions } from './screens/screen-routes'
import { StoreBreaker, type StoreBreakerOptions } from './store-breaker'
import { StoreHealth, storeErrorText } from './store-health'
import { AttendanceRowsDropped } from './store/attendance'
import { openStore } from './store/open-store'
import type { RelayStore } from './store/types'
import { createTicketProxy } from './ticket-proxy'
import { PAIR_LINK_CODE, servePairPage } from './pair-page'
import { relayZone } from './time-zone'
import { createFollowUp } from './follow-up/setup'
import type { FollowUpWorkerOptions } from './follow-up/worker'
import { errorCode } from '../shared/error-code'

export type { AddKioskOptions } from './kiosk-admin'
export type { RelayConfig, RelayConfigInput } from './config'
export type { ConsoleRoute, ScansToday } from './console/console-router'
export { jsonLogger, type Logger } from './log'

const DAY_MS = 86_400_000
/** The 404 and the 400 for a target that is not a plain path, for requests and upgrades alike. */
const NO_SUCH_ENDPOINT = { code: 'not_found', message: 'no such endpoint' }
const NOT_A_PLAIN_PATH = {
  code: 'bad_request',
  message: 'request target must be a plain path: no \\, dot segments or host',
}
/** Absolute-form (`GET http://host/path`), as a client told the relay is its proxy sends. */
const AN_ABSOLUTE_URL = {
  code: 'bad_request',
  message:
    'request target must be a path such as /healthz, not an absolute URL (http://host/...): the relay is no proxy; name the host in the Host header',
}
/** Asterisk-form: `OPTIONS *`, asking about the server as a whole. */
const AN_ASTERISK = {
  code: 'bad_request',
  message: 'request target "*" is not served: ask OPTIONS of a path, such as OPTIONS /wechat',
}
/**
 * What a request target `requestTarget` refuses is, in its answer: an absolute URL or `*` said
 * as such (RFC 9112 3.2 forms a client may rightly send), any other as not a plain path.
 */
function notAPlainPath(req: IncomingMessage): { code: string; message: string } {
  const target = req.url ?? '/'
  if (target === '*') return AN_ASTERISK
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? AN_ABSOLUTE_URL : NOT_A_PLAIN_PATH
}
/** The kiosks' websocket path asked for without a handshake: HEAD or a plain GET (426), another method (405). */
const KIOSK_UPGRADE = { Upgrade: 'websocket' }
const KIOSK_UPGRADE_REQUIRED = {
  code: 'upgrade_required',
  message:
    'the kiosks’ websocket: connect with Upgrade: websocket and Authorization: Bearer <token>',
}
const KIOSK_GET_ONLY = { code: 'method_not_allowed', message: 'use GET or HEAD' }
/** What each limit's line tells the on-call developer (relay/metrics.ts LimitHit). */
const LIMIT_ACTION: Readonly<Record<LimitHit, string>> = {
  pair_address:
    'one address is trying pairing codes faster than a person types them: codes being guessed? The answer was 429',
  pair_block:
    'one IPv6 /48 is trying pairing codes faster than a venue pairs booths: codes being guessed? The answer was 429',
  screen_address:
    'one address asks for a big screen far faster than a wall reloads: a page stuck reloading, or a flood; the answer was 429',
  screen_block:
    'one IPv6 /48 asks for big screens far faster than a venue runs walls; the answer was 429',
  console_sign_in_locked:
    'console sign-ins locked out after failed passwords (a name, an address or a device): someone guessing, or an organizer who forgot theirs',
  desk_bind_paced:
    'a booth binds desk check-ins faster than its allowance: they are made to wait, none refused',
  desk_bind_unacked:
    'a booth binds desk check-ins far faster than a desk can, and one was left unacknowledged: a stolen kiosk token? Revoke the booth in the console if it is not yours',
}

/** What a failed attendance chunk (SQLite: a lock held elsewhere, a full disk) means. */
const ATTENDANCE_NOT_MOVED = `the console's attendance is behind: the rows stay pending and are moved once the store takes writes again (tried again every second); nothing is lost; /metrics scandesk_relay_attendance_pending_rows counts them; ${SEE_HEALTHZ}`
/** What pending rows deleted for want of their queue entry mean (never expected). */
const ATTENDANCE_DROPPED = `these scans are not counted in the console's attendance, stats or export: their stored events were gone, so there was nothing to count them from, and they are not tried again; never expected (the retention prune keeps a pending row's event): report it with this line`

export interface StartRelayOptions {
  log?: Logger
  /** Clock for timestamp windows, receivedAt and retention (ms since the epoch). */
  now?: () => number
  pingIntervalMs?: number
  helloTimeoutMs?: number
  limits?: Partial<DeliveryLimits>
  /** Redis key prefix (several relays or tests sharing one Redis). */
  redisPrefix?: string
  /** How often retention runs; default hourly. */
  pruneIntervalMs?: number
  /**
   * How often the relay probes its store by itself, as `/healthz` does (default 30 s): a Redis
   * that lost the relay's data closes the booths even when nothing asks `/healthz`.
   */
  storeProbeIntervalMs?: number
  /**
   * The push breaker's settings (relay/store-breaker.ts), on a Redis store (a SQLite store
   * answers or fails in the relay's own process: it has none).
   */
  storeBreaker?: Omit<StoreBreakerOptions, 'log'>
  /** How often the SQLite store looks for CLI changes such as `kiosk revoke`. */
  storePollMs?: number
  /** How long `close()` may take in all (default: the config's `shutdownTimeoutMs`). */
  shutdownGraceMs?: number
  /** Tuning of the tag and follow-up worker (tests: tick, backoff). */
  followUp?: Partial<FollowUpWorkerOptions>
  /**
   * What other parts add to the organizer's console, given the console's own dependencies:
   * scans today per kiosk, and more routes behind the same session guard.
   */
  console?: (deps: Omit<ConsoleDeps, 'scansToday'>) => {
    scansToday?: ScansToday
    routes?: ConsoleRoute[]
  }
  /** Where the draw stage hears of draws (relay/screens/draw-source.ts); default: the store's. */
  draws?: DrawFeed
  /**
   * How often an open console event stream looks its session up again (default 10 s): the
   * longest it outlives a session ended elsewhere (expiry, another instance, the CLI).
   */
  sessionCheckMs?: number
  /** The big screens' limits (relay/screens/screen-hub.ts), for tests. */
  screens?: ScreenRoutesOptions['hub']
  /** The console sign-in's scrypt gate (relay/console/passwords.ts KdfGate), for tests. */
  consoleKdf?: KdfGateOptions
  /**
   * SQLite: better-sqlite3's addon to load instead of node_modules' (the Electron app's demo
   * relay: docs/NATIVE-MODULES.md "How the app finds it").
   */
  nativeBinding?: string | undefined
}

export interface RelayHandle {
  url: string
  port: number
  store: RelayStore
  metrics: RelayMetrics
  /** Creates the kiosk, or gives an existing one a new token, and returns the token. */
  addKiosk(kioskId: string, opts?: AddKioskOptions): Promise<string>
  /** Revokes the kiosk and voids its unused pairing code; false when there is no such kiosk. */
  revokeKiosk(kioskId: string): Promise<boolean>
  /** Every `/console/api` route (path below `/console/api`), for the guard's tests. */
  consoleRoutes: ReadonlyArray<Pick<ConsoleRoute, 'method' | 'path' | 'public' | 'query'>>
  /**
   * Drains: answers new requests 503, closes kiosk sockets with 1012 (reconnect elsewhere),
   * answers the pushes in flight once stored, flushes the store, all within the grace period.
   */
  close(): Promise<void>
}

/**
 * How to give the relay a flag, as the one who started it would type it: through npm
 * (`npm run relay`, which sets npm_lifecycle_event) a flag must follow `--`, or npm takes it
 * for its own (`npm run relay --port 8788` starts on 8787 again); otherwise the flag itself.
 */
export function flagAdvice(flag: string, example: string, env = process.env): string {
  return env.npm_lifecycle_event === 'relay' ? `npm run relay -- ${flag} ${example}` : flag
}

/**
 * Node's own words for a failed listen ("listen EADDRINUSE: address already in use …") say what
 * happened but not which setting to change: each common cause gets the fix, the code kept.
 */
function listenError(err: unknown, config: Pick<RelayConfig, 'host' | 'port'>): unknown {
  const code = errorCode(err) ?? ''
  const port = `the port (${flagAdvice('--port', 'N')}, ${envNameOf('port')})`
  const host = `the host (${flagAdvice('--host', 'H')}, ${envNameOf('host')})`
  const fixes: Record<string, string> = {
    EADDRINUSE: `another program (another relay?) already listens there: stop it, or set ${port}`,
    EACCES:
      'ports below 1024 need root: run the relay on 8787 behind the HTTPS reverse proxy ' +
      `(docs/DEPLOY.md), or set ${port}`,
    EADDRNOTAVAIL: `${config.host} is not an address of this machine: set ${host}, e.g. 127.0.0.1 behind a proxy on this machine, 0.0.0.0 for every interface`,
    ENOTFOUND: `${config.host} is not a name this machine resolves: set ${host}, e.g. 127.0.0.1`,
  }
  const fix = fixes[code]
  if (fix === undefined) return err
  return new Error(`cannot listen on ${config.host} port ${config.port} (${code}): ${fix}`, {
    cause: err,
  })
}

export async function startRelay(
  input: RelayConfigInput,
  opts: StartRelayOptions = {},
): Promise<RelayHandle> {
  const config = parseRelayConfig(input)
  if (config.wechat.token === '') {
    // Say where it goes: "wechat.token" alone names neither the variable nor the flag.
    throw new RelayConfigError(
      'wechat.token',
      `is required to verify WeChat pushes: set ${envNameOf('wechat.token')} (or ` +
        `--${flagNameOf('wechat.token')}) to the Token of the WeChat admin console's server ` +
        'configuration (设置与开发 → 基本配置 → 服务器配置)',
    )
  }
  const log = opts.log ?? silentLogger
  const now = opts.now ?? Date.now
  const metrics = new RelayMetrics()
  // A flood of refused requests (codes guessed, a wall reloading without end, sign-ins locked
  // out) is a line a minute for each limit, with how many went unlogged; /metrics counts each.
  const limitLines = new LogLimiter(now)
  metrics.onLimitHit = (limit) =>
    limitLines.log(
      log,
      limit === 'desk_bind_paced' ? 'info' : 'warn',
      'requests refused by a limit',
      { event: 'limit_hit', limit, action: LIMIT_ACTION[limit] },
      `limit: ${limit}`,
    )
  // SQLite: this process alone serves the folder (it caches each kiosk's sequence head, the
  // hub, the change feed). Redis: nothing is kept in the folder and several relays on one Redis
  // are the designed scale-out, so there is no folder to lock (docs/RELIABILITY.md).
  const folderLock =
    config.redis === null && config.data !== ':memory:'
      ? lockFolder(config.data, {
          program: 'relay',
          now,
          setting: RELAY_DATA_SETTING,
          nativeBinding: opts.nativeBinding,
        })
      : null
  let store: RelayStore
  // Tried again every second while a lock is held elsewhere (a backup, an sqlite3 shell): once
  // a minute per cause, with how many went unlogged.
  const attendanceLines = new LogLimiter(now)
  try {
    store = await openStore(config, {
      prefix: opts.redisPrefix,
      pollMs: opts.storePollMs,
      now,
      onAttendanceError: (err) =>
        err instanceof AttendanceRowsDropped
          ? log.error('attendance rows dropped', {
              event: 'attendance_rows_dropped',
              rows: err.rows,
              error: errorMessage(err),
              action: ATTENDANCE_DROPPED,
            })
          : attendanceLines.log(
              log,
              'error',
              'attendance rows not moved',
              { event: 'store_failed', error: errorMessage(err), action: ATTENDANCE_NOT_MOVED },
              `attendance: ${storeErrorText(err)}`,
            ),
      warn: (message, fields) => log.warn(message, fields),
      redisWarn: (message, fields) => log.warn(message, fields),
      nativeBinding: opts.nativeBinding,
    })
  } catch (err) {
    folderLock?.release()
    throw err
  }
  const campaigns = new CampaignDirectory(store, now)
  // One book of roster names per campaign, for the list's names and the big screens' alike, and
  // for the booths' binds (whether they name a registration of the roster).
  const names = new NameBook(store)
  const hub = new KioskHub({
    campaigns,
    names,
    store,
    log,
    metrics,
    now,
    pingIntervalMs: opts.pingIntervalMs,
    helloTimeoutMs: opts.helloTimeoutMs,
    limits: opts.limits,
  })
  const deps = { config, store, log, metrics, now }
  const breaker =
    store.kind === 'redis'
      ? new StoreBreaker(
          () => store.probeWrite(now()),
          { ...opts.storeBreaker, log },
          (answering) => {
            if (answering) storeHealth.storeAnswered()
            metrics.setStoreHealthy(answering)
          },
        )
      : undefined
  const storeHealth = new StoreHealth(store, metrics, now, {
    log,
    notAnsweringForMs: () => {
      const s = breaker?.state()
      return s?.open === true ? s.sinceMs : null
    },
  })
  const handlePush = createPushEndpoint({ ...deps, health: storeHealth, breaker, campaigns })
  const handleTickets = createTicketProxy(deps)
  const handleFallbackCode = createFallbackCodeEndpoint(deps)
  const handlePair = createPairEndpoint(deps)
  // Stats, the attendance table and export, live events: behind the console's guard.
  const rowNames = new RowNames(store, names)
  const attendanceApi = createAttendanceRoutes({
    store,
    now,
    log,
    sessionLive: (idHash) => sessionIsLive(store.console, idHash, now()),
    sessionCheckMs: opts.sessionCheckMs,
    campaignKiosks: (campaignId) => kioskIdsOfCampaign(store, campaigns, campaignId),
    campaignNames: createCampaignNames(store.campaigns),
    rally: createRallyLookup(store, campaigns),
    people: createPeopleLookup(store.campaigns),
    names: rowNames,
    stopsAfterEndsAt: config.stopAfterEndsAt,
  })
  const consoleBase = {
    config,
    store,
    log,
    now,
    hub,
    campaignCache: campaigns,
    sessionEnded: (idHash: string) => attendanceApi.events.endSession(idHash),
    kdfGate: opts.consoleKdf,
    storeNotAnswering: () => breaker?.state().open === true,
    metrics,
  }
  const consoleExtras = opts.console?.(consoleBase) ?? {}
  // Tags and follow-up messages: a worker off the push path, and its console report.
  const followUp = createFollowUp({
    config,
    store,
    campaigns,
    log,
    now,
    metrics,
    tuning: opts.followUp,
  })
  hub.onPresence(() => attendanceApi.events.kiosksChanged())
  const attendanceRoutes: ConsoleRoute[] = attendanceApi.routes.map((r) => ({
    method: r.method,
    path: r.path.slice(CONSOLE_API_PREFIX.length),
    query: r.query,
    handler: ({ req, res, url, session }) => r.handler(req, res, url, session),
  }))
  const consoleApi = createConsoleApi(
    {
      ...consoleBase,
      scansToday:
        consoleExtras.scansToday ?? ((ids, at) => store.attendance.scansToday(ids, soFarToday(at))),
    },
    [...attendanceRoutes, ...followUp.routes, ...(consoleExtras.routes ?? [])],
  )
  const consoleDir = config.consoleDir ?? defaultConsoleDir()
  const serveConsole = createConsoleStatic(consoleDir)
  // The big screens: read-only, behind each campaign's screen key.
  const screens = createScreenRoutes({
    config,
    store,
    directory: campaigns,
    now,
    consoleDir,
    metrics,
    log,
    draws: opts.draws ?? createDrawFeed(store, log),
    names,
    hub: opts.screens,
  })
  const inFlight = new Set<Promise<void>>()
  /**
   * Reads a monitor or Prometheus repeats every few seconds while the store is away (and anyone
   * can ask /healthz): logged once a minute each, with how many went unlogged.
   */
  const storeReadLines = new LogLimiter(now)

  /** 200 only while the store takes writes; 503 with the reason when it cannot. */
  async function health(res: ServerResponse): Promise<void> {
    const report = await storeHealth.check()
    if (!report.ok) {
      const { reason, error, ageMs } = report
      sendJson(res, 503, { status: 'unavailable', store: store.kind, reason, error, ageMs })
      return
    }
    try {
      const unrouted = await store.countUnrouted()
      sendJson(res, 200, {
        status: 'ok',
        store: store.kind,
        connectedKiosks: hub.connectedKiosks,
        unrouted,
      })
    } catch (err) {
      storeHealth.readFailed()
      storeReadLines.log(log, 'warn', 'health check read failed', {
        event: 'store_failed',
        error: errorMessage(err),
        action:
          'the store could not be read: /healthz answered 503 with its error (a monitor should page); /metrics counts store errors',
      })
      sendJson(res, 503, { status: 'unavailable', store: store.kind, error: storeErrorText(err) })
    }
  }

  async function scrape(res: ServerResponse): Promise<void> {
    // The counters are most wanted when the store is down: the gauges it holds are left out.
    const read = await Promise.all([
      store.unackedCounts(),
      store.countUnrouted(),
      store.attendance.backlog(),
    ]).catch((err: unknown) => {
      storeReadLines.log(log, 'warn', 'metrics without store gauges', {
        event: 'store_failed',
        error: errorMessage(err),
        action:
          'the store could not be read: /metrics has every counter but not the gauges read from the store (unacknowledged scans per booth, unrouted pushes, attendance backlog); /healthz says what is wrong with the store',
      })
      return null
    })
    const body = metrics.render({
      connectedKiosks: hub.connectedKiosks,
      screenStreams: screens.hub.clientCount,
      unacked: read?.[0].map((k) => [k.kioskId, k.count] as const) ?? [],
      unrouted: read?.[1] ?? null,
      attendancePending: read?.[2] ?? null,
      rosterTransfersPending: hub.rosterTransfersPending,
      erasuresResumed: store.erasuresResumed,
      followUpWaiting: followUp.worker?.backlog ?? null,
    })
    sendText(res, 200, body, 'text/plain; version=0.0.4; charset=utf-8')
  }

  const routes = new Router({
    notFound: ({ res }) => sendApiError(res, 404, NO_SUCH_ENDPOINT.code, NO_SUCH_ENDPOINT.message),
    methodNotAllowed: ({ res }, allow) =>
      sendApiError(res, 405, 'method_not_allowed', `use ${allow.join(' or ')}`),
  })
    .add(['GET', 'HEAD', 'POST'], '/wechat', ({ req, res, url }) => handlePush(req, res, url))
    .add('POST', '/api/tickets', ({ req, res }) => handleTickets(req, res))
    .add('POST', '/api/fallback-code', ({ req, res }) => handleFallbackCode(req, res))
    .add('POST', '/api/pair', ({ req, res }) => handlePair(req, res))
    .add(['GET', 'HEAD'], '/pair/:code', ({ req, res }) => servePairPage(req.method, res), {
      code: PAIR_LINK_CODE,
    })
    // The kiosks' websocket: an upgrade never reaches this table (the server's 'upgrade'
    // listener takes it), so a plain request for the path is told what it lacks (426 names the
    // protocol in Upgrade) rather than that the endpoint does not exist; other methods are 405.
    .add(['GET', 'HEAD'], '/kiosk', ({ res }) => {
      res.setHeader('Upgrade', KIOSK_UPGRADE.Upgrade)
      sendApiError(res, 426, KIOSK_UPGRADE_REQUIRED.code, KIOSK_UPGRADE_REQUIRED.message)
    })
    .add(['GET', 'HEAD'], '/healthz', ({ res }) => health(res))
    .add(['GET', 'HEAD'], '/metrics', ({ res }) => scrape(res))

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestTarget(req)
    if (url === null) {
      const refusal = notAPlainPath(req)
      return sendApiError(res, 400, refusal.code, refusal.message)
    }
    // The console has its own route table behind its session guard, and its static app.
    if (url.pathname === '/console/api' || url.pathname.startsWith('/console/api/')) {
      return consoleApi.handle(req, res, url)
    }
    if (url.pathname === '/console' || url.pathname.startsWith('/console/')) {
      return serveConsole(req, res, url)
    }
    if (url.pathname.startsWith('/screen/')) return screens.handle(req, res, url)
    await routes.handle(req, res, url)
  }

  let draining = false
  /**
   * Lines any client can repeat at will (a body cut off or crawling, a request failing while
   * the store is away): once a minute for each, with how many went unlogged.
   */
  const requestLines = new LogLimiter(now)
  const noticeProxy = proxyTrustWarning(config.trustProxyHops, log)
  // Every body's pace but a file upload's (which names its own): one object for all requests.
  const bodyPace = requestBodyPace(config)
  const server = createServer(httpServerOptions(config), handleRequest)
  // `Expect: 100-continue`: 100 only once a route reads the body (shared/server/body.ts).
  continueOnlyWhenRead(server, handleRequest)
  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    noticeProxy(req)
    paceBody(req, bodyPace)
    if (cameOverHttps(req, config.trustProxyHops)) {
      res.setHeader('Strict-Transport-Security', STRICT_TRANSPORT_SECURITY)
    }
    if (draining) {
      // A request on a kept-alive connection after SIGTERM: WeChat retries a 5xx (and, with
      // the connection closed, may reach another instance); the body is never read.
      res.setHeader('Connection', 'close')
      sendApiError(res, 503, 'shutting_down', 'relay shutting down')
      return
    }
    const work = route(req, res)
      .catch((err: unknown) => {
        const path = loggedPath(req.url)
        if (err instanceof BodyAbortedError) {
          // The client went (its link dropped) before its body was in: nothing was done with
          // it and nobody is left to answer.
          requestLines.log(log, 'info', 'request cut off before its body was complete', { path })
          res.destroy()
          return
        }
        if (err instanceof BodyTimeoutError) {
          // Its body stalled or crawled (relay/README.md "Connections"): nothing was done
          // with it; 408 and the connection closes.
          requestLines.log(log, 'info', 'request body too slow', { path, reason: err.message })
          sendBodyError(res, err)
          return
        }
        // A store that went away fails every request that reads it: one line a minute for each
        // error, with how many went unlogged, not one a request.
        requestLines.log(
          log,
          'error',
          'request failed',
          { event: 'request_failed', path, error: errorMessage(err) },
          `failed: ${storeErrorText(err)}`,
        )
        // Failed after its headers went out: a 500 can no longer be said, so the connection
        // ends and the client sees a broken answer at once rather than one that never ends.
        if (res.headersSent) res.destroy()
        else sendApiError(res, 500, 'internal', 'internal error')
      })
      .finally(() => {
        inFlight.delete(work)
        // Draining: a kept-alive connection closes as soon as its last answer is out.
        if (draining) server.closeIdleConnections()
      })
    inFlight.add(work)
  }
  limitConnections(server, config, { log, metrics })
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    // Node's server stops listening for errors on a socket it hands over here: without this, a
    // client resetting while its refused upgrade is answered (one packet, anyone) ended the relay.
    socket.on('error', () => socket.destroy())
    noticeProxy(req)
    const path = requestTarget(req)?.pathname
    // Only a GET is a websocket handshake; any other method asking to upgrade gets what the
    // plain request would (HEAD: the same head, no body), before its token is looked at.
    const withBody = req.method !== 'HEAD'
    const refuse = (
      status: number,
      text: string,
      error: { code: string; message: string },
      headers: Readonly<Record<string, string>> = {},
    ): void => refuseUpgrade(socket, status, text, error, headers, withBody)
    if (path === undefined) refuse(400, 'Bad Request', notAPlainPath(req))
    else if (path !== '/kiosk') refuse(404, 'Not Found', NO_SUCH_ENDPOINT)
    else if (req.method === 'GET') hub.handleUpgrade(req, socket, head)
    else if (req.method === 'HEAD')
      refuse(426, 'Upgrade Required', KIOSK_UPGRADE_REQUIRED, KIOSK_UPGRADE)
    else refuse(405, 'Method Not Allowed', KIOSK_GET_ONLY, { Allow: 'GET, HEAD' })
  })

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(config.port, config.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (err) {
    await hub.close(RelayCloseCode.goingAway, 0)
    await store.close()
    folderLock?.release()
    throw listenError(err, config)
  }
  const port = (server.address() as AddressInfo).port
  const url = `http://${hostPort(config.host, port)}`

  // One prune at a time: a big store's first prune (chunked, turns between) may outlast the
  // interval, and a second run over the same rows doubled the work and raced the first's chunks.
  let pruning = false
  const prune = async (): Promise<void> => {
    if (pruning) {
      log.debug('retention prune still running; this round skipped')
      return
    }
    pruning = true
    try {
      const deleted = await store.prune({
        now: now(),
        ackedRetentionMs: config.ackedRetentionDays * DAY_MS,
        unackedRetentionMs: config.unackedRetentionDays * DAY_MS,
      })
      if (deleted > 0) log.info('retention pruned events', { deleted })
    } catch (err) {
      log.error('retention failed', {
        event: 'store_failed',
        error: errorMessage(err),
        action:
          'old events stay in the store until a later prune (each hour) succeeds: nothing is lost, but the store keeps growing; /healthz says what is wrong with the store',
      })
    } finally {
      pruning = false
    }
  }
  void prune()
  const pruneTimer = setInterval(() => void prune(), opts.pruneIntervalMs ?? 3_600_000)
  pruneTimer.unref()
  storeHealth.start(opts.storeProbeIntervalMs ?? 30_000)
  followUp.worker?.start()
  // The zone "scans today" and the sheets' times follow (relay/time-zone.ts): a host left on
  // UTC counts China's day from 08:00, which the start line shows.
  log.info('relay listening', {
    url,
    store: store.kind,
    mode: config.wechat.mode,
    ...relayZone(now()),
  })
  if (!hasWechatCredentials(config.wechat)) {
    // Pushes are still taken, but a kiosk on the ticket proxy gets no codes: say so at start,
    // where whoever deploys looks, not only in each refused request's answer.
    log.warn('no WeChat AppID/AppSecret: the ticket proxy and fallback codes are off', {
      hint: 'set SCANDESK_RELAY_WECHAT_APP_ID and SCANDESK_RELAY_WECHAT_APP_SECRET',
    })
  }

  if (!existsSync(join(consoleDir, 'index.html'))) {
    // A server given only out/relay: the console said "not built" to the organizer, and the
    // log, where whoever deployed looks, said nothing.
    log.warn('the console and big-screen pages are not built: /console/ and /screen/ answer 404', {
      consoleDir,
      hint:
        config.consoleDir === null
          ? 'npm run build:relay builds them into out/console beside out/relay (a server needs ' +
            `both folders), or set ${envNameOf('consoleDir')}`
          : `consoleDir (${envNameOf('consoleDir')}, --${flagNameOf('consoleDir')}) names a ` +
            'folder that holds no index.html: point it at the built console (out/console, from ' +
            'npm run build:relay), or unset it for out/console beside out/relay',
    })
  }

  let closing: Promise<void> | null = null
  async function close(): Promise<void> {
    const started = performance.now()
    const grace = opts.shutdownGraceMs ?? config.shutdownTimeoutMs
    // Pushes get the grace period less a reserve for closing connections and the store.
    const reserve = Math.min(2000, grace / 4)
    const left = (until: number): number => Math.max(0, until - (performance.now() - started))
    const deadline = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref())
    draining = true
    clearInterval(pruneTimer)
    const storeHealthStopped = Promise.all([storeHealth.stop(), breaker?.stop()])
    attendanceApi.close()
    rowNames.close()
    const followUpStopped = followUp.worker?.stop()
    screens.close()
    names.close()
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    log.info('relay draining', { inFlight: inFlight.size, kiosks: hub.connectedKiosks })
    // Kiosks go first, to reconnect (elsewhere, or here once restarted) while the pushes finish:
    // what is stored meanwhile reaches them from the store.
    const kiosksClosed = hub.close(
      RelayCloseCode.serviceRestart,
      Math.min(2000, left(grace - reserve)),
    )
    // WeChat is waiting on these: each is answered once stored (or 503) before the store goes.
    await Promise.race([Promise.allSettled([...inFlight]), deadline(left(grace - reserve))])
    await kiosksClosed
    const unanswered = inFlight.size
    await Promise.race([followUpStopped, deadline(left(grace - reserve))])
    await Promise.race([storeHealthStopped, deadline(left(grace - reserve))])
    // The store's last group commit: writes already queued are committed, their pushes answered.
    await store.close()
    server.closeAllConnections()
    await Promise.race([serverClosed, deadline(left(grace))])
    folderLock?.release()
    log.info('relay stopped', { unanswered })
  }

  return {
    url,
    port,
    store,
    metrics,
    addKiosk: (kioskId, kioskOpts = {}) =>
      addKiosk(store, kioskId, { rotate: true, ...kioskOpts }, now()),
    revokeKiosk: (kioskId) => revokeKiosk(store, kioskId, now()),
    consoleRoutes: consoleApi.routes.map(({ method, path, public: open, query }) => ({
      method,
      path,
      public: open,
      query,
    })),
    close: () => (closing ??= close()),
  }
}

/**
 * A failed request's path as the log holds it: never its query, a pairing link's code left out
 * (`/pair/-`, as Caddy's log does), and no longer than a path of ours.
 */
export function loggedPath(url: string | undefined): string {
  const path = (url ?? '').split('?')[0] ?? ''
  return path.replace(/^\/pair\/[^/]*/, '/pair/-').slice(0, 200)
}

/**
 * The request's target as a URL, or null (answered 400) when it is none or not in the one form
 * the relay serves: a path as the client sent it, which the URL parser leaves as it is.
 *
 * Node's parser lets through targets such as `//[` whose authority no URL can hold, and one of
 * those must not crash the relay (an upgrade's listener has no one to catch for it). And the
 * URL parser rewrites paths a reverse proxy passes on unchanged: `\` becomes `/`, `.`, `..`,
 * `%2e%2e` segments are resolved, `//a/metrics` and `http://a/metrics` lose their authority.
 * The proxy decides what to refuse (deploy/Caddyfile and deploy/nginx.conf keep `/metrics` off
 * the internet) by the path as it reads it; answering `/x\..\metrics` as `/metrics` would serve
 * what it refused. Browsers and the kiosks send canonical paths, so only such tricks get 400.
 */
function requestTarget(req: IncomingMessage): URL | null {
  const target = req.url ?? '/'
  let url: URL
  try {
    url = new URL(target, 'http://relay.invalid')
  } catch {
    return null
  }
  const query = target.indexOf('?')
  const path = query === -1 ? target : target.slice(0, query)
  return path === url.pathname ? url : null
}

/**
 * The kiosks an organizer assigned to a campaign (the console's `?campaign=` scope); null when
 * there is no such campaign (404).
 */
async function kioskIdsOfCampaign(
  store: RelayStore,
  campaigns: CampaignDirectory,
  campaignId: string,
): Promise<string[] | null> {
  if ((await campaigns.campaign(campaignId)) === null) return null
  const assigned = await store.console.kioskCampaigns()
  return [...assigned].flatMap(([id, c]) => (c === campaignId ? [id] : []))
}
