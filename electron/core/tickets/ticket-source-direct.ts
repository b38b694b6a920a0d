/**
 * Ticket source on this machine: AppID/AppSecret from the vault, stable_token, and
 * `qrcode/create` for QR_STR_SCENE codes whose scene is `<kioskId>:<nonce>`.
 */
import { randomBytes } from 'node:crypto'
import { makeScene } from '../../../shared/relay-protocol'
import { netFetch } from '../net/proxy'
import { buildQrCreateBody, WechatClient, wechatFailureOf } from '../../../shared/wechat'
import {
  networkSourceError,
  sourceCodeOfFailure,
  TicketSourceError,
  type CreatedTicket,
  type TicketSource,
} from './ticket-source'

export interface DirectTicketSourceOptions {
  appId: string
  appSecret: string
  apiBase: string
  kioskId: string
  timeoutMs?: number
}

/** 12 base64url characters: 72 random bits, so nobody can guess another visitor's scene. */
export function newNonce(): string {
  return randomBytes(9).toString('base64url')
}

export function createDirectTicketSource(o: DirectTicketSourceOptions): TicketSource {
  const client = new WechatClient({
    appId: o.appId,
    appSecret: o.appSecret,
    apiBase: o.apiBase,
    timeoutMs: o.timeoutMs ?? 10_000,
    // The pool has its own backoff; one quick retry on -1 is enough here.
    busyRetries: 1,
    fetch: netFetch,
  })
  return {
    kind: 'direct',
    maxBatch: 1,
    async create(count, expireSeconds) {
      const out: CreatedTicket[] = []
      for (let i = 0; i < count; i++) {
        const scene = makeScene(o.kioskId, newNonce())
        try {
          const body = buildQrCreateBody({ action: 'QR_STR_SCENE', sceneStr: scene, expireSeconds })
          const t = await client.createQrCode(body)
          out.push({ ticket: t.ticket, url: t.url, scene, expireSeconds: t.expireSeconds })
        } catch (err) {
          throw toSourceError(err)
        }
      }
      return out
    },
  }
}

/** A failed WeChat call as the kiosk sees it; anything else (a refused request, a bug) is `other`. */
export function toSourceError(err: unknown): TicketSourceError {
  const stoppedOnTheWay = networkSourceError(err)
  if (stoppedOnTheWay !== null) return stoppedOnTheWay
  const failure = wechatFailureOf(err)
  if (failure !== null) {
    return new TicketSourceError(sourceCodeOfFailure(failure.kind), failure.message, {
      cause: err,
      errcode: failure.errcode,
    })
  }
  const message = err instanceof Error ? err.message : 'ticket request failed'
  return new TicketSourceError('other', message, err instanceof Error ? { cause: err } : undefined)
}
