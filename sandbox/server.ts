// The WeChat sandbox: WeChat's API endpoints, a scan simulator that pushes to the developer's
// server, and a phone page, on one node:http server.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { hostPort } from '../shared/net-address'
import { WechatCipher } from '../shared/wechat/crypto'
import { Router, sendJson } from '../shared/server'
import { lineLogger, type Logger } from '../shared/server/log'
import type { AccountUsers } from './account-users'
import { addApiRoutes } from './api-routes'
import type { FaultsPatch } from './faults'
import { faultsPatchSchema } from './faults'
import {
  pushUrlSchema,
  resolveOptions,
  type ResolvedSandboxOptions,
  type SandboxOptions,
} from './options'
import { addSandboxRoutes } from './sandbox-routes'
import { hostAllowed } from './host-check'
import {
  ScanSimulator,
  type FollowResult,
  type ScanResult,
  type UnsubscribeResult,
} from './scan-simulator'
import { SandboxState } from './state'

export type { SandboxOptions, ResolvedSandboxOptions } from './options'
export type { FollowResult, ScanResult, UnsubscribeResult, PushRecord } from './scan-simulator'
export { AlreadyFollowingError, NotFollowingError, UnknownQrCodeError } from './scan-simulator'
export type { VisitorView } from './visitor-view'
export { SERVICE_UNAVAILABLE } from './visitor-view'
export type { PushAttempt } from './push-sender'

export interface Sandbox {
  /** Base URL of both the API and the sandbox endpoints, without a trailing slash. */
  url: string
  port: number
  /** The resolved options, secrets included, so demo mode can configure the relay and kiosk. */
  options: ResolvedSandboxOptions
  /** Throws UnknownQrCodeError for an unknown or expired url (nothing is pushed). */
  scan(url: string, openid: string): Promise<ScanResult>
  /** A follow without a QR code; throws AlreadyFollowingError for a follower. */
  follow(openid: string): Promise<FollowResult>
  /** Throws NotFollowingError when the openid does not follow. */
  unsubscribe(openid: string): Promise<UnsubscribeResult>
  setFaults(f: FaultsPatch): void
  /** Followers' tags, message windows and messages sent (GET /sandbox/tags, /sandbox/messages). */
  users: AccountUsers
  setPushUrl(url: string | null): void
  /** The account as a relay or kiosk is configured with it (the relay's `wechat` section). */
  credentials(): SandboxCredentials
  close(): Promise<void>
}

export interface SandboxCredentials {
  apiBase: string
  appId: string
  appSecret: string
  token: string
  encodingAESKey: string
  mode: ResolvedSandboxOptions['mode']
}

/** `log` gets failed requests (readable lines on stderr unless given). */
export async function startSandbox(
  opts: SandboxOptions = {},
  log: Logger = lineLogger((line) => process.stderr.write(`sandbox: ${line}`)),
): Promise<Sandbox> {
  const options = resolveOptions(opts)
  const cipher = new WechatCipher({ encodingAESKey: options.encodingAESKey, appId: options.appId })
  const state = new SandboxState(options)
  const simulator = new ScanSimulator(options, state.tickets, cipher, state.users)

  const router = new Router({
    notFound: ({ res }) => sendJson(res, 404, { error: 'not found' }),
    methodNotAllowed: ({ res }, allow) =>
      sendJson(res, 405, { error: `method not allowed; use ${allow.join(' or ')}` }),
  })
  addApiRoutes(router, { opts: options, state })
  addSandboxRoutes(router, { state, simulator })
  const hostOk = hostAllowed(options.host, options.publicBase)

  const server = http.createServer((req, res) => {
    Promise.resolve()
      // Inside the chain: Node's parser lets through targets such as `//[` that no URL holds,
      // and a throw here would take the sandbox (and demo mode's kiosk with it) down.
      .then(() => {
        // Before any route: a DNS-rebinding page must neither push scans nor read answers.
        if (!hostOk(req.headers.host)) {
          return sendJson(res, 421, {
            error: 'unknown Host: open the sandbox by its IP address or localhost',
          })
        }
        let url: URL
        try {
          url = new URL(req.url ?? '/', 'http://sandbox.invalid')
        } catch {
          return sendJson(res, 400, { error: 'request target is not a URL' })
        }
        return router.handle(req, res, url)
      })
      .catch((err: unknown) => {
        // Never echo the error: it could carry request data. The message is safe to log.
        log.error('request failed', { error: err instanceof Error ? err.message : String(err) })
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' })
        else res.destroy()
      })
  })
  // A scan waits for up to three push tries, spaced; keep the default timeouts well above that.
  server.requestTimeout = Math.max(
    120_000,
    2 * Math.max(options.pushRetryIntervalMs, options.pushTimeoutMs) + options.pushTimeoutMs * 2,
  )

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  options.port = port
  // A wildcard bind is reached through loopback from this machine.
  const reachable = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host
  const url = options.publicBase ?? `http://${hostPort(reachable, port)}`

  return {
    url,
    port,
    options,
    scan: (qrUrl, openid) => simulator.scan(qrUrl, openid),
    follow: (openid) => simulator.follow(openid),
    unsubscribe: (openid) => simulator.unsubscribe(openid),
    setFaults: (f) => {
      state.setFaults(faultsPatchSchema.parse(f))
    },
    users: state.users,
    credentials: () => ({
      apiBase: url,
      appId: options.appId,
      appSecret: options.appSecret,
      token: options.token,
      encodingAESKey: options.encodingAESKey,
      mode: options.mode,
    }),
    setPushUrl: (pushUrl) => {
      options.pushUrl = pushUrl === null ? null : pushUrlSchema.parse(pushUrl)
    },
    close: async () => {
      simulator.close()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
    },
  }
}
