/**
 * The campaign half of the console API as this console speaks it (contract v2, docs/DESIGN.md
 * "Contract v2"): the campaign itself is shared/campaign.ts (what the relay stores and the
 * kiosk receives); here are the roster calls' shapes as the relay's roster routes send them
 * (`POST|GET /console/api/campaigns/<id>/roster`), to move into shared/console-api.ts beside
 * the relay's own copy when both branches meet, and the MIME type of each roster format.
 */
import { z } from 'zod'
import { relayRosterEntrySchema } from '../../../shared/campaign'
import { rosterColumns } from '../../../shared/errors'
import { consoleRosterCheckSchema, type ConsoleRosterCheck } from '../../../shared/console-api'

export {
  BRACES_MESSAGE,
  CAMPAIGN_DEFAULTS,
  campaignFormSchema,
  campaignInputSchema,
  consoleCampaignSchema,
  consoleCampaignSummarySchema,
  FOLLOW_UP_BYTES_MESSAGE,
  followUpMaxBytes,
  GREETING_NO_NAME_MESSAGE,
  MAX_FOLLOW_UP_BYTES,
  MAX_REPLY_LENGTH,
  MAX_STAMP_KIOSKS,
  MAX_TAG_LENGTH,
  toCampaignSummary,
  type CampaignInput,
  type ConsoleCampaign,
  type ConsoleCampaignSummary,
  type RelayGreetingTexts as GreetingTexts,
} from '../../../shared/campaign'

export const GREETING_KEYS = ['first', 'returning', 'named'] as const
export type GreetingKey = (typeof GREETING_KEYS)[number]

/** The roster file formats the relay takes, as the kiosk's import does, with their MIME types. */
export const ROSTER_CONTENT_TYPES = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const
export type RosterFormat = keyof typeof ROSTER_CONTENT_TYPES

/** A problem in a roster file, as the kiosk's import reports it (codes, never sentences). */
export const rosterProblemSchema = z.object({
  /** As the spreadsheet numbers it: 1-based, the header row is 1. */
  row: z.number().int().positive(),
  column: z.enum(rosterColumns).nullable(),
  code: z.string().min(1).max(64),
  params: z.record(z.string().max(32), z.union([z.string().max(200), z.number()])),
})
export type RosterProblem = z.infer<typeof rosterProblemSchema>

/** 200 to the upload: the roster now held (`skipped` bad rows left out when asked to). */
export const consoleRosterUploadSchema = z.object({
  version: z.number().int().positive(),
  total: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  errors: z.array(rosterProblemSchema),
})
export type ConsoleRosterUpload = z.infer<typeof consoleRosterUploadSchema>

/** 400 to the upload: the file was refused whole; its problems beside the error. */
export const rosterRefusalSchema = z.object({ errors: z.array(rosterProblemSchema).min(1) })

/** What an upload came to: stored, or refused with the rows to fix (nothing changed). */
export type RosterUploadOutcome =
  ({ stored: true } & ConsoleRosterUpload) | { stored: false; errors: RosterProblem[] }

/**
 * `POST …/roster?dryRun=1`: what an upload of the file would store, and what of the current
 * roster it keeps; nothing is stored. The relay's own schema, not a second copy.
 */
export { consoleRosterCheckSchema, type ConsoleRosterCheck }
/** What a check came to: what would be stored, or the refusal an upload would get. */
export type RosterCheckOutcome = ConsoleRosterCheck | { stored: false; errors: RosterProblem[] }

/** `GET /console/api/campaigns/<id>/roster?offset=&limit=` (limit at most 1000). */
export const consoleRosterPageSchema = z.object({
  version: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  entries: z.array(relayRosterEntrySchema),
})
export type ConsoleRosterPage = z.infer<typeof consoleRosterPageSchema>
export type ConsoleRosterEntry = ConsoleRosterPage['entries'][number]
