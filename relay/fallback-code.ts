/**
 * `POST /api/fallback-code`: each kiosk's one permanent code (`QR_LIMIT_STR_SCENE`, scene
 * `<caller's kioskId>:fallback`), which it shows when it has no fresh temporary code. Created
 * with the relay's credentials on the first call and stored; every later call returns the
 * stored code. Permanent codes are capped at 100,000 per account and never expire, so this is
 * the only permanent code the proxy ever makes: one per kiosk, named by the caller's token,
 * with no scene or action taken from the request.
 *
 * A call that finds no stored code asks WeChat, so those calls are limited per kiosk (429 with
 * Retry-After, like the ticket proxy): without it a kiosk token could make the relay call
 * `qrcode/create` without end while WeChat refuses (spending the account's daily quota the
 * booths' tickets need), and while the store cannot save what WeChat made, every call made one
 * more permanent code. A stored code is answered without WeChat and never limited. A code
 * WeChat made that the store failed to save is kept in memory and saved by the next call, so
 * a kiosk retrying through a store blip gets that code and no second one is made.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { fallbackScene, type FallbackCodeResponse } from '../shared/relay-protocol'
import { WechatClient, buildQrCreateBody } from '../shared/wechat'
import { hasWechatCredentials, type RelayConfig } from './config'
import { BodyError, readJson, sendApiError, sendBodyError, sendJson } from './http-util'
import { KIOSK_TOKEN_CHALLENGE, bearerToken, verifyKioskToken } from './kiosk-tokens'
import { TicketLimiter } from './rate-limit'
import { LogLimiter, type Logger } from './log'
import { sendWechatFailure } from './wechat-failure'
import type { FallbackCodeRecord, RelayStore } from './store/types'

const MAX_REQUEST_BYTES = 256
/** Longer than one WeChat call with its retries: a live holder never loses the lease. */
const LEASE_MS = 60_000
/**
 * How long a caller waits for another instance's creation before answering 503 `fallback_busy`
 * (Retry-After 5). Clearly shorter than the kiosk's wait for this answer
 * (`FALLBACK_REQUEST_TIMEOUT_MS`, 15 s, in electron/core/tickets/fallback-source.ts), with room
 * for a slow venue link and the store's round trips: a relay that waits longer is cut off by the
 * kiosk's timeout, which then hears neither the 503 nor its Retry-After, only "unreachable".
 */
export const FALLBACK_WAIT_MS = 8_000
const POLL_MS = 200
/**
 * WeChat asked for one kiosk's code: 3 at once, then one a minute. A kiosk asks once per
 * connection until it has its code, and backs off after a refusal.
 */
export const FALLBACK_CREATION_LIMITS = { ratePerMinute: 1, burst: 3, concurrency: 1 } as const

/** The body is optional; when given it must be `{}`: nothing in it may steer the code. */
const requestSchema = z.object({}).strict()

export interface FallbackCodeOptions {
  config: RelayConfig
  store: RelayStore
  log: Logger
  now: () => number
  sleep?: (ms: number) => Promise<void>
}

export function createFallbackCodeEndpoint(opts: FallbackCodeOptions) {
  const { config, store, log, now } = opts
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const { appId, appSecret, apiBase } = config.wechat
  const client = hasWechatCredentials(config.wechat)
    ? new WechatClient({ appId, appSecret, apiBase, tokenStore: store.accessTokenStore(appId) })
    : null
  const limiter = new TicketLimiter(FALLBACK_CREATION_LIMITS, now)
  /** Concurrent first calls on this instance share one creation. */
  const creating = new Map<string, Promise<FallbackCodeRecord | null>>()
  /**
   * Codes WeChat made whose saving failed (a store blip): the next call saves this one rather
   * than asking WeChat for another permanent code. Per instance, so a restart forgets it.
   */
  const unsaved = new Map<string, FallbackCodeRecord>()
  /** WeChat (or the store) failing every booth's call alike: a line a minute for each cause. */
  const failureLines = new LogLimiter(now)

  async function create(wechat: WechatClient, kioskId: string): Promise<FallbackCodeRecord | null> {
    // Timed by the clock as well as by the polls: slow store round trips count against it too.
    const until = now() + FALLBACK_WAIT_MS
    for (let poll = 0; ; poll++) {
      const stored = await store.fallbackCode(kioskId)
      if (stored !== null) return stored
      // The lease makes concurrent first calls on other instances wait for this one.
      const release = await store.leaseFallbackCreation(kioskId, LEASE_MS)
      if (release !== null) {
        try {
          const raced = await store.fallbackCode(kioskId)
          if (raced !== null) return raced
          let made = unsaved.get(kioskId)
          if (made === undefined) {
            const scene = fallbackScene(kioskId)
            const body = buildQrCreateBody({ action: 'QR_LIMIT_STR_SCENE', sceneStr: scene })
            const created = await wechat.createQrCode(body)
            log.info('fallback code created', { kioskId })
            made = { ticket: created.ticket, url: created.url, scene, createdAt: now() }
            unsaved.set(kioskId, made)
          }
          const saved = await store.saveFallbackCode(kioskId, made)
          unsaved.delete(kioskId)
          return saved
        } finally {
          await release().catch(() => {})
        }
      }
      if (poll >= FALLBACK_WAIT_MS / POLL_MS || now() + POLL_MS > until) return null
      await sleep(POLL_MS)
    }
  }

  function obtain(wechat: WechatClient, kioskId: string): Promise<FallbackCodeRecord | null> {
    let p = creating.get(kioskId)
    if (p === undefined) {
      p = create(wechat, kioskId).finally(() => creating.delete(kioskId))
      creating.set(kioskId, p)
    }
    return p
  }

  function fail(res: ServerResponse, kioskId: string, err: unknown): void {
    sendWechatFailure(
      res,
      err,
      { log, lines: failureLines, kioskId },
      {
        name: 'fallback code',
        internalMessage: 'fallback code creation failed',
      },
    )
  }

  return async function handleFallbackCode(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const cred = await verifyKioskToken(store, bearerToken(req.headers.authorization))
    if (cred === null) {
      res.setHeader('WWW-Authenticate', KIOSK_TOKEN_CHALLENGE)
      return sendApiError(res, 401, 'unauthorized', 'bad or missing kiosk token')
    }
    if (!cred.ticketProxy) {
      return sendApiError(res, 403, 'forbidden', 'this kiosk may not use the ticket proxy')
    }
    let json: unknown
    try {
      json = await readJson(req, MAX_REQUEST_BYTES, { optional: true })
    } catch (err) {
      if (!(err instanceof BodyError)) throw err
      return sendBodyError(res, err)
    }
    if (json !== undefined && !requestSchema.safeParse(json).success) {
      return sendApiError(res, 400, 'bad_request', 'body: takes no fields')
    }
    let code: FallbackCodeRecord | null
    try {
      code = await store.fallbackCode(cred.kioskId)
      if (code === null) {
        if (client === null) {
          return sendApiError(res, 503, 'ticket_proxy_disabled', 'relay has no WeChat credentials')
        }
        // A call joining a creation in flight asks WeChat nothing: only new ones count.
        const admission = creating.has(cred.kioskId) ? null : limiter.admit(cred.kioskId, 1)
        if (admission !== null && !admission.granted) {
          res.setHeader('Retry-After', String(admission.retryAfterSeconds))
          return sendApiError(
            res,
            429,
            'rate_limited',
            `fallback code creation limit for this kiosk; retry in ${admission.retryAfterSeconds} s`,
          )
        }
        try {
          code = await obtain(client, cred.kioskId)
        } finally {
          admission?.release()
        }
      }
    } catch (err) {
      return fail(res, cred.kioskId, err)
    }
    if (code === null) {
      res.setHeader('Retry-After', '5')
      return sendApiError(res, 503, 'fallback_busy', 'another relay instance is creating it')
    }
    const body: FallbackCodeResponse = { ticket: code.ticket, url: code.url, scene: code.scene }
    sendJson(res, 200, body)
  }
}
