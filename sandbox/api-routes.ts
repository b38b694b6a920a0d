// The WeChat API endpoints: same paths, parameters, bodies and errcode JSON as
// api.weixin.qq.com (token, stable_token, qrcode/create) and mp.weixin.qq.com (showqrcode).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { safeEqual } from '../shared/wechat/signature'
import { apiError, ipNotAllowedError, type ApiErrorBody } from './api-errors'
import { sendText, type RouteRequest, type Router } from '../shared/server'
import { remoteIp, sleep } from './http-io'
import type { ResolvedSandboxOptions } from './options'
import { renderQrJpeg } from './qr-image'
import { validateQrRequest } from './qr-validate'
import { json, readJsonBody } from './api-body'
import { FOLLOW_UP_ROUTES } from './follow-up-routes'
import type { SandboxState } from './state'
import type { IssuedToken } from './token-store'

const IMAGE_CACHE_SIZE = 128

export interface ApiDeps {
  opts: ResolvedSandboxOptions
  state: SandboxState
}

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: ApiDeps,
) => void | Promise<void>

/**
 * WeChat's endpoints (token, stable_token, qrcode/create, showqrcode, and the tag and
 * customer-service ones in follow-up-routes.ts), any method (each answers a wrong one as WeChat does, with an
 * errcode), behind the latency and HTTP 5xx faults.
 */
export function addApiRoutes(router: Router, deps: ApiDeps): Router {
  const routes: Record<string, Handler> = {
    '/cgi-bin/token': handleToken,
    '/cgi-bin/stable_token': handleStableToken,
    '/cgi-bin/qrcode/create': handleQrCreate,
    '/cgi-bin/showqrcode': handleShowQr,
    ...FOLLOW_UP_ROUTES,
  }
  for (const [path, handler] of Object.entries(routes)) {
    router.add('*', path, ({ req, res, url }: RouteRequest) =>
      withFaults(req, res, url, deps, handler),
    )
  }
  return router
}

async function withFaults(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: ApiDeps,
  handler: Handler,
): Promise<void> {
  const faults = deps.state.faults
  if (faults.latencyMs > 0) await sleep(faults.latencyMs)
  if (faults.http5xx !== null) {
    const status = faults.http5xx
    sendText(res, status, `<html><body><h1>${status}</h1></body></html>`, 'text/html')
    return
  }
  await handler(req, res, url, deps)
}

const tokenJson = (t: IssuedToken) => ({ access_token: t.accessToken, expires_in: t.expiresIn })

/** The checks both token endpoints share, in WeChat's order; null when all pass. */
function credentialError(
  req: IncomingMessage,
  deps: ApiDeps,
  grantType: unknown,
  appId: unknown,
  secret: unknown,
): ApiErrorBody | null {
  if (deps.state.faults.busy) return apiError('systemBusy')
  if (grantType !== 'client_credential') return apiError('invalidGrantType')
  if (typeof appId !== 'string' || appId === '') return apiError('appIdMissing')
  if (appId !== deps.opts.appId) return apiError('invalidAppId')
  if (typeof secret !== 'string' || secret === '') return apiError('secretMissing')
  if (!safeEqual(secret, deps.opts.appSecret)) return apiError('invalidAppSecret')
  const allow = deps.opts.ipAllowList
  const ip = remoteIp(req)
  if (allow !== null && !allow.includes(ip)) return ipNotAllowedError(ip)
  return null
}

function handleToken(req: IncomingMessage, res: ServerResponse, url: URL, deps: ApiDeps) {
  if (req.method !== 'GET') return json(res, apiError('requireGet'))
  const q = url.searchParams
  const err = credentialError(req, deps, q.get('grant_type'), q.get('appid'), q.get('secret'))
  if (err) return json(res, err)
  json(res, tokenJson(deps.state.tokens.issueBasic()))
}

const stableBodySchema = z.object({
  grant_type: z.unknown().optional(),
  appid: z.unknown().optional(),
  secret: z.unknown().optional(),
  force_refresh: z.boolean().optional(),
})

async function handleStableToken(
  req: IncomingMessage,
  res: ServerResponse,
  _u: URL,
  deps: ApiDeps,
) {
  if (req.method !== 'POST') return json(res, apiError('requirePost'))
  const raw = await readJsonBody(req, res)
  if (raw === undefined) return
  const body = stableBodySchema.safeParse(raw)
  if (!body.success) return json(res, apiError('dataFormat'))
  const b = body.data
  const err = credentialError(req, deps, b.grant_type, b.appid, b.secret)
  if (err) return json(res, err)
  const { state, opts } = deps
  // The account's call limits (10,000 a minute, 500,000 a day), counted on calls it answered.
  if (
    state.stableCallsThisMinute.used() >= opts.stableTokenPerMinute ||
    state.stableCallsToday.used() >= opts.stableTokenPerDay
  ) {
    return json(res, apiError('dailyQuota'))
  }
  const issued = state.tokens.stable(b.force_refresh ?? false)
  if (issued === 'daily_limit') return json(res, apiError('dailyQuota'))
  state.stableCallsThisMinute.increment()
  state.stableCallsToday.increment()
  json(res, tokenJson(issued))
}

async function handleQrCreate(req: IncomingMessage, res: ServerResponse, url: URL, deps: ApiDeps) {
  if (req.method !== 'POST') return json(res, apiError('requirePost'))
  const { state, opts } = deps
  if (state.faults.busy) return json(res, apiError('systemBusy'))
  const token = url.searchParams.get('access_token')
  if (token === null || token === '') return json(res, apiError('accessTokenMissing'))
  const check = state.tokens.check(token)
  if (check === 'expired') return json(res, apiError('accessTokenExpired'))
  if (check === 'invalid') return json(res, apiError('invalidCredential'))
  if (state.qrCreates.used() >= opts.dailyQrQuota || state.faults.quotaAfter === 0) {
    return json(res, apiError('dailyQuota'))
  }

  const raw = await readJsonBody(req, res)
  if (raw === undefined) return
  const validation = validateQrRequest(raw)
  if (!validation.ok) return json(res, validation.error)
  const created = state.tickets.create(validation.request)
  if (!created.ok) return json(res, apiError('qrCountLimit'))
  state.qrCreates.increment()
  state.spendQuotaFault()
  const { record } = created
  json(
    res,
    record.expireSeconds === null
      ? { ticket: record.ticket, url: record.url }
      : { ticket: record.ticket, expire_seconds: record.expireSeconds, url: record.url },
  )
}

const imageCache = new Map<string, Buffer>()

function qrImage(text: string): Buffer {
  const cached = imageCache.get(text)
  if (cached) return cached
  const image = renderQrJpeg(text)
  if (imageCache.size >= IMAGE_CACHE_SIZE) {
    const oldest = imageCache.keys().next()
    if (!oldest.done) imageCache.delete(oldest.value)
  }
  imageCache.set(text, image)
  return image
}

function handleShowQr(req: IncomingMessage, res: ServerResponse, url: URL, deps: ApiDeps) {
  // URLSearchParams decodes exactly once, so a ticket sent without URL-encoding ('+' read as a
  // space) or encoded twice is not found: the 404 WeChat gives for the same mistakes.
  const ticket = url.searchParams.get('ticket')
  const record = ticket === null ? undefined : deps.state.tickets.byTicket(ticket)
  if (req.method !== 'GET' || !record) {
    return sendText(res, 404, '<html><body>404 Not Found</body></html>', 'text/html')
  }
  const image = qrImage(record.url)
  res.writeHead(200, {
    'Content-Type': 'image/jpg',
    'Cache-Control': 'max-age=604800',
    'Content-Length': image.length,
    'Accept-Ranges': 'bytes',
  })
  res.end(image)
}
