/** How relay records are laid out in Redis hashes, streams and pub/sub messages. */
import { z } from 'zod'
import { epochMs, scanFrameSchema, visitorTombstoneSchema } from '../../../shared/relay-protocol'
import type { NewEvent } from '../types'

export const storeChangeSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('event'),
    kioskId: z.string(),
    seq: z.number(),
    event: scanFrameSchema.omit({ type: true }).optional(),
    campaignId: z.string().optional(),
  }),
  z.object({ type: z.literal('kiosk'), kioskId: z.string() }),
  z.object({ type: z.literal('roster'), campaignId: z.string() }),
  z.object({ type: z.literal('draw'), campaignId: z.string(), drawId: z.string() }),
  z.object({
    type: z.literal('erasure'),
    campaignId: z.string(),
    // A bad tombstone is dropped, not the change: the kiosk hub then reads the campaign's
    // tombstones again (which skip it) rather than send a kiosk a frame it would refuse.
    visitor: visitorTombstoneSchema.optional().catch(undefined),
    at: epochMs.optional().catch(undefined),
  }),
  z.object({
    type: z.literal('binding'),
    campaignId: z.string(),
    registrationId: z.string(),
    openid: z.string(),
    at: z.number(),
  }),
  z.object({
    type: z.literal('campaign'),
    campaignId: z.string().nullable(),
    kioskId: z.string().optional(),
  }),
  z.object({
    type: z.literal('connected'),
    kioskId: z.string(),
    connectionId: z.string(),
    generation: z.number(),
  }),
  z.object({ type: z.literal('replaced'), kioskId: z.string() }),
  z.object({ type: z.literal('disconnected'), kioskId: z.string() }),
  z.object({ type: z.literal('admin-unlock'), kioskId: z.string() }),
])
export const kioskHashSchema = z.object({
  tokenHash: z.string(),
  epoch: z.string(),
  headSeq: z.coerce.number().int(),
  ackedSeq: z.coerce.number().int(),
  ticketProxy: z.enum(['0', '1']),
  createdAt: z.coerce.number(),
  revokedAt: z.string().optional(),
  ranges: z.string().default('[]'),
})
export const rangesSchema = z.array(z.object({ lo: z.number().int(), hi: z.number().int() }))
export const streamEntrySchema = z.tuple([z.string(), z.array(z.string())])
export const eventFieldsSchema = z.object({
  id: z.string(),
  event: z.enum(['subscribe', 'scan']),
  openid: z.string(),
  scene: z.string(),
  ticket: z.string(),
  createTime: z.coerce.number().int(),
  receivedAt: z.coerce.number().int(),
  number: z.coerce.number().int().positive().optional(),
  firstInCampaign: z
    .enum(['0', '1'])
    .transform((v) => v === '1')
    .optional(),
  /** The campaign `number` counts in (queue entries; absent from those stored before). */
  campaignId: z.string().min(1).optional(),
})
export const appendReplySchema = z.tuple([z.number(), z.string()])

/**
 * The change message APPEND_EVENT publishes, in the three pieces around the seq the script
 * assigns (twice): `{"type":"event","kioskId":…[,"campaignId":…],"seq":<seq>,"event":{"seq":<seq>,
 * "id":…,…}}`, with the campaign the event counts in when it has one.
 */
export function eventChangePieces(
  kioskId: string,
  e: NewEvent,
  n: CampaignNumber | null = null,
  campaignId: string | null = null,
): [string, string, string] {
  const fields = JSON.stringify({
    id: e.id,
    event: e.event,
    openid: e.openid,
    scene: e.scene,
    ticket: e.ticket,
    createTime: e.createTime,
    receivedAt: e.receivedAt,
    ...(n === null ? {} : { number: n.number, firstInCampaign: n.firstInCampaign }),
  })
  const head = JSON.stringify({
    type: 'event',
    kioskId,
    ...(campaignId === null ? {} : { campaignId }),
  }).slice(0, -1)
  return [`${head},"seq":`, ',"event":{"seq":', `,${fields.slice(1)}}`]
}

/**
 * PUSH_EVENT's change message pieces: as `eventChangePieces` without a number, the last piece
 * without its closing braces (the script adds the number it takes, then closes).
 */
export function pushChangePieces(
  kioskId: string,
  e: NewEvent,
  campaignId: string | null,
): [string, string, string] {
  const [head, mid, tail] = eventChangePieces(kioskId, e, null, campaignId)
  return [head, mid, tail.slice(0, -2)]
}

export function fieldsToObject(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i] ?? ''] = fields[i + 1] ?? ''
  return out
}

/** A visitor's check-in number in a campaign, and whether this push took it. */
export interface CampaignNumber {
  number: number
  firstInCampaign: boolean
}

export function eventFields(
  e: Omit<NewEvent, 'event'> & { event: string },
  n: CampaignNumber | null = null,
): string[] {
  const fields = [
    'id',
    e.id,
    'event',
    e.event,
    'openid',
    e.openid,
    'scene',
    e.scene,
    'ticket',
    e.ticket,
    'createTime',
    String(e.createTime),
    'receivedAt',
    String(e.receivedAt),
  ]
  if (n !== null) {
    fields.push('number', String(n.number), 'firstInCampaign', n.firstInCampaign ? '1' : '0')
  }
  return fields
}
