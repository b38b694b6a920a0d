/**
 * The one place a failed WeChat call is classified, for all three paths: the kiosk calling
 * WeChat directly, the relay calling it for a kiosk (ticket proxy, fallback code) and the kiosk
 * reading the relay's answer. A failure is WeChat's refusal (its errcode's kind, by the
 * endpoint that answered: errors.ts) or how the call itself failed (timeout, network, a non-2xx
 * answer, a body we cannot read). The relay sends it on as the code `wechat_<kind>`.
 */
import {
  WECHAT_API_ERROR_KINDS,
  WechatApiError,
  WechatHttpError,
  type WechatApiErrorKind,
  type WechatHttpErrorCode,
} from './errors'

const TRANSPORT_KINDS = ['timeout', 'network', 'http', 'bad_response'] as const
export type WechatFailureKind = WechatApiErrorKind | WechatHttpErrorCode

export interface WechatFailure {
  kind: WechatFailureKind
  /** WeChat's errcode, when WeChat answered with one. */
  errcode?: number
  message: string
}

/** What went wrong in a WeChat call, or null when `err` is no WeChat failure (a bug, a bad request). */
export function wechatFailureOf(err: unknown): WechatFailure | null {
  if (err instanceof WechatApiError) {
    return { kind: err.kind, errcode: err.errcode, message: err.message }
  }
  if (err instanceof WechatHttpError) return { kind: err.code, message: err.message }
  return null
}

/** WeChat could not be reached or read (as opposed to WeChat refusing). */
export function isTransportFailure(kind: WechatFailureKind): kind is WechatHttpErrorCode {
  return (TRANSPORT_KINDS as readonly string[]).includes(kind)
}

/** The relay API error code for a failure: `wechat_<kind>`. */
export function wechatFailureCode(kind: WechatFailureKind): string {
  return `wechat_${kind}`
}

/** The failure kind in a relay API error code, or null when the code is not `wechat_<kind>`. */
export function wechatFailureKindOfCode(code: string): WechatFailureKind | null {
  if (!code.startsWith('wechat_')) return null
  const kind = code.slice('wechat_'.length)
  const known: readonly string[] = [...WECHAT_API_ERROR_KINDS, ...TRANSPORT_KINDS]
  return known.includes(kind) ? (kind as WechatFailureKind) : null
}

/** The relay's HTTP status for a failure: a gateway timeout for WeChat's, else a bad gateway. */
export function wechatFailureStatus(kind: WechatFailureKind): 502 | 504 {
  return kind === 'timeout' ? 504 : 502
}
