// Parametric QR code requests (docs/WECHAT.md "Creating a QR code ticket"), checked here so a bad
// request fails with the field and the rule instead of an errcode from WeChat.
import { z } from 'zod'
import { qrTicketSchema, qrUrlSchema } from '../qr-ticket'
import { WechatRequestError } from './errors'

export {
  MAX_QR_TICKET_CHARS,
  MAX_QR_URL_CHARS,
  qrCodeLifetime,
  qrTicketSchema,
  qrUrlSchema,
} from '../qr-ticket'

export type QrAction = 'QR_SCENE' | 'QR_STR_SCENE' | 'QR_LIMIT_SCENE' | 'QR_LIMIT_STR_SCENE'

export const MAX_EXPIRE_SECONDS = 2_592_000 // 30 days
export const MAX_SCENE_STR_CHARS = 64
export const MAX_LIMIT_SCENE_ID = 100_000
export const MAX_TEMP_SCENE_ID = 4_294_967_295 // 32 bits

export type QrCreateInput =
  | { action: 'QR_STR_SCENE' | 'QR_LIMIT_STR_SCENE'; sceneStr: string; expireSeconds?: number }
  | { action: 'QR_SCENE' | 'QR_LIMIT_SCENE'; sceneId: number; expireSeconds?: number }

type StrScene = { scene: { scene_str: string } }
type IdScene = { scene: { scene_id: number } }

/** The JSON body of `cgi-bin/qrcode/create`. */
export type QrCreateBody =
  | { expire_seconds: number; action_name: 'QR_SCENE'; action_info: IdScene }
  | { expire_seconds: number; action_name: 'QR_STR_SCENE'; action_info: StrScene }
  | { action_name: 'QR_LIMIT_SCENE'; action_info: IdScene }
  | { action_name: 'QR_LIMIT_STR_SCENE'; action_info: StrScene }

const ACTIONS: readonly string[] = [
  'QR_SCENE',
  'QR_STR_SCENE',
  'QR_LIMIT_SCENE',
  'QR_LIMIT_STR_SCENE',
]

function sceneStr(value: unknown): string {
  if (typeof value !== 'string') throw new WechatRequestError('scene_str', 'must be a string')
  // Unpaired surrogates cannot be sent as UTF-8 at all.
  if (/[\ud800-\udfff]/u.test(value)) {
    throw new WechatRequestError('scene_str', 'must be well-formed Unicode')
  }
  const chars = [...value].length
  if (chars < 1 || chars > MAX_SCENE_STR_CHARS) {
    throw new WechatRequestError('scene_str', `must be 1-${MAX_SCENE_STR_CHARS} characters`)
  }
  return value
}

function sceneId(value: unknown, max: number, rule: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new WechatRequestError('scene_id', rule)
  }
  return value
}

function expireSeconds(value: unknown): number {
  // WeChat's default lifetime differs between its own documents (30 s or 60 s): always send it.
  if (value === undefined) {
    throw new WechatRequestError('expire_seconds', 'required for temporary codes')
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new WechatRequestError('expire_seconds', 'must be a positive integer')
  }
  if (value > MAX_EXPIRE_SECONDS) {
    throw new WechatRequestError('expire_seconds', `must be at most ${MAX_EXPIRE_SECONDS}`)
  }
  return value
}

function noExpiry(value: unknown): void {
  if (value !== undefined) {
    throw new WechatRequestError('expire_seconds', 'not allowed for permanent codes')
  }
}

/** Validates a QR request and builds its body. Throws WechatRequestError naming field and rule. */
export function buildQrCreateBody(input: QrCreateInput): QrCreateBody {
  // Checked at runtime too: the input may come from configuration or another process.
  const raw: Record<string, unknown> = { ...input }
  const action = raw['action']
  if (typeof action !== 'string' || !ACTIONS.includes(action)) {
    throw new WechatRequestError('action_name', `must be one of ${ACTIONS.join(', ')}`)
  }
  const isStr = action === 'QR_STR_SCENE' || action === 'QR_LIMIT_STR_SCENE'
  if (raw[isStr ? 'sceneId' : 'sceneStr'] !== undefined) {
    throw new WechatRequestError(isStr ? 'scene_id' : 'scene_str', `not used by ${action}`)
  }
  switch (action) {
    case 'QR_SCENE':
      return {
        expire_seconds: expireSeconds(raw['expireSeconds']),
        action_name: action,
        action_info: {
          scene: {
            scene_id: sceneId(
              raw['sceneId'],
              MAX_TEMP_SCENE_ID,
              'must be a 32-bit non-zero positive integer',
            ),
          },
        },
      }
    case 'QR_STR_SCENE':
      return {
        expire_seconds: expireSeconds(raw['expireSeconds']),
        action_name: action,
        action_info: { scene: { scene_str: sceneStr(raw['sceneStr']) } },
      }
    case 'QR_LIMIT_SCENE':
      noExpiry(raw['expireSeconds'])
      return {
        action_name: action,
        action_info: {
          scene: {
            scene_id: sceneId(
              raw['sceneId'],
              MAX_LIMIT_SCENE_ID,
              `must be an integer 1-${MAX_LIMIT_SCENE_ID}`,
            ),
          },
        },
      }
    default:
      noExpiry(raw['expireSeconds'])
      return {
        action_name: 'QR_LIMIT_STR_SCENE',
        action_info: { scene: { scene_str: sceneStr(raw['sceneStr']) } },
      }
  }
}

/** Re-checks a body built elsewhere (or deserialized) by the same rules. */
export function validateQrCreateBody(body: QrCreateBody): QrCreateBody {
  const scene: Record<string, unknown> = { ...body.action_info.scene }
  const input: Record<string, unknown> = { action: body.action_name }
  if ('expire_seconds' in body) input['expireSeconds'] = body.expire_seconds
  if ('scene_str' in scene) input['sceneStr'] = scene['scene_str']
  if ('scene_id' in scene) input['sceneId'] = scene['scene_id']
  return buildQrCreateBody(input as QrCreateInput)
}

/**
 * A successful `qrcode/create` answer; `url` is what the QR image encodes. `expire_seconds` is
 * checked against what was asked by WechatClient.createQrCode (qrCodeLifetime).
 */
export const qrCreateResponseSchema = z.object({
  ticket: qrTicketSchema,
  expire_seconds: z.number().int().optional(),
  url: qrUrlSchema,
})

export type QrCreateResponse = z.infer<typeof qrCreateResponseSchema>

/** The showqrcode address for `ticket`, URL-encoded exactly once (twice gives a 404). */
export function showQrCodeUrl(ticket: string, base = 'https://mp.weixin.qq.com'): string {
  if (ticket.length === 0) throw new WechatRequestError('ticket', 'must not be empty')
  return `${base.replace(/\/+$/, '')}/cgi-bin/showqrcode?ticket=${encodeURIComponent(ticket)}`
}
