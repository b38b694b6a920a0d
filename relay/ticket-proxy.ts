/**
 * `POST /api/tickets`: creates temporary QR_STR_SCENE tickets with the relay's credentials for
 * kiosks that cannot be on the account's IP allow-list (errcode 40164). The scene is always
 * `<caller's kioskId>:<random nonce>`: the request has no scene field, so a kiosk can never
 * obtain a code whose scans would be routed to another kiosk. Each kiosk is held to a ticket
 * rate and a number of requests in flight (429 with Retry-After beyond them), and lifetimes are
 * capped at `maxTicketExpireSeconds`. Those limits are per relay process; the daily ticket budget
 * (`ticketDailyBudget` a kiosk per quota day) is counted in the store, across every instance and
 * restart, so one kiosk token cannot spend the account's daily quota however many instances
 * stand behind the balancer. Past it the kiosk gets the same 429 until midnight Beijing time.
 * Once WeChat answers 45009 (the quota is spent), the proxy stops calling qrcode/create until the
 * quota day turns (midnight Beijing time): every booth gets that same answer at once, as
 * docs/WECHAT.md "Access token" asks ("stop creating codes"), however often a kiosk asks. Each relay
 * instance learns it from its own first 45009.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { makeScene, ticketProxyRequestSchema, type ProxiedTicket } from '../shared/relay-protocol'
import {
  WechatClient,
  buildQrCreateBody,
  quotaDay,
  quotaDayEndsAt,
  wechatFailureOf,
} from '../shared/wechat'
import { hasWechatCredentials, type RelayConfig } from './config'
import { BodyError, readJson, sendApiError, sendBodyError, sendJson } from './http-util'
import { KIOSK_TOKEN_CHALLENGE, bearerToken, verifyKioskToken } from './kiosk-tokens'
import { errorMessage, LogLimiter, type Logger } from './log'
import type { RelayMetrics, TicketRefusal } from './metrics'
import { TicketLimiter, type RefusalReason } from './rate-limit'
import type { RelayStore } from './store/types'
import { sendWechatFailure } from './wechat-failure'

const MAX_REQUEST_BYTES = 4096

export interface TicketProxyOptions {
  config: RelayConfig
  store: RelayStore
  log: Logger
  metrics: RelayMetrics
  now: () => number
}

export function createTicketProxy(opts: TicketProxyOptions) {
  const { config, store, log, metrics, now } = opts
  const { appId, appSecret, apiBase } = config.wechat
  const client = hasWechatCredentials(config.wechat)
    ? new WechatClient({ appId, appSecret, apiBase, tokenStore: store.accessTokenStore(appId) })
    : null
  const limiter = new TicketLimiter(
    {
      ratePerMinute: config.ticketRatePerMinute,
      burst: config.ticketBurst,
      concurrency: config.ticketConcurrency,
    },
    now,
  )
  /** A kiosk over its limit: a line once a minute for each kiosk, with how many went unlogged. */
  const refusalLines = new LogLimiter(now)
  const issuedLines = new LogLimiter(now)
  /** WeChat refusing every booth's request alike: a line a minute for each cause. */
  const wechatLines = new LogLimiter(now)
  /** The quota day each kiosk was last logged as past its daily budget (once a day each). */
  const budgetLogged = new Map<string, string>()
  /** WeChat's 45009 on qrcode/create and the quota day it came on: answered again until then. */
  let quotaSpent: { day: string; err: unknown } | null = null

  /** Remembers a 45009 on qrcode/create (WeChat's daily quota) for the rest of its day. */
  function noteFailure(err: unknown): void {
    if (wechatFailureOf(err)?.kind === 'quota') quotaSpent = { day: quotaDay(now()), err }
  }

  function refuse(
    res: ServerResponse,
    reason: TicketRefusal,
    status: number,
    code: string,
    message: string,
  ): void {
    metrics.countTicketRefusal(reason)
    sendApiError(res, status, code, message)
  }

  function limited(
    res: ServerResponse,
    kioskId: string,
    reason: RefusalReason,
    retryAfterSeconds: number,
  ): void {
    refusalLines.log(
      log,
      'warn',
      'ticket proxy: kiosk over its limit',
      { kioskId, reason, retryAfterSeconds },
      kioskId,
    )
    res.setHeader('Retry-After', String(retryAfterSeconds))
    const message =
      reason === 'rate'
        ? `ticket rate limit for this kiosk; retry in ${retryAfterSeconds} s`
        : `too many ticket requests in flight for this kiosk; retry in ${retryAfterSeconds} s`
    refuse(res, reason, 429, reason === 'rate' ? 'rate_limited' : 'too_many_in_flight', message)
  }

  /**
   * The kiosk's daily budget is spent: the 429 it waits out like its rate limit (the kiosk caps
   * the wait at an hour and asks again, getting this same answer without a WeChat call).
   */
  function overBudget(res: ServerResponse, kioskId: string, day: string): void {
    const at = now()
    const retryAfterSeconds = Math.max(1, Math.ceil((quotaDayEndsAt(at) - at) / 1000))
    if (budgetLogged.get(kioskId) !== day) {
      budgetLogged.set(kioskId, day)
      log.warn('ticket proxy: kiosk spent its daily ticket budget', {
        kioskId,
        day,
        budget: config.ticketDailyBudget,
        retryAfterSeconds,
      })
    }
    res.setHeader('Retry-After', String(retryAfterSeconds))
    const message =
      `daily ticket budget of this kiosk (${config.ticketDailyBudget}) spent; ` +
      `retry in ${retryAfterSeconds} s, after midnight Beijing time`
    refuse(res, 'budget', 429, 'rate_limited', message)
  }

  /** Gives back budget taken for tickets that were not created (a WeChat failure, a kiosk gone). */
  async function giveBack(kioskId: string, day: string, count: number): Promise<void> {
    if (count <= 0) return
    try {
      await store.returnTicketBudget(kioskId, day, count)
    } catch (err) {
      // The budget errs on the side of the account's quota: these stay counted.
      log.warn('ticket proxy: could not give back unspent budget', {
        kioskId,
        count,
        error: errorMessage(err),
      })
    }
  }

  function fail(res: ServerResponse, kioskId: string, err: unknown): void {
    metrics.countTickets(0, true)
    sendWechatFailure(
      res,
      err,
      { log, lines: wechatLines, kioskId },
      {
        name: 'ticket proxy',
        internalMessage: 'ticket creation failed',
      },
    )
  }

  return async function handleTickets(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const cred = await verifyKioskToken(store, bearerToken(req.headers.authorization))
    if (cred === null) {
      res.setHeader('WWW-Authenticate', KIOSK_TOKEN_CHALLENGE)
      return refuse(res, 'unauthorized', 401, 'unauthorized', 'bad or missing kiosk token')
    }
    if (!cred.ticketProxy) {
      return refuse(res, 'forbidden', 403, 'forbidden', 'this kiosk may not use the ticket proxy')
    }
    if (client === null) {
      const message = 'relay has no WeChat credentials'
      return refuse(res, 'disabled', 503, 'ticket_proxy_disabled', message)
    }
    let json: unknown
    try {
      json = await readJson(req, MAX_REQUEST_BYTES)
    } catch (err) {
      if (!(err instanceof BodyError)) throw err
      if (err.status !== 0)
        metrics.countTicketRefusal(err.status === 413 ? 'too_large' : 'bad_request')
      return sendBodyError(res, err)
    }
    const parsed = ticketProxyRequestSchema.safeParse(json)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const field = issue?.path.join('.') || 'body'
      const message = `${field}: ${issue?.message ?? 'invalid'}`
      return refuse(res, 'bad_request', 400, 'bad_request', message)
    }
    // Fewer tickets than asked when the bucket holds fewer: the kiosk asks again for the rest.
    const admission = limiter.admit(cred.kioskId, parsed.data.count)
    if (!admission.granted) {
      return limited(res, cred.kioskId, admission.reason, admission.retryAfterSeconds)
    }
    const day = quotaDay(now())
    if (quotaSpent !== null && quotaSpent.day === day) {
      admission.release()
      return fail(res, cred.kioskId, quotaSpent.err)
    }
    // A kiosk that stopped waiting (its timeout, a dropped venue Wi-Fi) gets nothing more:
    // every ticket costs the account's daily quota. Before the answer, 'close' means that (heard
    // from here on, also while the budget is taken).
    let gone = false
    res.once('close', () => (gone = true))
    // Taken before WeChat is called (two instances never both take the last ticket); what is not
    // created is given back below, so only tickets WeChat made count.
    let budgeted = admission.count
    if (config.ticketDailyBudget > 0) {
      try {
        budgeted = await store.takeTicketBudget(
          cred.kioskId,
          day,
          admission.count,
          config.ticketDailyBudget,
        )
      } catch (err) {
        admission.release()
        throw err
      }
      if (budgeted === 0) {
        admission.release()
        return overBudget(res, cred.kioskId, day)
      }
    }
    // Clamped rather than refused: the kiosk keeps each ticket for the lifetime in the answer.
    const expireSeconds = Math.min(parsed.data.expireSeconds, config.maxTicketExpireSeconds)
    if (expireSeconds < parsed.data.expireSeconds) metrics.countExpireClamped()
    const tickets: ProxiedTicket[] = []
    try {
      // One at a time: gentle on the daily quota, and a failure stops the batch early.
      for (let i = 0; i < budgeted && !gone; i++) {
        const scene = makeScene(cred.kioskId, randomBytes(12).toString('base64url'))
        const body = buildQrCreateBody({ action: 'QR_STR_SCENE', sceneStr: scene, expireSeconds })
        const created = await client.createQrCode(body)
        tickets.push({
          ticket: created.ticket,
          url: created.url,
          scene,
          expireSeconds: created.expireSeconds,
          createdAt: now(),
        })
      }
    } catch (err) {
      noteFailure(err)
      // Tickets already created cost quota: hand them over rather than waste them.
      if (tickets.length === 0) return fail(res, cred.kioskId, err)
      log.warn('ticket proxy: partial batch', { kioskId: cred.kioskId, error: errorMessage(err) })
    } finally {
      admission.release()
      if (config.ticketDailyBudget > 0) await giveBack(cred.kioskId, day, budgeted - tickets.length)
    }
    metrics.countTickets(tickets.length, false)
    if (gone) {
      log.warn('ticket proxy: kiosk left before its tickets', {
        kioskId: cred.kioskId,
        created: tickets.length,
      })
      return
    }
    // A booth rotating every 10 s asks about every 10 s (10,000 booths: 1,000 lines a second):
    // once a minute for each kiosk, with how many requests went unlogged; /metrics counts all.
    issuedLines.log(
      log,
      'info',
      'tickets issued',
      { kioskId: cred.kioskId, count: tickets.length },
      cred.kioskId,
    )
    sendJson(res, 200, { tickets })
  }
}
