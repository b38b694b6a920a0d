/**
 * A QR code ticket as WeChat's `qrcode/create` hands it out and as the relay passes it on: the
 * rules for its fields, shared by shared/wechat (the relay and the kiosk calling WeChat) and
 * relay-protocol (the kiosk reading the relay's answer). No Node: relay-protocol runs in the
 * renderer and the console too.
 */
import { z } from 'zod'

/** Longest ticket or QR url taken from WeChat (its documented ticket is 96 characters). */
export const MAX_QR_TICKET_CHARS = 512
export const MAX_QR_URL_CHARS = 512

/**
 * A ticket as WeChat hands it out: base64 of a small binary record (`gQH47joAAAA…sUw==`).
 * base64url's `-` and `_` are allowed too; nothing else (no spaces, markup or `%`).
 */
export const qrTicketSchema = z
  .string()
  .min(1)
  .max(MAX_QR_TICKET_CHARS)
  .regex(/^[A-Za-z0-9+/=_-]+$/, 'not a ticket')

/**
 * What a QR code encodes: WeChat's `http://weixin.qq.com/q/<code>` (plain http, as WeChat sends
 * it) or an https address: a host name or IPv4 address, then printable ASCII only. Never
 * `javascript:`, `data:`…, spaces or control characters.
 */
export const qrUrlSchema = z
  .string()
  .max(MAX_QR_URL_CHARS)
  .regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?([/?#][!-~]*)?$/i, 'not an http(s) url')
  .url({ protocol: /^https?$/, message: 'not an http(s) url' })

/**
 * The lifetime to keep a new code for, from WeChat's `expire_seconds` and what was asked (0 for
 * a permanent code): never longer than asked, the asked one when WeChat leaves it out, null
 * (an answer not to be trusted) when a temporary code would be dead already.
 */
export function qrCodeLifetime(answered: number | undefined, requested: number): number | null {
  if (requested === 0) return 0
  if (answered === undefined) return requested
  return answered > 0 ? Math.min(answered, requested) : null
}
