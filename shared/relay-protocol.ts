/**
 * Relay wire protocol, contract v1 (docs/DESIGN.md "Relay websocket"). One schema per frame;
 * the same schema is the type. Used by the relay, the kiosk core and the tests.
 */
import { z } from 'zod'
import { relayCampaignSchema } from './campaign'

/** `kioskId` is `[a-z0-9-]{1,24}`; it is also the prefix of every scene the kiosk owns. */
export const KIOSK_ID_PATTERN = /^[a-z0-9-]{1,24}$/
export const kioskIdSchema = z
  .string()
  .regex(KIOSK_ID_PATTERN, 'kioskId must match [a-z0-9-]{1,24}')
export type KioskId = z.infer<typeof kioskIdSchema>

/** WeChat allows string scenes of 1–64 characters. */
export const MAX_SCENE_LENGTH = 64
/** Largest websocket frame either side accepts. Scan frames are well under 2 KiB. */
export const MAX_FRAME_BYTES = 16 * 1024

const seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
const epoch = z.string().min(1).max(64)

export const helloFrameSchema = z
  .object({
    type: z.literal('hello'),
    kioskId: kioskIdSchema,
    epoch: epoch.optional(),
    lastSeq: seq.optional(),
    /** The kiosk's version, shown in the organizer's console (contract v2; optional). */
    version: z.string().min(1).max(64).optional(),
  })
  .strict()

/** Cumulative: acknowledges every event up to and including `seq`. */
export const ackFrameSchema = z.object({ type: z.literal('ack'), seq }).strict()

export const kioskFrameSchema = z.discriminatedUnion('type', [helloFrameSchema, ackFrameSchema])
export type HelloFrame = z.infer<typeof helloFrameSchema>
export type AckFrame = z.infer<typeof ackFrameSchema>
export type KioskFrame = z.infer<typeof kioskFrameSchema>

export const welcomeFrameSchema = z
  .object({ type: z.literal('welcome'), epoch, headSeq: seq })
  .strict()

export const scanFrameSchema = z
  .object({
    type: z.literal('scan'),
    seq: seq.min(1),
    /** Stable event id: the kiosk inserts idempotently by it. */
    id: z.string().min(1).max(128),
    event: z.enum(['subscribe', 'scan']),
    openid: z.string().min(1).max(128),
    scene: z.string().min(1).max(MAX_SCENE_LENGTH),
    ticket: z.string().max(512),
    /** WeChat's CreateTime, seconds since the epoch. */
    createTime: z.number().int().nonnegative(),
    /** When the relay stored the push, milliseconds since the epoch. */
    receivedAt: z.number().int().nonnegative(),
    /** The visitor's check-in number in the kiosk's campaign (contract v2; absent outside one). */
    number: z.number().int().positive().optional(),
    /** True only for the scan that took `number`: the visitor's first at any of its kiosks. */
    firstInCampaign: z.boolean().optional(),
  })
  .strict()

/** The kiosk's campaign (contract v2), after `welcome` and on every change; null: none now. */
export const campaignFrameSchema = z
  .object({ type: z.literal('campaign'), campaign: relayCampaignSchema.nullable() })
  .strict()

export const relayFrameSchema = z.discriminatedUnion('type', [
  welcomeFrameSchema,
  scanFrameSchema,
  campaignFrameSchema,
])
export type CampaignFrame = z.infer<typeof campaignFrameSchema>
export type WelcomeFrame = z.infer<typeof welcomeFrameSchema>
export type ScanFrame = z.infer<typeof scanFrameSchema>
export type RelayFrame = z.infer<typeof relayFrameSchema>

/** Close codes on `/kiosk`, sent by the relay or the kiosk (4xxx are application codes). */
export const RelayCloseCode = {
  /** The kiosk is stopping its link on purpose (RFC 6455's "normal closure"). */
  normal: 1000,
  /** Relay shutting down; reconnect elsewhere or later. */
  goingAway: 1001,
  /** The relay's store failed while serving this kiosk (RFC 6455's "internal error"); reconnect later. */
  internalError: 1011,
  /**
   * Relay draining for a restart or upgrade (SIGTERM; RFC 6455's "service restart"): every push
   * it accepted is stored, so reconnect at once, with a short jittered delay, to it or another.
   */
  serviceRestart: 1012,
  /** A frame that is not valid JSON or fails its schema. */
  badFrame: 4400,
  /** hello names a kiosk the token does not belong to. */
  forbidden: 4403,
  /** No hello within the deadline. */
  helloTimeout: 4408,
  /** A newer connection for the same kiosk replaced this one. */
  replaced: 4409,
  /** The kiosk's token was revoked. */
  revoked: 4410,
  /** Protocol misuse, e.g. a second hello or an ack beyond what was sent. */
  protocolError: 4422,
} as const
export type RelayCloseCode = (typeof RelayCloseCode)[keyof typeof RelayCloseCode]

/** Scenes are `<kioskId>:<nonce>`; the relay routes by the part before the first `:`. */
export function makeScene(kioskId: string, nonce: string): string {
  const scene = `${kioskIdSchema.parse(kioskId)}:${nonce}`
  if (nonce.length === 0 || scene.length > MAX_SCENE_LENGTH) {
    throw new RangeError(`scene must be 1–${MAX_SCENE_LENGTH} characters with a non-empty nonce`)
  }
  return scene
}

/** The kiosk a string scene belongs to, or null when the scene is not ours. */
export function kioskIdOfScene(scene: string): string | null {
  const colon = scene.indexOf(':')
  if (colon <= 0 || colon === scene.length - 1) return null
  const id = scene.slice(0, colon)
  return KIOSK_ID_PATTERN.test(id) ? id : null
}

/** Ticket proxy: `POST /api/tickets` on the relay with the kiosk's bearer token. */
export const MAX_TICKETS_PER_REQUEST = 20
export const ticketProxyRequestSchema = z
  .object({
    count: z.number().int().min(1).max(MAX_TICKETS_PER_REQUEST).default(1),
    /** Temporary codes live at most 30 days (WeChat's limit). */
    expireSeconds: z.number().int().min(60).max(2_592_000),
  })
  .strict()
export type TicketProxyRequest = z.infer<typeof ticketProxyRequestSchema>

export const proxiedTicketSchema = z
  .object({
    ticket: z.string().min(1).max(512),
    url: z.string().min(1).max(512),
    scene: z.string().min(1).max(MAX_SCENE_LENGTH),
    expireSeconds: z.number().int().positive(),
    /** Milliseconds since the epoch when WeChat issued it. */
    createdAt: z.number().int().nonnegative(),
  })
  .strict()
export const ticketProxyResponseSchema = z
  .object({ tickets: z.array(proxiedTicketSchema) })
  .strict()
export type ProxiedTicket = z.infer<typeof proxiedTicketSchema>

/** Error body of every relay HTTP API (not /wechat, which answers as WeChat expects). */
export const relayApiErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    /** WeChat's errcode when the failure came from the platform. */
    errcode: z.number().int().optional(),
  }),
})
export type RelayApiError = z.infer<typeof relayApiErrorSchema>

/**
 * The nonce of each kiosk's one permanent fallback code (`QR_LIMIT_STR_SCENE`, scene
 * `<kioskId>:fallback`), shown when its pool holds no fresh per-visitor code. Temporary codes
 * use random nonces of 12 or more characters, so they never collide with it.
 */
export const FALLBACK_NONCE = 'fallback'

export function fallbackScene(kioskId: string): string {
  return makeScene(kioskId, FALLBACK_NONCE)
}

/** `POST /api/fallback-code`: the kiosk's permanent code, the same on every call. */
export const fallbackCodeResponseSchema = z
  .object({
    ticket: z.string().min(1).max(512),
    url: z.string().min(1).max(512),
    scene: z.string().min(1).max(MAX_SCENE_LENGTH),
  })
  .strict()
export type FallbackCodeResponse = z.infer<typeof fallbackCodeResponseSchema>
