/** Row shapes of the SQLite store, checked as they are read (the schema gives the type). */
import { z } from 'zod'
import type { StoredEvent } from '../types'

export const kioskRow = z.object({
  kiosk_id: z.string(),
  token_hash: z.string(),
  epoch: z.string(),
  head_seq: z.number(),
  acked_seq: z.number(),
  ticket_proxy: z.number(),
  created_at: z.number(),
  revoked_at: z.number().nullable(),
})
export type KioskRow = z.infer<typeof kioskRow>

export const rangeRow = z.object({ lo: z.number(), hi: z.number(), kiosk_id: z.string() })
export const countRow = z.object({ n: z.number() })
export const seqOwnerRow = z.object({ kiosk_id: z.string(), seq: z.number() })
/** A stored event found by id (a retry): where it is, and the campaign its number counts in. */
export const duplicateRow = seqOwnerRow.extend({
  campaign_id: z.string().nullable(),
  number: z.number().nullable(),
})
export const headSeqRow = z.object({ head_seq: z.number() })
export const ackRow = z.object({ head_seq: z.number(), acked_seq: z.number() })
export const bodyHashRow = z.object({ body_hash: z.string() })
export const queueRow = kioskRow.pick({ epoch: true, head_seq: true, acked_seq: true })

const eventRow = z.object({
  seq: z.number(),
  id: z.string(),
  event: z.enum(['subscribe', 'scan']),
  openid: z.string(),
  scene: z.string(),
  ticket: z.string(),
  create_time: z.number(),
  received_at: z.number(),
  number: z.number().nullable().optional(),
  first_in_campaign: z.number().nullable().optional(),
  campaign_id: z.string().nullable().optional(),
})

export function toStoredEvent(raw: unknown): StoredEvent {
  const r = eventRow.parse(raw)
  const stored: StoredEvent = {
    seq: r.seq,
    id: r.id,
    event: r.event,
    openid: r.openid,
    scene: r.scene,
    ticket: r.ticket,
    createTime: r.create_time,
    receivedAt: r.received_at,
  }
  if (r.number != null) {
    stored.number = r.number
    stored.firstInCampaign = r.first_in_campaign === 1
    // Null for a number stored before migration 16: its campaign unknown here.
    if (r.campaign_id != null) stored.campaignId = r.campaign_id
  }
  return stored
}
