/**
 * A campaign as the relay keeps it (contract v2, docs/DESIGN.md "Contract v2"): what the
 * console edits, what the `campaign` frame carries to kiosks, and the screen key only the
 * console sees. Runs in the renderer and the console too: zod only.
 */
import { z } from 'zod'

/** Campaign ids are made by the relay: URL- and Redis-hash-tag-safe. */
export const CAMPAIGN_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
export const campaignIdSchema = z.string().regex(CAMPAIGN_ID_PATTERN, 'campaign id must match [A-Za-z0-9_-]{1,64}')

const text = (max: number) => z.string().trim().min(1).max(max)
/** Milliseconds since the epoch. */
const epochMs = z.number().int().nonnegative()

/** Greeting templates; `{name}` and `{number}` are filled in by the kiosk. */
export const campaignGreetingSchema = z
  .object({ first: text(200), returning: text(200), named: text(200) })
  .strict()

/** Everything an organizer edits (the body of POST and PUT). */
export const campaignFieldsSchema = z
  .object({
    name: text(80),
    startsAt: epochMs.nullable(),
    endsAt: epochMs.nullable(),
    /** Seconds a code stays on screen before it rotates even without a scan. */
    rotationSeconds: z.number().int().min(10).max(3600),
    /** Lifetime asked of WeChat for each temporary code (at most 30 days). */
    ticketTtlSeconds: z.number().int().min(60).max(2_592_000),
    mode: z.enum(['booth', 'desk']),
    greetings: z
      .object({ 'zh-CN': campaignGreetingSchema, en: campaignGreetingSchema })
      .strict(),
    /** Passive reply texts; empty means "answer `success`, send nothing". */
    reply: z.object({ subscribe: z.string().max(600), scan: z.string().max(600) }).strict(),
    /** WeChat tag name (at most 30 characters on the platform), or null. */
    tag: text(30).nullable(),
    followUp: text(600).nullable(),
    /** Kiosk ids of a stamp rally, or empty. */
    stamps: z.array(z.string().regex(/^[a-z0-9-]{1,24}$/)).max(100),
  })
  .strict()
  .refine((c) => c.startsAt === null || c.endsAt === null || c.startsAt <= c.endsAt, {
    message: 'endsAt must not be before startsAt',
    path: ['endsAt'],
  })
export type CampaignFields = z.infer<typeof campaignFieldsSchema>

/** What a kiosk receives: the fields, the id and a version bumped on every change. */
export const relayCampaignSchema = z
  .object({
    id: campaignIdSchema,
    version: z.number().int().positive(),
    updatedAt: epochMs,
    fields: campaignFieldsSchema,
  })
  .strict()
export type RelayCampaign = z.infer<typeof relayCampaignSchema>

/** What the console sees: the kiosk's view plus the big screens' key. */
export const consoleCampaignSchema = z
  .object({
    id: campaignIdSchema,
    version: z.number().int().positive(),
    updatedAt: epochMs,
    fields: campaignFieldsSchema,
    screenKey: z.string().min(16).max(128),
  })
  .strict()
export type ConsoleCampaign = z.infer<typeof consoleCampaignSchema>
