/**
 * The campaign half of the console API as this console speaks it (contract v2, docs/DESIGN.md
 * "Contract v2"): the fields an organizer edits, a stored campaign, a roster page and the
 * upload's report. The fields mirror the campaign schema the kiosk and relay share (kiosk19's
 * shared/campaign.ts, not on this branch yet): when it lands these become imports from it.
 * Answers are parsed without `.strict()` so a relay that adds a field (version, updatedAt)
 * does not break the console; what the console sends is exactly the fields.
 */
import { z } from 'zod'
import { rosterEntrySchema } from '../../../shared/domain'
import { rosterImportResultSchema } from '../../../shared/ipc'
import { kioskIdSchema } from '../../../shared/relay-protocol'

export const CAMPAIGN_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
export const campaignIdSchema = z.string().regex(CAMPAIGN_ID_PATTERN)

/** WeChat tag names are at most 30 characters. */
export const MAX_TAG_LENGTH = 30
/** Passive replies and customer-service texts: WeChat allows 2048 bytes; 600 characters fit. */
export const MAX_REPLY_LENGTH = 600
export const MAX_STAMP_KIOSKS = 50
export const MAX_GREETING_LENGTH = 200
export const MAX_NAME_LENGTH = 80

const text = (max: number) => z.string().trim().min(1).max(max)

export const GREETING_KEYS = ['first', 'returning', 'named'] as const
export type GreetingKey = (typeof GREETING_KEYS)[number]

export const greetingTextsSchema = z
  .object({
    first: text(MAX_GREETING_LENGTH),
    returning: text(MAX_GREETING_LENGTH),
    named: text(MAX_GREETING_LENGTH),
  })
  .strict()
export type GreetingTexts = z.infer<typeof greetingTextsSchema>

const fieldsShape = {
  name: text(MAX_NAME_LENGTH),
  /** ISO dates (`YYYY-MM-DD`, the venue's day), both optional. */
  startsAt: z.iso.date().nullable(),
  endsAt: z.iso.date().nullable(),
  /** Seconds a code stays on screen before it rotates even without a scan. */
  rotationSeconds: z.number().int().min(10).max(3600),
  /** Lifetime asked of WeChat for each temporary code (at most 30 days). */
  ticketTtlSeconds: z.number().int().min(60).max(2_592_000),
  mode: z.enum(['booth', 'desk']),
  greetings: z.object({ 'zh-CN': greetingTextsSchema, en: greetingTextsSchema }).strict(),
  /** The relay's passive reply texts for this campaign's scans. */
  reply: z.object({ subscribe: text(MAX_REPLY_LENGTH), scan: text(MAX_REPLY_LENGTH) }).strict(),
  tag: text(MAX_TAG_LENGTH).nullable(),
  followUp: text(MAX_REPLY_LENGTH).nullable(),
  /** Kiosk ids of a stamp rally (empty: none). */
  stamps: z
    .array(kioskIdSchema)
    .max(MAX_STAMP_KIOSKS)
    .refine((ids) => new Set(ids).size === ids.length, 'stamps must not repeat a kiosk'),
}

function datesInOrder(c: { startsAt: string | null; endsAt: string | null }): boolean {
  return !c.startsAt || !c.endsAt || c.startsAt <= c.endsAt
}
const datesMessage = { message: 'endsAt must not be before startsAt', path: ['endsAt'] }

/** The body of `POST /console/api/campaigns` and `PUT /console/api/campaigns/<id>`. */
export const campaignInputSchema = z.object(fieldsShape).strict().refine(datesInOrder, datesMessage)
export type CampaignInput = z.infer<typeof campaignInputSchema>

/** A stored campaign as the console gets it: the fields, its id and the big screens' key. */
export const consoleCampaignSchema = z.object({
  ...fieldsShape,
  id: campaignIdSchema,
  screenKey: z.string().min(16).max(128),
  /** Bumped on every change, when the relay says it. */
  version: z.number().int().nonnegative().optional(),
})
export type ConsoleCampaign = z.infer<typeof consoleCampaignSchema>
export const consoleCampaignListSchema = z.array(consoleCampaignSchema)

/** `POST /console/api/campaigns/<id>/screen-key`: the new key (the old one stops working). */
export const screenKeyResponseSchema = z.object({ screenKey: z.string().min(16).max(128) })

/** The roster file formats the relay takes, as the kiosk's import does, with their MIME types. */
export const ROSTER_CONTENT_TYPES = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const
export type RosterFormat = keyof typeof ROSTER_CONTENT_TYPES

/** `POST /console/api/campaigns/<id>/roster`: the kiosk import's report (rows in, problems). */
export const rosterUploadResultSchema = rosterImportResultSchema
export type RosterUploadResult = z.infer<typeof rosterUploadResultSchema>

/** One registered visitor in `GET /console/api/campaigns/<id>/roster` (the relay's entry). */
export const consoleRosterEntrySchema = rosterEntrySchema
  .pick({ id: true, name: true, company: true, phone: true, code: true, openid: true })
  .extend({ checkedInAt: z.number().int().nullable().optional() })
export type ConsoleRosterEntry = z.infer<typeof consoleRosterEntrySchema>
export const consoleRosterPageSchema = z.object({
  total: z.number().int().nonnegative(),
  rows: z.array(consoleRosterEntrySchema),
})
export type ConsoleRosterPage = z.infer<typeof consoleRosterPageSchema>
