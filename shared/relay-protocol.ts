/**
 * Relay wire protocol, contract v1 (docs/DESIGN.md "Relay websocket") and the v2 additions
 * (docs/DESIGN.md "Campaign and roster frames"). One schema per frame; the same schema is the
 * type. Used by the relay, the kiosk core and the tests.
 */
import { z } from 'zod'

import { KIOSK_ID_PATTERN, kioskIdSchema } from './kiosk-id'
import {
  MAX_ROSTER_ENTRIES_PER_FRAME,
  campaignIdSchema,
  relayCampaignSchema,
  relayRosterEntrySchema,
  type RelayRosterEntry,
} from './campaign'
import { screenPathsSchema } from './screen-paths'
import { LINE_TEXT_MESSAGE, isLineText } from './typed-text'
import { qrTicketSchema, qrUrlSchema } from './qr-ticket'

export { KIOSK_ID_PATTERN, kioskIdSchema, type KioskId } from './kiosk-id'

/** WeChat allows string scenes of 1–64 characters. */
export const MAX_SCENE_LENGTH = 64
/** Largest websocket frame the relay accepts from a kiosk. Scan frames are well under 2 KiB. */
export const MAX_FRAME_BYTES = 16 * 1024
/**
 * Largest frame a kiosk accepts from the relay (v2). A campaign frame is at most ~27 KB (every
 * text at its longest, each character escaped to 6 bytes); roster frames are packed to it by
 * `rosterChunkEnd`.
 */
export const MAX_RELAY_FRAME_BYTES = 64 * 1024

const seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
const epoch = z.string().min(1).max(64)
/** v2 versions (campaign, roster) only grow. */
const version = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
const count = z.number().int().nonnegative().max(1_000_000)
const openid = z.string().min(1).max(128)
const registrationId = z.string().min(1).max(64)
/** Milliseconds since the epoch. */
export const epochMs = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)

export const helloFrameSchema = z
  .object({
    type: z.literal('hello'),
    kioskId: kioskIdSchema,
    epoch: epoch.optional(),
    lastSeq: seq.optional(),
    /**
     * The kiosk's version, shown in the organizer's console (contract v2; optional): one line,
     * no text-direction controls, as any name shown there (shared/typed-text.ts).
     */
    version: z.string().min(1).max(64).refine(isLineText, LINE_TEXT_MESSAGE).optional(),
    /** v2: the `version` of the last campaign frame the kiosk stored (absent: none yet). */
    campaignVersion: version.optional(),
    /**
     * v2: the roster the kiosk holds or is receiving: `offset` entries of `version` stored (equal
     * to its total when complete). The relay resumes there, and starts at 0 only for a roster
     * version or campaign the kiosk does not hold.
     */
    roster: z.object({ campaignId: campaignIdSchema, version, offset: count }).strict().optional(),
  })
  .strict()

/** Cumulative: acknowledges every event up to and including `seq`. */
export const ackFrameSchema = z.object({ type: z.literal('ack'), seq }).strict()

/** v2: the kiosk stored roster entries `[0, offset)` of this version (the resume point). */
export const rosterAckFrameSchema = z
  .object({
    type: z.literal('roster-ack'),
    campaignId: campaignIdSchema,
    rosterVersion: version,
    offset: count,
  })
  .strict()

/**
 * v2: a desk at this kiosk bound a WeChat user to a registration. Queued while offline, sent
 * (again) until the relay answers `bind-ack`; idempotent: the same four fields twice are one
 * binding. The latest `at` wins for a registration and for an openid; `at` is on the relay's
 * clock as the kiosk knows it; the relay stores one more than a few seconds ahead of its clock
 * as its now (docs/DESIGN.md "Campaign and roster frames").
 */
export const bindFrameSchema = z
  .object({
    type: z.literal('bind'),
    campaignId: campaignIdSchema,
    registrationId: registrationId,
    openid,
    at: epochMs,
  })
  .strict()

export const kioskFrameSchema = z.discriminatedUnion('type', [
  helloFrameSchema,
  ackFrameSchema,
  rosterAckFrameSchema,
  bindFrameSchema,
])
export type HelloFrame = z.infer<typeof helloFrameSchema>
export type AckFrame = z.infer<typeof ackFrameSchema>
export type RosterAckFrame = z.infer<typeof rosterAckFrameSchema>
export type BindFrame = z.infer<typeof bindFrameSchema>
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
    /** v2: the visitor's check-in number in the kiosk's relay campaign, the same at every booth. */
    number: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    /** v2: this is the visitor's first scan at any kiosk of the campaign. */
    firstInCampaign: z.boolean().optional(),
  })
  .strict()

/**
 * Additive (after v2): the campaign the relay counted the next scan in, the one its `number` and
 * `firstInCampaign` are of, sent immediately before that scan frame (same `seq`) whenever the
 * stored event has a campaign. Its own frame, not a field of `scan`: a kiosk checks scan frames
 * strictly and closes the link on one it cannot read, while it ignores frame types it does not
 * know, so kiosks without it (v1 and earlier v2) skip it and file the scan as before. A kiosk
 * that reads it files the scan there, whatever campaign it holds and whatever code was shown.
 */
export const scanCampaignFrameSchema = z
  .object({ type: z.literal('scan-campaign'), seq: seq.min(1), campaignId: campaignIdSchema })
  .strict()

/**
 * v2: the kiosk's relay campaign, sent right after `welcome` (before any scan) and on every
 * change; `null`: this kiosk has no relay campaign (it runs its own). `version` grows with every
 * change to what this kiosk gets; the kiosk ignores a version older than the one it holds.
 */
export const campaignFrameSchema = z
  .object({
    type: z.literal('campaign'),
    campaign: relayCampaignSchema.nullable(),
    version,
  })
  .strict()

/**
 * v2: the campaign's big-screen paths (with its screen key), sent right after every campaign
 * frame naming a campaign, with the same `version`. A frame of its own, not a field of
 * `campaign`: a kiosk checks frames strictly and ignores only unknown frame types, so older
 * kiosks skip it. The kiosk keeps it only while it holds that campaign at that version.
 */
export const screensFrameSchema = z
  .object({
    type: z.literal('screens'),
    campaignId: campaignIdSchema,
    version,
    screens: screenPathsSchema,
  })
  .strict()

/**
 * v2: a slice of the campaign's roster: entries `[offset, offset + entries.length)` of `total`.
 * The kiosk stages them and swaps the whole roster in when `final` (the slice ending at
 * `total`) arrives, acking each slice with `roster-ack`.
 */
export const rosterFrameSchema = z
  .object({
    type: z.literal('roster'),
    campaignId: campaignIdSchema,
    rosterVersion: version,
    offset: count,
    total: count,
    entries: z.array(relayRosterEntrySchema).max(MAX_ROSTER_ENTRIES_PER_FRAME),
    final: z.boolean(),
  })
  .strict()
  .refine((f) => f.offset + f.entries.length <= f.total, 'entries run past total')
  .refine((f) => f.final === (f.offset + f.entries.length === f.total), 'final iff the last slice')

/** v2: a desk at another booth (or this one, echoed) bound a WeChat user to a registration. */
export const bindingFrameSchema = z
  .object({
    type: z.literal('binding'),
    campaignId: campaignIdSchema,
    registrationId: registrationId,
    openid,
    at: epochMs,
  })
  .strict()

/** v2: the relay stored this kiosk's `bind` (the kiosk drops it from its outbox). */
export const bindAckFrameSchema = z
  .object({
    type: z.literal('bind-ack'),
    campaignId: campaignIdSchema,
    registrationId: registrationId,
    openid,
    at: epochMs,
  })
  .strict()

/**
 * Additive (after v2): an organizer cleared this booth's admin-area PIN lockout from the console
 * (`POST /console/api/kiosks/<id>/admin-unlock`). The kiosk resets its wrong-PIN count and
 * lockout; the PIN is unchanged and no admin session opens. Sent only on the kiosk's live,
 * authenticated link; a second one changes nothing. Kiosks without it ignore the unknown type.
 */
export const adminUnlockFrameSchema = z.object({ type: z.literal('admin-unlock') }).strict()

/** An erased visitor's tombstone: SHA-256 of `<campaignId>\0<openid>`, lowercase hex. */
export const visitorTombstoneSchema = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase SHA-256 hex')
/** Tombstones in one `erasure` frame: 500 of them are ~45 KB, under MAX_RELAY_FRAME_BYTES. */
export const MAX_TOMBSTONES_PER_FRAME = 500

/**
 * Additive (after v2): visitors erased from the campaign by the organizer (docs/DESIGN.md "Visitor
 * erasure (added after v2)"), each as its tombstone (never the openid) and when it was erased, on
 * the relay's clock. Sent after `welcome` with every tombstone of the kiosk's campaign (in frames
 * of at most MAX_TOMBSTONES_PER_FRAME) and live after each erasure. The kiosk pseudonymises the
 * visitor's rows of that campaign the relay stored up to `at` (a scan after it is the visitor come
 * back, a new visitor), unbinds them from the roster and drops its unsent desk bindings of them
 * made up to `at`; the same frame again changes nothing. Kiosks without it ignore the unknown type.
 */
export const erasureFrameSchema = z
  .object({
    type: z.literal('erasure'),
    campaignId: campaignIdSchema,
    visitors: z
      .array(z.object({ visitor: visitorTombstoneSchema, at: epochMs }).strict())
      .min(1)
      .max(MAX_TOMBSTONES_PER_FRAME),
  })
  .strict()

export const relayFrameSchema = z.discriminatedUnion('type', [
  welcomeFrameSchema,
  scanFrameSchema,
  scanCampaignFrameSchema,
  campaignFrameSchema,
  screensFrameSchema,
  rosterFrameSchema,
  bindingFrameSchema,
  bindAckFrameSchema,
  adminUnlockFrameSchema,
  erasureFrameSchema,
])
export type WelcomeFrame = z.infer<typeof welcomeFrameSchema>
export type ScanFrame = z.infer<typeof scanFrameSchema>
export type ScanCampaignFrame = z.infer<typeof scanCampaignFrameSchema>
export type CampaignFrame = z.infer<typeof campaignFrameSchema>
export type ScreensFrame = z.infer<typeof screensFrameSchema>
export type RosterFrame = z.infer<typeof rosterFrameSchema>
export type BindingFrame = z.infer<typeof bindingFrameSchema>
export type BindAckFrame = z.infer<typeof bindAckFrameSchema>
export type AdminUnlockFrame = z.infer<typeof adminUnlockFrameSchema>
export type ErasureFrame = z.infer<typeof erasureFrameSchema>
export type RelayFrame = z.infer<typeof relayFrameSchema>

/**
 * Where the roster frame starting at `start` ends: at most MAX_ROSTER_ENTRIES_PER_FRAME entries
 * and `maxBytes` (at most MAX_RELAY_FRAME_BYTES) serialized (always at least one entry: the
 * longest possible entry, every character escaped, is ~3.7 KB). The relay cuts with it, to
 * smaller frames on a slow link; `entries.slice(start, end)`.
 */
// TextEncoder, not Buffer: this file runs in browsers too.
const utf8 = new TextEncoder()

export function rosterChunkEnd(
  entries: readonly RelayRosterEntry[],
  start: number,
  maxBytes: number = MAX_RELAY_FRAME_BYTES,
): number {
  const limit = Math.min(maxBytes, MAX_RELAY_FRAME_BYTES)
  // Room for the frame's own fields (type, ids, numbers, final), generously.
  let bytes = 512
  let end = start
  while (end < entries.length && end - start < MAX_ROSTER_ENTRIES_PER_FRAME) {
    const size = utf8.encode(JSON.stringify(entries[end])).length + 1
    if (end > start && bytes + size > limit) break
    bytes += size
    end++
  }
  return end
}

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
    ticket: qrTicketSchema,
    url: qrUrlSchema,
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
 * A HEAD's error answer has no body: the relay repeats its `error.code` and `error.message` in
 * these headers, each percent-encoded UTF-8 (the message cut at 500 characters), so a client
 * that checks before a download can say why as the GET's body would.
 */
export const ERROR_CODE_HEADER = 'X-Error-Code'
export const ERROR_MESSAGE_HEADER = 'X-Error-Message'

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
    ticket: qrTicketSchema,
    url: qrUrlSchema,
    scene: z.string().min(1).max(MAX_SCENE_LENGTH),
  })
  .strict()
export type FallbackCodeResponse = z.infer<typeof fallbackCodeResponseSchema>
